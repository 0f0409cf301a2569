package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// ErrNotRevertible is returned by Revert for a request that changed nothing that can be undone:
// not applied (or holding removals), already reverted, or of no commune.
var ErrNotRevertible = errors.New("request cannot be reverted")

// Undone is one change a revert undid.
type Undone struct {
	UAI  string
	Name string
	// Kind is the change undone (add, readd, change_admin, rename, schedule_remove, hold_remove).
	Kind convention.ChangeKind
	// Executed says a removal had already taken effect: the school is back, its access to open.
	Executed bool
	// Restored is the name the school has again, for a rename undone.
	Restored string
}

// RevertView is what a revert undid, for the mail that tells the commune.
type RevertView struct {
	RequestID  int64
	Commune    string
	Sender     string
	Subject    string
	ReceivedAt time.Time
	Undone     []Undone
	// Reheld are the removals an earlier list held, that this request had settled, and that
	// wait for staff again.
	Reheld []HeldRemoval
}

// RevertInput is a staff member's decision to undo what a request changed.
type RevertInput struct {
	RequestID int64
	By        string
	At        time.Time
}

// Revert undoes, in one transaction, what request in.RequestID changed that is still in effect:
// its additions are removed; its changes of administrator restored (one the directory never
// carried out leaves the school as it was before, its access and due date; one it carried out
// gives the previous administrator the rights back); its renames undone (the name before the
// request, replayed from the history); the same administrator's previous details restored; its
// scheduled removals cancelled and its executed ones undone (the school is back, its access to
// open again); its held removals dropped; and the removals an earlier list held that it had
// settled are held again (RevertView.Reheld). Each undoing is a change in the school's history
// naming the staff action, made through convention.School.Apply; the request becomes
// "reverted"; tell composes the mail to the commune, queued in the same transaction. A change
// since overridden (an administrator changed again, a school added again) is left as it is.
func (db *DB) Revert(ctx context.Context, in RevertInput, tell func(RevertView) ([]convention.OutgoingMail, error)) (*RevertView, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	v := RevertView{RequestID: in.RequestID}
	var state, received string
	var communeID sql.NullInt64
	var commune, sender, subject sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT r.state, r.received_at, r.commune_id, c.name, r.sender, r.subject FROM requests r LEFT JOIN communes c ON c.id = r.commune_id WHERE r.id = ?`,
		in.RequestID).Scan(&state, &received, &communeID, &commune, &sender, &subject)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("request %d: %w", in.RequestID, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("revert request %d: %w", in.RequestID, err)
	}
	if (state != string(convention.StateApplied) && state != string(convention.StateHeld)) || !communeID.Valid {
		return nil, fmt.Errorf("%w: request %d is %s", ErrNotRevertible, in.RequestID, state)
	}
	v.Commune, v.Sender, v.Subject, v.ReceivedAt = commune.String, sender.String, subject.String, parseTime(received)
	actionID, err := recordStaffAction(ctx, tx, StaffAction{Kind: StaffRevert, By: in.By, At: in.At, RequestID: in.RequestID, CommuneID: communeID.Int64,
		Detail: templates.StaffReverted(in.RequestID)})
	if err != nil {
		return nil, err
	}
	type made struct {
		id, schoolID      int64
		kind              convention.ChangeKind
		before, after     sql.NullString
		uai, name, status string
		admin             string
		removeAt          sql.NullString
	}
	rows, err := tx.QueryContext(ctx, `SELECT ch.id, ch.school_id, ch.kind, ch.before, ch.after, s.uai, s.name, s.status, s.admin, s.remove_at
		FROM changes ch JOIN schools s ON s.id = ch.school_id WHERE ch.request_id = ? ORDER BY ch.id DESC`, in.RequestID)
	if err != nil {
		return nil, fmt.Errorf("revert request %d: %w", in.RequestID, err)
	}
	var list []made
	for rows.Next() {
		var m made
		if err := rows.Scan(&m.id, &m.schoolID, &m.kind, &m.before, &m.after, &m.uai, &m.name, &m.status, &m.admin, &m.removeAt); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	at := fmtTime(in.At)
	due := convention.DueAt(in.At)
	record := func(schoolID int64, ch convention.Change, before, after sql.NullString) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO changes (school_id, job, kind, at, before, after, detail, staff_action_id) VALUES (?, 'revert', ?, ?, ?, ?, ?, ?)`,
			schoolID, ch.Kind, at, before, after, encodeJSON(ch), actionID)
		return err
	}
	// apply moves the school as ch does (convention.School.Apply) and records it.
	apply := func(schoolID int64, ch convention.Change, before, after sql.NullString) error {
		if _, _, err := applyTo(ctx, tx, schoolID, ch, in.At); err != nil {
			return err
		}
		return record(schoolID, ch, before, after)
	}
	// settle marks done the directory work of kinds still waiting for the school, as undone.
	settle := func(schoolID int64, kinds string) (int64, error) {
		res, err := tx.ExecContext(ctx, `UPDATE provisioning SET state = 'done', done_at = ?, last_error = 'reverted' WHERE school_id = ? AND state <> 'done' AND kind IN (`+kinds+`)`, at, schoolID)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	for _, m := range list {
		// A later change of another request or job overrides this one, but for an activation
		// (and, but for a rename, a rename).
		overriding := `'activate', 'remove', 'rename'`
		if m.kind == convention.ChangeRename {
			overriding = `'activate', 'remove', 'change_admin', 'admin_details', 'schedule_remove', 'cancel_removal', 'hold_remove', 'drop_remove'`
		}
		var later int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM changes WHERE school_id = ? AND id > ? AND kind NOT IN (`+overriding+`)
			AND (staff_action_id IS NULL OR staff_action_id <> ?)`, m.schoolID, m.id, actionID).Scan(&later); err != nil {
			return nil, err
		}
		if later > 0 {
			continue
		}
		undone := Undone{UAI: m.uai, Name: m.name, Kind: m.kind}
		current := sql.NullString{String: m.admin, Valid: true}
		switch m.kind {
		case convention.ChangeAdd, convention.ChangeReadd:
			if m.status == string(convention.StatusRemoved) {
				continue
			}
			if err := apply(m.schoolID, convention.Change{Kind: convention.ChangeRemove, UAI: m.uai, Name: m.name, At: in.At}, sql.NullString{}, current); err != nil {
				return nil, err
			}
			if _, err := settle(m.schoolID, `'activate', 'change_admin', 'update_admin'`); err != nil {
				return nil, err
			}
			if m.status == string(convention.StatusActive) {
				if err := queueTask(ctx, tx, m.schoolID, taskOf(convention.ChangeRemove), sql.NullString{}, at); err != nil {
					return nil, err
				}
			}
		case convention.ChangeAdmin:
			if !m.before.Valid || m.admin != m.after.String {
				continue // changed again since
			}
			var before convention.Contact
			if c := decodeContactPtr(m.before); c != nil {
				before = *c
			}
			prev, err := schoolBefore(ctx, tx, m.schoolID, m.id)
			if err != nil {
				return nil, err
			}
			ch := convention.Change{Kind: convention.ChangeAdmin, UAI: m.uai, Name: m.name, Admin: before, At: in.At, DueAt: due}
			if n, err := settle(m.schoolID, `'change_admin'`); err != nil {
				return nil, err
			} else if n > 0 {
				// The directory never moved the rights: the previous administrator keeps them,
				// and the school is as it was, its due date and its access as before.
				ch.DueAt = prev.DueAt
				if err := apply(m.schoolID, ch, current, m.before); err != nil {
					return nil, err
				}
				if prev.Status == convention.StatusActive {
					if err := apply(m.schoolID, convention.Change{Kind: convention.ChangeActivate, UAI: m.uai, Name: m.name, At: in.At}, sql.NullString{}, sql.NullString{}); err != nil {
						return nil, err
					}
				}
				break
			}
			// The rights moved (by the directory or by hand): they go back to the previous
			// administrator.
			if err := apply(m.schoolID, ch, current, m.before); err != nil {
				return nil, err
			}
			if err := queueTask(ctx, tx, m.schoolID, taskOf(convention.ChangeAdmin), current, at); err != nil {
				return nil, err
			}
		case convention.ChangeAdminDetails:
			// The same administrator's details as they were; nothing the commune hears of.
			if !m.before.Valid || m.admin != m.after.String {
				continue
			}
			var before convention.Contact
			if c := decodeContactPtr(m.before); c != nil {
				before = *c
			}
			if err := apply(m.schoolID, convention.Change{Kind: convention.ChangeAdminDetails, UAI: m.uai, Name: m.name, Admin: before, At: in.At}, current, m.before); err != nil {
				return nil, err
			}
			// The directory gets the details back, unless it never had the new ones.
			if n, err := settle(m.schoolID, `'update_admin'`); err != nil {
				return nil, err
			} else if n == 0 {
				if err := queueTask(ctx, tx, m.schoolID, taskOf(convention.ChangeAdminDetails), sql.NullString{}, at); err != nil {
					return nil, err
				}
			}
			continue
		case convention.ChangeRename:
			prev, err := schoolBefore(ctx, tx, m.schoolID, m.id)
			if err != nil {
				return nil, err
			}
			if prev.Name == "" || prev.Name == m.name {
				continue
			}
			if err := apply(m.schoolID, convention.Change{Kind: convention.ChangeRename, UAI: m.uai, Name: prev.Name, Admin: before(m.admin), At: in.At}, sql.NullString{}, current); err != nil {
				return nil, err
			}
			undone.Restored = prev.Name
		case convention.ChangeScheduleRemov:
			switch {
			case m.status == string(convention.StatusRemoved):
				undone.Executed = true
				if err := apply(m.schoolID, convention.Change{Kind: convention.ChangeReadd, UAI: m.uai, Name: m.name, Admin: before(m.admin), At: in.At, DueAt: due}, sql.NullString{}, current); err != nil {
					return nil, err
				}
				if err := queueTask(ctx, tx, m.schoolID, taskOf(convention.ChangeReadd), sql.NullString{}, at); err != nil {
					return nil, err
				}
			case m.removeAt.Valid:
				if err := apply(m.schoolID, convention.Change{Kind: convention.ChangeCancelRemoval, UAI: m.uai, Name: m.name, At: in.At}, sql.NullString{}, sql.NullString{}); err != nil {
					return nil, err
				}
			default:
				continue
			}
		default:
			continue // a cancelled removal: nothing to undo
		}
		v.Undone = append(v.Undone, undone)
	}
	// Held removals: dropped, the schools stay.
	held, err := tx.QueryContext(ctx, `SELECT h.school_id, s.uai, s.name FROM held_removals h JOIN schools s ON s.id = h.school_id WHERE h.request_id = ? AND h.state = 'held' ORDER BY s.uai`, in.RequestID)
	if err != nil {
		return nil, fmt.Errorf("revert request %d: %w", in.RequestID, err)
	}
	type heldSchool struct {
		id        int64
		uai, name string
	}
	var holds []heldSchool
	for held.Next() {
		var h heldSchool
		if err := held.Scan(&h.id, &h.uai, &h.name); err != nil {
			held.Close()
			return nil, err
		}
		holds = append(holds, h)
	}
	held.Close()
	for _, h := range holds {
		if _, err := tx.ExecContext(ctx, `UPDATE held_removals SET state = 'dropped', decided_at = ?, decided_by = ? WHERE request_id = ? AND school_id = ?`, at, in.By, in.RequestID, h.id); err != nil {
			return nil, err
		}
		if err := record(h.id, convention.Change{Kind: convention.ChangeDropRemoval, UAI: h.uai, Name: h.name, At: in.At}, sql.NullString{}, sql.NullString{}); err != nil {
			return nil, err
		}
		v.Undone = append(v.Undone, Undone{UAI: h.uai, Name: h.name, Kind: convention.ChangeHoldRemoval})
	}
	// What an earlier list held and this one settled waits for staff again.
	reheld, err := unsettleHeld(ctx, tx, in.RequestID)
	if err != nil {
		return nil, err
	}
	v.Reheld = reheld
	for _, h := range reheld {
		if _, err := tx.ExecContext(ctx, `INSERT INTO changes (school_id, request_id, job, kind, at, detail, staff_action_id) SELECT id, ?, 'revert', ?, ?, ?, ? FROM schools WHERE uai = ?`,
			h.RequestID, convention.ChangeHoldRemoval, at, encodeJSON(convention.Change{Kind: convention.ChangeHoldRemoval, UAI: h.UAI, Name: h.Name, At: in.At}), actionID, h.UAI); err != nil {
			return nil, fmt.Errorf("revert request %d: hold %s again: %w", in.RequestID, h.UAI, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET state = 'reverted', reason = ? WHERE id = ?`, templates.ReasonReverted(in.By, in.At), in.RequestID); err != nil {
		return nil, fmt.Errorf("revert request %d: %w", in.RequestID, err)
	}
	mails, err := tell(v)
	if err != nil {
		return nil, err
	}
	if _, err := queueReplies(ctx, tx, DecideInput{RequestID: in.RequestID}, mails, in.At); err != nil {
		return nil, fmt.Errorf("revert request %d: %w", in.RequestID, err)
	}
	return &v, tx.Commit()
}

// before decodes a school's administrator column (the zero Contact when it cannot be read).
func before(admin string) convention.Contact {
	if c := decodeContactPtr(sql.NullString{String: admin, Valid: true}); c != nil {
		return *c
	}
	return convention.Contact{}
}

// schoolBefore returns school id as it stood before change changeID, replayed from its history
// (convention.School.Apply), in the order the changes were made.
func schoolBefore(ctx context.Context, q queryer, id, changeID int64) (convention.School, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, at, detail FROM changes WHERE school_id = ? AND id < ? ORDER BY id`, id, changeID)
	if err != nil {
		return convention.School{}, fmt.Errorf("replay school %d: %w", id, err)
	}
	defer rows.Close()
	var s convention.School
	for rows.Next() {
		var kind, when string
		var detail sql.NullString
		if err := rows.Scan(&kind, &when, &detail); err != nil {
			return convention.School{}, err
		}
		var ch convention.Change
		if detail.Valid {
			_ = json.Unmarshal([]byte(detail.String), &ch)
		}
		ch.Kind = convention.ChangeKind(kind)
		s = s.Apply(ch, parseTime(when))
	}
	return s, rows.Err()
}
