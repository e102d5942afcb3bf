package engine

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

// BenchmarkControlPlane_RunTask5000 measures the control plane through the
// ECS API (aws-sdk-go-v2, in-process transport): RunTask with count 10
// against 5,000 container instances over 50 zones, each call placed
// (random, RunTask's default), committed to SQLite before it answers, and
// its tasks run by the agent on the fake runtime. Goal: at least 5,000
// tasks/s on a 2-core machine.
func BenchmarkControlPlane_RunTask5000(b *testing.B) {
	eng, client, cluster := benchCluster(b, 5000)
	ctx := context.Background()
	var arns []string
	cpu0 := processCPU(b)
	start := time.Now()
	for b.Loop() {
		// A new input each time: the SDK fills in a clientToken, which
		// would make the next call a replay.
		out, err := client.RunTask(ctx, &awsecs.RunTaskInput{Cluster: cluster, TaskDefinition: aws.String("bench"), Count: aws.Int32(10)})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Failures) > 0 {
			b.Fatalf("failures: %+v", out.Failures)
		}
		for _, t := range out.Tasks {
			arns = append(arns, aws.ToString(t.TaskArn))
		}
	}
	answered := time.Since(start)
	// The agent runs the tasks meanwhile; wait until it has run every one
	// (DescribeTasks shows RUNNING) and its reports are committed. The last
	// task is watched alone first, so that the tasks are described about
	// once each.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	notRunning := func(batch []string) []string {
		d, err := client.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: cluster, Tasks: batch})
		if err != nil || len(d.Failures) > 0 {
			b.Fatalf("DescribeTasks: %v %+v", err, d)
		}
		var out []string
		for _, t := range d.Tasks {
			if aws.ToString(t.LastStatus) != "RUNNING" {
				out = append(out, aws.ToString(t.TaskArn))
			}
		}
		return out
	}
	for len(notRunning(arns[len(arns)-1:])) > 0 {
		<-tick.C
	}
	for pending := arns; len(pending) > 0; {
		n := min(100, len(pending))
		if still := notRunning(pending[:n]); len(still) > 0 {
			pending = append(still, pending[n:]...)
			<-tick.C
			continue
		}
		pending = pending[n:]
	}
	eng.cp.Close()
	ran := time.Since(start)
	// tasks/s counts RunTask's answers (each committed before it comes);
	// running-tasks/s counts until the agent has run every task and its
	// reports are committed.
	b.ReportMetric(float64(len(arns))/answered.Seconds(), "tasks/s")
	b.ReportMetric(float64(len(arns))/ran.Seconds(), "running-tasks/s")
	// The CPU the whole process spent per task, until every task runs (API
	// client and server, placement, commits, the agent running the task):
	// on a busy machine tasks/s drops, this does not.
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(len(arns)), "cpu-µs/task")
}

// benchCluster opens an engine on the fake runtime with a cluster "bench"
// of n container instances (4 vCPU, 16 GiB, over 50 zones) and a task
// definition "bench" (64 CPU units, 128 MiB), and returns an SDK client
// that reaches it in-process.
func benchCluster(b *testing.B, n int) (*Engine, *awsecs.Client, *string) {
	b.Helper()
	eng, err := Open(context.Background(), Options{StateDir: b.TempDir(), Runtime: fake.New(), NoHostInstance: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close() })
	conf := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}},
	}
	client := awsecs.NewFromConfig(conf, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://engine") })
	ctx := context.Background()
	cluster := aws.String("bench")
	if _, err := client.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: cluster}); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		_, err := client.RegisterContainerInstance(ctx, &awsecs.RegisterContainerInstanceInput{
			Cluster: cluster, TotalResources: resources(4096, 16384),
			Attributes: attrs("ecs.availability-zone", fmt.Sprintf("us-east-1-az%02d", i%50), "ecs.instance-type", "m5.xlarge"),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := client.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String("bench"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("fake/app"), Cpu: 64, Memory: aws.Int32(128)}},
	}); err != nil {
		b.Fatal(err)
	}
	return eng, client, cluster
}
