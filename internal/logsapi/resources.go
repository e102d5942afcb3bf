package logsapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/logs"
	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/logsres"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Error types of the resource operations.
const (
	typeLimitExceeded = "LimitExceededException"
	typeTooManyTags   = "TooManyTagsException"
	typeValidation    = "ValidationException"
	typeAborted       = "OperationAbortedException"
)

// classifyRes maps logsres' own error kinds; the logs kinds fall through
// to Classify.
func classifyRes(err error) (awsjson.Fault, bool) {
	var le *logs.Error
	if !errors.As(err, &le) {
		return awsjson.Fault{}, false
	}
	f := awsjson.Fault{Status: http.StatusBadRequest, Message: le.Msg}
	switch {
	case errors.Is(err, logsres.ErrLimit):
		f.Type = typeLimitExceeded
	case errors.Is(err, logsres.ErrTooManyTags):
		f.Type = typeTooManyTags
	case errors.Is(err, logsres.ErrValidation):
		f.Type = typeValidation
	case errors.Is(err, logsres.ErrAborted):
		f.Type = typeAborted
	case errors.Is(err, logsres.ErrConflict):
		f.Type = "ConflictException"
	case errors.Is(err, logsres.ErrQuota):
		f.Type = "ServiceQuotaExceededException"
	case errors.Is(err, logsres.ErrInvalidOperation):
		f.Type = typeUnimplemented // InvalidOperationException
	default:
		return Classify(err)
	}
	return f, true
}

// addResourceHandlers registers the operations served by internal/logsres.
func (a *api) addResourceHandlers(h map[string]awsjson.Handler) {
	for name, fn := range map[string]awsjson.Handler{
		"TagLogGroup":                   a.tagLogGroup,
		"UntagLogGroup":                 a.untagLogGroup,
		"ListTagsLogGroup":              a.listTagsLogGroup,
		"TagResource":                   a.tagResource,
		"UntagResource":                 a.untagResource,
		"ListTagsForResource":           a.listTagsForResource,
		"AssociateKmsKey":               a.associateKmsKey,
		"DisassociateKmsKey":            a.disassociateKmsKey,
		"PutLogGroupDeletionProtection": a.putLogGroupDeletionProtection,
		"ListLogGroups":                 a.listLogGroups,
		"PutSubscriptionFilter":         a.putSubscriptionFilter,
		"DescribeSubscriptionFilters":   a.describeSubscriptionFilters,
		"DeleteSubscriptionFilter":      a.deleteSubscriptionFilter,
		"PutDestination":                a.putDestination,
		"PutDestinationPolicy":          a.putDestinationPolicy,
		"DescribeDestinations":          a.describeDestinations,
		"DeleteDestination":             a.deleteDestination,
		"PutResourcePolicy":             a.putResourcePolicy,
		"DescribeResourcePolicies":      a.describeResourcePolicies,
		"DeleteResourcePolicy":          a.deleteResourcePolicy,
		"CreateExportTask":              a.createExportTask,
		"DescribeExportTasks":           a.describeExportTasks,
		"CancelExportTask":              a.cancelExportTask,
	} {
		h[name] = a.withRes(fn)
	}
	a.addDeliveryHandlers(h)
	a.addPolicyHandlers(h)
	a.addTransformerHandlers(h)
	a.addLookupTableHandlers(h)
}

// withRes answers with the reason the resource store could not open.
func (a *api) withRes(fn awsjson.Handler) awsjson.Handler {
	return func(ctx context.Context, in wire.Input) (any, error) {
		if a.resErr != nil {
			return nil, a.resErr
		}
		return fn(ctx, in)
	}
}

type tagsOutput struct {
	Tags map[string]string `json:"tags"`
}

func (a *api) tagLogGroup(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.TagLogGroupRequest)
	return nil, a.res.TagLogGroup(ctx, req.LogGroupName, req.Tags)
}

func (a *api) untagLogGroup(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.UntagLogGroupRequest)
	return nil, a.res.UntagLogGroup(ctx, req.LogGroupName, req.Tags)
}

func (a *api) listTagsLogGroup(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.ListTagsLogGroupRequest)
	tags, err := a.res.ListTagsLogGroup(ctx, req.LogGroupName)
	if err != nil {
		return nil, err
	}
	return tagsOutput{Tags: tags}, nil
}

func (a *api) tagResource(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.TagResourceRequest)
	return nil, a.res.TagResource(ctx, req.ResourceArn, req.Tags)
}

func (a *api) untagResource(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.UntagResourceRequest)
	return nil, a.res.UntagResource(ctx, req.ResourceArn, req.TagKeys)
}

func (a *api) listTagsForResource(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.ListTagsForResourceRequest)
	tags, err := a.res.ListTagsForResource(ctx, req.ResourceArn)
	if err != nil {
		return nil, err
	}
	return tagsOutput{Tags: tags}, nil
}

// kmsGroup resolves the log group of AssociateKmsKey/DisassociateKmsKey:
// logGroupName or resourceIdentifier (a log group name or ARN), one of them.
func kmsGroup(name, ident string) (string, error) {
	if name == "" && ident == "" {
		return "", awsjson.Errorf(typeInvalidParameter, "Either logGroupName or resourceIdentifier must be specified.")
	}
	if ident != "" && strings.Contains(ident, ":query-result:") {
		return "", awsjson.Errorf(typeInvalidParameter, "Invalid resourceIdentifier %q: ecsrun keeps Logs Insights query results in memory, unencrypted; associate KMS keys with log groups only.", ident)
	}
	if name != "" && ident != "" {
		return "", awsjson.Errorf(typeInvalidParameter, "logGroupName and resourceIdentifier are mutually exclusive: pass only one.")
	}
	return groupName(name, ident)
}

func (a *api) associateKmsKey(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.AssociateKmsKeyRequest)
	group, err := kmsGroup(req.LogGroupName, req.ResourceIdentifier)
	if err != nil {
		return nil, err
	}
	return nil, a.res.AssociateKmsKey(ctx, group, req.KmsKeyId)
}

func (a *api) disassociateKmsKey(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DisassociateKmsKeyRequest)
	group, err := kmsGroup(req.LogGroupName, req.ResourceIdentifier)
	if err != nil {
		return nil, err
	}
	return nil, a.res.DisassociateKmsKey(ctx, group)
}

func (a *api) putLogGroupDeletionProtection(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutLogGroupDeletionProtectionRequest)
	group, err := groupName("", req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	return nil, a.res.PutDeletionProtection(ctx, group, req.DeletionProtectionEnabled)
}

type listLogGroupsOutput struct {
	LogGroups []lm.LogGroupSummary `json:"logGroups"`
	NextToken string               `json:"nextToken,omitempty"`
}

// listLogGroups walks the groups in name order, keeping those that match
// the pattern (alternatives separated by '|', each a case-insensitive
// substring, or a prefix when it starts with '^'), the class and the tags.
func (a *api) listLogGroups(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.ListLogGroupsRequest)
	if len(req.DataSources) > 0 || len(req.FieldIndexNames) > 0 {
		return nil, awsjson.Errorf(typeInvalidParameter, "ListLogGroups filters dataSources and fieldIndexNames select log groups by AWS data sources and field indexes, which ecsrun's log groups do not have: filter by logGroupNamePattern, logGroupClass or logGroupTags instead.")
	}
	limit := 50
	if req.Limit != nil {
		limit = int(*req.Limit)
	}
	var alts []string
	if req.LogGroupNamePattern != "" {
		alts = strings.Split(strings.ToLower(req.LogGroupNamePattern), "|")
	}
	match := func(name string) bool {
		if len(alts) == 0 {
			return true
		}
		lower := strings.ToLower(name)
		for _, p := range alts {
			if rest, ok := strings.CutPrefix(p, "^"); ok && strings.HasPrefix(lower, rest) || !ok && strings.Contains(lower, p) {
				return true
			}
		}
		return false
	}
	out := listLogGroupsOutput{LogGroups: []lm.LogGroupSummary{}}
	token := req.NextToken
	for {
		groups, next, err := a.st.DescribeLogGroups(ctx, logs.GroupQuery{NextToken: token})
		if err != nil {
			return nil, err
		}
		names := make([]string, len(groups))
		for i, g := range groups {
			names[i] = g.Name
		}
		settings, err := a.res.Settings(ctx, names)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			class := logsres.ClassStandard
			if s, ok := settings[g.Name]; ok {
				class = s.Class
			}
			if !match(g.Name) || (req.LogGroupClass != "" && string(req.LogGroupClass) != class) {
				continue
			}
			if len(req.LogGroupTags) > 0 {
				tags, err := a.res.GroupTags(ctx, g.Name)
				if err != nil {
					return nil, err
				}
				if !tagsMatch(tags, req.LogGroupTags) {
					continue
				}
			}
			out.LogGroups = append(out.LogGroups, lm.LogGroupSummary{LogGroupName: g.Name, LogGroupArn: g.ARN, LogGroupClass: lm.LogGroupClass(class)})
			if len(out.LogGroups) == limit {
				// The page ends after this group; the store's token for
				// "after g" is what DescribeLogGroups would give.
				more, _, err := a.st.DescribeLogGroups(ctx, logs.GroupQuery{Limit: 1, NextToken: logs.GroupCursor(g.Name)})
				if err != nil {
					return nil, err
				}
				if len(more) > 0 {
					out.NextToken = logs.GroupCursor(g.Name)
				}
				return out, nil
			}
		}
		if next == "" {
			return out, nil
		}
		token = next
	}
}

// tagsMatch reports whether tags satisfy every filter: the key is present
// and, when values are given, its value is one of them.
func tagsMatch(tags map[string]string, filters []lm.TagFilter) bool {
	for _, f := range filters {
		v, ok := tags[f.Key]
		if !ok || (len(f.Values) > 0 && !slices.Contains(f.Values, v)) {
			return false
		}
	}
	return true
}

// withSettings fills in the groups' settings kept by internal/logsres and
// keeps only the groups of class (when given). brief outputs (a
// logGroupNamePattern's) show no settings.
func (a *api) withSettings(ctx context.Context, out describeLogGroupsOutput, class lm.LogGroupClass, brief bool) (any, error) {
	if a.resErr != nil {
		return nil, a.resErr
	}
	names := make([]string, len(out.LogGroups))
	for i, g := range out.LogGroups {
		names[i] = g.LogGroupName
	}
	settings, err := a.res.Settings(ctx, names)
	if err != nil {
		return nil, err
	}
	flags, err := a.res.Flags(ctx, names)
	if err != nil {
		return nil, err
	}
	kept := out.LogGroups[:0]
	for _, g := range out.LogGroups {
		s, ok := settings[g.LogGroupName]
		if !ok {
			s.Class = logsres.ClassStandard
		}
		if class != "" && string(class) != s.Class {
			continue
		}
		if !brief {
			g.LogGroupClass = s.Class
			g.KmsKeyID = s.KmsKeyID
			on := s.DeletionProtection
			g.DeletionProtectionEnabled = &on
			f := flags[g.LogGroupName]
			if f.DataProtection {
				g.DataProtectionStatus = string(lm.DataProtectionStatusACTIVATED)
			}
			bearer := f.BearerToken
			g.BearerTokenAuthentication = &bearer
		}
		kept = append(kept, g)
	}
	out.LogGroups = kept
	return out, nil
}
