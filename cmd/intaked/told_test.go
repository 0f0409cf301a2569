package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/laclasse/intake/internal/samples"
)

// htmlPart returns the HTML part of a raw mail.
func htmlPart(t *testing.T, raw []byte) string {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read sent mail: %v", err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return ""
		} else if err != nil {
			t.Fatalf("read sent mail: %v", err)
		}
		body, _ := io.ReadAll(p.Body)
		if h, ok := p.Header.(*mail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/html" {
				return string(body)
			}
		}
	}
}

// deliverCSV appends a list without the commune's contacts (a CSV has no "Commune" sheet).
func (y *year) deliverCSV(from, subject, id, date string, rows []samples.Row) {
	y.t.Helper()
	at, err := time.Parse(time.RFC3339, date)
	if err != nil {
		y.t.Fatal(err)
	}
	m := samples.Message{From: from, To: samples.Mailbox, Subject: subject, MessageID: id, Date: at,
		Attachments: []samples.Attachment{{Name: "ECOLES.CSV", ContentType: "application/vnd.ms-excel", Data: samples.CSV(rows)}}}
	y.s.append(y.t, m.Raw(), at)
}

// TestToldMemServers is issue 14's section 5 through the daemon: the reminders and the renewal
// reach the list's contacts, or the address that sent a list without contacts; the renewal
// report names a commune nobody could tell; a list that only rewrites an administrator's Fonction,
// name and phone changes nothing; a real change of administrator says, in the digest, whose rights
// to give and whose to take.
func TestToldMemServers(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	givors, grigny, oullins := samples.Rows(101, 2), samples.Rows(401, 1), samples.Rows(501, 1)

	// September 2025: Givors' list gives its contacts; Grigny's and Oullins' CSVs give none.
	y.deliver(givorsFrom, "Adhésion", "adh-givors@x", "2025-09-15T09:00:00+02:00", givors)
	y.deliverCSV("Secrétariat <secretariat@mairie-grigny.fr>", "Adhésion", "adh-grigny@x", "2025-09-15T09:10:00+02:00", grigny)
	y.deliverCSV("mairie@mairie-oullins.fr", "Adhésion", "adh-oullins@x", "2025-09-15T09:20:00+02:00", oullins)
	y.once("2025-09-15T11:00:00+02:00")
	var uais []string
	for _, r := range append(append(append([]samples.Row{}, givors...), grigny...), oullins...) {
		uais = append(uais, r.UAI)
	}
	run(t, append([]string{"activate", "--config", y.cfg, "--now=2025-09-20T10:00:00+02:00"}, uais...)...)
	y.once("2025-09-21T08:00:00+02:00") // the digests of the week

	t.Run("OnlyDetailsIsNoChange", func(t *testing.T) {
		// January: the same administrator, written another way: another Fonction, the name in
		// other case, the phone in another layout, the address in capitals.
		same := givors[0]
		same.Role, same.LastName, same.FirstName = "Directrice d'école", strings.ToLower(same.LastName)+" ", strings.ToUpper(same.FirstName)
		same.Phone = strings.ReplaceAll(same.Phone, " ", "")
		same.Email = strings.ToUpper(same.Email)
		same.Action = "Modification"
		y.deliver(givorsFrom, "Mise à jour", "same-givors@x", "2026-01-12T10:00:00+01:00", []samples.Row{same})
		sent := y.once("2026-01-12T11:00:00+01:00")
		reply := to(sent, "secretariat@mairie-givors.fr", "Re: Mise à jour")
		if len(reply) != 1 {
			t.Fatalf("%d replies, want 1", len(reply))
		}
		if strings.Contains(reply[0].Text, "d'administrateur") || strings.Contains(reply[0].Text, "au plus tard") {
			t.Fatalf("the reply announces a change of administrator:\n%s", reply[0].Text)
		}
		for _, m := range sent {
			if strings.Contains(m.Subject, "responsable") || strings.Contains(m.Subject, "administrateur") {
				t.Fatalf("a notice of a change of administrator was sent: %q", m.Subject)
			}
		}
		if st := y.schools("2026-01-12T12:00:00+01:00")[givors[0].UAI]; st.Status != "active" {
			t.Fatalf("the school went %s: no new two weeks for the same administrator", st.Status)
		}
		var hist []struct{ Kind string }
		if err := json.Unmarshal([]byte(run(t, "history", "--json", "--config", y.cfg, givors[0].UAI)), &hist); err != nil {
			t.Fatal(err)
		}
		if last := hist[len(hist)-1]; last.Kind != "admin_details" {
			t.Fatalf("history ends with %+v, want the new details recorded (admin_details)", last)
		}
		digest := to(y.once("2026-01-13T07:05:00+01:00"), metropole, "synthèse")
		if len(digest) != 1 || strings.Contains(digest[0].Text, "Donner les droits") || strings.Contains(digest[0].Text, "Comptes à créer") {
			t.Fatalf("the digest asks for directory work for the same administrator:\n%+v", digest)
		}
	})

	t.Run("RealChangeInDigest", func(t *testing.T) {
		other := givors[1]
		before := other
		other.LastName, other.FirstName, other.Email, other.Action = "DURAND", "Marie", "marie.durand@ac-lyon.fr", "Modification"
		y.deliver(givorsFrom, "Nouvelle directrice", "new-givors@x", "2026-01-14T10:00:00+01:00", []samples.Row{other})
		if r := to(y.once("2026-01-14T11:00:00+01:00"), "secretariat@mairie-givors.fr", "Re: Nouvelle directrice"); len(r) != 1 || !strings.Contains(r[0].Text, "1 changement d'administrateur") {
			t.Fatalf("the reply to a real change does not announce it: %+v", r)
		}
		digest := to(y.once("2026-01-15T07:05:00+01:00"), metropole, "synthèse")
		if len(digest) != 1 {
			t.Fatal("no digest the morning after a change of administrator")
		}
		want := "Donner les droits (profil ADM) à Marie DURAND (marie.durand@ac-lyon.fr"
		retire := "et les retirer à " + before.FirstName + " " + before.LastName + " pour l'école " + other.UAI
		if !strings.Contains(digest[0].Text, want) || !strings.Contains(digest[0].Text, retire) || !strings.Contains(htmlPart(t, digest[0].Raw), "Donner les droits (profil ADM) à Marie DURAND") {
			t.Fatalf("the digest does not say whose rights to give and take:\n%s", digest[0].Text)
		}
		if strings.Contains(digest[0].Text, "Comptes à créer") {
			t.Fatalf("the change of administrator is also listed as an account to create:\n%s", digest[0].Text)
		}
		run(t, "activate", "--config", y.cfg, "--now=2026-01-16T10:00:00+01:00", other.UAI)
	})

	t.Run("ReminderAndRenewal", func(t *testing.T) {
		sent := y.once("2026-06-01T09:05:00+02:00")
		for _, who := range []string{"t.morel@mairie-givors.fr", "i.blanc@mairie-givors.fr", "secretariat@mairie-grigny.fr", "mairie@mairie-oullins.fr"} {
			if r := to(sent, who, "vos écoles pour l'année 2026-2027"); len(r) != 1 {
				t.Errorf("1 June: %d reminders to %s, want 1", len(r), who)
			}
		}
		if r := to(sent, "secretariat@mairie-givors.fr", "vos écoles"); len(r) != 0 {
			t.Errorf("the reminder went to Givors' sender although its list gave contacts")
		}
		// Oullins moves to another domain before the renewal: the address that sent its list is
		// no longer its own, and nobody else is known.
		cfg, err := os.ReadFile(y.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(y.cfg, []byte(strings.Replace(string(cfg), `"@mairie-oullins.fr"`, `"@oullins.example"`, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		sent = y.once("2026-06-20T00:05:00+02:00")
		if len(to(sent, "secretariat@mairie-grigny.fr", "reconduite pour 2026-2027")) != 1 || len(to(sent, "t.morel@mairie-givors.fr", "reconduite pour 2026-2027")) != 1 {
			t.Fatalf("20 June: the renewal notices missed Grigny's sender or Givors' contacts (%d mails)", len(sent))
		}
		report := to(sent, metropole, "reconductions par défaut")
		if len(report) != 1 {
			t.Fatalf("20 June: %d renewal reports", len(report))
		}
		text := report[0].Text
		if !strings.Contains(text, "À prévenir par vos soins (1)") || !strings.Contains(text, ": Oullins.") || strings.Contains(text, "chaque commune en a été informée.") {
			t.Fatalf("the renewal report does not name the commune nobody could tell:\n%s", text)
		}
		if !strings.Contains(htmlPart(t, report[0].Raw), "À prévenir par vos soins (1)") {
			t.Fatal("the HTML renewal report does not name the commune nobody could tell")
		}
	})
}
