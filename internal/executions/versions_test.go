package executions

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/store"
)

func TestVersionQuota(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	sm := e.create("many", passDef)
	// The quota's worth of versions, stored directly: publishing each
	// through the API takes an update too.
	err := e.m.db.inTx(c, func(tx *sql.Tx) error {
		for i := 1; i <= MaxVersions; i++ {
			n, err := nextVersionNumber(c, tx, sm.Arn)
			if err != nil {
				return err
			}
			v := &Version{StateMachineArn: sm.Arn, Number: n, Definition: passDef, RoleArn: role, RevisionID: fmt.Sprint("revision-", i), Created: time.Now()}
			if err := insertVersion(c, tx, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.m.PublishStateMachineVersion(c, sm.Arn, "", "")
	if !errors.Is(err, ErrServiceQuota) || err.Error() != "State machine "+sm.Arn+" has 1000 versions, the most Step Functions allows: delete versions no alias uses (DeleteStateMachineVersion) before publishing another" {
		t.Errorf("publishing version 1001 = %v; want ServiceQuotaExceededException", err)
	}
	if err := e.m.DeleteStateMachineVersion(c, sm.Arn+":1"); err != nil {
		t.Fatal(err)
	}
	v, err := e.m.PublishStateMachineVersion(c, sm.Arn, "", "")
	if err != nil || v.Arn != sm.Arn+":1001" {
		t.Errorf("publishing after a deletion = %+v, %v; want version 1001", v, err)
	}
}

func TestVersionsSurviveReopen(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	sm := e.create("kept", passDef)
	v, err := e.m.PublishStateMachineVersion(c, sm.Arn, InitialRevision, "one")
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.m.CreateStateMachineAlias(c, "live", "", []Route{{v.Arn, 100}})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.m.StartExecution(c, a.Arn, StartOptions{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Wait(c, ex.Arn); err != nil {
		t.Fatal(err)
	}
	e.m.Close()
	e.open()
	got, err := e.m.DescribeExecution(c, ex.Arn)
	if err != nil || got.VersionArn != v.Arn || got.AliasArn != a.Arn || got.StateMachineArn != sm.Arn {
		t.Errorf("DescribeExecution after a restart = %+v, %v", got, err)
	}
	if got, err := e.m.DescribeStateMachineAlias(c, a.Arn); err != nil || len(got.Routes) != 1 || got.Routes[0] != (Route{v.Arn, 100}) {
		t.Errorf("DescribeStateMachineAlias after a restart = %+v, %v", got, err)
	}
	if got, err := e.m.DescribeStateMachineVersion(c, v.Arn); err != nil || got.Description != "one" || got.Definition != passDef || got.Type != TypeStandard {
		t.Errorf("DescribeStateMachineVersion after a restart = %+v, %v", got, err)
	}
}

func TestVersionsMigration_firstRevisionHasNoID(t *testing.T) {
	dir := t.TempDir()
	c := ctxT(t)
	d, err := store.Open(c, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A database of an ecsrun without versions: every state machine has a
	// revision id, shown only once it was updated.
	if err := store.Migrate(c, d, Component, migrations); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name             string
		created, updated int64
	}{{"fresh", 1000, 1000}, {"updated", 1000, 2000}} {
		if _, err := d.ExecContext(c, `INSERT INTO sfn_state_machines(`+smColumns+`) VALUES(?, ?, ?, ?, 'STANDARD', ?, ?, 'rev-'||?)`,
			"arn:aws:states:us-east-1:000000000000:stateMachine:"+s.name, s.name, passDef, role, s.created, s.updated, s.name); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Open(c, Options{DB: d, Account: "000000000000"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for name, want := range map[string]string{"fresh": "", "updated": "rev-updated"} {
		sm, err := m.DescribeStateMachine(c, "arn:aws:states:us-east-1:000000000000:stateMachine:"+name)
		if err != nil || sm.RevisionID != want {
			t.Errorf("%s: revision %q, %v; want %q", name, sm.RevisionID, err, want)
		}
	}
}
