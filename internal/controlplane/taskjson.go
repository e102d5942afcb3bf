package controlplane

import (
	"slices"
	"strconv"
	"time"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/taskstate"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// taskJSON returns the stored body of a task: exactly what json.Marshal
// writes for it, byte for byte (TestTaskJSON_IsJSONMarshal checks it
// field by field), written without reflection because every report of a
// task stores it again. Members rarely set (overrides, tags, network
// bindings) and strings that need escaping are written by json.Marshal.
func taskJSON(t *taskRecord) []byte {
	return appendTaskJSON(make([]byte, 0, 1536), t)
}

// appendTaskJSON appends the stored body of a task (see taskJSON) to b.
func appendTaskJSON(b []byte, t *taskRecord) []byte {
	n := len(b)
	b, ok := appendTask(b, t)
	if !ok {
		return append(b[:n], mustJSON(t)...)
	}
	return b
}

// appendTask appends t as json.Marshal writes it; false when it meets
// something only json.Marshal handles (a time outside years 0 to 9999).
func appendTask(b []byte, t *taskRecord) ([]byte, bool) {
	ok := true
	b = append(b, `{"id":`...)
	b = appendString(b, t.ID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, t.Seq, 10)
	b = append(b, `,"cluster":`...)
	b = appendString(b, t.Cluster)
	b = append(b, `,"arn":`...)
	b = appendString(b, t.ARN)
	b = append(b, `,"taskDefinitionArn":`...)
	b = appendString(b, t.DefARN)
	b = append(b, `,"family":`...)
	b = appendString(b, t.Family)
	b = append(b, `,"revision":`...)
	b = strconv.AppendInt(b, int64(t.Revision), 10)
	b = appendOptString(b, `,"launchType":`, t.LaunchType)
	b = appendOptString(b, `,"group":`, t.Group)
	b = appendOptString(b, `,"startedBy":`, t.StartedBy)
	if t.Overrides != nil {
		b = appendMarshalled(append(b, `,"overrides":`...), t.Overrides)
	}
	if len(t.Tags) > 0 {
		b = appendMarshalled(append(b, `,"tags":`...), t.Tags)
	}
	if t.EnableExecuteCommand {
		b = append(b, `,"enableExecuteCommand":true`...)
	}
	b = appendStringMap(append(b, `,"containerArns":`...), t.ContainerARNs)
	b = appendOptString(b, `,"clientToken":`, t.ClientToken)
	b = appendOptString(b, `,"tokenKey":`, t.TokenKey)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, t.Version, 10)
	b, ok = appendState(append(b, `,"state":`...), &t.State)
	if !ok {
		return b, false
	}
	if len(t.Containers) > 0 {
		b = append(b, `,"containers":{`...)
		for i, name := range sortedKeys(t.Containers) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendString(b, name), ':')
			if b, ok = appendContainerInfo(b, t.Containers[name]); !ok {
				return b, false
			}
		}
		b = append(b, '}')
	}
	if t.PullStartedAt != nil {
		b = appendWireTime(append(b, `,"pullStartedAt":`...), *t.PullStartedAt)
	}
	if t.PullStoppedAt != nil {
		b = appendWireTime(append(b, `,"pullStoppedAt":`...), *t.PullStoppedAt)
	}
	b = appendOptString(b, `,"containerInstance":`, t.ContainerInstance)
	if len(t.GPUs) > 0 {
		b = append(b, `,"gpus":[`...)
		for i, g := range t.GPUs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, g)
		}
		b = append(b, ']')
	}
	if r := &t.Resources; r.PauseID != "" || r.PauseName != "" || r.PrivateIPv4 != "" || r.MACAddress != "" ||
		r.Cgroup != "" || r.CgroupParent != "" || r.Volumes != nil {
		b = appendResources(append(b, `,"resources":`...), r)
	}
	b = appendOptString(b, `,"subnet":`, t.Subnet)
	b = appendOptString(b, `,"capacityProvider":`, t.CapacityProvider)
	if t.AwaitingCapacity {
		b = append(b, `,"awaitingCapacity":true`...)
	}
	if t.WaitPlacement != nil {
		b = appendMarshalled(append(b, `,"waitPlacement":`...), t.WaitPlacement)
	}
	if p := t.Protection; p != nil {
		b = append(b, `,"protection":{"enabled":`...)
		b = strconv.AppendBool(b, p.Enabled)
		if b, ok = appendTime(append(b, `,"expiresAt":`...), p.ExpiresAt); !ok {
			return b, false
		}
		b = append(b, '}')
	}
	return append(b, '}'), true
}

func appendState(b []byte, s *taskstate.Task) ([]byte, bool) {
	b = append(b, `{"Status":`...)
	b = strconv.AppendInt(b, int64(s.Status), 10)
	b = append(b, `,"Desired":`...)
	b = strconv.AppendInt(b, int64(s.Desired), 10)
	b = append(b, `,"StopCode":`...)
	b = appendString(b, s.StopCode)
	b = append(b, `,"StoppedReason":`...)
	b = appendString(b, s.StoppedReason)
	b = append(b, `,"Containers":`...)
	if s.Containers == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range s.Containers {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendContainer(b, &s.Containers[i])
		}
		b = append(b, ']')
	}
	b = append(b, `,"Provisioned":`...)
	b = strconv.AppendBool(b, s.Provisioned)
	b = append(b, `,"Deprovisioned":`...)
	b = strconv.AppendBool(b, s.Deprovisioned)
	ok := true
	for _, f := range [...]struct {
		name string
		t    time.Time
	}{
		{`,"CreatedAt":`, s.CreatedAt},
		{`,"StartedAt":`, s.StartedAt},
		{`,"StoppingAt":`, s.StoppingAt},
		{`,"ExecutionStoppedAt":`, s.ExecutionStoppedAt},
		{`,"StoppedAt":`, s.StoppedAt},
	} {
		if b, ok = appendTime(append(b, f.name...), f.t); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

func appendContainer(b []byte, c *taskstate.Container) []byte {
	b = append(b, `{"Name":`...)
	b = appendString(b, c.Name)
	b = append(b, `,"Essential":`...)
	b = strconv.AppendBool(b, c.Essential)
	b = append(b, `,"Status":`...)
	b = strconv.AppendInt(b, int64(c.Status), 10)
	b = append(b, `,"ExitCode":`...)
	if c.ExitCode == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*c.ExitCode), 10)
	}
	b = append(b, `,"Reason":`...)
	b = appendString(b, c.Reason)
	if c.HealthChecked {
		b = append(b, `,"HealthChecked":true`...)
	}
	b = appendOptString(b, `,"Health":`, string(c.Health))
	return append(b, '}')
}

func appendContainerInfo(b []byte, ci *agent.ContainerInfo) ([]byte, bool) {
	if ci == nil {
		return append(b, "null"...), true
	}
	n := len(b)
	b = append(b, '{')
	b = appendOptString(b, `,"runtimeId":`, ci.RuntimeID)
	b = appendOptString(b, `,"runtimeName":`, ci.RuntimeName)
	b = appendOptString(b, `,"imageDigest":`, ci.ImageDigest)
	if len(ci.Bindings) > 0 {
		b = appendMarshalled(append(b, `,"networkBindings":`...), ci.Bindings)
	}
	b = appendOptString(b, `,"logGroup":`, ci.LogGroup)
	b = appendOptString(b, `,"logStream":`, ci.LogStream)
	if !ci.StartedAt.IsZero() {
		var ok bool
		if b, ok = appendTime(append(b, `,"startedAt":`...), ci.StartedAt); !ok {
			return b, false
		}
	}
	return closeObject(b, n), true
}

func appendResources(b []byte, r *agent.Resources) []byte {
	n := len(b)
	b = append(b, '{')
	b = appendOptString(b, `,"pauseId":`, r.PauseID)
	b = appendOptString(b, `,"pauseName":`, r.PauseName)
	b = appendOptString(b, `,"privateIPv4Address":`, r.PrivateIPv4)
	b = appendOptString(b, `,"macAddress":`, r.MACAddress)
	b = appendOptString(b, `,"cgroup":`, r.Cgroup)
	b = appendOptString(b, `,"cgroupParent":`, r.CgroupParent)
	if len(r.Volumes) > 0 {
		b = appendStringMap(append(b, `,"volumes":`...), r.Volumes)
	}
	return closeObject(b, n)
}

// closeObject ends the object opened at b[n], whose members were each
// written with a leading comma: the first one's is dropped.
func closeObject(b []byte, n int) []byte {
	if len(b) > n+1 {
		b = append(b[:n+1], b[n+2:]...)
	}
	return append(b, '}')
}

// appendOptString writes an omitempty string member (key includes the
// leading comma, the quotes and the colon).
func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, key...), s)
}

func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendString(b, k), ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendString writes s as a JSON string. Strings of printable ASCII that
// json.Marshal leaves as they are (it escapes quotes, backslashes and, for
// HTML, <, > and &) are copied; json.Marshal writes the others.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !plainJSON[s[i]] {
			return appendMarshalled(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendTime writes t as time.Time.MarshalJSON does; false when that
// would fail (a year outside 0 to 9999).
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return b, false
	}
	return append(b, '"'), true
}

// appendWireTime writes t as wire.Time.MarshalJSON does.
func appendWireTime(b []byte, t wire.Time) []byte {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(b, ms/1000, 10)
	}
	return strconv.AppendFloat(b, float64(ms)/1000, 'f', 3, 64)
}

// appendMarshalled appends what json.Marshal writes for v.
func appendMarshalled(b []byte, v any) []byte {
	return append(b, mustJSON(v)...)
}

// plainJSON holds the bytes json.Marshal copies into a string unchanged.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c <= 0x7f; c++ {
		t[c] = true
	}
	for _, c := range `"\\<>&` {
		t[c] = false
	}
	return t
}()
