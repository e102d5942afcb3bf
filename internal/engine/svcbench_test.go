package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
)

// BenchmarkServices_Scale measures the service scheduler through the ECS
// API: each iteration creates a service of desiredCount tasks (default
// placement: spread over 50 zones, then instances) on 1,000 container
// instances, waits until DescribeServices shows them all running, then
// scales it to zero and deletes it. The fake runtime runs the tasks.
func BenchmarkServices_Scale(b *testing.B) {
	for _, n := range []int32{100, 1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchServiceScale(b, n) })
	}
}

func benchServiceScale(b *testing.B, desired int32) {
	_, client, cluster := benchCluster(b, 1000)
	ctx := context.Background()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	waitRunning := func(name string, want int32) {
		deadline := time.Now().Add(5 * time.Minute)
		for {
			out, err := client.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: cluster, Services: []string{name}})
			if err != nil || len(out.Services) != 1 {
				b.Fatalf("DescribeServices: %v %+v", err, out)
			}
			if s := out.Services[0]; s.RunningCount == want && s.PendingCount == 0 {
				return
			}
			if time.Now().After(deadline) {
				b.Fatalf("service %s: not %d running after 5 minutes: %+v", name, want, out.Services[0])
			}
			<-tick.C
		}
	}
	var up time.Duration
	i := 0
	for b.Loop() {
		i++
		name := fmt.Sprintf("svc%d", i)
		start := time.Now()
		if _, err := client.CreateService(ctx, &awsecs.CreateServiceInput{
			Cluster: cluster, ServiceName: aws.String(name), TaskDefinition: aws.String("bench"), DesiredCount: aws.Int32(desired),
		}); err != nil {
			b.Fatal(err)
		}
		waitRunning(name, desired)
		up += time.Since(start)
		if _, err := client.DeleteService(ctx, &awsecs.DeleteServiceInput{Cluster: cluster, Service: aws.String(name), Force: aws.Bool(true)}); err != nil {
			b.Fatal(err)
		}
		waitRunning(name, 0)
	}
	b.ReportMetric(float64(desired)*float64(i)/up.Seconds(), "tasks-running/s")
}
