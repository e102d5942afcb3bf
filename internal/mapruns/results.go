package mapruns

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"
	"time"
)

// Statuses of a Map Run and of its child executions.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusAborted   = "ABORTED"
	StatusTimedOut  = "TIMED_OUT"
	StatusPending   = "PENDING"
)

// Arns are the names of a Map Run and of what it starts.
type Arns struct {
	// MapRun is arn:aws:states:R:A:mapRun:<machine>/<label>:<id>.
	MapRun string
	// StateMachine is the child executions' state machine,
	// arn:aws:states:R:A:stateMachine:<machine>/<label>.
	StateMachine string
	// executionPrefix + a child's name is its execution ARN.
	executionPrefix string
}

// NewArns names the Map Run id of the state labelled label (the Map
// state's Label, or its name) in the state machine stateMachineArn.
func NewArns(stateMachineArn, label, id string) Arns {
	base, name, ok := strings.Cut(stateMachineArn, ":stateMachine:")
	if !ok {
		base, name = "arn:aws:states:us-east-1:000000000000", stateMachineArn
	}
	// A version or alias qualifier is not part of the names.
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	return Arns{
		MapRun:          base + ":mapRun:" + name + "/" + label + ":" + id,
		StateMachine:    base + ":stateMachine:" + name + "/" + label,
		executionPrefix: base + ":execution:" + name + "/" + label + ":",
	}
}

// Execution is the ARN of the child execution named name.
func (a Arns) Execution(name string) string { return a.executionPrefix + name }

// RunID is the id part of a Map Run ARN (the folder ResultWriter writes
// into).
func RunID(mapRunArn string) string {
	return mapRunArn[strings.LastIndexByte(mapRunArn, ':')+1:]
}

// ParentStateMachine is the state machine ARN of a Map Run ARN's parent
// ("" when arn is not a Map Run ARN).
func ParentStateMachine(mapRunArn string) string {
	base, rest, ok := strings.Cut(mapRunArn, ":mapRun:")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return base + ":stateMachine:" + name
}

// Child is how one child execution of a Map Run went, as ResultWriter
// writes it.
type Child struct {
	ExecutionArn    string
	Name            string
	StateMachineArn string
	Status          string // SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING
	Input           string // JSON text
	Output          string // JSON text, when SUCCEEDED
	Error, Cause    string
	Start, Stop     time.Time
}

// childRecord is a Child in a result file, with AWS's field names.
type childRecord struct {
	Cause               *string         `json:"Cause,omitempty"`
	Error               *string         `json:"Error,omitempty"`
	ExecutionArn        string          `json:"ExecutionArn,omitempty"`
	Input               string          `json:"Input"`
	InputDetails        map[string]bool `json:"InputDetails"`
	Name                string          `json:"Name,omitempty"`
	Output              *string         `json:"Output,omitempty"`
	OutputDetails       map[string]bool `json:"OutputDetails,omitempty"`
	RedriveCount        int             `json:"RedriveCount"`
	RedriveStatus       string          `json:"RedriveStatus"`
	RedriveStatusReason string          `json:"RedriveStatusReason"`
	StartDate           string          `json:"StartDate,omitempty"`
	StateMachineArn     string          `json:"StateMachineArn"`
	Status              string          `json:"Status"`
	StopDate            string          `json:"StopDate,omitempty"`
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func record(c Child) childRecord {
	r := childRecord{
		ExecutionArn: c.ExecutionArn, Input: c.Input, InputDetails: map[string]bool{"Included": true},
		Name: c.Name, StateMachineArn: c.StateMachineArn, Status: c.Status,
		StartDate: date(c.Start), StopDate: date(c.Stop),
		RedriveStatus: "NOT_REDRIVABLE", RedriveStatusReason: "Execution is " + c.Status + " and cannot be redriven",
	}
	switch c.Status {
	case StatusSucceeded:
		out := c.Output
		r.Output, r.OutputDetails = &out, map[string]bool{"Included": true}
	case StatusPending:
		r.RedriveStatusReason = "Execution was not started"
	default:
		e, cause := c.Error, c.Cause
		r.Error, r.Cause = &e, &cause
	}
	return r
}

// File is one object ResultWriter writes.
type File struct {
	Key  string
	Body []byte
}

// ResultFileEntry is a file listed in the manifest.
type ResultFileEntry struct {
	Key  string `json:"Key"`
	Size int    `json:"Size"`
}

// ManifestFile is ResultWriter's manifest.json.
type ManifestFile struct {
	DestinationBucket string                       `json:"DestinationBucket"`
	MapRunArn         string                       `json:"MapRunArn"`
	ResultFiles       map[string][]ResultFileEntry `json:"ResultFiles"`
}

// WriteResults lays out the results of a Map Run as ResultWriter does
// under prefix in bucket: <prefix>/<map run id>/SUCCEEDED_0.json,
// FAILED_0.json (failed, timed out and aborted children) and
// PENDING_0.json (those never started), each written only when it has
// children, then manifest.json listing them. It returns the files, the
// manifest last.
func WriteResults(bucket, prefix, mapRunArn string, children []Child) []File {
	dir := path.Join(prefix, RunID(mapRunArn))
	groups := map[string][]childRecord{}
	for _, c := range children {
		g := StatusFailed
		switch c.Status {
		case StatusSucceeded, StatusPending:
			g = c.Status
		}
		groups[g] = append(groups[g], record(c))
	}
	m := ManifestFile{DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: map[string][]ResultFileEntry{
		StatusFailed: {}, StatusPending: {}, StatusSucceeded: {},
	}}
	var files []File
	for _, g := range []string{StatusSucceeded, StatusFailed, StatusPending} {
		if len(groups[g]) == 0 {
			continue
		}
		body := encode(groups[g])
		key := path.Join(dir, g+"_0.json")
		files = append(files, File{Key: key, Body: body})
		m.ResultFiles[g] = append(m.ResultFiles[g], ResultFileEntry{Key: key, Size: len(body)})
	}
	files = append(files, File{Key: ManifestKey(prefix, mapRunArn), Body: encode(m)})
	return files
}

// ManifestKey is the key of the manifest of a Map Run's results.
func ManifestKey(prefix, mapRunArn string) string {
	return path.Join(prefix, RunID(mapRunArn), "manifest.json")
}

func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // plain structs and strings: cannot fail
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
