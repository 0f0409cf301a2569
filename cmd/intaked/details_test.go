package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

// detailsDirectory is a laclasse.com directory that keeps the accounts it creates (so that a
// later update finds them, with their profiles and phones) and records every write.
type detailsDirectory struct {
	URL    string
	mu     sync.Mutex
	users  []map[string]any
	writes []string // "METHOD path body"
}

func newDetailsDirectory(t *testing.T) *detailsDirectory {
	t.Helper()
	d := &detailsDirectory{}
	srv := httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(srv.Close)
	d.URL = srv.URL
	return d
}

func (d *detailsDirectory) serve(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodGet {
		d.writes = append(d.writes, r.Method+" "+r.URL.Path+" "+string(body))
	}
	w.Header().Set("Content-Type", "application/json")
	answer := func(v any) { _ = json.NewEncoder(w).Encode(v) }
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/users/"), "/")
	var user map[string]any
	if strings.HasPrefix(r.URL.Path, "/api/users/") {
		for _, u := range d.users {
			if u["id"] == parts[0] {
				user = u
			}
		}
	}
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/structures/"):
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
	case r.Method == http.MethodGet && r.URL.Path == "/api/users":
		out := []map[string]any{}
		for _, u := range d.users {
			if strings.Contains(fmt.Sprint(u["emails"]), r.URL.Query().Get("emails.address")) {
				out = append(out, u)
			}
		}
		answer(out)
	case r.Method == http.MethodPost && r.URL.Path == "/api/users":
		var u map[string]any
		_ = json.Unmarshal(body, &u)
		u["id"] = fmt.Sprintf("VAA6%04d", len(d.users)+1)
		phones, _ := u["phones"].([]any)
		for i, p := range phones {
			p.(map[string]any)["id"] = i + 1
		}
		d.users = append(d.users, u)
		w.WriteHeader(http.StatusCreated)
		answer(u)
	case user != nil && r.Method == http.MethodGet:
		answer(user)
	case user != nil && r.Method == http.MethodPut && len(parts) == 1:
		_ = json.Unmarshal(body, &user)
		answer(user)
	case user != nil && r.Method == http.MethodPut && len(parts) == 3 && parts[1] == "phones":
		var p map[string]any
		_ = json.Unmarshal(body, &p)
		phones, _ := user["phones"].([]any)
		for _, q := range phones {
			if fmt.Sprint(q.(map[string]any)["id"]) == parts[2] {
				q.(map[string]any)["number"] = p["number"]
			}
		}
		answer(user)
	case r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
		answer(map[string]any{})
	default:
		answer(map[string]any{})
	}
}

// since returns the writes recorded after the first n.
func (d *detailsDirectory) since(n int) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.writes[n:])
}

func (d *detailsDirectory) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.writes)
}

// TestAdminDetailsReachDirectory: with [laclasse] configured, a list that only rewrites an
// administrator's Fonction, the case of their name and their phone updates their account in the
// directory (names and work phone), gives and takes no rights, keeps the school active, counts
// no change in `requests`, and the digest shows it as an update of details, not as a change of
// administrator.
func TestAdminDetailsReachDirectory(t *testing.T) {
	s := memServers(t)
	dir := newDetailsDirectory(t)
	cfg := oullinsApplied(t, s, fmt.Sprintf("[laclasse]\nurl = %q\napp_id = \"intaked\"\napp_key = \"secret\"\nstructure_type = 3\ntimeout = \"5s\"\n", dir.URL))
	rows := samples.Rows(301, 2)
	if st := schoolsJSON(t, cfg)[rows[0].UAI].Status; st != "active" {
		t.Fatalf("the directory did not open %s: %s", rows[0].UAI, st)
	}
	opened := dir.count()

	same := rows[0]
	same.Role, same.LastName, same.Phone = "Directrice d'école", strings.ToLower(same.LastName), "04 78 00 00 01"
	lastName := strings.ToUpper(same.LastName[:1]) + same.LastName[1:]
	same.LastName = lastName
	received := time.Date(2026, 9, 15, 8, 0, 0, 0, time.UTC)
	s.append(t, samples.Message{From: "Oullins Éducation <education@mairie-oullins.fr>", To: samples.Mailbox, Subject: "Coordonnées", MessageID: "details-oullins@mairie-oullins.fr", Date: received,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Oullins", []samples.Row{same, rows[1]})}}}.Raw(), received)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T11:00:00+02:00")

	writes := dir.since(opened)
	var names, phone bool
	for _, w := range writes {
		switch {
		case strings.HasPrefix(w, "PUT /api/users/VAA6") && !strings.Contains(w, "/phones/") && strings.Contains(w, `"lastname":"`+lastName+`"`) && strings.Contains(w, `"firstname":"`+same.FirstName+`"`):
			names = true
		case strings.HasPrefix(w, "PUT /api/users/VAA6") && strings.Contains(w, "/phones/1 ") && strings.Contains(w, `"number":"+33478000001"`):
			phone = true
		default:
			t.Errorf("the directory was asked %q for an update of details", w)
		}
	}
	if !names || !phone {
		t.Errorf("the account's names (%v) or phone (%v) were not updated: %q", names, phone, writes)
	}
	if st := schoolsJSON(t, cfg)[rows[0].UAI]; st.Status != "active" || st.Admin.Role != same.Role {
		t.Errorf("%s after the update of details: %+v, want active with the new Fonction", rows[0].UAI, st)
	}
	reqs := requestsJSON(t, cfg, "--since", "2026-09-15")
	if len(reqs) != 1 || reqs[0].State != "applied" || reqs[0].Changes != 0 {
		t.Errorf("requests --since 2026-09-15 = %+v, want the list applied with no change", reqs)
	}
	// A second run has nothing more to write.
	n := dir.count()
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T11:10:00+02:00")
	if dir.count() != n {
		t.Errorf("a second run wrote %q", dir.since(n))
	}

	run(t, "run", "--once", "--config", cfg, "--now=2026-09-16T08:00:00+02:00")
	var digest string
	for _, m := range mailsTo(s.sent(t), metropole) {
		if strings.Contains(m.Subject, "synthèse") && strings.Contains(m.Subject, "16 septembre") {
			digest = m.Text
		}
	}
	if !strings.Contains(digest, "« Coordonnées », 0 changement, 1 mise à jour des coordonnées d'un administrateur (même personne, droits inchangés)") {
		t.Errorf("the digest does not show the update of details as such:\n%s", digest)
	}
	if strings.Contains(digest, "Changements d'administrateur") || strings.Contains(digest, "Donner les droits") {
		t.Errorf("the digest shows the update of details as a change of administrator:\n%s", digest)
	}
}
