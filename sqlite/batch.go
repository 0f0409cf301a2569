package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"strings"

	"github.com/laclasse/intake/convention"
)

// changeRows gathers the history and directory rows a decision writes for each school (into
// changes and provisioning), and writes them a chunk at a time, one multi-row INSERT per chunk:
// for a list of 40,000 schools, 80,000 statements fewer, and still a bounded number of
// variables. A chunk is a power of two rows, so that a few statements, prepared once each, write
// lists of every length. The rows keep their order, and so their ids.
type changeRows struct {
	changes []any // school_id, request_id, kind, at, before, after, detail; a row after another
	tasks   []any // school_id, kind, before, at, at
}

// changeColumns and taskColumns are the values of one row of each.
const (
	changeColumns = 7
	taskColumns   = 5
)

// maxChunkShift bounds a chunk to 1<<maxChunkShift rows (7 × 256 variables at most).
const maxChunkShift = 8

// insertChanges and insertTasks are the INSERTs of 1<<i rows each.
var insertChanges, insertTasks = chunkInserts(`INSERT INTO changes (school_id, request_id, kind, at, before, after, detail) VALUES `, changeColumns),
	chunkInserts(`INSERT INTO provisioning (school_id, kind, before, created_at, next_attempt_at) VALUES `, taskColumns)

func chunkInserts(head string, columns int) []string {
	row := "(?" + strings.Repeat(", ?", columns-1) + ")"
	out := make([]string, maxChunkShift+1)
	for i := range out {
		out[i] = head + row + strings.Repeat(", "+row, 1<<i-1)
	}
	return out
}

func (r *changeRows) change(schoolID, requestID int64, kind convention.ChangeKind, at string, before sql.NullString, after, detail string) {
	r.changes = append(r.changes, schoolID, requestID, string(kind), at, nullable(before), after, detail)
}

func (r *changeRows) task(schoolID int64, kind convention.TaskKind, before sql.NullString, at string) {
	r.tasks = append(r.tasks, schoolID, string(kind), nullable(before), at, at)
}

func nullable(s sql.NullString) any {
	if !s.Valid {
		return nil
	}
	return s.String
}

// flush writes the rows gathered.
func (r *changeRows) flush(ctx context.Context, tx queryer) error {
	if err := insertChunks(ctx, tx, insertChanges, changeColumns, r.changes); err != nil {
		return fmt.Errorf("record changes: %w", err)
	}
	r.changes = r.changes[:0]
	if err := insertChunks(ctx, tx, insertTasks, taskColumns, r.tasks); err != nil {
		return fmt.Errorf("queue directory work: %w", err)
	}
	r.tasks = r.tasks[:0]
	return nil
}

// insertChunks writes values, rows of columns each, with the largest chunks of inserts first.
func insertChunks(ctx context.Context, tx queryer, inserts []string, columns int, values []any) error {
	for len(values) > 0 {
		shift := min(bits.Len(uint(len(values)/columns))-1, maxChunkShift)
		n := (1 << shift) * columns
		if _, err := tx.ExecContext(ctx, inserts[shift], values[:n]...); err != nil {
			return err
		}
		values = values[n:]
	}
	return nil
}
