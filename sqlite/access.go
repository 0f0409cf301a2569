package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/laclasse/intake/convention"
)

// AccessOpened is a school whose access just opened, with what the store knows of its commune's
// contacts, for the mail that tells them.
type AccessOpened struct {
	School   convention.School
	Contacts convention.CommuneContacts
	// Senders are the senders staff declared for the commune in the store (`intaked release
	// --add-sender`), which add to the configuration's.
	Senders []string
}

// AccessNotifier composes the mails that announce an opened access ("access_open"). The store
// queues them in the transaction that opens the access, so that the mail leaves if and only if
// the school shows active.
type AccessNotifier func(ctx context.Context, a AccessOpened) ([]convention.OutgoingMail, error)

// SetAccessNotifier makes every activation, by hand (Activate) or confirmed by the directory
// (TaskDone), queue the mails fn composes. Without it nothing is announced.
// A reloaded configuration sets it again while the daemon runs.
func (db *DB) SetAccessNotifier(fn AccessNotifier) { db.accessNotifier.Store(&fn) }

// announceAccess queues the "accès ouvert" mails of the school schoolID, in tx.
func (db *DB) announceAccess(ctx context.Context, tx queryer, schoolID int64, now time.Time) error {
	fn := db.accessNotifier.Load()
	if fn == nil || *fn == nil {
		return nil
	}
	var uai, commune string
	var tr, pl sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT s.uai, c.name, c.technical_referent, c.project_lead FROM schools s JOIN communes c ON c.id = s.commune_id WHERE s.id = ?`, schoolID).
		Scan(&uai, &commune, &tr, &pl); err != nil {
		return fmt.Errorf("announce access of school %d: %w", schoolID, err)
	}
	m, err := registryOf(ctx, tx, commune, []string{uai})
	if err != nil {
		return err
	}
	a := AccessOpened{School: m[uai], Contacts: convention.CommuneContacts{TechnicalReferent: decodeContactPtr(tr), ProjectLead: decodeContactPtr(pl)}}
	if a.Senders, err = declaredSenders(ctx, tx, schoolID); err != nil {
		return fmt.Errorf("announce access of %s: %w", uai, err)
	}
	mails, err := (*fn)(ctx, a)
	if err != nil {
		return fmt.Errorf("announce access of %s: %w", uai, err)
	}
	for _, mail := range mails {
		if err := enqueue(ctx, tx, mail, sql.NullInt64{}, now); err != nil {
			return err
		}
	}
	return nil
}

// declaredSenders returns the senders staff declared for the commune of school schoolID, in
// the order they were declared.
func declaredSenders(ctx context.Context, tx queryer, schoolID int64) ([]string, error) {
	out, err := queryColumn[string](ctx, tx, `SELECT cs.address FROM commune_senders cs JOIN schools s ON s.commune_id = cs.commune_id WHERE s.id = ? ORDER BY cs.id`, schoolID)
	if err != nil {
		return nil, fmt.Errorf("read declared senders: %w", err)
	}
	return out, nil
}

// mailsQueuedQuery counts the mails of a kind queued in [?, ?), on outbox_kind_created.
const mailsQueuedQuery = `SELECT count(*) FROM outbox WHERE kind = ? AND created_at >= ? AND created_at < ?`

// MailsQueued counts the mails of kind queued in [from, to), in the job's transaction: the
// digest's "accès ouverts".
func (t *Tx) MailsQueued(kind string, from, to time.Time) (int, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, mailsQueuedQuery, kind, fmtTime(from), fmtTime(to)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s mail: %w", kind, err)
	}
	return n, nil
}
