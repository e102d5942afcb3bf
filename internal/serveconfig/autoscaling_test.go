package serveconfig

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse_AutoScalingGroups(t *testing.T) {
	cfg, err := Parse([]byte(`
autoScalingGroups:
  - name: web
    maxSize: 4
    desiredCapacity: 1
    cpu: 2 vCPU
    memory: 4GB
    availabilityZones: [us-east-1a, us-east-1b]
    attributes: {disk: ssd}
  - name: typed
    arn: arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:x:autoScalingGroupName/typed
    minSize: 1
    maxSize: 2
    instanceType: t3.medium
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []AutoScalingGroup{
		{Name: "web", MaxSize: 4, Desired: 1, CPU: 2048, Memory: 4096, Zones: []string{"us-east-1a", "us-east-1b"}, Attributes: map[string]string{"disk": "ssd"}},
		{Name: "typed", ARN: "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:x:autoScalingGroupName/typed", MinSize: 1, MaxSize: 2, Desired: 1,
			CPU: 2048, Memory: 3928, Attributes: map[string]string{"ecs.instance-type": "t3.medium"}},
	}
	if !reflect.DeepEqual(cfg.AutoScalingGroups, want) {
		t.Errorf("groups = %+v\nwant %+v", cfg.AutoScalingGroups, want)
	}
}

func TestParse_AutoScalingGroupErrors(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"no size", "autoScalingGroups: [{name: a, maxSize: 1}]", "give cpu and memory"},
		{"unknown type", "autoScalingGroups: [{name: a, maxSize: 1, instanceType: z9.huge}]", "give cpu and memory"},
		{"min above max", "autoScalingGroups: [{name: a, minSize: 3, maxSize: 1, cpu: 1, memory: 1}]", "minSize <= maxSize"},
		{"too large", "autoScalingGroups: [{name: a, maxSize: 1001, cpu: 1, memory: 1}]", "1000"},
		{"desired outside", "autoScalingGroups: [{name: a, maxSize: 1, desiredCapacity: 2, cpu: 1, memory: 1}]", "desiredCapacity 2"},
		{"bad name", "autoScalingGroups: [{name: 'a b', maxSize: 1, cpu: 1, memory: 1}]", "name"},
		{"twice", "autoScalingGroups: [{name: a, maxSize: 1, cpu: 1, memory: 1}, {name: a, maxSize: 1, cpu: 1, memory: 1}]", "declared twice"},
		{"bad zone", "autoScalingGroups: [{name: a, maxSize: 1, cpu: 1, memory: 1, availabilityZones: ['']}]", "availabilityZones"},
		{"unknown member", "autoScalingGroups: [{name: a, maxSize: 1, cpu: 1, memory: 1, size: 3}]", "unknown field"},
	} {
		_, err := Parse([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "autoScalingGroups") && tc.name != "unknown member" {
			t.Errorf("%s: error = %v; want one naming autoScalingGroups and containing %q", tc.name, err, tc.want)
		}
	}
}
