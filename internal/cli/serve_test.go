package cli

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsrun/ecsrun/internal/engine"
)

// With SigV4 on and an open file limit of 256, 300 unsigned clients
// trickling request bodies (more than the descriptors serve has) neither
// keep signed calls out nor keep their connections: serve closes them.
func TestServe_SlowUnsignedClientsDoNotStarveSignedCalls(t *testing.T) {
	t.Setenv("ECSRUN_ACCESS_KEY_ID", "AKIDLOCAL")
	t.Setenv("ECSRUN_SECRET_ACCESS_KEY", "local-secret")
	t.Setenv(childNofileEnv, "256")
	dir := t.TempDir()
	cmd, _, lines := child(t, "serve", "--runtime", "process", "--state-dir", dir, "--listen", "127.0.0.1:0")
	go func() {
		for range lines {
		}
	}()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	var info engine.ServeInfo
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		if info, ok = engine.Discover(dir); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start")
		}
		time.Sleep(20 * time.Millisecond) // polling for the daemon's record, bounded by the deadline
	}
	addr := strings.TrimPrefix(info.Endpoint, "http://")
	client := awsecs.New(awsecs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(info.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	})
	signed := func() (time.Duration, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		_, err := client.ListClusters(ctx, &awsecs.ListClustersInput{})
		return time.Since(start), err
	}
	if _, err := signed(); err != nil {
		t.Fatalf("signed call before the load: %v", err)
	}

	// The load: 300 clients, each sending the headers of a 1 MB request
	// and then a byte every 100 ms; when serve closes a connection its
	// client counts it and opens another. At most 30 s.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	var (
		wg           sync.WaitGroup
		dialled, cut atomic.Int64
	)
	for range 300 {
		wg.Go(func() {
			for ctx.Err() == nil {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				dialled.Add(1)
				stop := context.AfterFunc(ctx, func() { c.Close() })
				io.WriteString(c, "POST / HTTP/1.1\r\nHost: "+addr+"\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 1000000\r\n\r\n")
				go func() {
					for ctx.Err() == nil {
						if _, err := c.Write([]byte("{")); err != nil {
							return
						}
						select {
						case <-ctx.Done():
						case <-time.After(100 * time.Millisecond):
						}
					}
				}()
				io.Copy(io.Discard, c) // until serve (or the end of the load) closes it
				if stop() {
					cut.Add(1)
				}
				c.Close()
				select { // no tight reconnect loop
				case <-ctx.Done():
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
	defer func() { cancel(); wg.Wait() }()
	for dialled.Load() < 300 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond) // polling the load's progress, bounded by its context
	}

	// Each call on a new connection, as each AWS CLI command makes one.
	client = awsecs.New(awsecs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(info.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
		HTTPClient:  awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true }),
	})
	var slowest time.Duration
	for i := range 10 {
		took, err := signed()
		slowest = max(slowest, took)
		if err != nil {
			t.Fatalf("signed call %d under load (%d connections opened, %d cut): %v", i, dialled.Load(), cut.Load(), err)
		}
		if took > 5*time.Second {
			t.Errorf("signed call %d under load took %v", i, took)
		}
	}
	// Every slow connection of the first wave is closed, well before the
	// load ends.
	for cut.Load() < 300 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond) // polling the load's progress, bounded by its context
	}
	if n := cut.Load(); n < 300 {
		t.Errorf("serve closed %d of the %d slow connections in 30 s", n, dialled.Load())
	}
	t.Logf("%d slow connections opened, %d closed by serve; the slowest signed call took %v", dialled.Load(), cut.Load(), slowest)
}
