package logsapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func TestLogs_Deliveries(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e := newEnv(t, dir)
	src, err := e.c.PutDeliverySource(ctx, &cwl.PutDeliverySourceInput{
		Name: aws.String("cf"), ResourceArn: aws.String("arn:aws:cloudfront::000000000000:distribution/E1"),
		LogType: aws.String("ACCESS_LOGS"), Tags: map[string]string{"team": "web"},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := src.DeliverySource
	if aws.ToString(s.Arn) != "arn:aws:logs:us-east-1:000000000000:delivery-source:cf" || aws.ToString(s.Service) != "cloudfront" ||
		len(s.ResourceArns) != 1 || s.Tags["team"] != "web" || s.Status != types.DeliverySourceStatusActive {
		t.Fatalf("delivery source = %+v", s)
	}
	_, err = e.c.PutDeliverySource(ctx, &cwl.PutDeliverySourceInput{Name: aws.String("cf"), ResourceArn: aws.String("arn:aws:cloudfront::000000000000:distribution/E2"), LogType: aws.String("ACCESS_LOGS")})
	wantErrContains(t, err, "ConflictException", "cannot change the resource")

	bucket := "arn:aws:s3:::central-logs"
	dst, err := e.c.PutDeliveryDestination(ctx, &cwl.PutDeliveryDestinationInput{
		Name: aws.String("s3"), OutputFormat: types.OutputFormatJson,
		DeliveryDestinationConfiguration: &types.DeliveryDestinationConfiguration{DestinationResourceArn: &bucket},
	})
	if err != nil {
		t.Fatal(err)
	}
	darn := aws.ToString(dst.DeliveryDestination.Arn)
	if darn != "arn:aws:logs:us-east-1:000000000000:delivery-destination:s3" || dst.DeliveryDestination.DeliveryDestinationType != types.DeliveryDestinationTypeS3 {
		t.Fatalf("delivery destination = %+v", dst.DeliveryDestination)
	}
	_, err = e.c.PutDeliveryDestination(ctx, &cwl.PutDeliveryDestinationInput{Name: aws.String("bad"), DeliveryDestinationConfiguration: &types.DeliveryDestinationConfiguration{DestinationResourceArn: aws.String("arn:aws:sqs:us-east-1:000000000000:q")}})
	wantErrContains(t, err, "ValidationException", "destinationResourceArn")
	policy := `{"Version":"2012-10-17","Statement":[]}`
	if _, err := e.c.PutDeliveryDestinationPolicy(ctx, &cwl.PutDeliveryDestinationPolicyInput{DeliveryDestinationName: aws.String("s3"), DeliveryDestinationPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
	gp, err := e.c.GetDeliveryDestinationPolicy(ctx, &cwl.GetDeliveryDestinationPolicyInput{DeliveryDestinationName: aws.String("s3")})
	if err != nil || aws.ToString(gp.Policy.DeliveryDestinationPolicy) != policy {
		t.Fatalf("policy = %+v %v", gp, err)
	}

	d, err := e.c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{
		DeliverySourceName: aws.String("cf"), DeliveryDestinationArn: &darn, RecordFields: []string{"date", "time"},
		S3DeliveryConfiguration: &types.S3DeliveryConfiguration{SuffixPath: aws.String("{DistributionId}/{yyyy}")},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(d.Delivery.Id)
	if id == "" || d.Delivery.DeliveryDestinationType != types.DeliveryDestinationTypeS3 || aws.ToString(d.Delivery.S3DeliveryConfiguration.SuffixPath) != "{DistributionId}/{yyyy}" {
		t.Fatalf("delivery = %+v", d.Delivery)
	}
	_, err = e.c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{DeliverySourceName: aws.String("cf"), DeliveryDestinationArn: &darn})
	wantErrContains(t, err, "ConflictException", id)
	_, err = e.c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{DeliverySourceName: aws.String("none"), DeliveryDestinationArn: &darn})
	wantErrContains(t, err, "ResourceNotFoundException", "none")
	if _, err := e.c.UpdateDeliveryConfiguration(ctx, &cwl.UpdateDeliveryConfigurationInput{Id: &id, RecordFields: []string{"date"}, FieldDelimiter: aws.String(",")}); err != nil {
		t.Fatal(err)
	}
	// Tags by ARN, and everything after a restart.
	if _, err := e.c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: d.Delivery.Arn, Tags: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, dir)
	g, err := e2.c.GetDelivery(ctx, &cwl.GetDeliveryInput{Id: &id})
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Delivery; len(got.RecordFields) != 1 || aws.ToString(got.FieldDelimiter) != "," || got.Tags["k"] != "v" {
		t.Fatalf("delivery after update = %+v", got)
	}
	for _, list := range []func() (int, error){
		func() (int, error) {
			o, err := e2.c.DescribeDeliveries(ctx, &cwl.DescribeDeliveriesInput{})
			return len(o.Deliveries), err
		},
		func() (int, error) {
			o, err := e2.c.DescribeDeliverySources(ctx, &cwl.DescribeDeliverySourcesInput{})
			return len(o.DeliverySources), err
		},
		func() (int, error) {
			o, err := e2.c.DescribeDeliveryDestinations(ctx, &cwl.DescribeDeliveryDestinationsInput{})
			return len(o.DeliveryDestinations), err
		},
	} {
		if n, err := list(); err != nil || n != 1 {
			t.Fatalf("describe: %d %v", n, err)
		}
	}
	// In use: the source and destination cannot go before the delivery.
	_, err = e.c.DeleteDeliverySource(ctx, &cwl.DeleteDeliverySourceInput{Name: aws.String("cf")})
	wantErrContains(t, err, "ConflictException", id)
	_, err = e.c.DeleteDeliveryDestination(ctx, &cwl.DeleteDeliveryDestinationInput{Name: aws.String("s3")})
	wantErrContains(t, err, "ConflictException", id)
	if _, err := e.c.DeleteDelivery(ctx, &cwl.DeleteDeliveryInput{Id: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.GetDelivery(ctx, &cwl.GetDeliveryInput{Id: &id})
	wantErrContains(t, err, "ResourceNotFoundException", id)
	if _, err := e.c.DeleteDeliveryDestinationPolicy(ctx, &cwl.DeleteDeliveryDestinationPolicyInput{DeliveryDestinationName: aws.String("s3")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteDeliverySource(ctx, &cwl.DeleteDeliverySourceInput{Name: aws.String("cf")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteDeliveryDestination(ctx, &cwl.DeleteDeliveryDestinationInput{Name: aws.String("s3")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.GetDeliverySource(ctx, &cwl.GetDeliverySourceInput{Name: aws.String("cf")})
	wantErrContains(t, err, "ResourceNotFoundException", "cf")
}
