package engine

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/sigv4"
)

// SDK clients of services ecsrun does not serve, pointed at it (as
// AWS_ENDPOINT_URL does for every service), get an error in their own
// protocol that they print: which service, that ecsrun serves ECS,
// CloudWatch Logs and Step Functions, and what to change. With and without
// SigV4 verification.
func TestAPI_OtherServicesGetAnErrorTheirSDKPrints(t *testing.T) {
	creds, err := sigv4.NewStaticCredentials(sigv4.Key{AccessKeyID: "AKIDLOCAL", SecretAccessKey: "local-secret"})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := sigv4.NewVerifier(sigv4.Options{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range []awsjson.Authenticator{nil, verifier} {
		name := "no sigv4"
		if auth != nil {
			name = "sigv4"
		}
		t.Run(name, func(t *testing.T) {
			eng, err := Open(context.Background(), Options{StateDir: t.TempDir(), Runtime: fake.New(), Auth: auth})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { eng.Close() })
			srv := httptest.NewServer(eng.Handler())
			t.Cleanup(srv.Close)
			cfg := aws.Config{
				Region:           "us-east-1",
				Credentials:      credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
				BaseEndpoint:     aws.String(srv.URL),
				RetryMaxAttempts: 1,
			}
			ctx := context.Background()
			for _, tc := range []struct {
				name, service, code string
				call                func() error
			}{
				{"iam", "AWS IAM", "InvalidAction", func() error {
					_, err := iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{})
					return err
				}},
				{"sts", "AWS STS", "InvalidAction", func() error {
					_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
					return err
				}},
				{"sts unsigned", "AWS STS", "InvalidAction", func() error {
					_, err := sts.NewFromConfig(cfg).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
						RoleArn: aws.String("arn:aws:iam::000000000000:role/r"), RoleSessionName: aws.String("s"), WebIdentityToken: aws.String("t")})
					return err
				}},
				{"sns", "Amazon SNS", "InvalidAction", func() error {
					_, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{})
					return err
				}},
				{"sqs", "Amazon SQS", "UnknownOperationException", func() error {
					_, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{})
					return err
				}},
				{"dynamodb", "Amazon DynamoDB", "UnknownOperationException", func() error {
					_, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
					return err
				}},
				{"lambda", "AWS Lambda", "UnknownOperationException", func() error {
					_, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
					return err
				}},
				{"s3", "Amazon S3", "NotImplemented", func() error {
					_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("b")})
					return err
				}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					err := tc.call()
					var ae smithy.APIError
					if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
						t.Fatalf("error %v; want %s", err, tc.code)
					}
					for _, want := range []string{
						"ecsrun does not serve " + tc.service + " (",
						"this endpoint serves Amazon ECS, Amazon CloudWatch Logs and AWS Step Functions only",
						"AWS_ENDPOINT_URL_ECS",
					} {
						if !strings.Contains(err.Error(), want) {
							t.Errorf("the SDK's error does not say %q: %v", want, err)
						}
					}
				})
			}
		})
	}
}
