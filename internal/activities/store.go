package activities

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Component is the store component name of this package's tables.
const Component = "activities"

// migrations are the schema steps; append only.
var migrations = []string{
	`CREATE TABLE sfn_activities (
		arn         TEXT PRIMARY KEY,
		name        TEXT NOT NULL UNIQUE,
		created_ms  INTEGER NOT NULL,
		tags        TEXT NOT NULL,
		encryption  TEXT NOT NULL
	);`,
}

// Activity is a stored activity.
type Activity struct {
	Arn     string
	Name    string
	Created time.Time
	// Tags are the tags given at creation, as JSON ([{"key","value"}]).
	Tags string
	// Encryption is the encryption configuration given at creation, as
	// JSON ("" for the default, an AWS-owned key).
	Encryption string
}

type db struct{ *sql.DB }

const columns = `arn, name, created_ms, tags, encryption`

func scan(row interface{ Scan(...any) error }) (*Activity, error) {
	var a Activity
	var created int64
	if err := row.Scan(&a.Arn, &a.Name, &created, &a.Tags, &a.Encryption); err != nil {
		return nil, err
	}
	a.Created = time.UnixMilli(created).UTC()
	return &a, nil
}

func (d db) activity(ctx context.Context, arn string) (*Activity, error) {
	a, err := scan(d.QueryRowContext(ctx, `SELECT `+columns+` FROM sfn_activities WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errorf(ErrActivityDoesNotExist, "Activity Does Not Exist: '%s'", arn)
	}
	if err != nil {
		return nil, fmt.Errorf("activities: read activity: %w", err)
	}
	return a, nil
}

func (d db) insert(ctx context.Context, a *Activity) error {
	_, err := d.ExecContext(ctx, `INSERT INTO sfn_activities(`+columns+`) VALUES(?, ?, ?, ?, ?)`,
		a.Arn, a.Name, a.Created.UnixMilli(), a.Tags, a.Encryption)
	if err != nil {
		return fmt.Errorf("activities: store activity: %w", err)
	}
	return nil
}

func (d db) delete(ctx context.Context, arn string) error {
	if _, err := d.ExecContext(ctx, `DELETE FROM sfn_activities WHERE arn = ?`, arn); err != nil {
		return fmt.Errorf("activities: delete activity: %w", err)
	}
	return nil
}

func (d db) count(ctx context.Context) (int, error) {
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sfn_activities`).Scan(&n); err != nil {
		return 0, fmt.Errorf("activities: count activities: %w", err)
	}
	return n, nil
}

func (d db) list(ctx context.Context, offset, limit int) ([]*Activity, error) {
	rows, err := d.QueryContext(ctx, `SELECT `+columns+` FROM sfn_activities ORDER BY created_ms, rowid LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("activities: list activities: %w", err)
	}
	defer rows.Close()
	var out []*Activity
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("activities: list activities: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
