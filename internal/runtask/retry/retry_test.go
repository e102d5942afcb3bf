package retry

import (
	"strings"
	"testing"
	"time"
)

func TestPolicy_Next(t *testing.T) {
	base := Policy{MaxAttempts: 3, Interval: time.Second, BackoffRate: 2, Jitter: JitterNone, RetryOn: []string{FailedToStart}}
	with := func(f func(*Policy)) Policy { p := base; f(&p); return p }
	tests := []struct {
		name      string
		p         Policy
		done      int
		errs      []string
		rnd       float64
		wantDelay time.Duration
		wantRetry bool
	}{
		{"first retry waits the interval", base, 0, []string{FailedToStart}, 0.5, time.Second, true},
		{"second retry doubles", base, 1, []string{FailedToStart}, 0.5, 2 * time.Second, true},
		{"third retry doubles again", base, 2, []string{FailedToStart}, 0.5, 4 * time.Second, true},
		{"MaxAttempts 3 means no fourth retry", base, 3, []string{FailedToStart}, 0.5, 0, false},
		{"MaxAttempts 0 never retries", with(func(p *Policy) { p.MaxAttempts = 0 }), 0, []string{FailedToStart}, 0, 0, false},
		{"an application failure is not retried by default", base, 0, []string{TaskFailed}, 0, 0, false},
		{"a timeout is not retried by default", base, 0, []string{Timeout}, 0, 0, false},
		{"no error is never retried", with(func(p *Policy) { p.RetryOn = []string{All} }), 0, nil, 0, 0, false},
		{"States.ALL retries application failures", with(func(p *Policy) { p.RetryOn = []string{All} }), 0, []string{TaskFailed}, 0, time.Second, true},
		{"a finer name matches", with(func(p *Policy) { p.RetryOn = []string{"RESOURCE:MEMORY"} }), 0, []string{FailedToStart, "RESOURCE:MEMORY"}, 0, time.Second, true},
		{"another finer name does not", with(func(p *Policy) { p.RetryOn = []string{"RESOURCE:MEMORY"} }), 0, []string{FailedToStart, "RESOURCE:CPU"}, 0, 0, false},
		{"max delay caps", with(func(p *Policy) { p.MaxDelay = 3 * time.Second }), 2, []string{FailedToStart}, 0, 3 * time.Second, true},
		{"fractional backoff", with(func(p *Policy) { p.BackoffRate = 1.5 }), 2, []string{FailedToStart}, 0, 2250 * time.Millisecond, true},
		{"backoff 1 keeps the interval", with(func(p *Policy) { p.BackoffRate = 1 }), 2, []string{FailedToStart}, 0, time.Second, true},
		{"full jitter scales the delay", with(func(p *Policy) { p.Jitter = JitterFull }), 1, []string{FailedToStart}, 0.25, 500 * time.Millisecond, true},
		{"full jitter applies after the cap", with(func(p *Policy) { p.Jitter = JitterFull; p.MaxDelay = 2 * time.Second }), 2, []string{FailedToStart}, 0.5, time.Second, true},
		{"full jitter with rnd 0 retries at once", with(func(p *Policy) { p.Jitter = JitterFull }), 0, []string{FailedToStart}, 0, 0, true},
		{"huge backoff saturates at the cap", with(func(p *Policy) { p.MaxAttempts = 1000; p.BackoffRate = 1000; p.MaxDelay = time.Hour }), 500, []string{FailedToStart}, 0, time.Hour, true},
		{"zero interval retries at once", with(func(p *Policy) { p.Interval = 0 }), 1, []string{FailedToStart}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := tt.p.Next(tt.done, tt.errs, tt.rnd)
			if d != tt.wantDelay || ok != tt.wantRetry {
				t.Errorf("Next(%d, %q, %v) = %v, %v; want %v, %v", tt.done, tt.errs, tt.rnd, d, ok, tt.wantDelay, tt.wantRetry)
			}
		})
	}
}

func TestPolicy_DelayWithoutCapNeverOverflows(t *testing.T) {
	p := Policy{Interval: time.Hour, BackoffRate: 10}
	if d := p.Delay(400, 0); d <= 0 {
		t.Errorf("Delay(400) = %v; want a positive saturated duration", d)
	}
}

func TestPolicy_Validate(t *testing.T) {
	ok := Default()
	if err := ok.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	tests := []struct {
		name string
		mod  func(*Policy)
		want string
	}{
		{"negative attempts", func(p *Policy) { p.MaxAttempts = -1 }, "--max-attempts"},
		{"negative interval", func(p *Policy) { p.Interval = -time.Second }, "--retry-interval"},
		{"backoff below 1", func(p *Policy) { p.BackoffRate = 0.5 }, "--backoff-rate"},
		{"negative max delay", func(p *Policy) { p.MaxDelay = -1 }, "--max-delay"},
		{"unknown jitter", func(p *Policy) { p.Jitter = "half" }, "--jitter"},
		{"unknown class", func(p *Policy) { p.RetryOn = []string{"States.Nope"} }, "unknown error name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Default()
			tt.mod(&p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v; want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestParseRetryOn(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"TaskFailedToStart", []string{FailedToStart}, ""},
		{"States.TaskFailed, States.Timeout,States.TaskFailed", []string{TaskFailed, Timeout}, ""},
		{"RESOURCE:MEMORY,CannotPullContainerError", []string{"RESOURCE:MEMORY", "CannotPullContainerError"}, ""},
		{"States.All", nil, `did you mean "States.ALL"`},
		{"Whatever", nil, "unknown error name"},
		{" , ", nil, "at least one"},
	}
	for _, tt := range tests {
		got, err := ParseRetryOn(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRetryOn(%q) error = %v; want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("ParseRetryOn(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseJitter(t *testing.T) {
	for in, want := range map[string]Jitter{"full": JitterFull, "FULL": JitterFull, "none": JitterNone, "NONE": JitterNone} {
		if got, err := ParseJitter(in); err != nil || got != want {
			t.Errorf("ParseJitter(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseJitter("half"); err == nil {
		t.Error(`ParseJitter("half") succeeded; want an error`)
	}
}
