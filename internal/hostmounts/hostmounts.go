package hostmounts

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// Protected is a host path that tasks may not bind-mount.
type Protected struct {
	// Path is absolute and resolved (no symlinks).
	Path string
	// What names the path for the user ("the engine's state directory").
	What string
	// Why says what a task could do with it.
	Why string
	// Inside protects the paths inside Path as well (a directory whose
	// every file matters), not only Path and the directories containing it.
	Inside bool
}

// Refusal says why a bind mount of src, an absolute resolved path, is
// refused ("" when it is not): src is a protected path, contains one, or
// lies inside one whose contents are protected, and is not at or inside
// one of allowed (absolute resolved paths).
func Refusal(src string, protected []Protected, allowed []string) string {
	src = filepath.Clean(src)
	for _, a := range allowed {
		if within(src, filepath.Clean(a)) {
			return ""
		}
	}
	for _, p := range protected {
		path := filepath.Clean(p.Path)
		switch {
		case src == path:
			return fmt.Sprintf("it is %s (%s)", p.What, p.Why)
		case within(path, src):
			return fmt.Sprintf("it contains %s %s (%s)", p.What, path, p.Why)
		case p.Inside && within(src, path):
			return fmt.Sprintf("it is inside %s %s (%s)", p.What, path, p.Why)
		}
	}
	return ""
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	if path == dir || dir == "/" {
		return true
	}
	return strings.HasPrefix(path, dir+string(filepath.Separator))
}

// Policy checks the host paths of tasks' volumes against the paths it
// protects, resolving symlinks first.
type Policy struct {
	protected []Protected
	allowed   []string
}

// Root is "/", which holds everything else.
var Root = Protected{Path: "/", What: "the host's root directory", Why: "a task could read and change every file of the host"}

// DockerSockets are the Docker Engine's usual sockets.
var DockerSockets = []string{"/var/run/docker.sock", "/run/docker.sock"}

// StateDir protects an engine's state directory and everything in it.
func StateDir(dir string) Protected {
	return Protected{Path: dir, What: "the engine's state directory", Inside: true,
		Why: "a task could read the secret store, the task endpoints' key and every task's data"}
}

// Socket protects a Docker Engine socket.
func Socket(path string) Protected {
	return Protected{Path: path, What: "the Docker socket", Why: "a task could control Docker, every container, and the host through it"}
}

// DockerHostSocket returns the socket path of a DOCKER_HOST value
// ("unix:///path"), "" for any other kind of address.
func DockerHostSocket(dockerHost string) string {
	if p, ok := strings.CutPrefix(dockerHost, "unix://"); ok && p != "" {
		return p
	}
	return ""
}

// NewPolicy returns a policy protecting protected unless a path is at or
// inside one of allowed. Paths are made absolute and their symlinks
// resolved (as far as they exist).
func NewPolicy(protected []Protected, allowed []string) *Policy {
	p := &Policy{}
	seen := map[string]bool{}
	for _, pr := range protected {
		for _, path := range []string{pr.Path, resolve(pr.Path)} {
			// Both the path as named and where it leads: a socket
			// reached through /var/run -> /run is the same socket.
			if k := path + "\x00" + pr.What; !seen[k] {
				seen[k] = true
				q := pr
				q.Path = path
				p.protected = append(p.protected, q)
			}
		}
	}
	for _, a := range allowed {
		p.allowed = append(p.allowed, filepath.Clean(a), resolve(a))
	}
	return p
}

// Check returns an error saying why volume's host sourcePath src may not
// be mounted, nil when it may.
func (p *Policy) Check(volume, src string) error {
	if p == nil {
		return nil
	}
	for _, path := range []string{filepath.Clean(src), resolve(src)} {
		if why := Refusal(path, p.protected, p.allowed); why != "" {
			shown := src
			if path != filepath.Clean(src) {
				shown = fmt.Sprintf("%s (%s)", src, path)
			}
			return fmt.Errorf("Volume '%s' may not mount host path %s: %s. Mount a narrower path, or allow it in the serve configuration (allowHostPaths)", volume, shown, why)
		}
	}
	return nil
}

// resolve makes path absolute and resolves its symlinks; the part of it
// that does not exist is kept as it is.
func resolve(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	rest := ""
	for dir := abs; ; {
		r, err := filepath.EvalSymlinks(dir)
		if err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(dir)
		if parent == dir || !errors.Is(err, fs.ErrNotExist) {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}
