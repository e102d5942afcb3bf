package initgc

import (
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"testing"
)

// TestInit: the test binary starts with the target at Percent (read back
// through runtime/debug, which also sets it), and Restore gives back the
// runtime's, GOGC's when it is set; each case runs in a child process,
// whose environment decides the runtime's start.
func TestInit(t *testing.T) {
	if v := os.Getenv("INITGC_CHILD"); v != "" {
		at := debug.SetGCPercent(Percent)
		fmt := strconv.Itoa(at) + " " + strconv.Itoa(Restore()) + " " + strconv.Itoa(debug.SetGCPercent(100))
		os.Stdout.WriteString(fmt)
		return
	}
	for _, tc := range []struct {
		gogc, want string
	}{
		{"", "400 100 100"},
		{"50", "400 50 50"},
		{"100", "400 100 100"},
		{"off", "400 -1 -1"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestInit$")
		cmd.Env = append(os.Environ(), "INITGC_CHILD=1", "GOGC="+tc.gogc)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("GOGC=%q: %v", tc.gogc, err)
		}
		// The child's output ends before the test framework's PASS line.
		if got := string(out); len(got) < len(tc.want) || got[:len(tc.want)] != tc.want {
			t.Errorf("GOGC=%q: target at start, Restore, after = %q; want %q", tc.gogc, got, tc.want)
		}
	}
}
