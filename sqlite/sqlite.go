// Package sqlite is in charge of the registry's storage: communes, schools and administrators,
// every received message as a request with the changes it made, the outbox of mail to send, the
// mailbox's watermark and the calendar's ledger, in one SQLite file (modernc.org/sqlite, no cgo).
//
// Implementation notes: every method is one transaction. Writes use BEGIN IMMEDIATE (in the DSN),
// so a decision reads the registry and writes its changes with no other writer in between.
// Migrations are embedded and applied at open; a database written by a newer binary is refused.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// ErrNotFound is returned when the thing asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrNewerSchema is returned by Open when the file was written by a newer binary.
var ErrNewerSchema = errors.New("database schema is newer than this binary")

// DB is the store.
type DB struct {
	db  *sql.DB
	now func() time.Time
	// turn serializes this process's writes. SQLite allows one writer at a time and makes the
	// others wait by sleeping and trying again (1, 2, 5, 10 … ms); this hands the turn over at
	// once, and first to the outbox's records (see writeTurn).
	turn writeTurn
	// accessNotifier composes the "accès ouvert" mails (SetAccessNotifier).
	accessNotifier atomic.Pointer[AccessNotifier]
	// stmts are the write transactions' statements, prepared once (see writeTx).
	stmts stmtCache
	// registry keeps the schools of the communes decided lately (see registryCache).
	registry registryCache
}

// writeTurn is a lock on writing to the store where urgent writers go first. The outbox's
// "sent" record is urgent: the time between the SMTP server taking a mail and the mail
// recorded as sent is the one window where a crash sends a mail twice, so it waits for the
// transaction in progress only, never for a queue of decisions.
type writeTurn struct {
	mu      sync.Mutex
	cond    *sync.Cond
	busy    bool
	urgents int // urgent writers waiting
}

func (w *writeTurn) lock(urgent bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cond == nil {
		w.cond = sync.NewCond(&w.mu)
	}
	if urgent {
		w.urgents++
		for w.busy {
			w.cond.Wait()
		}
		w.urgents--
	} else {
		for w.busy || w.urgents > 0 {
			w.cond.Wait()
		}
	}
	w.busy = true
}

func (w *writeTurn) unlock() {
	w.mu.Lock()
	w.busy = false
	if w.cond != nil {
		w.cond.Broadcast()
	}
	w.mu.Unlock()
}

// writeTx is a write transaction holding the process's write turn until it ends.
type writeTx struct {
	*sql.Tx
	db      *DB
	release func()
	// open holds, by query, the last rows a cached statement returned in the transaction
	// (busy).
	open map[string]*sql.Rows
}

// Commit commits and gives the write turn back.
func (tx *writeTx) Commit() error {
	defer tx.release()
	return tx.Tx.Commit()
}

// Rollback rolls back, if still open, and gives the write turn back.
func (tx *writeTx) Rollback() error {
	defer tx.release()
	return tx.Tx.Rollback()
}

// begin starts a write transaction (BEGIN IMMEDIATE, from the DSN) once it is this caller's turn.
func (db *DB) begin(ctx context.Context) (*writeTx, error) {
	db.turn.lock(false)
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		db.turn.unlock()
		return nil, err
	}
	var once sync.Once
	return &writeTx{Tx: tx, db: db, release: func() { once.Do(db.turn.unlock) }}, nil
}

// exec runs one writing statement in its own transaction, in turn, through its cached
// statement.
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	db.turn.lock(false)
	defer db.turn.unlock()
	return db.execCached(ctx, query, args...)
}

// execUrgent is exec ahead of the writers waiting.
func (db *DB) execUrgent(ctx context.Context, query string, args ...any) (sql.Result, error) {
	db.turn.lock(true)
	defer db.turn.unlock()
	return db.execCached(ctx, query, args...)
}

// Open opens (creating it if needed) the SQLite file at path and brings its schema up to date.
func Open(ctx context.Context, path string, now func() time.Time) (*DB, error) {
	if now == nil {
		now = time.Now
	}
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "busy_timeout(5000)", "journal_mode(WAL)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", fileURI(path)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(4) // WAL: readers go on while one transaction writes
	// Kept open, so that the statements prepared on them stay prepared (stmtCache).
	sqldb.SetMaxIdleConns(4)
	db := &DB{db: sqldb, now: now}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// fileURI writes path as the SQLite URI filename "file:PATH", with the characters that would
// end or change the path escaped: '?' would start the query (and the pragmas would apply to
// another file), '#' a fragment, and '%' an escape. The path is cleaned first, so that a
// leading "//" is not read as an authority.
func fileURI(path string) string {
	var b strings.Builder
	b.WriteString("file:")
	for _, c := range []byte(filepath.Clean(path)) {
		switch c {
		case '?', '#', '%':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Close closes the file.
func (db *DB) Close() error {
	db.stmts.close()
	return db.db.Close()
}

// Ping checks that the store answers.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	return db.db.QueryRowContext(ctx, "SELECT 1").Scan(&n)
}

// migrations returns the embedded migrations in order; migration N sets user_version to N.
func migrations() ([]string, error) {
	names, err := fs.Glob(migrationsFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]string, 0, len(names))
	for i, name := range names {
		n, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, "migrations/"), "_", 2)[0])
		if err != nil || n != i+1 {
			return nil, fmt.Errorf("migration %s is out of sequence", name)
		}
		b, err := migrationsFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	return out, nil
}

// SchemaVersion is the schema this binary writes.
func SchemaVersion() int {
	m, _ := migrations()
	return len(m)
}

func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var version int
	if err := db.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(ms) {
		return fmt.Errorf("%w: file has version %d, this binary knows up to %d", ErrNewerSchema, version, len(ms))
	}
	for i := version; i < len(ms); i++ {
		tx, err := db.begin(ctx)
		if err != nil {
			return err
		}
		// A migration is a script run once: straight to the transaction, never kept prepared
		// (writeTx.ExecContext).
		if _, err := tx.Tx.ExecContext(ctx, ms[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.Tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// Backup writes an online, consistent copy of the store to path.
func (db *DB) Backup(ctx context.Context, path string) error {
	_, err := db.db.ExecContext(ctx, "VACUUM INTO ?", path)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// timeFormat keeps times sortable as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func parseTimePtr(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t := parseTime(s.String)
	return &t
}
