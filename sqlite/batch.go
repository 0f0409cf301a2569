package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/laclasse/intake/convention"
)

// changeRows gathers the history and directory rows a decision writes for each school (into
// changes and provisioning), and writes them a chunk at a time, one statement per chunk over a
// JSON array: for a list of 40,000 schools, 80,000 statements fewer, and still a fixed number of
// variables. The rows keep their order, and so their ids.
type changeRows struct {
	changes [][]any // school_id, request_id, kind, at, before, after, detail
	tasks   [][]any // school_id, kind, before, at
}

// changeChunk is how many rows one statement writes.
const changeChunk = 2000

func (r *changeRows) change(schoolID, requestID int64, kind convention.ChangeKind, at string, before sql.NullString, after, detail string) {
	r.changes = append(r.changes, []any{schoolID, requestID, string(kind), at, nullable(before), after, detail})
}

func (r *changeRows) task(schoolID int64, kind convention.TaskKind, before sql.NullString, at string) {
	r.tasks = append(r.tasks, []any{schoolID, string(kind), nullable(before), at})
}

func nullable(s sql.NullString) any {
	if !s.Valid {
		return nil
	}
	return s.String
}

// flush writes the rows gathered.
func (r *changeRows) flush(ctx context.Context, tx queryer) error {
	for len(r.changes) > 0 {
		n := min(len(r.changes), changeChunk)
		if _, err := tx.ExecContext(ctx, `INSERT INTO changes (school_id, request_id, kind, at, before, after, detail)
			SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 FROM json_each(?) ORDER BY key`,
			encodeJSON(r.changes[:n])); err != nil {
			return fmt.Errorf("record changes: %w", err)
		}
		r.changes = r.changes[n:]
	}
	for len(r.tasks) > 0 {
		n := min(len(r.tasks), changeChunk)
		if _, err := tx.ExecContext(ctx, `INSERT INTO provisioning (school_id, kind, before, created_at, next_attempt_at)
			SELECT value->>0, value->>1, value->>2, value->>3, value->>3 FROM json_each(?) ORDER BY key`,
			encodeJSON(r.tasks[:n])); err != nil {
			return fmt.Errorf("queue directory work: %w", err)
		}
		r.tasks = r.tasks[n:]
	}
	return nil
}
