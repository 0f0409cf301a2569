package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"errors"

	sqlite3 "modernc.org/sqlite"
	sqlitelib "modernc.org/sqlite/lib"
)

// Unavailable reports whether err says that the store cannot be used for now: another writer
// holds it (busy, locked), the disk is full, read-only or failing, the file cannot be opened or
// is damaged, memory ran out, or the connection is gone. Such an error is the store's, not the
// message's: the work is tried again later, whole. Any other error of SQLite (a statement it
// refuses, a value too big, a constraint) says something about what was asked of it.
func Unavailable(err error) bool {
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var e *sqlite3.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff { // the primary code of an extended one (SQLITE_IOERR_WRITE…)
	case sqlitelib.SQLITE_BUSY, sqlitelib.SQLITE_LOCKED, sqlitelib.SQLITE_NOMEM, sqlitelib.SQLITE_READONLY,
		sqlitelib.SQLITE_INTERRUPT, sqlitelib.SQLITE_IOERR, sqlitelib.SQLITE_CORRUPT, sqlitelib.SQLITE_FULL,
		sqlitelib.SQLITE_CANTOPEN, sqlitelib.SQLITE_PROTOCOL, sqlitelib.SQLITE_NOTADB, sqlitelib.SQLITE_NOLFS, sqlitelib.SQLITE_AUTH:
		return true
	}
	return false
}
