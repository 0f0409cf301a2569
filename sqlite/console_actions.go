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

// Staff actions the console added to the CLI's: a forwarded message marked handled, a reply
// sent again, a notice of termination recorded by a named staff member. Each is a staff action
// (staff_actions), written in the transaction of its effects.

// More kinds of staff action.
const (
	StaffResend    = "resend"    // a mail of ours queued again
	StaffTerminate = "terminate" // a commune's notice of termination recorded
)

// ErrNotForwarded is returned by MarkHandled for a request that is not a forwarded message.
var ErrNotForwarded = errors.New("request is not a forwarded message")

// ErrAlreadyHandled is returned by MarkHandled for a forwarded message already marked handled.
var ErrAlreadyHandled = errors.New("forwarded message already marked handled")

// ErrNotResendable is returned by Resend for a mail that cannot be sent again: none with that
// number, one not sent to a commune for a request, or one whose body was purged.
var ErrNotResendable = errors.New("mail cannot be sent again")

// MarkHandled records that the staff member by handled the forwarded message of request id (a
// person answered the commune): it leaves the messages to handle.
func (db *DB) MarkHandled(ctx context.Context, id int64, by string, at time.Time) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var state string
	var communeID sql.NullInt64
	var handledAt sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT state, commune_id, handled_at FROM requests WHERE id = ?`, id).Scan(&state, &communeID, &handledAt)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("request %d: %w", id, ErrNotFound)
	} else if err != nil {
		return fmt.Errorf("mark request %d handled: %w", id, err)
	}
	if convention.RequestState(state) != convention.StateForwarded {
		return fmt.Errorf("request %d is %s: %w", id, state, ErrNotForwarded)
	}
	if handledAt.Valid {
		return fmt.Errorf("request %d: %w", id, ErrAlreadyHandled)
	}
	if _, err := recordStaffAction(ctx, tx, StaffAction{Kind: StaffHandled, By: by, At: at, RequestID: id, CommuneID: communeID.Int64, Detail: templates.StaffHandledDetail}); err != nil {
		return err
	}
	// The store's trigger sets the request's handled_at from the action (migration 0016): it
	// leaves requests_forwarded_unhandled, the messages to handle.
	return tx.Commit()
}

// Resend queues again, as it was composed, the mail outboxID that answered a request (a reply,
// an acknowledgement, a notice), to the same recipients, and records who asked for it. The
// outbox sends it like any other. It returns the request the mail answered.
func (db *DB) Resend(ctx context.Context, outboxID int64, by string, at time.Time) (int64, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var m convention.OutgoingMail
	var to string
	var requestID, communeID sql.NullInt64
	var purged sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT o.kind, o.mail_from, o.rcpt_to, o.data, o.request_id, r.commune_id, o.purged_at FROM outbox o
		LEFT JOIN requests r ON r.id = o.request_id WHERE o.id = ?`, outboxID).Scan(&m.Kind, &m.From, &to, &m.Data, &requestID, &communeID, &purged)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("mail %d: %w", outboxID, ErrNotResendable)
	} else if err != nil {
		return 0, fmt.Errorf("resend mail %d: %w", outboxID, err)
	}
	if !requestID.Valid || purged.Valid || len(m.Data) == 0 {
		return 0, fmt.Errorf("mail %d: %w", outboxID, ErrNotResendable)
	}
	if err := json.Unmarshal([]byte(to), &m.To); err != nil {
		return 0, fmt.Errorf("mail %d: recipients: %w", outboxID, err)
	}
	if err := enqueue(ctx, tx, m, requestID, at); err != nil {
		return 0, err
	}
	if _, err := recordStaffAction(ctx, tx, StaffAction{Kind: StaffResend, By: by, At: at, RequestID: requestID.Int64, CommuneID: communeID.Int64,
		Detail: templates.StaffResent(outboxID)}); err != nil {
		return 0, err
	}
	return requestID.Int64, tx.Commit()
}

// RecordTerminationAs is RecordTermination by the staff member by: the notice is a staff action
// of the commune, named by each school's scheduled removal in its history.
func (db *DB) RecordTerminationAs(ctx context.Context, commune string, receivedAt, effective time.Time, by string) error {
	return db.recordTermination(ctx, commune, receivedAt, effective, by)
}
