package hostmounts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRefusal(t *testing.T) {
	protected := []Protected{Root, StateDir("/home/u/.local/state/ecsrun"), Socket("/var/run/docker.sock"), Socket("/run/user/1000/docker.sock")}
	for _, tc := range []struct {
		src     string
		allowed []string
		want    string // a part of the refusal; "" when allowed
	}{
		{"/", nil, "the host's root directory"},
		{"/home/u/.local/state/ecsrun", nil, "it is the engine's state directory"},
		{"/home/u/.local/state/ecsrun/secrets", nil, "it is inside the engine's state directory"},
		{"/home/u/.local/state/ecsrun/", nil, "it is the engine's state directory"},
		{"/home/u/.local/state", nil, "it contains the engine's state directory"},
		{"/home", nil, "it contains the engine's state directory"},
		{"/var/run/docker.sock", nil, "it is the Docker socket"},
		{"/var/run", nil, "it contains the Docker socket"},
		{"/run/user/1000", nil, "it contains the Docker socket /run/user/1000/docker.sock"},
		{"/run/user/1000/other.sock", nil, ""},
		{"/var/run/docker.sock.d", nil, ""},
		{"/home/u/.local/state/ecsrun2", nil, ""},
		{"/srv/data", nil, ""},
		{"/etc/ssl", nil, ""},
		// allowHostPaths
		{"/var/run/docker.sock", []string{"/var/run/docker.sock"}, ""},
		{"/var/run", []string{"/var/run/docker.sock"}, "it contains the Docker socket"},
		{"/home/u/.local/state/ecsrun/efs", []string{"/home/u/.local/state/ecsrun/efs"}, ""},
		{"/home/u/.local/state/ecsrun/efs/a", []string{"/home/u/.local/state/ecsrun/efs"}, ""},
		{"/home/u/.local/state/ecsrun", []string{"/home/u/.local/state/ecsrun/efs"}, "it is the engine's state directory"},
		{"/", []string{"/"}, ""},
	} {
		got := Refusal(tc.src, protected, tc.allowed)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("Refusal(%q, allowed %q) = %q; want %q", tc.src, tc.allowed, got, tc.want)
		}
	}
}

func TestDockerHostSocket(t *testing.T) {
	for in, want := range map[string]string{
		"unix:///run/user/1000/docker.sock": "/run/user/1000/docker.sock",
		"tcp://127.0.0.1:2375":              "",
		"":                                  "",
		"unix://":                           "",
	} {
		if got := DockerHostSocket(in); got != want {
			t.Errorf("DockerHostSocket(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestPolicy_Check_ResolvesSymlinks checks that a link to a protected
// path, or a path through a linked directory, is refused as the path is,
// and that a protected path named through a link is protected too.
func TestPolicy_Check_ResolvesSymlinks(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(base, "state")
	run := filepath.Join(base, "run")
	for _, d := range []string{state, run, filepath.Join(base, "data")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(run, "docker.sock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := func(target, name string) string {
		p := filepath.Join(base, name)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	varRun := link(run, "varrun") // like /var/run -> /run
	stateLink := link(state, "state-link")
	sockLink := link(filepath.Join(run, "docker.sock"), "sock-link")
	relLink := link("state", "rel-link")
	// The socket is named through the linked directory, as /var/run/docker.sock.
	p := NewPolicy([]Protected{Root, StateDir(state), Socket(filepath.Join(varRun, "docker.sock"))}, []string{filepath.Join(base, "data")})
	for _, tc := range []struct {
		src, want string
	}{
		{stateLink, "the engine's state directory"},
		{filepath.Join(stateLink, "secrets", "not-yet"), "inside the engine's state directory"},
		{relLink, "the engine's state directory"},
		{sockLink, "the Docker socket"},
		{filepath.Join(run, "docker.sock"), "the Docker socket"},
		{run, "contains the Docker socket"},
		{base + "/data/../state", "the engine's state directory"},
		{filepath.Join(base, "data"), ""},
		{filepath.Join(base, "elsewhere"), ""},
	} {
		err := p.Check("v", tc.src)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Check(%q) = %v; want %q", tc.src, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "Volume 'v'") {
			t.Errorf("Check(%q) = %v; want the volume named", tc.src, err)
		}
	}
	var nilPolicy *Policy
	if err := nilPolicy.Check("v", "/"); err != nil {
		t.Errorf("nil Policy.Check = %v; want nil (no policy: everything allowed)", err)
	}
}
