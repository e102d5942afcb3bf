package awsjson

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestForeign(t *testing.T) {
	s := NewServer(
		&Service{TargetPrefix: "AmazonEC2ContainerServiceV20141113", Name: "Amazon ECS", SigningName: "ecs"},
		&Service{TargetPrefix: "Logs_20140328", Name: "Amazon CloudWatch Logs", SigningName: "logs"},
	)
	sig := func(service string) string {
		return "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/" + service + "/aws4_request, SignedHeaders=host, Signature=00"
	}
	const form = "application/x-www-form-urlencoded; charset=utf-8"
	for _, tc := range []struct {
		name, method, path, auth, target, ctype, body string
		foreign                                       bool
		proto                                         protocol
		service, what                                 string
	}{
		{"ecs", "POST", "/", sig("ecs"), "AmazonEC2ContainerServiceV20141113.ListClusters", "", "{}", false, 0, "", ""},
		{"ecs, unsigned", "POST", "/", "", "AmazonEC2ContainerServiceV20141113.ListClusters", "", "{}", false, 0, "", ""},
		{"ecs, no target", "POST", "/", sig("ecs"), "", "", "{}", false, 0, "", ""},
		{"GET without a signature", "GET", "/", "", "", "", "", false, 0, "", ""},
		{"iam", "POST", "/", sig("iam"), "", form, "Action=ListUsers&Version=2010-05-08", true, protoQuery, "AWS IAM", "action ListUsers"},
		{"sts, unsigned", "POST", "/", "", "", form, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15", true, protoQuery, "AWS STS", "action AssumeRoleWithWebIdentity"},
		{"query, unknown version", "POST", "/", "", "", form, "Action=Frob&Version=1999-01-01", true, protoQuery, "a query-protocol service (example.com)", "action Frob"},
		{"query in the URL", "GET", "/?Action=DescribeStacks&Version=2010-05-15", "", "", "", "", true, protoQuery, "AWS CloudFormation", "action DescribeStacks"},
		{"ec2", "POST", "/", sig("ec2"), "", form, "Action=DescribeInstances&Version=2016-11-15", true, protoEC2, "Amazon EC2", "action DescribeInstances"},
		{"ec2, unsigned", "POST", "/", "", "", form, "Action=DescribeInstances&Version=2016-11-15", true, protoEC2, "Amazon EC2", "action DescribeInstances"},
		{"sqs json", "POST", "/", sig("sqs"), "AmazonSQS.ListQueues", "application/x-amz-json-1.0", "{}", true, protoJSON, "Amazon SQS", `X-Amz-Target "AmazonSQS.ListQueues"`},
		{"unknown prefix, unsigned", "POST", "/", "", "Nope_2020.ListThings", "", "{}", true, protoJSON, `the AWS service of target prefix "Nope_2020"`, `X-Amz-Target "Nope_2020.ListThings"`},
		{"our prefix signed for another service", "POST", "/", sig("dynamodb"), "Logs_20140328.DescribeLogGroups", "", "{}", true, protoJSON, "Amazon DynamoDB", `X-Amz-Target "Logs_20140328.DescribeLogGroups"`},
		{"s3", "GET", "/bucket", sig("s3"), "", "", "", true, protoS3, "Amazon S3", "GET /bucket"},
		{"s3 presigned", "GET", "/bucket/key?X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request", "", "", "", "", true, protoS3, "Amazon S3", "GET /bucket/key"},
		{"route 53", "GET", "/2013-04-01/hostedzone", sig("route53"), "", "", "", true, protoRESTXML, "Amazon Route 53", "GET /2013-04-01/hostedzone"},
		{"lambda", "GET", "/2015-03-31/functions", sig("lambda"), "", "", "", true, protoJSON, "AWS Lambda", "GET /2015-03-31/functions"},
		{"unknown signing name", "POST", "/x", sig("frob"), "", "", "", true, protoJSON, `the AWS service "frob"`, "POST /x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			for k, v := range map[string]string{"Authorization": tc.auth, "X-Amz-Target": tc.target, "Content-Type": tc.ctype} {
				if v != "" {
					r.Header.Set(k, v)
				}
			}
			fr, ok := s.foreign(r, []byte(tc.body))
			if ok != tc.foreign || fr.proto != tc.proto || fr.service != tc.service || fr.what != tc.what {
				t.Errorf("foreign = %+v, %v; want %v, %d %q %q", fr, ok, tc.foreign, tc.proto, tc.service, tc.what)
			}
		})
	}
}

func TestWriteForeign(t *testing.T) {
	s := NewServer(&Service{TargetPrefix: "AmazonEC2ContainerServiceV20141113", Name: "Amazon ECS", SigningName: "ecs"})
	for _, tc := range []struct {
		proto  protocol
		status int
		body   string
	}{
		{protoQuery, 400, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>ecsrun does not serve AWS IAM (action ListUsers): this endpoint serves Amazon ECS only. `},
		{protoEC2, 400, `<Response><Errors><Error><Code>InvalidAction</Code><Message>ecsrun does not serve AWS IAM (action ListUsers): `},
		{protoS3, 501, `<Error><Code>NotImplemented</Code><Message>ecsrun does not serve AWS IAM`},
		{protoRESTXML, 400, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>`},
	} {
		rec := httptest.NewRecorder()
		s.writeForeign(rec, foreignRequest{tc.proto, "AWS IAM", "action ListUsers"}, "req-1")
		b, _ := io.ReadAll(rec.Body)
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != "text/xml" || !strings.Contains(string(b), tc.body) || !strings.Contains(string(b), "req-1</Request") {
			t.Errorf("protocol %d: %d %s\n%s", tc.proto, rec.Code, rec.Header(), b)
		}
	}
}
