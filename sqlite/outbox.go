package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/laclasse/intake/convention"
)

func enqueue(ctx context.Context, tx queryer, m convention.OutgoingMail, requestID sql.NullInt64, now time.Time) error {
	_, err := enqueueID(ctx, tx, m, requestID, now)
	return err
}

// enqueueID is enqueue, returning the mail's id in the outbox.
func enqueueID(ctx context.Context, tx queryer, m convention.OutgoingMail, requestID sql.NullInt64, now time.Time) (int64, error) {
	msgID, subject := sentHeader(m.Data)
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO outbox (kind, request_id, mail_from, rcpt_to, data, created_at, next_attempt_at, message_id, subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.Kind, requestID, m.From, encodeJSON(m.To), m.Data, fmtTime(now), fmtTime(now), msgID, subject).Scan(&id); err != nil {
		return 0, fmt.Errorf("queue %s mail: %w", m.Kind, err)
	}
	return id, nil
}

// Enqueue adds mail to the outbox outside any request (e.g. a summary).
func (db *DB) Enqueue(ctx context.Context, m convention.OutgoingMail) error {
	return enqueue(ctx, db.db, m, sql.NullInt64{}, db.now())
}

// dueOutgoingQuery reads the due mails in the order of the partial index outbox_due (due time,
// then id): ordered by id alone, SQLite walks the whole table in id order, every mail ever sent
// included, to find the few that wait. A mail failed for good is never due again.
const dueOutgoingQuery = `SELECT id, kind, mail_from, rcpt_to, data, attempts, created_at FROM outbox
		WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`

// DueOutgoing returns at most limit unsent mails whose next attempt is due at now, those due
// first first (a new mail is due when it is queued).
func (db *DB) DueOutgoing(ctx context.Context, now time.Time, limit int) ([]convention.OutgoingMail, error) {
	rows, err := db.queryCached(ctx, dueOutgoingQuery, fmtTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []convention.OutgoingMail
	for rows.Next() {
		var m convention.OutgoingMail
		var to, created string
		if err := rows.Scan(&m.ID, &m.Kind, &m.From, &to, &m.Data, &m.Attempts, &created); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		if err := json.Unmarshal([]byte(to), &m.To); err != nil {
			return nil, fmt.Errorf("outbox %d: recipients: %w", m.ID, err)
		}
		m.Created = parseTime(created)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// MarkSent records that the SMTP server took mail id.
func (db *DB) MarkSent(ctx context.Context, id int64, at time.Time) error {
	_, err := db.execUrgent(ctx, `UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`, fmtTime(at), id)
	return err
}

// MarkFailed records a failed attempt and when to try again.
func (db *DB) MarkFailed(ctx context.Context, id int64, cause error, retryAt time.Time) error {
	_, err := db.exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`, cause.Error(), fmtTime(retryAt), id)
	return err
}

// MarkUndeliverable records that the SMTP server refused mail id for good for the recipients
// refused (a 5xx, an address that cannot be written): it is never tried again, and FailedMails
// shows it to the Métropole. When the other recipients took it, MarkSent records that first.
func (db *DB) MarkUndeliverable(ctx context.Context, id int64, refused []string, cause error, at time.Time) error {
	_, err := db.exec(ctx, `UPDATE outbox SET attempts = CASE WHEN sent_at IS NULL THEN attempts + 1 ELSE attempts END,
		last_error = ?, failed_at = ?, failed_rcpt = ? WHERE id = ?`, cause.Error(), fmtTime(at), encodeJSON(refused), id)
	if err != nil {
		return fmt.Errorf("mark mail %d undeliverable: %w", id, err)
	}
	return nil
}

// FailedMail is a mail the SMTP server refused for good, for some or all of its recipients.
type FailedMail struct {
	ID   int64
	Kind string   // reply, digest, reminder…
	To   []string // the recipients refused
	// Delivered says the other recipients took it.
	Delivered bool
	FailedAt  time.Time
	Error     string
	// RequestID is the request a reply answers (0 for mail of our own).
	RequestID int64
}

// FailedMails returns the mails refused for good in [from, to), oldest first.
func (db *DB) FailedMails(ctx context.Context, from, to time.Time) ([]FailedMail, error) {
	return failedMails(ctx, db.db, from, to)
}

// FailedMails returns the mails refused for good in [from, to), in the job's transaction.
func (t *Tx) FailedMails(from, to time.Time) ([]FailedMail, error) {
	return failedMails(t.ctx, t.tx, from, to)
}

func failedMails(ctx context.Context, q queryer, from, to time.Time) ([]FailedMail, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, coalesce(failed_rcpt, rcpt_to), sent_at IS NOT NULL, failed_at, coalesce(last_error, ''), coalesce(request_id, 0) FROM outbox
		WHERE failed_at IS NOT NULL AND failed_at >= ? AND failed_at < ? ORDER BY failed_at, id`, fmtTime(from), fmtTime(to))
	if err != nil {
		return nil, fmt.Errorf("list undelivered mail: %w", err)
	}
	defer rows.Close()
	var out []FailedMail
	for rows.Next() {
		var m FailedMail
		var rcpt, at string
		if err := rows.Scan(&m.ID, &m.Kind, &rcpt, &m.Delivered, &at, &m.Error, &m.RequestID); err != nil {
			return nil, fmt.Errorf("list undelivered mail: %w", err)
		}
		if err := json.Unmarshal([]byte(rcpt), &m.To); err != nil {
			return nil, fmt.Errorf("outbox %d: recipients: %w", m.ID, err)
		}
		m.FailedAt = parseTime(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// OutboxStats is the outbox at a glance.
type OutboxStats struct {
	Waiting int
	Oldest  *time.Time
	// Failed counts the mails refused for good, which wait no more.
	Failed int
}

// The outbox's health, each on its partial index (outbox_due, outbox_failed): the mails sent
// over the years, with their blobs, are never read.
const (
	outboxWaitingQuery = `SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL`
	outboxFailedQuery  = `SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL AND sent_at IS NULL`
)

// Outbox returns how many mails wait and since when.
func (db *DB) Outbox(ctx context.Context) (OutboxStats, error) {
	var s OutboxStats
	var oldest sql.NullString
	if err := db.db.QueryRowContext(ctx, outboxWaitingQuery).Scan(&s.Waiting, &oldest); err != nil {
		return s, fmt.Errorf("count the mails waiting: %w", err)
	}
	s.Oldest = parseTimePtr(oldest)
	if err := db.db.QueryRowContext(ctx, outboxFailedQuery).Scan(&s.Failed); err != nil {
		return s, fmt.Errorf("count the mails refused for good: %w", err)
	}
	return s, nil
}

// CalendarStart returns when the calendar first ran on this store, recording now if it never did.
// Occurrences before it are not caught up: a daemon installed in September does not renew the
// lists of the June before.
func (db *DB) CalendarStart(ctx context.Context, now time.Time) (time.Time, error) {
	if _, err := db.exec(ctx, `INSERT INTO meta (key, value) VALUES ('calendar_start', ?) ON CONFLICT (key) DO NOTHING`, fmtTime(now)); err != nil {
		return time.Time{}, err
	}
	var s string
	if err := db.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'calendar_start'`).Scan(&s); err != nil {
		return time.Time{}, err
	}
	return parseTime(s), nil
}

// JobDone reports whether the job occurrence name is in the ledger.
func (db *DB) JobDone(ctx context.Context, name string) (bool, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM job_runs WHERE name = ?`, name).Scan(&n)
	return n > 0, err
}

// LastJobRun returns the time of the latest run of a job whose names start with prefix.
func (db *DB) LastJobRun(ctx context.Context, prefix string) (*time.Time, error) {
	var s sql.NullString
	err := db.db.QueryRowContext(ctx, `SELECT max(ran_at) FROM job_runs WHERE name >= ? AND name < ?`, prefix, prefix+"\xff").Scan(&s)
	return parseTimePtr(s), err
}

// RequestSummary is one request as the Métropole's summary shows it.
type RequestSummary struct {
	ID         int64
	ReceivedAt time.Time
	State      convention.RequestState
	Commune    string
	Sender     string
	Subject    string
	Reason     string
	// Changes counts the request's changes to schools, an update of an administrator's
	// details aside (Details).
	Changes int
	Details int
	Errors  int
	// RepliesWithheld lists the addresses that got no automatic reply: too many within a day.
	RepliesWithheld []string
	// Text is an excerpt of what the person wrote, kept for a message with no list.
	Text string
}

// RequestsBetween returns the requests decided in [from, to), oldest first.
func (db *DB) RequestsBetween(ctx context.Context, from, to time.Time) ([]RequestSummary, error) {
	return requestsBetween(ctx, db.db, from, to)
}

// requestsBetweenQuery reads the requests decided in [?, ?), on the index requests_decided.
var requestsBetweenQuery = `SELECT r.id, r.received_at, r.state, coalesce(c.name, ''), coalesce(r.sender, ''), coalesce(r.subject, ''), coalesce(r.reason, ''),
		(SELECT count(*) FROM changes ch WHERE ch.request_id = r.id AND ch.kind ` + countedChange + `),
		(SELECT count(*) FROM changes ch WHERE ch.request_id = r.id AND ch.kind = 'admin_details'),
		coalesce(r.errors, (SELECT count(*) FROM problems p WHERE p.request_id = r.id AND p.severity = 'error')), r.replies_withheld,
		coalesce((SELECT excerpt FROM request_texts t WHERE t.request_id = r.id), '')
		FROM requests r LEFT JOIN communes c ON c.id = r.commune_id
		WHERE r.state <> 'claimed' AND r.decided_at >= ? AND r.decided_at < ? ORDER BY r.id`

func requestsBetween(ctx context.Context, q queryer, from, to time.Time) ([]RequestSummary, error) {
	out, err := queryAll(ctx, q, func(rows *sql.Rows) (RequestSummary, error) {
		var r RequestSummary
		var received string
		var withheld sql.NullString
		err := rows.Scan(&r.ID, &received, &r.State, &r.Commune, &r.Sender, &r.Subject, &r.Reason, &r.Changes, &r.Details, &r.Errors, &withheld, &r.Text)
		r.ReceivedAt, r.RepliesWithheld = parseTime(received), decodeWithheld(withheld)
		return r, err
	}, requestsBetweenQuery, fmtTime(from), fmtTime(to))
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return out, nil
}

// RecordError keeps an error for `intaked status`; only the last hundred are kept.
func (db *DB) RecordError(ctx context.Context, component string, at time.Time, cause error) error {
	if _, err := db.exec(ctx, `INSERT INTO errors (at, component, message) VALUES (?, ?, ?)`, fmtTime(at), component, cause.Error()); err != nil {
		return err
	}
	_, err := db.exec(ctx, `DELETE FROM errors WHERE id <= (SELECT max(id) - 100 FROM errors)`)
	return err
}

// ErrorRecord is an error the daemon met.
type ErrorRecord struct {
	At        time.Time
	Component string
	Message   string
}

// LastErrors returns the n most recent errors, newest first: the daemon's own, and the outbox's.
func (db *DB) LastErrors(ctx context.Context, n int) ([]ErrorRecord, error) {
	return queryAll(ctx, db.db, func(rows *sql.Rows) (ErrorRecord, error) {
		var e ErrorRecord
		var at string
		err := rows.Scan(&at, &e.Component, &e.Message)
		e.At = parseTime(at)
		return e, err
	}, `SELECT at, component, message FROM (
		SELECT at, component, message FROM errors
		UNION ALL SELECT next_attempt_at, 'outbox #' || id, last_error FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND last_error IS NOT NULL
		UNION ALL SELECT failed_at, 'outbox #' || id, last_error FROM outbox WHERE failed_at IS NOT NULL)
		ORDER BY at DESC LIMIT ?`, n)
}

// MailboxStatus is the mailbox as the store last saw it.
type MailboxStatus struct {
	Mailbox     string
	UIDValidity uint32
	LastUID     uint32
	LastPoll    *time.Time
}

// Mailboxes returns the state of every mailbox watched.
func (db *DB) Mailboxes(ctx context.Context) ([]MailboxStatus, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT mailbox, uid_validity, last_uid, last_poll_at FROM mailbox_state ORDER BY mailbox`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MailboxStatus
	for rows.Next() {
		var m MailboxStatus
		var last sql.NullString
		if err := rows.Scan(&m.Mailbox, &m.UIDValidity, &m.LastUID, &last); err != nil {
			return nil, err
		}
		m.LastPoll = parseTimePtr(last)
		out = append(out, m)
	}
	return out, rows.Err()
}
