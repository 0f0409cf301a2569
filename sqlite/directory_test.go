package sqlite

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/directory"
	"github.com/laclasse/intake/internal/annuairegen"
)

// loadExtract loads the real extract of the directory into db.
func loadExtract(t *testing.T, db *DB) {
	t.Helper()
	f, err := os.Open(annuairegen.RealExtract(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := db.ReplaceDirectory(context.Background(), convention.DirectoryState{SHA256: "s1", ETag: `"e1"`},
		func(yield func(convention.DirectoryEntry) error) (int, error) { return directory.Read(f, yield) }); err != nil {
		t.Fatal(err)
	}
}

func TestDirectory(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	if _, loaded, err := db.DirectoryEntries(ctx, []string{"0940176F"}); err != nil || loaded {
		t.Fatalf("before any load: loaded %v, %v", loaded, err)
	}
	loadExtract(t, db)
	st, err := db.DirectoryState(ctx)
	if err != nil || st.Rows != 613 || st.SHA256 != "s1" || st.ETag != `"e1"` || st.LoadedAt == nil || st.Failing() {
		t.Fatalf("state %+v, %v", st, err)
	}

	t.Run("Entries", func(t *testing.T) {
		got, loaded, err := db.DirectoryEntries(ctx, []string{"0940176F", "0941874B", "0940001A"})
		if err != nil || !loaded || len(got) != 2 {
			t.Fatalf("%v %v %+v", loaded, err, got)
		}
		e := got["0940176F"]
		if e.Name != "Ecole élémentaire Robert Doisneau" || e.CommuneINSEE != "94034" || !e.Public || !e.IsPrimary() || e.Opened.Format("2006-01-02") != "1965-05-01" {
			t.Errorf("0940176F read back as %+v", e)
		}
		if !got["0941874B"].Closing() {
			t.Errorf("0941874B read back as %+v", got["0941874B"])
		}
	})
	t.Run("ManyUAIs", func(t *testing.T) {
		// One query, whatever the number of UAIs.
		uais := make([]string, 40000)
		for i := range uais {
			uais[i] = annuairegen.UAI(2000000 + i)
		}
		uais[123] = "0940176F"
		if got, _, err := db.DirectoryEntries(ctx, uais); err != nil || len(got) != 1 {
			t.Fatalf("%d found, %v", len(got), err)
		}
		plan := strings.Join(queryPlan(t, db, `SELECT uai FROM directory WHERE uai IN (SELECT value FROM json_each(?))`, `["0940176F"]`), "\n")
		if !strings.Contains(plan, "PRIMARY KEY") && !strings.Contains(plan, "USING INDEX") {
			t.Errorf("the look-up scans the directory:\n%s", plan)
		}
	})
	t.Run("Commune", func(t *testing.T) {
		// Créteil: 43 public schools, one of them closing.
		got, err := db.DirectoryCommune(ctx, "94028")
		if err != nil || len(got) != 42 {
			t.Fatalf("%d schools, %v", len(got), err)
		}
		for _, e := range got {
			if e.CommuneINSEE != "94028" || e.Closing() || e.UAI == "0941874B" {
				t.Errorf("%+v", e)
			}
		}
		plan := strings.Join(queryPlan(t, db, `SELECT uai FROM directory WHERE commune_insee = ?`, "94028"), "\n")
		if !strings.Contains(plan, "directory_commune") {
			t.Errorf("plan does not use directory_commune:\n%s", plan)
		}
	})
	t.Run("RollbackOnFailure", func(t *testing.T) {
		bad := errors.New("truncated")
		err := db.ReplaceDirectory(ctx, convention.DirectoryState{SHA256: "s2"}, func(yield func(convention.DirectoryEntry) error) (int, error) {
			for i := 0; i < 3000; i++ {
				if err := yield(convention.DirectoryEntry{UAI: annuairegen.UAI(3000000 + i)}); err != nil {
					return i, err
				}
			}
			return 3000, bad
		})
		if !errors.Is(err, bad) {
			t.Fatalf("err = %v", err)
		}
		st, _ := db.DirectoryState(ctx)
		got, _, _ := db.DirectoryEntries(ctx, []string{"0940176F", annuairegen.UAI(3000000)})
		if st.SHA256 != "s1" || st.Rows != 613 || len(got) != 1 {
			t.Errorf("a failed replacement left state %+v, rows %+v", st, got)
		}
	})
	t.Run("FailedThenChecked", func(t *testing.T) {
		at := t0.Add(time.Hour)
		if err := db.DirectoryFailed(ctx, at, "shrunk", "500 rows, the previous file had 613"); err != nil {
			t.Fatal(err)
		}
		st, _ := db.DirectoryState(ctx)
		if !st.Failing() || st.Failure != "shrunk" || !st.FailedAt.Equal(at) || st.Rows != 613 {
			t.Fatalf("state %+v", st)
		}
		if err := db.DirectoryChecked(ctx, at.Add(time.Hour), `"e2"`, ""); err != nil {
			t.Fatal(err)
		}
		st, _ = db.DirectoryState(ctx)
		if st.Failing() || st.ETag != `"e2"` || st.SHA256 != "s1" {
			t.Fatalf("state %+v", st)
		}
	})
}

// TestDirectoryRegistry: the official names a decision keeps, and the registered schools the
// directory says close or no longer lists.
func TestDirectoryRegistry(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	loadExtract(t, db)
	r, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 1}, t0, []byte("m"))
	doisneau, closing, gone := addition("0940176F"), addition("0941874B"), addition("0690101K")
	if _, err := db.Decide(ctx, DecideInput{RequestID: r.ID}, func(DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites", Changes: []convention.Change{doisneau, closing, gone},
			OfficialNames: map[string]string{"0940176F": "Ecole élémentaire Robert Doisneau"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	names, err := db.OfficialNames(ctx)
	if err != nil || len(names) != 1 || names["0940176F"] != "Ecole élémentaire Robert Doisneau" {
		t.Fatalf("official names %v, %v", names, err)
	}
	schools, _ := db.Schools(ctx)
	for _, s := range schools {
		if s.UAI == "0940176F" && s.Name != doisneau.Name {
			t.Errorf("the commune's label was replaced: %q", s.Name)
		}
	}
	var watched []DirectoryWatched
	if _, err := db.RunJob(ctx, "weekly:test", t0, func(tx *Tx) ([]convention.OutgoingMail, error) {
		var err error
		watched, err = tx.DirectoryWatch()
		return nil, err
	}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, w := range watched {
		got[w.School.UAI] = w.Listed
	}
	elsewhere := map[string]bool{}
	for _, w := range watched {
		elsewhere[w.School.UAI] = w.Elsewhere
	}
	// Each school watched is read whole, in the registry's order.
	for i, w := range watched {
		if w.School.Commune != "Givors" || w.School.Admin.Email != "x@y.fr" || w.School.Status != convention.StatusPending || i > 0 && watched[i-1].School.UAI >= w.School.UAI {
			t.Errorf("watched[%d] = %+v: not the school as the registry has it, in its order", i, w.School)
		}
		if w.Listed != (w.Entry.UAI == w.School.UAI) {
			t.Errorf("watched[%d]: listed %v with the directory's row %+v", i, w.Listed, w.Entry)
		}
	}
	// Registered for Givors, all three: Fresnes' and Créteil's by the directory.
	if len(got) != 3 || !got["0941874B"] || !got["0940176F"] || got["0690101K"] || !elsewhere["0940176F"] || elsewhere["0690101K"] {
		t.Errorf("watched %+v, want 0941874B (closing, elsewhere), 0940176F (elsewhere) and 0690101K (not listed)", watched)
	}
}

// TestDirectoryCommuneArrondissements: Lyon's schools, which the directory places in its
// arrondissements (69381 to 69389), are Lyon's (69123).
func TestDirectoryCommuneArrondissements(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	rows := []convention.DirectoryEntry{
		{UAI: "0690001Y", Name: "Ecole A", Type: "Ecole", Public: true, CommuneINSEE: "69381", State: "OUVERT"},
		{UAI: "0690002Z", Name: "Ecole B", Type: "Ecole", Public: true, CommuneINSEE: "69389", State: "OUVERT"},
		{UAI: "0690003A", Name: "Ecole C", Type: "Ecole", Public: true, CommuneINSEE: "69091", State: "OUVERT"},
		{UAI: "0690004B", Name: "Collège D", Type: "Collège", Public: true, CommuneINSEE: "69383", State: "OUVERT"},
	}
	if err := db.ReplaceDirectory(ctx, convention.DirectoryState{SHA256: "x"}, func(yield func(convention.DirectoryEntry) error) (int, error) {
		for _, e := range rows {
			if err := yield(e); err != nil {
				return 0, err
			}
		}
		return len(rows), nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := db.DirectoryCommune(ctx, "69123")
	if err != nil || len(got) != 2 || got[0].UAI != "0690001Y" || got[1].UAI != "0690002Z" {
		t.Errorf("Lyon's schools: %+v, %v", got, err)
	}
}
