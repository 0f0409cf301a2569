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

	var schools []struct {
		UAI, Commune, Status string
	}
	if err := json.Unmarshal([]byte(run(t, "schools", "--json", "--config", cfg)), &schools); err != nil {
		t.Fatal(err)
	}
	if len(schools) != p.Schools {
		t.Errorf("schools --json: %d schools, want %d", len(schools), p.Schools)
	}
	status := map[string]int{}
	for _, sc := range schools {
		status[sc.Status]++
	}
	for st, n := range s.Schools {
		if status[string(st)] != n {
			t.Errorf("schools --json: %d %s, the store %d", status[string(st)], st, n)
		}
	}

	type request struct {
		ID             int64
		Commune, State string
		ReceivedAt     string `json:"received_at"`
	}
	var requests []request
	if err := json.Unmarshal([]byte(run(t, "requests", "--json", "--config", cfg)), &requests); err != nil {
		t.Fatal(err)
	}
	if len(requests) != s.Counts["requests"] {
		t.Errorf("requests --json: %d, the store %d", len(requests), s.Counts["requests"])
	}
	states := map[string]int{}
	for i, r := range requests {
		states[r.State]++
		if i > 0 && r.ReceivedAt > requests[i-1].ReceivedAt && r.ReceivedAt[19:] == requests[i-1].ReceivedAt[19:] {
			t.Errorf("requests --json: %d (%s) after %d (%s), want newest first", r.ID, r.ReceivedAt, requests[i-1].ID, requests[i-1].ReceivedAt)
		}
	}
	for st, n := range s.States {
		if states[string(st)] != n {
			t.Errorf("requests --json: %d %s, the store %d", states[string(st)], st, n)
		}
	}

	// A copied commune's school: its history names its own commune's requests.
	var mine []request
	if err := json.Unmarshal([]byte(run(t, "requests", "--json", "--commune", s.Samples.CopyCommune, "--config", cfg)), &mine); err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for _, r := range mine {
		ids[r.ID] = r.Commune == s.Samples.CopyCommune
	}
	var history []struct {
		Kind    string
		Request int64
		Job     string
	}
	if err := json.Unmarshal([]byte(run(t, "history", "--json", "--config", cfg, s.Samples.CopySchool)), &history); err != nil {
		t.Fatal(err)
	}
	if len(history) < 2 || history[0].Kind != "add" || !ids[history[0].Request] {
		t.Errorf("history of %s: %+v, want its addition by a request of %s (%v)", s.Samples.CopySchool, history, s.Samples.CopyCommune, ids)
	}
	if text := run(t, "history", "--config", cfg, s.Samples.CopySchool); !strings.Contains(text, "accès ouvert") {
		t.Errorf("history of %s:\n%s\nwant its activation", s.Samples.CopySchool, text)
	}
}
