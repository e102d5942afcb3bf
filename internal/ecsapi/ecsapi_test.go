package ecsapi_test

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
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
)

// idle is a launcher that accepts tasks and never runs them.
type idle struct{}

func (idle) Check(s *agent.TaskSpec) error    { return agent.Check(s) }
func (idle) Launch(agent.TaskSpec)            {}
func (idle) Adopt(agent.TaskSpec)             {}
func (idle) Stop(string, string, string) bool { return false }

func newServer(t *testing.T) (*httptest.Server, *awsecs.Client) {
	t.Helper()
	api := newAPI(t)
	modelcheck.Attach(t, api)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	client := awsecs.New(awsecs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
	})
	return srv, client
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestAPI_SDKErrorTypes(t *testing.T) {
	_, client := newServer(t)
	c := ctx(t)
	_, err := client.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String("x"), Cluster: aws.String("nope")})
	var cnf *types.ClusterNotFoundException
	if !errors.As(err, &cnf) || aws.ToString(cnf.Message) != "Cluster not found." {
		t.Errorf("RunTask on an unknown cluster: %v; want ClusterNotFoundException \"Cluster not found.\"", err)
	}
	_, err = client.DescribeTaskDefinition(c, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("nope")})
	var ce *types.ClientException
	if !errors.As(err, &ce) || aws.ToString(ce.Message) != "Unable to describe task definition." {
		t.Errorf("DescribeTaskDefinition(nope): %v; want ClientException", err)
	}
	_, err = client.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String("web"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox")}},
	})
	if !errors.As(err, &ce) || !strings.Contains(aws.ToString(ce.Message), "At least one of 'memory' or 'memoryReservation' must be specified") {
		t.Errorf("register without memory: %v; want ClientException about memory", err)
	}
	_, err = client.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family:                aws.String("web"),
		InferenceAccelerators: []types.InferenceAccelerator{{DeviceName: aws.String("device_1"), DeviceType: aws.String("eia2.medium")}},
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(32),
			ResourceRequirements: []types.ResourceRequirement{{Type: types.ResourceTypeInferenceAccelerator, Value: aws.String("device_1")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String("web"), Count: aws.Int32(11)})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) {
		t.Errorf("count 11: %v; want InvalidParameterException", err)
	}
	_, err = client.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String("web")})
	var ufe *types.UnsupportedFeatureException
	if !errors.As(err, &ufe) || !strings.Contains(aws.ToString(ufe.Message), `container "app": resourceRequirements InferenceAccelerator`) {
		t.Errorf("RunTask of a definition with an Elastic Inference accelerator: %v; want UnsupportedFeatureException naming it", err)
	}
	_, err = client.DescribeCapacityProviders(c, &awsecs.DescribeCapacityProvidersInput{})
	if !errors.As(err, &ufe) || !strings.Contains(aws.ToString(ufe.Message), "DescribeCapacityProviders") {
		t.Errorf("DescribeCapacityProviders: %v; want UnsupportedFeatureException naming the operation", err)
	}
}

func TestAPI_RawProtocol(t *testing.T) {
	srv, _ := newServer(t)
	tests := []struct {
		name, target, body string
		wantStatus         int
		wantType           string
		wantMessage        string
	}{
		{"malformed JSON", "AmazonEC2ContainerServiceV20141113.ListClusters", `{"maxResults":`, 400, "SerializationException", "malformed JSON"},
		{"wrong type", "AmazonEC2ContainerServiceV20141113.RunTask", `{"taskDefinition": "x", "count": "ten"}`, 400, "SerializationException", "count"},
		{"not an object", "AmazonEC2ContainerServiceV20141113.ListClusters", `[1]`, 400, "SerializationException", "JSON object"},
		{"unknown operation", "AmazonEC2ContainerServiceV20141113.LaunchRockets", `{}`, 400, "UnknownOperationException", "LaunchRockets"},
		{"no target", "", `{}`, 400, "UnknownOperationException", "X-Amz-Target"},
		{"missing required member", "AmazonEC2ContainerServiceV20141113.RunTask", `{}`, 400, "InvalidParameterException", "'taskDefinition' failed to satisfy constraint: Member must not be null"},
		{"bad enum", "AmazonEC2ContainerServiceV20141113.RunTask", `{"taskDefinition": "x", "launchType": "MOON"}`, 400, "InvalidParameterException", "Member must satisfy enum value set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			b, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatalf("answer is not JSON: %s", b)
			}
			if resp.StatusCode != tt.wantStatus || body.Type != tt.wantType || resp.Header.Get("X-Amzn-ErrorType") != tt.wantType || !strings.Contains(body.Message, tt.wantMessage) {
				t.Errorf("got %d %s (header %q) %q; want %d %s containing %q", resp.StatusCode, body.Type, resp.Header.Get("X-Amzn-ErrorType"), body.Message, tt.wantStatus, tt.wantType, tt.wantMessage)
			}
			if resp.Header.Get("X-Amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId header")
			}
		})
	}
}

func TestAPI_TimestampsAreEpochSeconds(t *testing.T) {
	srv, client := newServer(t)
	_, err := client.RegisterTaskDefinition(ctx(t), &awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String("ts"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(32)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(`{"taskDefinition":"ts"}`))
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		TaskDefinition map[string]any `json:"taskDefinition"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	v, ok := out.TaskDefinition["registeredAt"].(float64)
	if !ok || v < 1.7e9 {
		t.Errorf("registeredAt = %#v; want epoch seconds as a JSON number", out.TaskDefinition["registeredAt"])
	}
}
