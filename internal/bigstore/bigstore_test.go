package bigstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sqlite"
)

// small is a store with copies, small enough for every test: 10 archetypes, 3 copies each.
var small = Params{Schools: 400, Communes: 40, Years: 3, Seed: 7, Archetypes: 10}

var (
	smallOnce  sync.Once
	smallStore *Store
	smallErr   error
)

// generated returns the small store, generated once for the package's tests.
func generated(t *testing.T) *Store {
	t.Helper()
	smallOnce.Do(func() {
		dir, err := makeTempDir()
		if err != nil {
			smallErr = err
			return
		}
		smallStore, smallErr = Generate(context.Background(), filepath.Join(dir, "intake.db"), small)
	})
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return smallStore
}

func openRO(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestBigstoreCounts(t *testing.T) {
	s := generated(t)
	if got := s.Counts["schools"]; got != small.Schools {
		t.Errorf("schools: %d, want %d", got, small.Schools)
	}
	if got := s.Counts["communes"]; got != small.Communes {
		t.Errorf("communes: %d, want %d", got, small.Communes)
	}
	if got, want := s.Counts["requests"], 4*s.Real; got != want {
		t.Errorf("requests: %d, want the archetypes' %d four times (%d)", got, s.Real, want)
	}
	for _, st := range []convention.RequestState{convention.StateApplied, convention.StateDuplicate, convention.StateForwarded, convention.StateRejected} {
		if s.States[st] == 0 || s.States[st]%4 != 0 {
			t.Errorf("%s requests: %d, want some, the same for each copy", st, s.States[st])
		}
	}
	for _, table := range []string{"changes", "provisioning", "outbox", "attachments", "renewals", "staff_actions", "request_threads", "held_removals", "job_runs", "auto_replies"} {
		if s.Counts[table] == 0 {
			t.Errorf("%s: no rows", table)
		}
	}
	if s.Schools[convention.StatusRemoved] == 0 || s.Schools[convention.StatusActive] == 0 {
		t.Errorf("schools by status: %v, want active and removed ones", s.Schools)
	}
	if s.Samples.Request == 0 || s.Samples.Forwarded == 0 || s.Samples.Quarantined == 0 || s.Samples.Held == 0 || s.Samples.CopyRequest == 0 {
		t.Errorf("samples: %+v", s.Samples)
	}
}

// The copies are their archetypes again: for each commune, the same requests in each state and
// kind, the same changes of each kind, the same mails of each kind.
func TestBigstoreCopiesMatchArchetypes(t *testing.T) {
	s := generated(t)
	db := openRO(t, s.Path)
	for _, q := range []string{
		`SELECT c.name, r.state || '/' || coalesce(r.kind, '') || '/' || ((SELECT length(w.raw) FROM request_raws w WHERE w.request_id = r.id) > 0) || '/' || (r.purged_at IS NULL), count(*) FROM requests r JOIN communes c ON c.id = r.commune_id GROUP BY 1, 2`,
		`SELECT c.name, ch.kind || '/' || coalesce(ch.job, '') || '/' || (ch.request_id IS NULL) || '/' || (ch.staff_action_id IS NULL), count(*) FROM changes ch JOIN schools s ON s.id = ch.school_id JOIN communes c ON c.id = s.commune_id GROUP BY 1, 2`,
		`SELECT c.name, o.kind || '/' || (o.sent_at IS NULL) || '/' || (length(o.data) > 0), count(*) FROM outbox o JOIN requests r ON r.id = o.request_id JOIN communes c ON c.id = r.commune_id GROUP BY 1, 2`,
		`SELECT c.name, s.status, count(*) FROM schools s JOIN communes c ON c.id = s.commune_id GROUP BY 1, 2`,
		`SELECT c.name, p.kind || '/' || p.state, count(*) FROM provisioning p JOIN schools s ON s.id = p.school_id JOIN communes c ON c.id = s.commune_id GROUP BY 1, 2`,
		`SELECT c.name, a.kind, count(*) FROM staff_actions a JOIN communes c ON c.id = a.commune_id GROUP BY 1, 2`,
	} {
		got := map[string]map[string]int{}
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, key string
			var n int
			if err := rows.Scan(&name, &key, &n); err != nil {
				t.Fatal(err)
			}
			if got[name] == nil {
				got[name] = map[string]int{}
			}
			got[name][key] = n
		}
		rows.Close()
		for i, c := range s.Communes {
			arch := s.Communes[i%small.Archetypes].Name
			if !sameCounts(got[c.Name], got[arch]) {
				t.Errorf("%.60s…\n%s: %v\nits archetype %s: %v", q, c.Name, got[c.Name], arch, got[arch])
			}
		}
	}
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A copy names its own schools, addresses and mails, never its archetype's.
func TestBigstoreCopiesNameTheirOwn(t *testing.T) {
	s := generated(t)
	db := openRO(t, s.Path)
	w := newWorld(small)
	arch, cp := w.communes[0], w.communes[small.Archetypes]
	archUAI, copyUAI := samples.UAI(arch.first), samples.UAI(cp.first)
	var cid int64
	if err := db.QueryRow(`SELECT id FROM communes WHERE name = ?`, cp.name).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, q string }{
		{"changes", `SELECT count(*) FROM changes ch JOIN schools s ON s.id = ch.school_id WHERE s.commune_id = ?1 AND (ch.detail LIKE '%' || ?2 || '%' OR ch.after LIKE '%' || lower(?2) || '%')`},
		{"requests", `SELECT count(*) FROM requests WHERE commune_id = ?1 AND (sender LIKE '%' || ?3 || '%' OR message_id LIKE '%' || ?3 || '%')`},
		{"outbox", `SELECT count(*) FROM outbox o JOIN requests r ON r.id = o.request_id WHERE r.commune_id = ?1 AND (o.rcpt_to LIKE '%' || ?3 || '%')`},
	} {
		if n := count(t, db, c.q, cid, archUAI, arch.domain); n != 0 {
			t.Errorf("%s of %s: %d rows name its archetype %s", c.name, cp.name, n, arch.name)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM changes ch JOIN schools s ON s.id = ch.school_id WHERE s.uai = ? AND ch.detail LIKE '%' || ? || '%'`, copyUAI, copyUAI); n == 0 {
		t.Errorf("no change of %s names it", copyUAI)
	}
	// Message-IDs stay unique, so that a reply finds the one mail it answers.
	if n := count(t, db, `SELECT count(*) - count(DISTINCT message_id) FROM outbox WHERE message_id IS NOT NULL`); n != 0 {
		t.Errorf("%d mails share a Message-ID", n)
	}
	// A thread answers a mail of the same commune.
	if n := count(t, db, `SELECT count(*) FROM request_threads t JOIN requests r ON r.id = t.request_id JOIN outbox o ON o.id = t.answers
		JOIN requests r2 ON r2.id = o.request_id WHERE r2.commune_id IS NOT r.commune_id`); n != 0 {
		t.Errorf("%d threads answer another commune's mail", n)
	}
	// A duplicate names an earlier request of its own commune.
	rows, err := db.Query(`SELECT r.id, r.reason, r.commune_id FROM requests r WHERE r.state = 'duplicate'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, commune int64
		var reason string
		if err := rows.Scan(&id, &reason, &commune); err != nil {
			t.Fatal(err)
		}
		_, num, _ := strings.Cut(reason, "n° ")
		num, _, _ = strings.Cut(num, ")")
		if n := count(t, db, `SELECT count(*) FROM requests WHERE id = ? AND commune_id = ? AND id < ?`, num, commune, id); n != 1 {
			t.Errorf("duplicate %d: %q names no earlier request of its commune", id, reason)
		}
	}
	// The raw messages kept are what their hash says.
	rows2, err := db.Query(`SELECT r.id, w.raw, r.raw_sha256 FROM requests r JOIN request_raws w ON w.request_id = r.id WHERE length(w.raw) > 0 AND r.commune_id = ?`, cid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows2.Close()
	seen := 0
	for rows2.Next() {
		var id int64
		var raw []byte
		var sum string
		if err := rows2.Scan(&id, &raw, &sum); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(raw)
		if hex.EncodeToString(h[:]) != sum {
			t.Errorf("request %d: raw_sha256 is not its raw's", id)
		}
		if !strings.Contains(string(raw), "@"+cp.domain) {
			t.Errorf("request %d: the raw message is not from %s", id, cp.domain)
		}
		seen++
	}
	if seen == 0 {
		t.Errorf("no raw message kept for %s", cp.name)
	}
}

// The store is one the daemon opens and reads: the registry, the requests, a school's history.
func TestBigstoreReadByTheStore(t *testing.T) {
	s := generated(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, s.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	schools, err := st.Schools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(schools) != small.Schools {
		t.Errorf("Schools: %d, want %d", len(schools), small.Schools)
	}
	lines, err := st.Requests(ctx, sqlite.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != s.Counts["requests"] {
		t.Errorf("Requests: %d, want %d", len(lines), s.Counts["requests"])
	}
	for _, uai := range []string{s.Samples.School, s.Samples.CopySchool} {
		h, err := st.History(ctx, uai)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, e := range h {
			kinds[string(e.Kind)] = true
		}
		if !kinds["add"] || !kinds["activate"] {
			t.Errorf("history of %s: %+v, want its addition and activation", uai, h)
		}
	}
}

func TestBigstoreMetropole(t *testing.T) {
	if testing.Short() {
		t.Skip("a year of 59 communes through the real code")
	}
	dir := t.TempDir()
	s, err := Generate(context.Background(), filepath.Join(dir, "intake.db"), Metropole)
	if err != nil {
		t.Fatal(err)
	}
	if s.Counts["schools"] != 600 || s.Counts["communes"] != 59 {
		t.Errorf("counts: %v", s.Counts)
	}
	if s.Counts["requests"] != s.Real {
		t.Errorf("requests: %d, want all %d through the real code", s.Counts["requests"], s.Real)
	}
	t.Logf("%v: %v, %v", s.Generated, s.States, s.Counts)
	for _, st := range []convention.RequestState{convention.StateApplied, convention.StateForwarded, convention.StateRejected, convention.StateHeld} {
		if s.States[st] == 0 {
			t.Errorf("no %s request in a year of the Métropole: %v", st, s.States)
		}
	}
	if s.Samples.BigCommune != "Lyon" || s.Samples.CopyCommune != "" {
		t.Errorf("samples: %+v", s.Samples)
	}
}

func TestBigstoreParams(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Params
		ok   bool
	}{
		{"National", National, true},
		{"Metropole", Metropole, true},
		{"ErrArchetypes", Params{Schools: 100, Communes: 30, Years: 1, Archetypes: 7}, false},
		{"ErrSchools", Params{Schools: 10, Communes: 30, Years: 1}, false},
		{"ErrYears", Params{Schools: 100, Communes: 30}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.p.check(); (err == nil) != c.ok {
				t.Errorf("check: %v", err)
			}
		})
	}
	w := newWorld(National)
	if w.arch != 20 || w.rounds != 100 || w.uaiSpan != 450 {
		t.Errorf("national world: %d archetypes, %d rounds, %d schools a round", w.arch, w.rounds, w.uaiSpan)
	}
	names := map[string]bool{}
	for _, c := range w.communes {
		if names[strings.ToLower(c.name)] {
			t.Errorf("commune name %q twice", c.name)
		}
		names[strings.ToLower(c.name)] = true
	}
}

func TestBigstoreCached(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	p := Params{Schools: 40, Communes: 4, Years: 1, Seed: 3, Archetypes: 2}
	a, err := Cached(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Cached(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if a.Path != b.Path || a.Generated != b.Generated || b.Counts["schools"] != 40 {
		t.Errorf("second call: %s %v %v, want the first's %s %v", b.Path, b.Generated, b.Counts, a.Path, a.Generated)
	}
}

var tempDirs []string

func makeTempDir() (string, error) {
	dir, err := os.MkdirTemp("", "bigstore-test-")
	if err == nil {
		tempDirs = append(tempDirs, dir)
	}
	return dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
