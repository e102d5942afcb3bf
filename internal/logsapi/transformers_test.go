package logsapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func TestLogs_Transformers(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e := newEnv(t, dir)
	config := []types.Processor{
		{Grok: &types.Grok{Match: aws.String(`%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:msg}`)}},
		{LowerCaseString: &types.LowerCaseString{WithKeys: []string{"level"}}},
		{AddKeys: &types.AddKeys{Entries: []types.AddKeyEntry{{Key: aws.String("app"), Value: aws.String("api")}}}},
		{CopyValue: &types.CopyValue{Entries: []types.CopyValueEntry{{Source: aws.String("@accountId"), Target: aws.String("account")}}}},
	}
	out, err := e.c.TestTransformer(ctx, &cwl.TestTransformerInput{TransformerConfig: config, LogEventMessages: []string{
		"2024-05-01T10:00:00Z ERROR disk full", "not a log line",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TransformedLogs) != 2 {
		t.Fatalf("transformed = %+v", out.TransformedLogs)
	}
	first, second := out.TransformedLogs[0], out.TransformedLogs[1]
	if want := `{"account":"000000000000","app":"api","level":"error","msg":"disk full","ts":"2024-05-01T10:00:00Z"}`; aws.ToString(first.TransformedEventMessage) != want || first.EventNumber != 1 {
		t.Fatalf("first = %d %q; want %q", first.EventNumber, aws.ToString(first.TransformedEventMessage), want)
	}
	if aws.ToString(second.TransformedEventMessage) != "not a log line" {
		t.Fatalf("untransformable event = %q", aws.ToString(second.TransformedEventMessage))
	}
	_, err = e.c.TestTransformer(ctx, &cwl.TestTransformerInput{LogEventMessages: []string{"x"}, TransformerConfig: []types.Processor{
		{AddKeys: &types.AddKeys{Entries: []types.AddKeyEntry{{Key: aws.String("a"), Value: aws.String("b")}}}},
	}})
	wantErrContains(t, err, "InvalidParameterException", "first processor must be a parser")
	_, err = e.c.TestTransformer(ctx, &cwl.TestTransformerInput{LogEventMessages: []string{"x"}, TransformerConfig: []types.Processor{{ParseVPC: &types.ParseVPC{}}}})
	wantErrContains(t, err, "InvalidOperationException", "parseVPC")

	g := "/transformed"
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.PutTransformer(ctx, &cwl.PutTransformerInput{LogGroupIdentifier: &g, TransformerConfig: config}); err != nil {
		t.Fatal(err)
	}
	got, err := newEnv(t, dir).c.GetTransformer(ctx, &cwl.GetTransformerInput{LogGroupIdentifier: &g})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.TransformerConfig) != 4 || aws.ToString(got.TransformerConfig[0].Grok.Match) != aws.ToString(config[0].Grok.Match) || aws.ToInt64(got.CreationTime) == 0 {
		t.Fatalf("transformer = %+v", got)
	}
	if _, err := e.c.DeleteTransformer(ctx, &cwl.DeleteTransformerInput{LogGroupIdentifier: &g}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.GetTransformer(ctx, &cwl.GetTransformerInput{LogGroupIdentifier: &g})
	wantErrContains(t, err, "ResourceNotFoundException", "no transformer")
	ia := "/infrequent"
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &ia, LogGroupClass: types.LogGroupClassInfrequentAccess}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.PutTransformer(ctx, &cwl.PutTransformerInput{LogGroupIdentifier: &ia, TransformerConfig: config})
	wantErrContains(t, err, "InvalidOperationException", "STANDARD")
	_, err = e.c.PutTransformer(ctx, &cwl.PutTransformerInput{LogGroupIdentifier: aws.String("/none"), TransformerConfig: config})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}
