package logsapi

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/logsres"
	"github.com/ecsrun/ecsrun/internal/wire"
)

func (a *api) addDeliveryHandlers(h map[string]awsjson.Handler) {
	for name, fn := range map[string]awsjson.Handler{
		"PutDeliverySource":               a.putDeliverySource,
		"GetDeliverySource":               a.getDeliverySource,
		"DescribeDeliverySources":         a.describeDeliverySources,
		"DeleteDeliverySource":            a.deleteDeliverySource,
		"PutDeliveryDestination":          a.putDeliveryDestination,
		"GetDeliveryDestination":          a.getDeliveryDestination,
		"DescribeDeliveryDestinations":    a.describeDeliveryDestinations,
		"DeleteDeliveryDestination":       a.deleteDeliveryDestination,
		"PutDeliveryDestinationPolicy":    a.putDeliveryDestinationPolicy,
		"GetDeliveryDestinationPolicy":    a.getDeliveryDestinationPolicy,
		"DeleteDeliveryDestinationPolicy": a.deleteDeliveryDestinationPolicy,
		"CreateDelivery":                  a.createDelivery,
		"GetDelivery":                     a.getDelivery,
		"DescribeDeliveries":              a.describeDeliveries,
		"DeleteDelivery":                  a.deleteDelivery,
		"UpdateDeliveryConfiguration":     a.updateDeliveryConfiguration,
	} {
		h[name] = a.withRes(fn)
	}
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func toDeliverySource(d logsres.DeliverySource) lm.DeliverySource {
	return lm.DeliverySource{
		Name: d.Name, Arn: d.ARN, ResourceArns: d.ResourceARNs, Service: d.Service, LogType: d.LogType,
		Tags: nilIfEmpty(d.Tags), DeliverySourceConfiguration: d.Config, Status: lm.DeliverySourceStatusACTIVE,
	}
}

func toDeliveryDestination(d logsres.DeliveryDestination) lm.DeliveryDestination {
	out := lm.DeliveryDestination{
		Name: d.Name, Arn: d.ARN, DeliveryDestinationType: lm.DeliveryDestinationType(d.Type),
		OutputFormat: lm.OutputFormat(d.OutputFormat), Tags: nilIfEmpty(d.Tags),
	}
	if d.ResourceARN != "" {
		out.DeliveryDestinationConfiguration = &lm.DeliveryDestinationConfiguration{DestinationResourceArn: d.ResourceARN}
	}
	return out
}

func toDelivery(d logsres.Delivery) lm.Delivery {
	out := lm.Delivery{
		Id: d.ID, Arn: d.ARN, DeliverySourceName: d.Source, DeliveryDestinationArn: d.DestinationARN,
		DeliveryDestinationType: lm.DeliveryDestinationType(d.DestinationType), RecordFields: d.RecordFields,
		FieldDelimiter: d.FieldDelimiter, Tags: nilIfEmpty(d.Tags),
	}
	if d.SuffixPath != "" || d.Hive != nil {
		out.S3DeliveryConfiguration = &lm.S3DeliveryConfiguration{SuffixPath: d.SuffixPath, EnableHiveCompatiblePath: d.Hive}
	}
	return out
}

type deliverySourceOutput struct {
	DeliverySource lm.DeliverySource `json:"deliverySource"`
}

func (a *api) putDeliverySource(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutDeliverySourceRequest)
	d, err := a.res.PutDeliverySource(ctx, logsres.DeliverySource{
		Name: req.Name, ResourceARNs: []string{req.ResourceArn}, LogType: req.LogType,
		Config: req.DeliverySourceConfiguration, Tags: req.Tags,
	})
	if err != nil {
		return nil, err
	}
	return deliverySourceOutput{toDeliverySource(d)}, nil
}

func (a *api) getDeliverySource(ctx context.Context, in wire.Input) (any, error) {
	d, err := a.res.GetDeliverySource(ctx, in.(*lm.GetDeliverySourceRequest).Name)
	if err != nil {
		return nil, err
	}
	return deliverySourceOutput{toDeliverySource(d)}, nil
}

type describeDeliverySourcesOutput struct {
	DeliverySources []lm.DeliverySource `json:"deliverySources"`
	NextToken       string              `json:"nextToken,omitempty"`
}

func (a *api) describeDeliverySources(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeDeliverySourcesRequest)
	ds, next, err := a.res.DescribeDeliverySources(ctx, req.NextToken, intValue(req.Limit))
	if err != nil {
		return nil, err
	}
	out := describeDeliverySourcesOutput{DeliverySources: make([]lm.DeliverySource, len(ds)), NextToken: next}
	for i, d := range ds {
		out.DeliverySources[i] = toDeliverySource(d)
	}
	return out, nil
}

func (a *api) deleteDeliverySource(ctx context.Context, in wire.Input) (any, error) {
	return nil, a.res.DeleteDeliverySource(ctx, in.(*lm.DeleteDeliverySourceRequest).Name)
}

type deliveryDestinationOutput struct {
	DeliveryDestination lm.DeliveryDestination `json:"deliveryDestination"`
}

func (a *api) putDeliveryDestination(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutDeliveryDestinationRequest)
	d := logsres.DeliveryDestination{Name: req.Name, Type: string(req.DeliveryDestinationType), OutputFormat: string(req.OutputFormat), Tags: req.Tags}
	if c := req.DeliveryDestinationConfiguration; c != nil {
		d.ResourceARN = c.DestinationResourceArn
	}
	d, err := a.res.PutDeliveryDestination(ctx, d)
	if err != nil {
		return nil, err
	}
	return deliveryDestinationOutput{toDeliveryDestination(d)}, nil
}

func (a *api) getDeliveryDestination(ctx context.Context, in wire.Input) (any, error) {
	d, err := a.res.GetDeliveryDestination(ctx, in.(*lm.GetDeliveryDestinationRequest).Name)
	if err != nil {
		return nil, err
	}
	return deliveryDestinationOutput{toDeliveryDestination(d)}, nil
}

type describeDeliveryDestinationsOutput struct {
	DeliveryDestinations []lm.DeliveryDestination `json:"deliveryDestinations"`
	NextToken            string                   `json:"nextToken,omitempty"`
}

func (a *api) describeDeliveryDestinations(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeDeliveryDestinationsRequest)
	ds, next, err := a.res.DescribeDeliveryDestinations(ctx, req.NextToken, intValue(req.Limit))
	if err != nil {
		return nil, err
	}
	out := describeDeliveryDestinationsOutput{DeliveryDestinations: make([]lm.DeliveryDestination, len(ds)), NextToken: next}
	for i, d := range ds {
		out.DeliveryDestinations[i] = toDeliveryDestination(d)
	}
	return out, nil
}

func (a *api) deleteDeliveryDestination(ctx context.Context, in wire.Input) (any, error) {
	return nil, a.res.DeleteDeliveryDestination(ctx, in.(*lm.DeleteDeliveryDestinationRequest).Name)
}

type policyOutput struct {
	Policy lm.Policy `json:"policy"`
}

func (a *api) putDeliveryDestinationPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutDeliveryDestinationPolicyRequest)
	if err := a.res.PutDeliveryDestinationPolicy(ctx, req.DeliveryDestinationName, req.DeliveryDestinationPolicy); err != nil {
		return nil, err
	}
	return policyOutput{lm.Policy{DeliveryDestinationPolicy: req.DeliveryDestinationPolicy}}, nil
}

func (a *api) getDeliveryDestinationPolicy(ctx context.Context, in wire.Input) (any, error) {
	d, err := a.res.GetDeliveryDestination(ctx, in.(*lm.GetDeliveryDestinationPolicyRequest).DeliveryDestinationName)
	if err != nil {
		return nil, err
	}
	return policyOutput{lm.Policy{DeliveryDestinationPolicy: d.Policy}}, nil
}

func (a *api) deleteDeliveryDestinationPolicy(ctx context.Context, in wire.Input) (any, error) {
	return nil, a.res.DeleteDeliveryDestinationPolicy(ctx, in.(*lm.DeleteDeliveryDestinationPolicyRequest).DeliveryDestinationName)
}

type deliveryOutput struct {
	Delivery lm.Delivery `json:"delivery"`
}

func (a *api) createDelivery(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.CreateDeliveryRequest)
	d := logsres.Delivery{
		Source: req.DeliverySourceName, DestinationARN: req.DeliveryDestinationArn,
		RecordFields: req.RecordFields, FieldDelimiter: req.FieldDelimiter, Tags: req.Tags,
	}
	if c := req.S3DeliveryConfiguration; c != nil {
		d.SuffixPath, d.Hive = c.SuffixPath, c.EnableHiveCompatiblePath
	}
	d, err := a.res.CreateDelivery(ctx, d)
	if err != nil {
		return nil, err
	}
	return deliveryOutput{toDelivery(d)}, nil
}

func (a *api) getDelivery(ctx context.Context, in wire.Input) (any, error) {
	d, err := a.res.GetDelivery(ctx, in.(*lm.GetDeliveryRequest).Id)
	if err != nil {
		return nil, err
	}
	return deliveryOutput{toDelivery(d)}, nil
}

type describeDeliveriesOutput struct {
	Deliveries []lm.Delivery `json:"deliveries"`
	NextToken  string        `json:"nextToken,omitempty"`
}

func (a *api) describeDeliveries(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeDeliveriesRequest)
	ds, next, err := a.res.DescribeDeliveries(ctx, req.NextToken, intValue(req.Limit))
	if err != nil {
		return nil, err
	}
	out := describeDeliveriesOutput{Deliveries: make([]lm.Delivery, len(ds)), NextToken: next}
	for i, d := range ds {
		out.Deliveries[i] = toDelivery(d)
	}
	return out, nil
}

func (a *api) deleteDelivery(ctx context.Context, in wire.Input) (any, error) {
	return nil, a.res.DeleteDelivery(ctx, in.(*lm.DeleteDeliveryRequest).Id)
}

func (a *api) updateDeliveryConfiguration(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.UpdateDeliveryConfigurationRequest)
	var delim, suffix *string
	var hive *bool
	if req.FieldDelimiter != "" {
		delim = &req.FieldDelimiter
	}
	if c := req.S3DeliveryConfiguration; c != nil {
		if c.SuffixPath != "" {
			suffix = &c.SuffixPath
		}
		hive = c.EnableHiveCompatiblePath
	}
	return nil, a.res.UpdateDeliveryConfiguration(ctx, req.Id, req.RecordFields, delim, suffix, hive)
}
