package runtimetest

import (
	"slices"
	"time"
)

// CheckStopDeliversSIGTERM checks, with a toolbox container that traps it,
// that Stop delivers SIGTERM and returns once the container has exited,
// well before the timeout, and that stopping it again is no error. Spec
// must be set.
func (h *Harness) CheckStopDeliversSIGTERM() {
	h.T.Helper()
	id := h.Run(h.Spec("trap", "TERM", "3", "got", "SIGTERM", "--", "out", "ready", "--", "forever"))
	ready, done := h.Follow(id, "ready")
	h.Await(ready, "ready")
	start := time.Now()
	if err := h.RT.Stop(h.Ctx, id, 20*time.Second); err != nil {
		h.T.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		h.T.Errorf("Stop took %v; want well under the 20 s timeout", d)
	}
	if st := h.Wait(id); st.ExitCode != 3 {
		h.T.Fatalf("Wait = %+v; want exit 3 from the trap", st)
	}
	if got := Texts(done()); !slices.Equal(got, []string{"stdout:ready", "stdout:got SIGTERM"}) {
		h.T.Fatalf("Logs = %q; want ready, got SIGTERM", got)
	}
	if err := h.RT.Stop(h.Ctx, id, time.Second); err != nil {
		h.T.Fatalf("Stop of a stopped container: %v", err)
	}
}

// CheckStopKillsAfterTimeout checks, with a toolbox container that ignores
// SIGTERM, that Stop kills it (exit code 137) once timeout has passed.
// Spec must be set.
func (h *Harness) CheckStopKillsAfterTimeout(timeout time.Duration) {
	h.T.Helper()
	id := h.Run(h.Spec("ignore", "TERM", "--", "out", "ready", "--", "forever"))
	ready, _ := h.Follow(id, "ready")
	h.Await(ready, "ready")
	start := time.Now()
	if err := h.RT.Stop(h.Ctx, id, timeout); err != nil {
		h.T.Fatal(err)
	}
	if d := time.Since(start); d < timeout {
		h.T.Errorf("Stop returned after %v; want the %v timeout to pass first", d, timeout)
	}
	if st := h.Wait(id); st.ExitCode != 137 {
		h.T.Fatalf("Wait = %+v; want exit 137 (SIGKILL)", st)
	}
}
