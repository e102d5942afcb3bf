package runtask

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtask/retry"
)

// A run's tasks are "slots" 1..count. Each slot has attempts; an attempt is
// one RunTask result (a task, or a failure). The loop below is the only
// goroutine that touches them:
//
//	waiting --launch--> attempt (task or failure) --judged--> done
//	   ^                                             |
//	   +------------- retry after a delay <----------+
//
// An attempt is judged when its task stops (or, with --wait running, is
// seen RUNNING; with --wait none, once RunTask started it), when RunTask did
// not start it, or when a timeout stops it.

const (
	// youngFor is how long after a launch tasks are polled at the first
	// interval (short tasks end soon; noticing it promptly matters).
	youngFor = time.Second
	// missingGrace is how long DescribeTasks may answer MISSING for a task
	// (ECS is eventually consistent right after RunTask) before the task
	// counts as lost.
	missingGrace = 30 * time.Second
	// maxDescribeErrors ends the wait after this many DescribeTasks errors
	// in a row.
	maxDescribeErrors = 10
	// callTimeout bounds RunTask and StopTask calls, which are never
	// cancelled by an interrupt (their outcome must be known).
	callTimeout = time.Minute
	// slowStopAfter is how long after StopTask a container may still run
	// before ecsrun says the stop waits out its stopTimeout.
	slowStopAfter = 2 * time.Second
	// defaultStopTimeout is the ECS agent's stopTimeout when the container
	// definition sets none (ECS_CONTAINER_STOP_TIMEOUT).
	defaultStopTimeout = 30 * time.Second
)

type stopKind string

const (
	stopTimeout   stopKind = "timeout"
	stopInterrupt stopKind = "interrupt"
)

type slot struct {
	n        int
	attempts []*attempt
	waiting  bool // to be launched at due
	due      time.Time
	done     bool
}

type attempt struct {
	rec       Attempt
	slot      *slot
	launched  time.Time
	status    string
	started   bool // seen in ACTIVATING, RUNNING or later
	final     bool // judged
	settled   bool // no longer described
	stopSent  time.Time
	missingAt time.Time
	cluster   string
	// runtimeIDs are the runtime ids of the task's containers that have
	// not stopped, by container name.
	runtimeIDs map[string]string
}

type loop struct {
	api     *Runner
	o       *Options
	td      *taskDef
	req     *ecsmodel.RunTaskRequest
	input   awsecs.RunTaskInput
	inputOK error
	c       *Console
	logs    *logs
	rand    func() float64

	slots    []*slot
	attempts []*attempt
	byArn    map[string]*attempt
	runID    string
	batches  int
	fatal    *verdict // a permanent RunTask error: no more calls

	start       time.Time
	interval    time.Duration
	nextPoll    time.Time
	youngUntil  time.Time
	describeErr int
	// changed is closed at the target's next task change (Runner.Changes;
	// nil without them, and once it fired until the next describe).
	changed      <-chan struct{}
	lastDescribe time.Time
	wakeGap      time.Duration

	stopping     stopKind
	stopDeadline time.Time
	stopCtx      context.Context
	cancelStop   context.CancelFunc

	// ctx is the run's context (cancelled by the first interrupt).
	ctx context.Context
	// pullHinted holds the images a pull hint was given for.
	pullHinted map[string]bool
	// slowStopSaid is set once the run said that a stop waits out a
	// container's stopTimeout.
	slowStopSaid bool

	lastCounts string
	// noLogs holds the containers said to have no log stream to follow.
	noLogs map[string]bool
}

func newLoop(api *Runner, o *Options, td *taskDef, req *ecsmodel.RunTaskRequest) *loop {
	l := &loop{
		api: api, o: o, td: td, req: req, c: o.Console,
		logs:   newLogs(api.Logs, o.Console, o.LogPoll, o.LogSettle, o.LogRate),
		rand:   o.Rand,
		byArn:  map[string]*attempt{},
		runID:  newRunID(),
		noLogs: map[string]bool{},

		pullHinted: map[string]bool{},
	}
	if l.rand == nil {
		l.rand = randFloat
	}
	l.inputOK = convert(req, &l.input)
	for i := 1; i <= o.Count; i++ {
		l.slots = append(l.slots, &slot{n: i})
	}
	return l
}

// records returns the attempts' records in launch order.
func (l *loop) records() []Attempt {
	out := make([]Attempt, 0, len(l.attempts))
	for _, a := range l.attempts {
		out = append(out, a.rec)
	}
	return out
}

func (l *loop) run(ctx context.Context) {
	now := time.Now()
	l.start = now
	l.ctx = ctx
	for _, s := range l.slots {
		s.waiting, s.due = true, now
	}
	l.interval = l.o.Poll
	family := aws.ToString(l.td.def.Family)
	if rev := l.td.def.Revision; rev > 0 {
		family = fmt.Sprintf("%s:%d", family, rev)
	}
	l.c.Infof("Triggering %s with task definition %s", plural(l.o.Count, "task"), family)
	defer func() {
		if l.cancelStop != nil {
			l.cancelStop()
		}
	}()
	for {
		now = time.Now()
		if l.stopping == "" {
			switch {
			case ctx.Err() != nil:
				l.beginStop(ctx, stopInterrupt, now)
			case l.o.Timeout > 0 && !now.Before(l.start.Add(l.o.Timeout)):
				l.beginStop(ctx, stopTimeout, now)
			}
		}
		callCtx := ctx
		if l.stopping != "" {
			callCtx = l.stopCtx
		}
		if l.stopping == "" {
			l.launchDue(ctx, now)
		}
		if l.hasLive() && !now.Before(l.nextPoll) {
			l.describe(callCtx, now)
		}
		l.checkTimeouts(ctx, time.Now())
		l.sayIfSlowStop(time.Now())
		l.logs.pollDue(callCtx, time.Now())
		l.showStatus(time.Now())
		if l.finished(time.Now()) {
			break
		}
		l.sleep(ctx)
	}
	l.c.EndStatus()
	if l.o.Wait == WaitNone {
		l.c.Infof("Skipped the steady-state check (--wait none).")
	}
	// Read what remains of every stream (bounded: at most the stop grace
	// after an interrupt or a timeout).
	dctx := context.WithoutCancel(ctx)
	if l.stopping != "" {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(l.stopCtx, time.Until(l.stopDeadline)+10*time.Second)
		defer cancel()
	}
	l.logs.drain(dctx)
}

// sleep waits for the next thing to do: a poll, a launch, a stream's turn,
// a deadline, or an interrupt.
func (l *loop) sleep(ctx context.Context) {
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if l.hasLive() {
		consider(l.nextPoll)
	}
	for _, s := range l.slots {
		if s.waiting {
			consider(s.due)
		}
	}
	consider(l.logs.nextDue())
	if l.stopping == "" {
		if l.o.Timeout > 0 {
			consider(l.start.Add(l.o.Timeout))
		}
		for _, a := range l.attempts {
			if a.final || a.rec.TaskArn == "" {
				continue
			}
			if l.o.StartTimeout > 0 && !a.started {
				consider(a.launched.Add(l.o.StartTimeout))
			}
			if l.o.AttemptTimeout > 0 {
				consider(a.launched.Add(l.o.AttemptTimeout))
			}
		}
	} else {
		consider(l.stopDeadline)
	}
	d := l.o.MaxPoll
	if !next.IsZero() {
		d = min(max(time.Until(next), 0), l.o.MaxPoll)
	}
	if l.c.Live() {
		d = min(d, time.Second) // keep the clock of the status line moving
	}
	t := time.NewTimer(d)
	defer t.Stop()
	done := ctx.Done()
	if l.stopping != "" {
		done = l.stopCtx.Done()
	}
	select {
	case <-done:
	case <-t.C:
	case <-l.changed:
		// A task changed: describe again now, though not more often than
		// a tenth of the first poll interval (scaled with the tasks).
		l.changed = nil
		if soon := l.lastDescribe.Add(l.wakeGap); soon.Before(l.nextPoll) {
			l.nextPoll = soon
		}
	}
}

// watchChanges takes the channel of the target's next task change, before
// a call that looks at the tasks: a change after the look closes it.
func (l *loop) watchChanges() {
	if l.api.Changes != nil {
		l.changed = l.api.Changes()
	}
}

// hasLive reports whether some task is still described.
func (l *loop) hasLive() bool {
	for _, a := range l.attempts {
		if a.rec.TaskArn != "" && !a.settled {
			return true
		}
	}
	return false
}

// finished reports whether the run is over: every slot judged and not
// waiting for a retry, and every task ecsrun stopped seen STOPPED (or its
// stop grace passed).
func (l *loop) finished(now time.Time) bool {
	for _, s := range l.slots {
		if s.waiting || !s.done {
			return false
		}
	}
	var left []*attempt
	for _, a := range l.attempts {
		if a.rec.TaskArn == "" || a.settled {
			continue
		}
		if a.stopSent.IsZero() {
			return false
		}
		if now.Before(a.stopSent.Add(l.o.StopGrace)) && (l.stopping == "" || now.Before(l.stopDeadline)) && !l.aborted() {
			return false
		}
		left = append(left, a)
	}
	if len(left) > 0 {
		l.giveUpStopping(left)
	}
	return true
}

// aborted reports whether the wait for stopping tasks is to end now: a
// second interrupt, or an interrupt while a --timeout stops the tasks.
func (l *loop) aborted() bool {
	if l.o.Abort != nil && l.o.Abort.Err() != nil {
		return true
	}
	return l.stopping == stopTimeout && l.ctx != nil && l.ctx.Err() != nil
}

// giveUpStopping ends the wait for tasks ecsrun asked to stop that have not
// stopped, and says which may still be running and how to stop them.
func (l *loop) giveUpStopping(left []*attempt) {
	noun := "it"
	if len(left) > 1 {
		noun = "them"
	}
	switch {
	case l.aborted():
		why := "a second interrupt"
		if l.stopping == stopTimeout {
			why = "interrupted"
		}
		l.c.Infof("Stopped waiting for the tasks to stop (%s): %s may still be running. Stop %s with:", why, plural(len(left), "task"), noun)
	default:
		l.c.Infof("%s did not stop within %s of StopTask (--stop-grace) and may still be running. Stop %s with:", plural(len(left), "task"), l.o.StopGrace, noun)
	}
	for _, a := range left {
		a.settled = true
		l.c.Infof("  %s", l.stopCommand(a))
	}
}

// stopCommand is the command that stops the task of a.
func (l *loop) stopCommand(a *attempt) string {
	st := StillRunning{Cluster: ecs.ResourceName(a.cluster), TaskArn: a.rec.TaskArn, TaskID: ecs.ResourceName(a.rec.TaskArn)}
	for _, c := range l.td.def.ContainerDefinitions {
		if id := a.runtimeIDs[aws.ToString(c.Name)]; id != "" {
			st.RuntimeIDs = append(st.RuntimeIDs, id)
		}
	}
	if l.o.StopCommand != nil {
		if cmd := l.o.StopCommand(st); cmd != "" {
			return cmd
		}
	}
	return AWSStopCommand(st)
}

// sayIfSlowStop says once per run that a stop waits out a container's
// stopTimeout (its process did not end on the stop signal), with the time
// left and how to stop waiting.
func (l *loop) sayIfSlowStop(now time.Time) {
	if l.slowStopSaid {
		return
	}
	var slow []*attempt
	var first string
	var timeout, left time.Duration
	for _, a := range l.attempts {
		if a.stopSent.IsZero() || a.settled || a.status == "STOPPED" || now.Sub(a.stopSent) < slowStopAfter {
			continue
		}
		for _, c := range a.rec.Containers {
			if c.ExitCode != nil || c.LastStatus != "RUNNING" {
				continue
			}
			to := l.stopTimeout(c.Name)
			if rest := a.stopSent.Add(to).Sub(now); rest > time.Second {
				if len(slow) == 0 || slow[len(slow)-1] != a {
					slow = append(slow, a)
				}
				if first == "" {
					first, timeout, left = c.Name, to, rest
				}
			}
		}
	}
	if len(slow) == 0 {
		return
	}
	l.slowStopSaid = true
	who := "Task " + shortID(slow[0].rec.TaskArn)
	if len(slow) > 1 {
		who += fmt.Sprintf(" (and %s more)", plural(len(slow)-1, "task"))
	}
	msg := fmt.Sprintf("%s is stopping: container %s did not exit on its stop signal; ECS kills it when its stopTimeout of %s ends, in %s.",
		who, first, timeout, left.Round(time.Second))
	if l.o.Abort != nil {
		switch l.stopping {
		case stopInterrupt:
			msg += " A second Ctrl-C stops waiting."
		case stopTimeout:
			msg += " Ctrl-C stops waiting."
		default:
			msg += " Ctrl-C twice stops waiting."
		}
	}
	l.c.Infof("%s", msg)
}

// hintPull gives the target's hint (Options.PullHint) once per image for
// the containers of a that could not pull their image.
func (l *loop) hintPull(a *attempt) {
	if l.o.PullHint == nil {
		return
	}
	for _, c := range a.rec.Containers {
		if !strings.HasPrefix(c.Reason, "CannotPullContainerError") {
			continue
		}
		for _, cd := range l.td.def.ContainerDefinitions {
			image := aws.ToString(cd.Image)
			if aws.ToString(cd.Name) != c.Name || l.pullHinted[image] {
				continue
			}
			l.pullHinted[image] = true
			if h := l.o.PullHint(image); h != "" {
				l.c.Infof("Hint: %s", h)
			}
		}
	}
}

// stopTimeout is the stopTimeout of the container named name.
func (l *loop) stopTimeout(name string) time.Duration {
	for _, c := range l.td.def.ContainerDefinitions {
		if aws.ToString(c.Name) == name && c.StopTimeout != nil && *c.StopTimeout > 0 {
			return time.Duration(*c.StopTimeout) * time.Second
		}
	}
	return defaultStopTimeout
}

// launchDue starts the slots whose launch is due, in batches of MaxBatch,
// one client token per batch.
func (l *loop) launchDue(ctx context.Context, now time.Time) {
	var due []*slot
	for _, s := range l.slots {
		if s.waiting && !now.Before(s.due) {
			due = append(due, s)
		}
	}
	if len(due) == 0 {
		return
	}
	var started, failed int
	var fresh []launched
	for len(due) > 0 {
		batch := due[:min(MaxBatch, len(due))]
		due = due[len(batch):]
		s, f, ls := l.launch(ctx, batch, now)
		started, failed, fresh = started+s, failed+f, append(fresh, ls...)
	}
	l.c.Infof("%s triggered successfully and %s received.", wasWere(started, "task"), wasWere(failed, "failure"))
	for _, x := range fresh {
		l.c.Infof("Task => %s", x.a.rec.TaskArn)
	}
	for _, x := range fresh {
		l.update(ctx, x.a, x.t, now)
		if l.o.Wait == WaitNone && !x.a.final {
			x.a.settled = true
			l.judge(x.a, verdict{outcome: OutcomeLaunched, reason: "started (--wait none)"}, now)
		}
	}
	l.youngUntil = now.Add(youngFor)
	l.interval = l.o.Poll
	l.nextPoll = now.Add(l.o.Poll)
}

// launched is a task RunTask started, with its description in the answer.
type launched struct {
	a *attempt
	t types.Task
}

func (l *loop) launch(ctx context.Context, batch []*slot, now time.Time) (started, failed int, fresh []launched) {
	token := fmt.Sprintf("ecsrun-%s-%d", l.runID, l.batches)
	l.batches++
	l.watchChanges()
	var as []*attempt
	for _, s := range batch {
		s.waiting = false
		a := &attempt{slot: s, launched: now, rec: Attempt{Task: s.n, Attempt: len(s.attempts) + 1, ClientToken: token}}
		s.attempts = append(s.attempts, a)
		l.attempts = append(l.attempts, a)
		as = append(as, a)
	}
	if l.inputOK != nil {
		v := verdict{outcome: OutcomeNeverStarted, code: ExitNeverStarted, reason: "request: " + l.inputOK.Error(), permanent: true}
		l.fatal = &v
	}
	if l.fatal != nil {
		for _, a := range as {
			a.rec.ClientToken = ""
			l.judge(a, *l.fatal, now)
		}
		return 0, len(as), nil
	}
	in := l.input
	in.Count = aws.Int32(int32(len(batch)))
	in.ClientToken = aws.String(token)
	// Never cancelled by an interrupt: the tasks it starts must be known to
	// be stopped.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	out, err := l.api.ECS.RunTask(cctx, &in)
	cancel()
	if err != nil {
		code, msg := errorCode(err)
		v := judgeRunTaskFailure(Failure{Reason: code, Detail: msg}, true)
		l.c.Infof("RunTask failed: %s: %s", code, msg)
		if v.permanent {
			l.fatal = &v
		}
		for _, a := range as {
			a.rec.Failure = &Failure{Reason: code, Detail: msg}
			l.judge(a, v, now)
		}
		return 0, len(as), nil
	}
	for i, a := range as {
		if i < len(out.Tasks) {
			t := out.Tasks[i]
			a.rec.TaskArn = aws.ToString(t.TaskArn)
			a.cluster = aws.ToString(t.ClusterArn)
			l.byArn[a.rec.TaskArn] = a
			fresh = append(fresh, launched{a, t})
			started++
			continue
		}
		f := Failure{Reason: "MISSING", Detail: fmt.Sprintf("RunTask started %d of %s and reported no failure", len(out.Tasks), plural(len(as), "task"))}
		if n := len(out.Failures); n > 0 {
			rf := out.Failures[min(i-len(out.Tasks), n-1)]
			f = Failure{Arn: aws.ToString(rf.Arn), Reason: aws.ToString(rf.Reason), Detail: aws.ToString(rf.Detail)}
		}
		a.rec.Failure = &f
		failed++
		l.c.Infof("Failure => %s", strings.TrimPrefix(judgeRunTaskFailure(f, false).reason, "RunTask failure: "))
		l.judge(a, judgeRunTaskFailure(f, false), now)
	}
	return started, failed, fresh
}

// judge records an attempt's verdict and decides whether its slot is done
// or retried.
func (l *loop) judge(a *attempt, v verdict, now time.Time) {
	v.apply(&a.rec)
	a.final = true
	s := a.slot
	if s.attempts[len(s.attempts)-1] != a {
		return
	}
	if !v.outcome.Success() && l.stopping == "" && !v.permanent {
		if d, ok := l.o.Retry.Next(len(s.attempts)-1, v.errors, l.rand()); ok {
			a.rec.Retried = true
			secs := d.Seconds()
			a.rec.RetryDelaySeconds = &secs
			s.waiting, s.due = true, now.Add(d)
			l.c.Infof("Task %d attempt %d %s: %s; retrying in %s (attempt %d of %d)",
				s.n, a.rec.Attempt, a.rec.Outcome, a.rec.Reason, d.Round(time.Millisecond), a.rec.Attempt+1, l.o.Retry.MaxAttempts+1)
			return
		}
	}
	s.done = true
}

// describe polls the tasks still followed, at most 100 per call.
func (l *loop) describe(ctx context.Context, now time.Time) {
	l.watchChanges()
	l.lastDescribe = now
	byCluster := map[string][]string{}
	var clusters []string
	live := 0
	for _, a := range l.attempts {
		if a.rec.TaskArn == "" || a.settled {
			continue
		}
		if _, ok := byCluster[a.cluster]; !ok {
			clusters = append(clusters, a.cluster)
		}
		byCluster[a.cluster] = append(byCluster[a.cluster], a.rec.TaskArn)
		live++
	}
	for _, cluster := range clusters {
		arns := byCluster[cluster]
		for len(arns) > 0 {
			chunk := arns[:min(describeBatch, len(arns))]
			arns = arns[len(chunk):]
			out, err := l.api.ECS.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: nonEmpty(cluster), Tasks: chunk})
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				l.describeErr++
				code, msg := errorCode(err)
				l.c.Infof("DescribeTasks failed (%d in a row): %s: %s", l.describeErr, code, msg)
				if l.describeErr >= maxDescribeErrors {
					l.giveUp(fmt.Sprintf("DescribeTasks failed %d times in a row (%s: %s)", l.describeErr, code, msg), now)
					return
				}
				l.nextPoll = now.Add(min(l.o.MaxPoll*time.Duration(l.describeErr), 30*time.Second))
				return
			}
			l.describeErr = 0
			seen := time.Now()
			for _, t := range out.Tasks {
				if a := l.byArn[aws.ToString(t.TaskArn)]; a != nil {
					a.missingAt = time.Time{}
					l.update(ctx, a, t, seen)
				}
			}
			for _, f := range out.Failures {
				a := l.byArn[aws.ToString(f.Arn)]
				if a == nil {
					continue
				}
				if a.missingAt.IsZero() {
					a.missingAt = seen
				}
				if seen.Sub(a.missingAt) >= missingGrace {
					a.settled = true
					if !a.final {
						l.judge(a, verdict{outcome: OutcomeLost, code: ExitLost,
							reason: fmt.Sprintf("DescribeTasks answered %s for %s; how the task ended is unknown", aws.ToString(f.Reason), missingGrace)}, seen)
					}
				}
			}
		}
	}
	// Poll fast while tasks are young, scaled with their number, then back
	// off towards MaxPoll. A target that signals its task changes is
	// described when they change, so polls only back that up.
	base := max(l.o.Poll, l.o.Poll*time.Duration(live)/10)
	l.wakeGap = base / 10
	switch {
	case l.api.Changes != nil:
		l.interval = l.o.MaxPoll
	case now.Before(l.youngUntil):
		l.interval = base
	default:
		l.interval = min(max(l.interval*5/4, base), l.o.MaxPoll)
	}
	l.nextPoll = now.Add(l.interval)
}

// giveUp ends the wait for every task still followed.
func (l *loop) giveUp(reason string, now time.Time) {
	for _, a := range l.attempts {
		if a.rec.TaskArn == "" || a.settled {
			continue
		}
		a.settled = true
		if !a.final {
			l.judge(a, verdict{outcome: OutcomeLost, code: ExitLost, reason: reason}, now)
		}
	}
	for _, s := range l.slots {
		if s.waiting {
			s.waiting, s.done = false, true
		}
	}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// started statuses: the containers run.
var runningStatuses = map[string]bool{"ACTIVATING": true, "RUNNING": true, "DEACTIVATING": true, "STOPPING": true, "DEPROVISIONING": true}

// update records a task as described and acts on its status.
func (l *loop) update(ctx context.Context, a *attempt, t types.Task, now time.Time) {
	prev := a.status
	a.status = aws.ToString(t.LastStatus)
	l.record(a, t)
	if runningStatuses[a.status] || a.status == "STOPPED" && t.StartedAt != nil {
		a.started = true
	}
	l.followLogs(ctx, a, t, now)
	if a.status != prev && !l.c.Live() && l.o.Count <= MaxBatch {
		l.c.Infof("Task %s %s", shortID(a.rec.TaskArn), a.status)
	}
	switch {
	case a.status == "STOPPED":
		l.hintPull(a)
		a.settled = true
		if !a.final {
			v := judgeStopped(a.rec.StopCode, a.rec.StoppedReason, a.rec.Containers, l.o.SuccessContainer)
			l.judge(a, v, now)
		}
	case l.o.Wait == WaitRunning && a.started && !a.final && !essentialExited(a.rec.Containers):
		// (A task whose essential container already exited is judged by
		// its exit codes once it stops.)
		a.settled = true
		l.judge(a, verdict{outcome: OutcomeRunning, reason: "reached " + a.status}, now)
	}
}

func essentialExited(cs []Container) bool {
	for _, c := range cs {
		if c.Essential && c.ExitCode != nil {
			return true
		}
	}
	return false
}

// record copies the described task into the attempt's record.
func (l *loop) record(a *attempt, t types.Task) {
	r := &a.rec
	r.LastStatus = aws.ToString(t.LastStatus)
	r.StopCode = string(t.StopCode)
	r.StoppedReason = aws.ToString(t.StoppedReason)
	r.CreatedAt, r.StartedAt, r.StoppingAt, r.StoppedAt = t.CreatedAt, t.StartedAt, t.StoppingAt, t.StoppedAt
	if t.StoppedAt != nil {
		from := a.launched
		if t.CreatedAt != nil {
			from = *t.CreatedAt
		}
		d := t.StoppedAt.Sub(from).Seconds()
		r.DurationSeconds = &d
	}
	taskID := ecs.ResourceName(r.TaskArn)
	// Containers in task definition order.
	byName := map[string]types.Container{}
	for _, c := range t.Containers {
		byName[aws.ToString(c.Name)] = c
	}
	r.Containers = r.Containers[:0]
	a.runtimeIDs = map[string]string{}
	for _, c := range t.Containers {
		if id := aws.ToString(c.RuntimeId); id != "" && aws.ToString(c.LastStatus) != "STOPPED" {
			a.runtimeIDs[aws.ToString(c.Name)] = id
		}
	}
	for _, cd := range l.td.def.ContainerDefinitions {
		c, ok := byName[aws.ToString(cd.Name)]
		if !ok {
			continue
		}
		cr := Container{Name: aws.ToString(c.Name), Essential: essential(l.td.def, aws.ToString(c.Name)),
			LastStatus: aws.ToString(c.LastStatus), ExitCode: c.ExitCode, Reason: aws.ToString(c.Reason)}
		g, s, awslogs := logDestination(l.td.def, taskID, c)
		if awslogs || !l.o.NoDefaultLogGroup {
			cr.LogGroup, cr.LogStream = g, s
		}
		r.Containers = append(r.Containers, cr)
	}
}

// followLogs starts following the streams of the task's selected
// containers once they exist, and drains those of a stopped task.
func (l *loop) followLogs(ctx context.Context, a *attempt, t types.Task, now time.Time) {
	if l.o.Logs == LogsNone || l.api.Logs == nil {
		return
	}
	taskID := ecs.ResourceName(a.rec.TaskArn)
	for _, c := range a.rec.Containers {
		if l.o.Logs == LogsEssential && !c.Essential && c.Name != l.o.SuccessContainer {
			continue
		}
		if c.LogStream == "" {
			if l.o.NoDefaultLogGroup && !l.noLogs[c.Name] {
				// Say so once: an empty log is otherwise a mystery.
				l.noLogs[c.Name] = true
				l.c.Infof("Container %s has no awslogs log configuration, so its output cannot be followed (give it logConfiguration with the awslogs driver)", c.Name)
			}
			continue
		}
		var runtimeID string
		for _, tc := range t.Containers {
			if aws.ToString(tc.Name) == c.Name {
				runtimeID = aws.ToString(tc.RuntimeId)
			}
		}
		if runtimeID == "" && c.ExitCode == nil && c.LastStatus != "RUNNING" {
			continue // not created yet: no stream
		}
		f := l.logs.follow(taskID, c.Name, c.LogGroup, c.LogStream)
		if a.status == "STOPPED" {
			l.logs.stopped(ctx, f, now)
		}
	}
}

// checkTimeouts stops the tasks whose start or attempt timeout expired.
func (l *loop) checkTimeouts(ctx context.Context, now time.Time) {
	if l.stopping != "" {
		return
	}
	for _, a := range l.attempts {
		if a.final || a.rec.TaskArn == "" {
			continue
		}
		var why string
		switch {
		case l.o.StartTimeout > 0 && !a.started && !now.Before(a.launched.Add(l.o.StartTimeout)):
			why = fmt.Sprintf("--start-timeout of %s expired while the task was %s", l.o.StartTimeout, orUnknown(a.status))
		case l.o.AttemptTimeout > 0 && !now.Before(a.launched.Add(l.o.AttemptTimeout)):
			why = fmt.Sprintf("--attempt-timeout of %s expired", l.o.AttemptTimeout)
		default:
			continue
		}
		l.stop(ctx, a, "Stopped by ecsrun: "+why, now)
		l.judge(a, verdict{outcome: OutcomeTimedOut, code: ExitTimeout, errors: []string{retry.Timeout}, reason: why}, now)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "not yet described"
	}
	return s
}

// stop asks ECS to stop a task.
func (l *loop) stop(ctx context.Context, a *attempt, reason string, now time.Time) {
	if !a.stopSent.IsZero() || a.status == "STOPPED" {
		return
	}
	a.stopSent = now
	a.settled = false
	a.rec.StopRequested = reason
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer cancel()
	_, err := l.api.ECS.StopTask(cctx, &awsecs.StopTaskInput{Cluster: nonEmpty(a.cluster), Task: aws.String(a.rec.TaskArn), Reason: aws.String(reason)})
	if err != nil {
		code, msg := errorCode(err)
		l.c.Infof("StopTask %s failed: %s: %s", a.rec.TaskArn, code, msg)
		return
	}
	l.c.Infof("Stopping task %s: %s", shortID(a.rec.TaskArn), reason)
	// Notice the stop promptly.
	l.youngUntil = now.Add(youngFor)
	l.interval = l.o.Poll
	l.nextPoll = now
}

// beginStop stops every task the run started that has not stopped, on an
// interrupt or when --timeout expired, and cancels pending retries.
func (l *loop) beginStop(ctx context.Context, kind stopKind, now time.Time) {
	l.stopping = kind
	l.stopDeadline = now.Add(l.o.StopGrace)
	// The wait ends at the deadline, or early on a second interrupt (or
	// on an interrupt while a --timeout stops the tasks).
	l.stopCtx, l.cancelStop = context.WithDeadline(context.WithoutCancel(ctx), l.stopDeadline)
	aborts := []context.Context{l.o.Abort}
	if kind == stopTimeout {
		aborts = append(aborts, ctx)
	}
	for _, abort := range aborts {
		if abort == nil {
			continue
		}
		unhook, inner := context.AfterFunc(abort, l.cancelStop), l.cancelStop
		l.cancelStop = func() { unhook(); inner() }
	}
	var reason, why string
	outcome, code := OutcomeInterrupted, 130
	switch kind {
	case stopTimeout:
		why = fmt.Sprintf("--timeout of %s expired", l.o.Timeout)
		reason = "Stopped by ecsrun: " + why
		outcome, code = OutcomeTimedOut, ExitTimeout
	default:
		name := "SIGINT"
		if l.o.Signal != nil {
			name, code = l.o.Signal()
		}
		why = "interrupted (" + name + ")"
		reason = "Stopped by ecsrun: the run-task command was interrupted (" + name + ")"
	}
	l.c.Infof("%s: stopping every task of this run", strings.ToUpper(why[:1])+why[1:])
	for _, s := range l.slots {
		if s.waiting {
			s.waiting, s.done = false, true
			if n := len(s.attempts); n > 0 {
				last := &s.attempts[n-1].rec
				last.Retried, last.RetryDelaySeconds = false, nil
			}
		}
	}
	for _, a := range l.attempts {
		if a.rec.TaskArn == "" || a.status == "STOPPED" {
			continue
		}
		l.stop(ctx, a, reason, now)
		if !a.final {
			names := []string(nil)
			if kind == stopTimeout {
				names = []string{retry.Timeout}
			}
			l.judge(a, verdict{outcome: outcome, code: code, errors: names, reason: why}, now)
		}
	}
}

// showStatus updates the live status line, or prints aggregated progress
// for large runs on a plain output.
func (l *loop) showStatus(now time.Time) {
	counts := map[string]int{}
	for _, s := range l.slots {
		switch {
		case s.waiting && len(s.attempts) > 0:
			counts["RETRY PENDING"]++
		case len(s.attempts) == 0:
			counts["NOT LAUNCHED"]++
		default:
			a := s.attempts[len(s.attempts)-1]
			st := a.status
			if a.rec.TaskArn == "" {
				st = "FAILED TO START"
			}
			counts[orUnknown(st)]++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return statusOrder(keys[i]) < statusOrder(keys[j]) })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	summary := fmt.Sprintf("%s: %s", plural(len(l.slots), "task"), strings.Join(parts, ", "))
	if l.c.Live() {
		l.c.Status(fmt.Sprintf("[%s] %s", now.Sub(l.start).Round(time.Second), summary))
		return
	}
	if l.o.Count > MaxBatch && summary != l.lastCounts {
		l.lastCounts = summary
		l.c.Infof("%s", summary)
	}
}

var statusRank = []string{"NOT LAUNCHED", "RETRY PENDING", "not yet described", "PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED", "FAILED TO START"}

func statusOrder(s string) int {
	for i, r := range statusRank {
		if r == s {
			return i
		}
	}
	return len(statusRank)
}
