package logsapi

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/logsres"
	"github.com/ecsrun/ecsrun/internal/logstransform"
	"github.com/ecsrun/ecsrun/internal/wire"
)

func (a *api) addTransformerHandlers(h map[string]awsjson.Handler) {
	h["PutTransformer"] = a.withRes(a.putTransformer)
	h["GetTransformer"] = a.withRes(a.getTransformer)
	h["DeleteTransformer"] = a.withRes(a.deleteTransformer)
	h["TestTransformer"] = a.testTransformer
}

func (a *api) putTransformer(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutTransformerRequest)
	group, err := groupName("", req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	config, err := json.Marshal(req.TransformerConfig)
	if err != nil {
		return nil, err
	}
	return nil, a.res.PutTransformer(ctx, group, config)
}

type getTransformerOutput struct {
	LogGroupIdentifier string         `json:"logGroupIdentifier"`
	CreationTime       int64          `json:"creationTime"`
	LastModifiedTime   int64          `json:"lastModifiedTime"`
	TransformerConfig  []lm.Processor `json:"transformerConfig"`
}

func (a *api) getTransformer(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.GetTransformerRequest)
	group, err := groupName("", req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	t, err := a.res.GetTransformer(ctx, group)
	if err != nil {
		return nil, err
	}
	out := getTransformerOutput{LogGroupIdentifier: req.LogGroupIdentifier, CreationTime: t.Created, LastModifiedTime: t.Modified}
	if err := json.Unmarshal(t.Config, &out.TransformerConfig); err != nil {
		return nil, err
	}
	return out, nil
}

func (a *api) deleteTransformer(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteTransformerRequest)
	group, err := groupName("", req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	return nil, a.res.DeleteTransformer(ctx, group)
}

type testTransformerOutput struct {
	TransformedLogs []lm.TransformedLogRecord `json:"transformedLogs"`
}

// testTransformer runs the configuration over the messages. A message a
// processor cannot transform comes back unchanged, as CloudWatch Logs
// ingests such events untransformed.
func (a *api) testTransformer(_ context.Context, in wire.Input) (any, error) {
	req := in.(*lm.TestTransformerRequest)
	config, err := json.Marshal(req.TransformerConfig)
	if err != nil {
		return nil, err
	}
	t, err := logsres.CompileTransformer(config)
	if err != nil {
		return nil, err
	}
	meta := logstransform.Meta{AccountID: a.st.Account(), Region: a.st.Region()}
	out := testTransformerOutput{TransformedLogs: make([]lm.TransformedLogRecord, len(req.LogEventMessages))}
	for i, msg := range req.LogEventMessages {
		n := int64(i + 1)
		got, err := t.Transform(msg, meta)
		switch {
		case errors.Is(err, logstransform.ErrUnsupported):
			return nil, awsjson.Errorf(typeUnimplemented, "%s", err.Error())
		case logstransform.IsEventFailure(err):
			got = msg
		case err != nil:
			return nil, err
		}
		out.TransformedLogs[i] = lm.TransformedLogRecord{EventNumber: &n, EventMessage: msg, TransformedEventMessage: got}
	}
	return out, nil
}
