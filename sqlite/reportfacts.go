package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// ReportFacts is what the reports (the fee statement, the activity report) read of the store.
type ReportFacts struct {
	Events   []SchoolEvent       // every school's history, oldest first (SchoolEvents)
	Requests []RequestFact       // every decided request of a declared commune (RequestFacts)
	Renewals map[string][]string // the school years each commune's list was renewed by default
}

// ReportFacts reads what the reports need as the store stood at one instant, in one read
// transaction: writers go on meanwhile (WAL), and none waits for it, however long the reading.
func (db *DB) ReportFacts(ctx context.Context) (ReportFacts, error) {
	var f ReportFacts
	tx, err := db.beginRead(ctx)
	if err != nil {
		return f, fmt.Errorf("read the reports' facts: %w", err)
	}
	defer tx.Rollback()
	if f.Events, err = schoolEvents(ctx, tx); err != nil {
		return f, fmt.Errorf("read the schools' histories: %w", err)
	}
	if f.Requests, err = requestFacts(ctx, tx); err != nil {
		return f, fmt.Errorf("read the requests: %w", err)
	}
	if f.Renewals, err = renewals(ctx, tx); err != nil {
		return f, fmt.Errorf("read the renewals: %w", err)
	}
	return f, tx.Commit()
}

// beginRead starts a read-only transaction: a plain (deferred) BEGIN, not the DSN's BEGIN
// IMMEDIATE, which takes the write lock. It reads the store as it was at one instant.
func (db *DB) beginRead(ctx context.Context) (*sql.Tx, error) {
	return db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
}
