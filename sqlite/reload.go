package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ConfigState is what the store remembers of the daemon's configuration, for `intaked status`:
// when the configuration in use was loaded, and the last reload that failed since then.
type ConfigState struct {
	LoadedAt *time.Time // nil if no daemon recorded it
	FailedAt *time.Time // nil if no reload failed since LoadedAt
	Error    string     // why it failed
}

// ConfigLoaded records that the daemon loaded its configuration at at (at start or on a
// successful reload), forgetting any failed reload before it.
func (db *DB) ConfigLoaded(ctx context.Context, at time.Time) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key IN ('config_reload_failed_at', 'config_reload_error')`); err != nil {
		return fmt.Errorf("record configuration load: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('config_loaded_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, fmtTime(at)); err != nil {
		return fmt.Errorf("record configuration load: %w", err)
	}
	return tx.Commit()
}

// ConfigReloadFailed records that a reload of the configuration failed at at, and why; the
// daemon goes on with the configuration it had.
func (db *DB) ConfigReloadFailed(ctx context.Context, at time.Time, cause error) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for key, value := range map[string]string{"config_reload_failed_at": fmtTime(at), "config_reload_error": cause.Error()} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
			return fmt.Errorf("record configuration reload failure: %w", err)
		}
	}
	return tx.Commit()
}

// ConfigState returns what ConfigLoaded and ConfigReloadFailed recorded.
func (db *DB) ConfigState(ctx context.Context) (ConfigState, error) {
	var st ConfigState
	get := func(key string) (sql.NullString, error) {
		var v sql.NullString
		err := db.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
		return v, err
	}
	loaded, err := get("config_loaded_at")
	if err != nil {
		return st, err
	}
	failed, err := get("config_reload_failed_at")
	if err != nil {
		return st, err
	}
	msg, err := get("config_reload_error")
	if err != nil {
		return st, err
	}
	st.LoadedAt, st.FailedAt, st.Error = parseTimePtr(loaded), parseTimePtr(failed), msg.String
	return st, nil
}
