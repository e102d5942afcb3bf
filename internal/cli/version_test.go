package cli

import (
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "e8323fd0c7a4b1f2e3d4c5b6a7980123456789ab"},
		{Key: "vcs.time", Value: "2026-12-07T04:52:13Z"}, {Key: "vcs.modified", Value: "false"}}
	dirty := append(append([]debug.BuildSetting(nil), vcs[:3]...), debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	tests := []struct {
		name string
		set  stamp
		bi   *debug.BuildInfo
		want string
	}{
		{"a release", stamp{}, &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}, Settings: vcs},
			"ecsrun v1.4.0 (commit e8323fd0c7a4 of 2026-12-07T04:52:13Z, go1.26.0)"},
		{"a checkout the go command did not stamp", stamp{}, &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: dirty},
			"ecsrun devel (commit e8323fd0c7a4 with uncommitted changes of 2026-12-07T04:52:13Z, go1.26.0)"},
		{"go run or a test: no VCS", stamp{}, &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			"ecsrun devel (no VCS information, go1.26.0)"},
		{"set at build time", stamp{version: "2.0.0-rc1"}, &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			"ecsrun 2.0.0-rc1 (commit e8323fd0c7a4 of 2026-12-07T04:52:13Z, go1.26.0)"},
		{"no build information", stamp{}, nil, "ecsrun devel (no build information)"},
		{"go install ...@v1.4.0: the module version, no VCS stamp", stamp{}, &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}},
			"ecsrun v1.4.0 (no VCS information, go1.26.0)"},
		{"a release build: version, commit and build date set", stamp{"v1.4.0", "e8323fd0c7a4b1f2e3d4c5b6a7980123456789ab", "2026-12-07T05:00:00Z"},
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			"ecsrun v1.4.0 (commit e8323fd0c7a4, built 2026-12-07T05:00:00Z, go1.26.0)"},
		{"a release build of a dirty tree keeps the stamped commit", stamp{"v1.4.0", "0123456789abcdef", "2026-12-07T05:00:00Z"},
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: dirty},
			"ecsrun v1.4.0 (commit 0123456789ab, built 2026-12-07T05:00:00Z, go1.26.0)"},
		{"a release build of a modified tree (release/build.sh's -dirty)", stamp{"v1.4.0", "0123456789abcdef-dirty", "2026-12-07T05:00:00Z"},
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			"ecsrun v1.4.0 (commit 0123456789ab with uncommitted changes, built 2026-12-07T05:00:00Z, go1.26.0)"},
	}
	for _, tt := range tests {
		if got := versionLine(tt.set, tt.bi); got != tt.want {
			t.Errorf("%s: versionLine = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// The command prints the build information of the binary it runs in.
func TestVersion_PrintsTheBuildInformation(t *testing.T) {
	code, out, _ := run(t, "version")
	bi, ok := debug.ReadBuildInfo()
	if code != 0 || !ok || !strings.HasPrefix(out, "ecsrun ") || !strings.Contains(out, bi.GoVersion) || strings.Contains(out, "ecsrun dev\n") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

// A binary built with the release script's -ldflags prints what they set.
func TestVersion_LdflagsStampABuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ecsrun")
	}
	bin := filepath.Join(t.TempDir(), "ecsrun")
	const pkg = "github.com/ecsrun/ecsrun/internal/cli"
	build := exec.Command("go", "build", "-o", bin, "-ldflags",
		"-X "+pkg+".Version=v9.8.7 -X "+pkg+".Commit=abcdef0123456789 -X "+pkg+".Date=2026-12-07T05:00:00Z", "../../cmd/ecsrun")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("ecsrun version: %v\n%s", err, out)
	}
	if want := "ecsrun v9.8.7 (commit abcdef012345, built 2026-12-07T05:00:00Z, go"; !strings.HasPrefix(string(out), want) {
		t.Errorf("ecsrun version printed %q; want it to start %q", out, want)
	}
}
