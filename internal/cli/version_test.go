package cli

import (
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
		set  string
		bi   *debug.BuildInfo
		want string
	}{
		{"a release", "", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}, Settings: vcs},
			"ecsrun v1.4.0 (commit e8323fd0c7a4 of 2026-12-07T04:52:13Z, go1.26.0)"},
		{"a checkout the go command did not stamp", "", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: dirty},
			"ecsrun devel (commit e8323fd0c7a4 with uncommitted changes of 2026-12-07T04:52:13Z, go1.26.0)"},
		{"go run or a test: no VCS", "", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			"ecsrun devel (no VCS information, go1.26.0)"},
		{"set at build time", "2.0.0-rc1", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			"ecsrun 2.0.0-rc1 (commit e8323fd0c7a4 of 2026-12-07T04:52:13Z, go1.26.0)"},
		{"no build information", "", nil, "ecsrun devel (no build information)"},
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
