package corpus

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/cli"
	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// corpusDir is the corpus, beside the repository.
const corpusDir = "../../../shared/conformance/taskdefs"

// hostLacks lists the files that need what no host of this project has,
// with the placement failure reason ECS gives such a task.
var hostLacks = map[string]string{
	"e01": "RESOURCE:GPU", // two NVIDIA GPUs
}

// parallelRuns bounds the tasks running at once (the machine has 2 cores).
const parallelRuns = 6

// entry is a line of manifest.tsv.
type entry struct {
	id, verdict, note string
}

func readManifest(t *testing.T) []entry {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = '\t', true, -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, name := range []string{"id", "ecs_verdict", "note"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("manifest.tsv has no %s column", name)
		}
	}
	var out []entry
	for _, row := range rows[1:] {
		out = append(out, entry{id: row[col["id"]], verdict: row[col["ecs_verdict"]], note: row[col["note"]]})
	}
	return out
}

// world is the engine the corpus runs on, with its clients.
type world struct {
	state string
	rt    runtime.Runtime
	eng   *engine.Engine
	http  *http.Client
	ecs   *awsecs.Client

	mu   sync.Mutex
	arns []string // tasks run, for clean-up
}

func newWorld(t *testing.T) *world {
	t.Helper()
	rt, err := docker.New(docker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{state: t.TempDir(), rt: rt}
	// The default pull behaviour, as a user gets it: the swapped images
	// are only in the Docker engine's cache.
	w.eng, err = engine.Open(context.Background(), engine.Options{StateDir: w.state, Runtime: rt})
	if err != nil {
		rt.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.eng.Close()
		w.removeContainers()
		rt.Close()
	})
	w.http = &http.Client{Transport: &inproc.Transport{Handler: w.eng.Handler()}}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), HTTPClient: w.http}
	w.ecs = awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://engine") })
	return w
}

// removeContainers removes the containers and volumes of the tasks the
// test ran, and only those.
func (w *world) removeContainers() {
	ctx := context.Background()
	for _, arn := range w.arns {
		cs, _ := w.rt.List(ctx, map[string]string{"com.amazonaws.ecs.task-arn": arn})
		for _, c := range cs {
			w.rt.Remove(ctx, c.ID)
		}
		if vr, ok := w.rt.(runtime.Volumes); ok {
			vs, _ := vr.ListVolumes(ctx, map[string]string{"com.amazonaws.ecs.task-arn": arn})
			for _, v := range vs {
				vr.RemoveVolume(ctx, v.Name)
			}
		}
	}
}

// register sends a RegisterTaskDefinition request with body as it is, as
// `aws ecs register-task-definition --cli-input-json` does, and returns
// the error type and message of a refusal.
func (w *world) register(ctx context.Context, body []byte) (status int, errType, msg string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://engine/", bytes.NewReader(body))
	if err != nil {
		return 0, "", "", err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition")
	resp, err := w.http.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	json.Unmarshal(b, &e)
	return resp.StatusCode, e.Type, e.Message, nil
}

func TestCorpus(t *testing.T) {
	if _, err := os.Stat(filepath.Join(corpusDir, "manifest.tsv")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the task definition corpus is not beside the repository (%v); CI is set, so it must be", err)
		}
		t.Skipf("the task definition corpus is not beside the repository (%v); set CI to make this a failure", err)
	}
	image := testimage.Busybox(t)
	w := newWorld(t)
	entries := readManifest(t)

	var registered, agreed, accepted int
	var runs []entry
	t.Run("register", func(t *testing.T) {
		for _, e := range entries {
			body, err := os.ReadFile(filepath.Join(corpusDir, e.id+".json"))
			if err != nil {
				t.Fatal(err)
			}
			status, errType, msg, err := w.register(context.Background(), body)
			if err != nil {
				t.Fatalf("%s: %v", e.id, err)
			}
			registered++
			got := "accept"
			if status != http.StatusOK {
				got = "refuse"
				if status != http.StatusBadRequest || (errType != "ClientException" && errType != "InvalidParameterException") {
					t.Errorf("%s: HTTP %d %s: %s; want 200, or 400 ClientException or InvalidParameterException", e.id, status, errType, msg)
				}
			}
			switch {
			case e.verdict == "unverified":
				t.Logf("%s (no ECS verdict): %s %s", e.id, got, msg)
			case got != e.verdict:
				t.Errorf("%s: ecsrun says %s (%s: %s); ECS says %s (%s)", e.id, got, errType, msg, e.verdict, e.note)
			default:
				agreed++
			}
			if got == "accept" && e.verdict != "refuse" {
				accepted++
				runs = append(runs, e)
			}
		}
	})
	t.Logf("registration: %d of %d files with an ECS verdict judged as ECS judges them", agreed, countVerdicts(entries))

	var ran, succeeded int
	var mu sync.Mutex
	t.Run("run", func(t *testing.T) {
		sem := make(chan struct{}, parallelRuns)
		for _, e := range runs {
			t.Run(e.id, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				ok := w.runFile(t, e.id, image)
				mu.Lock()
				ran++
				if ok {
					succeeded++
				}
				mu.Unlock()
			})
		}
	})
	t.Logf("running: %d of %d accepted files ran as expected (%d to exit 0, %d to fail as ECS fails them on this host)", succeeded, ran, ran-len(hostLacks), len(hostLacks))
}

func countVerdicts(entries []entry) int {
	n := 0
	for _, e := range entries {
		if e.verdict != "unverified" {
			n++
		}
	}
	return n
}

// runFile registers the run variant of a corpus file, runs it as its
// requiresCompatibilities say, and checks that it stops with every
// container exited 0 (or fails placement as ECS would on this host).
func (w *world) runFile(t *testing.T, id, image string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	raw, err := os.ReadFile(filepath.Join(corpusDir, id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	runVariant(def, image)
	if err := w.stage(def); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(def)
	status, errType, msg, err := w.register(ctx, body)
	if err != nil || status != http.StatusOK {
		t.Errorf("the run variant does not register: %v HTTP %d %s: %s", err, status, errType, msg)
		return false
	}
	in := &awsecs.RunTaskInput{TaskDefinition: aws.String(def["family"].(string)), LaunchType: types.LaunchTypeEc2}
	if compat := stringList(def["requiresCompatibilities"]); len(compat) > 0 && !slices.Contains(compat, "EC2") && slices.Contains(compat, "FARGATE") {
		in.LaunchType = types.LaunchTypeFargate
	}
	if def["networkMode"] == "awsvpc" {
		in.NetworkConfiguration = &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-0corpus"}}}
	}
	out, err := w.ecs.RunTask(ctx, in)
	if err != nil {
		t.Errorf("RunTask (%s): %v", in.LaunchType, err)
		return false
	}
	if want, lacks := hostLacks[id]; lacks {
		if len(out.Tasks) != 0 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != want {
			t.Errorf("RunTask on a host without what the file needs: tasks %d, failures %+v; want the failure %s", len(out.Tasks), out.Failures, want)
			w.track(out.Tasks)
			return false
		}
		return true
	}
	if len(out.Failures) > 0 || len(out.Tasks) != 1 {
		t.Errorf("RunTask (%s): %d tasks, failures %s", in.LaunchType, len(out.Tasks), failures(out.Failures))
		w.track(out.Tasks)
		return false
	}
	w.track(out.Tasks)
	arn := aws.ToString(out.Tasks[0].TaskArn)
	task, err := w.waitStopped(ctx, arn)
	if err != nil {
		t.Errorf("task %s: %v", arn, err)
		return false
	}
	ok := true
	for _, c := range task.Containers {
		if c.ExitCode == nil || *c.ExitCode != 0 {
			ok = false
			t.Errorf("container %s: exit code %v, reason %q; want 0 (task: %s: %s)", aws.ToString(c.Name), fmtCode(c.ExitCode), aws.ToString(c.Reason), task.StopCode, aws.ToString(task.StoppedReason))
		}
	}
	return ok
}

func (w *world) track(tasks []types.Task) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, task := range tasks {
		w.arns = append(w.arns, aws.ToString(task.TaskArn))
	}
}

func (w *world) waitStopped(ctx context.Context, arn string) (types.Task, error) {
	for {
		out, err := w.ecs.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Tasks: []string{arn}})
		if err != nil {
			return types.Task{}, err
		}
		if len(out.Tasks) == 1 && aws.ToString(out.Tasks[0].LastStatus) == "STOPPED" {
			return out.Tasks[0], nil
		}
		select {
		case <-ctx.Done():
			status := "missing"
			if len(out.Tasks) == 1 {
				status = aws.ToString(out.Tasks[0].LastStatus)
			}
			return types.Task{}, fmt.Errorf("not STOPPED in time (%s)", status)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func failures(fs []types.Failure) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, aws.ToString(f.Reason)+": "+aws.ToString(f.Detail))
	}
	return strings.Join(parts, "; ")
}

func fmtCode(c *int32) string {
	if c == nil {
		return "none"
	}
	return fmt.Sprint(*c)
}

func stringList(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// The script every container of a run variant runs. It lists its
// environment's names, waits (through the task metadata endpoint, when
// the container has it) until no container of the task is still to start,
// stays up a moment and exits 0; a SIGTERM ends it with 0 too.
const (
	scriptHead = `trap 'echo stopped; exit 0' TERM
echo "environment: $(env | cut -d= -f1 | sort | tr '\n' ' ')"
`
	// waitForTask polls the task metadata for up to two minutes.
	waitForTask = `if [ -n "$ECS_CONTAINER_METADATA_URI_V4" ]; then
  i=0
  while [ $i -lt 240 ]; do
    doc=$(wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4/task" 2>/dev/null)
    case "$doc" in
      ""|*'"KnownStatus":"PENDING"'*|*'"KnownStatus":"NONE"'*|*'"KnownStatus":"CREATED"'*) ;;
      *) echo "every container of the task has started"; break ;;
    esac
    i=$((i+1)); sleep 0.5 & wait
  done
else
  sleep 5 & wait
fi
`
	scriptShort = "sleep 2 & wait\necho done\nexit 0\n"
	// scriptLonger outlasts scriptShort, so a container others depend on
	// is still there when they stop.
	scriptLonger = "sleep 4 & wait\necho done\nexit 0\n"
)

// runVariant swaps the images of def for image and every container's
// entryPoint and command for the script: containers others wait on to
// complete exit at once, the others once the whole task runs, those others
// wait on to start (or to be healthy) a little later than the rest. A health check command in the form Docker runs (CMD, CMD-SHELL)
// names programs of the original image: it becomes a check that the
// container's first process is alive. Everything else stays as in the
// file.
func runVariant(def map[string]any, image string) {
	containers, _ := def["containerDefinitions"].([]any)
	waitStart, waitComplete := map[string]bool{}, map[string]bool{}
	for _, c := range containers {
		cd := c.(map[string]any)
		deps, _ := cd["dependsOn"].([]any)
		for _, d := range deps {
			dm := d.(map[string]any)
			name, _ := dm["containerName"].(string)
			switch dm["condition"] {
			case "COMPLETE", "SUCCESS":
				waitComplete[name] = true
			default:
				waitStart[name] = true
			}
		}
		for _, l := range stringList(cd["links"]) {
			target, _, _ := strings.Cut(l, ":")
			waitStart[target] = true
		}
		vfs, _ := cd["volumesFrom"].([]any)
		for _, vf := range vfs {
			if src, ok := vf.(map[string]any)["sourceContainer"].(string); ok {
				waitStart[src] = true
			}
		}
	}
	for _, c := range containers {
		cd := c.(map[string]any)
		name, _ := cd["name"].(string)
		script := scriptHead
		switch {
		case waitComplete[name]:
			script += scriptShort
		case waitStart[name]:
			script += waitForTask + scriptLonger
		default:
			script += waitForTask + scriptShort
		}
		cd["image"] = image
		cd["entryPoint"] = []any{"sh", "-c"}
		cd["command"] = []any{script}
		if hc, ok := cd["healthCheck"].(map[string]any); ok {
			cmd := stringList(hc["command"])
			if len(cmd) > 0 && (cmd[0] == "CMD" || cmd[0] == "CMD-SHELL") {
				hc["command"] = []any{"CMD-SHELL", "test -d /proc/1"}
			}
		}
	}
}

// stage stores what a newcomer would have to store for def to run: a
// value for each secret it references (through `ecsrun secrets put`), and
// each environment file and FireLens configuration file in S3 it names (in
// the local S3 directory).
func (w *world) stage(def map[string]any) error {
	containers, _ := def["containerDefinitions"].([]any)
	put := func(name, value string) error {
		var out, errOut bytes.Buffer
		if code := cli.Main(context.Background(), []string{"secrets", "put", name, "--value", value, "--state-dir", w.state}, strings.NewReader(""), &out, &errOut); code != 0 {
			return fmt.Errorf("ecsrun secrets put %s: exit %d: %s", name, code, errOut.String())
		}
		return nil
	}
	values := map[string]map[string]string{} // secret name -> JSON key ("" for none) -> value
	for _, c := range containers {
		cd := c.(map[string]any)
		var refs []map[string]any
		for _, key := range []string{"secrets"} {
			l, _ := cd[key].([]any)
			for _, s := range l {
				refs = append(refs, s.(map[string]any))
			}
		}
		if lc, ok := cd["logConfiguration"].(map[string]any); ok {
			l, _ := lc["secretOptions"].([]any)
			for _, s := range l {
				refs = append(refs, s.(map[string]any))
			}
		}
		for _, s := range refs {
			name, key := secretFor(s["valueFrom"].(string))
			if values[name] == nil {
				values[name] = map[string]string{}
			}
			values[name][key] = "corpus-value"
		}
		if rc, ok := cd["repositoryCredentials"].(map[string]any); ok {
			if p, ok := rc["credentialsParameter"].(string); ok && p != "" {
				if err := put(p, `{"username":"corpus","password":"corpus-password"}`); err != nil {
					return err
				}
			}
		}
		files, _ := cd["environmentFiles"].([]any)
		for _, f := range files {
			v, _ := f.(map[string]any)["value"].(string)
			if err := w.putS3(v, "CORPUS_ENV_FILE=staged\n"); err != nil {
				return err
			}
		}
		if fc, ok := cd["firelensConfiguration"].(map[string]any); ok {
			opts, _ := fc["options"].(map[string]any)
			if opts["config-file-type"] == "s3" {
				v, _ := opts["config-file-value"].(string)
				// A comment: valid Fluent Bit and Fluentd configuration.
				if err := w.putS3(v, "# staged by the ecsrun corpus test\n"); err != nil {
					return err
				}
			}
		}
	}
	for name, keys := range values {
		value := keys[""]
		if value == "" {
			b, _ := json.Marshal(keys)
			value = string(b)
		}
		if err := put(name, value); err != nil {
			return err
		}
	}
	return nil
}

// putS3 stores content as the S3 object arn names, in the engine's local
// S3 directory.
func (w *world) putS3(arn, content string) error {
	key, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	if !ok {
		return fmt.Errorf("%q is not an S3 object ARN", arn)
	}
	p := filepath.Join(w.state, engine.S3DirName, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(content), 0o600)
}

// secretFor returns the name a secret reference is stored under and the
// JSON key it selects ("" for the whole value): a Secrets Manager ARN
// arn:...:secret:NAME[:json-key:version-stage:version-id] selects the
// json-key member of NAME; any other reference is a name of its own.
func secretFor(valueFrom string) (name, key string) {
	const marker = ":secret:"
	i := strings.Index(valueFrom, marker)
	if !strings.HasPrefix(valueFrom, "arn:aws:secretsmanager:") || i < 0 {
		return valueFrom, ""
	}
	parts := strings.Split(valueFrom[i+len(marker):], ":")
	name = valueFrom[:i+len(marker)] + parts[0]
	if len(parts) > 1 {
		key = parts[1]
	}
	return name, key
}
