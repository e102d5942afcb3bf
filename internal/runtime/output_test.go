package runtime

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestOutput_ReadAndFollow(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	line := func(s string, at int) LogLine {
		return LogLine{Stream: Stdout, Time: t0.Add(time.Duration(at) * time.Second), Text: s}
	}
	read := func(o *Output, opts LogOptions) []string {
		t.Helper()
		var got []string
		if err := o.Read(context.Background(), opts, func(l LogLine) { got = append(got, l.Text) }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	var o Output
	if got := read(&o, LogOptions{}); len(got) != 0 {
		t.Errorf("empty output read %q", got)
	}
	o.Add(line("a", 0), line("b", 1))
	o.Add(line("c", 2))
	tests := []struct {
		name string
		opts LogOptions
		want []string
	}{
		{"all", LogOptions{}, []string{"a", "b", "c"}},
		{"since is inclusive", LogOptions{Since: t0.Add(time.Second)}, []string{"b", "c"}},
		{"since after the last", LogOptions{Since: t0.Add(time.Minute)}, nil},
	}
	for _, tt := range tests {
		if got := read(&o, tt.opts); !slices.Equal(got, tt.want) {
			t.Errorf("%s: read %q; want %q", tt.name, got, tt.want)
		}
	}

	// A follow delivers what comes later and returns at End.
	got := make(chan []string)
	go func() { got <- read(&o, LogOptions{Follow: true}) }()
	o.Add(line("d", 3))
	o.End()
	if g := <-got; !slices.Equal(g, []string{"a", "b", "c", "d"}) {
		t.Errorf("follow read %q; want every line up to the end", g)
	}
}

func TestOutput_FollowEndsWithItsContext(t *testing.T) {
	var o Output
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { errc <- o.Read(ctx, LogOptions{Follow: true}, func(LogLine) {}) }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Read = %v; want context.Canceled", err)
	}
}
