package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"
)

// mu serialises writes so that concurrent steps (a trap, the HTTP server)
// never interleave inside a line; memory keeps allocations alive.
var (
	mu     sync.Mutex
	memory [][]byte
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		fmt.Println("toolbox")
		return
	}
	for _, step := range split(args) {
		if err := run(step); err != nil {
			fmt.Fprintf(os.Stderr, "toolbox: %s: %v\n", step[0], err)
			os.Exit(125)
		}
	}
}

// split cuts args at each "--".
func split(args []string) [][]string {
	var steps [][]string
	var cur []string
	for _, a := range args {
		if a == "--" {
			if len(cur) > 0 {
				steps = append(steps, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, a)
	}
	if len(cur) > 0 {
		steps = append(steps, cur)
	}
	return steps
}

func signalNamed(name string) (os.Signal, error) {
	s, ok := signals[strings.TrimPrefix(strings.ToUpper(name), "SIG")]
	if !ok {
		return nil, fmt.Errorf("unknown signal %q", name)
	}
	return s, nil
}

func need(step []string, n int) error {
	if len(step)-1 < n {
		return fmt.Errorf("needs %d argument(s)", n)
	}
	return nil
}

// allocInChild runs alloc n in a child process, and reports whether
// SIGKILL ended it (the OOM killer's signal).
func allocInChild(n string) (killed bool, err error) {
	child := exec.Command("/proc/self/exe", "alloc", n)
	child.Stdout, child.Stderr = os.Stdout, os.Stderr
	err = child.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, err
		}
	}
	return false, err
}

func write(w io.Writer, s string) {
	mu.Lock()
	defer mu.Unlock()
	io.WriteString(w, s)
}

func run(step []string) error {
	words := strings.Join(step[1:], " ")
	switch step[0] {
	case "out":
		write(os.Stdout, words+"\n")
	case "err":
		write(os.Stderr, words+"\n")
	case "outraw":
		write(os.Stdout, words)
	case "lines":
		if err := need(step, 2); err != nil {
			return err
		}
		n, err := strconv.Atoi(step[1])
		if err != nil {
			return err
		}
		w := bufio.NewWriter(os.Stdout)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(w, "%s %d\n", step[2], i)
		}
		mu.Lock()
		defer mu.Unlock()
		return w.Flush()
	case "burst":
		// Output that ends the instant it is written: N lines on each
		// stream, the two streams written at once (each in one write), then
		// a last line without a newline, then exit 0 at once.
		if err := need(step, 2); err != nil {
			return err
		}
		n, err := strconv.Atoi(step[1])
		if err != nil {
			return err
		}
		var out, errOut strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&out, "%s out %d\n", step[2], i)
			fmt.Fprintf(&errOut, "%s err %d\n", step[2], i)
		}
		var wg sync.WaitGroup
		wg.Go(func() { io.WriteString(os.Stdout, out.String()) })
		wg.Go(func() { io.WriteString(os.Stderr, errOut.String()) })
		wg.Wait()
		io.WriteString(os.Stdout, step[2]+" end")
		os.Exit(0)
	case "longline":
		if err := need(step, 1); err != nil {
			return err
		}
		n, err := strconv.Atoi(step[1])
		if err != nil {
			return err
		}
		write(os.Stdout, strings.Repeat("x", n)+"\n")
	case "longraw":
		if err := need(step, 1); err != nil {
			return err
		}
		n, err := strconv.Atoi(step[1])
		if err != nil {
			return err
		}
		write(os.Stdout, strings.Repeat("y", n))
	case "exit":
		if err := need(step, 1); err != nil {
			return err
		}
		code, err := strconv.Atoi(step[1])
		if err != nil {
			return err
		}
		os.Exit(code)
	case "exitenv":
		// The exit code comes from an environment variable (0 when unset),
		// as a container override sets it.
		if err := need(step, 1); err != nil {
			return err
		}
		code, _ := strconv.Atoi(os.Getenv(step[1]))
		os.Exit(code)
	case "sleep":
		if err := need(step, 1); err != nil {
			return err
		}
		d, err := time.ParseDuration(step[1])
		if err != nil {
			return err
		}
		time.Sleep(d)
	case "forever":
		// Not select{}: with no other goroutine the runtime would call that
		// a deadlock and exit 2.
		for {
			time.Sleep(time.Hour)
		}
	case "trap":
		if err := need(step, 2); err != nil {
			return err
		}
		sig, err := signalNamed(step[1])
		if err != nil {
			return err
		}
		code, err := strconv.Atoi(step[2])
		if err != nil {
			return err
		}
		msg := strings.Join(step[3:], " ")
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, sig)
		go func() {
			<-ch
			if msg != "" {
				write(os.Stdout, msg+"\n")
			}
			os.Exit(code)
		}()
	case "ignore":
		if err := need(step, 1); err != nil {
			return err
		}
		sig, err := signalNamed(step[1])
		if err != nil {
			return err
		}
		signal.Ignore(sig)
	case "env":
		write(os.Stdout, environ())
	case "getenv":
		if err := need(step, 1); err != nil {
			return err
		}
		v := mustGetenv(step[1])
		write(os.Stdout, v+"\n")
	case "envsha":
		if err := need(step, 1); err != nil {
			return err
		}
		v := mustGetenv(step[1])
		write(os.Stdout, fmt.Sprintf("%s sha256:%x\n", step[1], sha256.Sum256([]byte(v))))
	case "id":
		write(os.Stdout, fmt.Sprintf("uid=%d gid=%d\n", os.Getuid(), os.Getgid()))
	case "pid":
		write(os.Stdout, strconv.Itoa(os.Getpid())+"\n")
	case "pwd":
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		write(os.Stdout, wd+"\n")
	case "hostname":
		h, err := os.Hostname()
		if err != nil {
			return err
		}
		write(os.Stdout, h+"\n")
	case "cat":
		if err := need(step, 1); err != nil {
			return err
		}
		b, err := os.ReadFile(step[1])
		if err != nil {
			return err
		}
		write(os.Stdout, string(b))
	case "exists":
		if err := need(step, 1); err != nil {
			return err
		}
		if _, err := os.Stat(step[1]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "waitfile":
		if err := need(step, 1); err != nil {
			return err
		}
		for {
			if _, err := os.Stat(step[1]); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	case "write":
		if err := need(step, 1); err != nil {
			return err
		}
		return os.WriteFile(step[1], []byte(strings.Join(step[2:], " ")+"\n"), 0o644)
	case "alloc":
		if err := need(step, 1); err != nil {
			return err
		}
		n, err := strconv.Atoi(step[1])
		if err != nil {
			return err
		}
		for range n {
			b := make([]byte, 1<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			memory = append(memory, b)
		}
	case "allocchild":
		// alloc N in a child process; when the kernel kills the child,
		// exit as it did (128+9) one second later. A container whose only
		// process is OOM-killed is gone, cgroup and all, at once, and
		// containerd 1.6's cgroup v1 OOM watcher drops the event when it
		// finds the cgroup deleted (pkg/oom/v1: a loaded machine lost
		// Docker's OOMKilled flag so): the second keeps the cgroup alive
		// while the engine records the OOM kill.
		if err := need(step, 1); err != nil {
			return err
		}
		killed, err := allocInChild(step[1])
		if killed {
			time.Sleep(time.Second)
			os.Exit(128 + int(syscall.SIGKILL))
		}
		if err != nil {
			return err
		}
	case "allocchildthen":
		// alloc N in a child; when the kernel kills the child, wait a
		// second (the engine records the OOM kill meanwhile, see
		// allocchild) and go on with the next step: a container the OOM
		// killer acted in that ends with its own exit code.
		if err := need(step, 1); err != nil {
			return err
		}
		if killed, err := allocInChild(step[1]); !killed {
			return fmt.Errorf("the child was not killed (%v)", err)
		}
		time.Sleep(time.Second)
	case "oomadj":
		if err := need(step, 1); err != nil {
			return err
		}
		if _, err := strconv.Atoi(step[1]); err != nil {
			return err
		}
		return os.WriteFile("/proc/self/oom_score_adj", []byte(step[1]), 0o644)
	case "fluentrouter":
		path := ""
		if len(step) > 1 {
			path = step[1]
		}
		return fluentRouter(path)
	case "serve":
		if err := need(step, 1); err != nil {
			return err
		}
		ln, err := net.Listen("tcp", step[1])
		if err != nil {
			return err
		}
		body := strings.Join(step[2:], " ") + "\n"
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, body)
		})
		mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, environ())
		})
		mux.HandleFunc("/exit", func(w http.ResponseWriter, r *http.Request) {
			code, _ := strconv.Atoi(r.URL.Query().Get("code"))
			os.Exit(code)
		})
		go http.Serve(ln, mux)
	case "fetch":
		if err := need(step, 1); err != nil {
			return err
		}
		header := http.Header{}
		for _, h := range step[2:] {
			k, v, ok := strings.Cut(h, "=")
			if !ok {
				return fmt.Errorf("header %q: want NAME=VALUE", h)
			}
			header.Set(k, v)
		}
		return fetch(step[1], header)
	case "fetchenv":
		if err := need(step, 1); err != nil {
			return err
		}
		base := mustGetenv(step[1])
		return fetch(base+strings.Join(step[2:], ""), nil)
	case "fetchwait":
		if err := need(step, 2); err != nil {
			return err
		}
		d, err := time.ParseDuration(step[2])
		if err != nil {
			return err
		}
		c := &http.Client{Timeout: 5 * time.Second}
		deadline := time.Now().Add(d)
		for {
			resp, err := c.Get(step[1])
			if err == nil {
				b, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if rerr == nil && resp.StatusCode/100 == 2 {
					write(os.Stdout, string(b))
					break
				}
				err = fmt.Errorf("status %s", resp.Status)
			}
			if time.Now().After(deadline) {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			time.Sleep(50 * time.Millisecond)
		}
	case "tty":
		// As the ECS agent's interactive-tty functional test checks it.
		if term.IsTerminal(int(os.Stdin.Fd())) {
			write(os.Stdout, "stdin is a terminal\n")
			os.Exit(42)
		}
		write(os.Stdout, "stdin is not a terminal\n")
		os.Exit(1)
	case "sendtasksuccess":
		if err := need(step, 2); err != nil {
			return err
		}
		return sendTaskSuccess(mustGetenv("AWS_ENDPOINT_URL_SFN"), mustGetenv(step[1]), strings.Join(step[2:], " "))
	case "awscreds":
		// As the AWS SDKs find a container's credentials.
		header := http.Header{}
		url := ""
		if rel := os.Getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
			url = "http://169.254.170.2" + rel
		} else if full := os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"); full != "" {
			url = full
			if tok := os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"); tok != "" {
				header.Set("Authorization", tok)
			}
		} else {
			fmt.Fprintln(os.Stderr, "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set")
			os.Exit(1)
		}
		return fetch(url, header)
	default:
		return fmt.Errorf("unknown step (see the package documentation)")
	}
	return nil
}

func environ() string {
	env := os.Environ()
	sort.Strings(env)
	var b strings.Builder
	for _, e := range env {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return b.String()
}

// fetch GETs url with header and prints the body to stdout; it exits 1 on
// an error or a non-2xx status (after printing the body and the status).
func fetch(url string, header http.Header) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header = header
	if req.Header == nil {
		req.Header = http.Header{}
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		// The body of a failure ends its line, so it is not left unfinished
		// when the program exits.
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		write(os.Stdout, string(b))
		fmt.Fprintf(os.Stderr, "status %s\n", resp.Status)
		os.Exit(1)
	}
	write(os.Stdout, string(b))
	return nil
}

// mustGetenv returns the variable's value, or exits 1 (with a message on
// stderr) when it is not set.
func mustGetenv(name string) string {
	v, ok := os.LookupEnv(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "%s is not set\n", name)
		os.Exit(1)
	}
	return v
}

// sendTaskSuccess POSTs SendTaskSuccess to the Step Functions endpoint,
// unsigned, and prints the answer.
func sendTaskSuccess(endpoint, token, output string) error {
	body, err := json.Marshal(map[string]string{"taskToken": token, "output": output})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.SendTaskSuccess")
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	write(os.Stdout, string(b)+"\n")
	if resp.StatusCode/100 != 2 {
		fmt.Fprintln(os.Stderr, resp.Status)
		os.Exit(1)
	}
	return nil
}
