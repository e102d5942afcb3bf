package logsres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// The resources kept as JSON documents in logsres_docs, by kind.

// getDoc reads the document kind/name into v; false when there is none.
func getDoc(ctx context.Context, q logs.Queryer, kind, name string, v any) (bool, error) {
	var body string
	err := q.QueryRowContext(ctx, `SELECT body FROM logsres_docs WHERE kind = ? AND name = ?`, kind, name).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("logsres: read %s %q: %w", kind, name, err)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		return false, fmt.Errorf("logsres: read %s %q: %w", kind, name, err)
	}
	return true, nil
}

func putDoc(ctx context.Context, tx *sql.Tx, kind, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("logsres: store %s %q: %w", kind, name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO logsres_docs (kind, name, body) VALUES (?, ?, ?) ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body`, kind, name, string(b)); err != nil {
		return fmt.Errorf("logsres: store %s %q: %w", kind, name, err)
	}
	return nil
}

// delDoc deletes a document; false when there was none.
func delDoc(ctx context.Context, tx *sql.Tx, kind, name string) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM logsres_docs WHERE kind = ? AND name = ?`, kind, name)
	if err != nil {
		return false, fmt.Errorf("logsres: delete %s %q: %w", kind, name, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// listDocs returns the documents of a kind in name order after the
// token's position, decoding each with decode; a page at a time.
func listDocs(ctx context.Context, q rowsQueryer, kind, nextToken string, limit int, decode func(name string, body []byte) error) (string, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return "", err
	}
	after, err := decodeToken(kind, nextToken)
	if err != nil {
		return "", err
	}
	rows, err := q.QueryContext(ctx, `SELECT name, body FROM logsres_docs WHERE kind = ? AND name > ? ORDER BY name LIMIT ?`, kind, after, limit+1)
	if err != nil {
		return "", fmt.Errorf("logsres: list %s: %w", kind, err)
	}
	defer rows.Close()
	n, last := 0, ""
	for rows.Next() {
		var name, body string
		if err := rows.Scan(&name, &body); err != nil {
			return "", fmt.Errorf("logsres: list %s: %w", kind, err)
		}
		if n == limit {
			return encodeToken(kind, last), nil
		}
		if err := decode(name, []byte(body)); err != nil {
			return "", fmt.Errorf("logsres: list %s: %w", kind, err)
		}
		n, last = n+1, name
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("logsres: list %s: %w", kind, err)
	}
	return "", nil
}
