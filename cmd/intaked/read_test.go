package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sheet"
)

// writeReadConfig writes a configuration with one commune, Oullins, that declares a whole
// address, a domain and an address to notify.
func writeReadConfig(t *testing.T, s servers, extra string) string {
	t.Helper()
	return trustConfig(t, s, extra+"[[commune]]\nname = \"Oullins\"\ninsee = \"69149\"\n"+
		"senders = [\"education@mairie-oullins.fr\", \"@mairie-oullins.fr\"]\nnotify = [\"Maire@Mairie-Oullins.fr\", \"education@mairie-oullins.fr\"]\n")
}

// oullinsApplied configures Oullins (with extra sections), delivers its list of 14 September
// 2026 and runs the daemon once on it; it returns the configuration's path.
func oullinsApplied(t *testing.T, s servers, extra string) string {
	t.Helper()
	received := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	s.append(t, oullinsList(received).Raw(), received)
	cfg := writeReadConfig(t, s, extra)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	return cfg
}

// oullinsList is a list of two schools from Oullins, with the commune's contacts.
func oullinsList(date time.Time) samples.Message {
	return samples.Message{
		From: "Oullins Éducation <education@mairie-oullins.fr>", To: samples.Mailbox, Subject: "Liste écoles Oullins",
		MessageID: "liste-oullins@mairie-oullins.fr", Date: date,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Oullins", samples.Rows(301, 2))}},
	}
}

// accessOpenMails returns the "accès ouvert" mails sent.
func accessOpenMails(t *testing.T, s servers) []sentMail {
	t.Helper()
	var out []sentMail
	for _, m := range s.sent(t) {
		if strings.Contains(m.Subject, "accès ouvert") {
			out = append(out, m)
		}
	}
	return out
}

func TestActivateSendsAccessOpen(t *testing.T) { testActivateSendsAccessOpen(t, memServers(t)) }

// TestActivateSendsAccessOpenRealServers is the issue's "activation sends the accès ouvert
// mail", on Dovecot and Mailpit.
func TestActivateSendsAccessOpenRealServers(t *testing.T) {
	testActivateSendsAccessOpen(t, realServers(t))
}

// testActivateSendsAccessOpen: `activate` then `run --once` sends the "accès ouvert" mail once,
// to the administrator and the commune's contacts, deduplicated.
func testActivateSendsAccessOpen(t *testing.T, s servers) {
	cfg := oullinsApplied(t, s, "")
	if n := len(accessOpenMails(t, s)); n != 0 {
		t.Fatalf("%d accès ouvert mails before any activation", n)
	}
	rows := samples.Rows(301, 2)
	run(t, "activate", "--config", cfg, "--now=2026-09-15T10:00:00+02:00", rows[0].UAI)
	// Activating again announces nothing more.
	run(t, "activate", "--config", cfg, "--now=2026-09-15T10:05:00+02:00", rows[0].UAI)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T10:10:00+02:00")

	mails := accessOpenMails(t, s)
	if len(mails) != 1 {
		t.Fatalf("%d accès ouvert mails, want 1", len(mails))
	}
	m := mails[0]
	want := []string{strings.ToLower(rows[0].Email), "maire@mairie-oullins.fr", "education@mairie-oullins.fr", "t.morel@mairie-oullins.fr", "i.blanc@mairie-oullins.fr"}
	if strings.Join(m.To, ",") != strings.Join(want, ",") {
		t.Errorf("accès ouvert to %v, want %v (deduplicated, no domain)", m.To, want)
	}
	for _, w := range []string{rows[0].UAI, rows[0].School, rows[0].FirstName, "https://www.laclasse.com", samples.Mailbox, rows[0].Phone} {
		if !strings.Contains(m.Text, w) {
			t.Errorf("the accès ouvert mail does not say %q:\n%s", w, m.Text)
		}
	}
	if strings.Contains(m.Text, rows[1].UAI) {
		t.Errorf("the mail names a school still pending:\n%s", m.Text)
	}
}

// permissiveDirectory is a laclasse.com directory that knows nothing and accepts everything:
// every school and administrator is created on the first try.
func permissiveDirectory(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/structures/"):
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		case r.Method == http.MethodGet && r.URL.Path == "/api/users":
			fmt.Fprint(w, `[]`)
		case r.Method == http.MethodPost && r.URL.Path == "/api/users":
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"id":"VAA60001"}`)
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{}`)
		default:
			fmt.Fprint(w, `{}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestProvisionerSendsAccessOpen(t *testing.T) {
	s := memServers(t)
	cfg := oullinsApplied(t, s, fmt.Sprintf("[laclasse]\nurl = %q\napp_id = \"intaked\"\napp_key = \"secret\"\nstructure_type = 3\ntimeout = \"5s\"\n", permissiveDirectory(t)))

	rows := samples.Rows(301, 2)
	mails := accessOpenMails(t, s)
	if len(mails) != 2 {
		t.Fatalf("%d accès ouvert mails, want one per school the directory opened", len(mails))
	}
	for i, m := range mails {
		if m.To[0] != strings.ToLower(rows[i].Email) || !strings.Contains(m.Text, rows[i].UAI) || !strings.Contains(m.Text, "https://www.laclasse.com") {
			t.Errorf("mail %d to %v:\n%s", i, m.To, m.Text)
		}
	}
	// A second run announces nothing more.
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:10:00+02:00")
	if n := len(accessOpenMails(t, s)); n != 2 {
		t.Errorf("%d accès ouvert mails after a second run, want 2", n)
	}
}

func TestDigestCountsAccessOpen(t *testing.T) {
	s := memServers(t)
	cfg := oullinsApplied(t, s, "")
	run(t, "activate", "--config", cfg, "--now=2026-09-15T10:00:00+02:00", samples.Rows(301, 1)[0].UAI)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T10:10:00+02:00")
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-16T08:00:00+02:00")
	var digest *sentMail
	for _, m := range s.sent(t) {
		if strings.Contains(m.Subject, "synthèse") && strings.Contains(m.Subject, "16 septembre") {
			digest = &m
		}
	}
	if digest == nil {
		t.Fatal("no digest of 16 September")
	}
	if !strings.Contains(digest.Text, "accès ouverts : 1 ") {
		t.Errorf("the digest does not count the access opened:\n%s", digest.Text)
	}
}

// replyTo returns the reply to the message whose Message-ID is id.
func replyTo(t *testing.T, s servers, id string) sentMail {
	t.Helper()
	for _, m := range s.sent(t) {
		if strings.Trim(m.Header.Get("In-Reply-To"), "<>") == id {
			return m
		}
	}
	t.Fatalf("no reply to %s", id)
	return sentMail{}
}

// TestReplyReadsAsPeopleRead: a csv list with a refused row and a UAI that lost its leading 0.
// The reply names the file (not a "feuille") and the school of the refused row, says to resend
// the corrected rows only, reads the UAI with its 0 and says so, and writes phones as people
// read them.
func TestReplyReadsAsPeopleRead(t *testing.T) {
	s := memServers(t)
	rows := samples.Rows(301, 3)
	rows[1].Email = "pas-une-adresse"
	lost := rows[2].UAI[1:]
	rows[2].UAI = lost
	received := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	msg := samples.Message{
		From: "education@mairie-oullins.fr", To: samples.Mailbox, Subject: "ecoles", MessageID: "csv-oullins@mairie-oullins.fr", Date: received,
		Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV(rows)}},
	}
	s.append(t, msg.Raw(), received)
	cfg := writeReadConfig(t, s, "")
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")

	r := replyTo(t, s, msg.MessageID)
	for _, want := range []string{
		"fichier « ecoles.csv », ligne 3, colonne F (école " + rows[1].UAI + " " + rows[1].School + ")",
		"renvoyez-nous seulement la ligne corrigée",
		"le code UAI " + lost + " a été lu 0" + lost,
		"04 72 ",
	} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("the reply does not say %q:\n%s", want, r.Text)
		}
	}
	for _, bad := range []string{"feuille « ecoles.csv »", "+33"} {
		if strings.Contains(r.Text, bad) {
			t.Errorf("the reply says %q:\n%s", bad, r.Text)
		}
	}
	// The school is registered under its whole UAI; the store keeps E.164.
	out := run(t, "schools", "--json", "--config", cfg)
	if !strings.Contains(out, `"0`+lost+`"`) || !strings.Contains(out, `"+33`) {
		t.Errorf("schools --json:\n%s", out)
	}
}

// TestYearlyFullListAsksForWholeList: a full list in the campaign with a refused row asks for
// the whole list again, not the corrected rows.
func TestYearlyFullListAsksForWholeList(t *testing.T) {
	s := memServers(t)
	cfg := oullinsApplied(t, s, "")

	rows := samples.Rows(301, 2)
	rows[1].Phone = "12"
	june := time.Date(2027, 6, 2, 8, 0, 0, 0, time.UTC)
	msg := samples.Message{
		From: "education@mairie-oullins.fr", To: samples.Mailbox, Subject: "Liste 2027", MessageID: "yearly-oullins@mairie-oullins.fr", Date: june,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Oullins", rows)}},
	}
	s.append(t, msg.Raw(), june)
	run(t, "run", "--once", "--config", cfg, "--now=2027-06-02T11:00:00+02:00")
	r := replyTo(t, s, msg.MessageID)
	for _, want := range []string{"renvoyez-nous la liste complète", "feuille « Écoles », ligne 5, colonne G (école " + rows[1].UAI + " " + rows[1].School + ")"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("the reply does not say %q:\n%s", want, r.Text)
		}
	}
}

// TestTemplateNamesConfiguredAddress: `intaked template` writes the model whose instructions
// name [smtp] from, and opens on them; without --config, the default address.
func TestTemplateNamesConfiguredAddress(t *testing.T) {
	cfg := writeReadConfig(t, memServers(t), "")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"Config", []string{"--config", cfg}, samples.Mailbox},
		{"Default", nil, "partenariat-laclass.com@grandlyon.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "modele.xlsx")
			run(t, append([]string{"template", "--format", "xlsx", "-o", out}, tc.args...)...)
			f, err := excelize.OpenFile(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			text := instructions(t, f)
			if !strings.Contains(text, "à l'adresse "+tc.want+".") ||
				(tc.want != sheet.DefaultPartnershipAddress && strings.Contains(text, sheet.DefaultPartnershipAddress)) {
				t.Errorf("the instructions do not name %s:\n%s", tc.want, text)
			}
		})
	}
}

// instructions checks that the model f opens on its "Instructions" sheet and returns that
// sheet's text, a line a row.
func instructions(t *testing.T, f *excelize.File) string {
	t.Helper()
	if got := f.GetSheetName(f.GetActiveSheetIndex()); got != "Instructions" {
		t.Errorf("opens on %q, want the instructions", got)
	}
	rows, _ := f.GetRows("Instructions")
	var text strings.Builder
	for _, r := range rows {
		text.WriteString(strings.Join(r, " ") + "\n")
	}
	return text.String()
}
