package engine

import (
	"fmt"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

// TestStartTaskAPI starts tasks on chosen container instances through the
// SDK: one per instance, RunTask's members honoured, and failures naming
// the instances that cannot take one.
func TestStartTaskAPI(t *testing.T) {
	h, rt, _ := newFakeHarness(t)
	rt.OnCommand("serve", fake.RunsUntilStopped("serving"))
	c := ctx(t)
	e := h.ecs
	cl := aws.String("start")
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: cl}))
	reg := func(cpu int32) string {
		t.Helper()
		out := ok[*awsecs.RegisterContainerInstanceOutput](t, "RegisterContainerInstance")(e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
			Cluster: cl, TotalResources: resources(cpu, 1024), VersionInfo: &types.VersionInfo{AgentVersion: aws.String("1.80.0")}}))
		return aws.ToString(out.ContainerInstance.ContainerInstanceArn)
	}
	big, small, gone := reg(2048), reg(128), reg(2048)
	ok[*awsecs.DeregisterContainerInstanceOutput](t, "DeregisterContainerInstance")(e.DeregisterContainerInstance(c, &awsecs.DeregisterContainerInstanceInput{Cluster: cl, ContainerInstance: aws.String(gone)}))
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("st"), ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Cpu: 512, Memory: aws.Int32(128), Command: []string{"serve"}}}}))

	_, err := e.StartTask(c, &awsecs.StartTaskInput{Cluster: cl, TaskDefinition: aws.String("st"), ContainerInstances: []string{}})
	apiErr(t, "StartTask without instances", err, "InvalidParameterException", "containerInstances")
	many := make([]string, 11)
	for i := range many {
		many[i] = big
	}
	_, err = e.StartTask(c, &awsecs.StartTaskInput{Cluster: cl, TaskDefinition: aws.String("st"), ContainerInstances: many})
	apiErr(t, "StartTask on 11 instances", err, "InvalidParameterException", "between 1 and 10")
	_, err = e.StartTask(c, &awsecs.StartTaskInput{Cluster: aws.String("nope"), TaskDefinition: aws.String("st"), ContainerInstances: []string{big}})
	apiErr(t, "StartTask in a missing cluster", err, "ClusterNotFoundException", "Cluster not found")

	missing := ecs.DefaultAccountInfo().ContainerInstanceARN("start", "0123456789abcdef0123456789abcdef")
	out := ok[*awsecs.StartTaskOutput](t, "StartTask")(e.StartTask(c, &awsecs.StartTaskInput{
		Cluster: cl, TaskDefinition: aws.String("st"), ContainerInstances: []string{big, small, gone, missing},
		StartedBy: aws.String("me"), Group: aws.String("batch"), EnableExecuteCommand: true,
		Tags:      []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		Overrides: &types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: aws.String("app"), Environment: []types.KeyValuePair{{Name: aws.String("X"), Value: aws.String("1")}}}}},
	}))
	if len(out.Tasks) != 1 {
		t.Fatalf("StartTask started %d tasks, want 1 (on %s): %+v", len(out.Tasks), big, out)
	}
	task := out.Tasks[0]
	if aws.ToString(task.ContainerInstanceArn) != big || aws.ToString(task.StartedBy) != "me" || aws.ToString(task.Group) != "batch" ||
		!task.EnableExecuteCommand || task.LaunchType != types.LaunchTypeEc2 || len(task.Tags) != 1 || len(task.Overrides.ContainerOverrides) != 1 {
		t.Errorf("started task %+v", task)
	}
	reasons := map[string]string{}
	for _, f := range out.Failures {
		reasons[aws.ToString(f.Arn)] = aws.ToString(f.Reason)
	}
	if reasons[small] != "RESOURCE:CPU" || reasons[gone] != "MISSING" || reasons[missing] != "MISSING" || len(reasons) != 3 {
		t.Errorf("StartTask failures %v", reasons)
	}
	h.waitIn("start", aws.ToString(task.TaskArn), "RUNNING", func(tk types.Task) bool { return aws.ToString(tk.LastStatus) == "RUNNING" })

	// An agent reporting on the task (as an ECS agent would).
	ack := ok[*awsecs.SubmitContainerStateChangeOutput](t, "SubmitContainerStateChange")(e.SubmitContainerStateChange(c, &awsecs.SubmitContainerStateChangeInput{
		Cluster: cl, Task: task.TaskArn, ContainerName: aws.String("app"), Status: aws.String("RUNNING"),
		NetworkBindings: []types.NetworkBinding{{ContainerPort: aws.Int32(80), HostPort: aws.Int32(8080), Protocol: types.TransportProtocolTcp, BindIP: aws.String("0.0.0.0")}}}))
	if aws.ToString(ack.Acknowledgment) != "ACK" {
		t.Errorf("acknowledgment %q", aws.ToString(ack.Acknowledgment))
	}
	d := ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: cl, Tasks: []string{aws.ToString(task.TaskArn)}}))
	if ma := d.Tasks[0].Containers[0].ManagedAgents; len(ma) != 1 || ma[0].Name != types.ManagedAgentNameExecuteCommandAgent || aws.ToString(ma[0].LastStatus) != "RUNNING" {
		t.Errorf("managed agents of a task run with enableExecuteCommand: %+v", ma)
	}
	if nb := d.Tasks[0].Containers[0].NetworkBindings; len(nb) != 1 || aws.ToInt32(nb[0].HostPort) != 8080 {
		t.Errorf("network bindings after SubmitContainerStateChange: %+v", nb)
	}
	_, err = e.SubmitContainerStateChange(c, &awsecs.SubmitContainerStateChangeInput{Cluster: cl, Task: task.TaskArn, ContainerName: aws.String("nope"), Status: aws.String("RUNNING")})
	apiErr(t, "SubmitContainerStateChange for a missing container", err, "InvalidParameterException", "not a container of task")
	_, err = e.SubmitTaskStateChange(c, &awsecs.SubmitTaskStateChangeInput{Cluster: cl, Task: task.TaskArn, Status: aws.String("SLEEPING")})
	apiErr(t, "SubmitTaskStateChange with a bad status", err, "InvalidParameterException", "not valid")
	_, err = e.SubmitTaskStateChange(c, &awsecs.SubmitTaskStateChangeInput{Cluster: cl, Task: aws.String("0123"), Status: aws.String("RUNNING")})
	apiErr(t, "SubmitTaskStateChange for a missing task", err, "InvalidParameterException", "not found")
	_, err = e.SubmitAttachmentStateChanges(c, &awsecs.SubmitAttachmentStateChangesInput{Cluster: cl,
		Attachments: []types.AttachmentStateChange{{AttachmentArn: aws.String("arn:aws:ecs:us-east-1:000000000000:attachment/nope"), Status: aws.String("ATTACHED")}}})
	apiErr(t, "SubmitAttachmentStateChanges for a missing attachment", err, "InvalidParameterException", "not an attachment")
	exit := int32(7)
	ok[*awsecs.SubmitTaskStateChangeOutput](t, "SubmitTaskStateChange")(e.SubmitTaskStateChange(c, &awsecs.SubmitTaskStateChangeInput{
		Cluster: cl, Task: task.TaskArn, Status: aws.String("STOPPED"), Reason: aws.String("agent says so"),
		Containers: []types.ContainerStateChange{{ContainerName: aws.String("app"), Status: aws.String("STOPPED"), ExitCode: &exit, Reason: aws.String("exited")}}}))
	// The essential container's reported exit stops the task; the
	// built-in agent stops the container it runs and finishes the task.
	stopped := h.waitIn("start", aws.ToString(task.TaskArn), "STOPPED", func(tk types.Task) bool { return aws.ToString(tk.LastStatus) == "STOPPED" })
	if stopped.StopCode != types.TaskStopCodeEssentialContainerExited {
		t.Errorf("stop code after the agent's report: %q", stopped.StopCode)
	}

	// UpdateContainerAgent: the agent is built into the engine.
	_, err = e.UpdateContainerAgent(c, &awsecs.UpdateContainerAgentInput{Cluster: cl, ContainerInstance: aws.String(big)})
	apiErr(t, "UpdateContainerAgent", err, "NoUpdateAvailableException", "built into the engine")
	noVersion := ok[*awsecs.RegisterContainerInstanceOutput](t, "RegisterContainerInstance without versionInfo")(e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{Cluster: cl}))
	_, err = e.UpdateContainerAgent(c, &awsecs.UpdateContainerAgentInput{Cluster: cl, ContainerInstance: noVersion.ContainerInstance.ContainerInstanceArn})
	apiErr(t, "UpdateContainerAgent without a version", err, "MissingVersionException", "update ecsrun itself")

	// Without totalResources: what the ECS agent reports for the machine.
	res := map[string]types.Resource{}
	for _, r := range noVersion.ContainerInstance.RegisteredResources {
		res[aws.ToString(r.Name)] = r
	}
	if got, want := res["CPU"].IntegerValue, int32(goruntime.NumCPU()*1024); got != want {
		t.Errorf("registered CPU %d, want %d", got, want)
	}
	if mem, err := totalMemoryMiB(); err == nil && int64(res["MEMORY"].IntegerValue) != mem-AgentReservedMemoryMiB {
		t.Errorf("registered MEMORY %d, want %d", res["MEMORY"].IntegerValue, mem)
	}
	if got := strings.Join(res["PORTS"].StringSetValue, ","); got != "22,2375,2376,51678,51679" {
		t.Errorf("registered PORTS %s", got)
	}

	// DiscoverPollEndpoint answers the engine's own endpoint.
	dp := ok[*awsecs.DiscoverPollEndpointOutput](t, "DiscoverPollEndpoint")(e.DiscoverPollEndpoint(c, &awsecs.DiscoverPollEndpointInput{Cluster: cl, ContainerInstance: aws.String(big)}))
	if aws.ToString(dp.Endpoint) != "http://engine/" || aws.ToString(dp.TelemetryEndpoint) != "http://engine/" || aws.ToString(dp.ServiceConnectEndpoint) != "http://engine/" {
		t.Errorf("DiscoverPollEndpoint %q %q %q", aws.ToString(dp.Endpoint), aws.ToString(dp.TelemetryEndpoint), aws.ToString(dp.ServiceConnectEndpoint))
	}
	_, err = e.DiscoverPollEndpoint(c, &awsecs.DiscoverPollEndpointInput{Cluster: cl, ContainerInstance: aws.String(missing)})
	apiErr(t, "DiscoverPollEndpoint for a missing instance", err, "ClientException", "not registered")
}

// TestListServicesByNamespaceAPI lists services by the namespace their
// Service Connect configuration names.
func TestListServicesByNamespaceAPI(t *testing.T) {
	h, rt, _ := newFakeHarness(t)
	rt.OnCommand("serve", fake.RunsUntilStopped("serving"))
	c := ctx(t)
	e := h.ecs
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("ns"), ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(64), Command: []string{"serve"}}}}))
	var want []string
	for i, cluster := range []string{"a", "b"} {
		ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String(cluster)}))
		for j := range 2 {
			name := fmt.Sprintf("svc%d%d", i, j)
			in := &awsecs.CreateServiceInput{Cluster: aws.String(cluster), ServiceName: aws.String(name), TaskDefinition: aws.String("ns"), DesiredCount: aws.Int32(0)}
			if j == 0 {
				in.ServiceConnectConfiguration = &types.ServiceConnectConfiguration{Enabled: false, Namespace: aws.String("shop")}
				want = append(want, ecs.DefaultAccountInfo().ServiceARN(cluster, name))
			}
			ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, in))
		}
	}
	var got []string
	var token *string
	for {
		out := ok[*awsecs.ListServicesByNamespaceOutput](t, "ListServicesByNamespace")(e.ListServicesByNamespace(c, &awsecs.ListServicesByNamespaceInput{
			Namespace: aws.String("shop"), MaxResults: aws.Int32(1), NextToken: token}))
		got = append(got, out.ServiceArns...)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ListServicesByNamespace = %v, want %v", got, want)
	}
	_, err := e.ListServicesByNamespace(c, &awsecs.ListServicesByNamespaceInput{Namespace: aws.String("nowhere")})
	apiErr(t, "ListServicesByNamespace of an unknown namespace", err, "NamespaceNotFoundException", "not found")
}

// waitIn waits for cond on a task of cluster.
func (h *harness) waitIn(cluster, arn, what string, cond func(types.Task) bool) types.Task {
	h.t.Helper()
	c := ctx(h.t)
	for {
		out, err := h.ecs.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: []string{arn}})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(out.Tasks) == 1 && cond(out.Tasks[0]) {
			return out.Tasks[0]
		}
		select {
		case <-c.Done():
			h.t.Fatalf("task %s: timed out waiting for %s; last %+v", arn, what, out.Tasks)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// everyAPIOperation answers each operation of account settings, cluster
// updates, StartTask, the agent's operations and ListServicesByNamespace
// once with success and once with an error (for
// TestEngineAPI_EveryOperation; the behaviour is tested above).
func everyAPIOperation(t *testing.T, h *harness) {
	c := ctx(t)
	e := h.ecs
	bad := aws.String("bogus")
	ok[*awsecs.PutAccountSettingOutput](t, "PutAccountSetting")(e.PutAccountSetting(c, &awsecs.PutAccountSettingInput{Name: "awsvpcTrunking", Value: aws.String("enabled")}))
	_, err := e.PutAccountSetting(c, &awsecs.PutAccountSettingInput{Name: "awsvpcTrunking", Value: bad})
	apiErr(t, "PutAccountSetting bogus", err, "InvalidParameterException", "bogus")
	ok[*awsecs.PutAccountSettingDefaultOutput](t, "PutAccountSettingDefault")(e.PutAccountSettingDefault(c, &awsecs.PutAccountSettingDefaultInput{Name: "awsvpcTrunking", Value: aws.String("disabled")}))
	_, err = e.PutAccountSettingDefault(c, &awsecs.PutAccountSettingDefaultInput{Name: "guardDutyActivate", Value: aws.String("enabled")})
	apiErr(t, "PutAccountSettingDefault guardDutyActivate", err, "InvalidParameterException", "read-only")
	ok[*awsecs.ListAccountSettingsOutput](t, "ListAccountSettings")(e.ListAccountSettings(c, &awsecs.ListAccountSettingsInput{EffectiveSettings: true}))
	_, err = e.ListAccountSettings(c, &awsecs.ListAccountSettingsInput{NextToken: bad})
	apiErr(t, "ListAccountSettings with a bad token", err, "InvalidParameterException", "nextToken")
	ok[*awsecs.DeleteAccountSettingOutput](t, "DeleteAccountSetting")(e.DeleteAccountSetting(c, &awsecs.DeleteAccountSettingInput{Name: "awsvpcTrunking"}))
	_, err = e.DeleteAccountSetting(c, &awsecs.DeleteAccountSettingInput{Name: "awsvpcTrunking", PrincipalArn: bad})
	apiErr(t, "DeleteAccountSetting for a bad principal", err, "InvalidParameterException", "principalArn")

	ok[*awsecs.UpdateClusterOutput](t, "UpdateCluster")(e.UpdateCluster(c, &awsecs.UpdateClusterInput{Cluster: aws.String("default"),
		ServiceConnectDefaults: &types.ClusterServiceConnectDefaultsRequest{Namespace: aws.String("every")}}))
	_, err = e.UpdateCluster(c, &awsecs.UpdateClusterInput{Cluster: bad})
	apiErr(t, "UpdateCluster of a missing cluster", err, "ClusterNotFoundException", "Cluster not found")
	ok[*awsecs.UpdateClusterSettingsOutput](t, "UpdateClusterSettings")(e.UpdateClusterSettings(c, &awsecs.UpdateClusterSettingsInput{Cluster: aws.String("default"),
		Settings: []types.ClusterSetting{{Name: "containerInsights", Value: aws.String("disabled")}}}))
	_, err = e.UpdateClusterSettings(c, &awsecs.UpdateClusterSettingsInput{Cluster: aws.String("default"),
		Settings: []types.ClusterSetting{{Name: "containerInsights", Value: bad}}})
	apiErr(t, "UpdateClusterSettings bogus", err, "InvalidParameterException", "bogus")
	ok[*awsecs.ListServicesByNamespaceOutput](t, "ListServicesByNamespace")(e.ListServicesByNamespace(c, &awsecs.ListServicesByNamespaceInput{Namespace: aws.String("every")}))
	_, err = e.ListServicesByNamespace(c, &awsecs.ListServicesByNamespaceInput{Namespace: bad})
	apiErr(t, "ListServicesByNamespace of an unknown namespace", err, "NamespaceNotFoundException", "bogus")

	cl := aws.String("every-agent")
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: cl}))
	reg := ok[*awsecs.RegisterContainerInstanceOutput](t, "RegisterContainerInstance")(e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
		Cluster: cl, TotalResources: resources(1024, 1024), VersionInfo: &types.VersionInfo{AgentVersion: aws.String("1.80.0")}}))
	inst := reg.ContainerInstance.ContainerInstanceArn
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("every-agent"), ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(64), Command: []string{"serve"}}}}))
	st := ok[*awsecs.StartTaskOutput](t, "StartTask")(e.StartTask(c, &awsecs.StartTaskInput{Cluster: cl, TaskDefinition: aws.String("every-agent"), ContainerInstances: []string{aws.ToString(inst)}}))
	if len(st.Tasks) != 1 {
		t.Fatalf("StartTask: %+v", st.Failures)
	}
	task := st.Tasks[0].TaskArn
	_, err = e.StartTask(c, &awsecs.StartTaskInput{Cluster: cl, TaskDefinition: bad, ContainerInstances: []string{aws.ToString(inst)}})
	apiErr(t, "StartTask of a missing task definition", err, "ClientException", "")
	ok[*awsecs.DiscoverPollEndpointOutput](t, "DiscoverPollEndpoint")(e.DiscoverPollEndpoint(c, &awsecs.DiscoverPollEndpointInput{Cluster: cl, ContainerInstance: inst}))
	_, err = e.DiscoverPollEndpoint(c, &awsecs.DiscoverPollEndpointInput{Cluster: bad})
	apiErr(t, "DiscoverPollEndpoint of a missing cluster", err, "ClientException", "not found")
	ok[*awsecs.SubmitContainerStateChangeOutput](t, "SubmitContainerStateChange")(e.SubmitContainerStateChange(c, &awsecs.SubmitContainerStateChangeInput{Cluster: cl, Task: task, ContainerName: aws.String("app"), RuntimeId: aws.String("r")}))
	_, err = e.SubmitContainerStateChange(c, &awsecs.SubmitContainerStateChangeInput{Cluster: cl, Task: bad, ContainerName: aws.String("app")})
	apiErr(t, "SubmitContainerStateChange of a missing task", err, "InvalidParameterException", "not found")
	ok[*awsecs.SubmitTaskStateChangeOutput](t, "SubmitTaskStateChange")(e.SubmitTaskStateChange(c, &awsecs.SubmitTaskStateChangeInput{Cluster: cl, Task: task, Status: aws.String("STOPPED"), Reason: aws.String("done")}))
	_, err = e.SubmitTaskStateChange(c, &awsecs.SubmitTaskStateChangeInput{Cluster: bad, Task: task})
	apiErr(t, "SubmitTaskStateChange in a missing cluster", err, "ClusterNotFoundException", "")
	ok[*awsecs.SubmitAttachmentStateChangesOutput](t, "SubmitAttachmentStateChanges")(e.SubmitAttachmentStateChanges(c, &awsecs.SubmitAttachmentStateChangesInput{Cluster: cl, Attachments: []types.AttachmentStateChange{}}))
	_, err = e.SubmitAttachmentStateChanges(c, &awsecs.SubmitAttachmentStateChangesInput{Cluster: cl, Attachments: []types.AttachmentStateChange{{AttachmentArn: bad, Status: aws.String("ATTACHED")}}})
	apiErr(t, "SubmitAttachmentStateChanges of a missing attachment", err, "InvalidParameterException", "not an attachment")
	_, err = e.UpdateContainerAgent(c, &awsecs.UpdateContainerAgentInput{Cluster: cl, ContainerInstance: inst})
	apiErr(t, "UpdateContainerAgent", err, "NoUpdateAvailableException", "")
	_, err = e.ExecuteCommand(c, &awsecs.ExecuteCommandInput{Cluster: cl, Task: task, Command: aws.String("/bin/sh"), Interactive: true})
	apiErr(t, "ExecuteCommand in a task run without enableExecuteCommand", err, "InvalidParameterException", "execute command was not enabled when the task was run")
	h.waitIn("every-agent", aws.ToString(task), "STOPPED", func(tk types.Task) bool { return aws.ToString(tk.LastStatus) == "STOPPED" })
}
