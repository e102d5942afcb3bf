package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runIn runs the command line with stdin.
func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code := Main(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestSecrets_PutListGetDelete(t *testing.T) {
	dir := t.TempDir()
	sd := "--state-dir=" + dir
	if code, out, errOut := runIn(t, "hunter2\n", "secrets", "put", "prod/db", sd); code != 0 || !strings.Contains(out, "secret prod/db created (7 bytes)") {
		t.Fatalf("put: %d %q %q", code, out, errOut)
	}
	file := filepath.Join(t.TempDir(), "v.json")
	os.WriteFile(file, []byte(`{"k":"v"}`+"\n"), 0o600)
	if code, out, errOut := runIn(t, "", "secrets", "put", "arn:aws:ssm:us-east-1:000000000000:parameter/app/key", "--from-file", file, sd); code != 0 || !strings.Contains(out, "(10 bytes)") {
		t.Fatalf("put --from-file: %d %q %q", code, out, errOut)
	}
	code, out, _ := runIn(t, "", "secrets", "list", sd)
	if code != 0 || !strings.Contains(out, "/app/key") || !strings.Contains(out, "prod/db") || strings.Contains(out, "hunter2") {
		t.Errorf("list: %d %q; want both names and no value", code, out)
	}
	code, out, _ = runIn(t, "", "secrets", "get", "prod/db", sd)
	if code != 0 || strings.Contains(out, "hunter2") || !strings.Contains(out, "bytes: 7") {
		t.Errorf("get without --value: %d %q; want a description without the value", code, out)
	}
	if code, out, _ := runIn(t, "", "secrets", "get", "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db", "--value", sd); code != 0 || out != "hunter2" {
		t.Errorf("get --value by ARN: %d %q; want hunter2 exactly", code, out)
	}
	if code, out, errOut := runIn(t, "", "secrets", "put", "x", "--value", "v", "--from-file", file, sd); code != ExitUsage {
		t.Errorf("put with two sources: %d %q %q; want a usage error", code, out, errOut)
	}
	if code, _, _ := runIn(t, "", "secrets", "delete", "prod/db", sd); code != 0 {
		t.Errorf("delete: %d", code)
	}
	if code, _, errOut := runIn(t, "", "secrets", "get", "prod/db", sd); code != ExitError || !strings.Contains(errOut, "secret not found") {
		t.Errorf("get after delete: %d %q; want not found", code, errOut)
	}
	if code, _, _ := runIn(t, "", "secrets", "get", sd); code != ExitUsage {
		t.Errorf("get without a name: %d; want a usage error", code)
	}
}

func TestSecrets_WorkWhileTheEngineHoldsTheStateDir(t *testing.T) {
	dir := t.TempDir()
	e := &env{stateDir: dir}
	eng, closeEng, err := e.openEngine(context.Background(), &engineFlags{runtime: "process", pull: "default", taskEndpoint: "loopback"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeEng()
	_ = eng
	if code, out, errOut := runIn(t, "v", "secrets", "put", "n", "--state-dir="+dir); code != 0 {
		t.Fatalf("put while the engine runs: %d %q %q", code, out, errOut)
	}
	if code, out, _ := runIn(t, "", "secrets", "get", "n", "--value", "--state-dir="+dir); code != 0 || out != "v" {
		t.Errorf("get while the engine runs: %d %q", code, out)
	}
}
