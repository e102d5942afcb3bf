package sfnapi_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

// seededClient is a Step Functions client on an engine whose aliases pick
// versions with a generator seeded with seed.
func seededClient(t *testing.T, seed uint64) *sfn.Client {
	t.Helper()
	_, c := apiEngineWith(t, engine.Options{Runtime: fake.New(), WorkflowRand: rand.New(rand.NewPCG(seed, seed))})
	return c
}

// passingDef is a definition whose output names its revision.
func passingDef(rev string) string {
	return fmt.Sprintf(`{"Comment":%q,"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"rev":%q},"End":true}}}`, rev, rev)
}

const testRole = "arn:aws:iam::000000000000:role/r"

// apiErr checks that err is an API error of type code whose message
// contains msg.
func apiErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Errorf("%s: error %v; want %s containing %q", what, err, code, msg)
	}
}

func TestAPI_Versions(t *testing.T) {
	c := seededClient(t, 1)
	ctx := context.Background()
	created, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("flow"), Definition: aws.String(passingDef("r0")), RoleArn: aws.String(testRole),
		Publish: true, VersionDescription: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.StateMachineArn)
	if v := aws.ToString(created.StateMachineVersionArn); v != arn+":1" {
		t.Fatalf("CreateStateMachine(publish) version %q; want %s:1", v, arn)
	}
	v1, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn + ":1")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v1.StateMachineArn) != arn+":1" || aws.ToString(v1.Description) != "first" || v1.RevisionId != nil || aws.ToString(v1.Definition) != passingDef("r0") || v1.Name == nil {
		t.Errorf("DescribeStateMachine(version 1) = %+v", v1)
	}

	// An update that changes nothing keeps the revision: publishing it
	// again answers version 1.
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(passingDef("r0")), Publish: true})
	if err != nil || up.RevisionId != nil || aws.ToString(up.StateMachineVersionArn) != arn+":1" {
		t.Errorf("UpdateStateMachine(same definition, publish) = %+v, %v; want no revision, version 1", up, err)
	}
	up, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(passingDef("r1")), Publish: true, VersionDescription: aws.String("second")})
	if err != nil || up.RevisionId == nil || aws.ToString(up.StateMachineVersionArn) != arn+":2" {
		t.Fatalf("UpdateStateMachine(publish) = %+v, %v; want a revision and version 2", up, err)
	}
	rev1 := aws.ToString(up.RevisionId)
	pub, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn)})
	if err != nil || aws.ToString(pub.StateMachineVersionArn) != arn+":2" {
		t.Errorf("PublishStateMachineVersion of a published revision = %+v, %v; want version 2", pub, err)
	}
	v2, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn + ":2")})
	if err != nil || aws.ToString(v2.RevisionId) != rev1 || aws.ToString(v2.Description) != "second" || aws.ToString(v2.Definition) != passingDef("r1") {
		t.Errorf("DescribeStateMachine(version 2) = %+v, %v", v2, err)
	}
	up, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(passingDef("r2"))})
	if err != nil || up.StateMachineVersionArn != nil {
		t.Fatalf("UpdateStateMachine = %+v, %v", up, err)
	}
	rev2 := aws.ToString(up.RevisionId)
	_, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn), RevisionId: aws.String(rev1)})
	apiErr(t, "publish of an old revision", err, "ConflictException",
		fmt.Sprintf("Failed to publish the State Machine version for revision %s. The current State Machine revision is %s.", rev1, rev2))
	if re := (*awshttp.ResponseError)(nil); !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusConflict {
		t.Errorf("ConflictException with HTTP status %v; want 409", err)
	}
	_, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn), RevisionId: aws.String("INITIAL")})
	apiErr(t, "publish of the initial revision after an update", err, "ConflictException", "for revision INITIAL")
	pub, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn), RevisionId: aws.String(rev2), Description: aws.String("third")})
	if err != nil || aws.ToString(pub.StateMachineVersionArn) != arn+":3" || pub.CreationDate == nil {
		t.Fatalf("PublishStateMachineVersion(current revision) = %+v, %v", pub, err)
	}

	list, err := c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(arn), MaxResults: 2})
	if err != nil || len(list.StateMachineVersions) != 2 || aws.ToString(list.StateMachineVersions[0].StateMachineVersionArn) != arn+":3" || list.NextToken == nil {
		t.Fatalf("ListStateMachineVersions page 1 = %+v, %v", list, err)
	}
	list, err = c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(arn), NextToken: list.NextToken})
	if err != nil || len(list.StateMachineVersions) != 1 || aws.ToString(list.StateMachineVersions[0].StateMachineVersionArn) != arn+":1" || list.NextToken != nil {
		t.Errorf("ListStateMachineVersions page 2 = %+v, %v", list, err)
	}

	// Executions of a version run its definition and record it; those of
	// the state machine run the latest revision and record no version.
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn + ":1"), Name: aws.String("of-v1")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ex.ExecutionArn) != "arn:aws:states:us-east-1:000000000000:execution:flow:of-v1" {
		t.Errorf("execution ARN %s", aws.ToString(ex.ExecutionArn))
	}
	d := waitExecution(t, c, aws.ToString(ex.ExecutionArn))
	if aws.ToString(d.Output) != `{"rev":"r0"}` || aws.ToString(d.StateMachineVersionArn) != arn+":1" || d.StateMachineAliasArn != nil || aws.ToString(d.StateMachineArn) != arn {
		t.Errorf("DescribeExecution(of version 1) = %+v", d)
	}
	latest, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("latest")})
	if err != nil {
		t.Fatal(err)
	}
	d = waitExecution(t, c, aws.ToString(latest.ExecutionArn))
	if aws.ToString(d.Output) != `{"rev":"r2"}` || d.StateMachineVersionArn != nil {
		t.Errorf("DescribeExecution(of the state machine) = %+v", d)
	}
	exs, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn + ":1")})
	if err != nil || len(exs.Executions) != 1 || aws.ToString(exs.Executions[0].Name) != "of-v1" || aws.ToString(exs.Executions[0].StateMachineVersionArn) != arn+":1" {
		t.Errorf("ListExecutions(version 1) = %+v, %v", exs, err)
	}
	exs, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn)})
	if err != nil || len(exs.Executions) != 2 {
		t.Errorf("ListExecutions(state machine) = %+v, %v; want both executions", exs, err)
	}

	// Version numbers are not reused.
	if _, err := c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(arn + ":3")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(arn + ":3")}); err != nil {
		t.Errorf("deleting a deleted version: %v; want success", err)
	}
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(passingDef("r3"))}); err != nil {
		t.Fatal(err)
	}
	pub, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn)})
	if err != nil || aws.ToString(pub.StateMachineVersionArn) != arn+":4" {
		t.Errorf("PublishStateMachineVersion after deleting version 3 = %+v, %v; want version 4", pub, err)
	}

	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"versionDescription without publish", func() error {
			_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("x"), Definition: aws.String(passDef), RoleArn: aws.String(testRole), VersionDescription: aws.String("d")})
			return err
		}, "ValidationException", "Version description can only be set when publish is true"},
		{"update through a version ARN", func() error {
			_, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn + ":2"), Definition: aws.String(passDef)})
			return err
		}, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + ":2'"},
		{"describe a deleted version", func() error {
			_, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn + ":3")})
			return err
		}, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + ":3'"},
		{"start a deleted version", func() error {
			_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn + ":3")})
			return err
		}, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + ":3'"},
		{"publish of a missing state machine", func() error {
			_, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn + "-nope")})
			return err
		}, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "-nope'"},
		{"delete with a state machine ARN", func() error {
			_, err := c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(arn)})
			return err
		}, "InvalidArn", "Not a state machine version ARN"},
		{"publish with an invalid ARN", func() error {
			_, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String("flow")})
			return err
		}, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: flow'"},
	}
	for _, tt := range tests {
		apiErr(t, tt.name, tt.call(), tt.code, tt.msg)
	}
}

func TestAPI_Aliases(t *testing.T) {
	const seed = 7
	c := seededClient(t, seed)
	ctx := context.Background()
	created, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("canary"), Definition: aws.String(passingDef("v1")), RoleArn: aws.String(testRole), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.StateMachineArn)
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(passingDef("v2")), Publish: true}); err != nil {
		t.Fatal(err)
	}
	v1, v2, aliasArn := arn+":1", arn+":2", arn+":PROD"
	route := func(v string, w int32) sfntypes.RoutingConfigurationListItem {
		return sfntypes.RoutingConfigurationListItem{StateMachineVersionArn: aws.String(v), Weight: w}
	}
	split := []sfntypes.RoutingConfigurationListItem{route(v1, 70), route(v2, 30)}
	al, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("PROD"), Description: aws.String("canary"), RoutingConfiguration: split})
	if err != nil || aws.ToString(al.StateMachineAliasArn) != aliasArn {
		t.Fatalf("CreateStateMachineAlias = %+v, %v", al, err)
	}
	again, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("PROD"), Description: aws.String("canary"), RoutingConfiguration: split})
	if err != nil || aws.ToString(again.StateMachineAliasArn) != aliasArn || !aws.ToTime(again.CreationDate).Equal(aws.ToTime(al.CreationDate)) {
		t.Errorf("CreateStateMachineAlias again = %+v, %v; want the same alias", again, err)
	}

	// The alias picks each execution's version with the engine's seeded
	// generator: the same seed predicts every pick.
	want := rand.New(rand.NewPCG(seed, seed))
	counts := map[string]int{}
	for i := range 40 {
		ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(aliasArn), Name: aws.String(fmt.Sprintf("run-%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		version, rev := v1, "v1"
		if want.IntN(100) >= 70 {
			version, rev = v2, "v2"
		}
		counts[version]++
		d := waitExecution(t, c, aws.ToString(ex.ExecutionArn))
		if aws.ToString(d.StateMachineVersionArn) != version || aws.ToString(d.StateMachineAliasArn) != aliasArn || aws.ToString(d.Output) != fmt.Sprintf(`{"rev":%q}`, rev) {
			t.Fatalf("execution %d through the alias: version %s alias %s output %s; want %s %s {\"rev\":%q}", i,
				aws.ToString(d.StateMachineVersionArn), aws.ToString(d.StateMachineAliasArn), aws.ToString(d.Output), version, aliasArn, rev)
		}
	}
	if counts[v1] == 0 || counts[v2] == 0 {
		t.Errorf("40 executions went %v; want both versions used", counts)
	}
	byAlias, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(aliasArn)})
	if err != nil || len(byAlias.Executions) != 40 || aws.ToString(byAlias.Executions[0].StateMachineAliasArn) != aliasArn {
		t.Errorf("ListExecutions(alias) = %d executions, %v", len(byAlias.Executions), err)
	}
	byV2, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(v2), StatusFilter: sfntypes.ExecutionStatusSucceeded})
	if err != nil || len(byV2.Executions) != counts[v2] {
		t.Errorf("ListExecutions(version 2) = %d executions, %v; want %d", len(byV2.Executions), err, counts[v2])
	}

	_, err = c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v1)})
	apiErr(t, "delete a version an alias routes to", err, "ConflictException",
		"Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [PROD]")
	if _, err := c.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasArn), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{route(v2, 100)}}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasArn)})
	if err != nil || aws.ToString(d.Name) != "PROD" || aws.ToString(d.Description) != "canary" || len(d.RoutingConfiguration) != 1 ||
		aws.ToString(d.RoutingConfiguration[0].StateMachineVersionArn) != v2 || d.RoutingConfiguration[0].Weight != 100 || d.UpdateDate == nil {
		t.Errorf("DescribeStateMachineAlias after the update = %+v, %v", d, err)
	}
	if _, err := c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v1)}); err != nil {
		t.Errorf("delete a version no alias routes to: %v", err)
	}
	if _, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("beta"), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{route(v2, 100)}}); err != nil {
		t.Fatal(err)
	}
	aliases, err := c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(arn), MaxResults: 1})
	if err != nil || len(aliases.StateMachineAliases) != 1 || aws.ToString(aliases.StateMachineAliases[0].StateMachineAliasArn) != aliasArn || aliases.NextToken == nil {
		t.Fatalf("ListStateMachineAliases page 1 = %+v, %v", aliases, err)
	}
	aliases, err = c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(arn), NextToken: aliases.NextToken})
	if err != nil || len(aliases.StateMachineAliases) != 1 || aws.ToString(aliases.StateMachineAliases[0].StateMachineAliasArn) != arn+":beta" || aliases.NextToken != nil {
		t.Errorf("ListStateMachineAliases page 2 = %+v, %v", aliases, err)
	}
	if _, err := c.DeleteStateMachineAlias(ctx, &sfn.DeleteStateMachineAliasInput{StateMachineAliasArn: aws.String(arn + ":beta")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStateMachineAlias(ctx, &sfn.DeleteStateMachineAliasInput{StateMachineAliasArn: aws.String(arn + ":beta")}); err != nil {
		t.Errorf("deleting a deleted alias: %v; want success", err)
	}

	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"same name, other description", func() error {
			_, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("PROD"), Description: aws.String("other"), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{route(v2, 100)}})
			return err
		}, "ConflictException", "Failed to create alias because an alias with the same name and a different routing configuration already exists."},
		{"weights under 100", func() error {
			_, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("x"), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{route(v2, 70), route(arn+":5", 29)}})
			return err
		}, "ValidationException", "Sum of routing configuration weights must equal 100. Received: [70, 29]"},
		{"the same version twice", func() error {
			_, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("x"), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{route(v2, 50), route(v2, 50)}})
			return err
		}, "ValidationException", "Routing configuration must contain distinct state machine version ARNs. Received: [" + v2 + ", " + v2 + "]"},
		{"a state machine ARN", func() error {
			_, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("x"), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{route(arn, 100)}})
			return err
		}, "ValidationException", "Routing configuration must contain state machine version ARNs. Received: [" + arn + "]"},
		{"three versions", func() error {
			_, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("x"), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{route(v1, 50), route(v2, 30), route(arn+":3", 20)}})
			return err
		}, "ValidationException", "Member must have length less than or equal to 2"},
		{"a weight over 100", func() error {
			_, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("x"), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{route(v2, 101)}})
			return err
		}, "ValidationException", "Member must have value less than or equal to 100"},
		{"an all-digit name", func() error {
			_, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("123"), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{route(v2, 100)}})
			return err
		}, "ValidationException", "Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"a deleted version", func() error {
			_, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("x"), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{route(v1, 100)}})
			return err
		}, "ResourceNotFound", "Request references a resource that does not exist"},
		{"describe a missing alias", func() error {
			_, err := c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(arn + ":nope")})
			return err
		}, "ResourceNotFound", "Request references a resource that does not exist."},
		{"update a missing alias", func() error {
			_, err := c.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: aws.String(arn + ":nope"), Description: aws.String("d")})
			return err
		}, "ResourceNotFound", "Request references a resource that does not exist."},
		{"update with nothing", func() error {
			_, err := c.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasArn)})
			return err
		}, "ValidationException", "Either the description or the routingConfiguration must be specified"},
		{"describe an alias through a version ARN", func() error {
			_, err := c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(v2)})
			return err
		}, "InvalidArn", "Not a state machine alias ARN"},
		{"start a missing alias", func() error {
			_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn + ":nope")})
			return err
		}, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + ":nope'"},
	}
	for _, tt := range tests {
		apiErr(t, tt.name, tt.call(), tt.code, tt.msg)
	}

	byVersion, err := c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(v2)})
	if err != nil || len(byVersion.StateMachineAliases) != 1 {
		t.Errorf("ListStateMachineAliases(version 2) = %+v, %v; want PROD", byVersion, err)
	}
	// Deleting the state machine deletes its versions and aliases; its
	// executions stay describable.
	if _, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasArn)})
	apiErr(t, "alias of a deleted state machine", err, "ResourceNotFound", "does not exist")
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(v2)})
	apiErr(t, "version of a deleted state machine", err, "StateMachineDoesNotExist", v2)
	if _, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:000000000000:execution:canary:run-0")}); err != nil {
		t.Errorf("an execution of a deleted alias: %v", err)
	}
}

func TestAPI_SyncExecutionOfAlias(t *testing.T) {
	c := seededClient(t, 3)
	ctx := context.Background()
	created, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("fast"), Definition: aws.String(passingDef("e1")), RoleArn: aws.String(testRole),
		Type: sfntypes.StateMachineTypeExpress, Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("live"), RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{
		{StateMachineVersionArn: created.StateMachineVersionArn, Weight: 100}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn, Definition: aws.String(passingDef("e2"))}); err != nil {
		t.Fatal(err)
	}
	out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(aws.ToString(created.StateMachineArn) + ":live")})
	if err != nil || out.Status != sfntypes.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"rev":"e1"}` || aws.ToString(out.StateMachineArn) != aws.ToString(created.StateMachineArn) {
		t.Errorf("StartSyncExecution(alias) = %+v, %v; want version 1's output", out, err)
	}
}
