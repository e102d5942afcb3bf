package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/envfile"
	"github.com/ecsrun/ecsrun/internal/firelens"
	"github.com/ecsrun/ecsrun/internal/runtime"
)

// FireLens on the agent's side, as the ECS agent does it: before the
// containers, the task's FireLens directory <DataDir>/firelens/<task id>
// gets config/fluent.conf (the generated configuration), config/external.conf
// (a config-file-type s3 file, from the local S3 directory) and an empty
// socket/ directory (in the temporary directory when the socket's path
// would be longer than a unix socket's can be). The router mounts the configuration where its image
// reads it and socket/ on /var/run, where it creates fluent.sock; every
// container with the awsfirelens driver depends on the router (START) and
// gets Docker's fluentd log driver writing to that socket on the host. The
// directory is removed with the task's containers (RemoveExpired).

// firelensDirName is the directory of DataDir that holds the tasks'
// FireLens directories.
const firelensDirName = "firelens"

// maxSocketPath is the longest unix socket path (sun_path holds 108 bytes
// with the terminating NUL on Linux).
const maxSocketPath = 107

// taskIDLen is the length of a task id (32 hex digits).
const taskIDLen = 32

// firelensDir returns the FireLens directory of a task.
func (a *Agent) firelensDir(taskID string) string {
	return filepath.Join(a.opts.DataDir, firelensDirName, taskID)
}

// socketDir returns the host directory of the router's socket for the
// FireLens directory dir: its socket/, or, when the socket's path would be
// too long for a unix socket, a directory of the system's temporary
// directory named after dir.
func socketDir(dir string) string {
	d := filepath.Join(dir, "socket")
	if len(filepath.Join(d, firelens.SocketName)) <= maxSocketPath {
		return d
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "ecsrun-firelens-"+hex.EncodeToString(sum[:8]))
}

// socketHostPath is the router's socket as the Docker engine sees it.
func socketHostPath(dir string) string { return filepath.Join(socketDir(dir), firelens.SocketName) }

// checkFirelens reports what keeps spec's FireLens settings from working.
func (a *Agent) checkFirelens(spec *TaskSpec) error {
	def := spec.Definition
	if err := firelens.Check(def); err != nil {
		return ecs.Errorf(ecs.ErrClient, "%v", err)
	}
	router := firelens.Router(def)
	if router == nil {
		return nil
	}
	if a.opts.DataDir == "" {
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "container %q: firelensConfiguration needs the agent's data directory, and this agent has none", router.Name)
	}
	if s, _ := firelens.Parse(router.FirelensConfiguration); s.ConfigFileType == firelens.ConfigFileS3 {
		if _, err := envfile.Locate(s.ConfigFileValue, a.opts.S3Dir); err != nil {
			return ecs.Errorf(ecs.ErrClient, "container %q: firelensConfiguration %s: %v. Put the file in the local S3 directory, or use config-file-type file with a path in the image.", router.Name, firelens.OptionConfigFileValue, err)
		}
	}
	id := spec.ID
	if len(id) < taskIDLen {
		id = strings.Repeat("0", taskIDLen) // a definition checked before any task exists
	}
	if p := socketHostPath(a.firelensDir(id)); len(p) > maxSocketPath {
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "the FireLens socket of this task would be %s, %d bytes, and a unix socket path holds at most %d; use a shorter temporary directory (TMPDIR)", p, len(p), maxSocketPath)
	}
	return nil
}

// provisionFirelens writes the task's FireLens directory. It may run again
// after a restart.
func (r *runner) provisionFirelens() error {
	def := r.spec.Definition
	router := firelens.Router(def)
	if router == nil || r.a.opts.DataDir == "" {
		return nil
	}
	dir := r.a.firelensDir(r.spec.ID)
	task := firelens.Task{Definition: def, ARN: r.spec.ARN, Cluster: r.spec.Cluster}
	if r.spec.LaunchType != "FARGATE" {
		task.EC2InstanceID = r.spec.EC2InstanceID
	}
	conf, err := firelens.Generate(task)
	if err != nil {
		return fmt.Errorf("firelens: %w", err)
	}
	var external []byte // a config-file-type s3 file, read before anything is created
	if s, _ := firelens.Parse(router.FirelensConfiguration); s.ConfigFileType == firelens.ConfigFileS3 {
		path, err := envfile.Locate(s.ConfigFileValue, r.a.opts.S3Dir)
		if err != nil {
			return fmt.Errorf("firelens: %w", err)
		}
		external, err = os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("firelens: unable to download the config file %s: no file at %s (the local S3 directory stands for S3)", s.ConfigFileValue, path)
		}
		if err != nil {
			return fmt.Errorf("firelens: unable to download the config file %s: %w", s.ConfigFileValue, err)
		}
	}
	configDir, sockDir := filepath.Join(dir, "config"), socketDir(dir)
	for _, d := range []string{configDir, sockDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("firelens: %w", err)
		}
	}
	if router.User != "" {
		// The router creates its socket here as its own user.
		if err := os.Chmod(sockDir, 0o777); err != nil {
			return fmt.Errorf("firelens: %w", err)
		}
	}
	if external != nil {
		if err := writeFile(filepath.Join(configDir, "external.conf"), external); err != nil {
			return err
		}
	}
	return writeFile(filepath.Join(configDir, "fluent.conf"), conf)
}

// writeFile replaces path with data at once (a new file renamed over it).
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("firelens: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("firelens: %w", err)
	}
	return nil
}

// applyFirelens adds FireLens to a container's spec, given the task's
// FireLens directory dir: the router's configuration and socket mounts and
// environment; for a container with the awsfirelens driver, Docker's
// fluentd driver on the router's socket and FLUENT_HOST/FLUENT_PORT
// (routerIP is the router's address with bridge networking, "" when
// unknown).
func applyFirelens(cs *runtime.ContainerSpec, spec *TaskSpec, dir string, cd *ecsmodel.ContainerDefinition, routerIP string) {
	if fc := cd.FirelensConfiguration; fc != nil {
		cs.Mounts = append(cs.Mounts,
			runtime.Mount{Source: filepath.Join(dir, "config", "fluent.conf"), Target: firelens.ConfigPath(fc.Type)},
			runtime.Mount{Source: socketDir(dir), Target: firelens.SocketDir})
		if s, _ := firelens.Parse(fc); s.ConfigFileType == firelens.ConfigFileS3 {
			cs.Mounts = append(cs.Mounts, runtime.Mount{Source: filepath.Join(dir, "config", "external.conf"), Target: firelens.ExternalConfigPath(fc.Type)})
		}
		cs.Env = mergeEnv(cs.Env, firelens.RouterEnv(fc.Type))
	}
	if firelens.UsesRouter(cd) {
		cs.LogDriver = "fluentd"
		cs.LogOptions = firelens.DriverOptions(cd, spec.ID, socketHostPath(dir))
		cs.Env = mergeEnv(cs.Env, firelens.AppEnv(spec.Definition.NetworkMode, routerIP))
	}
}

// routerIP returns the address of the task's router when cd logs through
// it with bridge networking ("" otherwise, or when it has none yet).
func (r *runner) routerIP(ctx context.Context, cd *ecsmodel.ContainerDefinition) string {
	def := r.spec.Definition
	if !firelens.UsesRouter(cd) || (def.NetworkMode != "" && def.NetworkMode != ecsmodel.NetworkModeBridge) {
		return ""
	}
	router := firelens.Router(def)
	if router == nil || router.Name == cd.Name || r.info[router.Name].RuntimeID == "" {
		return ""
	}
	st, err := r.rt.Inspect(ctx, r.info[router.Name].RuntimeID)
	if err != nil {
		return ""
	}
	return st.IPAddress
}

// mergeEnv sets the variables of add in env (KEY=VALUE pairs, sorted),
// replacing those of the same name.
func mergeEnv(env []string, add map[string]string) []string {
	if len(add) == 0 {
		return env
	}
	out := make([]string, 0, len(env)+len(add))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := add[k]; !ok {
			out = append(out, kv)
		}
	}
	for k, v := range add {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// removeFirelensDirs deletes the FireLens directories of the tasks that
// are not run here and keep no container (left holds the ARNs of those
// that do).
func (a *Agent) removeFirelensDirs(left map[string]bool) error {
	if a.opts.DataDir == "" {
		return nil
	}
	root := filepath.Join(a.opts.DataDir, firelensDirName)
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("firelens: %w", err)
	}
	keep := map[string]bool{}
	for arn := range left {
		keep[taskIDOf(arn)] = true
	}
	for _, e := range entries {
		id := e.Name()
		if !e.IsDir() || keep[id] || a.running(id) {
			continue
		}
		dir := filepath.Join(root, id)
		if err := os.RemoveAll(socketDir(dir)); err != nil {
			return fmt.Errorf("firelens: %w", err)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("firelens: %w", err)
		}
	}
	return nil
}
