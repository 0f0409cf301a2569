package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// cacheDecide claims message uid and decides it for commune with changes, as a list naming uais;
// check, when set, looks at the registry the decision was given.
func cacheDecide(t *testing.T, db *DB, uid uint32, commune string, uais []string, check func(map[string]convention.School), changes ...convention.Change) error {
	t.Helper()
	ctx := context.Background()
	r, err := db.Claim(ctx, MessageKey{"INBOX", 1, uid}, t0, []byte(fmt.Sprintf("message %d", uid)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Decide(ctx, DecideInput{RequestID: r.ID, Commune: commune, UAIs: uais}, func(v DecideView) (*convention.Decision, error) {
		if check != nil {
			check(v.Registry)
		}
		return &convention.Decision{State: convention.StateApplied, Commune: commune, Target: "Traites", Changes: changes}, nil
	})
	return err
}

func adminChange(uai, last string) convention.Change {
	return convention.Change{Kind: convention.ChangeAdmin, UAI: uai, Admin: convention.Contact{LastName: last, Email: "x@y.fr"}, At: t0, DueAt: convention.DueAt(t0)}
}

func cacheHits(db *DB) int {
	db.registry.mu.Lock()
	defer db.registry.mu.Unlock()
	return db.registry.hits
}

// TestRegistryCacheSeesOtherWriters: a write of a school by another handle on the store (the
// command line, another process) between two decisions is in the registry the second decision
// sees, whatever it wrote, and so is a renamed commune.
func TestRegistryCacheSeesOtherWriters(t *testing.T) {
	ctx := context.Background()
	db, other := openTwice(t)
	decide := givorsDecider(t, db)
	decide(nil, addition("0690001A"), addition("0690002B"))
	decide(nil, adminChange("0690002B", "Y")) // the registry is now cached
	hits := cacheHits(db)
	for _, tc := range []struct {
		name  string
		write func() error
		want  func(map[string]convention.School) string
	}{
		{"Activate", func() error { _, err := other.Activate(ctx, []string{"0690001A"}, t0.Add(time.Hour)); return err },
			func(m map[string]convention.School) string { return string(m["0690001A"].Status) }},
		{"SQL", func() error {
			_, err := other.db.Exec(`UPDATE schools SET name = 'Renommée' WHERE uai = '0690002B'`)
			return err
		}, func(m map[string]convention.School) string { return m["0690002B"].Name }},
		{"Insert", func() error {
			_, err := other.db.Exec(`INSERT INTO schools (commune_id, uai, name, status, admin, received_at, due_at)
				SELECT id, '0690003C', 'Nouvelle', 'pending', '{}', '', '' FROM communes WHERE name = 'Givors'`)
			return err
		}, func(m map[string]convention.School) string { return m["0690003C"].Name }},
		{"RenamedCommune", func() error {
			_, err := other.db.Exec(`UPDATE communes SET name = 'Givors-la-Neuve' WHERE name = 'Givors'`)
			if err == nil {
				_, err = other.db.Exec(`UPDATE communes SET name = 'Givors' WHERE name = 'Givors-la-Neuve'`)
			}
			return err
		}, nil},
		{"Moved", func() error {
			_, err := other.db.Exec(`UPDATE schools SET commune_id = (SELECT id FROM communes WHERE name = 'Grigny') WHERE uai = '0690003C'`)
			return err
		}, func(m map[string]convention.School) string { return fmt.Sprint(len(m)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := registryOf(ctx, db.db, "Givors", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.write(); err != nil {
				t.Fatal(err)
			}
			fresh, err := registryOf(ctx, db.db, "Givors", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && tc.want(fresh) == tc.want(want) {
				t.Fatalf("the write changed nothing the test can see: %q", tc.want(fresh))
			}
			decide(func(m map[string]convention.School) {
				if !reflect.DeepEqual(m, fresh) {
					t.Errorf("after a write by another handle the decision saw\n%+v\nnot\n%+v", m, fresh)
				}
			}, adminChange("0690002B", tc.name))
		})
	}
	// The decisions between the writes of others were served from the cache: it was tested.
	decide(nil, adminChange("0690002B", "Z"))
	if cacheHits(db) <= hits {
		t.Errorf("the registry was never read from the cache (%d hits)", cacheHits(db))
	}
}

// TestRegistryCacheRollback: a decision rolled back leaves nothing of its writes in the registry
// the next decision sees.
func TestRegistryCacheRollback(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	if err := cacheDecide(t, db, 1, "Givors", nil, nil, addition("0690001A")); err != nil {
		t.Fatal(err)
	}
	if err := cacheDecide(t, db, 2, "Givors", nil, nil, adminChange("0690001A", "Y")); err != nil {
		t.Fatal(err)
	}
	// The school added and the change of administrator are written, then the change to a school
	// that does not exist fails the decision.
	err := cacheDecide(t, db, 3, "Givors", nil, nil, addition("0690009Z"), adminChange("0690001A", "Annulé"), adminChange("0699999X", "Q"))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("decision: %v, want ErrNotFound", err)
	}
	want, err := registryOf(ctx, db.db, "Givors", nil)
	if err != nil || len(want) != 1 || want["0690001A"].Admin.LastName != "Y" {
		t.Fatalf("store after the rollback: %+v, %v", want, err)
	}
	if err := cacheDecide(t, db, 4, "Givors", nil, func(m map[string]convention.School) {
		if !reflect.DeepEqual(m, want) {
			t.Errorf("after a rolled back decision the next saw\n%+v\nnot\n%+v", m, want)
		}
	}, adminChange("0690001A", "W")); err != nil {
		t.Fatal(err)
	}
}

// TestRegistryCacheIsTheStore: after random sequences of decisions (additions, changes of
// administrator, renames, removals scheduled and cancelled, schools taken over from another
// commune) and of staff actions and writes by another handle, every decision sees what
// registryOf reads from the store, and what it does to its copy never reaches the cache.
func TestRegistryCacheIsTheStore(t *testing.T) {
	ctx := context.Background()
	db, other := openTwice(t)
	rng := rand.New(rand.NewPCG(17, 2))
	communes := []string{"Givors", "Grigny"}
	known := map[string]string{} // UAI → commune, as the test wrote it
	uai := func(i int) string { return fmt.Sprintf("069%04dA", i) }
	uid := uint32(0)
	for step := range 300 {
		commune := communes[rng.IntN(2)]
		var changes []convention.Change
		var named []string
		switch op := rng.IntN(10); {
		case op == 0: // staff open access to a school
			u := uai(rng.IntN(40))
			if known[u] != "" {
				if _, err := other.Activate(ctx, []string{u}, t0.Add(time.Duration(step)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			continue
		case op == 1: // a write the daemon never makes
			if _, err := other.db.Exec(`UPDATE schools SET admin = '{"last_name":"SQL"}' WHERE uai = ?`, uai(rng.IntN(40))); err != nil {
				t.Fatal(err)
			}
			continue
		default:
			seen := map[string]bool{}
			for range 1 + rng.IntN(4) {
				u := uai(rng.IntN(40))
				if seen[u] {
					continue
				}
				seen[u] = true
				named = append(named, u)
				var ch convention.Change
				switch {
				case known[u] == "" || known[u] != commune:
					ch = addition(u) // new, or taken over from the other commune
					known[u] = commune
				case rng.IntN(4) == 0:
					ch = convention.Change{Kind: convention.ChangeRename, UAI: u, Name: fmt.Sprintf("École %d", step), At: t0}
				case rng.IntN(4) == 0:
					at := t0.AddDate(1, 0, 0)
					ch = convention.Change{Kind: convention.ChangeScheduleRemov, UAI: u, At: t0, RemoveAt: at}
				case rng.IntN(3) == 0:
					ch = convention.Change{Kind: convention.ChangeCancelRemoval, UAI: u, At: t0}
				default:
					ch = adminChange(u, fmt.Sprintf("Admin %d", step))
				}
				changes = append(changes, ch)
			}
		}
		want, err := registryOf(ctx, other.db, commune, named)
		if err != nil {
			t.Fatal(err)
		}
		uid++
		err = cacheDecide(t, db, uid, commune, named, func(m map[string]convention.School) {
			if !reflect.DeepEqual(m, want) {
				t.Fatalf("step %d (%s, %v): the decision saw\n%+v\nthe store holds\n%+v", step, commune, named, m, want)
			}
			// What a decision does to its registry is its own.
			for u, s := range m {
				s.Name = "changed by the decision"
				if s.ActiveAt != nil {
					*s.ActiveAt = time.Time{}
				}
				m[u] = s
			}
		}, changes...)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
	}
	if cacheHits(db) < 100 {
		t.Errorf("%d decisions of 300 served from the cache", cacheHits(db))
	}
}

// openTwice opens a new store and a second handle on the same file: another writer, as the
// command line in another process is.
func openTwice(t *testing.T) (db, other *DB) {
	t.Helper()
	db, path := open(t)
	other, err := Open(context.Background(), path, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return db, other
}

// TestRegistryCacheOutlivesSyncCommunes: every command of the command line syncs the
// configuration's communes, setting each name again; that keeps the registries the daemon holds,
// and a change of a name's case, which the schools read show, does not.
func TestRegistryCacheOutlivesSyncCommunes(t *testing.T) {
	ctx := context.Background()
	db, other := openTwice(t)
	decide := givorsDecider(t, db)
	decide(nil, addition("0690001A"))
	decide(nil, adminChange("0690001A", "Y")) // the registry is now cached
	communes := []convention.Commune{{Name: "Givors", INSEE: "69091"}, {Name: "Grigny", INSEE: "69096"}}
	if err := other.SyncCommunes(ctx, communes); err != nil {
		t.Fatal(err)
	}
	hits := cacheHits(db)
	decide(nil, adminChange("0690001A", "Z"))
	if cacheHits(db) != hits+1 {
		t.Errorf("the same communes synced again: the next decision read the registry afresh (hits %d → %d)", hits, cacheHits(db))
	}
	communes[0].Name = "GIVORS"
	if err := other.SyncCommunes(ctx, communes); err != nil {
		t.Fatal(err)
	}
	decide(func(m map[string]convention.School) {
		if got := m["0690001A"].Commune; got != "GIVORS" {
			t.Errorf("after a change of case, the school's commune reads %q, want GIVORS", got)
		}
	}, adminChange("0690001A", "W"))
}

// givorsDecider returns a function that decides, each time under a message of its own, a list of
// Givors naming no school with changes, check looking at the registry the decision was given.
func givorsDecider(t *testing.T, db *DB) func(check func(map[string]convention.School), changes ...convention.Change) {
	uid := uint32(0)
	return func(check func(map[string]convention.School), changes ...convention.Change) {
		t.Helper()
		uid++
		if err := cacheDecide(t, db, uid, "Givors", nil, check, changes...); err != nil {
			t.Fatal(err)
		}
	}
}
