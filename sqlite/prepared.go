package sqlite

import (
	"context"
	"database/sql"
)

// preparedTx runs a transaction's queries through statements prepared once each: a decision
// over a list of 40,000 schools runs the same four statements for every school, and preparing
// them each time was most of its cost. The statements are closed with the transaction.
type preparedTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func prepared(tx *sql.Tx) *preparedTx { return &preparedTx{tx: tx, stmts: map[string]*sql.Stmt{}} }

func (p *preparedTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := p.stmts[query]; ok {
		return s, nil
	}
	s, err := p.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = s
	return s, nil
}

func (p *preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (p *preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (p *preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return p.tx.QueryRowContext(ctx, query, args...) // its Scan reports the same error
	}
	return s.QueryRowContext(ctx, args...)
}
