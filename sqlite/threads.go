package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/textproto"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
)

// sentHeader reads, from the bytes of a mail we queue, its Message-ID (without angle
// brackets; NULL when it has none) and its decoded subject, which the outbox keeps so that an
// answer to that mail is recognised even once the mail's body is purged.
func sentHeader(data []byte) (msgID, subject sql.NullString) {
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 {
		end = bytes.Index(data, []byte("\n\n"))
	}
	if end < 0 {
		return msgID, subject
	}
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(data[:end+2]))).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return msgID, subject
	}
	if id := strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>"); id != "" {
		msgID = sql.NullString{String: id, Valid: true}
	}
	if s := h.Get("Subject"); s != "" {
		if d, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
			s = d
		}
		subject = sql.NullString{String: s, Valid: true}
	}
	return msgID, subject
}

// Kinds of the outgoing mails the thread of a commune's message depends on.
const (
	// KindAcknowledgement is the short mail telling a commune its message went to staff.
	KindAcknowledgement = "acknowledgement"
	// KindForward carries a commune's message to the Métropole's staff. It is not an
	// automatic reply to the sender and is not counted against the bound per address.
	KindForward = "forward"
)

// SentMail is a mail of ours that a received message answers.
type SentMail struct {
	OutboxID  int64
	Kind      string
	Subject   string
	CreatedAt time.Time
	// RequestID is the request the mail answered (0 for a mail of our own, a reminder say).
	RequestID int64
	// Thread names the thread: the outbox id of the first mail of ours in it.
	Thread int64
	// Acknowledged says a commune's message in that thread was already acknowledged.
	Acknowledged bool
	// Data is the mail as we queued it (empty once the outbox purged it), so that staff read
	// what the commune answers.
	Data []byte
}

// maxLookedUpRefs bounds how many ids of a References field are looked up: the last ones, the
// nearest to the message.
const maxLookedUpRefs = 50

// answeredMail returns the mail of ours that the message whose References (then In-Reply-To)
// are refs answers: the one named last in refs, nil when none is ours.
func answeredMail(ctx context.Context, q queryer, requestID int64, refs []string) (*SentMail, error) {
	if len(refs) > maxLookedUpRefs {
		refs = refs[len(refs)-maxLookedUpRefs:]
	}
	for i := len(refs) - 1; i >= 0; i-- {
		id := strings.Trim(strings.TrimSpace(refs[i]), "<>")
		if id == "" {
			continue
		}
		var m SentMail
		var created string
		var subject sql.NullString
		err := q.QueryRowContext(ctx, `SELECT o.id, o.kind, o.subject, o.created_at, coalesce(o.request_id, 0), coalesce(t.thread, o.id), o.data
			FROM outbox o LEFT JOIN request_threads t ON t.request_id = o.request_id
			WHERE o.message_id = ? ORDER BY o.id LIMIT 1`, id).Scan(&m.OutboxID, &m.Kind, &subject, &created, &m.RequestID, &m.Thread, &m.Data)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("find the mail %q answers: %w", id, err)
		}
		m.Subject, m.CreatedAt = subject.String, parseTime(created)
		err = q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM request_threads WHERE thread = ? AND acknowledged AND request_id <> ?)`, m.Thread, requestID).Scan(&m.Acknowledged)
		if err != nil {
			return nil, fmt.Errorf("find the thread of mail %d: %w", m.OutboxID, err)
		}
		return &m, nil
	}
	return nil, nil
}

// EarlierRequest is what became of a request that a later message repeats.
type EarlierRequest struct {
	ID         int64
	ReceivedAt time.Time
	State      convention.RequestState
	Reason     string
	// Changes counts the changes it made to schools (an update of the same administrator's
	// details is none); RefusedRows the rows it refused.
	Changes     int
	RefusedRows int
}

func earlierRequest(ctx context.Context, q queryer, id int64) (*EarlierRequest, error) {
	e := EarlierRequest{ID: id}
	var received string
	var reason, refused sql.NullString
	err := q.QueryRowContext(ctx, `SELECT received_at, state, reason, refused_rows, (SELECT count(*) FROM changes WHERE request_id = requests.id AND kind `+countedChange+`) FROM requests WHERE id = ?`, id).
		Scan(&received, &e.State, &reason, &refused, &e.Changes)
	if err != nil {
		return nil, fmt.Errorf("read earlier request %d: %w", id, err)
	}
	e.ReceivedAt, e.Reason = parseTime(received), reason.String
	if refused.Valid {
		var byField map[string]int
		if json.Unmarshal([]byte(refused.String), &byField) == nil {
			for _, n := range byField {
				e.RefusedRows += n
			}
		}
	} else if err := q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM problems WHERE request_id = ? AND severity = 'error' GROUP BY file, sheet, row)`, id).Scan(&e.RefusedRows); err != nil {
		return nil, fmt.Errorf("read earlier request %d: %w", id, err)
	}
	return &e, nil
}

// recordThread writes, for a decided request that answers one of our mails, which mail and
// which thread, and whether its acknowledgement went.
func recordThread(ctx context.Context, q queryer, requestID int64, m *SentMail, acknowledged bool) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO request_threads (request_id, answers, thread, acknowledged) VALUES (?, ?, ?, ?)`,
		requestID, m.OutboxID, m.Thread, acknowledged); err != nil {
		return fmt.Errorf("record the thread of request %d: %w", requestID, err)
	}
	return nil
}
