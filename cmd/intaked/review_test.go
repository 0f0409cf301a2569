package main

import (
	"strings"
	"testing"
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

	for _, day := range []string{"2026-06-01T09:05:00+02:00", "2026-06-13T09:05:00+02:00", "2026-06-20T09:05:00+02:00"} {
		for _, m := range y.once(day) {
			if strings.Contains(m.Subject, "vos écoles pour l'année") || strings.Contains(m.Subject, "reconduite") {
				t.Errorf("%s: Givors sent its list, yet got %q (to %v)", day, m.Subject, m.To)
			}
			if strings.Contains(m.Text, "Listes reconduites par défaut") {
				t.Errorf("%s: the Métropole hears Givors' list was renewed by default:\n%s", day, m.Text)
			}
		}
	}
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
	for _, day := range []string{"2026-06-01T09:05:00+02:00", "2026-06-13T09:05:00+02:00", "2026-06-20T09:05:00+02:00"} {
		for _, m := range y.once(day) {
			if strings.Contains(m.Subject, "vos écoles pour l'année") || strings.Contains(m.Subject, "reconduite") {
				t.Errorf("%s: Givors' list holds removals, yet Givors got %q (to %v)", day, m.Subject, m.To)
			}
			if strings.Contains(m.Text, "Listes reconduites par défaut") {
				t.Errorf("%s: the Métropole hears Givors' list was renewed by default:\n%s", day, m.Text)
			}
		}
	}
}

// TestRevertAndHistoryReadInFrench: what `revert` prints, school by school, and `history`'s
// table are French for the staff member who reads them (no "removal", "add", "hold_remove"),
// and the mail to the commune says only what is true: staff undid the list, not "at the
// commune's request", which staff may not have had.
func TestRevertAndHistoryReadInFrench(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 5)
	y.deliver(givorsFrom, "Liste 2026-2027", "yearly-givors@x", "2026-05-11T10:00:00+02:00", rows[:1])
	y.once("2026-05-11T11:00:00+02:00")
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
