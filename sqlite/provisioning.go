package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/laclasse/intake/convention"
)

// ErrNoneDue is returned by NextTask when no directory work is due.
var ErrNoneDue = errors.New("nothing due")

// nextTaskQuery follows the partial index provisioning_due (due time, then id), so that the
// tasks done over the years are not read again each time.
const nextTaskQuery = `SELECT p.id, p.kind, s.uai, p.before, p.attempts FROM provisioning p JOIN schools s ON s.id = p.school_id
		WHERE p.state = 'waiting' AND p.next_attempt_at <= ? ORDER BY p.next_attempt_at, p.id LIMIT 1`

// NextTask returns the oldest task for laclasse.com's directory that is due at now.
func (db *DB) NextTask(ctx context.Context, now time.Time) (*convention.Task, error) {
	var t convention.Task
	var uai string
	var before sql.NullString
	err := db.db.QueryRowContext(ctx, nextTaskQuery, fmtTime(now)).Scan(&t.ID, &t.Kind, &uai, &before, &t.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoneDue
	} else if err != nil {
		return nil, fmt.Errorf("read provisioning queue: %w", err)
	}
	reg, err := registry(ctx, db.db)
	if err != nil {
		return nil, err
	}
	t.School = reg[uai]
	if before.Valid {
		var c convention.Contact
		if json.Unmarshal([]byte(before.String), &c) == nil {
			t.Before = &c
		}
	}
	return &t, nil
}

// TaskDone records that the directory confirmed a task. An activation or a change of
// administrator (convention.TaskKind.OpensAccess) makes the school active: "a school never shows active unless the API confirmed
// it" (or someone activated it by hand).
func (db *DB) TaskDone(ctx context.Context, id int64, at time.Time) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var schoolID int64
	var kind string
	if err := tx.QueryRowContext(ctx, `SELECT school_id, kind FROM provisioning WHERE id = ?`, id).Scan(&schoolID, &kind); err != nil {
		return fmt.Errorf("task %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE provisioning SET state = 'done', done_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`, fmtTime(at), id); err != nil {
		return err
	}
	if convention.TaskKind(kind).OpensAccess() {
		// Only a school still waiting for this access becomes active; a later change may have
		// queued more work, which will confirm itself.
		var later int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM provisioning WHERE school_id = ? AND state = 'waiting' AND kind IN ('activate', 'change_admin') AND id > ?`, schoolID, id).Scan(&later); err != nil {
			return err
		}
		s, err := schoolByID(ctx, tx, schoolID)
		if err != nil {
			return err
		}
		if later == 0 && s.Status == convention.StatusPending {
			if err := writeSchool(ctx, tx, schoolID, s.Apply(convention.Change{Kind: convention.ChangeActivate, UAI: s.UAI, At: at}, at)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO changes (school_id, job, kind, at) VALUES (?, 'laclasse', ?, ?)`, schoolID, convention.ChangeActivate, fmtTime(at)); err != nil {
				return err
			}
			if err := db.announceAccess(ctx, tx, schoolID, at); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// TaskFailed records a failed attempt: a permanent one (the API refused the data) waits for a
// person; another is tried again at retryAt.
func (db *DB) TaskFailed(ctx context.Context, id int64, cause error, permanent bool, retryAt time.Time) error {
	state := "waiting"
	if permanent {
		state = "failed"
	}
	_, err := db.exec(ctx, `UPDATE provisioning SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`,
		state, cause.Error(), fmtTime(retryAt), id)
	return err
}

// FailedTask is a task the directory refused, for the Métropole's digest.
type FailedTask struct {
	Commune, UAI, Name string
	Kind               convention.TaskKind
	Error              string
	At                 time.Time
}

// FailedTasks returns the tasks refused by the directory and not superseded.
func (db *DB) FailedTasks(ctx context.Context) ([]FailedTask, error) { return failedTasks(ctx, db.db) }

// FailedTasks returns the tasks refused by the directory.
func (t *Tx) FailedTasks() ([]FailedTask, error) { return failedTasks(t.ctx, t.tx) }

// failedTasksQuery reads the refused tasks on provisioning_failed, in their order, never the
// directory work done over the years.
const failedTasksQuery = `SELECT c.name, s.uai, s.name, p.kind, coalesce(p.last_error, ''), p.next_attempt_at FROM provisioning p
		JOIN schools s ON s.id = p.school_id JOIN communes c ON c.id = s.commune_id WHERE p.state = 'failed'
		AND NOT EXISTS (SELECT 1 FROM provisioning p2 WHERE p2.school_id = p.school_id AND p2.id > p.id AND p2.state = 'done') ORDER BY p.id`

func failedTasks(ctx context.Context, q queryer) ([]FailedTask, error) {
	rows, err := q.QueryContext(ctx, failedTasksQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FailedTask
	for rows.Next() {
		var f FailedTask
		var at string
		if err := rows.Scan(&f.Commune, &f.UAI, &f.Name, &f.Kind, &f.Error, &at); err != nil {
			return nil, err
		}
		f.At = parseTime(at)
		out = append(out, f)
	}
	return out, rows.Err()
}
