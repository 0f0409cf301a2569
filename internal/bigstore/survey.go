package bigstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sqlite"
)

// survey counts what the store holds and picks the samples, reopening it with sqlite.Open (which
// also proves that the store is one the daemon opens).
func (s *Store) survey(ctx context.Context, w *world, sim *simResult) error {
	st, err := sqlite.Open(ctx, s.Path, nil)
	if err != nil {
		return err
	}
	st.Close()
	db, err := sql.Open("sqlite", "file:"+s.Path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	tables, err := tableNames(ctx, db)
	if err != nil {
		return err
	}
	s.Counts = map[string]int{}
	for _, t := range tables {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+t+`"`).Scan(&n); err != nil {
			return err
		}
		s.Counts[t] = n
	}
	s.States = map[convention.RequestState]int{}
	if err := groupCount(ctx, db, `SELECT state, count(*) FROM requests GROUP BY state`, func(k string, n int) { s.States[convention.RequestState(k)] = n }); err != nil {
		return err
	}
	s.Schools = map[convention.Status]int{}
	if err := groupCount(ctx, db, `SELECT status, count(*) FROM schools GROUP BY status`, func(k string, n int) { s.Schools[convention.Status(k)] = n }); err != nil {
		return err
	}

	big := w.communes[0]
	s.Samples.BigCommune, s.Samples.BigCommuneINSEE, s.Samples.School, s.Samples.Sender = big.name, big.insee, samples.UAI(big.first), big.sender()
	one := func(q string, args ...any) (int64, error) {
		var id int64
		err := db.QueryRowContext(ctx, q, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return id, err
	}
	recent := `SELECT r.id FROM requests r JOIN communes c ON c.id = r.commune_id WHERE c.name = ? AND r.state = 'applied' AND (SELECT length(w.raw) FROM request_raws w WHERE w.request_id = r.id) > 0 ORDER BY r.received_at DESC LIMIT 1`
	if s.Samples.Request, err = one(recent, big.name); err != nil {
		return err
	}
	if s.Samples.Request == 0 {
		return fmt.Errorf("no recent applied list of %s", big.name)
	}
	for _, x := range []struct {
		id *int64
		q  string
	}{
		{&s.Samples.Forwarded, `SELECT id FROM requests WHERE state = 'forwarded' AND state <> 'claimed' ORDER BY received_at DESC LIMIT 1`},
		{&s.Samples.Quarantined, `SELECT id FROM requests WHERE state = 'rejected' AND state <> 'claimed' ORDER BY received_at DESC LIMIT 1`},
		{&s.Samples.Held, `SELECT request_id FROM held_removals ORDER BY held_at DESC LIMIT 1`},
	} {
		if *x.id, err = one(x.q); err != nil {
			return err
		}
	}
	if w.rounds > 1 {
		cp := w.communes[w.arch]
		s.Samples.CopyCommune, s.Samples.CopySchool = cp.name, samples.UAI(cp.first)
		if s.Samples.CopyRequest, err = one(recent, cp.name); err != nil {
			return err
		}
	}
	return nil
}

func groupCount(ctx context.Context, db *sql.DB, q string, f func(string, int)) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		f(k, n)
	}
	return rows.Err()
}
