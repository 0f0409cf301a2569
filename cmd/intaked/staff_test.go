package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

// Issue 14, section 3: staff put things right without asking the commune to resend. Each test
// runs the daemon and the staff commands as people run them, through Main.

// staffCommunes declares Givors by one address only, so that its new secretary is unknown.
const staffCommunes = `[[commune]]
name = "Givors"
insee = "69091"
senders = ["education@mairie-givors.fr"]

[[commune]]
name = "Feyzin"
insee = "69276"
senders = ["scolaire@mairie-feyzin.fr"]
`

// requestsJSON returns `intaked requests --json` with args.
func requestsJSON(t *testing.T, cfg string, args ...string) []requestJSON {
	t.Helper()
	var out []requestJSON
	raw := run(t, append([]string{"requests", "--json", "--config", cfg}, args...)...)
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("requests --json: %v\n%s", err, raw)
	}
	return out
}

// communeByName returns one element of `communes --json`, decoded loosely.
func communeByName(t *testing.T, cfg, name string) map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(run(t, "communes", "--json", "--config", cfg)), &out); err != nil {
		t.Fatal(err)
	}
	for _, c := range out {
		if c["name"] == name {
			return c
		}
	}
	t.Fatalf("commune %s not in communes --json", name)
	return nil
}

func statusOf(t *testing.T, cfg, uai string) string {
	t.Helper()
	for _, s := range registry(t, cfg) {
		if s.UAI == uai {
			return s.Status
		}
	}
	return ""
}

func TestReleaseAddSenderMemServers(t *testing.T) { testReleaseAddSender(t, memServers(t)) }

func TestReleaseAddSenderRealServers(t *testing.T) { testReleaseAddSender(t, realServers(t)) }

// testReleaseAddSender: a quarantined list from a new secretary is applied by `release
// --add-sender` without a resend, and that secretary's next list is applied directly; the
// message stays in the rejected folder, the sender shows in `communes`, and the schools'
// history names the staff member.
func testReleaseAddSender(t *testing.T, s servers) {
	cfg := trustConfig(t, s, staffCommunes)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	rows := samples.Rows(101, 2)
	s.append(t, listMessage("first@mairie-givors.fr", at, rows, nil).Raw(), at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	wantQuarantined(t, s, cfg)

	quarantined := requestsJSON(t, cfg, "--state", "rejected")
	if len(quarantined) != 1 || quarantined[0].Sender != "secretariat@mairie-givors.fr" || quarantined[0].Commune != "" {
		t.Fatalf("requests --state rejected = %+v, want the secretary's list", quarantined)
	}
	id := fmt.Sprint(quarantined[0].ID)

	// The sender matches no commune: --commune is required.
	if err := runErr(t, "release", "--config", cfg, id); err == nil || !strings.Contains(err.Error(), "--commune") {
		t.Errorf("release without --commune: %v, want a usage error naming --commune", err)
	}
	out := run(t, "release", "--config", cfg, "--commune", "givors", "--add-sender", "--by", "Camille Support", "--now=2026-09-14T11:30:00+02:00", id)
	if !strings.Contains(out, "appliquée") {
		t.Errorf("release says:\n%s", out)
	}
	for _, r := range rows {
		if st := statusOf(t, cfg, r.UAI); st != "pending" {
			t.Errorf("school %s is %q after the release, want pending", r.UAI, st)
		}
	}
	// A second release of the same request changes nothing.
	if err := runErr(t, "release", "--config", cfg, "--commune", "Givors", id); err == nil {
		t.Error("a request released twice")
	}
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:35:00+02:00")
	replies := mailsTo(s.sent(t), "secretariat@mairie-givors.fr")
	if len(replies) != 1 || !strings.Contains(replies[0].Text, rows[0].UAI) {
		t.Fatalf("%d replies to the secretary after the release, want 1 naming the schools", len(replies))
	}
	if n := s.count(t, "Rejetes"); n != 1 {
		t.Errorf("rejected_mailbox holds %d messages after the release, want the message still there", n)
	}
	released := requestsJSON(t, cfg, "--commune", "Givors")
	if len(released) != 1 || released[0].State != "applied" || released[0].Changes != 2 || released[0].Commune != "Givors" {
		t.Errorf("requests --commune Givors = %+v, want the released list applied with 2 changes", released)
	}
	if got := communeByName(t, cfg, "Givors")["senders_added"]; !reflect.DeepEqual(got, []any{"secretariat@mairie-givors.fr"}) {
		t.Errorf("communes --json senders_added = %v", got)
	}
	if text := run(t, "communes", "--config", cfg); !strings.Contains(text, "secretariat@mairie-givors.fr") {
		t.Errorf("communes does not show the sender added:\n%s", text)
	}
	if got := communeByName(t, cfg, "Feyzin")["senders_added"]; !reflect.DeepEqual(got, []any{}) {
		t.Errorf("Feyzin senders_added = %v, want []", got)
	}

	// The secretary's next list is applied directly.
	next := at.Add(24 * time.Hour)
	more := samples.Rows(103, 1)
	s.append(t, listMessage("second@mairie-givors.fr", next, append(rows, more...), nil).Raw(), next)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T11:00:00+02:00")
	if st := statusOf(t, cfg, more[0].UAI); st != "pending" {
		t.Errorf("the secretary's next list: school %s is %q, want pending", more[0].UAI, st)
	}
	if n := s.count(t, "Rejetes"); n != 1 {
		t.Errorf("rejected_mailbox holds %d messages, want 1", n)
	}
	if got := requestsJSON(t, cfg, "--state", "applied"); len(got) != 2 {
		t.Errorf("%d applied requests, want 2: %+v", len(got), got)
	}

	// The history names who released the list.
	var history []historyJSON
	if err := json.Unmarshal([]byte(run(t, "history", "--json", "--config", cfg, rows[0].UAI)), &history); err != nil {
		t.Fatal(err)
	}
	if len(history) == 0 || history[0].By != "Camille Support" || history[0].Staff != "release" || !strings.Contains(history[0].Detail, "non déclaré") {
		t.Errorf("history of %s = %+v, want the release by Camille Support with the quarantine's reason", rows[0].UAI, history)
	}
}

// runErr is run that returns the command's error instead of failing the test.
func runErr(t *testing.T, args ...string) error {
	t.Helper()
	var out strings.Builder
	m := &Main{Stdout: &out, Stderr: &out, Now: time.Now}
	return m.Run(t.Context(), args)
}

// TestReleaseBypassesDKIM: a list of a commune that requires DKIM, unsigned, is quarantined;
// released (its commune found from its sender), it is applied and answered.
func TestReleaseBypassesDKIM(t *testing.T) {
	s, cfg := unsignedListOfDKIMCommune(t)
	wantQuarantined(t, s, cfg)
	q := requestsJSON(t, cfg, "--state", "rejected")
	if len(q) != 1 || q[0].Commune != "" || !strings.Contains(q[0].Reason, "DKIM") {
		t.Fatalf("requests = %+v", q)
	}
	run(t, "release", "--config", cfg, "--by", "support", "--now=2026-09-14T11:30:00+02:00", fmt.Sprint(q[0].ID))
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:35:00+02:00")
	if replies := mailsTo(s.sent(t), "secretariat@mairie-givors.fr"); len(replies) != 1 {
		t.Errorf("%d replies after the release, want 1", len(replies))
	}
	if got := requestsJSON(t, cfg); len(got) != 1 || got[0].State != "applied" || got[0].Commune != "Givors" {
		t.Errorf("requests = %+v, want the list applied", got)
	}
	if got := communeByName(t, cfg, "Givors")["senders_added"]; !reflect.DeepEqual(got, []any{}) {
		t.Errorf("senders_added = %v without --add-sender", got)
	}
}

// TestRequestsJSON: `requests --json` gives exactly the contract's fields, newest first, in the
// Métropole's zone, and filters by --commune, --state and --since.
func TestRequestsJSON(t *testing.T) {
	s := memServers(t)
	cfg := trustConfig(t, s, staffCommunes)
	day := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	givors := listMessage("givors@mairie-givors.fr", day, samples.Rows(101, 2), nil)
	givors.From = "education@mairie-givors.fr"
	s.append(t, givors.Raw(), day)
	stranger := listMessage("stranger@elsewhere.example", day.Add(24*time.Hour), samples.Rows(201, 1), nil)
	stranger.From, stranger.Subject = "someone@elsewhere.example", "Bonjour"
	s.append(t, stranger.Raw(), stranger.Date)
	feyzin := samples.Message{From: "scolaire@mairie-feyzin.fr", To: samples.Mailbox, Subject: "Liste Feyzin", MessageID: "feyzin@mairie-feyzin.fr", Date: day.Add(48 * time.Hour),
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Feyzin", samples.Rows(301, 3))}}}
	s.append(t, feyzin.Raw(), feyzin.Date)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-16T11:00:00+02:00")

	var loose []map[string]any
	if err := json.Unmarshal([]byte(run(t, "requests", "--json", "--config", cfg)), &loose); err != nil {
		t.Fatal(err)
	}
	if len(loose) != 3 {
		t.Fatalf("%d requests, want 3: %v", len(loose), loose)
	}
	want := []string{"changes", "commune", "id", "reason", "received_at", "refused_rows", "sender", "state", "subject"}
	for _, r := range loose {
		var keys []string
		for k := range r {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("keys %v, want %v", keys, want)
		}
	}
	all := requestsJSON(t, cfg)
	if all[0].Commune != "Feyzin" || all[1].State != "rejected" || all[2].Commune != "Givors" {
		t.Errorf("not newest first: %+v", all)
	}
	if all[0].ReceivedAt != "2026-09-16T10:00:00+02:00" || all[0].Changes != 3 || all[0].RefusedRows != 0 || all[0].Subject != "Liste Feyzin" || all[0].Sender != "scolaire@mairie-feyzin.fr" || all[0].State != "applied" {
		t.Errorf("Feyzin's request = %+v", all[0])
	}
	if all[1].Commune != "" || all[1].Sender != "someone@elsewhere.example" || !strings.Contains(all[1].Reason, "non déclaré") || all[1].Changes != 0 {
		t.Errorf("the stranger's request = %+v", all[1])
	}
	for _, c := range []struct {
		name string
		args []string
		want []string // senders
	}{
		{"Commune", []string{"--commune", "givors"}, []string{"education@mairie-givors.fr"}},
		{"State", []string{"--state", "rejected"}, []string{"someone@elsewhere.example"}},
		{"Since", []string{"--since", "2026-09-15"}, []string{"scolaire@mairie-feyzin.fr", "someone@elsewhere.example"}},
		{"SinceAndState", []string{"--since", "2026-09-15", "--state", "applied"}, []string{"scolaire@mairie-feyzin.fr"}},
		{"None", []string{"--state", "held"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, r := range requestsJSON(t, cfg, c.args...) {
				got = append(got, r.Sender)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("requests %v = %v, want %v", c.args, got, c.want)
			}
		})
	}
	for _, bad := range [][]string{{"--state", "claimed"}, {"--since", "15/09/2026"}, {"--commune", "Lyon"}} {
		if err := runErr(t, append([]string{"requests", "--config", cfg}, bad...)...); err == nil {
			t.Errorf("requests %v: no error", bad)
		}
	}
	if text := run(t, "requests", "--config", cfg); !strings.Contains(text, "ÉTAT") || !strings.Contains(text, "en quarantaine") {
		t.Errorf("requests:\n%s", text)
	}
}

// TestActivateCommune: `activate --commune` activates every pending school of that commune and
// no other, and each school's history names who did it.
func TestActivateCommune(t *testing.T) {
	s := memServers(t)
	cfg := trustConfig(t, s, staffCommunes)
	day := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	givors := listMessage("givors@mairie-givors.fr", day, samples.Rows(101, 3), nil)
	givors.From = "education@mairie-givors.fr"
	s.append(t, givors.Raw(), day)
	feyzin := samples.Message{From: "scolaire@mairie-feyzin.fr", To: samples.Mailbox, Subject: "Liste Feyzin", MessageID: "feyzin@mairie-feyzin.fr", Date: day,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Feyzin", samples.Rows(301, 2))}}}
	s.append(t, feyzin.Raw(), day)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	// One of Givors' schools is already open: it stays as it is.
	run(t, "activate", "--config", cfg, "--now=2026-09-15T09:00:00+02:00", samples.UAI(101))

	out := run(t, "activate", "--config", cfg, "--commune", "Givors", "--by", "Dominique Métropole", "--now=2026-09-16T09:00:00+02:00")
	if strings.Count(out, "actif") != 2 {
		t.Errorf("activate --commune says:\n%s", out)
	}
	for uai, want := range map[string]string{samples.UAI(101): "active", samples.UAI(102): "active", samples.UAI(103): "active", samples.UAI(301): "pending", samples.UAI(302): "pending"} {
		if got := statusOf(t, cfg, uai); got != want {
			t.Errorf("%s is %q, want %q", uai, got, want)
		}
	}
	if out := run(t, "activate", "--config", cfg, "--commune", "Givors"); !strings.Contains(out, "aucune école en attente") {
		t.Errorf("activate --commune with nothing pending says:\n%s", out)
	}
	if err := runErr(t, "activate", "--config", cfg, "--commune", "Givors", samples.UAI(301)); err == nil {
		t.Error("activate with both --commune and a UAI: no usage error")
	}

	var history []historyJSON
	if err := json.Unmarshal([]byte(run(t, "history", "--json", "--config", cfg, samples.UAI(102))), &history); err != nil {
		t.Fatal(err)
	}
	last := history[len(history)-1]
	if last.Kind != "activate" || last.By != "Dominique Métropole" || last.Staff != "activate" || last.At != "2026-09-16T09:00:00+02:00" {
		t.Errorf("history of %s ends with %+v", samples.UAI(102), last)
	}
	// Without --by, the Unix user.
	history = nil
	if err := json.Unmarshal([]byte(run(t, "history", "--json", "--config", cfg, samples.UAI(101))), &history); err != nil {
		t.Fatal(err)
	}
	if last := history[len(history)-1]; last.By != staffMember("") || last.By == "" {
		t.Errorf("activation without --by recorded by %q, want the Unix user %q", last.By, staffMember(""))
	}
	if text := run(t, "history", "--config", cfg, samples.UAI(102)); !strings.Contains(text, "Dominique Métropole") {
		t.Errorf("history:\n%s", text)
	}
}

// TestQuarantinedBackToInbox: a quarantined message that staff move back to INBOX once its
// sender is declared is decided afresh, applied and answered, not silenced as a duplicate of its
// own quarantine; a released message moved back is the duplicate of its release.
func TestQuarantinedBackToInbox(t *testing.T) {
	s := memServers(t)
	cfg := trustConfig(t, s, staffCommunes)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	raw := listMessage("back@mairie-givors.fr", at, samples.Rows(101, 2), nil).Raw()
	s.append(t, raw, at)
	other := listMessage("other@mairie-givors.fr", at, samples.Rows(201, 1), nil).Raw()
	s.append(t, other, at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	q := requestsJSON(t, cfg, "--state", "rejected")
	if len(q) != 2 {
		t.Fatalf("%d quarantined, want 2", len(q))
	}
	// The second is released; the first's sender is declared in the configuration.
	run(t, "release", "--config", cfg, "--commune", "Givors", "--now=2026-09-14T11:10:00+02:00", fmt.Sprint(q[0].ID))
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	declared := strings.Replace(string(b), `senders = ["education@mairie-givors.fr"]`, `senders = ["education@mairie-givors.fr", "secretariat@mairie-givors.fr"]`, 1)
	if err := os.WriteFile(cfg, []byte(declared), 0o600); err != nil {
		t.Fatal(err)
	}
	s.append(t, raw, at)
	s.append(t, other, at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:20:00+02:00")
	states := map[string]int{}
	for _, r := range requestsJSON(t, cfg) {
		states[string(r.State)]++
	}
	if want := map[string]int{"applied": 2, "rejected": 1, "duplicate": 1}; !reflect.DeepEqual(states, want) {
		t.Errorf("requests by state %v, want %v", states, want)
	}
	if replies := mailsTo(s.sent(t), "secretariat@mairie-givors.fr"); len(replies) != 2 {
		t.Errorf("%d replies, want 2 (the release and the message moved back)", len(replies))
	}
}

// schoolsJSON returns `schools --json`.
func schoolsJSON(t *testing.T, cfg string) map[string]schoolJSON {
	t.Helper()
	var list []schoolJSON
	if err := json.Unmarshal([]byte(run(t, "schools", "--json", "--config", cfg)), &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]schoolJSON{}
	for _, s := range list {
		out[s.UAI] = s
	}
	return out
}

// TestRevert: `revert` restores the registry as it was before a list (its addition removed, its
// change of administrator undone), records who did it in the history, marks the request
// reverted and tells the commune.
func TestRevert(t *testing.T) {
	s := memServers(t)
	cfg := trustConfig(t, s, staffCommunes)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	rows := samples.Rows(101, 3)
	first := listMessage("first@mairie-givors.fr", at, rows, nil)
	first.From = "education@mairie-givors.fr"
	s.append(t, first.Raw(), at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	run(t, "activate", "--config", cfg, "--now=2026-09-15T09:00:00+02:00", rows[0].UAI)
	before := schoolsJSON(t, cfg)

	changed := rows[1]
	changed.LastName, changed.FirstName, changed.Email = "NOUVEAU", "Paul", "paul.nouveau@ac-lyon.fr"
	added := samples.Rows(104, 1)[0]
	second := listMessage("second@mairie-givors.fr", at.Add(6*24*time.Hour), []samples.Row{changed, added}, nil)
	second.From = "education@mairie-givors.fr"
	s.append(t, second.Raw(), second.Date)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-20T11:00:00+02:00")
	reqs := requestsJSON(t, cfg, "--state", "applied")
	if len(reqs) != 2 || reqs[0].Changes != 2 {
		t.Fatalf("applied requests = %+v, want 2, the last with 2 changes", reqs)
	}
	if got := schoolsJSON(t, cfg)[changed.UAI].Admin.Email; got != "paul.nouveau@ac-lyon.fr" {
		t.Fatalf("the second list did not change the administrator: %s", got)
	}

	out := run(t, "revert", "--config", cfg, "--by", "Camille Support", "--now=2026-09-21T09:00:00+02:00", fmt.Sprint(reqs[0].ID))
	if !strings.Contains(out, "annulée") || !strings.Contains(out, added.UAI) {
		t.Errorf("revert says:\n%s", out)
	}
	after := schoolsJSON(t, cfg)
	for _, r := range rows {
		if after[r.UAI].Admin != before[r.UAI].Admin {
			t.Errorf("%s administrator %+v after the revert, want %+v", r.UAI, after[r.UAI].Admin, before[r.UAI].Admin)
		}
	}
	if after[rows[0].UAI].Status != "active" {
		t.Errorf("%s is %s, want still active", rows[0].UAI, after[rows[0].UAI].Status)
	}
	if after[added.UAI].Status != "removed" {
		t.Errorf("the school the list added is %q, want removed", after[added.UAI].Status)
	}
	// The history replays to the same registry.
	var replayed []schoolJSON
	if err := json.Unmarshal([]byte(run(t, "schools", "--json", "--config", cfg, "--now=2026-09-21T10:00:00+02:00")), &replayed); err != nil {
		t.Fatal(err)
	}
	for _, r := range replayed {
		if a := after[r.UAI]; a.Status != r.Status || a.Admin != r.Admin {
			t.Errorf("%s replayed as %s %+v, stored as %s %+v", r.UAI, r.Status, r.Admin, a.Status, a.Admin)
		}
	}
	if got := requestsJSON(t, cfg, "--state", "reverted"); len(got) != 1 || got[0].ID != reqs[0].ID {
		t.Errorf("requests --state reverted = %+v", got)
	}
	if err := runErr(t, "revert", "--config", cfg, fmt.Sprint(reqs[0].ID)); err == nil {
		t.Error("a request reverted twice")
	}
	var history []historyJSON
	if err := json.Unmarshal([]byte(run(t, "history", "--json", "--config", cfg, added.UAI)), &history); err != nil {
		t.Fatal(err)
	}
	if last := history[len(history)-1]; last.Kind != "remove" || last.By != "Camille Support" || last.Staff != "revert" {
		t.Errorf("history of %s ends with %+v", added.UAI, last)
	}
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-21T09:05:00+02:00")
	var notices []sentMail
	for _, m := range mailsTo(s.sent(t), "education@mairie-givors.fr") {
		if strings.Contains(m.Subject, "annulée") {
			notices = append(notices, m)
		}
	}
	if len(notices) != 1 || !strings.Contains(notices[0].Text, added.UAI) || !strings.Contains(notices[0].Text, "administrateur précédent") {
		t.Fatalf("%d revert notices to the commune, want 1 naming what was undone", len(notices))
	}
}

// TestRevertHeld: reverting a one-row list of the campaign whose removals were held drops them:
// every school stays, and the request is reverted.
func TestRevertHeld(t *testing.T) {
	s := memServers(t)
	cfg := trustConfig(t, s, staffCommunes)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	rows := samples.Rows(101, 5)
	first := listMessage("first@mairie-givors.fr", at, rows, nil)
	first.From = "education@mairie-givors.fr"
	s.append(t, first.Raw(), at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	campaign := time.Date(2027, 5, 10, 8, 0, 0, 0, time.UTC)
	one := listMessage("one@mairie-givors.fr", campaign, rows[:1], nil)
	one.From = "education@mairie-givors.fr"
	s.append(t, one.Raw(), campaign)
	run(t, "run", "--once", "--config", cfg, "--now=2027-05-10T11:00:00+02:00")
	held := requestsJSON(t, cfg, "--state", "held")
	if len(held) != 1 {
		t.Skipf("the one-row list is not held (%+v): holds not in this tree", requestsJSON(t, cfg))
	}
	out := run(t, "revert", "--config", cfg, "--by", "support", "--now=2027-05-11T09:00:00+02:00", fmt.Sprint(held[0].ID))
	if strings.Count(out, "\n  ") != 4 {
		t.Errorf("revert says:\n%s", out)
	}
	if got := requestsJSON(t, cfg, "--state", "reverted"); len(got) != 1 {
		t.Errorf("requests --state reverted = %+v", got)
	}
	if err := runErr(t, "confirm", "--config", cfg, fmt.Sprint(held[0].ID)); err == nil {
		t.Error("held removals confirmed after the revert")
	}
	for _, r := range rows {
		if st := statusOf(t, cfg, r.UAI); st != "pending" {
			t.Errorf("%s is %q after the revert, want pending (kept)", r.UAI, st)
		}
	}
	if text := run(t, "schools", "--config", cfg, "--now=2027-08-01T10:00:00+02:00"); strings.Contains(text, "retiré") || strings.Contains(text, "radiation") {
		t.Errorf("a school is removed by the yearly update after the revert:\n%s", text)
	}
}

// TestReleaseRunningDaemon: while the daemon runs, `release --add-sender` from another process
// applies a quarantined list, and the daemon, not restarted, applies that sender's next list and
// sends both replies.
func TestReleaseRunningDaemon(t *testing.T) {
	s := memServers(t)
	cfg := trustConfig(t, s, staffCommunes)
	var logs syncBuffer
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &logs, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", cfg}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 30 s\n%s", what, logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("start", func() bool { return strings.Contains(logs.String(), "intaked started") })
	now := time.Now()
	s.append(t, listMessage("first@mairie-givors.fr", now, samples.Rows(101, 2), nil).Raw(), now)
	waitFor("quarantine", func() bool { return len(requestsJSON(t, cfg, "--state", "rejected")) == 1 })
	id := requestsJSON(t, cfg, "--state", "rejected")[0].ID
	run(t, "release", "--config", cfg, "--commune", "Givors", "--add-sender", "--by", "support", fmt.Sprint(id))

	s.append(t, listMessage("second@mairie-givors.fr", time.Now(), samples.Rows(103, 1), nil).Raw(), time.Now())
	waitFor("two replies to the secretary", func() bool { return len(mailsTo(s.sent(t), "secretariat@mairie-givors.fr")) == 2 })
	if got := requestsJSON(t, cfg, "--state", "applied"); len(got) != 2 {
		t.Errorf("%d applied requests, want 2 (the release and the next list)", len(got))
	}
}
