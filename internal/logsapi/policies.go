package logsapi

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/logsres"
	"github.com/ecsrun/ecsrun/internal/wire"
)

func (a *api) addPolicyHandlers(h map[string]awsjson.Handler) {
	for name, fn := range map[string]awsjson.Handler{
		"PutAccountPolicy":             a.putAccountPolicy,
		"DescribeAccountPolicies":      a.describeAccountPolicies,
		"DeleteAccountPolicy":          a.deleteAccountPolicy,
		"PutDataProtectionPolicy":      a.putDataProtectionPolicy,
		"GetDataProtectionPolicy":      a.getDataProtectionPolicy,
		"DeleteDataProtectionPolicy":   a.deleteDataProtectionPolicy,
		"PutBearerTokenAuthentication": a.putBearerTokenAuthentication,
		"PutStorageTierPolicy":         a.putStorageTierPolicy,
		"GetStorageTierPolicy":         a.getStorageTierPolicy,
	} {
		h[name] = a.withRes(fn)
	}
}

func (a *api) toAccountPolicy(p logsres.AccountPolicy) lm.AccountPolicy {
	t := p.Updated
	return lm.AccountPolicy{
		PolicyName: p.Name, PolicyDocument: p.Document, LastUpdatedTime: &t, PolicyType: lm.PolicyType(p.Type),
		Scope: lm.Scope(p.Scope), SelectionCriteria: p.SelectionCriteria, AccountId: a.st.Account(),
	}
}

type accountPolicyOutput struct {
	AccountPolicy lm.AccountPolicy `json:"accountPolicy"`
}

func (a *api) putAccountPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutAccountPolicyRequest)
	p, err := a.res.PutAccountPolicy(ctx, logsres.AccountPolicy{
		Name: req.PolicyName, Document: req.PolicyDocument, Type: string(req.PolicyType),
		Scope: string(req.Scope), SelectionCriteria: req.SelectionCriteria,
	})
	if err != nil {
		return nil, err
	}
	return accountPolicyOutput{a.toAccountPolicy(p)}, nil
}

type describeAccountPoliciesOutput struct {
	AccountPolicies []lm.AccountPolicy `json:"accountPolicies"`
}

func (a *api) describeAccountPolicies(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeAccountPoliciesRequest)
	for _, id := range req.AccountIdentifiers {
		if id != a.st.Account() {
			return nil, awsjson.Errorf(typeInvalidParameter, "Account %s is not this account (%s): ecsrun holds one account, with no linked source accounts.", id, a.st.Account())
		}
	}
	ps, err := a.res.DescribeAccountPolicies(ctx, string(req.PolicyType), req.PolicyName)
	if err != nil {
		return nil, err
	}
	out := describeAccountPoliciesOutput{AccountPolicies: make([]lm.AccountPolicy, len(ps))}
	for i, p := range ps {
		out.AccountPolicies[i] = a.toAccountPolicy(p)
	}
	return out, nil
}

func (a *api) deleteAccountPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteAccountPolicyRequest)
	return nil, a.res.DeleteAccountPolicy(ctx, string(req.PolicyType), req.PolicyName)
}

type dataProtectionPolicyOutput struct {
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	PolicyDocument     string `json:"policyDocument,omitempty"`
	LastUpdatedTime    *int64 `json:"lastUpdatedTime,omitempty"`
}

func (a *api) putDataProtectionPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutDataProtectionPolicyRequest)
	group, err := groupName("", req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	p, err := a.res.PutDataProtectionPolicy(ctx, group, req.PolicyDocument)
	if err != nil {
		return nil, err
	}
	return dataProtectionPolicyOutput{LogGroupIdentifier: req.LogGroupIdentifier, PolicyDocument: p.Document, LastUpdatedTime: &p.Updated}, nil
}

func (a *api) getDataProtectionPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.GetDataProtectionPolicyRequest)
	group, err := groupName("", req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	p, ok, err := a.res.GetDataProtectionPolicy(ctx, group)
	if err != nil {
		return nil, err
	}
	out := dataProtectionPolicyOutput{LogGroupIdentifier: req.LogGroupIdentifier}
	if ok {
		out.PolicyDocument, out.LastUpdatedTime = p.Document, &p.Updated
	}
	return out, nil
}

func (a *api) deleteDataProtectionPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteDataProtectionPolicyRequest)
	group, err := groupName("", req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	return nil, a.res.DeleteDataProtectionPolicy(ctx, group)
}

func (a *api) putBearerTokenAuthentication(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutBearerTokenAuthenticationRequest)
	group, err := groupName("", req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	return nil, a.res.PutBearerTokenAuthentication(ctx, group, req.BearerTokenAuthenticationEnabled)
}

type storageTierOutput struct {
	StorageTier     string `json:"storageTier"`
	LastUpdatedTime *int64 `json:"lastUpdatedTime,omitempty"`
}

func (a *api) putStorageTierPolicy(ctx context.Context, in wire.Input) (any, error) {
	t, err := a.res.PutStorageTierPolicy(ctx, string(in.(*lm.PutStorageTierPolicyRequest).StorageTier))
	if err != nil {
		return nil, err
	}
	return storageTierOutput{StorageTier: t.Tier, LastUpdatedTime: &t.Updated}, nil
}

func (a *api) getStorageTierPolicy(ctx context.Context, _ wire.Input) (any, error) {
	t, err := a.res.GetStorageTierPolicy(ctx)
	if err != nil {
		return nil, err
	}
	out := storageTierOutput{StorageTier: t.Tier}
	if t.Updated != 0 {
		out.LastUpdatedTime = &t.Updated
	}
	return out, nil
}

// refusals are the operations that need AWS itself, each with why and
// what to use locally instead.
var refusals = map[string]string{
	"CreateImportTask":                         "import tasks read a CloudTrail Lake event data store, which exists only in AWS; write the events with PutLogEvents instead.",
	"DescribeImportTasks":                      "import tasks read a CloudTrail Lake event data store, which exists only in AWS, so there are none locally; write events with PutLogEvents instead.",
	"DescribeImportTaskBatches":                "import tasks read a CloudTrail Lake event data store, which exists only in AWS, so there are none locally; write events with PutLogEvents instead.",
	"CancelImportTask":                         "import tasks read a CloudTrail Lake event data store, which exists only in AWS, so there are none locally to cancel.",
	"PutIntegration":                           "integrations create Amazon OpenSearch Service collections and dashboards, which exist only in AWS; query logs locally with FilterLogEvents or Logs Insights.",
	"GetIntegration":                           "integrations are Amazon OpenSearch Service resources, which exist only in AWS, so there are none locally.",
	"DeleteIntegration":                        "integrations are Amazon OpenSearch Service resources, which exist only in AWS, so there are none locally.",
	"ListIntegrations":                         "integrations are Amazon OpenSearch Service resources, which exist only in AWS, so there are none locally.",
	"AssociateSourceToS3TableIntegration":      "S3 Table integrations expose log data as Apache Iceberg tables in Amazon S3 Tables, which exist only in AWS; export a log group to the local S3 directory with CreateExportTask instead.",
	"DisassociateSourceFromS3TableIntegration": "S3 Table integrations are Amazon S3 Tables resources, which exist only in AWS; export a log group to the local S3 directory with CreateExportTask instead.",
	"ListSourcesForS3TableIntegration":         "S3 Table integrations are Amazon S3 Tables resources, which exist only in AWS, so there are none locally.",
	"PutSyslogConfiguration":                   "syslog ingestion goes through an interface VPC endpoint, which exists only in AWS; send events with PutLogEvents or a container's awslogs driver instead.",
	"DeleteSyslogConfiguration":                "syslog ingestion goes through an interface VPC endpoint, which exists only in AWS, so there are no syslog configurations locally.",
	"ListSyslogConfigurations":                 "syslog ingestion goes through an interface VPC endpoint, which exists only in AWS, so there are no syslog configurations locally.",
	"GetLogObject":                             "large log objects are the overflow of events ingested with the OpenTelemetry (OTLP) endpoint, which ecsrun does not serve, so there are none locally; read events with GetLogEvents.",
	"ListAggregateLogGroupSummaries":           "it groups log groups by the data source AWS services attach to their vended logs, and ecsrun's log groups have none; list them with ListLogGroups or DescribeLogGroups.",
	"DescribeConfigurationTemplates":           "configuration templates are AWS's catalogue of the services that vend logs to deliveries, which exists only in AWS; deliveries (PutDeliverySource, PutDeliveryDestination, CreateDelivery) are stored and described locally without it.",
}
