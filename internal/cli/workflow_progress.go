package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

// progress turns an execution's history events into lines a person can
// follow: states entered and left, tasks scheduled, ECS tasks submitted,
// failures with the retry they lead to (and its delay) or the Catch that
// takes them. It is pure: the caller prints the lines.
type progress struct {
	start time.Time
	// scale is the execution's delay scale (--time-scale), shown beside
	// retry delays.
	scale float64
	// states are the definition's states by name, nested ones included
	// (nil: retries are told without their number and delay).
	states map[string]*workflow.State
	// label maps an event id to the state it belongs to, named with the
	// Map iterations it runs in ("Fan[1]/Run"), so that the lines of
	// concurrent iterations can be told apart; name maps it to the plain
	// state name and iter to the iterations ("Fan[1]/", or "" outside a
	// Map).
	label, name, iter map[int64]string
	visits            map[string]*visit // by label: the current visit
	open              []string          // labels of the states entered and not left, in order
	// watched says the caller shows the ECS tasks' statuses itself (a
	// run); otherwise the stopped tasks in TaskSucceeded and TaskFailed
	// get a line here.
	watched bool
}

// visit is one entry into a state.
type visit struct {
	tries    int     // task attempts
	failed   bool    // the last attempt failed
	caught   bool    // a Catch takes the failure (and the line said so)
	attempts []int64 // retries made, per retrier
	// retryAt is when the announced retry is due (zero: none pending),
	// retry the announcement ("retry 2 of 3").
	retryAt time.Time
	retry   string
}

func newProgress(start time.Time, sm *workflow.StateMachine, scale float64) *progress {
	p := &progress{start: start, scale: scale, label: map[int64]string{}, name: map[int64]string{}, iter: map[int64]string{}, visits: map[string]*visit{}}
	if sm != nil {
		p.states = map[string]*workflow.State{}
		collectStates(sm, p.states)
	}
	if p.scale <= 0 {
		p.scale = 1
	}
	return p
}

// collectStates indexes the states of sm and of its branches and Map
// processors by name (the first of a name wins).
func collectStates(sm *workflow.StateMachine, into map[string]*workflow.State) {
	for _, name := range sm.Order {
		st := sm.States[name]
		if st == nil {
			continue
		}
		if _, ok := into[name]; !ok {
			into[name] = st
		}
		for _, b := range st.Branches {
			collectStates(b, into)
		}
		if st.Processor != nil {
			collectStates(st.Processor, into)
		}
	}
}

// track records which state ev belongs to and returns its label.
func (p *progress) track(ev sfntypes.HistoryEvent) string {
	iter := p.iter[ev.PreviousEventId]
	if d := ev.MapIterationStartedEventDetails; d != nil {
		iter += fmt.Sprintf("%s[%d]/", aws.ToString(d.Name), d.Index)
	}
	p.iter[ev.Id] = iter
	label, name := p.label[ev.PreviousEventId], p.name[ev.PreviousEventId]
	if d := ev.StateEnteredEventDetails; d != nil {
		name = aws.ToString(d.Name)
		label = iter + name
	}
	if d := ev.StateExitedEventDetails; d != nil {
		name = aws.ToString(d.Name)
		label = iter + name
	}
	p.label[ev.Id], p.name[ev.Id] = label, name
	return label
}

// at is the "[  1.23s]" prefix of an event's line.
func (p *progress) at(t time.Time) string {
	return fmt.Sprintf("[%7.2fs]", t.Sub(p.start).Seconds())
}

// describe returns the line of an event (after track), or "" for events
// not worth a line.
func (p *progress) describe(ev sfntypes.HistoryEvent) string {
	state := p.label[ev.Id]
	t := string(ev.Type)
	at := aws.ToTime(ev.Timestamp)
	switch {
	case ev.Type == sfntypes.HistoryEventTypeExecutionStarted:
		return "execution started"
	case ev.StateEnteredEventDetails != nil:
		p.visits[state] = &visit{}
		p.open = append(p.open, state)
		return fmt.Sprintf("%s: entered (%s state)", state, strings.TrimSuffix(t, "StateEntered"))
	case ev.StateExitedEventDetails != nil:
		p.close(state)
		if v := p.visits[state]; v != nil && v.failed {
			if v.caught {
				return ""
			}
			return fmt.Sprintf("%s: error caught, going on", state)
		}
		return fmt.Sprintf("%s: done", state)
	case ev.TaskScheduledEventDetails != nil:
		v := p.visit(state)
		v.tries++
		v.retryAt = time.Time{}
		d := ev.TaskScheduledEventDetails
		res := aws.ToString(d.ResourceType) + ":" + aws.ToString(d.Resource)
		if v.tries > 1 {
			if v.retry != "" {
				return fmt.Sprintf("%s: %s, %s", state, v.retry, res)
			}
			return fmt.Sprintf("%s: retry %d, %s", state, v.tries-1, res)
		}
		return fmt.Sprintf("%s: %s", state, res)
	case ev.TaskSubmittedEventDetails != nil:
		d := ev.TaskSubmittedEventDetails
		if ts := ecsTasksOf(aws.ToString(d.Output)); len(ts) > 0 {
			return taskLines(state, ts, "ECS task submitted")
		}
		return fmt.Sprintf("%s: submitted", state)
	case ev.TaskSucceededEventDetails != nil:
		d := ev.TaskSucceededEventDetails
		ts := ecsTasksOf(aws.ToString(d.Output))
		if len(ts) > 0 && ts[0].LastStatus != "STOPPED" {
			// runTask without .sync: started, not waited for.
			return taskLines(state, ts, "ECS task started (the state does not wait for it)")
		}
		return p.stopped(state, ts) + fmt.Sprintf("%s: succeeded", state)
	case ev.TaskFailedEventDetails != nil:
		d := ev.TaskFailedEventDetails
		return p.stopped(state, ecsTasksOf(aws.ToString(d.Cause))) + p.failure(state, ev.Id, aws.ToString(d.Error), aws.ToString(d.Cause), at)
	case ev.TaskTimedOutEventDetails != nil:
		d := ev.TaskTimedOutEventDetails
		return p.failure(state, ev.Id, orDefault(aws.ToString(d.Error), workflow.ErrTimeout), aws.ToString(d.Cause), at)
	case ev.TaskStartFailedEventDetails != nil:
		d := ev.TaskStartFailedEventDetails
		return p.failure(state, ev.Id, aws.ToString(d.Error), aws.ToString(d.Cause), at)
	case ev.TaskSubmitFailedEventDetails != nil:
		d := ev.TaskSubmitFailedEventDetails
		return p.failure(state, ev.Id, aws.ToString(d.Error), aws.ToString(d.Cause), at)
	case ev.ExecutionSucceededEventDetails != nil:
		return "execution SUCCEEDED"
	case ev.ExecutionFailedEventDetails != nil:
		d := ev.ExecutionFailedEventDetails
		return strings.TrimSuffix("execution FAILED: "+aws.ToString(d.Error), ": ")
	case ev.ExecutionTimedOutEventDetails != nil:
		return "execution TIMED_OUT"
	case ev.ExecutionAbortedEventDetails != nil:
		d := ev.ExecutionAbortedEventDetails
		return strings.TrimSuffix(fmt.Sprintf("execution ABORTED %s %s", aws.ToString(d.Error), short(aws.ToString(d.Cause))), " ")
	case ev.MapIterationStartedEventDetails != nil:
		return fmt.Sprintf("%s: item %d started", state, ev.MapIterationStartedEventDetails.Index)
	case ev.MapIterationFailedEventDetails != nil:
		return fmt.Sprintf("%s: item %d failed", state, ev.MapIterationFailedEventDetails.Index)
	case ev.MapIterationAbortedEventDetails != nil:
		return fmt.Sprintf("%s: item %d aborted", state, ev.MapIterationAbortedEventDetails.Index)
	}
	switch ev.Type {
	case sfntypes.HistoryEventTypeMapStateFailed, sfntypes.HistoryEventTypeParallelStateFailed:
		p.visit(state).failed = true
	case "TaskStarted", "ParallelStateStarted", "MapStateStarted", "MapIterationSucceeded", "ParallelStateSucceeded", "MapStateSucceeded":
		return ""
	}
	if state != "" {
		return state + ": " + t
	}
	return t
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// stopped is a line per stopped task, for a history shown without a
// watcher of the tasks.
func (p *progress) stopped(state string, ts []ecsTask) string {
	var b strings.Builder
	for _, t := range ts {
		if !p.watched && t.LastStatus == "STOPPED" {
			fmt.Fprintf(&b, "%s %s: %s\n", state, shortTask(t.TaskArn), t.stoppedLine())
		}
	}
	return b.String()
}

// visit returns the current visit of a state (one is made for events
// whose StateEntered was not seen).
func (p *progress) visit(state string) *visit {
	v := p.visits[state]
	if v == nil {
		v = &visit{}
		p.visits[state] = v
	}
	return v
}

func (p *progress) close(state string) {
	for i, s := range p.open {
		if s == state {
			p.open = append(p.open[:i], p.open[i+1:]...)
			return
		}
	}
}

// failure describes a failed task attempt and what the state does next:
// a retry (its number and delay, as the state's Retry decides it), a
// Catch, or the state's failure.
func (p *progress) failure(state string, id int64, errName, cause string, at time.Time) string {
	v := p.visit(state)
	v.failed = true
	what := errName
	if len(ecsTasksOf(cause)) == 0 && cause != "" {
		what += ": " + short(cause)
	}
	st := p.states[p.name[id]]
	if st == nil {
		return fmt.Sprintf("%s: failed with %s", state, what)
	}
	if v.attempts == nil {
		v.attempts = make([]int64, len(st.Retry))
	}
	for i, rt := range st.Retry {
		if !workflow.ErrorMatches(rt.ErrorEquals, errName) {
			continue
		}
		if v.attempts[i] >= rt.MaxAttempts {
			break
		}
		d := workflow.RetryDelay(rt, int(v.attempts[i]), nil)
		v.attempts[i]++
		v.retry = fmt.Sprintf("retry %d of %d", v.attempts[i], rt.MaxAttempts)
		v.retryAt = at.Add(time.Duration(float64(d) * p.scale))
		delay := "in " + p.delay(d)
		if rt.JitterStrategy == "FULL" {
			delay = "in up to " + p.delay(d)
		}
		return fmt.Sprintf("%s: %s %s after %s", state, v.retry, delay, what)
	}
	for _, c := range st.Catch {
		if workflow.ErrorMatches(c.ErrorEquals, errName) {
			v.caught = true
			return fmt.Sprintf("%s: failed with %s; caught, going on to %s", state, what, c.Next)
		}
	}
	if len(st.Retry) > 0 && v.tries > 1 {
		return fmt.Sprintf("%s: failed with %s after %d attempts", state, what, v.tries)
	}
	return fmt.Sprintf("%s: failed with %s", state, what)
}

// delay words a retry delay, and what --time-scale makes of it.
func (p *progress) delay(d time.Duration) string {
	s := roundDuration(d).String()
	if p.scale != 1 {
		s += fmt.Sprintf(" (%s at --time-scale %g)", roundDuration(time.Duration(float64(d)*p.scale)), p.scale)
	}
	return s
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// openStates is what the live status line shows of the states running:
// each open state, with a pending retry's countdown.
func (p *progress) openStates(now time.Time) []string {
	out := make([]string, 0, len(p.open))
	for _, s := range p.open {
		if v := p.visits[s]; v != nil && !v.retryAt.IsZero() {
			left := max(0, v.retryAt.Sub(now))
			out = append(out, fmt.Sprintf("%s: %s in %s", s, v.retry, left.Round(100*time.Millisecond)))
			continue
		}
		out = append(out, s)
	}
	return out
}

// ecsTask is what the run shows of an ECS task, from Step Functions' JSON
// of it (PascalCase: a RunTask response's Tasks, or the stopped task of
// runTask.sync) or from DescribeTasks.
type ecsTask struct {
	TaskArn           string         `json:"TaskArn"`
	ClusterArn        string         `json:"ClusterArn,omitempty"`
	TaskDefinitionArn string         `json:"TaskDefinitionArn,omitempty"`
	LastStatus        string         `json:"LastStatus,omitempty"`
	StopCode          string         `json:"StopCode,omitempty"`
	StoppedReason     string         `json:"StoppedReason,omitempty"`
	Containers        []ecsContainer `json:"Containers,omitempty"`
}

type ecsContainer struct {
	Name       string `json:"Name"`
	LastStatus string `json:"LastStatus,omitempty"`
	ExitCode   *int32 `json:"ExitCode,omitempty"`
	Reason     string `json:"Reason,omitempty"`
	RuntimeID  string `json:"RuntimeId,omitempty"`
}

// ecsTasksOf reads the ECS tasks in a task state's output or cause: a
// RunTask response ({"Tasks": [...]}) or one task ({"TaskArn": ...}).
// (encoding/json matches member names without regard to case, so the
// SDK's camelCase reads as well.)
func ecsTasksOf(text string) []ecsTask {
	if !strings.HasPrefix(strings.TrimSpace(text), "{") {
		return nil
	}
	var doc struct {
		Tasks []ecsTask
		ecsTask
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return nil
	}
	var out []ecsTask
	for _, t := range doc.Tasks {
		if t.TaskArn != "" {
			out = append(out, t)
		}
	}
	if doc.TaskArn != "" {
		out = append(out, doc.ecsTask)
	}
	return out
}

// taskID is the id at the end of a task ARN.
func taskID(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

// shortTask is the first 8 characters of a task's id, as in log prefixes.
func shortTask(arn string) string {
	id := taskID(arn)
	return id[:min(8, len(id))]
}

// taskLines is one line per task: "Run 63e5daaa: what (workflow-job:1)".
func taskLines(state string, ts []ecsTask, what string) string {
	lines := make([]string, len(ts))
	for i, t := range ts {
		lines[i] = fmt.Sprintf("%s %s: %s", state, shortTask(t.TaskArn), what)
		if td := t.TaskDefinitionArn; td != "" {
			lines[i] += " (" + td[strings.LastIndexByte(td, '/')+1:] + ")"
		}
	}
	return strings.Join(lines, "\n")
}

// stoppedLine describes a stopped task: its stop code and reason, and each
// container's exit code (and reason, when there is one).
func (t *ecsTask) stoppedLine() string {
	s := "STOPPED"
	if len(t.Containers) > 0 {
		s += ", exit codes " + t.exitCodes()
	}
	switch {
	case t.StopCode != "" && t.StoppedReason != "":
		s += " (" + t.StopCode + ": " + t.StoppedReason + ")"
	case t.StopCode != "" || t.StoppedReason != "":
		s += " (" + t.StopCode + t.StoppedReason + ")"
	}
	return s
}

func (t *ecsTask) exitCodes() string {
	cs := append([]ecsContainer(nil), t.Containers...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	parts := make([]string, len(cs))
	for i, c := range cs {
		code := "-"
		if c.ExitCode != nil {
			code = fmt.Sprint(*c.ExitCode)
		}
		parts[i] = c.Name + "=" + code
		if c.Reason != "" {
			parts[i] += " (" + c.Reason + ")"
		}
	}
	return strings.Join(parts, " ")
}

// causeLines is how many lines of a JSON cause the failure summary shows.
const causeLines = 30

// formatCause makes an error's Cause readable: JSON pretty-printed (an ECS
// task, or a RunTask response, cut to the members that say why it
// failed: the task, its status, stop code and reason, each container's
// exit code and reason, the RunTask failures), long strings and long
// documents cut with a note of what was left out; other text as it is,
// cut when very long.
func formatCause(cause string) string { return prettyText(cause, true) }

// prettyText pretty-prints JSON text, reducing ECS tasks to what says why
// they failed when reduce; see formatCause.
func prettyText(cause string, reduce bool) string {
	trimmed := strings.TrimSpace(cause)
	if trimmed == "" {
		return ""
	}
	var v any
	if (strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")) && json.Unmarshal([]byte(trimmed), &v) == nil {
		text := trimmed
		if m, ok := v.(map[string]any); ok && reduce {
			if cut, ok := ecsCause(trimmed, m); ok {
				text = cut
			}
		}
		var b bytes.Buffer
		if json.Indent(&b, []byte(text), "", "  ") == nil {
			return cutLines(cutStrings(b.String(), 300), causeLines)
		}
	}
	if len(cause) > 4000 {
		return cause[:4000] + fmt.Sprintf("… (%d more bytes)", len(cause)-4000)
	}
	return cause
}

// ecsCause reduces an ECS task or RunTask response to what says why it
// failed.
func ecsCause(text string, m map[string]any) (string, bool) {
	type failure struct {
		Arn    string `json:",omitempty"`
		Reason string `json:",omitempty"`
		Detail string `json:",omitempty"`
	}
	var doc struct {
		Tasks    []ecsTask `json:",omitempty"`
		Failures []failure `json:",omitempty"`
		ecsTask
	}
	_, hasTasks := m["Tasks"]
	_, hasFailures := m["Failures"]
	_, hasArn := m["TaskArn"]
	if !hasTasks && !hasFailures && !hasArn {
		return "", false
	}
	if json.Unmarshal([]byte(text), &doc) != nil {
		return "", false
	}
	for i := range doc.Tasks {
		doc.Tasks[i].drop()
	}
	var out any
	if hasArn {
		doc.ecsTask.drop()
		out = doc.ecsTask
	} else {
		out = struct {
			Tasks    []ecsTask `json:",omitempty"`
			Failures []failure `json:",omitempty"`
		}{doc.Tasks, doc.Failures}
	}
	b, err := json.Marshal(out)
	return string(b), err == nil
}

// drop clears what a failure summary does not need.
func (t *ecsTask) drop() {
	for i := range t.Containers {
		t.Containers[i].RuntimeID = ""
	}
}

// cutStrings shortens JSON string values longer than n characters in
// indented JSON text.
func cutStrings(text string, n int) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if len([]rune(l)) > n+40 {
			r := []rune(l)
			lines[i] = string(r[:n]) + fmt.Sprintf("…(%d more characters)", len(r)-n)
		}
	}
	return strings.Join(lines, "\n")
}

// cutLines keeps the first n lines of text.
func cutLines(text string, n int) string {
	lines := strings.Split(text, "\n")
	if len(lines) <= n {
		return text
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n… (%d more lines: `ecsrun workflow describe` shows the whole cause)", len(lines)-n)
}

func short(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// printHistory writes one line per event worth one: its id, the time since
// the start, what happened.
func printHistory(w io.Writer, p *progress, evs []sfntypes.HistoryEvent) {
	for _, ev := range evs {
		p.track(ev)
		line := p.describe(ev)
		if line == "" {
			continue
		}
		prefix := fmt.Sprintf("%4d %s ", ev.Id, p.at(aws.ToTime(ev.Timestamp)))
		fmt.Fprintf(w, "%s%s\n", prefix, strings.ReplaceAll(line, "\n", "\n"+strings.Repeat(" ", len(prefix))))
	}
}
