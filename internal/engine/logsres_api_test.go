package engine

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// logsCall posts one CloudWatch Logs request to the engine's API and
// returns the status and the decoded answer.
func logsCall(t *testing.T, h *harness, op, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "Logs_20140328."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	rec := httptest.NewRecorder()
	h.eng.Handler().ServeHTTP(rec, req)
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// exerciseLogsResources answers each CloudWatch Logs resource operation
// (internal/logsres) once with success and once with an error, for the
// every-operation walk (the SDK tests of internal/logsapi test them in
// depth).
func exerciseLogsResources(t *testing.T, h *harness) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(h.dir, "s3", "bkt"), 0o755); err != nil {
		t.Fatal(err)
	}
	const arn = "arn:aws:logs:us-east-1:000000000000:"
	okCalls := []struct{ op, body string }{
		{"CreateLogGroup", `{"logGroupName":"/res","tags":{"a":"1"}}`},
		{"TagLogGroup", `{"logGroupName":"/res","tags":{"b":"2"}}`},
		{"ListTagsLogGroup", `{"logGroupName":"/res"}`},
		{"UntagLogGroup", `{"logGroupName":"/res","tags":["b"]}`},
		{"TagResource", `{"resourceArn":"` + arn + `log-group:/res","tags":{"c":"3"}}`},
		{"ListTagsForResource", `{"resourceArn":"` + arn + `log-group:/res"}`},
		{"UntagResource", `{"resourceArn":"` + arn + `log-group:/res","tagKeys":["c"]}`},
		{"AssociateKmsKey", `{"logGroupName":"/res","kmsKeyId":"arn:aws:kms:us-east-1:000000000000:key/k"}`},
		{"DisassociateKmsKey", `{"logGroupName":"/res"}`},
		{"PutLogGroupDeletionProtection", `{"logGroupIdentifier":"/res","deletionProtectionEnabled":false}`},
		{"ListLogGroups", `{"logGroupNamePattern":"res"}`},
		{"PutDestination", `{"destinationName":"d","targetArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s","roleArn":"arn:aws:iam::000000000000:role/r"}`},
		{"PutDestinationPolicy", `{"destinationName":"d","accessPolicy":"{}"}`},
		{"DescribeDestinations", `{}`},
		{"PutSubscriptionFilter", `{"logGroupName":"/res","filterName":"f","filterPattern":"","destinationArn":"` + arn + `destination:d"}`},
		{"DescribeSubscriptionFilters", `{"logGroupName":"/res"}`},
		{"DeleteSubscriptionFilter", `{"logGroupName":"/res","filterName":"f"}`},
		{"DeleteDestination", `{"destinationName":"d"}`},
		{"PutResourcePolicy", `{"policyName":"p","policyDocument":"{}"}`},
		{"DescribeResourcePolicies", `{}`},
		{"DeleteResourcePolicy", `{"policyName":"p"}`},
		{"DescribeExportTasks", `{}`},
		{"PutDeliverySource", `{"name":"s","resourceArn":"arn:aws:cloudfront::000000000000:distribution/E","logType":"ACCESS_LOGS"}`},
		{"GetDeliverySource", `{"name":"s"}`},
		{"DescribeDeliverySources", `{}`},
		{"PutDeliveryDestination", `{"name":"dd","deliveryDestinationConfiguration":{"destinationResourceArn":"arn:aws:s3:::b"}}`},
		{"GetDeliveryDestination", `{"name":"dd"}`},
		{"DescribeDeliveryDestinations", `{}`},
		{"PutDeliveryDestinationPolicy", `{"deliveryDestinationName":"dd","deliveryDestinationPolicy":"{}"}`},
		{"GetDeliveryDestinationPolicy", `{"deliveryDestinationName":"dd"}`},
		{"DeleteDeliveryDestinationPolicy", `{"deliveryDestinationName":"dd"}`},
		{"CreateDelivery", `{"deliverySourceName":"s","deliveryDestinationArn":"` + arn + `delivery-destination:dd"}`},
		{"DescribeDeliveries", `{}`},
		{"PutAccountPolicy", `{"policyName":"ap","policyType":"TRANSFORMER_POLICY","policyDocument":"{}"}`},
		{"DescribeAccountPolicies", `{"policyType":"TRANSFORMER_POLICY"}`},
		{"DeleteAccountPolicy", `{"policyName":"ap","policyType":"TRANSFORMER_POLICY"}`},
		{"PutDataProtectionPolicy", `{"logGroupIdentifier":"/res","policyDocument":"{\"Name\":\"n\",\"Version\":\"2021-06-01\",\"Statement\":[{}]}"}`},
		{"GetDataProtectionPolicy", `{"logGroupIdentifier":"/res"}`},
		{"DeleteDataProtectionPolicy", `{"logGroupIdentifier":"/res"}`},
		{"PutBearerTokenAuthentication", `{"logGroupIdentifier":"/res","bearerTokenAuthenticationEnabled":true}`},
		{"PutStorageTierPolicy", `{"storageTier":"STANDARD"}`},
		{"GetStorageTierPolicy", `{}`},
		{"TestTransformer", `{"transformerConfig":[{"parseJSON":{}}],"logEventMessages":["{\"a\":1}"]}`},
		{"PutTransformer", `{"logGroupIdentifier":"/res","transformerConfig":[{"parseJSON":{}}]}`},
		{"GetTransformer", `{"logGroupIdentifier":"/res"}`},
		{"DeleteTransformer", `{"logGroupIdentifier":"/res"}`},
		{"CreateLookupTable", `{"lookupTableName":"lt","tableBody":"a,b\n1,2\n"}`},
		{"GetLookupTable", `{"lookupTableArn":"` + arn + `lookup-table:lt"}`},
		{"UpdateLookupTable", `{"lookupTableArn":"` + arn + `lookup-table:lt","description":"d"}`},
		{"DescribeLookupTables", `{}`},
		{"DeleteLookupTable", `{"lookupTableArn":"` + arn + `lookup-table:lt"}`},
	}
	for _, c := range okCalls {
		if code, out := logsCall(t, h, c.op, c.body); code != http.StatusOK {
			t.Errorf("%s: %d %v", c.op, code, out)
		}
	}
	// The delivery made above, found by its id, then gone with its source
	// and destination.
	_, out := logsCall(t, h, "DescribeDeliveries", `{}`)
	var id string
	if ds, _ := out["deliveries"].([]any); len(ds) == 1 {
		id, _ = ds[0].(map[string]any)["id"].(string)
	}
	for _, c := range []struct{ op, body string }{
		{"GetDelivery", `{"id":"` + id + `"}`},
		{"UpdateDeliveryConfiguration", `{"id":"` + id + `","fieldDelimiter":","}`},
		{"DeleteDelivery", `{"id":"` + id + `"}`},
		{"DeleteDeliverySource", `{"name":"s"}`},
		{"DeleteDeliveryDestination", `{"name":"dd"}`},
	} {
		if code, out := logsCall(t, h, c.op, c.body); code != http.StatusOK {
			t.Errorf("%s: %d %v", c.op, code, out)
		}
	}
	// An export task, cancelled while it is active: an export of an
	// empty group may finish before the cancel arrives, so try a few.
	cancelled := false
	for range 20 {
		code, out := logsCall(t, h, "CreateExportTask", `{"logGroupName":"/res","from":0,"to":9999999999999,"destination":"bkt"}`)
		if code != http.StatusOK {
			t.Fatalf("CreateExportTask: %d %v", code, out)
		}
		if code, _ := logsCall(t, h, "CancelExportTask", `{"taskId":"`+out["taskId"].(string)+`"}`); code == http.StatusOK {
			cancelled = true
			break
		}
	}
	if !cancelled {
		t.Error("CancelExportTask never caught an active export task")
	}
	// No export may still write into the state directory when the test
	// ends: wait until every task has ended.
	deadline := time.Now().Add(20 * time.Second)
	for {
		active := 0
		for _, st := range []string{"PENDING", "RUNNING", "PENDING_CANCEL"} {
			_, out := logsCall(t, h, "DescribeExportTasks", `{"statusCode":"`+st+`"}`)
			ts, _ := out["exportTasks"].([]any)
			active += len(ts)
		}
		if active == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d export tasks still active", active)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Every operation also answers an error (a member the shape lacks).
	ops := []string{"CreateExportTask", "CancelExportTask", "GetDelivery", "UpdateDeliveryConfiguration", "DeleteDelivery", "DeleteDeliverySource", "DeleteDeliveryDestination"}
	for _, c := range okCalls[1:] {
		ops = append(ops, c.op)
	}
	for _, op := range ops {
		if code, out := logsCall(t, h, op, `{"notAMember":1}`); code != http.StatusBadRequest {
			t.Errorf("%s with an unknown member: %d %v", op, code, out)
		}
	}
}
