package fake_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func run(t *testing.T, rt *fake.Runtime, spec runtime.ContainerSpec) string {
	t.Helper()
	id, err := rt.Create(ctx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx(t), id); err != nil {
		t.Fatal(err)
	}
	return id
}

func logs(t *testing.T, rt *fake.Runtime, id string, opts runtime.LogOptions) []string {
	t.Helper()
	var out []string
	if err := rt.Logs(ctx(t), id, opts, func(l runtime.LogLine) { out = append(out, string(l.Stream)+":"+l.Text) }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRuntime_ScriptedExit(t *testing.T) {
	rt := fake.New()
	rt.OnImage("busybox", fake.Exits(3, "hi").Errors("oops"))
	id := run(t, rt, runtime.ContainerSpec{Image: "busybox"})
	st, err := rt.Wait(ctx(t), id)
	if err != nil || st.ExitCode != 3 || st.FinishedAt.IsZero() {
		t.Fatalf("Wait = %+v, %v; want exit 3", st, err)
	}
	if got, want := logs(t, rt, id, runtime.LogOptions{Follow: true}), []string{"stdout:hi", "stderr:oops"}; !slices.Equal(got, want) {
		t.Fatalf("Logs = %q; want %q", got, want)
	}
	info, _ := rt.Inspect(ctx(t), id)
	if !info.Exited || info.Running || info.ExitCode != 3 {
		t.Fatalf("Inspect = %+v", info)
	}
}

func TestRuntime_RulesPrecedence(t *testing.T) {
	rt := fake.New()
	rt.Default(fake.Exits(1))
	rt.OnImage("app", fake.Exits(2))
	rt.OnCommand("migrate", fake.Exits(4))
	rt.On(func(s runtime.ContainerSpec) bool { return s.Labels["special"] == "yes" }, fake.Exits(5))
	for _, tc := range []struct {
		spec runtime.ContainerSpec
		want int
	}{
		{runtime.ContainerSpec{Image: "other"}, 1},
		{runtime.ContainerSpec{Image: "app"}, 2},
		{runtime.ContainerSpec{Image: "app", Command: []string{"migrate", "up"}}, 4},
		{runtime.ContainerSpec{Image: "x", EntryPoint: []string{"migrate"}}, 4},
		{runtime.ContainerSpec{Image: "app", Command: []string{"migrate"}, Labels: map[string]string{"special": "yes"}}, 5},
	} {
		st, err := rt.Wait(ctx(t), run(t, rt, tc.spec))
		if err != nil || st.ExitCode != tc.want {
			t.Errorf("spec %+v: exit %d, %v; want %d", tc.spec, st.ExitCode, err, tc.want)
		}
	}
}

func TestRuntime_DelayedExitAndFollow(t *testing.T) {
	rt := fake.New()
	rt.OnImage("slow", fake.Exits(0, "start").After(30*time.Millisecond))
	id, _ := rt.Create(ctx(t), runtime.ContainerSpec{Image: "slow"})
	var (
		got  []string
		done = make(chan error, 1)
	)
	go func() {
		done <- rt.Logs(ctx(t), id, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) { got = append(got, l.Text) })
	}()
	start := time.Now()
	if err := rt.Start(ctx(t), id); err != nil {
		t.Fatal(err)
	}
	st, _ := rt.Wait(ctx(t), id)
	if d := time.Since(start); d < 30*time.Millisecond || st.ExitCode != 0 {
		t.Fatalf("exited %+v after %v; want 0 after 30ms", st, d)
	}
	if err := <-done; err != nil || !slices.Equal(got, []string{"start"}) {
		t.Fatalf("Follow = %q, %v", got, err)
	}
}

func TestRuntime_RunsUntilStopped(t *testing.T) {
	rt := fake.New()
	rt.OnImage("svc", fake.RunsUntilStopped("up").OnStop("bye"))
	id := run(t, rt, runtime.ContainerSpec{Image: "svc"})
	c, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := rt.Wait(c, id); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait on a running container = %v; want it to block until the deadline", err)
	}
	if err := rt.Stop(ctx(t), id, time.Minute); err != nil {
		t.Fatal(err)
	}
	st, _ := rt.Wait(ctx(t), id)
	if st.ExitCode != 143 {
		t.Fatalf("exit = %d; want 143 (SIGTERM)", st.ExitCode)
	}
	if got := logs(t, rt, id, runtime.LogOptions{}); !slices.Equal(got, []string{"stdout:up", "stdout:bye"}) {
		t.Fatalf("Logs = %q", got)
	}
	if err := rt.Stop(ctx(t), id, time.Second); err != nil {
		t.Fatalf("second Stop = %v", err)
	}
}

func TestRuntime_StopTimeouts(t *testing.T) {
	rt := fake.New()
	rt.OnImage("stubborn", fake.IgnoresStop())
	rt.OnImage("graceful", fake.RunsUntilStopped().StopsWith(0, 10*time.Millisecond))
	rt.OnImage("slowstop", fake.RunsUntilStopped().StopsWith(0, time.Hour))
	for _, tc := range []struct {
		image   string
		timeout time.Duration
		want    int
	}{
		{"stubborn", 20 * time.Millisecond, 137},
		{"graceful", time.Minute, 0},
		{"slowstop", 20 * time.Millisecond, 137},
	} {
		id := run(t, rt, runtime.ContainerSpec{Image: tc.image})
		start := time.Now()
		if err := rt.Stop(ctx(t), id, tc.timeout); err != nil {
			t.Fatal(err)
		}
		d := time.Since(start)
		st, _ := rt.Wait(ctx(t), id)
		if st.ExitCode != tc.want {
			t.Errorf("%s: exit %d; want %d", tc.image, st.ExitCode, tc.want)
		}
		if tc.want == 137 && d < tc.timeout {
			t.Errorf("%s: killed after %v; want the %v timeout first", tc.image, d, tc.timeout)
		}
	}
}

func TestRuntime_ScriptedExitBeatsSlowStop(t *testing.T) {
	rt := fake.New()
	rt.OnImage("x", fake.Exits(9).After(10*time.Millisecond).StopsWith(0, time.Hour))
	id := run(t, rt, runtime.ContainerSpec{Image: "x"})
	if err := rt.Stop(ctx(t), id, time.Hour); err != nil {
		t.Fatal(err)
	}
	if st, _ := rt.Wait(ctx(t), id); st.ExitCode != 9 {
		t.Fatalf("exit %d; want the scripted 9", st.ExitCode)
	}
}

func TestRuntime_OOMAndFailures(t *testing.T) {
	rt := fake.New()
	rt.OnImage("big", fake.Exits(137).OOM())
	rt.OnImage("private", fake.Behavior{PullErr: errors.New("denied")})
	rt.OnImage("gone", fake.Behavior{PullErr: runtime.ErrImageNotFound, CreateErr: runtime.ErrImageNotFound})
	rt.OnImage("bad", fake.Behavior{CreateErr: errors.New("invalid mount")})
	rt.OnImage("nostart", fake.Behavior{StartErr: errors.New("exec format error")})

	st, _ := rt.Wait(ctx(t), run(t, rt, runtime.ContainerSpec{Image: "big"}))
	if !st.OOMKilled || st.ExitCode != 137 {
		t.Errorf("big: %+v; want OOM 137", st)
	}
	if _, err := rt.Pull(ctx(t), "private", runtime.PullDefault); !errors.Is(err, runtime.ErrPull) {
		t.Errorf("Pull(private) = %v; want ErrPull", err)
	}
	if _, err := rt.Pull(ctx(t), "gone", runtime.PullDefault); !errors.Is(err, runtime.ErrImageNotFound) || errors.Is(err, runtime.ErrPull) {
		t.Errorf("Pull(gone) = %v; want ErrImageNotFound only", err)
	}
	if _, err := rt.Pull(ctx(t), "fine", runtime.PullDefault); err != nil {
		t.Errorf("Pull(fine) = %v", err)
	}
	if _, err := rt.Create(ctx(t), runtime.ContainerSpec{Image: "gone"}); !errors.Is(err, runtime.ErrImageNotFound) {
		t.Errorf("Create(gone) = %v; want ErrImageNotFound", err)
	}
	if _, err := rt.Create(ctx(t), runtime.ContainerSpec{Image: "bad"}); !errors.Is(err, runtime.ErrCreate) {
		t.Errorf("Create(bad) = %v; want ErrCreate", err)
	}
	id, err := rt.Create(ctx(t), runtime.ContainerSpec{Image: "nostart"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx(t), id); !errors.Is(err, runtime.ErrStart) {
		t.Errorf("Start(nostart) = %v; want ErrStart", err)
	}
	if st, _ := rt.Wait(ctx(t), id); st.Error == "" {
		t.Errorf("Wait after a failed start = %+v; want an error text", st)
	}
}

func TestRuntime_ExitPrintSinceListRemove(t *testing.T) {
	rt := fake.New()
	a := run(t, rt, runtime.ContainerSpec{Name: "a", Image: "x", Labels: map[string]string{"app": "1", "role": "a"}})
	b := run(t, rt, runtime.ContainerSpec{Name: "b", Image: "x", Labels: map[string]string{"app": "1"}})
	if _, err := rt.Create(ctx(t), runtime.ContainerSpec{Name: "a"}); !errors.Is(err, runtime.ErrCreate) {
		t.Fatalf("duplicate name: %v; want ErrCreate", err)
	}
	if err := rt.Print(a, runtime.Stdout, "one"); err != nil {
		t.Fatal(err)
	}
	var first time.Time
	rt.Logs(ctx(t), a, runtime.LogOptions{}, func(l runtime.LogLine) { first = l.Time })
	// Lines printed later carry later (or equal) times; Since skips older ones.
	for {
		if err := rt.Print(a, runtime.Stderr, "two"); err != nil {
			t.Fatal(err)
		}
		var last time.Time
		rt.Logs(ctx(t), a, runtime.LogOptions{}, func(l runtime.LogLine) { last = l.Time })
		if last.After(first) {
			got := logs(t, rt, a, runtime.LogOptions{Since: last})
			if len(got) == 0 || slices.Contains(got, "stdout:one") {
				t.Fatalf("Logs(Since) = %q; want only later lines", got)
			}
			break
		}
	}
	if ok, err := rt.Exit(a, runtime.ExitStatus{ExitCode: 42}); !ok || err != nil {
		t.Fatalf("Exit = %v, %v", ok, err)
	}
	if st, _ := rt.Wait(ctx(t), "a"); st.ExitCode != 42 {
		t.Fatalf("Wait by name = %+v; want 42", st)
	}
	list, _ := rt.List(ctx(t), map[string]string{"app": "1"})
	if len(list) != 2 {
		t.Fatalf("List(app=1) = %d; want 2", len(list))
	}
	list, _ = rt.List(ctx(t), map[string]string{"app": "1", "role": "a"})
	if len(list) != 1 || list[0].ID != a || !list[0].Exited {
		t.Fatalf("List(app=1,role=a) = %+v", list)
	}
	if err := rt.Remove(ctx(t), b); err != nil {
		t.Fatal(err)
	}
	checks := map[string]error{
		"Start":  rt.Start(ctx(t), b),
		"Stop":   rt.Stop(ctx(t), b, time.Second),
		"Remove": rt.Remove(ctx(t), b),
		"Logs":   rt.Logs(ctx(t), b, runtime.LogOptions{}, func(runtime.LogLine) {}),
	}
	_, checks["Wait"] = rt.Wait(ctx(t), b)
	_, checks["Inspect"] = rt.Inspect(ctx(t), "b")
	for op, err := range checks {
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("%s(removed) = %v; want ErrNotFound", op, err)
		}
	}
}

func TestRuntime_Concurrent(t *testing.T) {
	rt := fake.New()
	rt.OnImage("quick", fake.Exits(0, "done"))
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			for j := range 20 {
				label := fmt.Sprint(i)
				spec := runtime.ContainerSpec{Image: "quick", Labels: map[string]string{"w": label}}
				if j%2 == 1 {
					spec.Image = "svc"
				}
				id, err := rt.Create(context.Background(), spec)
				if err != nil {
					t.Error(err)
					return
				}
				go rt.Logs(context.Background(), id, runtime.LogOptions{Follow: true}, func(runtime.LogLine) {})
				rt.Start(context.Background(), id)
				rt.Stop(context.Background(), id, time.Second)
				rt.Wait(context.Background(), id)
				rt.List(context.Background(), map[string]string{"w": label})
				if err := rt.Remove(context.Background(), id); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if list, _ := rt.List(ctx(t), nil); len(list) != 0 {
		t.Fatalf("%d containers left", len(list))
	}
}

func BenchmarkRuntime_TaskLifecycle(b *testing.B) {
	rt := fake.New()
	rt.OnImage("job", fake.Exits(0, "hello"))
	ctx := context.Background()
	spec := runtime.ContainerSpec{Image: "job", Labels: map[string]string{"k": "v"}}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rt.Pull(ctx, spec.Image, runtime.PullDefault)
			id, err := rt.Create(ctx, spec)
			if err != nil {
				b.Fatal(err)
			}
			rt.Start(ctx, id)
			if st, _ := rt.Wait(ctx, id); st.ExitCode != 0 {
				b.Fatal(st)
			}
			rt.Logs(ctx, id, runtime.LogOptions{Follow: true}, func(runtime.LogLine) {})
			rt.Inspect(ctx, id)
			rt.Remove(ctx, id)
		}
	})
}

func TestStart_RestartsAnExitedContainer(t *testing.T) {
	rt := fake.New()
	rt.Default(fake.Exits(4, "run"))
	id, err := rt.Create(ctx(t), runtime.ContainerSpec{Name: "again", Image: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		if err := rt.Start(ctx(t), id); err != nil {
			t.Fatalf("Start #%d: %v", run, err)
		}
		if st, err := rt.Wait(ctx(t), id); err != nil || st.ExitCode != 4 {
			t.Fatalf("Wait #%d = %+v, %v; want exit 4", run, st, err)
		}
	}
	var lines []string
	if err := rt.Logs(ctx(t), id, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) { lines = append(lines, l.Text) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lines, []string{"run", "run"}) {
		t.Errorf("output = %q; want one line per run", lines)
	}
}

func TestRuntime_ReserveHoldsTheNameUntilCreated(t *testing.T) {
	rt := fake.New()
	spec := runtime.ContainerSpec{Name: "app", Image: "app"}
	v, err := rt.Reserve(spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Reserve(spec); !errors.Is(err, runtime.ErrNameInUse) {
		t.Errorf("Reserve of a reserved name = %v; want ErrNameInUse", err)
	}
	if _, err := rt.Inspect(ctx(t), "app"); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("Inspect of a reserved name before any Create = %v; want ErrNotFound", err)
	}
	select {
	case <-v.Missed():
		t.Fatal("Missed closed before a Create was refused")
	default:
	}
	_, err = rt.Create(ctx(t), spec)
	if !errors.Is(err, runtime.ErrNameInUse) || !errors.Is(err, runtime.ErrCreate) {
		t.Fatalf("Create of a reserved name = %v; want ErrCreate and ErrNameInUse", err)
	}
	if _, err := rt.Inspect(ctx(t), "app"); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("Inspect of a reserved name = %v; want ErrNotFound", err)
	}
	select {
	case <-v.Missed():
	default:
		t.Fatal("Missed not closed after an Inspect missed the refused name")
	}
	id, err := v.Create()
	if err != nil {
		t.Fatal(err)
	}
	st, err := rt.Inspect(ctx(t), "app")
	if err != nil || st.ID != id || st.Running || st.Exited {
		t.Fatalf("Inspect after the reservation's Create = %+v, %v; want created container %s", st, err, id)
	}
	if _, err := v.Create(); err == nil {
		t.Errorf("second Create of a reservation succeeded")
	}
	if _, err := rt.Create(ctx(t), spec); !errors.Is(err, runtime.ErrNameInUse) {
		t.Errorf("Create of a created name = %v; want ErrNameInUse", err)
	}
}

func TestRuntime_ReservationRunStartsTheContainer(t *testing.T) {
	rt := fake.New()
	rt.OnImage("app", fake.Exits(4, "hi"))
	v, err := rt.Reserve(runtime.ContainerSpec{Name: "app", Image: "app"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Run()
	if err != nil {
		t.Fatal(err)
	}
	st, err := rt.Inspect(ctx(t), "app")
	if err != nil || st.ID != id || !st.Exited || st.ExitCode != 4 {
		t.Fatalf("Inspect = %+v, %v; want exited with 4", st, err)
	}
	if got := logs(t, rt, id, runtime.LogOptions{}); !slices.Equal(got, []string{"stdout:hi"}) {
		t.Errorf("Logs = %q; want stdout:hi", got)
	}
	if got := rt.Started(); !slices.Equal(got, []string{"app"}) {
		t.Errorf("Started = %q; want [app]", got)
	}
}
