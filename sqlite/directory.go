package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/laclasse/intake/convention"
)

// The national directory of schools (Annuaire de l'éducation): its rows as the last file loaded
// gives them, the state of that file, and the official names the registry keeps.

// directoryChunk is how many directory rows one statement writes.
const directoryChunk = 2000

// DirectoryState returns the directory file in use and how its last refresh went; the zero
// state when none was ever loaded.
func (db *DB) DirectoryState(ctx context.Context) (convention.DirectoryState, error) {
	return directoryState(ctx, db.db)
}

func directoryState(ctx context.Context, q queryer) (convention.DirectoryState, error) {
	var st convention.DirectoryState
	var loaded, checked, failed sql.NullString
	err := q.QueryRowContext(ctx, `SELECT sha256, rows, loaded_at, etag, last_modified, checked_at, failed_at, failure, failure_detail
		FROM directory_state WHERE id = 1`).Scan(&st.SHA256, &st.Rows, &loaded, &st.ETag, &st.LastModified, &checked, &failed, &st.Failure, &st.FailureDetail)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	} else if err != nil {
		return st, fmt.Errorf("read the directory's state: %w", err)
	}
	st.LoadedAt, st.CheckedAt, st.FailedAt = parseTimePtr(loaded), parseTimePtr(checked), parseTimePtr(failed)
	return st, nil
}

// ReplaceDirectory replaces the directory's rows, in one transaction, by those rows yields, and
// records st (its SHA256, ETag and LastModified; Rows is what rows returns) as the file in use,
// loaded and checked now. When rows fails, nothing changes: the previous rows stay in use.
func (db *DB) ReplaceDirectory(ctx context.Context, st convention.DirectoryState, rows func(yield func(convention.DirectoryEntry) error) (int, error)) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM directory`); err != nil {
		return fmt.Errorf("replace the directory: %w", err)
	}
	batch := make([][]any, 0, directoryChunk)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO directory (uai, name, type, nature, public, commune_insee, commune, mail, state, opened)
			SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9 FROM json_each(?) WHERE true
			ON CONFLICT (uai) DO UPDATE SET name = excluded.name, type = excluded.type, nature = excluded.nature, public = excluded.public,
				commune_insee = excluded.commune_insee, commune = excluded.commune, mail = excluded.mail, state = excluded.state, opened = excluded.opened`,
			encodeJSON(batch))
		batch = batch[:0]
		if err != nil {
			return fmt.Errorf("replace the directory: %w", err)
		}
		return nil
	}
	n, err := rows(func(e convention.DirectoryEntry) error {
		if e.UAI == "" {
			return nil
		}
		public := 0
		if e.Public {
			public = 1
		}
		opened := ""
		if !e.Opened.IsZero() {
			opened = e.Opened.Format("2006-01-02")
		}
		batch = append(batch, []any{e.UAI, e.Name, e.Type, e.Nature, public, e.CommuneINSEE, e.Commune, e.Mail, e.State, opened})
		if len(batch) == directoryChunk {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	now := fmtTime(db.now())
	if _, err := tx.ExecContext(ctx, `INSERT INTO directory_state (id, sha256, rows, loaded_at, etag, last_modified, checked_at) VALUES (1, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET sha256 = excluded.sha256, rows = excluded.rows, loaded_at = excluded.loaded_at,
			etag = excluded.etag, last_modified = excluded.last_modified, checked_at = excluded.checked_at`,
		st.SHA256, n, now, st.ETag, st.LastModified, now); err != nil {
		return fmt.Errorf("record the directory loaded: %w", err)
	}
	return tx.Commit()
}

// DirectoryChecked records a refresh that found nothing new (304 Not Modified, or the same
// file), at; a non-empty etag or lastModified replaces the validators kept for the next one.
func (db *DB) DirectoryChecked(ctx context.Context, at time.Time, etag, lastModified string) error {
	if _, err := db.exec(ctx, `INSERT INTO directory_state (id, checked_at, etag, last_modified) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at,
			etag = CASE WHEN excluded.etag <> '' THEN excluded.etag ELSE etag END,
			last_modified = CASE WHEN excluded.last_modified <> '' THEN excluded.last_modified ELSE last_modified END`,
		fmtTime(at), etag, lastModified); err != nil {
		return fmt.Errorf("record the directory checked: %w", err)
	}
	return nil
}

// DirectoryFailed records a refresh or a load that was not used, at, with its reason (a
// directory.Reason) and detail. The rows in use stay.
func (db *DB) DirectoryFailed(ctx context.Context, at time.Time, reason, detail string) error {
	if _, err := db.exec(ctx, `INSERT INTO directory_state (id, failed_at, failure, failure_detail) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET failed_at = excluded.failed_at, failure = excluded.failure, failure_detail = excluded.failure_detail`,
		fmtTime(at), reason, detail); err != nil {
		return fmt.Errorf("record the directory's failure: %w", err)
	}
	return nil
}

// DirectoryEntries returns the directory's rows for uais (in one query, whatever their number),
// by UAI; loaded is false when no directory was ever loaded, so that nothing can be checked.
func (db *DB) DirectoryEntries(ctx context.Context, uais []string) (entries map[string]convention.DirectoryEntry, loaded bool, err error) {
	return directoryEntries(ctx, db.db, uais)
}

func directoryEntries(ctx context.Context, q queryer, uais []string) (map[string]convention.DirectoryEntry, bool, error) {
	var rows int
	if err := q.QueryRowContext(ctx, `SELECT coalesce((SELECT rows FROM directory_state WHERE id = 1 AND loaded_at IS NOT NULL), 0)`).Scan(&rows); err != nil {
		return nil, false, fmt.Errorf("read the directory: %w", err)
	}
	out := map[string]convention.DirectoryEntry{}
	if rows == 0 {
		return out, false, nil
	}
	if uais == nil {
		uais = []string{}
	}
	list, err := queryDirectory(ctx, q, `WHERE uai IN (SELECT value FROM json_each(?))`, encodeJSON(uais))
	if err != nil {
		return nil, true, err
	}
	for _, e := range list {
		out[e.UAI] = e
	}
	return out, true, nil
}

// DirectoryCommune returns the open public primary schools the directory lists in the commune
// of INSEE code insee (and its arrondissements, convention.CommuneCodes), by name: the rows of the
// model a commune is sent.
func (db *DB) DirectoryCommune(ctx context.Context, insee string) ([]convention.DirectoryEntry, error) {
	list, err := queryDirectory(ctx, db.db, `WHERE commune_insee IN (SELECT value FROM json_each(?)) ORDER BY name, uai`, encodeJSON(convention.CommuneCodes(insee)))
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, e := range list {
		if e.IsPrimary() && e.Public && !e.Closing() {
			out = append(out, e)
		}
	}
	return out, nil
}

func queryDirectory(ctx context.Context, q queryer, where string, args ...any) ([]convention.DirectoryEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT uai, name, type, nature, public, commune_insee, commune, mail, state, opened FROM directory `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read the directory: %w", err)
	}
	defer rows.Close()
	var out []convention.DirectoryEntry
	for rows.Next() {
		var e convention.DirectoryEntry
		var opened string
		if err := rows.Scan(&e.UAI, &e.Name, &e.Type, &e.Nature, &e.Public, &e.CommuneINSEE, &e.Commune, &e.Mail, &e.State, &opened); err != nil {
			return nil, fmt.Errorf("read the directory: %w", err)
		}
		if opened != "" {
			e.Opened, _ = time.Parse("2006-01-02", opened)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DirectoryWatched is a registered school the directory says closes, no longer lists, or
// places in another commune than the one it is registered for.
type DirectoryWatched struct {
	School convention.School
	Entry  convention.DirectoryEntry
	Listed bool // false: the directory no longer lists it
	// Elsewhere: the directory places it in another commune (Entry.Commune), which a list
	// registered before the directory was checked could do.
	Elsewhere bool
}

// directoryWatchQuery walks the registered schools not removed, each with its directory row
// (by its primary key) and its commune's code: no administrator decoded, no commune's counts,
// no list of every UAI sent to the directory.
const directoryWatchQuery = `SELECT s.uai, c.insee, d.uai IS NOT NULL, coalesce(d.name, ''), coalesce(d.type, ''), coalesce(d.nature, ''),
		coalesce(d.public, 0), coalesce(d.commune_insee, ''), coalesce(d.commune, ''), coalesce(d.mail, ''), coalesce(d.state, ''), coalesce(d.opened, '')
		FROM schools s JOIN communes c ON c.id = s.commune_id LEFT JOIN directory d ON d.uai = s.uai WHERE s.status <> 'removed'`

// DirectoryWatch returns, from the transaction, the schools of the registry not removed that
// the directory says close or no longer lists, or places in another commune (none when no
// directory was loaded), by commune then UAI: a closed school, or a neighbour's, must not keep
// being billed. Only the schools it returns are read whole.
func (t *Tx) DirectoryWatch() ([]DirectoryWatched, error) {
	var loaded int
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce((SELECT rows FROM directory_state WHERE id = 1 AND loaded_at IS NOT NULL), 0)`).Scan(&loaded); err != nil {
		return nil, fmt.Errorf("read the directory: %w", err)
	}
	if loaded == 0 {
		return nil, nil
	}
	rows, err := t.tx.QueryContext(t.ctx, directoryWatchQuery)
	if err != nil {
		return nil, fmt.Errorf("watch the registry in the directory: %w", err)
	}
	defer rows.Close()
	watched := map[string]DirectoryWatched{}
	var uais []string
	for rows.Next() {
		var uai, insee, opened string
		var w DirectoryWatched
		e := &w.Entry
		if err := rows.Scan(&uai, &insee, &w.Listed, &e.Name, &e.Type, &e.Nature, &e.Public, &e.CommuneINSEE, &e.Commune, &e.Mail, &e.State, &opened); err != nil {
			return nil, fmt.Errorf("watch the registry in the directory: %w", err)
		}
		if w.Listed {
			e.UAI = uai
			if opened != "" {
				e.Opened, _ = time.Parse("2006-01-02", opened)
			}
		}
		w.Elsewhere = w.Listed && !convention.InCommune(e.CommuneINSEE, insee)
		if !w.Listed || e.Closing() || w.Elsewhere {
			watched[uai] = w
			uais = append(uais, uai)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("watch the registry in the directory: %w", err)
	}
	rows.Close()
	if len(uais) == 0 {
		return nil, nil
	}
	reg, err := readSchools(t.ctx, t.tx, `WHERE s.uai IN (SELECT value FROM json_each(?))`, []any{encodeJSON(uais)})
	if err != nil {
		return nil, err
	}
	out := make([]DirectoryWatched, 0, len(uais))
	for _, s := range sortedSchools(reg) {
		w := watched[s.UAI]
		w.School = s
		out = append(out, w)
	}
	return out, nil
}

// keepOfficialNames writes, in a decision's transaction, each school's official name (by UAI)
// next to the commune's label.
func keepOfficialNames(ctx context.Context, tx queryer, names map[string]string) error {
	if len(names) == 0 {
		return nil
	}
	pairs := make([][2]string, 0, len(names))
	for uai, name := range names {
		pairs = append(pairs, [2]string{uai, name})
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schools SET official_name = j.value->>1 FROM json_each(?) AS j WHERE schools.uai = j.value->>0`, encodeJSON(pairs)); err != nil {
		return fmt.Errorf("keep the official names: %w", err)
	}
	return nil
}

// OfficialNames returns the official name the registry keeps for each school that has one, by
// UAI.
func (db *DB) OfficialNames(ctx context.Context) (map[string]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT uai, official_name FROM schools WHERE official_name <> ''`)
	if err != nil {
		return nil, fmt.Errorf("read the official names: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var uai, name string
		if err := rows.Scan(&uai, &name); err != nil {
			return nil, err
		}
		out[uai] = name
	}
	return out, rows.Err()
}

// DirectoryState returns the directory file in use, from the transaction.
func (t *Tx) DirectoryState() (convention.DirectoryState, error) {
	return directoryState(t.ctx, t.tx)
}

// DirectoryWarning is a row a commune's list had accepted with a warning of the national
// directory (a school that closes, a private one).
type DirectoryWarning struct {
	Commune    string
	ReceivedAt time.Time
	Message    string // in French, as the reply gave it
}

// directoryWarningsQuery starts from the requests decided in the span (requests_decided; a
// decided request is never claimed) and reads their problems (problems_request): never the
// problems of ten years.
const directoryWarningsQuery = `SELECT coalesce(c.name, ''), r.received_at, p.message FROM requests r
		CROSS JOIN problems p ON p.request_id = r.id LEFT JOIN communes c ON c.id = r.commune_id
		WHERE p.field = ? AND p.severity = 'warning' AND r.state <> 'claimed' AND r.decided_at >= ? AND r.decided_at < ? ORDER BY r.id, p.id`

// DirectoryWarnings returns the directory's warnings of the requests decided in [from, to).
func (t *Tx) DirectoryWarnings(from, to time.Time) ([]DirectoryWarning, error) {
	rows, err := t.tx.QueryContext(t.ctx, directoryWarningsQuery, convention.DirectoryField, fmtTime(from), fmtTime(to))
	if err != nil {
		return nil, fmt.Errorf("list the directory's warnings: %w", err)
	}
	defer rows.Close()
	var out []DirectoryWarning
	for rows.Next() {
		var w DirectoryWarning
		var at string
		if err := rows.Scan(&w.Commune, &at, &w.Message); err != nil {
			return nil, err
		}
		w.ReceivedAt = parseTime(at)
		out = append(out, w)
	}
	return out, rows.Err()
}
