package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/controlplane"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/store"
)

// DefaultTaskLogRetentionDays is the retention policy of the default task
// log group (ecs.DefaultLogGroup) unless Options.TaskLogRetentionDays says
// otherwise: a week, enough to read a failed run's output, short enough
// that a machine running tasks all day does not fill its disk.
const DefaultTaskLogRetentionDays = 7

// NeverExpire as Options.TaskLogRetentionDays keeps the default task log
// group's events until they are deleted (or their task is forgotten).
const NeverExpire = -1

// taskLogRetention returns the default task log group's retention in days
// (0: never expire), or an error naming the values allowed.
func taskLogRetention(days int32) (int32, error) {
	switch {
	case days == 0:
		return DefaultTaskLogRetentionDays, nil
	case days == NeverExpire:
		return 0, nil
	case slices.Contains(logs.RetentionDays, days):
		return days, nil
	}
	allowed := make([]string, len(logs.RetentionDays))
	for i, d := range logs.RetentionDays {
		allowed[i] = fmt.Sprint(d)
	}
	return 0, fmt.Errorf("engine: a task log retention of %d days is not one PutRetentionPolicy accepts: use one of %s (or none, to keep the events: --task-log-retention 0)", days, strings.Join(allowed, ", "))
}

// openLogs opens the log store. The default task log group gets the task
// log retention when the agent creates it; a group that a state directory
// made before there was a default retention holds, without a policy, gets
// it once (a policy put on it since, or removed, is left alone).
func (e *Engine) openLogs(ctx context.Context) (*logs.Store, error) {
	days, err := taskLogRetention(e.opts.TaskLogRetentionDays)
	if err != nil {
		return nil, err
	}
	st, err := logs.Open(ctx, e.db, logs.Options{
		Region: e.opts.Account.Region, Account: e.opts.Account.ID, Now: e.opts.Now,
		CreateRetention: map[string]int32{ecs.DefaultLogGroup: days},
	})
	if err != nil {
		return nil, err
	}
	err = store.Migrate(ctx, e.db, "engine-task-log-retention", []string{
		fmt.Sprintf(`UPDATE logs_groups SET retention_days = %d WHERE name = '%s' AND retention_days = 0`, days, ecs.DefaultLogGroup),
	})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("engine: %w", err)
	}
	return st, nil
}

// forgetLogs deletes the log streams of forgotten tasks in the default
// task log group, which only the engine writes. Streams in the groups of
// awslogs configurations stay under their group's retention policy, as on
// ECS, which never deletes a task's awslogs streams.
func (e *Engine) forgetLogs(ctx context.Context, streams []controlplane.LogStream) error {
	var names []string
	for _, s := range streams {
		if s.Group == ecs.DefaultLogGroup {
			names = append(names, s.Stream)
		}
	}
	return e.logs.DeleteStreams(ctx, ecs.DefaultLogGroup, names)
}
