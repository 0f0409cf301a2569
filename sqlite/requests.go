package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/laclasse/intake/convention"
)

// MailboxState returns the mailbox's last known UIDVALIDITY and the highest UID handled, or
// ErrNotFound the first time.
func (db *DB) MailboxState(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error) {
	err = db.queryRowCached(ctx, `SELECT uid_validity, last_uid FROM mailbox_state WHERE mailbox = ?`, mailbox).Scan(&uidValidity, &lastUID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, ErrNotFound
	}
	return uidValidity, lastUID, err
}

// SetMailboxState records the mailbox's watermark after a successful poll.
func (db *DB) SetMailboxState(ctx context.Context, mailbox string, uidValidity, lastUID uint32, polledAt time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO mailbox_state (mailbox, uid_validity, last_uid, last_poll_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, last_poll_at = excluded.last_poll_at`,
		mailbox, uidValidity, lastUID, fmtTime(polledAt))
	if err != nil {
		return fmt.Errorf("record mailbox state of %q: %w", mailbox, err)
	}
	return nil
}

// MessageKey names a message in the mailbox.
type MessageKey struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
}

// Request is a claimed message and where it stands.
type Request struct {
	ID         int64
	Key        MessageKey
	ReceivedAt time.Time
	Raw        []byte
	State      convention.RequestState
	Target     string
	Moved      bool
	// HeaderOnly says Raw is the message's header alone: the message was over the size limit,
	// of Size bytes, and its body was never fetched.
	HeaderOnly bool
	Size       int64
	// Attempts counts the failed attempts at deciding it (RecordAttempt); RetryAt is when the
	// next may be made (zero: at once).
	Attempts int
	RetryAt  time.Time
}

// Claim records a message before anything else is done with it. If the message was claimed
// before (same mailbox, UIDVALIDITY and UID), the recorded request is returned as it stands.
func (db *DB) Claim(ctx context.Context, key MessageKey, receivedAt time.Time, raw []byte) (*Request, error) {
	return db.claim(ctx, key, receivedAt, raw, int64(len(raw)), false)
}

// ClaimHeader records a message too large to be fetched whole, of size bytes, by its header
// alone, so that it is still answered (or quarantined) without its body ever being read.
func (db *DB) ClaimHeader(ctx context.Context, key MessageKey, receivedAt time.Time, header []byte, size int64) (*Request, error) {
	return db.claim(ctx, key, receivedAt, header, size, true)
}

func (db *DB) claim(ctx context.Context, key MessageKey, receivedAt time.Time, raw []byte, size int64, headerOnly bool) (*Request, error) {
	rs, err := db.ClaimAll(ctx, []ClaimInput{{Key: key, ReceivedAt: receivedAt, Raw: raw, Size: size, HeaderOnly: headerOnly}})
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// ClaimInput is one message to claim: Raw is the whole message, or, with HeaderOnly, the header
// of a message of Size bytes too large to be fetched whole (Size is then the message's, not
// Raw's; without HeaderOnly a Size of zero means len(Raw)).
type ClaimInput struct {
	Key        MessageKey
	ReceivedAt time.Time
	Raw        []byte
	Size       int64
	HeaderOnly bool
}

// ClaimAll claims messages as Claim and ClaimHeader do, all in one transaction: one commit for
// them all. The requests come back in the order of in; each already claimed is returned as it
// stands.
func (db *DB) ClaimAll(ctx context.Context, in []ClaimInput) ([]*Request, error) {
	if len(in) == 0 {
		return nil, nil
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := make([]*Request, len(in))
	for i, c := range in {
		if out[i], err = claimTx(ctx, tx, db.now(), c); err != nil {
			return nil, err
		}
	}
	return out, tx.Commit()
}

// claimTx claims one message in tx.
func claimTx(ctx context.Context, tx *writeTx, now time.Time, c ClaimInput) (*Request, error) {
	key, raw, size := c.Key, c.Raw, c.Size
	if !c.HeaderOnly && size == 0 {
		size = int64(len(raw))
	}
	sum := sha256.Sum256(raw)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO requests (mailbox, uid_validity, uid, received_at, raw_sha256, claimed_at, size, header_only)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mailbox, uid_validity, uid) DO NOTHING RETURNING id`,
		key.Mailbox, key.UIDValidity, key.UID, fmtTime(c.ReceivedAt), hex.EncodeToString(sum[:]), fmtTime(now), size, c.HeaderOnly).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows): // claimed before: as it stands
	case err != nil:
		return nil, fmt.Errorf("claim message %d: %w", key.UID, err)
	default:
		// The raw bytes apart from the request's row, which its decision and its move rewrite.
		if _, err := tx.ExecContext(ctx, `INSERT INTO request_raws (request_id, raw) VALUES (?, ?)`, id, raw); err != nil {
			return nil, fmt.Errorf("claim message %d: %w", key.UID, err)
		}
		// The request as just written, as getRequest would read it back.
		return &Request{ID: id, Key: key, ReceivedAt: parseTime(fmtTime(c.ReceivedAt)), Raw: bytes.Clone(raw), State: convention.StateClaimed,
			HeaderOnly: c.HeaderOnly, Size: size}, nil
	}
	r, err := getRequest(ctx, tx, `mailbox = ? AND uid_validity = ? AND uid = ?`, key.Mailbox, key.UIDValidity, key.UID)
	if err != nil {
		return nil, fmt.Errorf("claim message %d: %w", key.UID, err)
	}
	return r, nil
}

// rowQueryer runs a query of one row: a transaction, or the store's cached statements.
type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// cachedRows runs the store's queries through its cached statements.
type cachedRows struct{ db *DB }

func (c cachedRows) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return c.db.queryRowCached(ctx, query, args...)
}

func getRequest(ctx context.Context, q rowQueryer, where string, args ...any) (*Request, error) {
	var r Request
	var received string
	var target, moved sql.NullString
	var size sql.NullInt64
	var retryAt sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, mailbox, uid_validity, uid, received_at, coalesce(w.raw, x''), state, target, moved_at, header_only, size, attempts, retry_at
		FROM requests LEFT JOIN request_raws w ON w.request_id = requests.id WHERE `+where, args...).
		Scan(&r.ID, &r.Key.Mailbox, &r.Key.UIDValidity, &r.Key.UID, &received, &r.Raw, &r.State, &target, &moved, &r.HeaderOnly, &size, &r.Attempts, &retryAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, err
	}
	r.ReceivedAt, r.Target, r.Moved, r.Size = parseTime(received), target.String, moved.Valid, size.Int64
	if retryAt.Valid {
		r.RetryAt = parseTime(retryAt.String)
	}
	return &r, nil
}

// RequestByKey returns the request claimed for a message, or ErrNotFound.
func (db *DB) RequestByKey(ctx context.Context, key MessageKey) (*Request, error) {
	return getRequest(ctx, cachedRows{db}, `mailbox = ? AND uid_validity = ? AND uid = ?`, key.Mailbox, key.UIDValidity, key.UID)
}

// MarkMoved records, in one transaction, that the messages of requests ids now sit in their
// target mailboxes.
func (db *DB) MarkMoved(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	at := fmtTime(db.now())
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET moved_at = ? WHERE id = ? AND moved_at IS NULL`, at, id); err != nil {
			return fmt.Errorf("mark request %d moved: %w", id, err)
		}
	}
	return tx.Commit()
}

// RecordAttempt counts a failed attempt at deciding request id, for a reason of the message's
// own (not the store, the disk or the network), records that the next is not to be made before
// retryAt, and returns how many attempts there were. A request no longer claimed is left alone
// and ErrAlreadyDecided returned.
func (db *DB) RecordAttempt(ctx context.Context, id int64, cause error, retryAt time.Time) (int, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var attempts int
	err = tx.QueryRowContext(ctx, `UPDATE requests SET attempts = attempts + 1, last_error = ?, retry_at = ? WHERE id = ? AND state = 'claimed' RETURNING attempts`,
		cause.Error(), fmtTime(retryAt), id).Scan(&attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrAlreadyDecided
	} else if err != nil {
		return 0, fmt.Errorf("count an attempt at request %d: %w", id, err)
	}
	return attempts, tx.Commit()
}

// DecideView is what a decision may look at, read in the decision's own transaction.
type DecideView struct {
	// Registry holds every school, keyed by UAI.
	Registry map[string]convention.School
	// DuplicateOf is the earlier request that carried the same Message-ID, or the same files from
	// the same commune; 0 if none.
	DuplicateOf int64
	// SameMessage says DuplicateOf carried this very Message-ID: the same message seen again,
	// not a new message repeating its files.
	SameMessage bool
	// Earlier is what became of DuplicateOf, when it is not SameMessage.
	Earlier *EarlierRequest
	// Answers is the mail of ours that the message answers (its In-Reply-To or References name
	// it), nil if none.
	Answers *SentMail
}

// DecideInput identifies what the decision needs to check for duplicates.
type DecideInput struct {
	RequestID   int64
	MessageID   string
	Commune     string
	Attachments []string // SHA-256 of the spreadsheets read
	// RepeatsSince bounds the earlier requests whose files this message repeats to those
	// received at or after it (the zero time: any); see convention.Calendar.RepeatsSince.
	RepeatsSince time.Time
	// UAIs are the schools the message lists: the view's registry holds them and every school
	// of the commune, not the whole registry, so a decision costs the same however large it grows.
	UAIs []string
	// MaxRepliesPerAddress bounds the automatic mails queued to one address over 24 hours
	// (0: no bound). Beyond it the decision stands but the address gets no mail, and the
	// request records it for the Métropole's summary.
	MaxRepliesPerAddress int
	// Release, when set, decides again a request that was quarantined (rejected): staff vouch
	// for it. The decision records the staff action, which its changes name.
	Release *Release
	// References are the message's References then In-Reply-To: the view's Answers is looked
	// up among them.
	References []string
	// Excerpt is what the person wrote, cut short, kept for the Métropole's summary ("" keeps
	// nothing).
	Excerpt string
}

// Decide runs decide inside one transaction with the registry as it stands, then writes its
// decision: the request's state and target, its files and problems, the changes to schools and
// the mail to send. Either all of it is written or none. A request already decided is left alone
// and ErrAlreadyDecided is returned.
func (db *DB) Decide(ctx context.Context, in DecideInput, decide func(DecideView) (*convention.Decision, error)) (*convention.Decision, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var state, receivedAt string
	if err := tx.QueryRowContext(ctx, `SELECT state, received_at FROM requests WHERE id = ?`, in.RequestID).Scan(&state, &receivedAt); err != nil {
		return nil, fmt.Errorf("decide request %d: %w", in.RequestID, err)
	}
	if state != string(convention.StateClaimed) && (in.Release == nil || state != string(convention.StateRejected)) {
		return nil, ErrAlreadyDecided
	}
	if in.Release != nil {
		if err := forgetDecision(ctx, tx, in.RequestID, in.Release); err != nil {
			return nil, err
		}
	}
	var view DecideView
	var reg *communeRegistry
	if view.Registry, reg, err = db.decisionRegistry(ctx, tx, in.Commune, in.UAIs); err != nil {
		return nil, err
	}
	if view.DuplicateOf, err = duplicateOf(ctx, tx, in); err != nil {
		return nil, err
	}
	if view.DuplicateOf != 0 {
		var earlierID sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT message_id FROM requests WHERE id = ?`, view.DuplicateOf).Scan(&earlierID); err != nil {
			return nil, fmt.Errorf("decide request %d: %w", in.RequestID, err)
		}
		view.SameMessage = in.MessageID != "" && earlierID.String == in.MessageID
		if !view.SameMessage {
			if view.Earlier, err = earlierRequest(ctx, tx, view.DuplicateOf); err != nil {
				return nil, err
			}
		}
	}
	if view.Answers, err = answeredMail(ctx, tx, in.RequestID, in.References); err != nil {
		return nil, err
	}
	d, err := decide(view)
	if err != nil {
		return nil, err
	}
	now := db.now()
	var communeID sql.NullInt64
	if reg != nil && d.Commune == in.Commune {
		communeID = sql.NullInt64{Int64: reg.communeID, Valid: true} // read by decisionRegistry, by the same name
	} else if d.Commune != "" {
		if err := tx.QueryRowContext(ctx, `SELECT id FROM communes WHERE name = ?`, d.Commune).Scan(&communeID); err != nil {
			return nil, fmt.Errorf("decide request %d: commune %q: %w", in.RequestID, d.Commune, err)
		}
	}
	// One UPDATE of the request, its counts of problems with it: each rewrites the row.
	counts := countProblems(d.Problems)
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET state = ?, decided_at = ?, target = ?, commune_id = ?, message_id = ?, sender = ?, subject = ?, kind = ?, reason = ?,
		errors = ?, warnings = ?, refused_rows = ?, problems_omitted = ? WHERE id = ?`,
		d.State, fmtTime(now), d.Target, communeID, d.MessageID, d.Sender, d.Subject, d.Kind, d.Reason,
		counts.errors, counts.warnings, counts.refusedRows, counts.omitted, in.RequestID); err != nil {
		return nil, fmt.Errorf("decide request %d: %w", in.RequestID, err)
	}
	for _, a := range d.Attachments {
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (request_id, filename, content_type, format, sha256, size, error) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			in.RequestID, a.Filename, a.ContentType, a.Format, a.SHA256, a.Size, a.Error); err != nil {
			return nil, err
		}
	}
	for i, p := range d.Problems {
		if i >= MaxStoredProblems {
			break // counted above; the reply's spreadsheet has them all
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO problems (request_id, file, sheet, row, col, field, severity, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			in.RequestID, p.File, p.Sheet, p.Row, p.Column, p.Field, p.Severity, p.Message); err != nil {
			return nil, err
		}
	}
	ptx := prepared(tx) // the same statements for every school
	var rows changeRows
	for _, ch := range d.Changes {
		if err := applyChange(ctx, ptx, &rows, reg, communeID.Int64, in.RequestID, receivedAt, ch); err != nil {
			return nil, fmt.Errorf("request %d: %s %s: %w", in.RequestID, ch.Kind, ch.UAI, err)
		}
	}
	if err := rows.flush(ctx, ptx); err != nil {
		return nil, fmt.Errorf("request %d: %w", in.RequestID, err)
	}
	if err := keepOfficialNames(ctx, tx, d.OfficialNames); err != nil {
		return nil, fmt.Errorf("request %d: %w", in.RequestID, err)
	}
	if (d.State == convention.StateApplied || d.State == convention.StateHeld) && communeID.Valid {
		// A list names (or holds again) schools whose removal an earlier list holds.
		var reheld []string
		for _, ch := range d.Changes {
			if ch.Kind == convention.ChangeHoldRemoval {
				reheld = append(reheld, ch.UAI)
			}
		}
		named := append(slices.Clone(in.UAIs), convention.RefusedUAIs(d.Problems)...)
		if err := settleHeld(ctx, tx, communeID.Int64, in.RequestID, named, reheld, receivedAt); err != nil {
			return nil, fmt.Errorf("request %d: %w", in.RequestID, err)
		}
	}
	if communeID.Valid {
		// The contacts the list gave, and its receipt if applied: one UPDATE, NULL keeping what
		// the commune had.
		var referent, lead, listAt any
		if d.Contacts != nil {
			if c := d.Contacts.TechnicalReferent; c != nil {
				referent = encodeJSON(c)
			}
			if c := d.Contacts.ProjectLead; c != nil {
				lead = encodeJSON(c)
			}
		}
		if d.State == convention.StateApplied || d.State == convention.StateHeld {
			listAt = receivedAt
		}
		if referent != nil || lead != nil || listAt != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE communes SET technical_referent = coalesce(?, technical_referent), project_lead = coalesce(?, project_lead),
				last_list_at = coalesce(?, last_list_at) WHERE id = ?`, referent, lead, listAt, communeID); err != nil {
				return nil, err
			}
		}
	}
	if in.Release != nil {
		if !communeID.Valid {
			return nil, fmt.Errorf("release request %d: no commune decided", in.RequestID)
		}
		if err := release(ctx, tx, in.Release, in.RequestID, communeID.Int64, now); err != nil {
			return nil, err
		}
	}
	if d.Outgoing, err = queueReplies(ctx, tx, in, d.Outgoing, now); err != nil {
		return nil, fmt.Errorf("decide request %d: %w", in.RequestID, err)
	}
	if view.Answers != nil && d.State == convention.StateForwarded {
		acknowledged := slices.ContainsFunc(d.Outgoing, func(m convention.OutgoingMail) bool { return m.Kind == KindAcknowledgement })
		if err := recordThread(ctx, tx, in.RequestID, view.Answers, acknowledged); err != nil {
			return nil, err
		}
	}
	if in.Excerpt != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO request_texts (request_id, excerpt) VALUES (?, ?)`, in.RequestID, in.Excerpt); err != nil {
			return nil, fmt.Errorf("decide request %d: keep its text: %w", in.RequestID, err)
		}
	}
	keep, err := reg.settle(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("decide request %d: %w", in.RequestID, err)
	}
	if err := tx.Commit(); err != nil {
		return d, err
	}
	keep()
	return d, nil
}

// ErrAlreadyDecided is returned by Decide for a request decided before.
var ErrAlreadyDecided = errors.New("request already decided")

// filesRepeatedQuery finds the earlier request of a commune that carried every one of a list of
// files. It starts from the files (attachments_sha256; CROSS JOIN keeps that order): a file
// seen before is rare, while a commune's requests since the repeat bound are all its requests
// of the year, and walking them (requests_commune_received) to read their state, past each
// row's raw message, cost more than anything else in a decision by a few thousand requests.
const filesRepeatedQuery = `SELECT r.id FROM attachments a CROSS JOIN requests r ON r.id = a.request_id
		WHERE a.sha256 IN (SELECT value FROM json_each(?)) AND a.format <> ''
		AND r.commune_id = (SELECT id FROM communes WHERE name = ?) AND r.id <> ? AND r.state IN ('applied', 'refused', 'held') AND r.received_at >= ?
		GROUP BY r.id HAVING count(DISTINCT a.sha256) = ? ORDER BY r.id LIMIT 1`

func duplicateOf(ctx context.Context, tx queryer, in DecideInput) (int64, error) {
	var id int64
	if in.MessageID != "" {
		// A quarantined request is not an original: the same message back in the mailbox is
		// decided afresh, not silenced as a duplicate of its own quarantine.
		err := tx.QueryRowContext(ctx, `SELECT id FROM requests WHERE message_id = ? AND message_id <> '' AND id <> ? AND state NOT IN ('claimed', 'rejected') ORDER BY id LIMIT 1`, in.MessageID, in.RequestID).Scan(&id)
		if err == nil {
			return id, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	if in.Commune == "" || len(in.Attachments) == 0 {
		return 0, nil
	}

	distinct := map[string]bool{}
	for _, h := range in.Attachments {
		distinct[h] = true
	}
	since := ""
	if !in.RepeatsSince.IsZero() {
		since = fmtTime(in.RepeatsSince)
	}
	// The same files from the same commune: every spreadsheet of this message was in one earlier
	// request of that commune. The hashes go as one JSON array: a fixed number of variables
	// however many files a message carries.
	err := tx.QueryRowContext(ctx, filesRepeatedQuery, encodeJSON(in.Attachments), in.Commune, in.RequestID, since, len(distinct)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// applyChange writes one change to its school, gathers in rows its history and the directory
// work it calls for, and tells reg of the school rows it wrote.
func applyChange(ctx context.Context, tx queryer, rows *changeRows, reg *communeRegistry, communeID, requestID int64, receivedAt string, ch convention.Change) error {
	var schoolID int64
	var school convention.School
	var before sql.NullString
	var err error
	if s, row, ok := reg.known(ch.UAI); ok {
		schoolID, school, before = row.id, s, sql.NullString{String: row.admin, Valid: true}
	} else {
		schoolID, school, before, err = schoolByUAI(ctx, tx, ch.UAI)
	}
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	at := fmtTime(ch.At)
	switch ch.Kind {
	case convention.ChangeAdd, convention.ChangeReadd:
		if exists {
			// A school listed again, maybe by another commune: it is that commune's now.
			if _, err = tx.ExecContext(ctx, `UPDATE schools SET commune_id = ? WHERE id = ?`, communeID, schoolID); err == nil {
				reg.wrote(ch.UAI, 1)
				after := school.Apply(ch, ch.At)
				var row storedSchool
				if row, err = writeSchoolRow(ctx, tx, schoolID, after); err == nil {
					reg.wrote(ch.UAI, 1)
					reg.wroteSchool(ch.UAI, after, row)
				}
			}
		} else {
			s := convention.School{UAI: ch.UAI}.Apply(ch, ch.At)
			var res interface{ LastInsertId() (int64, error) }
			admin := encodeJSON(s.Admin)
			res, err = tx.ExecContext(ctx, `INSERT INTO schools (commune_id, uai, name, status, admin, received_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				communeID, s.UAI, s.Name, s.Status, admin, fmtTime(s.ReceivedAt), fmtTime(s.DueAt))
			if err == nil {
				reg.wrote(ch.UAI, 1)
				if schoolID, err = res.LastInsertId(); err == nil {
					// The columns the INSERT wrote; the others are NULL.
					stored := convention.School{UAI: s.UAI, Name: s.Name, Status: s.Status, Admin: s.Admin, ReceivedAt: s.ReceivedAt, DueAt: s.DueAt}
					reg.wroteSchool(ch.UAI, stored, storedSchool{id: schoolID, admin: admin})
				}
			}
		}
	case convention.ChangeAdmin, convention.ChangeRename, convention.ChangeAdminDetails, convention.ChangeScheduleRemov, convention.ChangeCancelRemoval:
		// A new administrator's access is to open within the same two weeks, a school already
		// pending keeping its earlier due date; the same administrator's new details keep the
		// school's status and due date (convention.School.Apply).
		if !exists {
			return ErrNotFound
		}
		after := school.Apply(ch, ch.At)
		var row storedSchool
		if row, err = writeSchoolRow(ctx, tx, schoolID, after); err == nil {
			reg.wrote(ch.UAI, 1)
			reg.wroteSchool(ch.UAI, after, row)
		}
	case convention.ChangeHoldRemoval:
		if !exists {
			return ErrNotFound
		}
		// The school stays as it is: the removal waits for staff (ConfirmHeld).
		_, err = tx.ExecContext(ctx, `INSERT INTO held_removals (request_id, school_id, held_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, requestID, schoolID, at)
	default:
		return fmt.Errorf("unknown change %q", ch.Kind)
	}
	if err != nil {
		return err
	}
	rows.change(schoolID, requestID, ch.Kind, at, before, encodeJSON(ch.Admin), encodeJSON(ch))
	if task, ok := convention.TaskFor(ch.Kind); ok {
		previous := sql.NullString{}
		if task == convention.TaskChangeAdmin {
			previous = before
		}
		rows.task(schoolID, task, previous, at)
	}
	return nil
}

// taskOf is the directory task a change of kind calls for (convention.TaskFor), for a kind that
// calls for one.
func taskOf(kind convention.ChangeKind) convention.TaskKind {
	task, _ := convention.TaskFor(kind)
	return task
}

func queueTask(ctx context.Context, tx queryer, schoolID int64, kind convention.TaskKind, before sql.NullString, at string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO provisioning (school_id, kind, before, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)`,
		schoolID, kind, before, at, at)
	return err
}
