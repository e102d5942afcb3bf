package logsapi_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/ecsrun/ecsrun/internal/logsapi"
)

// Direct answers what the API answers: the same pages and tokens, and the
// same error types.
func TestDirect_AnswersAsTheAPI(t *testing.T) {
	e := newEnv(t, t.TempDir())
	ctx := testCtx(t)
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	e.put(t, "g", "s", "line", 25)
	d := logsapi.NewDirect(e.st)
	inputs := []*cwl.GetLogEventsInput{
		{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true), Limit: aws.Int32(10)},
		{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")},
		{LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g"), LogStreamName: aws.String("s"), Limit: aws.Int32(3)},
	}
	for i, in := range inputs {
		for page := 0; page < 4; page++ {
			want, err := e.c.GetLogEvents(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := d.GetLogEvents(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Events, want.Events) || aws.ToString(got.NextForwardToken) != aws.ToString(want.NextForwardToken) ||
				aws.ToString(got.NextBackwardToken) != aws.ToString(want.NextBackwardToken) {
				t.Fatalf("input %d page %d: direct %v %q %q, API %v %q %q", i, page, msgs(got.Events), aws.ToString(got.NextForwardToken),
					aws.ToString(got.NextBackwardToken), msgs(want.Events), aws.ToString(want.NextForwardToken), aws.ToString(want.NextBackwardToken))
			}
			next := *in
			next.NextToken = want.NextForwardToken
			in = &next
		}
	}
	var nf *types.ResourceNotFoundException
	_, err := d.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
	if !errors.As(err, &nf) || aws.ToString(nf.Message) == "" {
		t.Errorf("missing stream: %v, want ResourceNotFoundException with a message", err)
	}
	var inv *types.InvalidParameterException
	_, err = d.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String("bad")})
	if !errors.As(err, &inv) {
		t.Errorf("bad token: %v, want InvalidParameterException", err)
	}
	_, err = d.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogStreamName: aws.String("s")})
	if !errors.As(err, &inv) {
		t.Errorf("no group: %v, want InvalidParameterException", err)
	}
}
