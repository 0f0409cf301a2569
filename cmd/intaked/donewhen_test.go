package main

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/laclasse/intake/internal/samples"
)

// Issue 14's "done when", on real Dovecot and Mailpit (INTAKE_REAL_SERVERS=require). The other
// items have their real-server variants next to their tests: a text reply reaches summary_to
// (TestRepliesRealServers), release --add-sender (TestReleaseAddSenderRealServers), a one-row
// list holds its removals until confirm (TestHeldRemovalsRealServers), activation sends the
// "accès ouvert" mail (TestActivateSendsAccessOpenRealServers).

func TestDoneWhenRevertMemServers(t *testing.T)  { testDoneWhenRevert(t, memServers(t)) }
func TestDoneWhenRevertRealServers(t *testing.T) { testDoneWhenRevert(t, realServers(t)) }

// TestDoneWhenRefusedRowRealServers: a full list in the campaign with one refused row keeps that
// school (not scheduled for removal, the reply does not call it absent).
func TestDoneWhenRefusedRowRealServers(t *testing.T) { testRefusedRowKeepsItsSchool(t, realServers(t)) }

// testDoneWhenRevert: `revert` restores the registry as it was. Givors' list of October changes
// an administrator, renames a school, rewrites another administrator's details and adds a
// school; once reverted, `schools --json` is what it was before the list for every school it
// held (administrator, name, status, dates), the school added is out, the history replays to
// the same registry, and the commune's mail about the revert arrives, saying what was undone.
func testDoneWhenRevert(t *testing.T, s servers) {
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 3) // request 1, opened by hand
	before := schoolsJSON(t, y.cfg)

	changed, renamed, details := rows[0], rows[1], rows[2]
	changed.LastName, changed.FirstName, changed.Email = "NOUVEAU", "Paul", "paul.nouveau@ac-lyon.fr"
	renamed.School = "École élémentaire Simone Veil"
	details.Role, details.Phone = "Directrice d'école", "04 78 00 00 01"
	added := samples.Rows(110, 1)[0]
	y.deliver(givorsFrom, "Modifications", "oct-givors@x", "2025-10-10T10:00:00+02:00", []samples.Row{changed, renamed, details, added})
	y.once("2025-10-10T11:00:00+02:00")
	mid := schoolsJSON(t, y.cfg)
	if mid[changed.UAI].Admin.Email != changed.Email || mid[renamed.UAI].Name != renamed.School || mid[details.UAI].Admin.Role != details.Role || mid[added.UAI].Status != "pending" {
		t.Fatalf("the October list did not apply: %+v", mid)
	}
	// The change of administrator, the rename and the addition are changes; the same
	// administrator's new details are not.
	if reqs := requestsJSON(t, y.cfg, "--since", "2025-10-01"); len(reqs) != 1 || reqs[0].ID != 2 || reqs[0].Changes != 3 {
		t.Fatalf("requests since October = %+v, want request 2 with 3 changes", reqs)
	}

	run(t, "revert", "--config", y.cfg, "--by", "Camille Support", "--now=2025-10-11T09:00:00+02:00", "2")
	after := schoolsJSON(t, y.cfg)
	for uai, was := range before {
		if !reflect.DeepEqual(after[uai], was) {
			t.Errorf("%s after the revert:\n%+v\nwant it as before the list:\n%+v", uai, after[uai], was)
		}
	}
	if after[added.UAI].Status != "removed" {
		t.Errorf("the school the list added is %q after the revert, want removed", after[added.UAI].Status)
	}
	var replayed []schoolJSON
	if err := json.Unmarshal([]byte(run(t, "schools", "--json", "--config", y.cfg, "--now=2025-10-11T10:00:00+02:00")), &replayed); err != nil {
		t.Fatal(err)
	}
	for _, r := range replayed {
		if a := after[r.UAI]; r.Status != a.Status || r.Admin != a.Admin || r.Name != a.Name || r.DueAt != a.DueAt {
			t.Errorf("%s replays as %+v, stored as %+v", r.UAI, r, a)
		}
	}

	sent := y.once("2025-10-11T09:05:00+02:00")
	notices := to(sent, "secretariat@mairie-givors.fr", "annulée")
	if len(notices) != 1 {
		t.Fatalf("%d mails about the revert to the commune, want 1", len(notices))
	}
	text := notices[0].Text
	for _, w := range []string{added.UAI + " « " + added.School + " » : ajout annulé", changed.UAI + " « " + rows[0].School + " » : changement d'administrateur annulé",
		renamed.UAI + " « " + renamed.School + " » : changement de nom annulé, l'école s'appelle de nouveau « " + rows[1].School + " »"} {
		if !strings.Contains(text, w) {
			t.Errorf("the mail about the revert does not say %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, details.UAI) {
		t.Errorf("the mail about the revert names the school whose administrator's details only changed:\n%s", text)
	}
}

// TestRevertTellsHeldAgain: reverting the later list that settled an earlier list's held
// removals tells the commune they wait for staff again, naming the earlier list; the earlier
// request's reason says what is true at each step: settled by the later list, held again, then
// confirmed by whom.
func TestRevertTellsHeldAgain(t *testing.T) {
	y, rows := heldThenNamedAgain(t)
	if got := requestReason(t, y.cfg, 2); got != "retraits tenus en attente, repris par la liste suivante (demande n° 3) : plus rien n'attend de confirmation" {
		t.Errorf("request 2, settled by request 3, has the reason %q", got)
	}
	run(t, "revert", "--config", y.cfg, "--by", "Camille Support", "--now=2026-05-13T09:00:00+02:00", "3")
	if got := requestReason(t, y.cfg, 2); got != "4 retrait(s) sur 5 école(s) en attente de confirmation" {
		t.Errorf("request 2, held again, has the reason %q", got)
	}
	if got := requestReason(t, y.cfg, 3); got != "annulée par Camille Support le 13 mai 2026" {
		t.Errorf("request 3, reverted, has the reason %q", got)
	}
	notices := to(y.once("2026-05-13T09:05:00+02:00"), "secretariat@mairie-givors.fr", "annulée")
	if len(notices) != 1 {
		t.Fatalf("%d mails about the revert, want 1", len(notices))
	}
	text := notices[0].Text
	if !strings.Contains(text, "Retraits de nouveau en attente") || strings.Contains(text, "rien à annuler") {
		t.Errorf("the mail about the revert does not say the removals wait again:\n%s", text)
	}
	for _, r := range rows[1:] {
		if !strings.Contains(text, r.UAI+" « "+r.School+" » : retrait demandé par votre liste du 11/05/2026 (demande n° 2), en attente de confirmation") {
			t.Errorf("the mail does not name %s as held again:\n%s", r.UAI, text)
		}
	}
	run(t, "confirm", "--config", y.cfg, "--by", "Jeanne Agent", "--now=2026-05-14T10:00:00+02:00", "2")
	if got := requestReason(t, y.cfg, 2); got != "4 retrait(s) tenu(s) en attente, confirmé(s) par Jeanne Agent le 14 mai 2026" {
		t.Errorf("request 2, confirmed, has the reason %q", got)
	}
}

// TestDroppedHoldSaysSo: a request whose held removals staff dropped is applied, and its reason
// no longer says they wait.
func TestDroppedHoldSaysSo(t *testing.T) {
	y, _ := heldList(t)
	run(t, "confirm", "--config", y.cfg, "--by", "Jeanne Agent", "--now=2026-05-12T10:00:00+02:00", "--drop", "2")
	if got := requestReason(t, y.cfg, 2); got != "4 retrait(s) tenu(s) en attente, abandonné(s) par Jeanne Agent le 12 mai 2026 : les écoles restent" {
		t.Errorf("request 2, dropped, has the reason %q", got)
	}
}

// requestReason returns the reason `requests --json` gives request id.
func requestReason(t *testing.T, cfg string, id int64) string {
	t.Helper()
	for _, r := range requestsJSON(t, cfg) {
		if r.ID == id {
			return r.Reason
		}
	}
	t.Fatalf("no request %d", id)
	return ""
}

// TestReminderNamesUnreachedCommunes: the June reminder cannot reach a commune with no address at
// all (its list gave no contacts, and the address that sent it is no longer its own): the
// Métropole gets a mail naming it, in text and HTML, and a commune that was reminded is not named.
func TestReminderNamesUnreachedCommunes(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	givors, oullins := samples.Rows(101, 1), samples.Rows(501, 2)
	y.deliver(givorsFrom, "Adhésion", "adh-givors@x", "2025-09-15T09:00:00+02:00", givors)
	y.deliverCSV("mairie@mairie-oullins.fr", "Adhésion", "adh-oullins@x", "2025-09-15T09:20:00+02:00", oullins)
	y.once("2025-09-15T11:00:00+02:00")
	moveSenders(t, y.cfg, `"@mairie-oullins.fr"`, `"@oullins.example"`)

	sent := y.once("2026-06-01T09:05:00+02:00")
	if len(to(sent, "t.morel@mairie-givors.fr", "vos écoles pour l'année 2026-2027")) != 1 {
		t.Fatalf("Givors was not reminded (%d mails)", len(sent))
	}
	if len(to(sent, "mairie@mairie-oullins.fr", "vos écoles")) != 0 {
		t.Fatal("the reminder went to an address Oullins no longer declares")
	}
	report := to(sent, metropole, "injoignable")
	if len(report) != 1 {
		t.Fatalf("%d mails to the Métropole about communes the reminder could not reach, want 1", len(report))
	}
	for name, body := range map[string]string{"text": report[0].Text, "HTML": htmlPart(t, report[0].Raw)} {
		if !strings.Contains(body, "Oullins : 2 écoles") || !strings.Contains(body, "À prévenir par vos soins (1)") || strings.Contains(body, "Givors") {
			t.Errorf("the %s part does not name Oullins alone:\n%s", name, body)
		}
	}
	// The second reminder of June says it again; a commune that sent its list is not named.
	yearly := slices.Clone(oullins)
	yearly[1].Phone = "04 72 10 31 99" // not the adhesion's file again (that would be a duplicate)
	y.deliverCSV("mairie@oullins.example", "Liste 2026-2027", "yearly-oullins@x", "2026-06-05T09:00:00+02:00", yearly)
	y.once("2026-06-05T11:00:00+02:00")
	if got := to(y.once("2026-06-13T09:05:00+02:00"), metropole, "injoignable"); len(got) != 0 {
		t.Errorf("Oullins sent its list, yet the Métropole hears it could not be reached:\n%s", got[0].Text)
	}
}

// moveSenders replaces, in the configuration cfg, the senders from with to: a commune moved to
// another domain.
func moveSenders(t *testing.T, cfg, from, to string) {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(b), from, to, 1)
	if moved == string(b) {
		t.Fatalf("%s is not in the configuration", from)
	}
	if err := os.WriteFile(cfg, []byte(moved), 0o600); err != nil {
		t.Fatal(err)
	}
}
