package sigv4_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/sigv4"
	"github.com/ecsrun/ecsrun/internal/wire"
)

const clusterARN = "arn:aws:ecs:us-east-1:000000000000:cluster/default"

// apiServer serves a tiny ECS (ListClusters) and CloudWatch Logs
// (DescribeLogGroups) behind the verifier, through awsjson's server.
func apiServer(t *testing.T, v *sigv4.Verifier) *httptest.Server {
	t.Helper()
	ecsSvc := &awsjson.Service{
		TargetPrefix: "AmazonEC2ContainerServiceV20141113",
		JSONVersion:  "1.1",
		Operations:   map[string]wire.Operation{"ListClusters": {Name: "ListClusters"}},
		Handlers: map[string]awsjson.Handler{"ListClusters": func(context.Context, wire.Input) (any, error) {
			return map[string]any{"clusterArns": []string{clusterARN}}, nil
		}},
		ValidationType:    "InvalidParameterException",
		UnimplementedType: "ClientException",
		InternalType:      "ServerException",
	}
	logsSvc := &awsjson.Service{
		TargetPrefix: "Logs_20140328",
		JSONVersion:  "1.1",
		Operations:   map[string]wire.Operation{"DescribeLogGroups": {Name: "DescribeLogGroups"}},
		Handlers: map[string]awsjson.Handler{"DescribeLogGroups": func(context.Context, wire.Input) (any, error) {
			return map[string]any{"logGroups": []any{}}, nil
		}},
		ValidationType:    "InvalidParameterException",
		UnimplementedType: "InvalidOperationException",
		InternalType:      "ServiceUnavailableException",
	}
	s := awsjson.NewServer(ecsSvc, logsSvc)
	s.Auth = v
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func e2eVerifier(t *testing.T, services ...string) *sigv4.Verifier {
	t.Helper()
	creds, err := sigv4.NewStaticCredentials(
		sigv4.Key{Name: "ci", AccessKeyID: "ECSRUNCI", SecretAccessKey: "ci-secret"},
		sigv4.Key{Name: "temp", AccessKeyID: "ECSRUNTEMP", SecretAccessKey: "temp-secret", SessionToken: "temp-token"},
	)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sigv4.NewVerifier(sigv4.Options{Credentials: creds, Services: services})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ecsClient(url, id, secret, token string) *ecs.Client {
	return ecs.New(ecs.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(id, secret, token),
		RetryMaxAttempts: 1,
	})
}

// apiErr returns the error code and HTTP status the SDK reports.
func apiErr(t *testing.T, err error) (string, int) {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), status
}

func TestSDKEndToEnd(t *testing.T) {
	srv := apiServer(t, e2eVerifier(t))
	ctx := context.Background()

	t.Run("good credentials", func(t *testing.T) {
		out, err := ecsClient(srv.URL, "ECSRUNCI", "ci-secret", "").ListClusters(ctx, &ecs.ListClustersInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ClusterArns) != 1 || out.ClusterArns[0] != clusterARN {
			t.Fatalf("got %v", out.ClusterArns)
		}
	})
	t.Run("session token", func(t *testing.T) {
		if _, err := ecsClient(srv.URL, "ECSRUNTEMP", "temp-secret", "temp-token").ListClusters(ctx, &ecs.ListClustersInput{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("logs client", func(t *testing.T) {
		c := cloudwatchlogs.New(cloudwatchlogs.Options{
			Region:       "eu-central-1",
			BaseEndpoint: aws.String(srv.URL),
			Credentials:  credentials.NewStaticCredentialsProvider("ECSRUNCI", "ci-secret", ""),
		})
		if _, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{}); err != nil {
			t.Fatal(err)
		}
	})

	bad := []struct {
		name, id, secret, token, code, message string
	}{
		{"wrong secret", "ECSRUNCI", "not-it", "", sigv4.TypeInvalidSignature, sigv4.MessageSignatureMismatch},
		{"unknown key", "AKIAUNKNOWN", "ci-secret", "", sigv4.TypeUnrecognizedClient, sigv4.MessageInvalidToken},
		{"wrong session token", "ECSRUNTEMP", "temp-secret", "stolen", sigv4.TypeUnrecognizedClient, sigv4.MessageInvalidToken},
		{"missing session token", "ECSRUNTEMP", "temp-secret", "", sigv4.TypeUnrecognizedClient, sigv4.MessageInvalidToken},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := ecsClient(srv.URL, c.id, c.secret, c.token).ListClusters(ctx, &ecs.ListClustersInput{})
			code, status := apiErr(t, err)
			if code != c.code || status != sigv4.FaultStatus {
				t.Fatalf("got %s (HTTP %d), want %s (HTTP %d): %v", code, status, c.code, sigv4.FaultStatus, err)
			}
			if !strings.Contains(err.Error(), c.message) {
				t.Fatalf("error %v lacks %q", err, c.message)
			}
		})
	}

	t.Run("anonymous", func(t *testing.T) {
		c := ecs.New(ecs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})
		_, err := c.ListClusters(ctx, &ecs.ListClustersInput{})
		code, status := apiErr(t, err)
		if code != sigv4.TypeMissingAuthenticationToken || status != sigv4.FaultStatus {
			t.Fatalf("got %s (HTTP %d): %v", code, status, err)
		}
	})

	t.Run("raw request", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters")
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var body struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-Errortype") != "MissingAuthenticationTokenException" ||
			body.Type != "MissingAuthenticationTokenException" || body.Message != "Missing Authentication Token" ||
			resp.Header.Get("X-Amzn-Requestid") == "" {
			t.Fatalf("HTTP %d %v %s", resp.StatusCode, resp.Header, b)
		}
	})
}

func TestSDKWrongService(t *testing.T) {
	srv := apiServer(t, e2eVerifier(t, "ecs"))
	c := cloudwatchlogs.New(cloudwatchlogs.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("ECSRUNCI", "ci-secret", ""),
		RetryMaxAttempts: 1,
	})
	_, err := c.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{})
	code, _ := apiErr(t, err)
	if code != sigv4.TypeInvalidSignature || !strings.Contains(err.Error(), "Credential should be scoped to correct service: 'ecs'.") {
		t.Fatalf("got %s: %v", code, err)
	}
}

func TestSDKClockSkew(t *testing.T) {
	creds, _ := sigv4.NewStaticCredentials(sigv4.Key{AccessKeyID: "ECSRUNCI", SecretAccessKey: "ci-secret"})
	for _, off := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		v, err := sigv4.NewVerifier(sigv4.Options{Credentials: creds, Now: func() time.Time { return time.Now().Add(off) }})
		if err != nil {
			t.Fatal(err)
		}
		srv := apiServer(t, v)
		_, err = ecsClient(srv.URL, "ECSRUNCI", "ci-secret", "").ListClusters(context.Background(), &ecs.ListClustersInput{})
		code, _ := apiErr(t, err)
		want := "Signature expired: "
		if off < 0 {
			want = "Signature not yet current: "
		}
		if code != sigv4.TypeInvalidSignature || !strings.Contains(err.Error(), want) {
			t.Fatalf("server clock %v: got %s: %v", off, code, err)
		}
	}
}
