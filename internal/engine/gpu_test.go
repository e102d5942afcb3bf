package engine

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtask"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

// gpuTaskDef is the ECS agent's nvidia-gpu functional test definition: one
// container asking for one GPU.
const gpuTaskDef = "../../../shared/conformance/taskdefs/e01.json"

// onlyFailures asserts RunTask answered with no task and only failures of
// reason.
func onlyFailures(t *testing.T, what string, out *awsecs.RunTaskOutput, reason string) {
	t.Helper()
	if len(out.Tasks) != 0 || len(out.Failures) == 0 {
		t.Fatalf("%s: tasks %+v, failures %+v; want only %s failures", what, out.Tasks, out.Failures, reason)
	}
	for _, f := range out.Failures {
		if aws.ToString(f.Reason) != reason {
			t.Errorf("%s: failure %q (%s); want %s", what, aws.ToString(f.Reason), aws.ToString(f.Detail), reason)
		}
	}
}

// TestRunTask_GPUs: GPU tasks are placed on container instances that
// registered GPUs, which count them down and back up; without GPUs RunTask
// answers RESOURCE:GPU, as ECS does. The containers get their GPUs as an
// NVIDIA device request and NVIDIA_VISIBLE_DEVICES.
func TestRunTask_GPUs(t *testing.T) {
	c := newCluster(t, true, nil)
	var mu sync.Mutex
	specs := map[string]runtime.ContainerSpec{} // by task ARN
	c.rt.On(func(s runtime.ContainerSpec) bool {
		mu.Lock()
		defer mu.Unlock()
		specs[s.Labels["com.amazonaws.ecs.task-arn"]] = s
		return false
	}, fake.Behavior{})
	def, _, err := runtask.ResolveTaskDefinition(ctx(t), c.ecs, gpuTaskDef, false, false)
	if err != nil {
		t.Fatal(err)
	}
	family := aws.ToString(def.Family)

	// The default cluster's host instance: this machine's GPUs.
	hosts, err := c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{})
	if err != nil || len(hosts.ContainerInstanceArns) != 1 {
		t.Fatalf("host instance: %v, %v", hosts, err)
	}
	d, err := c.ecs.DescribeContainerInstances(ctx(t), &awsecs.DescribeContainerInstancesInput{ContainerInstances: hosts.ContainerInstanceArns})
	if err != nil {
		t.Fatal(err)
	}
	if gpus := resource(d.ContainerInstances[0].RegisteredResources, "GPU").StringSetValue; len(gpus) == 0 {
		onlyFailures(t, "the host instance without GPUs", c.run(&awsecs.RunTaskInput{Cluster: aws.String("default"), TaskDefinition: def.TaskDefinitionArn}), "RESOURCE:GPU")
	} else {
		t.Logf("this machine has GPUs %q: not checking RESOURCE:GPU on the host instance", gpus)
	}
	// A cluster without instances: the host's own capacity has no GPUs.
	onlyFailures(t, "the host's own capacity", c.run(&awsecs.RunTaskInput{TaskDefinition: def.TaskDefinitionArn}), "RESOURCE:GPU")

	noGPU := c.register(4096, 4096)
	onlyFailures(t, "an instance without GPUs", c.run(&awsecs.RunTaskInput{TaskDefinition: def.TaskDefinitionArn}), "RESOURCE:GPU")

	out, err := c.ecs.RegisterContainerInstance(ctx(t), &awsecs.RegisterContainerInstanceInput{
		Cluster: aws.String(c.name),
		TotalResources: append(resources(4096, 4096), types.Resource{
			Name: aws.String("GPU"), Type: aws.String("STRINGSET"), StringSetValue: []string{"GPU-b", "GPU-a"},
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	gpuHost := aws.ToString(out.ContainerInstance.ContainerInstanceArn)
	if got := resource(out.ContainerInstance.RegisteredResources, "GPU"); aws.ToString(got.Type) != "STRINGSET" || !slices.Equal(got.StringSetValue, []string{"GPU-a", "GPU-b"}) {
		t.Errorf("registeredResources GPU = %+v; want STRINGSET [GPU-a GPU-b]", got)
	}
	run := c.run(&awsecs.RunTaskInput{TaskDefinition: def.TaskDefinitionArn, Count: aws.Int32(2)})
	if len(run.Tasks) != 2 || len(run.Failures) != 0 {
		t.Fatalf("two GPU tasks on two GPUs: tasks %d, failures %+v", len(run.Tasks), run.Failures)
	}
	var got []string
	for _, task := range run.Tasks {
		if on := aws.ToString(task.ContainerInstanceArn); on != gpuHost {
			t.Errorf("task placed on %s (without GPUs: %s); want %s", on, noGPU, gpuHost)
		}
		ids := task.Containers[0].GpuIds
		if len(ids) != 1 {
			t.Fatalf("container gpuIds = %q; want one GPU", ids)
		}
		got = append(got, ids[0])
		c.waitTask(aws.ToString(task.TaskArn), "RUNNING")
		mu.Lock()
		s := specs[aws.ToString(task.TaskArn)]
		mu.Unlock()
		if !slices.Equal(s.GPUs, ids) || !slices.Contains(s.Env, "NVIDIA_VISIBLE_DEVICES="+ids[0]) {
			t.Errorf("container spec GPUs %q, environment %q; want %q and NVIDIA_VISIBLE_DEVICES", s.GPUs, s.Env, ids)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"GPU-a", "GPU-b"}) {
		t.Errorf("the tasks hold GPUs %q; want one each of GPU-a and GPU-b", got)
	}
	if rem := resource(c.describe(gpuHost)[0].RemainingResources, "GPU"); len(rem.StringSetValue) != 0 {
		t.Errorf("remainingResources GPU = %q; want none left", rem.StringSetValue)
	}
	onlyFailures(t, "a third GPU task", c.run(&awsecs.RunTaskInput{TaskDefinition: def.TaskDefinitionArn}), "RESOURCE:GPU")

	if _, err := c.ecs.StopTask(ctx(t), &awsecs.StopTaskInput{Cluster: aws.String(c.name), Task: run.Tasks[0].TaskArn}); err != nil {
		t.Fatal(err)
	}
	freed := run.Tasks[0].Containers[0].GpuIds[0]
	waitInstance(t, c, gpuHost, "the stopped task's GPU back", func(ci types.ContainerInstance) bool {
		return slices.Equal(resource(ci.RemainingResources, "GPU").StringSetValue, []string{freed})
	})
	if again := c.run(&awsecs.RunTaskInput{TaskDefinition: def.TaskDefinitionArn}); len(again.Tasks) != 1 || !slices.Equal(again.Tasks[0].Containers[0].GpuIds, []string{freed}) {
		t.Errorf("after the stop: tasks %+v, failures %+v; want one task with %s", again.Tasks, again.Failures, freed)
	}
	if !strings.HasPrefix(family, "ecsftest-nvidia-gpu") {
		t.Errorf("family = %s; want the e01 definition", family)
	}
}
