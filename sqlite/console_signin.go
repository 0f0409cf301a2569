package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The staff console's sign-in: one-time links (made by `intaked console-link`, another process
// than the daemon, hence in the store) and sessions (in the store, so that they survive a
// restart). Only SHA-256 hashes of the secrets are kept: a copy of the store lets nobody in.

// ConsoleLink is a one-time sign-in link.
type ConsoleLink struct {
	Role      string
	Name      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ConsoleSession is a signed-in staff member's session.
type ConsoleSession struct {
	Method     string // "oidc" or "link"
	Email      string // "" for a link
	Name       string
	Role       string
	CSRF       string // the token every POST of the session carries
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// CreateConsoleLink records a one-time link by the hash of its token.
func (db *DB) CreateConsoleLink(ctx context.Context, tokenHash string, l ConsoleLink) error {
	_, err := db.exec(ctx, `INSERT INTO console_links (token_hash, role, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		tokenHash, l.Role, l.Name, fmtTime(l.CreatedAt), fmtTime(l.ExpiresAt))
	if err != nil {
		return fmt.Errorf("record a console link: %w", err)
	}
	return nil
}

// UseConsoleLink spends the link of tokenHash at now and returns it. A link unknown, already
// used or expired is ErrNotFound: a link signs in once.
func (db *DB) UseConsoleLink(ctx context.Context, tokenHash string, now time.Time) (ConsoleLink, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return ConsoleLink{}, err
	}
	defer tx.Rollback()
	var l ConsoleLink
	var created, expires string
	err = tx.QueryRowContext(ctx, `UPDATE console_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
		RETURNING role, name, created_at, expires_at`, fmtTime(now), tokenHash, fmtTime(now)).Scan(&l.Role, &l.Name, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return ConsoleLink{}, ErrNotFound
	} else if err != nil {
		return ConsoleLink{}, fmt.Errorf("use a console link: %w", err)
	}
	l.CreatedAt, l.ExpiresAt = parseTime(created), parseTime(expires)
	// Links spent or expired for a day are of no more use, even to an investigation.
	if _, err := tx.ExecContext(ctx, `DELETE FROM console_links WHERE expires_at < ?`, fmtTime(now.Add(-24*time.Hour))); err != nil {
		return ConsoleLink{}, fmt.Errorf("purge console links: %w", err)
	}
	return l, tx.Commit()
}

// CreateConsoleSession records a session by the hash of its id, and forgets the sessions idle
// for longer than idle.
func (db *DB) CreateConsoleSession(ctx context.Context, idHash string, s ConsoleSession, idle time.Duration) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE last_seen_at < ?`, fmtTime(s.CreatedAt.Add(-idle))); err != nil {
		return fmt.Errorf("purge console sessions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO console_sessions (id_hash, method, email, name, role, csrf, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		idHash, s.Method, s.Email, s.Name, s.Role, s.CSRF, fmtTime(s.CreatedAt), fmtTime(s.CreatedAt)); err != nil {
		return fmt.Errorf("record a console session: %w", err)
	}
	return tx.Commit()
}

// touchEvery is how stale a session's last use may be recorded: one write a minute at most per
// session, not one per page.
const touchEvery = time.Minute

// ConsoleSession returns the session of idHash in use at now, and records its use. A session
// unknown, ended, or idle for longer than idle is ErrNotFound (and an idle one is forgotten).
func (db *DB) ConsoleSession(ctx context.Context, idHash string, now time.Time, idle time.Duration) (ConsoleSession, error) {
	var s ConsoleSession
	var created, seen string
	err := db.db.QueryRowContext(ctx, `SELECT method, email, name, role, csrf, created_at, last_seen_at FROM console_sessions WHERE id_hash = ?`, idHash).
		Scan(&s.Method, &s.Email, &s.Name, &s.Role, &s.CSRF, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return ConsoleSession{}, ErrNotFound
	} else if err != nil {
		return ConsoleSession{}, fmt.Errorf("read a console session: %w", err)
	}
	s.CreatedAt, s.LastSeenAt = parseTime(created), parseTime(seen)
	if now.Sub(s.LastSeenAt) > idle {
		if err := db.EndConsoleSession(ctx, idHash); err != nil {
			return ConsoleSession{}, err
		}
		return ConsoleSession{}, ErrNotFound
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if _, err := db.exec(ctx, `UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ?`, fmtTime(now), idHash); err != nil {
			return ConsoleSession{}, fmt.Errorf("record a console session's use: %w", err)
		}
		s.LastSeenAt = now
	}
	return s, nil
}

// EndConsoleSession forgets the session of idHash (signing out); an unknown one is no error.
func (db *DB) EndConsoleSession(ctx context.Context, idHash string) error {
	if _, err := db.exec(ctx, `DELETE FROM console_sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("end a console session: %w", err)
	}
	return nil
}
