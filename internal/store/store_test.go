package store

import (
	"context"
	"testing"
)

func TestMigrate_AppliesOnlyNewSteps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	steps := []string{`CREATE TABLE a (x INTEGER)`}
	if err := Migrate(ctx, db, "test", steps); err != nil {
		t.Fatal(err)
	}
	steps = append(steps, `INSERT INTO a VALUES (1)`)
	if err := Migrate(ctx, db, "test", steps); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db, "test", steps); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM a`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("rows = %d; want 1 (each step applied once)", n)
	}
	if err := Migrate(ctx, db, "test", steps[:1]); err == nil {
		t.Fatal("Migrate with fewer steps than applied succeeded; want an error")
	}
}
