package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestInitOrder: package initgc initialises before the AWS SDK's service
// packages (whose allocations it keeps the garbage collector from
// collecting at every start). It fails when initgc gains an import that
// delays it, or when the binary no longer imports it. The test binary of
// package main initialises the same packages in the same order.
func TestInitOrder(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	gc, sdk := -1, -1
	for i, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "init" {
			continue
		}
		switch {
		case f[1] == "github.com/ecsrun/ecsrun/internal/initgc" && gc < 0:
			gc = i
		case strings.HasPrefix(f[1], "github.com/aws/aws-sdk-go-v2/service/") && sdk < 0:
			sdk = i
		}
	}
	if gc < 0 || sdk < 0 {
		t.Fatalf("init trace lacks initgc (line %d) or an SDK service package (line %d):\n%s", gc, sdk, out)
	}
	if gc > sdk {
		t.Errorf("initgc initialises after the SDK's service packages (trace lines %d and %d)", gc, sdk)
	}
}
