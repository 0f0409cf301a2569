package laclasse_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/laclasse"
	"github.com/laclasse/intake/sqlite"
)

var t0 = time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)

// registryWith opens a store and applies one commune's request adding schools.
func registryWith(t *testing.T, changes ...convention.Change) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "i.db"), func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SyncCommunes(ctx, []convention.Commune{{Name: "Givors", INSEE: "69091"}}); err != nil {
		t.Fatal(err)
	}
	apply(t, db, 1, changes...)
	return db
}

func apply(t *testing.T, db *sqlite.DB, uid uint32, changes ...convention.Change) {
	t.Helper()
	ctx := context.Background()
	r, err := db.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: uid}, t0, []byte("m"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Decide(ctx, sqlite.DecideInput{RequestID: r.ID}, func(sqlite.DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites", Changes: changes}, nil
	}); err != nil {
		t.Fatal(err)
	}
}

func add(uai, email string) convention.Change {
	return convention.Change{Kind: convention.ChangeAdd, UAI: uai, Name: "École " + uai, At: t0, DueAt: convention.DueAt(t0),
		Admin: convention.Contact{LastName: "MARTIN", FirstName: "Léa", Role: "Directrice", Email: email, Phone: "+33472103140"}}
}

func provisioner(t *testing.T, f *fakeService, db *sqlite.DB) *laclasse.Provisioner {
	return &laclasse.Provisioner{Client: newClient(t, f), Queue: db, Now: func() time.Time { return t0.Add(time.Hour) },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), IsNone: func(err error) bool { return errors.Is(err, sqlite.ErrNoneDue) }}
}

func status(t *testing.T, db *sqlite.DB, uai string) convention.Status {
	t.Helper()
	schools, err := db.Schools(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range schools {
		if s.UAI == uai {
			return s.Status
		}
	}
	t.Fatalf("no school %s", uai)
	return ""
}

// TestProvisioner carries the registry's changes to the directory: activation, change of
// administrator, removal, and a refusal that waits for a person.
func TestProvisioner(t *testing.T) {
	ctx := context.Background()
	f := newFakeService(t)
	db := registryWith(t, add("0690101K", "lea.martin@ac-lyon.fr"), add("0690114Z", "bad+plus@ac-lyon.fr"))
	p := provisioner(t, f, db)

	n, err := p.Flush(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Flush = %d, %v; want 1 confirmed", n, err)
	}
	if got := status(t, db, "0690101K"); got != convention.StatusActive {
		t.Errorf("0690101K is %s after the API confirmed it", got)
	}
	if got := f.profilesOn("0690101K"); len(got) != 1 || got[0] != "lea.martin@ac-lyon.fr ADM" {
		t.Errorf("profiles on 0690101K: %v", got)
	}
	// The address the API refuses (400) leaves the school pending, with the API's message.
	if got := status(t, db, "0690114Z"); got != convention.StatusPending {
		t.Errorf("0690114Z is %s though the API refused it", got)
	}
	failed, err := db.FailedTasks(ctx)
	if err != nil || len(failed) != 1 || failed[0].UAI != "0690114Z" || failed[0].Error == "" {
		t.Fatalf("failed tasks: %+v, %v", failed, err)
	}
	if n, _ := p.Flush(ctx); n != 0 {
		t.Errorf("a refused task was tried again")
	}

	// A change of administrator: the new one gets ADM, the old one loses it, nobody is deleted.
	ch := add("0690101K", "nouveau@ac-lyon.fr")
	ch.Kind, ch.Before = convention.ChangeAdmin, &convention.Contact{LastName: "MARTIN", FirstName: "Léa", Email: "lea.martin@ac-lyon.fr"}
	apply(t, db, 2, ch)
	if got := status(t, db, "0690101K"); got != convention.StatusPending {
		t.Fatalf("a new administrator must wait for the API: %s", got)
	}
	if _, err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.profilesOn("0690101K"); strings.Join(got, ",") != "nouveau@ac-lyon.fr ADM" {
		t.Errorf("profiles after the change: %v", got)
	}
	if f.userCount() != 2 || status(t, db, "0690101K") != convention.StatusActive {
		t.Errorf("users %d, status %s", f.userCount(), status(t, db, "0690101K"))
	}

	// A removal at the yearly update takes the rights away; the structure stays.
	rm := convention.Change{Kind: convention.ChangeScheduleRemov, UAI: "0690101K", At: t0, RemoveAt: t0.Add(time.Minute)}
	apply(t, db, 3, rm)
	if _, err := db.RunJob(ctx, "yearly-update:test", t0.Add(time.Minute), func(tx *sqlite.Tx) ([]convention.OutgoingMail, error) {
		_, err := tx.RemoveDue(t0.Add(time.Minute), nil)
		return nil, err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.profilesOn("0690101K"); len(got) != 0 || f.structure("0690101K") == nil {
		t.Errorf("after removal: profiles %v, structure %v", got, f.structure("0690101K"))
	}
}

// TestProvisionerFlaky: the directory fails every third call; the outcome is still right.
func TestProvisionerFlaky(t *testing.T) {
	ctx := context.Background()
	f := newFakeService(t)
	f.failEvery = 3
	var changes []convention.Change
	for i, uai := range []string{"0690101K", "0690114Z", "0690127N", "0690140C"} {
		changes = append(changes, add(uai, "dir"+string(rune('a'+i))+"@ac-lyon.fr"))
	}
	db := registryWith(t, changes...)
	p := provisioner(t, f, db)
	if _, err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if got := status(t, db, c.UAI); got != convention.StatusActive {
			t.Errorf("%s is %s", c.UAI, got)
		}
		if got := f.profilesOn(c.UAI); len(got) != 1 {
			t.Errorf("%s profiles %v", c.UAI, got)
		}
	}
	if f.userCount() != 4 {
		t.Errorf("%d users, want 4 (no duplicate from a retry)", f.userCount())
	}
}
