package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/laclasse/intake/convention"
)

// maxCachedSchools bounds the schools registryCache keeps, all communes together (a few MB):
// the Métropole's registry fits many times over; on a national store the communes decided
// least lately are let go.
const maxCachedSchools = 10_000

// registryCache keeps, for the communes decided lately, their schools as the store last had
// them, so that a decision does not read and decode its commune's whole registry from SQLite
// again (a sixth of the daemon's CPU per message, with communes of 200 schools).
//
// Implementation notes: an entry is valid for one communes.registry_version, which SQLite's own
// triggers move on every write of one of the commune's schools, whoever writes (this process,
// the command line in another, the console, a calendar job; migration 0013). A decision reads
// the version inside its write transaction and uses the entry only when it matches. It takes
// the entry out of the cache for the time of its transaction, folds into it the schools it
// wrote, read back from the store before the commit, and puts it back after the commit only if
// the version moved by exactly the number of school rows it wrote: any write it did not track
// drops the entry, and a transaction rolled back leaves nothing behind. The decision itself gets
// a copy: it never holds the entry's map nor its pointers.
type registryCache struct {
	mu      sync.Mutex
	entries map[int64]*cachedRegistry // by commune id
	schools int                       // in all entries
	tick    uint64
	// hits and misses count the lookups, for tests.
	hits, misses int
}

// cachedRegistry is one commune's schools at one registry version.
type cachedRegistry struct {
	version int64
	schools map[string]convention.School // by UAI
	stored  map[string]storedSchool      // the same schools' rows, by UAI
	used    uint64                       // registryCache.tick at its last use
}

// storedSchool is what a decision writing a school needs of its row beyond convention.School:
// its id, and its administrator as stored (the history's "before").
type storedSchool struct {
	id    int64
	admin string
}

// take removes and returns the entry of commune id if it holds version, nil otherwise (and
// then drops a stale entry).
func (c *registryCache) take(id, version int64) *cachedRegistry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[id]
	if e != nil {
		delete(c.entries, id)
		c.schools -= len(e.schools)
	}
	if e == nil || e.version != version {
		c.misses++
		return nil
	}
	c.hits++
	return e
}

// put installs e as the entry of commune id, letting go of the entries used least lately to
// stay within maxCachedSchools.
func (c *registryCache) put(id int64, e *cachedRegistry) {
	if len(e.schools) > maxCachedSchools {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[id]; old != nil { // a decision that committed after this one and put first
		c.schools -= len(old.schools)
		delete(c.entries, id)
	}
	for c.schools+len(e.schools) > maxCachedSchools {
		var oldest int64
		var first = true
		for cid, o := range c.entries {
			if first || o.used < c.entries[oldest].used {
				oldest, first = cid, false
			}
		}
		c.schools -= len(c.entries[oldest].schools)
		delete(c.entries, oldest)
	}
	if c.entries == nil {
		c.entries = map[int64]*cachedRegistry{}
	}
	c.tick++
	e.used = c.tick
	c.entries[id] = e
	c.schools += len(e.schools)
}

// communeRegistry is a decision's read of its commune's registry, to be folded and put back in
// the cache once the decision is written.
type communeRegistry struct {
	cache     *registryCache
	communeID int64
	name      string                       // the commune's name as stored
	version   int64                        // registry_version when read
	schools   map[string]convention.School // the commune's schools at version, the decision's to keep
	stored    map[string]storedSchool      // their rows
	// others are the schools named that belong to other communes, as read in the decision's
	// transaction, and their rows.
	others       map[string]convention.School
	othersStored map[string]storedSchool
	written      int64    // school rows the decision wrote in the commune (wrote)
	uais         []string // the schools written
	// touched are the schools the decision wrote, in any commune: their rows are read again
	// from the store (known).
	touched map[string]bool
	// after holds, by UAI, what the decision last wrote of each school it wrote (wroteSchool).
	after map[string]writtenSchool
}

// writtenSchool is a school's row as a decision wrote it.
type writtenSchool struct {
	school convention.School // the columns written
	row    storedSchool
}

// decisionRegistry returns the schools of commune and the schools named (uais), keyed by UAI, as
// registryOf does, reading the commune's own from the cache when it is up to date. The map is
// the caller's. The communeRegistry returned (nil when commune is not in the store) is to be
// told of the decision's writes (wrote) and settled before the commit (settle).
func (db *DB) decisionRegistry(ctx context.Context, tx queryer, commune string, uais []string) (map[string]convention.School, *communeRegistry, error) {
	if commune == "" {
		m, err := registryOf(ctx, tx, commune, uais)
		return m, nil, err
	}
	r := &communeRegistry{cache: &db.registry}
	err := tx.QueryRowContext(ctx, `SELECT id, name, registry_version FROM communes WHERE name = ?`, commune).Scan(&r.communeID, &r.name, &r.version)
	if errors.Is(err, sql.ErrNoRows) {
		m, err := registryOf(ctx, tx, commune, uais)
		return m, nil, err
	} else if err != nil {
		return nil, nil, fmt.Errorf("read registry version of %s: %w", commune, err)
	}
	if e := r.cache.take(r.communeID, r.version); e != nil {
		r.schools, r.stored = e.schools, e.stored
	} else if r.schools, r.stored, err = readSchoolRows(ctx, tx, `WHERE s.commune_id = ?`, []any{r.communeID}); err != nil {
		return nil, nil, err
	}
	view := cloneSchools(r.schools)
	// A school named that is the commune's is in its schools: only the others are read.
	var elsewhere []string
	for _, u := range uais {
		if _, ok := r.schools[u]; !ok {
			elsewhere = append(elsewhere, u)
		}
	}
	if len(elsewhere) > 0 {
		if r.others, r.othersStored, err = readSchoolRows(ctx, tx, otherCommunesWhere, []any{encodeJSON(elsewhere), r.communeID}); err != nil {
			return nil, nil, err
		}
		for uai, s := range cloneSchools(r.others) {
			view[uai] = s
		}
	}
	return view, r, nil
}

// otherCommunesWhere selects the schools named (a JSON array of UAIs) that belong to another
// commune than the one given, through the UAI's index.
const otherCommunesWhere = `WHERE s.uai IN (SELECT value FROM json_each(?)) AND s.commune_id <> ?`

// writtenWhere selects the schools named (a JSON array of UAIs) that belong to the commune given,
// through the UAI's index: the unary + keeps SQLite from walking the commune's schools instead.
const writtenWhere = `WHERE s.uai IN (SELECT value FROM json_each(?)) AND +s.commune_id = ?`

// wrote records that the decision wrote n rows of schools of the commune (an INSERT, or an
// UPDATE of the columns the registry reads), uai's.
func (r *communeRegistry) wrote(uai string, n int64) {
	if r == nil {
		return
	}
	r.written += n
	r.uais = append(r.uais, uai)
	if r.touched == nil {
		r.touched = map[string]bool{}
	}
	r.touched[uai] = true
}

// wroteSchool records that the decision's last write of school uai, of the commune, left its
// row holding s (its administrator as row.admin, its times as written): settle folds it into the
// commune's schools without reading it back.
func (r *communeRegistry) wroteSchool(uai string, s convention.School, row storedSchool) {
	if r == nil {
		return
	}
	if r.after == nil {
		r.after = map[string]writtenSchool{}
	}
	r.after[uai] = writtenSchool{school: s, row: row}
}

// known returns school uai as the decision's transaction read it, with its row, when the
// decision has not written it since (ok false: read it from the store). Only the schools the
// decision's view holds are known: the commune's, and the ones named in other communes.
func (r *communeRegistry) known(uai string) (s convention.School, row storedSchool, ok bool) {
	if r == nil || r.touched[uai] {
		return s, row, false
	}
	if s, ok = r.schools[uai]; ok {
		row, ok = r.stored[uai]
		return s, row, ok
	}
	if s, ok = r.others[uai]; ok {
		row, ok = r.othersStored[uai]
	}
	return s, row, ok
}

// settle folds into the commune's schools the ones the decision wrote, read back from the
// store, if the registry version moved by exactly the rows the decision wrote, and returns what
// to do after a successful commit (nothing when the schools are not to be kept).
func (r *communeRegistry) settle(ctx context.Context, tx queryer) (func(), error) {
	if r == nil {
		return func() {}, nil
	}
	var version int64
	if err := tx.QueryRowContext(ctx, `SELECT registry_version FROM communes WHERE id = ?`, r.communeID).Scan(&version); err != nil {
		return nil, fmt.Errorf("read registry version: %w", err)
	}
	if version != r.version+r.written {
		return func() {}, nil // written by something else too: read afresh next time
	}
	// The schools written are folded in as they were written, as the store reads them back;
	// one whose last write was not recorded (wroteSchool) is read back.
	var unknown []string
	for _, uai := range r.uais {
		w, ok := r.after[uai]
		if !ok {
			unknown = append(unknown, uai)
			continue
		}
		s, err := storedForm(w.school, r.name, w.row.admin)
		if err != nil {
			return nil, err
		}
		r.schools[uai], r.stored[uai] = s, w.row
	}
	if len(unknown) > 0 {
		written, rows, err := readSchoolRows(ctx, tx, writtenWhere, []any{encodeJSON(unknown), r.communeID})
		if err != nil {
			return nil, err
		}
		for uai, s := range written {
			r.schools[uai], r.stored[uai] = s, rows[uai]
		}
	}
	e := &cachedRegistry{version: version, schools: r.schools, stored: r.stored}
	return func() { r.cache.put(r.communeID, e) }, nil
}

// storedForm is school s of commune as readSchools reads it back once written with admin: its
// administrator decoded from what was stored, its times at the precision and in the zone of the
// store.
func storedForm(s convention.School, commune, admin string) (convention.School, error) {
	s.Commune = commune
	s.Admin = convention.Contact{}
	if err := decodeAdmin(admin, &s.Admin); err != nil {
		return s, fmt.Errorf("school %s: admin: %w", s.UAI, err)
	}
	s.ReceivedAt, s.DueAt = parseTime(fmtTime(s.ReceivedAt)), parseTime(fmtTime(s.DueAt))
	s.ActiveAt, s.RemoveAt, s.RemovedAt = parseTimePtr(fmtTimePtr(s.ActiveAt)), parseTimePtr(fmtTimePtr(s.RemoveAt)), parseTimePtr(fmtTimePtr(s.RemovedAt))
	return s, nil
}

// cloneSchools copies m, and the times its schools point to. maps.Clone copies the map's
// memory as it is, many times faster than inserting each school again.
func cloneSchools(m map[string]convention.School) map[string]convention.School {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]convention.School{}
	}
	var times []time.Time // the copies of the times, a chunk at a time
	copyTime := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		if len(times) == cap(times) {
			times = make([]time.Time, 0, 32)
		}
		times = append(times, *t)
		return &times[len(times)-1]
	}
	for uai, s := range m {
		if s.ActiveAt != nil || s.RemoveAt != nil || s.RemovedAt != nil {
			s.ActiveAt, s.RemoveAt, s.RemovedAt = copyTime(s.ActiveAt), copyTime(s.RemoveAt), copyTime(s.RemovedAt)
			out[uai] = s
		}
	}
	return out
}
