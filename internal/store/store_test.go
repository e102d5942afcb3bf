package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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

// fileSize is the size of the database and its WAL in dir.
func fileSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	for _, name := range []string{FileName, FileName + "-wal"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err == nil {
			n += fi.Size()
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	return n
}

// fill inserts about 1 MiB into table big of db.
func fill(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS big (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 256)
		INSERT INTO big SELECT randomblob(4096) FROM n`); err != nil {
		t.Fatal(err)
	}
}

func TestReclaim_GivesSpaceBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		old  bool // the database was made by an ecsrun without auto_vacuum
	}{{"new", false}, {"older state directory", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			if tc.old {
				db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName)+"?_pragma=journal_mode(WAL)")
				if err != nil {
					t.Fatal(err)
				}
				fill(t, db)
				if _, err := db.Exec(`DELETE FROM big`); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			db, err := Open(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var mode int
			if err := db.QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
				t.Fatalf("auto_vacuum = %d, %v; want 2 (incremental)", mode, err)
			}
			fill(t, db)
			if err := Reclaim(ctx, db); err != nil {
				t.Fatal(err)
			}
			full := fileSize(t, dir)
			if _, err := db.Exec(`DELETE FROM big`); err != nil {
				t.Fatal(err)
			}
			if err := Reclaim(ctx, db); err != nil {
				t.Fatal(err)
			}
			if got := fileSize(t, dir); got > full/8 {
				t.Fatalf("database and WAL after deleting everything and Reclaim = %d bytes; want at most %d (an eighth of the %d they took full)", got, full/8, full)
			}
		})
	}
}

// A database keeps auto_vacuum INCREMENTAL across opens, although only a
// new one is given the pragma when it is opened.
func TestOpen_ReopenedDatabaseStaysReclaimable(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for i := range 3 {
		db, err := Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS t (x INTEGER)`); err != nil {
			t.Fatal(err)
		}
		var mode int
		if err := db.QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
			t.Errorf("open %d: auto_vacuum = %d, %v; want 2 (INCREMENTAL)", i+1, mode, err)
		}
		db.Close()
	}
}
