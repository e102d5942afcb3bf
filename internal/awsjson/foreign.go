package awsjson

import (
	"encoding/xml"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// protocol is the wire protocol of a service the server does not serve, as
// far as its request shows it: its answer must be in that protocol for the
// client's SDK to read it.
type protocol int

const (
	protoJSON    protocol = iota // awsJson1_0/1_1 (X-Amz-Target) and restJson1
	protoQuery                   // awsQuery (IAM, STS, SNS, ...): <ErrorResponse>
	protoEC2                     // ec2Query: <Response><Errors>
	protoS3                      // restXml without a wrapper: <Error>
	protoRESTXML                 // restXml (Route 53, CloudFront): <ErrorResponse>
)

// foreignRequest describes a request for a service the server does not
// serve.
type foreignRequest struct {
	proto protocol
	// service names it for people: "AWS IAM", or how the request named it.
	service string
	// what names the call: "action ListUsers", "X-Amz-Target ...", "GET /".
	what string
}

// foreign recognises a request meant for another AWS service: signed for a
// signing name none of the services has, aimed at a target prefix none of
// them has, or in the query protocol (an Action parameter), which none of
// them speaks.
func (s *Server) foreign(r *http.Request, body []byte) (foreignRequest, bool) {
	signing := signingName(r)
	target := r.Header.Get("X-Amz-Target")
	prefix, _, _ := strings.Cut(target, ".")
	action := queryAction(r, body)
	ours := signing == "" || !s.hasSigningNames()
	for _, svc := range s.services {
		if svc.SigningName == signing {
			ours = true
		}
	}
	switch {
	case target != "" && s.services[prefix] == nil:
		return foreignRequest{protoJSON, serviceName(signing, prefix), fmt.Sprintf("X-Amz-Target %q", target)}, true
	case action != "":
		fr := foreignRequest{protoQuery, serviceName(signing, queryVersions[queryVersion(r, body)]), "action " + action}
		if signing == "ec2" || queryVersion(r, body) == "2016-11-15" {
			fr.proto = protoEC2
		}
		if fr.service == "" {
			fr.service = "a query-protocol service (" + r.Host + ")"
		}
		return fr, true
	case ours:
		return foreignRequest{}, false
	case target != "":
		return foreignRequest{protoJSON, serviceName(signing, prefix), fmt.Sprintf("X-Amz-Target %q", target)}, true
	}
	fr := foreignRequest{protoJSON, serviceName(signing, ""), r.Method + " " + r.URL.Path}
	switch signing {
	case "s3", "s3express", "s3-object-lambda":
		fr.proto = protoS3
	case "route53", "cloudfront":
		fr.proto = protoRESTXML
	}
	return fr, true
}

func (s *Server) hasSigningNames() bool {
	for _, svc := range s.services {
		if svc.SigningName != "" {
			return true
		}
	}
	return false
}

// signingName returns the service of the request's SigV4 credential scope
// (AKID/date/region/service/aws4_request), "" when it carries none.
func signingName(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if h := r.Header.Get("Authorization"); h != "" {
		_, rest, ok := strings.Cut(h, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(rest, ",")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

// queryAction returns the Action of a query-protocol request: in a form
// body or in the query string.
func queryAction(r *http.Request, body []byte) string {
	if a := r.URL.Query().Get("Action"); a != "" {
		return a
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if q, err := url.ParseQuery(string(body)); err == nil {
			return q.Get("Action")
		}
	}
	return ""
}

// queryVersion returns the Version parameter of a query-protocol request.
func queryVersion(r *http.Request, body []byte) string {
	if v := r.URL.Query().Get("Version"); v != "" {
		return v
	}
	q, _ := url.ParseQuery(string(body))
	return q.Get("Version")
}

// queryVersions maps the API versions of query-protocol services to their
// signing names, to name the service of an unsigned request (such as STS's
// AssumeRoleWithWebIdentity).
var queryVersions = map[string]string{
	"2010-05-08": "iam", "2011-06-15": "sts", "2010-03-31": "sns", "2012-11-05": "sqs",
	"2016-11-15": "ec2", "2010-05-15": "cloudformation", "2010-08-01": "monitoring",
	"2015-12-01": "elasticloadbalancing",
}

// serviceNames names the services SDK users are most likely to point at
// ecsrun by mistake, by signing name and by X-Amz-Target prefix.
var serviceNames = map[string]string{
	"iam": "AWS IAM", "sts": "AWS STS", "sqs": "Amazon SQS", "AmazonSQS": "Amazon SQS",
	"sns": "Amazon SNS", "s3": "Amazon S3", "s3express": "Amazon S3 Express", "ec2": "Amazon EC2",
	"dynamodb": "Amazon DynamoDB", "DynamoDB_20120810": "Amazon DynamoDB", "lambda": "AWS Lambda",
	"events": "Amazon EventBridge", "AWSEvents": "Amazon EventBridge",
	"secretsmanager": "AWS Secrets Manager", "ssm": "AWS Systems Manager", "AmazonSSM": "AWS Systems Manager",
	"kms": "AWS KMS", "TrentService": "AWS KMS", "ecr": "Amazon ECR",
	"AmazonEC2ContainerRegistry_V20150921": "Amazon ECR", "kinesis": "Amazon Kinesis",
	"Kinesis_20131202": "Amazon Kinesis", "monitoring": "Amazon CloudWatch",
	"GraniteServiceVersion20100801": "Amazon CloudWatch", "cloudformation": "AWS CloudFormation",
	"elasticloadbalancing": "Elastic Load Balancing", "route53": "Amazon Route 53",
	"cloudfront": "Amazon CloudFront", "servicediscovery": "AWS Cloud Map",
	"Route53AutoNaming_v20170314": "AWS Cloud Map", "application-autoscaling": "Application Auto Scaling",
	"AnyScaleFrontendService": "Application Auto Scaling", "xray": "AWS X-Ray",
}

// serviceName names the service of a signing name or target prefix.
func serviceName(signing, prefix string) string {
	for _, k := range []string{signing, prefix} {
		if n, ok := serviceNames[k]; ok {
			return n
		}
	}
	switch {
	case signing != "":
		return fmt.Sprintf("the AWS service %q", signing)
	case prefix != "":
		return fmt.Sprintf("the AWS service of target prefix %q", prefix)
	}
	return ""
}

// foreignMessage says what the server serves and how to fix the client.
func (s *Server) foreignMessage(fr foreignRequest) string {
	var names []string
	for _, svc := range s.order {
		n := svc.Name
		if n == "" {
			n = svc.TargetPrefix
		}
		names = append(names, n)
	}
	served := strings.Join(names, ", ")
	if len(names) > 1 {
		served = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
	return fmt.Sprintf("ecsrun does not serve %s (%s): this endpoint serves %s only. "+
		"Point this client at AWS, or set the endpoint per service (AWS_ENDPOINT_URL_ECS, "+
		"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL_SFN) instead of for all of them (AWS_ENDPOINT_URL)",
		fr.service, fr.what, served)
}

// writeForeign answers a request for a service the server does not serve
// in that service's XML protocol, so that its SDK shows the message. (JSON
// protocols get a Fault.)
func (s *Server) writeForeign(w http.ResponseWriter, fr foreignRequest, reqID string) {
	msg := s.foreignMessage(fr)
	type xmlError struct {
		Type    string `xml:"Type,omitempty"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	var (
		v      any
		status = http.StatusBadRequest
	)
	switch fr.proto {
	case protoQuery, protoRESTXML:
		v = struct {
			XMLName   xml.Name `xml:"ErrorResponse"`
			Error     xmlError `xml:"Error"`
			RequestID string   `xml:"RequestId"`
		}{Error: xmlError{"Sender", "InvalidAction", msg}, RequestID: reqID}
	case protoEC2:
		v = struct {
			XMLName   xml.Name   `xml:"Response"`
			Errors    []xmlError `xml:"Errors>Error"`
			RequestID string     `xml:"RequestID"`
		}{Errors: []xmlError{{Code: "InvalidAction", Message: msg}}, RequestID: reqID}
	case protoS3:
		status = http.StatusNotImplemented
		v = struct {
			XMLName   xml.Name `xml:"Error"`
			Code      string   `xml:"Code"`
			Message   string   `xml:"Message"`
			RequestID string   `xml:"RequestId"`
		}{Code: "NotImplemented", Message: msg, RequestID: reqID}
	}
	b, _ := xml.Marshal(v)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	w.Write(append([]byte(xml.Header), b...))
}
