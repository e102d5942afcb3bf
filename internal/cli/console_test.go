package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsrun/ecsrun/internal/engine"
)

var loginURLRE = regexp.MustCompile(`one-time login URL: (http://\S+/console/login\?token=[0-9a-f]{64})`)

// serve with credentials prints a one-time login URL for the console,
// which logs a browser in once; the API beside it still wants signatures;
// `ecsrun console --print` names the console's address.
func TestServe_ConsoleLoginURL(t *testing.T) {
	t.Setenv("ECSRUN_ACCESS_KEY_ID", "AKIDCONSOLE")
	t.Setenv("ECSRUN_SECRET_ACCESS_KEY", "console-secret")
	dir := t.TempDir()
	cmd, lines := childMerged(t, "serve", "--runtime", "process", "--state-dir", dir, "--listen", "127.0.0.1:0")
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	var login string
	timeout := time.After(30 * time.Second)
	for login == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("serve ended before it printed the console's login URL")
			}
			if m := loginURLRE.FindStringSubmatch(line); m != nil {
				login = m[1]
			}
		case <-timeout:
			t.Fatal("serve printed no console login URL in time")
		}
	}
	go func() {
		for range lines {
		}
	}()
	info, ok := engine.Discover(dir)
	if !ok || !strings.HasPrefix(login, info.Endpoint+"/console/login?token=") {
		t.Fatalf("login URL %q, serve at %+v", login, info)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	get := func(c *http.Client, u string) (int, string) {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(&http.Client{Timeout: 10 * time.Second}, info.Endpoint+"/console/tasks"); code != 200 || !strings.Contains(body, "Secret access key") {
		t.Errorf("the console without a session: %d, want the login page", code)
	}
	if code, body := get(browser, login); code != 200 || !strings.Contains(body, "<h1>Tasks</h1>") {
		t.Fatalf("the login URL: %d\n%s", code, body)
	}
	if code, body := get(browser, info.Endpoint+"/console/clusters"); code != 200 || !strings.Contains(body, `data-cluster="default"`) {
		t.Fatalf("clusters after login: %d\n%s", code, body)
	}
	if code, _ := get(&http.Client{Timeout: 10 * time.Second}, login); code != http.StatusUnauthorized {
		t.Errorf("the login URL used twice: %d, want 401", code)
	}
	// The API still verifies signatures.
	ecs := func(secret string) error {
		c := awsecs.New(awsecs.Options{Region: "us-east-1", BaseEndpoint: aws.String(info.Endpoint), Credentials: credentials.NewStaticCredentialsProvider("AKIDCONSOLE", secret, "")})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.ListClusters(ctx, &awsecs.ListClustersInput{})
		return err
	}
	if err := ecs("console-secret"); err != nil {
		t.Errorf("signed call: %v", err)
	}
	if err := ecs("wrong"); err == nil {
		t.Error("a call signed with the wrong secret was accepted")
	}
	var out, errOut strings.Builder
	if code := Main(context.Background(), []string{"console", "--print", "--state-dir", dir}, strings.NewReader(""), &out, &errOut); code != 0 || out.String() != info.Endpoint+"/console/\n" {
		t.Errorf("ecsrun console --print: %d %q %q", code, out.String(), errOut.String())
	}
}

func TestConsole_withoutServe(t *testing.T) {
	var out, errOut strings.Builder
	dir := t.TempDir()
	if code := Main(context.Background(), []string{"console", "--state-dir", dir}, strings.NewReader(""), &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "no ecsrun serve holds "+dir) {
		t.Errorf("ecsrun console without serve: %d %q", code, errOut.String())
	}
}
