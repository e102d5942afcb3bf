package ecs

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

// corpusDir holds real task definitions with the verdict Amazon ECS gives
// each (manifest.tsv's ecs_verdict), beside the repository.
const corpusDir = "../../../shared/conformance/taskdefs"

// TestCorpusVerdicts registers every file of the real task definition corpus
// through NewTaskDefinition and compares the outcome with ECS's verdict: the
// registration rules must neither refuse what ECS accepts nor accept what it
// refuses. (test/corpus does the same through the API and runs the files;
// this is the fast check of the rules alone.)
func TestCorpusVerdicts(t *testing.T) {
	f, err := os.Open(filepath.Join(corpusDir, "manifest.tsv"))
	if os.IsNotExist(err) {
		if os.Getenv("CI") != "" {
			t.Fatalf("no corpus at %s (CI is set: the corpus must be there)", corpusDir)
		}
		t.Skip("no corpus at " + corpusDir + "; set CI to make this a failure")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = '\t', true, -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	checked := 0
	for _, row := range rows[1:] {
		id, verdict, note := row[col["id"]], row[col["ecs_verdict"]], row[col["note"]]
		if verdict != "accept" && verdict != "refuse" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(corpusDir, id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		in, err := DecodeTaskDefinitionFile(data)
		if err == nil {
			_, err = NewTaskDefinition(in)
		}
		switch {
		case verdict == "accept" && err != nil:
			t.Errorf("%s: ECS registers it, NewTaskDefinition refuses it: %v", id, err)
		case verdict == "refuse" && err == nil:
			t.Errorf("%s: ECS refuses it (%s), NewTaskDefinition registers it", id, note)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no file of the corpus has a verdict")
	}
}
