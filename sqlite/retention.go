package sqlite

import (
	"fmt"
	"time"
)

// Purged counts what a purge emptied.
type Purged struct {
	Messages int64 // requests whose raw message was emptied
	Mails    int64 // outgoing mails whose body was emptied
}

// PurgeBefore empties what the store keeps of people's mail older than cutoff, as the CNIL's
// rules on retention ask: the raw bytes of each message received before it (once decided), its
// refused rows as the commune wrote them (after counting them on the request), and the body of
// each mail created before it that is sent or failed. The registry and its history, the
// requests' metadata (state, reason, counts, dates) and the counts the reports use stay.
func (t *Tx) PurgeBefore(cutoff time.Time) (Purged, error) {
	var p Purged
	at, now := fmtTime(cutoff), fmtTime(t.at)
	const old = `received_at < ? AND state <> 'claimed' AND purged_at IS NULL`
	// Requests decided before their counts were recorded get them now, from the rows about to go.
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE requests SET
		errors = (SELECT count(*) FROM problems p WHERE p.request_id = requests.id AND p.severity = 'error'),
		warnings = (SELECT count(*) FROM problems p WHERE p.request_id = requests.id AND p.severity <> 'error'),
		refused_rows = (SELECT json_group_object(field, n) FROM (SELECT field, count(*) AS n FROM
			(SELECT field FROM problems p WHERE p.request_id = requests.id AND p.severity = 'error' GROUP BY file, sheet, row) GROUP BY field))
		WHERE refused_rows IS NULL AND `+old, at); err != nil {
		return p, fmt.Errorf("purge: count problems: %w", err)
	}
	if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM problems WHERE request_id IN (SELECT id FROM requests WHERE `+old+`)`, at); err != nil {
		return p, fmt.Errorf("purge: problems: %w", err)
	}
	if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM request_texts WHERE request_id IN (SELECT id FROM requests WHERE `+old+`)`, at); err != nil {
		return p, fmt.Errorf("purge: texts: %w", err)
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE request_raws SET raw = x'' WHERE request_id IN (SELECT id FROM requests WHERE `+old+`)`, at); err != nil {
		return p, fmt.Errorf("purge: messages: %w", err)
	}
	res, err := t.tx.ExecContext(t.ctx, `UPDATE requests SET purged_at = ? WHERE `+old, now, at)
	if err != nil {
		return p, fmt.Errorf("purge: messages: %w", err)
	}
	p.Messages, _ = res.RowsAffected()
	res, err = t.tx.ExecContext(t.ctx, `UPDATE outbox SET data = x'', purged_at = ?
		WHERE created_at < ? AND (sent_at IS NOT NULL OR failed_at IS NOT NULL) AND purged_at IS NULL`, now, at)
	if err != nil {
		return p, fmt.Errorf("purge: mails: %w", err)
	}
	p.Mails, _ = res.RowsAffected()
	if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM auto_replies WHERE at < ?`, at); err != nil {
		return p, fmt.Errorf("purge: replies counted: %w", err)
	}
	return p, nil
}
