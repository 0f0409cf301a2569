package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/laclasse/intake/convention"
)

// TestUpgradeFromFirstSchema opens a store written by the first released schema (made by
// `intaked demo --keep` on the day schema 1 shipped) and checks that it is brought up to date with
// its registry, requests and outbox intact. When a migration is added, this file keeps proving
// that operators can upgrade from the first release.
func TestUpgradeFromFirstSchema(t *testing.T) {
	ctx := context.Background()
	db := openSchema1(t)
	var version int
	if err := db.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != SchemaVersion() {
		t.Fatalf("user_version = %d (%v), want %d", version, err, SchemaVersion())
	}
	schools, err := db.Schools(ctx)
	if err != nil || len(schools) != 12 {
		t.Fatalf("schools: %d, %v", len(schools), err)
	}
	for _, s := range schools {
		if s.Status != convention.StatusPending || s.Admin.Email == "" || s.DueAt.IsZero() {
			t.Errorf("school %+v not read back", s)
		}
	}
	reqs, err := db.RequestFacts(ctx)
	if err != nil || len(reqs) != 7 {
		t.Fatalf("requests: %d, %v", len(reqs), err)
	}
	// The upgraded store takes new work.
	if _, err := db.Claim(ctx, MessageKey{"INBOX", 99, 1}, t0, []byte("m")); err != nil {
		t.Fatal(err)
	}
}

// openSchema1 opens, migrated, a copy of the store written by the first released schema.
func openSchema1(t *testing.T) *DB {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "schema1.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "intake.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("open a schema-1 store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
