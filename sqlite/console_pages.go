package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
)

// The staff console's reads. Each one is bounded (a page of at most MaxPage rows, with the total
// counted on an index) and served by an index, so that a page answers as fast with 45,000
// schools, 2,000 communes and ten years of requests as with a handful: no query reads a table
// whole, and no page asks one query per row it shows.

// MaxPage is the most rows one console read returns.
const MaxPage = 200

// Page is which rows of a list to read: Limit rows (at most MaxPage; 0 means 50) after the
// first Offset.
type Page struct {
	Offset, Limit int
}

func (p Page) bounds() (limit, offset int) {
	limit, offset = p.Limit, p.Offset
	if limit <= 0 {
		limit = 50
	}
	if limit > MaxPage {
		limit = MaxPage
	}
	if offset < 0 {
		offset = 0
	}
	return limit, offset
}

// StaffHandled is the staff action that marks a forwarded message handled: a person answered it.
const StaffHandled = "handled"

// PendingSchool is a school whose access is still to open.
type PendingSchool struct {
	Commune string
	UAI     string
	Name    string
	DueAt   time.Time
}

// PendingDue returns the pending schools due before before, soonest first (the overdue first),
// a page of them, and how many there are in all. Served by the partial index on pending schools'
// due dates.
func (db *DB) PendingDue(ctx context.Context, before time.Time, p Page) ([]PendingSchool, int, error) {
	limit, offset := p.bounds()
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM schools WHERE status = 'pending' AND due_at < ?`, fmtTime(before)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count pending schools: %w", err)
	}
	out, err := queryList(ctx, db.db, func(rows *sql.Rows) (PendingSchool, error) {
		var s PendingSchool
		var due string
		err := rows.Scan(&s.Commune, &s.UAI, &s.Name, &due)
		s.DueAt = parseTime(due)
		return s, err
	}, `SELECT c.name, s.uai, s.name, s.due_at FROM schools s JOIN communes c ON c.id = s.commune_id
		WHERE s.status = 'pending' AND s.due_at < ? ORDER BY s.due_at, s.uai LIMIT ? OFFSET ?`, fmtTime(before), limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list pending schools: %w", err)
	}
	return out, total, nil
}

// farFuture is a due date after every other, to list every pending school.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// AllPending returns a page of every pending school, soonest due first, and how many there are.
func (db *DB) AllPending(ctx context.Context, p Page) ([]PendingSchool, int, error) {
	return db.PendingDue(ctx, farFuture, p)
}

// RequestPage returns a page of the decided requests f selects, newest first, and how many f
// selects in all. Forwarded requests a staff member marked handled are left out when
// f.Unhandled is set.
func (db *DB) RequestPage(ctx context.Context, f RequestFilter, p Page) ([]RequestLine, int, error) {
	limit, offset := p.bounds()
	query, args := requestsQuery(f)
	where, _ := requestsWhere(f)
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM requests r `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count requests: %w", err)
	}
	out, err := queryList(ctx, db.db, scanRequestLine, query+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list requests: %w", err)
	}
	return out, total, nil
}

// ToHandle is what waits for staff on the console's first page: forwarded messages no one has
// marked handled, quarantined messages, and the requests holding removals.
type ToHandle struct {
	Forwarded       []RequestLine
	ForwardedTotal  int
	Quarantined     []RequestLine
	QuarantineTotal int
	Held            []HeldRequest
}

// HeldRequest is a request holding removals for staff.
type HeldRequest struct {
	RequestID  int64
	Commune    string
	ReceivedAt time.Time
	Schools    int
}

// WaitingForStaff returns what waits for staff, at most limit of each kind (newest first), with
// the totals.
func (db *DB) WaitingForStaff(ctx context.Context, limit int) (ToHandle, error) {
	var t ToHandle
	var err error
	if t.Forwarded, t.ForwardedTotal, err = db.RequestPage(ctx, RequestFilter{State: convention.StateForwarded, Unhandled: true}, Page{Limit: limit}); err != nil {
		return t, err
	}
	if t.Quarantined, t.QuarantineTotal, err = db.RequestPage(ctx, RequestFilter{State: convention.StateRejected}, Page{Limit: limit}); err != nil {
		return t, err
	}
	t.Held, err = db.HeldRequests(ctx, Page{Limit: limit})
	return t, err
}

// HeldRequests returns the requests that hold removals for staff, oldest first, with how many
// schools each holds.
func (db *DB) HeldRequests(ctx context.Context, p Page) ([]HeldRequest, error) {
	limit, offset := p.bounds()
	out, err := queryList(ctx, db.db, func(rows *sql.Rows) (HeldRequest, error) {
		var h HeldRequest
		var at string
		err := rows.Scan(&h.RequestID, &h.Commune, &at, &h.Schools)
		h.ReceivedAt = parseTime(at)
		return h, err
	}, `SELECT h.request_id, coalesce(c.name, ''), r.received_at, count(*) FROM held_removals h
		JOIN requests r ON r.id = h.request_id LEFT JOIN communes c ON c.id = r.commune_id
		WHERE h.state = 'held' GROUP BY h.request_id ORDER BY h.request_id LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list held removals: %w", err)
	}
	return out, nil
}

// CommuneRecord is a commune as the store knows it, for its console page.
type CommuneRecord struct {
	ID         int64
	Name       string
	INSEE      string
	Contacts   convention.CommuneContacts
	LastListAt *time.Time
	// Senders are the senders staff declared for it, in the order they were.
	Senders []DeclaredSender
	// Termination is the notice of termination recorded, if any.
	Termination *Termination
	// Counts of its schools by status.
	Pending, Active, Removed int
}

// DeclaredSender is a sender staff declared for a commune.
type DeclaredSender struct {
	Address   string
	AddedAt   time.Time
	AddedBy   string
	RequestID int64 // the request released with it, 0 if none
}

// Termination is a commune's notice of termination.
type Termination struct {
	ReceivedAt  time.Time
	EffectiveAt time.Time
}

// CommuneByName returns the commune name (any case) with its declared senders, its notice of
// termination and its schools counted by status, or ErrNotFound.
func (db *DB) CommuneByName(ctx context.Context, name string) (*CommuneRecord, error) {
	return db.communeRecord(ctx, `name = ?`, name)
}

// CommuneByINSEE is CommuneByName for the commune of INSEE code insee.
func (db *DB) CommuneByINSEE(ctx context.Context, insee string) (*CommuneRecord, error) {
	return db.communeRecord(ctx, `insee = ?`, insee)
}

func (db *DB) communeRecord(ctx context.Context, where string, arg string) (*CommuneRecord, error) {
	var c CommuneRecord
	var tr, pl, last sql.NullString
	err := db.db.QueryRowContext(ctx, `SELECT id, name, insee, technical_referent, project_lead, last_list_at FROM communes WHERE `+where, arg).
		Scan(&c.ID, &c.Name, &c.INSEE, &tr, &pl, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("commune %q: %w", arg, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read commune %q: %w", arg, err)
	}
	c.Contacts = convention.CommuneContacts{TechnicalReferent: decodeContactPtr(tr), ProjectLead: decodeContactPtr(pl)}
	c.LastListAt = parseTimePtr(last)
	rows, err := db.db.QueryContext(ctx, `SELECT address, added_at, added_by, coalesce(request_id, 0) FROM commune_senders WHERE commune_id = ? ORDER BY id LIMIT ?`, c.ID, MaxPage)
	if err != nil {
		return nil, fmt.Errorf("read the senders of %s: %w", c.Name, err)
	}
	for rows.Next() {
		var s DeclaredSender
		var at string
		if err := rows.Scan(&s.Address, &at, &s.AddedBy, &s.RequestID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read the senders of %s: %w", c.Name, err)
		}
		s.AddedAt = parseTime(at)
		c.Senders = append(c.Senders, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var received, effective string
	err = db.db.QueryRowContext(ctx, `SELECT received_at, effective_at FROM terminations WHERE commune_id = ?`, c.ID).Scan(&received, &effective)
	if err == nil {
		c.Termination = &Termination{ReceivedAt: parseTime(received), EffectiveAt: parseTime(effective)}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read the termination of %s: %w", c.Name, err)
	}
	err = db.db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'removed')
		FROM schools WHERE commune_id = ?`, c.ID).Scan(&c.Pending, &c.Active, &c.Removed)
	if err != nil {
		return nil, fmt.Errorf("count the schools of %s: %w", c.Name, err)
	}
	return &c, nil
}

// CommuneSchools returns a page of the schools of commune communeID, by name then UAI, the
// removed ones last.
func (db *DB) CommuneSchools(ctx context.Context, communeID int64, p Page) ([]convention.School, error) {
	limit, offset := p.bounds()
	rows, err := db.db.QueryContext(ctx, schoolsQuery+`WHERE s.commune_id = ? ORDER BY s.status = 'removed', s.name, s.uai LIMIT ? OFFSET ?`, communeID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list the schools of commune %d: %w", communeID, err)
	}
	defer rows.Close()
	return scanSchools(rows)
}

// scanSchools reads rows of schoolsQuery, in their order.
func scanSchools(rows *sql.Rows) ([]convention.School, error) {
	out := []convention.School{}
	for rows.Next() {
		s, err := scanSchool(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SchoolByUAI returns the school uai as it stands, or ErrNotFound.
func (db *DB) SchoolByUAI(ctx context.Context, uai string) (*convention.School, error) {
	rows, err := db.db.QueryContext(ctx, schoolsQuery+`WHERE s.uai = ?`, uai)
	if err != nil {
		return nil, fmt.Errorf("read school %s: %w", uai, err)
	}
	defer rows.Close()
	list, err := scanSchools(rows)
	if err != nil {
		return nil, fmt.Errorf("read school %s: %w", uai, err)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("school %s: %w", uai, ErrNotFound)
	}
	return &list[0], nil
}

// HeldFor returns the requests holding the removal of school uai.
func (db *DB) HeldFor(ctx context.Context, uai string) ([]int64, error) {
	out, err := queryColumn[int64](ctx, db.db, `SELECT h.request_id FROM held_removals h JOIN schools s ON s.id = h.school_id WHERE s.uai = ? AND h.state = 'held' ORDER BY h.request_id`, uai)
	if err != nil {
		return nil, fmt.Errorf("held removals of %s: %w", uai, err)
	}
	return out, nil
}

// RequestRecord is one received message as the store keeps it, for its console page.
type RequestRecord struct {
	ID         int64
	ReceivedAt time.Time
	DecidedAt  *time.Time
	State      convention.RequestState
	Commune    string // "" when none
	Sender     string
	Subject    string
	Reason     string
	Kind       string
	Target     string
	HeaderOnly bool
	Size       int64
	// Raw is the message as received; nil once purged (PurgedAt set).
	Raw      []byte
	PurgedAt *time.Time
	// Errors counts every refused problem, ProblemsOmitted those the store did not keep.
	Errors          int
	ProblemsOmitted int
	RepliesWithheld []string
	// Handled is the staff action that marked a forwarded message handled, if any.
	Handled *StaffAction
}

// RequestDetail returns request id with its raw bytes, or ErrNotFound.
func (db *DB) RequestDetail(ctx context.Context, id int64) (*RequestRecord, error) {
	var r RequestRecord
	var received string
	var decided, purged, withheld sql.NullString
	var size, errs sql.NullInt64
	err := db.db.QueryRowContext(ctx, `SELECT r.id, r.received_at, r.decided_at, r.state, coalesce(c.name, ''), coalesce(r.sender, ''), coalesce(r.subject, ''),
		coalesce(r.reason, ''), coalesce(r.kind, ''), coalesce(r.target, ''), r.header_only, r.size, (SELECT w.raw FROM request_raws w WHERE w.request_id = r.id), r.purged_at,
		coalesce(r.errors, (SELECT count(*) FROM problems p WHERE p.request_id = r.id AND p.severity = 'error')), r.problems_omitted, r.replies_withheld
		FROM requests r LEFT JOIN communes c ON c.id = r.commune_id WHERE r.id = ?`, id).
		Scan(&r.ID, &received, &decided, &r.State, &r.Commune, &r.Sender, &r.Subject, &r.Reason, &r.Kind, &r.Target, &r.HeaderOnly, &size, &r.Raw, &purged, &errs, &r.ProblemsOmitted, &withheld)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("request %d: %w", id, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read request %d: %w", id, err)
	}
	r.ReceivedAt, r.DecidedAt, r.PurgedAt = parseTime(received), parseTimePtr(decided), parseTimePtr(purged)
	r.Size, r.Errors, r.RepliesWithheld = size.Int64, int(errs.Int64), decodeWithheld(withheld)
	if r.PurgedAt != nil {
		r.Raw = nil
	}
	actions, err := db.RequestStaffActions(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range actions {
		if actions[i].Kind == StaffHandled {
			r.Handled = &actions[i]
		}
	}
	return &r, nil
}

// RequestAttachments returns what request id kept of each file it carried, in MIME order.
func (db *DB) RequestAttachments(ctx context.Context, id int64) ([]convention.AttachmentRecord, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT filename, content_type, format, sha256, size, error FROM attachments WHERE request_id = ? ORDER BY id LIMIT ?`, id, MaxPage)
	if err != nil {
		return nil, fmt.Errorf("read the files of request %d: %w", id, err)
	}
	defer rows.Close()
	out := []convention.AttachmentRecord{}
	for rows.Next() {
		var a convention.AttachmentRecord
		if err := rows.Scan(&a.Filename, &a.ContentType, &a.Format, &a.SHA256, &a.Size, &a.Error); err != nil {
			return nil, fmt.Errorf("read the files of request %d: %w", id, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// RequestProblems returns the problems request id kept (the first 1,000 at most), by file,
// sheet and row, as the commune was told them.
func (db *DB) RequestProblems(ctx context.Context, id int64) ([]convention.Problem, error) {
	out, err := queryList(ctx, db.db, func(rows *sql.Rows) (convention.Problem, error) {
		var p convention.Problem
		err := rows.Scan(&p.File, &p.Sheet, &p.Row, &p.Column, &p.Field, &p.Severity, &p.Message)
		return p, err
	}, `SELECT file, sheet, row, col, field, severity, message FROM problems WHERE request_id = ? ORDER BY id LIMIT 1000`, id)
	if err != nil {
		return nil, fmt.Errorf("read the problems of request %d: %w", id, err)
	}
	return out, nil
}

// RequestChange is one change a request made, to one school.
type RequestChange struct {
	UAI    string
	Name   string
	Kind   convention.ChangeKind
	At     time.Time
	Before *convention.Contact
	After  *convention.Contact
	By     string // the staff member, for a change made by hand
}

// RequestChanges returns the changes request id made (and those staff made on it), oldest
// first, at most MaxPage*5 of them.
func (db *DB) RequestChanges(ctx context.Context, id int64) ([]RequestChange, error) {
	out, err := queryList(ctx, db.db, func(rows *sql.Rows) (RequestChange, error) {
		var c RequestChange
		var at string
		var before, after sql.NullString
		err := rows.Scan(&c.UAI, &c.Name, &c.Kind, &at, &before, &after, &c.By)
		c.At, c.Before, c.After = parseTime(at), decodeContactPtr(before), decodeContactPtr(after)
		return c, err
	}, `SELECT s.uai, s.name, ch.kind, ch.at, ch.before, ch.after, coalesce(sa.by, '') FROM changes ch
		JOIN schools s ON s.id = ch.school_id LEFT JOIN staff_actions sa ON sa.id = ch.staff_action_id
		WHERE ch.request_id = ? ORDER BY ch.at, ch.id LIMIT ?`, id, MaxPage*5)
	if err != nil {
		return nil, fmt.Errorf("read the changes of request %d: %w", id, err)
	}
	return out, nil
}

// OutboxMail is a mail of ours as the outbox keeps it.
type OutboxMail struct {
	ID        int64
	Kind      string
	To        []string
	Subject   string
	CreatedAt time.Time
	SentAt    *time.Time
	FailedAt  *time.Time
	LastError string
	Attempts  int
	// Data is the mail as composed; nil once purged.
	Data []byte
}

// RequestMails returns the mails queued for request id (its reply, acknowledgement, notices),
// oldest first.
func (db *DB) RequestMails(ctx context.Context, id int64) ([]OutboxMail, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, kind, rcpt_to, coalesce(subject, ''), created_at, sent_at, failed_at, coalesce(last_error, ''), attempts,
		CASE WHEN purged_at IS NULL THEN data END FROM outbox WHERE request_id = ? ORDER BY id LIMIT ?`, id, MaxPage)
	if err != nil {
		return nil, fmt.Errorf("read the mails of request %d: %w", id, err)
	}
	defer rows.Close()
	out := []OutboxMail{}
	for rows.Next() {
		var m OutboxMail
		var to, created string
		var sent, failed sql.NullString
		if err := rows.Scan(&m.ID, &m.Kind, &to, &m.Subject, &created, &sent, &failed, &m.LastError, &m.Attempts, &m.Data); err != nil {
			return nil, fmt.Errorf("read the mails of request %d: %w", id, err)
		}
		if err := json.Unmarshal([]byte(to), &m.To); err != nil {
			return nil, fmt.Errorf("outbox %d: recipients: %w", m.ID, err)
		}
		m.CreatedAt, m.SentAt, m.FailedAt = parseTime(created), parseTimePtr(sent), parseTimePtr(failed)
		out = append(out, m)
	}
	return out, rows.Err()
}

// RequestStaffActions returns the staff actions taken on request id, oldest first.
func (db *DB) RequestStaffActions(ctx context.Context, id int64) ([]StaffAction, error) {
	return staffActions(ctx, db.db, `request_id = ? ORDER BY id`, id)
}

// CommuneStaffActions returns the latest staff actions taken on commune communeID or on its
// requests, newest first, at most MaxPage.
func (db *DB) CommuneStaffActions(ctx context.Context, communeID int64) ([]StaffAction, error) {
	return staffActions(ctx, db.db, `commune_id = ? ORDER BY id DESC`, communeID)
}

// staffActions reads the staff actions that where (a condition and its order) selects, at most
// MaxPage.
func staffActions(ctx context.Context, q queryer, where string, args ...any) ([]StaffAction, error) {
	out, err := queryList(ctx, q, func(rows *sql.Rows) (StaffAction, error) {
		var a StaffAction
		var at string
		err := rows.Scan(&a.Kind, &a.By, &at, &a.RequestID, &a.SchoolID, &a.CommuneID, &a.Detail)
		a.At = parseTime(at)
		return a, err
	}, `SELECT kind, by, at, coalesce(request_id, 0), coalesce(school_id, 0), coalesce(commune_id, 0), detail FROM staff_actions
		WHERE `+where+` LIMIT `+fmt.Sprint(MaxPage), args...)
	if err != nil {
		return nil, fmt.Errorf("read staff actions: %w", err)
	}
	return out, nil
}

// Found is what a console search found.
type Found struct {
	Schools  []convention.School
	Communes []string
	// Requests are the requests whose sender is the address searched, newest first.
	Requests []RequestLine
	// SenderOf names the commune for which staff declared the address searched, "" if none.
	SenderOf string
}

// maxFound bounds each kind of result of a search.
const maxFound = 50

// Search finds schools by UAI or by a part of their name, communes by a part of their name, and
// the requests of a sender by its address. A UAI and an address are looked up on their indexes;
// a part of a name reads the names (a school's, 45,000 short strings at most) until it has
// maxFound, never a school's row whole.
func (db *DB) Search(ctx context.Context, term string) (*Found, error) {
	term = strings.TrimSpace(term)
	f := &Found{Schools: []convention.School{}, Communes: []string{}, Requests: []RequestLine{}}
	if term == "" {
		return f, nil
	}
	if strings.Contains(term, "@") {
		addr := strings.ToLower(term)
		reqs, _, err := db.RequestPage(ctx, RequestFilter{Sender: addr}, Page{Limit: maxFound})
		if err != nil {
			return nil, err
		}
		f.Requests = reqs
		if name, err := db.SenderCommune(ctx, addr); err == nil {
			f.SenderOf = name
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return f, nil
	}
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(term) + "%"
	where, args := `WHERE s.id IN (SELECT id FROM schools WHERE name LIKE ? ESCAPE '\' LIMIT ?) ORDER BY s.name, s.uai`, []any{like, maxFound}
	if uai := convention.NormalizeUAI(term); convention.ValidUAI(uai) {
		// A UAI: its index only, no name is read.
		where, args = `WHERE s.uai = ?`, []any{uai}
	}
	rows, err := db.db.QueryContext(ctx, schoolsQuery+where, args...)
	if err != nil {
		return nil, fmt.Errorf("search schools for %q: %w", term, err)
	}
	f.Schools, err = scanSchools(rows)
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("search schools for %q: %w", term, err)
	}
	if f.Communes, err = queryColumn[string](ctx, db.db, `SELECT name FROM communes WHERE name LIKE ? ESCAPE '\' OR insee = ? ORDER BY name LIMIT ?`, like, term, maxFound); err != nil {
		return nil, fmt.Errorf("search communes for %q: %w", term, err)
	}
	return f, nil
}

// CommuneEvents returns the history of the schools of commune, oldest first, for its fee: the
// same events SchoolEvents gives the reports, for one commune, on its index.
func (db *DB) CommuneEvents(ctx context.Context, commune string) ([]SchoolEvent, error) {
	out, err := queryAll(ctx, db.db, scanSchoolEvent, `SELECT c.name, s.uai, s.name, ch.kind, ch.at FROM communes c JOIN schools s ON s.commune_id = c.id
		JOIN changes ch ON ch.school_id = s.id WHERE c.name = ? ORDER BY ch.at, ch.id`, commune)
	if err != nil {
		return nil, fmt.Errorf("history of the schools of %s: %w", commune, err)
	}
	return out, nil
}

// CommuneLine is one commune in the console's list of them.
type CommuneLine struct {
	Name, INSEE     string
	Pending, Active int
	LastListAt      *time.Time
}

// CommunePage returns a page of the communes, by name, with their schools counted (on the
// index of each commune's schools), and how many communes there are.
func (db *DB) CommunePage(ctx context.Context, p Page) ([]CommuneLine, int, error) {
	limit, offset := p.bounds()
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM communes`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count communes: %w", err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT c.name, c.insee, c.last_list_at,
		(SELECT count(*) FROM schools s WHERE s.commune_id = c.id AND s.status = 'pending'),
		(SELECT count(*) FROM schools s WHERE s.commune_id = c.id AND s.status = 'active')
		FROM communes c ORDER BY c.name LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list communes: %w", err)
	}
	defer rows.Close()
	out := []CommuneLine{}
	for rows.Next() {
		var c CommuneLine
		var last sql.NullString
		if err := rows.Scan(&c.Name, &c.INSEE, &last, &c.Pending, &c.Active); err != nil {
			return nil, 0, fmt.Errorf("list communes: %w", err)
		}
		c.LastListAt = parseTimePtr(last)
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// SchoolPage returns a page of every school, by UAI (on its index), and how many there are.
func (db *DB) SchoolPage(ctx context.Context, p Page) ([]convention.School, int, error) {
	limit, offset := p.bounds()
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM schools`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count schools: %w", err)
	}
	rows, err := db.db.QueryContext(ctx, schoolsQuery+`ORDER BY s.uai LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list schools: %w", err)
	}
	defer rows.Close()
	list, err := scanSchools(rows)
	return list, total, err
}

// CommuneINSEE returns the INSEE code of the commune name, or ErrNotFound (to link to its page).
func (db *DB) CommuneINSEE(ctx context.Context, name string) (string, error) {
	var insee string
	err := db.db.QueryRowContext(ctx, `SELECT insee FROM communes WHERE name = ?`, name).Scan(&insee)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("commune %q: %w", name, ErrNotFound)
	}
	return insee, err
}
