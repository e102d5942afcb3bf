package sfnaws

import (
	"strings"
)

// Integration patterns, as the suffix of an optimized or AWS SDK resource
// spells them.
const (
	patternRequest = ""
	patternSync    = "sync"
	patternSync2   = "sync:2"
	patternToken   = "waitForTaskToken"
)

// resource is a Task state's Resource taken apart.
type resource struct {
	// sdk is true for AWS SDK integrations (arn:aws:states:::aws-sdk:...).
	sdk bool
	// function is the function ARN of a Lambda function resource (the
	// rest is then empty).
	function string
	// region of a Lambda function ARN.
	region string
	// service and action as the resource spells them: "ecs" and
	// "describeClusters", "lambda" and "invoke".
	service, action string
	// pattern is patternRequest, patternSync, patternSync2 or
	// patternToken.
	pattern string
}

const (
	statesPrefix = "arn:aws:states:::"
	sdkPrefix    = statesPrefix + "aws-sdk:"
)

// parseResource takes a Resource ARN apart; ok is false for ARNs that are
// neither service integrations nor Lambda function ARNs.
func parseResource(arn string) (r resource, ok bool) {
	if fn, region, ok := parseFunctionArn(arn); ok {
		return resource{function: fn, region: region}, true
	}
	rest, ok := strings.CutPrefix(arn, statesPrefix)
	if !ok {
		return resource{}, false
	}
	if s, isSDK := strings.CutPrefix(arn, sdkPrefix); isSDK {
		r.sdk, rest = true, s
	}
	r.service, rest, ok = strings.Cut(rest, ":")
	if !ok || r.service == "" {
		return resource{}, false
	}
	r.action = rest
	for _, p := range []string{patternSync2, patternSync, patternToken} {
		if a, found := strings.CutSuffix(rest, "."+p); found {
			r.action, r.pattern = a, p
			break
		}
	}
	if r.action == "" || strings.ContainsAny(r.action, ":.") {
		return resource{}, false
	}
	return r, true
}

// parseFunctionArn recognises arn:aws:lambda:REGION:ACCOUNT:function:NAME
// with an optional version or alias.
func parseFunctionArn(arn string) (fn, region string, ok bool) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" {
		return "", "", false
	}
	if !strings.HasPrefix(parts[1], "aws") || parts[3] == "" || parts[4] == "" || parts[6] == "" {
		return "", "", false
	}
	if len(parts) == 8 && parts[7] == "" {
		return "", "", false
	}
	return arn, parts[3], true
}

// upperFirst turns an action as resources spell it (describeClusters) into
// the SDK's operation name (DescribeClusters).
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
