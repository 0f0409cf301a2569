package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statements kept prepared: the write transactions' queries are a
// few dozen constant strings, and a query built with a value in it must not grow the cache.
const maxCachedStmts = 256

// stmtCache keeps the statements of the write transactions prepared for the life of the store.
// Preparing them again for every call, a few dozen per decision, was a tenth of the daemon's
// CPU. database/sql prepares a cached statement once on each connection it runs on (the pool
// keeps its connections open: SetMaxIdleConns) and SQLite prepares it again by itself if the
// schema changed.
type stmtCache struct {
	mu       sync.Mutex
	stmts    map[string]*sql.Stmt
	prepares int // statements prepared into the cache, for tests
}

// get returns the cached statement for query, preparing it the first time; nil when the cache
// is full or the query does not prepare (the caller runs it unprepared, which reports the
// error).
func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil
	}
	s, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = s
	c.prepares++
	return s
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stmts {
		s.Close()
	}
	c.stmts = nil
}

// Outside a transaction, a cached statement runs on whichever connection is free, and a
// connection stays with its rows until they are closed: two uses at once never share one.

// execCached runs query outside a transaction through its cached statement.
func (db *DB) execCached(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := db.stmts.get(ctx, db.db, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return db.db.ExecContext(ctx, query, args...)
}

// queryCached runs query outside a transaction through its cached statement.
func (db *DB) queryCached(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := db.stmts.get(ctx, db.db, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return db.db.QueryContext(ctx, query, args...)
}

// queryRowCached runs query outside a transaction through its cached statement.
func (db *DB) queryRowCached(ctx context.Context, query string, args ...any) *sql.Row {
	if s := db.stmts.get(ctx, db.db, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return db.db.QueryRowContext(ctx, query, args...)
}

// busy reports whether rows that query returned earlier in the transaction are still being
// read: one SQLite statement runs once at a time, and running it again would reset the rows
// under their reader (database/sql shares a connection's statement among the transaction's
// uses of it). The query then runs unprepared.
func (tx *writeTx) busy(query string) bool {
	if len(tx.open) == 0 {
		return false
	}
	r, ok := tx.open[query]
	if !ok {
		return false
	}
	if _, err := r.Columns(); err == nil {
		return true // not closed yet
	}
	delete(tx.open, query)
	return false
}

// opened records the rows query returned through its prepared statement, until they are closed.
func (tx *writeTx) opened(query string, rows *sql.Rows) {
	if tx.open == nil {
		tx.open = map[string]*sql.Rows{}
	}
	tx.open[query] = rows
}

// cached returns the cached statement for query, nil when it is not to be used (cache full, or
// busy).
func (tx *writeTx) cached(ctx context.Context, query string) *sql.Stmt {
	if tx.busy(query) {
		return nil
	}
	return tx.db.stmts.get(ctx, tx.db.db, query)
}

// ExecContext runs query in the transaction through its cached statement.
func (tx *writeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := tx.cached(ctx, query); s != nil {
		return tx.Tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryRowContext runs query in the transaction through its cached statement. Its row is read
// and closed by Scan.
func (tx *writeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := tx.cached(ctx, query); s != nil {
		return tx.Tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// QueryContext runs query in the transaction through its cached statement, unless rows it
// returned before are still open (busy): a query run again while its earlier rows are read, in
// a loop over them, runs unprepared.
func (tx *writeTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := tx.cached(ctx, query); s != nil {
		rows, err := tx.Tx.StmtContext(ctx, s).QueryContext(ctx, args...)
		if err == nil {
			tx.opened(query, rows)
		}
		return rows, err
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// preparedTx runs a transaction's queries through statements prepared once each: a decision
// over a list of 40,000 schools runs the same four statements for every school, and preparing
// them each time was most of its cost. They come from the store's stmtCache when it has room;
// the ones prepared here are closed with the transaction.
type preparedTx struct {
	tx    *writeTx
	stmts map[string]*sql.Stmt
}

func prepared(tx *writeTx) *preparedTx { return &preparedTx{tx: tx, stmts: map[string]*sql.Stmt{}} }

// stmt returns the transaction's statement for query, nil when rows it returned are still
// being read (writeTx.busy).
func (p *preparedTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if p.tx.busy(query) {
		return nil, nil
	}
	if s, ok := p.stmts[query]; ok {
		return s, nil
	}
	if cached := p.tx.db.stmts.get(ctx, p.tx.db.db, query); cached != nil {
		s := p.tx.Tx.StmtContext(ctx, cached) // prepared before, on this connection or another
		p.stmts[query] = s
		return s, nil
	}
	s, err := p.tx.Tx.PrepareContext(ctx, query)
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
	} else if s == nil {
		return p.tx.Tx.ExecContext(ctx, query, args...)
	}
	return s.ExecContext(ctx, args...)
}

func (p *preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	} else if s == nil {
		return p.tx.Tx.QueryContext(ctx, query, args...)
	}
	rows, err := s.QueryContext(ctx, args...)
	if err == nil {
		p.tx.opened(query, rows)
	}
	return rows, err
}

func (p *preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := p.stmt(ctx, query)
	if err != nil || s == nil {
		return p.tx.Tx.QueryRowContext(ctx, query, args...) // its Scan reports the same error
	}
	return s.QueryRowContext(ctx, args...)
}
