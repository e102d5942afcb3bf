package sfnapi

import (
	"context"
	"encoding/json"

	"github.com/ecsrun/ecsrun/internal/activities"
	sm "github.com/ecsrun/ecsrun/internal/sfnmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

func (a *api) createActivity(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.CreateActivityInput)
	tags := make([]activities.Tag, len(req.Tags))
	for i, t := range req.Tags {
		tags[i] = activities.Tag{Key: t.Key, Value: t.Value}
	}
	var enc any
	if req.EncryptionConfiguration != nil {
		enc = req.EncryptionConfiguration
	}
	act, err := a.acts.Create(ctx, req.Name, tags, enc)
	if err != nil {
		return nil, err
	}
	return &sm.CreateActivityOutput{ActivityArn: act.Arn, CreationDate: wire.At(act.Created)}, nil
}

// encryption is the configuration an activity was created with (an
// AWS-owned key by default, as Step Functions answers).
func encryption(act *activities.Activity) *sm.EncryptionConfiguration {
	c := &sm.EncryptionConfiguration{}
	if act.Encryption != "" {
		json.Unmarshal([]byte(act.Encryption), c)
	}
	if c.Type == "" {
		c.Type = sm.EncryptionTypeAWSOWNEDKEY
	}
	return c
}

func (a *api) describeActivity(ctx context.Context, in wire.Input) (any, error) {
	act, err := a.acts.Describe(ctx, in.(*sm.DescribeActivityInput).ActivityArn)
	if err != nil {
		return nil, err
	}
	return &sm.DescribeActivityOutput{
		ActivityArn: act.Arn, Name: act.Name, CreationDate: wire.At(act.Created), EncryptionConfiguration: encryption(act),
	}, nil
}

func (a *api) listActivities(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.ListActivitiesInput)
	list, next, err := a.acts.List(ctx, maxResults(req.MaxResults), req.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sm.ListActivitiesOutput{Activities: make([]sm.ActivityListItem, 0, len(list)), NextToken: next}
	for _, act := range list {
		out.Activities = append(out.Activities, sm.ActivityListItem{ActivityArn: act.Arn, Name: act.Name, CreationDate: wire.At(act.Created)})
	}
	return out, nil
}

func (a *api) deleteActivity(ctx context.Context, in wire.Input) (any, error) {
	return struct{}{}, a.acts.Delete(ctx, in.(*sm.DeleteActivityInput).ActivityArn)
}

// getActivityTask long-polls; with no task it answers no token, as Step
// Functions does after 60 seconds.
func (a *api) getActivityTask(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.GetActivityTaskInput)
	token, input, err := a.acts.GetTask(ctx, req.ActivityArn, req.WorkerName)
	if err != nil {
		return nil, err
	}
	return &sm.GetActivityTaskOutput{TaskToken: token, Input: input}, nil
}
