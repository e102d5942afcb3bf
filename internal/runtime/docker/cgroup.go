package docker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

var _ runtime.TaskCgroups = (*Runtime)(nil)

// CgroupRoot is where the cgroup file systems are mounted.
const CgroupRoot = "/sys/fs/cgroup"

// cgroupParent is the directory, under each hierarchy, of the task cgroups.
const cgroupParent = "ecsrun"

// cfsPeriod is the CFS period used for CPU quotas, in microseconds.
const cfsPeriod = 100000

// cgroupSupport records how task cgroups are made on this host.
type cgroupSupport struct {
	// err, when set, wraps runtime.ErrNotSupported and says why.
	err     error
	version int // 1 or 2
	root    string
}

var cgroupChars = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// validCgroupName reports whether name is 1 to 128 letters, digits, dots,
// hyphens and underscores.
func validCgroupName(name string) bool { return len(name) <= 128 && cgroupChars.MatchString(name) }

// probeCgroups decides, once, whether this runtime can make task cgroups:
// the engine must use the cgroupfs driver and run on this host (a local
// socket, not Docker Desktop), and the cgroup file system must be writable
// here (usually: ecsrun runs as root).
func (r *Runtime) probeCgroups(ctx context.Context) (*cgroupSupport, error) {
	r.mu.Lock()
	s := r.cgroups
	r.mu.Unlock()
	if s != nil {
		return s, nil
	}
	info, err := r.cli.Info(ctx)
	if err != nil {
		return nil, wrap("task cgroup", "", nil, nil, err)
	}
	s = &cgroupSupport{root: CgroupRoot}
	no := func(format string, args ...any) {
		s.err = fmt.Errorf("docker: task cgroup: %w: %s", runtime.ErrNotSupported, fmt.Sprintf(format, args...))
	}
	switch {
	case info.CgroupDriver != "cgroupfs":
		no("the engine uses the %q cgroup driver (task cgroups need cgroupfs)", info.CgroupDriver)
	case !strings.HasPrefix(r.cli.DaemonHost(), "unix://"):
		no("the engine %s is not on this host", r.cli.DaemonHost())
	case strings.Contains(info.OperatingSystem, "Docker Desktop"):
		no("the engine runs in Docker Desktop's virtual machine")
	case info.CgroupVersion == "2":
		s.version = 2
		b, err := os.ReadFile(filepath.Join(s.root, "cgroup.controllers"))
		if err != nil || !strings.Contains(string(b), "memory") || !strings.Contains(string(b), "cpu") {
			no("no cgroup v2 memory and cpu controllers under %s", s.root)
		}
	default:
		s.version = 1
		for _, c := range []string{"memory", "cpu"} {
			if _, err := os.Stat(filepath.Join(s.root, c)); err != nil {
				no("no cgroup v1 %s hierarchy under %s", c, s.root)
			}
		}
	}
	if s.err == nil {
		if err := s.mkdirParent(); err != nil {
			no("cannot create task cgroups here: %v", err)
		}
	}
	r.mu.Lock()
	r.cgroups = s
	r.mu.Unlock()
	return s, nil
}

// mkdirParent creates the parent of the task cgroups.
func (s *cgroupSupport) mkdirParent() error {
	if s.version == 2 {
		if err := os.MkdirAll(filepath.Join(s.root, cgroupParent), 0o755); err != nil {
			return err
		}
		// Hand the memory and cpu controllers down to the task cgroups.
		if err := writeFile(filepath.Join(s.root, "cgroup.subtree_control"), "+memory +cpu"); err != nil {
			return err
		}
		return writeFile(filepath.Join(s.root, cgroupParent, "cgroup.subtree_control"), "+memory +cpu")
	}
	for _, c := range []string{"memory", "cpu"} {
		if err := os.MkdirAll(filepath.Join(s.root, c, cgroupParent), 0o755); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path, value string) error {
	return os.WriteFile(path, []byte(value), 0o644)
}

// TaskCgroup creates the cgroup /ecsrun/<name> with the task's memory limit
// and CPU quota, and returns it as the CgroupParent of the task's
// containers, whose own cgroups then nest under it, so the limits hold for
// all of them together (what the ECS agent does with /ecs/<task id>).
func (r *Runtime) TaskCgroup(ctx context.Context, name string, lim runtime.TaskLimits) (string, error) {
	if !validCgroupName(name) {
		return "", fmt.Errorf("docker: task cgroup %q: %w: invalid name", name, runtime.ErrCreate)
	}
	s, err := r.probeCgroups(ctx)
	if err != nil {
		return "", err
	}
	if s.err != nil {
		return "", s.err
	}
	fail := func(err error) (string, error) {
		return "", fmt.Errorf("docker: task cgroup %s: %w: %w", name, runtime.ErrCreate, err)
	}
	quota := ""
	if lim.NanoCPUs > 0 {
		quota = strconv.FormatInt(max(lim.NanoCPUs*cfsPeriod/1e9, 1000), 10)
	}
	if s.version == 2 {
		dir := filepath.Join(s.root, cgroupParent, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fail(err)
		}
		if lim.MemoryBytes > 0 {
			if err := writeFile(filepath.Join(dir, "memory.max"), strconv.FormatInt(lim.MemoryBytes, 10)); err != nil {
				return fail(err)
			}
		}
		if quota != "" {
			if err := writeFile(filepath.Join(dir, "cpu.max"), quota+" "+strconv.Itoa(cfsPeriod)); err != nil {
				return fail(err)
			}
		}
		return "/" + cgroupParent + "/" + name, nil
	}
	mem := filepath.Join(s.root, "memory", cgroupParent, name)
	cpu := filepath.Join(s.root, "cpu", cgroupParent, name)
	for _, dir := range []string{mem, cpu} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fail(err)
		}
	}
	if lim.MemoryBytes > 0 {
		if err := writeFile(filepath.Join(mem, "memory.limit_in_bytes"), strconv.FormatInt(lim.MemoryBytes, 10)); err != nil {
			return fail(err)
		}
	}
	if quota != "" {
		if err := writeFile(filepath.Join(cpu, "cpu.cfs_period_us"), strconv.Itoa(cfsPeriod)); err != nil {
			return fail(err)
		}
		if err := writeFile(filepath.Join(cpu, "cpu.cfs_quota_us"), quota); err != nil {
			return fail(err)
		}
	}
	return "/" + cgroupParent + "/" + name, nil
}

// RemoveTaskCgroup removes the task cgroup from every hierarchy, with the
// (empty) cgroups its containers left. Removing one that is gone is not an
// error.
func (r *Runtime) RemoveTaskCgroup(ctx context.Context, name string) error {
	if !validCgroupName(name) {
		return fmt.Errorf("docker: remove task cgroup %q: invalid name", name)
	}
	s, err := r.probeCgroups(ctx)
	if err != nil {
		return err
	}
	if s.err != nil {
		return nil
	}
	var dirs []string
	if s.version == 2 {
		dirs = []string{filepath.Join(s.root, cgroupParent, name)}
	} else {
		hs, err := os.ReadDir(s.root)
		if err != nil {
			return fmt.Errorf("docker: remove task cgroup %s: %w", name, err)
		}
		for _, h := range hs {
			dirs = append(dirs, filepath.Join(s.root, h.Name(), cgroupParent, name))
		}
	}
	var errs []error
	for _, dir := range dirs {
		subs, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		for _, sub := range subs {
			if sub.IsDir() {
				if err := os.Remove(filepath.Join(dir, sub.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		}
		if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("docker: remove task cgroup %s: %w", name, err)
	}
	return nil
}
