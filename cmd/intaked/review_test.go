package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
	"github.com/xuri/excelize/v2"
)

// Issue 14, reviewed as a commune's secretary and support staff would live it: what the other
// tests of the issue left untried.

// TestCampaignResendIsThisYearsList: a commune with no change sends, in the yearly campaign,
// the very file it sent last year. That is its list for next school year, not a repeat of
// last year's: it is applied and answered as one, the commune is not reminded nor told on 20
// June that no list came. The same file sent again within the campaign is a repeat.
func TestCampaignResendIsThisYearsList(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 3) // September 2025
	y.once("2025-09-21T11:00:00+02:00")

	y.deliver(givorsFrom, "Liste 2026-2027 sans changement", "same-yearly@x", "2026-05-11T10:00:00+02:00", rows)
	reply := to(y.once("2026-05-11T11:00:00+02:00"), "secretariat@mairie-givors.fr", "Re: Liste")
	if len(reply) != 1 || !strings.Contains(reply[0].Text, "Nous l'avons enregistré comme la liste de vos écoles pour l'année scolaire 2026-2027.") ||
		strings.Contains(reply[0].Text, "déjà reçu") {
		t.Fatalf("last year's file sent in the campaign is not answered as this year's list:\n%+v", reply)
	}
	if got := requestsJSON(t, y.cfg, "--since", "2026-05-01"); len(got) != 1 || got[0].State != "applied" {
		t.Errorf("requests since May = %+v, want the list applied", got)
	}
	if at := y.communes("2026-05-12T00:00:00+02:00")["Givors"].LastListAt; at == nil || !strings.HasPrefix(*at, "2026-05-11") {
		t.Errorf("communes: last list %v, want 2026-05-11", at)
	}

	// The same file once more, within the campaign: a repeat, answered briefly.
	y.deliver(givorsFrom, "TR: Liste 2026-2027", "again-yearly@x", "2026-05-20T10:00:00+02:00", rows)
	again := to(y.once("2026-05-20T11:00:00+02:00"), "secretariat@mairie-givors.fr", "Re:")
	if len(again) != 1 || !strings.Contains(again[0].Text, "Nous avons déjà reçu ce fichier le 11 mai 2026") {
		t.Errorf("the same file twice in the campaign:\n%+v", again)
	}

	y.givorsNotChased("Givors sent its list")
}

// TestHeldListIsTheYearsList: a list of the campaign whose removals wait for staff is the
// commune's list all the same: it is not reminded to send one, nor told on 20 June that none
// came, and `communes` shows it as its last list.
func TestHeldListIsTheYearsList(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 5)
	y.once("2025-09-21T11:00:00+02:00")
	y.deliver(givorsFrom, "Liste 2026-2027", "yearly-givors@x", "2026-05-11T10:00:00+02:00", rows[:1])
	y.once("2026-05-11T11:00:00+02:00")
	if held := requestsJSON(t, y.cfg, "--state", "held"); len(held) != 1 {
		t.Fatalf("requests --state held = %+v, want the one-row list", held)
	}
	if at := y.communes("2026-05-12T00:00:00+02:00")["Givors"].LastListAt; at == nil || !strings.HasPrefix(*at, "2026-05-11") {
		t.Errorf("communes: last list %v, want the held list of 2026-05-11", at)
	}
	y.givorsNotChased("Givors' list holds removals")
}

// givorsNotChased runs the campaign's June days (1, 13, 20) and checks that Givors, whose list
// counts as the year's (because), is not reminded, not renewed by default, and that the Métropole
// does not hear its list was renewed by default.
func (y *year) givorsNotChased(because string) {
	y.t.Helper()
	for _, day := range []string{"2026-06-01T09:05:00+02:00", "2026-06-13T09:05:00+02:00", "2026-06-20T09:05:00+02:00"} {
		for _, m := range y.once(day) {
			if strings.Contains(m.Subject, "vos écoles pour l'année") || strings.Contains(m.Subject, "reconduite") {
				y.t.Errorf("%s: %s, yet Givors got %q (to %v)", day, because, m.Subject, m.To)
			}
			if strings.Contains(m.Text, "Listes reconduites par défaut") {
				y.t.Errorf("%s: the Métropole hears Givors' list was renewed by default:\n%s", day, m.Text)
			}
		}
	}
}

// TestRevertAndHistoryReadInFrench: what `revert` prints, school by school, and `history`'s
// table are French for the staff member who reads them (no "removal", "add", "hold_remove"),
// and the mail to the commune says only what is true: staff undid the list, not "at the
// commune's request", which staff may not have had.
func TestRevertAndHistoryReadInFrench(t *testing.T) {
	y, rows := heldList(t)
	if out := run(t, "confirm", "--config", y.cfg, "--by", "Jeanne Agent", "--now=2026-05-12T10:00:00+02:00", "2"); !strings.Contains(out, "retrait confirmé") {
		t.Fatalf("confirm printed:\n%s", out)
	}
	out := run(t, "revert", "--config", y.cfg, "--by", "Camille Support", "--now=2026-05-13T10:00:00+02:00", "2")
	want := rows[1].UAI + " « " + rows[1].School + " » : radiation prévue annulée, l'école reste"
	if !strings.Contains(out, want) {
		t.Errorf("revert does not print %q:\n%s", want, out)
	}
	history := run(t, "history", "--config", y.cfg, rows[1].UAI)
	for _, w := range []string{"ajout", "accès ouvert", "retrait en attente de confirmation", "retrait programmé", "retrait annulé", "ouverture à la main", "Jeanne Agent", "Camille Support"} {
		if !strings.Contains(history, w) {
			t.Errorf("history does not say %q:\n%s", w, history)
		}
	}
	for _, text := range []string{out, history} {
		for _, english := range []string{"removal", "hold_remove", "schedule_remove", "cancel_removal", " add ", "activate"} {
			if strings.Contains(text, english) {
				t.Errorf("%q reaches staff:\n%s", english, text)
			}
		}
	}
	notice := to(y.once("2026-05-13T10:05:00+02:00"), "secretariat@mairie-givors.fr", "annulée")
	if len(notice) != 1 {
		t.Fatalf("%d mails about the revert", len(notice))
	}
	for name, body := range map[string]string{"text": notice[0].Text, "HTML": htmlPart(t, notice[0].Raw)} {
		if strings.Contains(body, "la demande") || !strings.Contains(body, "L'équipe laclasse.com a annulé ce que le message de la commune de Givors du 11/05/2026") {
			t.Errorf("the %s part of the revert mail:\n%s", name, body)
		}
	}
}

// TestRequestsEveryState: the states the other tests leave out of `requests` (refused,
// duplicate, ignored) are spelt as the contract writes them, and `--state` selects each; the
// same message seen twice is answered once.
func TestRequestsEveryState(t *testing.T) {
	s := memServers(t)
	cfg := writeConfig(t, s)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	list := samples.Message{From: givorsFrom, To: samples.Mailbox, Subject: "Liste", MessageID: "list@mairie-givors.fr", Date: at,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Givors", samples.Rows(101, 2))}}}
	s.append(t, list.Raw(), at)
	s.append(t, list.Raw(), at) // the same message twice
	s.append(t, samples.Message{From: "scolaire@mairie-feyzin.fr", To: samples.Mailbox, Subject: "Rentrée", MessageID: "words@mairie-feyzin.fr", Date: at,
		Text: "Aucun changement pour nous cette année."}.Raw(), at)
	s.append(t, samples.Message{From: givorsFrom, To: samples.Mailbox, Subject: "Absence du bureau", MessageID: "away@mairie-givors.fr", Date: at,
		Headers: map[string]string{"Auto-Submitted": "auto-replied"}, Text: "Je suis absente."}.Raw(), at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	if got := to(s.sent(t), "secretariat@mairie-givors.fr", "Re: Liste"); len(got) != 1 {
		t.Errorf("%d replies to the list seen twice, want 1: the same message seen again stays silent", len(got))
	}

	for state, subject := range map[string]string{"applied": "Liste", "duplicate": "Liste", "refused": "Rentrée", "ignored": "Absence du bureau"} {
		t.Run(state, func(t *testing.T) {
			var got []map[string]any
			if err := json.Unmarshal([]byte(run(t, "requests", "--json", "--config", cfg, "--state", state)), &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0]["state"] != state || got[0]["subject"] != subject {
				t.Errorf("requests --state %s = %v, want the one %q", state, got, subject)
			}
		})
	}
}

// TestAttachedModelsReadAsPromised: the model spreadsheet a commune receives, attached to the
// "what to send" reply and to the June reminder (not only `intaked template`), names the
// configured address, opens on its instructions, says to leave Action empty for a first
// adhesion and prints on A4.
func TestAttachedModelsReadAsPromised(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	adhesion(t, y, 2)
	at := time.Date(2025, 9, 16, 8, 0, 0, 0, time.UTC)
	s.append(t, samples.Message{From: "scolaire@mairie-feyzin.fr", To: samples.Mailbox, Subject: "Adhésion ?", MessageID: "ask@mairie-feyzin.fr", Date: at,
		Text: "Comment adhérer ?"}.Raw(), at)
	models := map[string][]byte{}
	for _, m := range to(y.once("2025-09-16T11:00:00+02:00"), "scolaire@mairie-feyzin.fr", "Re:") {
		if _, files := parts(t, m.Raw); len(files) == 1 {
			models["reply"] = files[0].Data
		}
	}
	for _, m := range to(y.once("2026-06-01T09:05:00+02:00"), "t.morel@mairie-givors.fr", "vos écoles") {
		if _, files := parts(t, m.Raw); len(files) == 1 {
			models["reminder"] = files[0].Data
		}
	}
	for _, name := range []string{"reply", "reminder"} {
		t.Run(name, func(t *testing.T) {
			data, ok := models[name]
			if !ok {
				t.Fatalf("no model attached to the %s", name)
			}
			f, err := excelize.OpenReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			text := instructions(t, f)
			for _, w := range []string{"à l'adresse " + samples.Mailbox + ".", "Pour une première adhésion, laissez la colonne « Action » vide"} {
				if !strings.Contains(text, w) {
					t.Errorf("the instructions do not say %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, "laclass.com@grandlyon.com") {
				t.Errorf("the instructions name the hard-coded address:\n%s", text)
			}
			for _, sh := range f.GetSheetList() {
				if pl, err := f.GetPageLayout(sh); err != nil || pl.Size == nil || *pl.Size != 9 {
					t.Errorf("sheet %s does not print on A4: %+v, %v", sh, pl, err)
				}
			}
		})
	}
}

// testForwardQuotesOurMail: "Aucun changement pour nous cette année" in answer to our reply
// reaches staff with the text of the mail it answers, so that staff see what the commune
// answers without looking it up; the commune gets the acknowledgement, not the model.
func TestForwardQuotesOurMail(t *testing.T) { testForwardQuotesOurMail(t, memServers(t)) }

func TestForwardQuotesOurMailRealServers(t *testing.T) { testForwardQuotesOurMail(t, realServers(t)) }

func testForwardQuotesOurMail(t *testing.T, s servers) {
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 2)
	reply := to(s.sent(t), "secretariat@mairie-givors.fr", "Re: Adhésion")
	if len(reply) != 1 {
		t.Fatalf("%d replies to the adhesion", len(reply))
	}
	id := strings.Trim(reply[0].Header.Get("Message-Id"), "<>")
	at := time.Date(2025, 9, 22, 8, 0, 0, 0, time.UTC)
	s.append(t, samples.Message{From: givorsFrom, To: samples.Mailbox, Subject: "Re: Re: Adhésion", MessageID: "none@mairie-givors.fr", Date: at,
		Headers: map[string]string{"In-Reply-To": "<" + id + ">"}, Text: "Aucun changement pour nous cette année."}.Raw(), at)
	sent := y.once("2025-09-22T11:00:00+02:00")
	fwd := to(sent, metropole, "à traiter")
	if len(fwd) != 1 {
		t.Fatalf("%d forwards to staff", len(fwd))
	}
	for name, body := range map[string]string{"text": fwd[0].Text, "HTML": htmlPart(t, fwd[0].Raw)} {
		for _, w := range []string{"Aucun changement pour nous cette année.", "Notre courriel, auquel elle répond :", rows[0].UAI + " " + rows[0].School} {
			if !strings.Contains(strings.ReplaceAll(body, "&#39;", "'"), w) {
				t.Errorf("the %s part of the forward lacks %q:\n%s", name, w, body)
			}
		}
	}
	ack := to(sent, "secretariat@mairie-givors.fr", "Re: Adhésion")
	if len(ack) != 1 || !strings.Contains(ack[0].Text, "transmis à l'équipe laclasse.com, qui vous répondra") || strings.Contains(ack[0].Text, "modèle") {
		t.Errorf("the commune's acknowledgement:\n%+v", ack)
	}
	if _, files := parts(t, ack[0].Raw); len(files) != 0 {
		t.Errorf("the acknowledgement carries %v", files)
	}
}

// TestHeldRemovalsCountOnce: a list that changes one administrator and holds four removals made
// one change while they wait; confirmed, five; dropped, one. `requests` and the digest say so
// (a held removal is not a change until staff confirm it, and then it counts once).
func TestHeldRemovalsCountOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"Confirmed", nil, 5},
		{"Dropped", []string{"--drop"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := memServers(t)
			y := &year{t: t, s: s, cfg: writeConfig(t, s)}
			rows := adhesion(t, y, 5)
			one := []samples.Row{rows[0]}
			one[0].Email, one[0].LastName = "nouvelle.directrice@ac-lyon.fr", "NOUVELLE"
			y.deliver(givorsFrom, "Liste 2026-2027", "yearly-givors@x", "2026-05-11T10:00:00+02:00", one)
			y.once("2026-05-11T11:00:00+02:00")
			if got := requestsJSON(t, y.cfg, "--state", "held"); len(got) != 1 || got[0].Changes != 1 {
				t.Fatalf("the held list: %+v, want 1 change", got)
			}
			digest := to(y.once("2026-05-12T07:05:00+02:00"), metropole, "synthèse")
			if len(digest) != 1 {
				t.Fatalf("%d digests", len(digest))
			}
			if !strings.Contains(digest[0].Text, "« Liste 2026-2027 », 1 changement") {
				t.Errorf("the digest does not count one change for the held list:\n%s", digest[0].Text)
			}
			run(t, append(append([]string{"confirm", "--config", y.cfg, "--now=2026-05-12T10:00:00+02:00"}, tc.args...), "2")...)
			for _, r := range requestsJSON(t, y.cfg) {
				if r.ID == 2 && r.Changes != tc.want {
					t.Errorf("after confirm %v: %d changes, want %d", tc.args, r.Changes, tc.want)
				}
			}
			// The next digest lists the removals staff confirmed, with their day; none once dropped.
			next := to(y.once("2026-05-13T07:05:00+02:00"), metropole, "synthèse")
			listed := len(next) == 1 && strings.Contains(next[0].Text, "Radiations programmées (4)") && strings.Contains(next[0].Text, rows[4].UAI+" "+rows[4].School+", le 1er juillet 2026 (demande n° 2)")
			if confirmed := tc.args == nil; listed != confirmed {
				t.Errorf("after confirm %v, the next digest lists the removals: %v, want %v\n%+v", tc.args, listed, confirmed, next)
			}
		})
	}
}

// TestStaffCommandsTakeNow: activate and revert record their change on the day --now gives, in
// the Métropole's zone; release dates the school's addition by the list's receipt (the two
// weeks run from it); each records the Unix user when --by is not given.
func TestStaffCommandsTakeNow(t *testing.T) {
	s := memServers(t)
	cfg := trustConfig(t, s, staffCommunes)
	rows, id := quarantinedList(t, s, cfg)
	run(t, "release", "--config", cfg, "--commune", "Givors", "--now=2026-09-15T10:00:00+02:00", id)
	run(t, "activate", "--config", cfg, "--now=2026-09-16T10:00:00+02:00", rows[0].UAI)
	run(t, "revert", "--config", cfg, "--now=2026-09-17T10:00:00+02:00", "1")
	var history []historyJSON
	if err := json.Unmarshal([]byte(run(t, "history", "--json", "--config", cfg, rows[0].UAI)), &history); err != nil {
		t.Fatal(err)
	}
	// The school's addition is dated by the list's receipt, whoever released it.
	want := map[string]string{"release": "2026-09-14T10:00:00+02:00", "activate": "2026-09-16T10:00:00+02:00", "revert": "2026-09-17T10:00:00+02:00"}
	for _, h := range history {
		if w, ok := want[h.Staff]; ok {
			if h.At != w || h.By != staffMember("") {
				t.Errorf("%s recorded at %s by %q, want %s by the Unix user %q", h.Staff, h.At, h.By, w, staffMember(""))
			}
			delete(want, h.Staff)
		}
	}
	if len(want) != 0 {
		t.Errorf("history %+v lacks %v", history, want)
	}
}

// TestDigestNamesQuarantinedRequests: the digest gives each quarantined message its request
// number and the command that puts it right, so that staff need not look it up.
func TestDigestNamesQuarantinedRequests(t *testing.T) {
	s := memServers(t)
	cfg := trustConfig(t, s, staffCommunes)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	s.append(t, listMessage("first@mairie-givors.fr", at, samples.Rows(101, 1), nil).Raw(), at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	q := requestsJSON(t, cfg, "--state", "rejected")
	if len(q) != 1 {
		t.Fatalf("requests --state rejected = %+v", q)
	}
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T07:05:00+02:00")
	digest := lastSent(t, s, "synthèse")
	line := fmt.Sprintf("- demande n° %d, 14 septembre 2026 à 10 h 00, secretariat@mairie-givors.fr : « %s »", q[0].ID, q[0].Subject)
	for name, body := range map[string]string{"text": digest.Text, "HTML": htmlPart(t, digest.Raw)} {
		for _, w := range []string{strings.TrimPrefix(line, "- "), "« intaked release [--commune NOM] [--add-sender] N »"} {
			if !strings.Contains(body, w) {
				t.Errorf("the %s part of the digest lacks %q:\n%s", name, w, body)
			}
		}
	}
}

// TestOneRemovalDate: a full list of the campaign that leaves out one school of five (under
// both bounds: not held) schedules its removal, and the reply, `schools`, `schools --json` and
// the digest give the same day.
func TestOneRemovalDate(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 5)
	y.deliver(givorsFrom, "Liste 2026-2027", "yearly-givors@x", "2026-05-11T10:00:00+02:00", rows[:4])
	reply := to(y.once("2026-05-11T11:00:00+02:00"), "secretariat@mairie-givors.fr", "Re: Liste")
	gone := rows[4].UAI + " " + rows[4].School
	if len(reply) != 1 || !strings.Contains(reply[0].Text, gone+" : le 1er juillet 2026 (absente de la liste reçue)") {
		t.Fatalf("the reply does not give the removal's day:\n%+v", reply)
	}
	if at := heldSchools(t, y.cfg)[rows[4].UAI].RemoveAt; at == nil || *at != "2026-07-01T00:00:00+02:00" {
		t.Errorf("schools --json remove_at %v, want 2026-07-01T00:00:00+02:00", at)
	}
	if text := run(t, "schools", "--config", y.cfg); !strings.Contains(text, "radiation le 01/07/2026") {
		t.Errorf("schools does not give the day:\n%s", text)
	}
	digest := to(y.once("2026-05-12T07:05:00+02:00"), metropole, "synthèse")
	if len(digest) != 1 {
		t.Fatalf("%d digests", len(digest))
	}
	for name, body := range map[string]string{"text": digest[0].Text, "HTML": htmlPart(t, digest[0].Raw)} {
		if !strings.Contains(body, "Radiations programmées (1)") || !strings.Contains(body, "Givors : "+gone+", le 1er juillet 2026 (demande n° 2)") {
			t.Errorf("the %s part of the digest does not give the removal's day:\n%s", name, body)
		}
	}
	// The next day's digest does not list it again.
	for _, m := range to(y.once("2026-05-13T07:05:00+02:00"), metropole, "synthèse") {
		if strings.Contains(m.Text, "Radiations programmées") {
			t.Errorf("the removal is listed again:\n%s", m.Text)
		}
	}
}

// TestDigestNamesRefusedTasksInFrench: when laclasse.com's directory refuses to open a school
// (a 4xx), the digest says which work was refused in French, with the API's message, not the
// task's code name.
func TestDigestNamesRefusedTasksInFrench(t *testing.T) {
	s := memServers(t)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"error":"application non autorisée"}`)
	}))
	t.Cleanup(refusing.Close)
	cfg := oullinsApplied(t, s, fmt.Sprintf("[laclasse]\nurl = %q\napp_id = \"intaked\"\napp_key = \"secret\"\nstructure_type = 3\ntimeout = \"5s\"\n", refusing.URL))
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T07:05:00+02:00")
	var digest *sentMail
	for _, m := range s.sent(t) {
		if strings.Contains(m.Subject, "synthèse") {
			digest = &m
		}
	}
	if digest == nil {
		t.Fatal("no digest")
	}
	for name, body := range map[string]string{"text": digest.Text, "HTML": htmlPart(t, digest.Raw)} {
		body = strings.ReplaceAll(body, "&#39;", "'")
		if !strings.Contains(body, "(ouverture de l'école et du compte de son administrateur)") || strings.Contains(body, "(activate)") {
			t.Errorf("the %s part of the digest does not name the refused work in French:\n%s", name, body)
		}
	}
}
