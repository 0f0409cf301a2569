package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
)

// MaxStoredProblems is how many problems the store keeps per request: the first ones, in the
// order of the files. Every problem is counted (errors, warnings, refused rows by field), so
// summaries and reports stay true; the commune got them all in the reply's spreadsheet. A
// message of 20,000 bad rows writes kilobytes, not hundreds of megabytes.
const MaxStoredProblems = 1000

// problemCounts are the counts of a request's problems, all of them, stored or not, as the
// request's row keeps them.
type problemCounts struct {
	errors, warnings int
	refusedRows      string // JSON {field: rows refused}
	omitted          int
}

// countProblems counts problems.
func countProblems(problems []convention.Problem) problemCounts {
	var c problemCounts
	byField := map[string]int{}
	seen := map[[3]string]bool{}
	for _, p := range problems {
		if p.Severity != convention.SeverityError {
			c.warnings++
			continue
		}
		c.errors++
		// A refused row counts once, under the field of its first error.
		key := [3]string{p.File, p.Sheet, fmt.Sprint(p.Row)}
		if !seen[key] {
			seen[key] = true
			byField[p.Field]++
		}
	}
	c.refusedRows = encodeJSON(byField)
	c.omitted = max(len(problems)-MaxStoredProblems, 0)
	return c
}

// replyWindow is the period over which automatic mails to one address are counted.
const replyWindow = 24 * time.Hour

// queueReplies queues the automatic mails a decision makes, each to the recipients that have not
// had in.MaxRepliesPerAddress of them over the last 24 hours, and records on the request the
// addresses withheld. It returns the mails queued.
func queueReplies(ctx context.Context, tx queryer, in DecideInput, mails []convention.OutgoingMail, now time.Time) ([]convention.OutgoingMail, error) {
	var queued []convention.OutgoingMail
	var withheld []string
	since := fmtTime(now.Add(-replyWindow))
	for _, m := range mails {
		var to []string
		for _, addr := range m.To {
			a := strings.ToLower(strings.TrimSpace(addr))
			if in.MaxRepliesPerAddress > 0 && m.Kind != KindForward {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM auto_replies WHERE address = ? AND at > ?`, a, since).Scan(&n); err != nil {
					return nil, fmt.Errorf("count replies to %s: %w", a, err)
				}
				if n >= in.MaxRepliesPerAddress {
					if !slices.Contains(withheld, a) {
						withheld = append(withheld, a)
					}
					continue
				}
			}
			to = append(to, addr)
		}
		if len(to) == 0 {
			continue
		}
		m.To = to // the envelope: an address withheld may stay in the header, it gets nothing
		id, err := enqueueID(ctx, tx, m, sql.NullInt64{Int64: in.RequestID, Valid: true}, now)
		if err != nil {
			return nil, err
		}
		for _, addr := range to {
			if m.Kind == KindForward {
				break // to staff, not an automatic reply
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO auto_replies (address, at, outbox_id) VALUES (?, ?, ?)`,
				strings.ToLower(strings.TrimSpace(addr)), fmtTime(now), id); err != nil {
				return nil, fmt.Errorf("record reply to %s: %w", addr, err)
			}
		}
		queued = append(queued, m)
	}
	if len(withheld) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET replies_withheld = ? WHERE id = ?`, encodeJSON(withheld), in.RequestID); err != nil {
			return nil, fmt.Errorf("record replies withheld: %w", err)
		}
	}
	return queued, nil
}

// decodeWithheld reads the replies_withheld column.
func decodeWithheld(s sql.NullString) []string {
	var out []string
	if s.Valid {
		_ = json.Unmarshal([]byte(s.String), &out)
	}
	return out
}
