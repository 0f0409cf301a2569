package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/laclasse/intake/internal/bigstore"
)

// bigstoreConfig generates a store of p and writes a configuration for it: the test servers'
// sections, the store's path and its communes.
func bigstoreConfig(t *testing.T, p bigstore.Params) (*bigstore.Store, string) {
	t.Helper()
	cfg := writeConfig(t, memServers(t))
	s, err := bigstore.Generate(context.Background(), filepath.Join(filepath.Dir(cfg), "big.db"), p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text, _, _ := strings.Cut(string(b), "[[commune]]")
	text = strings.Replace(text, filepath.Join(filepath.Dir(cfg), "intake.db"), s.Path, 1)
	if err := os.WriteFile(cfg, []byte(text+s.CommunesTOML()), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, cfg
}

// The commands staff use read a generated store as they read the daemon's: every school, every
// request newest first, a school's whole history.
func TestBigstoreCommands(t *testing.T) {
	p := bigstore.Params{Schools: 200, Communes: 20, Years: 2, Seed: 5, Archetypes: 5}
	s, cfg := bigstoreConfig(t, p)

	var schools []map[string]any
	if err := json.Unmarshal([]byte(run(t, "schools", "--json", "--config", cfg)), &schools); err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", schools[0])
	var requests []map[string]any
	if err := json.Unmarshal([]byte(run(t, "requests", "--json", "--config", cfg)), &requests); err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", requests[0])
	t.Log(run(t, "history", "--config", cfg, s.Samples.CopySchool))
	t.Log(run(t, "history", "--json", "--config", cfg, s.Samples.CopySchool))
}
