package executions

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmock"
	"github.com/ecsrun/ecsrun/internal/sfnmodel"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// ErrExecutionNotRedrivable is the kind of RedriveExecution's refusals.
var ErrExecutionNotRedrivable = errors.New("ExecutionNotRedrivable")

// Redrive limits, as Step Functions has them.
const (
	// RedriveWindow is how long after it closed an execution can be
	// redriven.
	RedriveWindow = 14 * 24 * time.Hour
	// MaxRedrives is how often one execution can be redriven.
	MaxRedrives = 1000
	// maxHistory is the history limit: an execution with this many events
	// cannot be redriven.
	maxHistory = 25000
)

// replay is what launch resumes an execution from.
type replay struct {
	history []sfnmodel.HistoryEvent
	redrive bool
}

func newSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// machineOf names the state machine of an execution (which may have been
// deleted since it started).
func machineOf(ex *Execution) *StateMachine {
	return &StateMachine{Arn: ex.StateMachineArn, Name: ex.StateMachineArn[strings.LastIndexByte(ex.StateMachineArn, ':')+1:]}
}

// Recover resumes the executions a previous engine left RUNNING: each runs
// again from its stored history (see workflow's replay), so its Wait
// states keep their deadlines, its retries their schedule, its .sync ECS
// tasks are followed again and its task tokens still answer; what is
// recorded does not run again. One that cannot resume (its mock test case
// is gone, or it was started before executions kept a secret) fails with
// Ecsrun.EngineRestarted, and the ECS tasks its .sync states were waiting
// for are stopped.
func (m *Manager) Recover(ctx context.Context) error {
	exs, err := m.db.running(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ex := range exs {
		m.mu.Lock()
		_, mine := m.running[ex.Arn]
		m.mu.Unlock()
		if mine {
			continue
		}
		evs, err := m.db.events(ctx, ex.Arn, 0, false, 1<<30)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		why := m.resume(ctx, ex, evs, false)
		if why == "" {
			continue
		}
		cause := fmt.Sprintf("The ecsrun engine stopped while this execution was running (after event %d), and it cannot resume: %s. Start the execution again.", len(evs), why)
		if m.opts.Orphans != nil {
			for cluster, arns := range inFlightTasks(evs) {
				reason := fmt.Sprintf("The Task state in AWS Step Functions execution [%s] which was managing this resource was aborted", ex.Arn)
				if err := m.opts.Orphans.StopTasks(ctx, cluster, arns, reason); err != nil {
					m.opts.Log.Warn("stop the tasks of an interrupted execution", "execution", ex.Arn, "err", err)
				}
			}
		}
		if _, err := m.closeOrphan(ctx, ex, workflow.StatusFailed, ErrEngineRestarted, cause, &sfnmodel.HistoryEvent{
			Type:                        sfnmodel.HistoryEventTypeExecutionFailed,
			ExecutionFailedEventDetails: &sfnmodel.ExecutionFailedEventDetails{Error: ErrEngineRestarted, Cause: cause},
		}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// resume runs ex again from its history evs (redrive: what failed runs
// again); it returns why it cannot ("" when it runs).
func (m *Manager) resume(ctx context.Context, ex *Execution, evs []sfnmodel.HistoryEvent, redrive bool) string {
	if len(ex.Secret) == 0 {
		return "it was started by an older ecsrun, which kept no execution secret"
	}
	parsed, err := m.parse(ex.Definition)
	if err != nil {
		return fmt.Sprintf("its definition no longer validates (%v)", err)
	}
	input, err := workflow.DecodeJSON([]byte(ex.Input))
	if err != nil {
		return "its input is not JSON"
	}
	sm := machineOf(ex)
	mocks, err := m.mocks(sm, ex.TestCase, nil)
	if err != nil {
		return fmt.Sprintf("its mock test case %q is not in the engine's mock configuration (%v)", ex.TestCase, err)
	}
	primeMocks(mocks, evs)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closing {
		return "the engine is closing"
	}
	started := m.launch(ex, sm, parsed, input, mocks, replay{history: evs, redrive: redrive})
	if redrive {
		// ExecutionRedriven is stored before RedriveExecution answers.
		m.mu.Unlock()
		select {
		case <-started:
		case <-ctx.Done():
		}
		m.mu.Lock()
	}
	return ""
}

// primeMocks counts the mocked invocations the history shows answered, so
// a resumed execution's next invocation of a state gets the next mocked
// response.
func primeMocks(mocks *sfnmock.Mocks, evs []sfnmodel.HistoryEvent) {
	if mocks == nil {
		return
	}
	byID := map[int64]*sfnmodel.HistoryEvent{}
	for i := range evs {
		byID[evs[i].Id] = &evs[i]
	}
	for i := range evs {
		switch evs[i].Type {
		case sfnmodel.HistoryEventTypeTaskSucceeded, sfnmodel.HistoryEventTypeTaskFailed, sfnmodel.HistoryEventTypeTaskTimedOut,
			sfnmodel.HistoryEventTypeActivitySucceeded, sfnmodel.HistoryEventTypeActivityFailed, sfnmodel.HistoryEventTypeActivityTimedOut:
		default:
			continue
		}
		for ev := &evs[i]; ev != nil && ev.PreviousEventId != nil; ev = byID[*ev.PreviousEventId] {
			if d := ev.StateEnteredEventDetails; d != nil {
				if mocks.Has(d.Name) {
					mocks.Next(d.Name)
				}
				break
			}
		}
	}
}

// Redrivable tells whether RedriveExecution would accept ex, and why not
// (DescribeExecution's redriveStatus and redriveStatusReason).
func (m *Manager) Redrivable(ctx context.Context, ex *Execution) (bool, string) {
	switch ex.Status {
	case StatusRunning, workflow.StatusSucceeded:
		return false, fmt.Sprintf("Execution is %s and cannot be redriven", ex.Status)
	}
	sm, err := m.db.stateMachine(ctx, ex.StateMachineArn)
	if err != nil {
		return false, "The state machine of the execution has been deleted"
	}
	if sm.Type == TypeExpress {
		return false, "Execution of an EXPRESS state machine cannot be redriven"
	}
	if m.now().Sub(ex.Stop) > RedriveWindow {
		return false, "Execution has been closed for more than 14 days and cannot be redriven"
	}
	if ex.RedriveCount >= MaxRedrives {
		return false, fmt.Sprintf("Execution has been redriven %d times, the most allowed", MaxRedrives)
	}
	if n, err := m.db.lastEventID(ctx, ex.Arn); err == nil && n >= maxHistory-1 {
		return false, "Execution history has reached the limit of 25,000 events and cannot be redriven"
	}
	return true, ""
}

// RedriveExecution restarts a FAILED, TIMED_OUT or ABORTED execution of a
// STANDARD state machine from what failed: its history is kept, an
// ExecutionRedriven event follows it, and the states that failed (in Map
// and Parallel states, the iterations and branches that failed or were
// aborted) run again with the input they had; what succeeded does not run
// again. It returns the execution as redriven.
func (m *Manager) RedriveExecution(ctx context.Context, arn string) (*Execution, error) {
	ex, err := m.DescribeExecution(ctx, arn)
	if err != nil {
		return nil, err
	}
	if ok, why := m.Redrivable(ctx, ex); !ok {
		return nil, errorf(ErrExecutionNotRedrivable, "Execution Not Redrivable: '%s'. %s", arn, why)
	}
	evs, err := m.db.events(ctx, ex.Arn, 0, false, 1<<30)
	if err != nil {
		return nil, err
	}
	from := ex.Status
	re := *ex
	re.Status, re.Output, re.Error, re.Cause, re.Stop = StatusRunning, "", "", "", time.Time{}
	re.RedriveCount, re.RedriveDate = ex.RedriveCount+1, m.now()
	if ok, err := m.db.reopenExecution(ctx, &re, from); err != nil {
		return nil, err
	} else if !ok {
		return nil, errorf(ErrExecutionNotRedrivable, "Execution Not Redrivable: '%s'. It is being redriven already.", arn)
	}
	if why := m.resume(ctx, &re, evs, true); why != "" {
		// Put it back as it was.
		m.db.closeExecution(context.WithoutCancel(ctx), ex)
		return nil, errorf(ErrExecutionNotRedrivable, "Execution Not Redrivable: '%s'. It cannot run again: %s.", arn, why)
	}
	return &re, nil
}
