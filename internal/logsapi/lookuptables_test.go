package logsapi_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

func TestLogs_LookupTables(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e := newEnv(t, dir)
	body := "code,meaning\n404,not found\n500,\"server error, retry\"\n"
	out, err := e.c.CreateLookupTable(ctx, &cwl.CreateLookupTableInput{LookupTableName: aws.String("http_codes"), TableBody: &body, Description: aws.String("status codes"), Tags: map[string]string{"team": "web"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.LookupTableArn)
	if arn != "arn:aws:logs:us-east-1:000000000000:lookup-table:http_codes" || aws.ToInt64(out.CreatedAt) == 0 {
		t.Fatalf("create = %+v", out)
	}
	_, err = e.c.CreateLookupTable(ctx, &cwl.CreateLookupTableInput{LookupTableName: aws.String("http_codes"), TableBody: &body})
	wantErrContains(t, err, "ResourceAlreadyExistsException", "http_codes")
	_, err = e.c.CreateLookupTable(ctx, &cwl.CreateLookupTableInput{LookupTableName: aws.String("bad"), TableBody: aws.String("a,a\n1,2\n")})
	wantErrContains(t, err, "ValidationException", "header")
	_, err = e.c.CreateLookupTable(ctx, &cwl.CreateLookupTableInput{LookupTableName: aws.String("q"), QueryId: aws.String("abc")})
	wantErrContains(t, err, "InvalidParameterException", "tableBody")

	d, err := newEnv(t, dir).c.DescribeLookupTables(ctx, &cwl.DescribeLookupTablesInput{LookupTableNamePrefix: aws.String("http")})
	if err != nil || len(d.LookupTables) != 1 {
		t.Fatalf("describe = %+v %v", d, err)
	}
	lt := d.LookupTables[0]
	if !slices.Equal(lt.TableFields, []string{"code", "meaning"}) || aws.ToInt64(lt.RecordsCount) != 2 || aws.ToInt64(lt.SizeBytes) != int64(len(body)) {
		t.Fatalf("table = %+v", lt)
	}
	if _, err := e.c.UpdateLookupTable(ctx, &cwl.UpdateLookupTableInput{LookupTableArn: &arn, TableBody: aws.String("code,meaning\n200,ok\n")}); err != nil {
		t.Fatal(err)
	}
	g, err := e.c.GetLookupTable(ctx, &cwl.GetLookupTableInput{LookupTableArn: &arn})
	if err != nil || aws.ToString(g.TableBody) != "code,meaning\n200,ok\n" || aws.ToString(g.Description) != "status codes" {
		t.Fatalf("get = %+v %v", g, err)
	}
	tags, err := e.c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil || tags.Tags["team"] != "web" {
		t.Fatalf("tags = %+v %v", tags, err)
	}
	if _, err := e.c.DeleteLookupTable(ctx, &cwl.DeleteLookupTableInput{LookupTableArn: &arn}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.GetLookupTable(ctx, &cwl.GetLookupTableInput{LookupTableArn: &arn})
	wantErrContains(t, err, "ResourceNotFoundException", "http_codes")
}
