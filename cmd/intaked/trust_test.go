package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

// Issue 13, section 2: who may change a school, and who hears about it; section 5: text that
// reaches a terminal. Each test runs the daemon as users run it, through Main.

// trustConfig writes the configuration of writeConfig with communes in place of the sample ones.
func trustConfig(t *testing.T, s servers, communes string) string {
	t.Helper()
	path := writeConfig(t, s)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), samples.CommunesTOML(), communes, 1)
	if cfg == string(b) {
		t.Fatal("the sample communes are not in the configuration")
	}
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantQuarantined checks that the one message delivered went to rejected_mailbox, unanswered
// and unapplied.
func wantQuarantined(t *testing.T, s servers, cfg string) {
	t.Helper()
	if n := s.count(t, "Rejetes"); n != 1 {
		t.Errorf("rejected_mailbox holds %d messages, want 1", n)
	}
	if sent := s.sent(t); len(sent) != 0 {
		t.Errorf("%d mails sent, want none; first to %v", len(sent), sent[0].To)
	}
	if schools := registry(t, cfg); len(schools) != 0 {
		t.Errorf("registry changed: %v", schools)
	}
}

// mailsTo returns the mails sent with addr among their recipients.
func mailsTo(sent []sentMail, addr string) []sentMail {
	var out []sentMail
	for _, m := range sent {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// listMessage is a list of the rows from secretariat@mairie-givors.fr, with extra header fields.
func listMessage(id string, at time.Time, rows []samples.Row, headers map[string]string) samples.Message {
	return samples.Message{From: "Secrétariat général <secretariat@mairie-givors.fr>", To: samples.Mailbox, Subject: "Écoles de Givors",
		MessageID: id, Date: at, Headers: headers,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Givors", rows)}}}
}

// registry returns the schools the store holds, by `intaked schools --json`.
func registry(t *testing.T, cfg string) []struct{ UAI, Status string } {
	t.Helper()
	var schools []struct{ UAI, Status string }
	if err := json.Unmarshal([]byte(run(t, "schools", "--json", "--config", cfg)), &schools); err != nil {
		t.Fatal(err)
	}
	return schools
}

// unsignedListOfDKIMCommune configures Givors with require_dkim, delivers an unsigned list from
// one of its addresses and runs the daemon once on it.
func unsignedListOfDKIMCommune(t *testing.T) (servers, string) {
	t.Helper()
	s := memServers(t)
	cfg := trustConfig(t, s, `[[commune]]
name = "Givors"
insee = "69091"
senders = ["@mairie-givors.fr"]
require_dkim = true
`)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	s.append(t, listMessage("unsigned@mairie-givors.fr", at, samples.Rows(101, 2), nil).Raw(), at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	return s, cfg
}

// TestRequireDKIMQuarantines: for a commune with require_dkim = true, a plain From without a
// signature is quarantined, unanswered, and the registry is unchanged.
func TestRequireDKIMQuarantines(t *testing.T) {
	s, cfg := unsignedListOfDKIMCommune(t)

	wantQuarantined(t, s, cfg)
}

// TestReplyToOutsideIgnored: a forged From of a commune without DKIM, with a Reply-To elsewhere,
// changes administrators; nothing is sent elsewhere, the reply goes to the From, and the
// commune's declared contacts hear of the change.
func TestReplyToOutsideIgnored(t *testing.T) {
	s := memServers(t)
	cfg := trustConfig(t, s, `[[commune]]
name = "Givors"
insee = "69091"
senders = ["@mairie-givors.fr", "education@mairie-givors.fr"]
notify = ["maire@mairie-givors.fr", "Secretariat@mairie-givors.fr"]
`)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	rows := samples.Rows(101, 3)
	s.append(t, listMessage("adhesion@mairie-givors.fr", at, rows, nil).Raw(), at)
	changed := append([]samples.Row{}, rows...)
	for i := range changed {
		changed[i].LastName, changed[i].FirstName, changed[i].Email = "PIRATE", "Eve", "eve@attacker.example"
		changed[i].Phone = "06 00 00 00 0" + string(rune('1'+i))
	}
	forged := listMessage("forged@mairie-givors.fr", at.Add(time.Hour), changed, map[string]string{"Reply-To": "someone@elsewhere.example"})
	s.append(t, forged.Raw(), forged.Date)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")

	sent := s.sent(t)
	for _, m := range sent {
		for _, to := range m.To {
			if strings.HasSuffix(strings.ToLower(to), "@elsewhere.example") {
				t.Errorf("mail %q sent to %s", m.Subject, to)
			}
		}
		if bytes.Contains(bytes.ToLower(m.Raw), []byte("elsewhere.example")) {
			t.Errorf("mail %q to %v names elsewhere.example", m.Subject, m.To)
		}
	}
	if replies := mailsTo(sent, "secretariat@mairie-givors.fr"); len(replies) != 2 {
		t.Errorf("%d replies to the From, want 2 (the adhesion and the change)", len(replies))
	}
	notices := mailsTo(sent, "maire@mairie-givors.fr")
	if len(notices) != 1 {
		for _, m := range sent {
			t.Logf("sent to %v: %s", m.To, m.Subject)
		}
		t.Fatalf("%d notices to the commune's contact, want 1", len(notices))
	}
	n := notices[0]
	if len(n.To) != 2 || len(mailsTo([]sentMail{n}, "education@mairie-givors.fr")) != 1 {
		t.Errorf("notice to %v, want the contact and the declared sender address, not the From again", n.To)
	}
	for _, w := range []string{"changement d'administrateur", rows[0].UAI, rows[1].UAI, rows[2].UAI, "Eve PIRATE remplace " + rows[0].FirstName + " " + rows[0].LastName,
		"secretariat@mairie-givors.fr", "14 septembre 2026", "pas à l'origine de cette demande"} {
		if !strings.Contains(n.Subject+n.Text, w) {
			t.Errorf("notice lacks %q:\n%s", w, n.Text)
		}
	}
	if len(sent) != 3 {
		t.Errorf("%d mails sent, want 2 replies and 1 notice", len(sent))
	}
}

// TestAmbiguousFromQuarantined: a From that a quoted display name makes look like Givors to a
// tolerant reader is quarantined, unanswered, and the summary shows the field as received.
func TestAmbiguousFromQuarantined(t *testing.T) {
	s := memServers(t)
	cfg := writeConfig(t, s)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	m := listMessage("eve@attacker.example", at, samples.Rows(101, 2), nil)
	m.From = `"Eve <secretariat@mairie-givors.fr>" eve@attacker.example`
	s.append(t, m.Raw(), at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")

	wantQuarantined(t, s, cfg)

	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T07:30:00+02:00")
	digests := mailsTo(s.sent(t), "ent@grandlyon.example")
	if len(digests) != 1 {
		t.Fatalf("%d summaries, want 1", len(digests))
	}
	text := digests[0].Text
	if !strings.Contains(text, "Messages mis en quarantaine (1)") || !strings.Contains(text, `champ From reçu : « "Eve <secretariat@mairie-givors.fr>" eve@attacker.example »`) {
		t.Errorf("the summary does not show the From as received:\n%s", text)
	}
}

// TestNoEscapeInOutput: a school name with a terminal escape sequence and a C1 control is
// printed clean by parse, schools and pending.
func TestNoEscapeInOutput(t *testing.T) {
	csv := "UAI;Nom de l'école;Nom;Prénom;Fonction;Email;Téléphone\r\n" +
		samples.UAI(101) + ";École\x1b[31m Rouge\u009b2J\x07\x1b[0m;MARTIN;Léa;Directrice;lea.martin@ac-lyon.fr;04 72 10 35 40\r\n"
	// More rows, so that the file still reads as text (a few control bytes in a hundred).
	for _, r := range samples.Rows(102, 4) {
		csv += strings.Join([]string{r.UAI, r.School, r.LastName, r.FirstName, r.Role, r.Email, r.Phone}, ";") + "\r\n"
	}
	file := filepath.Join(t.TempDir(), "ecoles.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	clean := func(cmd, out string) {
		t.Helper()
		if strings.ContainsAny(out, "\x1b\x07\u009b") {
			t.Errorf("%s prints a control character:\n%q", cmd, out)
		}
		if !strings.Contains(out, "Rouge") {
			t.Errorf("%s does not print the school:\n%s", cmd, out)
		}
	}
	clean("parse", run(t, "parse", file))
	clean("parse --json", run(t, "parse", "--json", file))

	s := memServers(t)
	cfg := writeConfig(t, s)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	m := samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Écoles", MessageID: "esc@mairie-givors.fr", Date: at,
		Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: []byte(csv)}}}
	s.append(t, m.Raw(), at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	clean("schools", run(t, "schools", "--config", cfg))
	clean("pending", run(t, "pending", "--config", cfg))
	for _, sm := range s.sent(t) {
		if bytes.ContainsAny(sm.Raw, "\x1b\x07") {
			t.Errorf("the reply to %v holds a control character", sm.To)
		}
	}
}
