package sigv4

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/awsjson"
)

// Error types, as the AWS JSON protocol services (ECS, CloudWatch Logs,
// Step Functions, ...) name them in "__type" and X-Amzn-ErrorType.
const (
	// TypeMissingAuthenticationToken answers a request that carries neither
	// an Authorization header nor a presigned query string.
	TypeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	// TypeIncompleteSignature answers a malformed Authorization header or
	// presigned query string.
	TypeIncompleteSignature = "IncompleteSignatureException"
	// TypeUnrecognizedClient answers an unknown access key id or a session
	// token that does not belong to the key.
	TypeUnrecognizedClient = "UnrecognizedClientException"
	// TypeInvalidSignature answers a wrong signature, a credential scope for
	// another service and a signing time outside the allowed clock skew or
	// past a presigned request's expiry.
	TypeInvalidSignature = "InvalidSignatureException"
)

// FaultStatus is the HTTP status of every authentication fault.
//
// The AWS JSON protocol services (the "Coral" front end shared by ECS,
// CloudWatch Logs, ECR, Kinesis, DynamoDB, Cognito, Step Functions, ...)
// answer all four authentication errors with 400 Bad Request, unlike the
// REST services behind API Gateway-style front ends (Lambda, API Gateway)
// which use 403. Reports from the field show it, for example aws-sdk-go's
// "UnrecognizedClientException: The security token included in the request
// is invalid. status code: 400" from ECS and "InvalidSignatureException:
// Signature expired: ... status code: 400" from Kinesis and ECR. botocore and
// the other SDKs do not look at the status of a JSON protocol error (they
// read "__type"), so the choice only matters to raw HTTP clients.
const FaultStatus = http.StatusBadRequest

// Messages AWS uses word for word.
const (
	// MessageMissingAuthenticationToken is the message of
	// TypeMissingAuthenticationToken.
	MessageMissingAuthenticationToken = "Missing Authentication Token"
	// MessageInvalidToken is the message of TypeUnrecognizedClient.
	MessageInvalidToken = "The security token included in the request is invalid."
	// MessageSignatureMismatch starts the message of a wrong signature; the
	// canonical request and string to sign the server computed follow it.
	MessageSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// amzDateFormat is the ISO 8601 basic format of X-Amz-Date.
const amzDateFormat = "20060102T150405Z"

func fault(typ, format string, args ...any) *awsjson.Fault {
	return faultMsg(typ, fmt.Sprintf(format, args...))
}

func faultMsg(typ, msg string) *awsjson.Fault {
	return &awsjson.Fault{Type: typ, Status: FaultStatus, Message: msg}
}

func missingToken() *awsjson.Fault {
	return faultMsg(TypeMissingAuthenticationToken, MessageMissingAuthenticationToken)
}

func invalidToken() *awsjson.Fault {
	return faultMsg(TypeUnrecognizedClient, MessageInvalidToken)
}

func signatureMismatch(canonical, stringToSign string) *awsjson.Fault {
	var b strings.Builder
	b.WriteString(MessageSignatureMismatch)
	b.WriteString("\n\nThe Canonical String for this request should have been\n'")
	b.WriteString(canonical)
	b.WriteString("'\n\nThe String-to-Sign should have been\n'")
	b.WriteString(stringToSign)
	b.WriteString("'\n")
	return faultMsg(TypeInvalidSignature, b.String())
}

// skewMessage words a signing time outside [now-skew, now+skew] as AWS does:
//
//	Signature expired: 20261122T100000Z is now earlier than 20261122T100500Z (20261122T101000Z - 5 min.)
//	Signature not yet current: 20261122T102000Z is still later than 20261122T101500Z (20261122T101000Z + 5 min.)
func skewMessage(signed, now time.Time, skew time.Duration) (string, bool) {
	switch {
	case signed.Before(now.Add(-skew)):
		return fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s)",
			stamp(signed), stamp(now.Add(-skew)), stamp(now), span(skew)), true
	case signed.After(now.Add(skew)):
		return fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s)",
			stamp(signed), stamp(now.Add(skew)), stamp(now), span(skew)), true
	}
	return "", false
}

func stamp(t time.Time) string { return t.UTC().Format(amzDateFormat) }

func span(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min.", d/time.Minute)
	}
	return fmt.Sprintf("%d sec.", d/time.Second)
}
