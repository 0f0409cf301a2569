package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/laclasse/intake/internal/samples"
)

// exit is the status intaked would exit with on err.
func exit(err error) int { return exitCode(err, &Main{Stderr: io.Discard}) }

type heldSchool struct {
	UAI      string
	Status   string
	RemoveAt *string `json:"remove_at"`
}

func heldSchools(t *testing.T, cfg string) map[string]heldSchool {
	t.Helper()
	var list []heldSchool
	out := run(t, "schools", "--json", "--config", cfg)
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"remove_at"`) {
		t.Fatalf("schools --json has no remove_at key:\n%s", out)
	}
	m := map[string]heldSchool{}
	for _, s := range list {
		m[s.UAI] = s
	}
	return m
}

// heldList starts a year on the in-memory servers in which Givors adheres with five schools, then
// sends on 11 May 2026 a list of the first alone: request 2, which holds the removal of the
// four others. It returns the year and the five rows.
func heldList(t *testing.T) (*year, []samples.Row) {
	t.Helper()
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 5)
	y.deliver(givorsFrom, "Liste 2026-2027", "yearly-givors@x", "2026-05-11T10:00:00+02:00", rows[:1])
	y.once("2026-05-11T11:00:00+02:00")
	return y, rows
}

// adhesion makes Givors join with n schools in September 2025, opened by hand.
func adhesion(t *testing.T, y *year, n int) []samples.Row {
	t.Helper()
	rows := samples.Rows(101, n)
	y.deliver(givorsFrom, "Adhésion", "adh-givors@x", "2025-09-15T09:00:00+02:00", rows)
	y.once("2025-09-15T11:00:00+02:00")
	args := []string{"activate", "--config", y.cfg, "--now=2025-09-20T10:00:00+02:00"}
	for _, r := range rows {
		args = append(args, r.UAI)
	}
	run(t, args...)
	return rows
}

func TestRefusedRowKeepsItsSchool(t *testing.T) { testRefusedRowKeepsItsSchool(t, memServers(t)) }

// testRefusedRowKeepsItsSchool: a full list in the campaign whose row for a school is refused (a
// typo in the phone) keeps that school, and the reply does not call it absent.
func testRefusedRowKeepsItsSchool(t *testing.T, s servers) {
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 5)
	list := []samples.Row{rows[0], rows[1], rows[2], rows[3]} // rows[4] left out
	list[2].Phone = "04 72 1"                                 // refused
	y.deliver(givorsFrom, "Liste 2026-2027", "yearly-givors@x", "2026-05-11T10:00:00+02:00", list)
	sent := y.once("2026-05-11T11:00:00+02:00")
	reply := to(sent, "secretariat@mairie-givors.fr", "Re: Liste")
	if len(reply) != 1 {
		t.Fatalf("%d replies", len(reply))
	}
	for _, line := range strings.Split(reply[0].Text, "\n") {
		if strings.Contains(line, rows[2].UAI) && strings.Contains(line, "absente") {
			t.Errorf("the reply calls the school of a refused row absent: %q", line)
		}
	}
	if !strings.Contains(reply[0].Text, rows[4].UAI+" ") || strings.Contains(reply[0].Text, "Cette liste retirerait") {
		t.Errorf("the reply should schedule %s's removal, unheld:\n%s", rows[4].UAI, reply[0].Text)
	}
	st := heldSchools(t, y.cfg)
	if st[rows[2].UAI].RemoveAt != nil || st[rows[2].UAI].Status != "active" {
		t.Errorf("the school of the refused row: %+v, want active with no removal", st[rows[2].UAI])
	}
	if at := st[rows[4].UAI].RemoveAt; at == nil || *at != "2026-07-01T00:00:00+02:00" {
		t.Errorf("the school left out: remove_at %v, want 2026-07-01T00:00:00+02:00", at)
	}
}

func TestHeldRemovalsMemServers(t *testing.T)  { testHeldRemovals(t, memServers(t)) }
func TestHeldRemovalsRealServers(t *testing.T) { testHeldRemovals(t, realServers(t)) }

// testHeldRemovals: a one-row list in the campaign holds the removals of the four others; the
// reply says so, the digest lists them, `confirm` schedules them and `schools` shows the date.
func testHeldRemovals(t *testing.T, s servers) {
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 5)
	one := []samples.Row{rows[0]}
	one[0].Email, one[0].LastName = "nouvelle.directrice@ac-lyon.fr", "NOUVELLE" // applies as usual
	y.deliver(givorsFrom, "Liste 2026-2027", "yearly-givors@x", "2026-05-11T10:00:00+02:00", one)
	sent := y.once("2026-05-11T11:00:00+02:00")
	reply := to(sent, "secretariat@mairie-givors.fr", "Re: Liste")
	if len(reply) != 1 || !strings.Contains(reply[0].Text, "Cette liste retirerait 4 de vos 5 écoles : ces retraits attendent la confirmation de l'équipe laclasse.com, qui pourra vous contacter.") {
		t.Fatalf("the reply does not say the removals are held:\n%+v", reply)
	}
	if strings.Contains(reply[0].Text, "seront retirées") {
		t.Errorf("the reply announces the held removals as scheduled:\n%s", reply[0].Text)
	}
	st := heldSchools(t, y.cfg)
	for _, r := range rows[1:] {
		if st[r.UAI].RemoveAt != nil || st[r.UAI].Status != "active" {
			t.Errorf("held %s: %+v, want active, no removal", r.UAI, st[r.UAI])
		}
	}
	if st[rows[0].UAI].Status != "pending" {
		t.Errorf("the change of administrator did not apply: %+v", st[rows[0].UAI])
	}

	sent = y.once("2026-05-12T07:05:00+02:00")
	digest := to(sent, metropole, "synthèse")
	if len(digest) == 0 || !strings.Contains(digest[len(digest)-1].Text, "Retraits en attente de confirmation") {
		t.Fatalf("the digest does not list the held removals (%d digests)", len(digest))
	}
	text := digest[len(digest)-1].Text
	m := regexp.MustCompile(`Givors, demande n° (\d+)`).FindStringSubmatch(text)
	if m == nil || !strings.Contains(text, rows[4].UAI) || !strings.Contains(text, "1er juillet 2026") {
		t.Fatalf("the digest does not name the request, its schools and the date:\n%s", text)
	}
	id := m[1]

	if err := runErr(t, "confirm", "--config", y.cfg); !errors.Is(err, errUsage) || exit(err) != 2 {
		t.Errorf("confirm without ID: %v, want a usage error (exit 2)", err)
	}
	out := run(t, "confirm", "--config", y.cfg, "--now=2026-05-13T10:00:00+02:00", "--by", "Jeanne Agent", id)
	if !strings.Contains(out, "retrait confirmé, le 01/07/2026") {
		t.Errorf("confirm printed:\n%s", out)
	}
	st = heldSchools(t, y.cfg)
	for _, r := range rows[1:] {
		if at := st[r.UAI].RemoveAt; at == nil || *at != "2026-07-01T00:00:00+02:00" {
			t.Errorf("confirmed %s: remove_at %v, want 2026-07-01T00:00:00+02:00", r.UAI, at)
		}
	}
	if text := run(t, "schools", "--config", y.cfg); !strings.Contains(text, "radiation le 01/07/2026") {
		t.Errorf("schools does not show the removal date:\n%s", text)
	}
	var hist []struct{ Kind, By string }
	if err := json.Unmarshal([]byte(run(t, "history", "--json", "--config", y.cfg, rows[1].UAI)), &hist); err != nil {
		t.Fatal(err)
	}
	if n := len(hist); n == 0 || hist[n-1].Kind != "schedule_remove" || hist[n-1].By != "Jeanne Agent" {
		t.Errorf("history %+v: want the confirmation by Jeanne Agent last", hist)
	}
	if err := runErr(t, "confirm", "--config", y.cfg, id); err == nil || exit(err) != 1 {
		t.Errorf("a second confirm: %v, want exit 1 (nothing held)", err)
	}
	// The yearly update removes them.
	y.once("2026-07-01T00:05:00+02:00")
	if st := y.schools("2026-07-02T00:00:00+02:00"); st[rows[4].UAI].Status != "removed" || st[rows[0].UAI].Status == "removed" {
		t.Errorf("after the yearly update: %+v", st)
	}
}

// TestDropHeldRemovals: `confirm --drop` keeps the schools, and the digest stops listing them.
func TestDropHeldRemovals(t *testing.T) {
	y, rows := heldList(t)
	run(t, "confirm", "--config", y.cfg, "--now=2026-05-12T10:00:00+02:00", "--drop", "2")
	for _, r := range rows[1:] {
		if st := heldSchools(t, y.cfg)[r.UAI]; st.RemoveAt != nil || st.Status != "active" {
			t.Errorf("dropped %s: %+v, want active, no removal", r.UAI, st)
		}
	}
	var hist []struct{ Kind, Staff string }
	if err := json.Unmarshal([]byte(run(t, "history", "--json", "--config", y.cfg, rows[1].UAI)), &hist); err != nil {
		t.Fatal(err)
	}
	if n := len(hist); n == 0 || hist[n-1].Kind != "drop_remove" {
		t.Errorf("history %+v: want the drop last", hist)
	}
	for _, m := range y.once("2026-05-13T07:05:00+02:00") {
		if strings.Contains(m.Text, "Retraits en attente") {
			t.Errorf("the digest still lists dropped removals:\n%s", m.Text)
		}
	}
	y.once("2026-07-01T00:05:00+02:00")
	if st := y.schools("2026-07-02T00:00:00+02:00"); st[rows[4].UAI].Status != "active" {
		t.Errorf("a dropped removal was made: %+v", st[rows[4].UAI])
	}
}

// TestHoldThresholdsFromConfig: [calendar] hold_removals_over_* reach the handler; with bounds
// above the list's removals, they are scheduled at once.
func TestHoldThresholdsFromConfig(t *testing.T) {
	s := memServers(t)
	cfg := writeConfig(t, s)
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\n[calendar]\nhold_removals_over_share = 0.9\nhold_removals_over_count = 10\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	y := &year{t: t, s: s, cfg: cfg}
	rows := adhesion(t, y, 5)
	y.deliver(givorsFrom, "Liste 2026-2027", "yearly-givors@x", "2026-05-11T10:00:00+02:00", rows[:1])
	sent := y.once("2026-05-11T11:00:00+02:00")
	if reply := to(sent, "secretariat@mairie-givors.fr", "Re: Liste"); len(reply) != 1 || strings.Contains(reply[0].Text, "Cette liste retirerait") {
		t.Fatalf("with higher bounds the removals are not held:\n%+v", reply)
	}
	if at := heldSchools(t, cfg)[rows[4].UAI].RemoveAt; at == nil {
		t.Error("the removal is not scheduled")
	}
}

// TestHoldThresholdsValidated: a share outside [0, 1) or a negative count is refused, naming the key.
func TestHoldThresholdsValidated(t *testing.T) {
	base, err := os.ReadFile(writeConfig(t, memServers(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, add, key string }{
		{"ShareTooLarge", "hold_removals_over_share = 1.5", "calendar.hold_removals_over_share"},
		{"ShareNegative", "hold_removals_over_share = -0.1", "calendar.hold_removals_over_share"},
		{"CountNegative", "hold_removals_over_count = -1", "calendar.hold_removals_over_count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(append(append([]byte{}, base...), "\n[calendar]\n"+tc.add+"\n"...))
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("%s: %v, want an error naming %s", tc.add, err, tc.key)
			}
		})
	}
	cfg, err := ParseConfig(append(append([]byte{}, base...), "\n[calendar]\nhold_removals_over_share = 0\nhold_removals_over_count = 0\n"...))
	if err != nil || cfg.ConventionCalendar().Hold.Holds(100, 100) {
		t.Fatalf("0 turns both bounds off: %v", err)
	}
}
