package logsres

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/store"
)

func openTest(t *testing.T, dir, s3 string) (*logs.Store, *Store) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ls, err := logs.Open(ctx, db, logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	rs, err := Open(ctx, ls, Options{S3Dir: s3})
	if err != nil {
		t.Fatal(err)
	}
	return ls, rs
}

// waitStatus polls a task until it has the status, or fails at the
// deadline.
func waitStatus(t *testing.T, rs *Store, id, status string) ExportTask {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ts, _, err := rs.DescribeExportTasks(context.Background(), ExportQuery{ID: id})
		if err != nil || len(ts) != 1 {
			t.Fatalf("describe %s: %v %v", id, ts, err)
		}
		if ts[0].Status == status {
			return ts[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s is %s; want %s", id, ts[0].Status, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestExport_OneActiveTaskAndCancel(t *testing.T) {
	ctx := context.Background()
	s3 := t.TempDir()
	os.Mkdir(filepath.Join(s3, "bucket"), 0o755)
	ls, rs := openTest(t, t.TempDir(), s3)
	release := make(chan struct{})
	started := make(chan string, 4)
	rs.exportGate = func(id string) { started <- id; <-release }
	if err := ls.CreateLogGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	id, err := rs.CreateExportTask(ctx, ExportTask{Group: "g", From: 0, To: now + 1000, Destination: "bucket"})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	_, err = rs.CreateExportTask(ctx, ExportTask{Group: "g", From: 0, To: now + 1000, Destination: "bucket"})
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("second active task: %v; want ErrLimit", err)
	}
	if err := rs.CancelExportTask(ctx, id); err != nil {
		t.Fatal(err)
	}
	close(release)
	waitStatus(t, rs, id, ExportCancelled)
	if err := rs.CancelExportTask(ctx, id); !errors.Is(err, ErrInvalidOperation) {
		t.Fatalf("cancel a cancelled task: %v", err)
	}
	if err := rs.CancelExportTask(ctx, "nope"); !errors.Is(err, logs.ErrNotFound) {
		t.Fatalf("cancel a missing task: %v", err)
	}
	// The slot is free again.
	rs.exportGate = nil
	id2, err := rs.CreateExportTask(ctx, ExportTask{Group: "g", From: 0, To: now + 1000, Destination: "bucket"})
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, rs, id2, ExportCompleted)
}

func TestExport_Refusals(t *testing.T) {
	ctx := context.Background()
	s3 := t.TempDir()
	os.Mkdir(filepath.Join(s3, "bucket"), 0o755)
	ls, rs := openTest(t, t.TempDir(), s3)
	if err := ls.CreateLogGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	for _, tc := range []struct {
		name string
		task ExportTask
		kind error
	}{
		{"reversed range", ExportTask{Group: "g", From: now, To: now - 1, Destination: "bucket"}, logs.ErrInvalid},
		{"before the group", ExportTask{Group: "g", From: 0, To: 1, Destination: "bucket"}, logs.ErrInvalid},
		{"missing bucket", ExportTask{Group: "g", From: 0, To: now, Destination: "other"}, logs.ErrInvalid},
		{"bad bucket", ExportTask{Group: "g", From: 0, To: now, Destination: "../x"}, logs.ErrInvalid},
		{"escaping prefix", ExportTask{Group: "g", From: 0, To: now, Destination: "bucket", Prefix: "a/../../b"}, logs.ErrInvalid},
		{"missing group", ExportTask{Group: "none", From: 0, To: now, Destination: "bucket"}, logs.ErrNotFound},
	} {
		if _, err := rs.CreateExportTask(ctx, tc.task); !errors.Is(err, tc.kind) {
			t.Errorf("%s: %v; want %v", tc.name, err, tc.kind)
		}
	}
	_, noS3 := openTest(t, t.TempDir(), "")
	if _, err := noS3.CreateExportTask(ctx, ExportTask{Group: "g", To: now, Destination: "bucket"}); !errors.Is(err, logs.ErrInvalid) {
		t.Errorf("no S3 directory: %v", err)
	}
}

func TestDestinationKind(t *testing.T) {
	for _, tc := range []struct {
		arn, kind string
	}{
		{"arn:aws:lambda:us-east-1:123456789012:function:f", "lambda"},
		{"arn:aws:lambda:us-east-1:123456789012:function:f:prod", "lambda"},
		{"arn:aws:kinesis:us-east-1:123456789012:stream/s", "kinesis"},
		{"arn:aws:firehose:us-east-1:123456789012:deliverystream/d", "firehose"},
		{"arn:aws:logs:us-east-1:123456789012:destination:d", "logs"},
		{"arn:aws:lambda:us-east-1:123456789012:function:", ""},
		{"arn:aws:sqs:us-east-1:123456789012:q", ""},
		{"arn:aws:kinesis:us-east-1::stream/s", ""},
		{"function:f", ""},
	} {
		kind, ok := DestinationKind(tc.arn)
		if kind != tc.kind || ok != (tc.kind != "") {
			t.Errorf("DestinationKind(%q) = %q %v; want %q", tc.arn, kind, ok, tc.kind)
		}
	}
}

func TestCheckTagsAndKmsKey(t *testing.T) {
	for _, tc := range []struct {
		tags map[string]string
		ok   bool
	}{
		{map[string]string{"team": "x", "awsome": "y"}, true},
		{map[string]string{"aws:x": "y"}, false},
		{map[string]string{"AWS:x": "y"}, false},
	} {
		if err := checkTags(tc.tags); (err == nil) != tc.ok {
			t.Errorf("checkTags(%v) = %v", tc.tags, err)
		}
	}
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"", true},
		{"arn:aws:kms:us-east-1:123456789012:key/abcd", true},
		{"arn:aws:kms:us-east-1:123456789012:alias/logs", true},
		{"abcd-1234", false},
		{"alias/logs", false},
		{"arn:aws:s3:::bucket", false},
	} {
		if err := checkKmsKey(tc.key); (err == nil) != tc.ok {
			t.Errorf("checkKmsKey(%q) = %v", tc.key, err)
		}
	}
}
