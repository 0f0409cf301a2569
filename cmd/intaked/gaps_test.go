package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
	"github.com/xuri/excelize/v2"
)

// Follow-ups of issue 14, sections 2-4: what the first cut of held removals, the access-open
// mail, the activity report and the staff commands left out. Each test runs the daemon and the
// staff commands through Main.

// historyKinds returns the kinds of `history --json UAI`, oldest first.
func historyKinds(t *testing.T, cfg, uai string) []string {
	t.Helper()
	var hist []struct{ Kind string }
	if err := json.Unmarshal([]byte(run(t, "history", "--json", "--config", cfg, uai)), &hist); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hist {
		out = append(out, h.Kind)
	}
	return out
}

// heldThenNamedAgain gives Givors five schools, then a one-row yearly list (request 2) that
// holds the removal of the four others, then a two-row one (request 3) that names one of them.
func heldThenNamedAgain(t *testing.T) (*year, []samples.Row) {
	t.Helper()
	y, rows := heldList(t)
	y.deliver(givorsFrom, "Liste 2026-2027 corrigée", "yearly2-givors@x", "2026-05-12T10:00:00+02:00", rows[:2])
	y.once("2026-05-12T11:00:00+02:00")
	return y, rows
}

// TestLaterListSettlesHeldRemovals: a one-row list holds four removals (request 2); a later full
// list (request 3) names one of them again and again leaves out the three others. The school
// named again keeps its place (its held removal dropped, in its history, against request 3); the
// three others are held once, by request 3; request 2 holds nothing any more (confirm exits 1,
// its state is applied), and confirming request 3 removes only those three.
func TestLaterListSettlesHeldRemovals(t *testing.T) {
	y, rows := heldThenNamedAgain(t)

	states := map[int64]string{}
	for _, r := range requestsJSON(t, y.cfg) {
		states[r.ID] = string(r.State)
	}
	if states[2] != "applied" || states[3] != "held" {
		t.Errorf("request states %v: want 2 applied (nothing held any more), 3 held", states)
	}
	if kinds := historyKinds(t, y.cfg, rows[1].UAI); len(kinds) == 0 || kinds[len(kinds)-1] != "drop_remove" {
		t.Errorf("history of the school named again: %v, want drop_remove last", kinds)
	}
	if kinds := historyKinds(t, y.cfg, rows[3].UAI); strings.Count(strings.Join(kinds, " "), "drop_remove") != 0 {
		t.Errorf("history of a school held again: %v, want no drop", kinds)
	}
	if err := runErr(t, "confirm", "--config", y.cfg, "--now=2026-05-13T10:00:00+02:00", "2"); err == nil || exit(err) != 1 {
		t.Errorf("confirm of the superseded request: %v, want exit 1 (nothing held)", err)
	}
	// The digest lists each held school once.
	var digest string
	for _, m := range to(y.once("2026-05-13T07:05:00+02:00"), metropole, "synthèse") {
		digest = m.Text
	}
	if n := strings.Count(digest, rows[3].UAI); n != 1 {
		t.Errorf("the digest names the held school %s %d times, want once:\n%s", rows[3].UAI, n, digest)
	}
	out := run(t, "confirm", "--config", y.cfg, "--now=2026-05-13T10:00:00+02:00", "3")
	if strings.Contains(out, rows[1].UAI) || strings.Count(out, "retrait confirmé") != 3 {
		t.Errorf("confirm 3 printed:\n%s\nwant the three schools still held only", out)
	}
	st := heldSchools(t, y.cfg)
	if st[rows[1].UAI].RemoveAt != nil || st[rows[1].UAI].Status != "active" {
		t.Errorf("the school named again: %+v, want active with no removal", st[rows[1].UAI])
	}
	for _, r := range rows[2:] {
		if st[r.UAI].RemoveAt == nil {
			t.Errorf("confirmed %s has no removal date", r.UAI)
		}
	}
}

// TestLaterListNamingAllDropsHolds: a later full list naming every school leaves nothing held:
// the earlier request is applied and confirm exits 1.
func TestLaterListNamingAllDropsHolds(t *testing.T) {
	y, rows := heldList(t)
	all := []samples.Row{rows[0], rows[1], rows[2], rows[3], rows[4]}
	all[4].Phone = "04 72 10 31 99" // not the adhesion's file again (that would be a duplicate)
	y.deliver(givorsFrom, "Liste 2026-2027 complète", "yearly2-givors@x", "2026-05-12T10:00:00+02:00", all)
	y.once("2026-05-12T11:00:00+02:00")
	if got := requestsJSON(t, y.cfg, "--state", "held"); len(got) != 0 {
		t.Errorf("requests --state held: %+v, want none", got)
	}
	if err := runErr(t, "confirm", "--config", y.cfg, "--now=2026-05-13T10:00:00+02:00", "2"); err == nil || exit(err) != 1 {
		t.Errorf("confirm: %v, want exit 1 (nothing held)", err)
	}
	for _, r := range rows[:4] {
		if st := heldSchools(t, y.cfg)[r.UAI]; st.RemoveAt != nil || st.Status != "active" {
			t.Errorf("%s: %+v, want active with no removal", r.UAI, st)
		}
	}
}

// quarantinedList delivers a one-row list from a Givors secretary cfg (a trustConfig) does not
// declare, runs the daemon on it on 14 September 2026, and returns its rows and the id of the
// request it quarantined.
func quarantinedList(t *testing.T, s servers, cfg string) ([]samples.Row, string) {
	t.Helper()
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	rows := samples.Rows(101, 1)
	s.append(t, listMessage("first@mairie-givors.fr", at, rows, nil).Raw(), at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	quarantined := requestsJSON(t, cfg, "--state", "rejected")
	if len(quarantined) != 1 {
		t.Fatalf("requests --state rejected = %+v, want the secretary's list", quarantined)
	}
	return rows, fmt.Sprint(quarantined[0].ID)
}

// TestAccessOpenReachesDeclaredSenders: a secretary declared by `release --add-sender` hears
// that access is open, once, with the configured sender and the administrator.
func TestAccessOpenReachesDeclaredSenders(t *testing.T) {
	s := memServers(t)
	cfg := trustConfig(t, s, staffCommunes)
	rows, id := quarantinedList(t, s, cfg)
	run(t, "release", "--config", cfg, "--commune", "Givors", "--add-sender", "--now=2026-09-14T11:30:00+02:00", id)
	run(t, "activate", "--config", cfg, "--now=2026-09-15T10:00:00+02:00", rows[0].UAI)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T10:10:00+02:00")
	mails := accessOpenMails(t, s)
	if len(mails) != 1 {
		t.Fatalf("%d accès ouvert mails, want 1", len(mails))
	}
	to := mails[0].To
	for _, want := range []string{strings.ToLower(rows[0].Email), "education@mairie-givors.fr", "secretariat@mairie-givors.fr"} {
		if !slices.Contains(to, want) {
			t.Errorf("accès ouvert to %v: %s missing", to, want)
		}
	}
	seen := map[string]bool{}
	for _, a := range to {
		if seen[a] {
			t.Errorf("accès ouvert to %v: %s twice", to, a)
		}
		seen[a] = true
	}
}

// TestStaffStatesEndToEnd: a list staff revert, a list whose removals are held and a person's
// reply forwarded to staff show as reverted, held and forwarded in `requests` (JSON and text),
// `--state held` selects the held one only, and the activity report counts each apart, in its
// summary and in new columns of its "Demandes" sheet after the existing ones.
func TestStaffStatesEndToEnd(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 5) // request 1
	// Request 2: an addition in October, reverted by staff.
	y.deliver(givorsFrom, "Ajout école", "add-givors@x", "2025-10-10T10:00:00+02:00", samples.Rows(106, 1))
	y.once("2025-10-10T11:00:00+02:00")
	run(t, "revert", "--config", y.cfg, "--by", "Camille Support", "--now=2025-10-11T09:00:00+02:00", "2")
	// Request 3: a one-row list in the campaign holds four removals.
	y.deliver(givorsFrom, "Liste 2026-2027", "yearly-givors@x", "2026-05-11T10:00:00+02:00", rows[:1])
	sent := y.once("2026-05-11T11:00:00+02:00")
	reply := to(sent, "secretariat@mairie-givors.fr", "Re: Liste")
	if len(reply) != 1 {
		t.Fatalf("%d replies to the held list", len(reply))
	}
	// Request 4: the secretary answers it in words.
	replyID := strings.Trim(reply[0].Header.Get("Message-Id"), "<>")
	at := time.Date(2026, 5, 12, 8, 0, 0, 0, time.UTC)
	s.append(t, samples.Message{From: givorsFrom, To: samples.Mailbox, Subject: "Re: Liste 2026-2027", MessageID: "words@mairie-givors.fr", Date: at,
		Headers: map[string]string{"In-Reply-To": "<" + replyID + ">", "References": "<" + replyID + ">"}, Text: "Erreur : gardez toutes nos écoles, merci."}.Raw(), at)
	y.once("2026-05-12T11:00:00+02:00")

	got := map[int64]string{}
	for _, r := range requestsJSON(t, y.cfg) {
		got[r.ID] = string(r.State)
	}
	want := map[int64]string{1: "applied", 2: "reverted", 3: "held", 4: "forwarded"}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("requests --json: request %d is %q, want %q (all: %v)", id, got[id], st, got)
		}
	}
	if held := requestsJSON(t, y.cfg, "--state", "held"); len(held) != 1 || held[0].ID != 3 {
		t.Errorf("requests --state held = %+v, want request 3 only", held)
	}
	if fwd := requestsJSON(t, y.cfg, "--state", "forwarded", "--commune", "givors"); len(fwd) != 1 || fwd[0].ID != 4 {
		t.Errorf("requests --state forwarded = %+v, want request 4 only", fwd)
	}
	text := run(t, "requests", "--config", y.cfg)
	for _, w := range []string{"transmise à l'équipe", "retraits en attente", "annulée"} {
		if !strings.Contains(text, w) {
			t.Errorf("requests does not say %q:\n%s", w, text)
		}
	}

	out := filepath.Join(t.TempDir(), "bilan.xlsx")
	summary := run(t, "report", "activity", "--config", y.cfg, "--year", "2025-2026", "-o", out)
	for _, w := range []string{"1 réponse transmise à l'équipe laclasse.com", "1 liste dont les retraits attendent une confirmation", "1 demande annulée par l'équipe"} {
		if !strings.Contains(summary, w) {
			t.Errorf("the activity summary does not say %q:\n%s", w, summary)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := f.GetRows("Demandes")
	if err != nil {
		t.Fatal(err)
	}
	var header, givors []string
	for _, r := range sheet {
		if len(r) > 0 && r[0] == "Commune" {
			header = r
		}
		if len(r) > 0 && r[0] == "Givors" {
			givors = r
		}
	}
	wantHeader := []string{"Commune", "Messages reçus", "Listes appliquées", "Messages refusés", "Hors convention", "En double", "Ignorés", "Lignes refusées",
		"Transmis à l'équipe", "Retraits en attente", "Annulées"}
	if strings.Join(header, "|") != strings.Join(wantHeader, "|") {
		t.Errorf("Demandes header = %q, want %q", header, wantHeader)
	}
	if len(givors) < 11 || givors[1] != "4" || givors[2] != "1" || givors[8] != "1" || givors[9] != "1" || givors[10] != "1" {
		t.Errorf("Demandes, Givors = %q, want 4 messages: 1 applied, 1 forwarded, 1 held, 1 reverted", givors)
	}
}

// TestDemoCountsOutcomes: `intaked demo` tallies what became of the messages, forwarded, held
// and reverted apart.
func TestDemoCountsOutcomes(t *testing.T) {
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Now: time.Now}
	if err := m.Run(context.Background(), []string{"demo"}); err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "en tout : 4 appliqué, 1 sans effet, 1 quarantaine, 1 doublon, 1 ignoré, 0 transmis, 0 en attente, 0 annulé") {
		t.Errorf("demo does not tally the outcomes:\n%s", out.String())
	}
}

// TestReadmeDocumentsStaffCommands: every command of issue 14, section 3, has its row in the
// README's command table, and the row names exactly the flags the command takes (as its -h
// lists them).
func TestReadmeDocumentsStaffCommands(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "| `intaked ") {
			cell := strings.SplitN(line, "|", 3)[1]
			if fields := strings.Fields(strings.Trim(strings.TrimSpace(cell), "`")); len(fields) > 1 {
				rows[fields[1]] = cell
			}
		}
	}
	flagRe := regexp.MustCompile(`--([a-z][a-z-]*)`)
	usageRe := regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`)
	for _, name := range []string{"requests", "release", "confirm", "revert", "activate", "history", "console-link"} {
		t.Run(name, func(t *testing.T) {
			row, ok := rows[name]
			if !ok {
				t.Fatalf("the README's command table has no row for intaked %s", name)
			}
			var documented, implemented []string
			for _, m := range flagRe.FindAllStringSubmatch(row, -1) {
				documented = append(documented, m[1])
			}
			var stderr bytes.Buffer
			m := &Main{Stdout: io.Discard, Stderr: &stderr, Now: time.Now}
			if err := m.Run(context.Background(), []string{name, "-h"}); exit(err) != 2 {
				t.Fatalf("%s -h: %v, want a usage exit", name, err)
			}
			for _, m := range usageRe.FindAllStringSubmatch(stderr.String(), -1) {
				implemented = append(implemented, m[1])
			}
			slices.Sort(documented)
			slices.Sort(implemented)
			if len(implemented) == 0 || !slices.Equal(slices.Compact(documented), implemented) {
				t.Errorf("README documents %s with %v; it takes %v", name, slices.Compact(documented), implemented)
			}
		})
	}
}

// TestRevertLaterListHoldsAgain: reverting the later list that settled an earlier list's held
// removals puts them back: the earlier request is held again, with all four schools, and
// confirming it schedules them.
func TestRevertLaterListHoldsAgain(t *testing.T) {
	y, rows := heldThenNamedAgain(t)
	run(t, "revert", "--config", y.cfg, "--by", "Camille Support", "--now=2026-05-13T09:00:00+02:00", "3")
	if held := requestsJSON(t, y.cfg, "--state", "held"); len(held) != 1 || held[0].ID != 2 {
		t.Fatalf("requests --state held after the revert = %+v, want request 2", held)
	}
	if kinds := historyKinds(t, y.cfg, rows[1].UAI); len(kinds) == 0 || kinds[len(kinds)-1] != "hold_remove" {
		t.Errorf("history of the school held again: %v, want hold_remove last", kinds)
	}
	out := run(t, "confirm", "--config", y.cfg, "--now=2026-05-13T10:00:00+02:00", "2")
	if n := strings.Count(out, "retrait confirmé"); n != 4 {
		t.Errorf("confirm 2 printed:\n%s\nwant the four schools", out)
	}
}
