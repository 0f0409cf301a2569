package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/laclasse/intake/convention"
)

// YearFacts is what the reports of one school year read of the store: of each school, only what
// tells when it was in the convention (its spans and its first activation), and the changes and
// requests of the year alone, never ten years of history.
type YearFacts struct {
	// Spans holds, for every school, the changes that open and close its spans in the convention
	// (add, readd, remove) and its first activation: school by school, each school's oldest first.
	Spans []SchoolEvent
	// Changes are the changes dated in the year, oldest first.
	Changes []SchoolEvent
	// Requests are the decided requests of a declared commune received in the year, oldest first.
	Requests []RequestFact
	// Renewals are the school years each commune's list was renewed by default (every year).
	Renewals map[string][]string
	// Communes names each commune of the store that a school, a decided request or a renewal
	// names, whatever its year: the communes the store's whole history would name.
	Communes []string
}

// schoolSpansQuery reads every school with its first activation (on changes_activate, one
// lookup a school).
const schoolSpansQuery = `SELECT s.id, c.name, s.uai, s.name, (SELECT min(a.at) FROM changes a WHERE a.kind = 'activate' AND a.school_id = s.id)
		FROM schools s JOIN communes c ON c.id = s.commune_id`

// spanChangesQuery reads the changes that open and close spans, from the covering index
// changes_spans alone.
const spanChangesQuery = `SELECT school_id, id, kind, at FROM changes WHERE kind IN ('add', 'readd', 'remove')`

// yearChangesQuery reads the changes dated in [?, ?), on changes_at.
const yearChangesQuery = `SELECT c.name, s.uai, s.name, ch.kind, ch.at FROM changes ch
		JOIN schools s ON s.id = ch.school_id JOIN communes c ON c.id = s.commune_id
		WHERE ch.at >= ? AND ch.at < ? ORDER BY ch.at, ch.id`

// yearRequestsWhere selects the requests received in [?, ?), on requests_received_at.
const yearRequestsWhere = `r.received_at >= ? AND r.received_at < ?`

// factCommunesQuery names the communes a school, a decided request or a renewal names.
const factCommunesQuery = `SELECT c.name FROM communes c WHERE EXISTS (SELECT 1 FROM schools s WHERE s.commune_id = c.id)
		OR EXISTS (SELECT 1 FROM requests r WHERE r.commune_id = c.id AND r.state <> 'claimed')
		OR EXISTS (SELECT 1 FROM renewals n WHERE n.commune_id = c.id) ORDER BY c.id`

// YearFacts reads what the reports of the school year [start, end) need, as the store stood at
// one instant, in one read transaction that no writer waits for.
func (db *DB) YearFacts(ctx context.Context, start, end time.Time) (YearFacts, error) {
	var f YearFacts
	tx, err := db.beginRead(ctx)
	if err != nil {
		return f, fmt.Errorf("read the reports' facts: %w", err)
	}
	defer tx.Rollback()
	if f.Spans, err = schoolSpans(ctx, tx); err != nil {
		return f, fmt.Errorf("read the schools' spans: %w", err)
	}
	if f.Changes, err = queryAll(ctx, tx, scanSchoolEvent, yearChangesQuery, fmtTime(start), fmtTime(end)); err != nil {
		return f, fmt.Errorf("read the year's changes: %w", err)
	}
	if f.Requests, err = requestFactsWhere(ctx, tx, yearRequestsWhere, fmtTime(start), fmtTime(end)); err != nil {
		return f, fmt.Errorf("read the year's requests: %w", err)
	}
	if f.Renewals, err = renewals(ctx, tx); err != nil {
		return f, fmt.Errorf("read the renewals: %w", err)
	}
	if f.Communes, err = queryColumn[string](ctx, tx, factCommunesQuery); err != nil {
		return f, fmt.Errorf("read the communes: %w", err)
	}
	return f, tx.Commit()
}

// schoolSpans returns, school by school, the changes that open and close each school's spans
// and its first activation, each school's in the order of SchoolEvents (date, then change).
func schoolSpans(ctx context.Context, q queryer) ([]SchoolEvent, error) {
	type school struct {
		commune, uai, name string
		activated          sql.NullString
	}
	schools := map[int64]school{}
	rows, err := q.QueryContext(ctx, schoolSpansQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s school
		if err := rows.Scan(&id, &s.commune, &s.uai, &s.name, &s.activated); err != nil {
			return nil, err
		}
		schools[id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	type change struct {
		school, id int64
		kind       convention.ChangeKind
		at         string
	}
	changes, err := queryAll(ctx, q, func(rows *sql.Rows) (change, error) {
		var c change
		err := rows.Scan(&c.school, &c.id, &c.kind, &c.at)
		return c, err
	}, spanChangesQuery)
	if err != nil {
		return nil, err
	}
	// A school's first activation comes last among its events: it opens no span.
	for id, s := range schools {
		if s.activated.Valid {
			changes = append(changes, change{school: id, kind: convention.ChangeActivate, at: s.activated.String})
		}
	}
	slices.SortFunc(changes, func(a, b change) int {
		if c := cmp.Compare(a.school, b.school); c != 0 {
			return c
		}
		if c := cmp.Compare(activation(a.kind), activation(b.kind)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	out := make([]SchoolEvent, 0, len(changes))
	for _, c := range changes {
		s, ok := schools[c.school]
		if !ok {
			continue
		}
		out = append(out, SchoolEvent{Commune: s.commune, UAI: s.uai, Name: s.name, Kind: c.kind, At: parseTime(c.at)})
	}
	return out, nil
}

// activation ranks a school's first activation after its other events.
func activation(k convention.ChangeKind) int {
	if k == convention.ChangeActivate {
		return 1
	}
	return 0
}
