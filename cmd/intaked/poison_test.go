package main

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/internal/sheetgen"
	"github.com/laclasse/intake/sqlite"
)

// TestPoisonMemServers is issue 13's "no message may stop the mailbox", through the daemon: in
// one mailbox, a list of 40,000 schools, a message with a bare CR in its Message-ID, one with a
// bare CR in References, one whose reply the SMTP server refuses for good, and then an ordinary
// message of another commune. One `run --once` handles them all and exits 0; the other
// commune's message is applied and answered; the refused reply is marked failed, not tried
// again, and shown in the next daily summary.
func TestPoisonMemServers(t *testing.T) { testPoison(t, memServers(t), 40_000) }

// TestPoisonRealServers is the same on Dovecot and Mailpit (which refuses the recipient with
// its own 550), with a shorter list: the store's limits do not depend on the servers, and 40,000
// schools take a minute under the race detector.
func TestPoisonRealServers(t *testing.T) { testPoison(t, realServers(t), 2_000) }

// runWithin is run with a deadline of d.
func runWithin(t *testing.T, d time.Duration, args ...string) {
	t.Helper()
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &out, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&out, nil))}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := m.Run(ctx, args); err != nil {
		t.Fatalf("intaked %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}

// allButString returns an RE2 pattern that matches every string but s (RE2 has no negative
// look-ahead): one that leaves s at some byte, one longer than s, or a proper prefix of s.
func allButString(s string) string {
	var leave, prefixes []string
	for i := 0; i < len(s); i++ {
		leave = append(leave, regexp.QuoteMeta(s[:i])+`[^`+regexp.QuoteMeta(s[i:i+1])+`]`)
		prefixes = append(prefixes, regexp.QuoteMeta(s[:i]))
	}
	return `^(?:(?:` + strings.Join(leave, "|") + `)[\s\S]*|` + regexp.QuoteMeta(s) + `[\s\S]+|` + strings.Join(prefixes, "|") + `)$`
}

func testPoison(t *testing.T, s servers, many int) {
	if s.refuse == nil {
		t.Skip("these servers cannot refuse a recipient")
	}
	day := time.Date(2026, 9, 14, 6, 0, 0, 0, time.UTC)
	list := func(commune string, first, n int) []samples.Attachment {
		return []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX(commune, samples.Rows(first, n))}}
	}
	refused := "ecoles@mairie-oullins.fr"
	msgs := []samples.Message{
		{From: "secretariat@mairie-givors.fr", Subject: "Toutes nos écoles", MessageID: "big@mairie-givors.fr",
			Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: sheetgen.CSV(many)}}},
		{From: "education@mairie-vaulx-en-velin.fr", Subject: "Liste Vaulx", MessageID: "liste-vaulx@mairie-vaulx-en-velin.fr",
			Attachments: list("Vaulx-en-Velin", 50_000, 2)},
		{From: "ecoles@mairie-grigny.fr", Subject: "Re: Liste Grigny", MessageID: "grigny-2@mairie-grigny.fr",
			Headers:     map[string]string{"In-Reply-To": "<grigny\r1@mairie-grigny.fr>", "References": "<root@mairie-grigny.fr> <grigny\r1@mairie-grigny.fr>"},
			Attachments: list("Grigny", 50_010, 2)},
		{From: refused, Subject: "Liste Oullins", MessageID: "oullins@mairie-oullins.fr", Attachments: list("Oullins", 50_020, 2)},
		{From: "scolaire@mairie-feyzin.fr", Subject: "Liste Feyzin", MessageID: "feyzin@mairie-feyzin.fr", Attachments: list("Feyzin", 50_030, 3)},
	}
	for i, m := range msgs {
		m.To, m.Date = samples.Mailbox, day.Add(time.Duration(i)*time.Minute)
		// The bare CR goes in the header only: samples names the MIME boundary after the id.
		raw := bytes.Replace(m.Raw(), []byte("<liste-vaulx@"), []byte("<liste\rvaulx@"), 1)
		s.append(t, raw, m.Date)
	}
	s.refuse(t, refused)
	cfg := writeConfig(t, s)
	// 40,000 schools take a minute under the race detector (SQLite's pointer checks): more than
	// run's deadline on a busy machine.
	runWithin(t, 10*time.Minute, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")

	if n := s.count(t, "INBOX"); n != 0 {
		t.Errorf("INBOX still holds %d messages", n)
	}
	if n := s.count(t, "Traites"); n != len(msgs) {
		t.Errorf("Traites holds %d messages, want %d", n, len(msgs))
	}
	schools := run(t, "schools", "--config", cfg)
	if n := strings.Count(schools, "\n"); n < many+9 {
		t.Errorf("the registry lists %d lines, want the %d schools", n, many+9)
	}
	for _, uai := range []string{samples.UAI(50_000), samples.UAI(50_010), samples.UAI(50_020), samples.UAI(50_032)} {
		if !strings.Contains(schools, uai) {
			t.Errorf("school %s not in the registry", uai)
		}
	}

	// Every message is answered but the one whose reply the server refused.
	byTo := map[string]sentMail{}
	for _, m := range s.sent(t) {
		for _, to := range m.To {
			byTo[strings.ToLower(to)] = m
		}
	}
	for _, m := range msgs {
		reply, ok := byTo[m.From]
		if m.From == refused {
			if ok {
				t.Errorf("a reply went to the refused %s", refused)
			}
			continue
		}
		if !ok {
			t.Errorf("no reply to %s (%s)", m.From, m.Subject)
			continue
		}
		for k, v := range reply.Header {
			for _, x := range v {
				if strings.ContainsAny(x, "\r\n") {
					t.Errorf("reply to %s: header %s = %q", m.From, k, x)
				}
			}
		}
	}
	if r, ok := byTo["scolaire@mairie-feyzin.fr"]; ok {
		if got := r.Header.Get("In-Reply-To"); got != "<feyzin@mairie-feyzin.fr>" {
			t.Errorf("Feyzin's reply: In-Reply-To %q", got)
		}
		if !strings.Contains(r.Text, samples.UAI(50_032)) {
			t.Errorf("Feyzin's reply does not name its schools:\n%s", r.Text)
		}
	}
	if r, ok := byTo["ecoles@mairie-grigny.fr"]; ok {
		if got := r.Header.Get("References"); got != "<root@mairie-grigny.fr> <grigny-2@mairie-grigny.fr>" {
			t.Errorf("Grigny's reply: References %q, want the valid ids only", got)
		}
	}
	if r, ok := byTo["education@mairie-vaulx-en-velin.fr"]; ok && r.Header.Get("In-Reply-To") != "" {
		t.Errorf("Vaulx's reply: In-Reply-To %q copied from a Message-ID with a bare CR", r.Header.Get("In-Reply-To"))
	}

	// The refused reply is failed for good.
	store, err := sqlite.Open(context.Background(), filepath.Join(filepath.Dir(cfg), "intake.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	failed, err := store.FailedMails(context.Background(), day.AddDate(0, 0, -1), day.AddDate(0, 0, 2))
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || strings.Join(failed[0].To, ",") != refused || failed[0].Kind != "reply" || !strings.Contains(failed[0].Error, "550") {
		t.Fatalf("failed mails: %+v, want the reply to %s refused with a 550", failed, refused)
	}

	// The next morning's summary shows it; it is not tried again.
	before := len(s.sent(t))
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T07:30:00+02:00")
	sent := s.sent(t)
	var digest *sentMail
	for i := before; i < len(sent); i++ {
		if strings.Contains(sent[i].Subject, "synthèse") {
			digest = &sent[i]
		} else {
			t.Errorf("unexpected mail the next morning to %v: %s", sent[i].To, sent[i].Subject)
		}
	}
	if digest == nil {
		t.Fatalf("no summary the next morning (%d mails)", len(sent)-before)
	}
	for _, want := range []string{"Courriels non remis (1)", refused, "réponse à une commune", "550"} {
		if !strings.Contains(digest.Text, want) {
			t.Errorf("the summary does not say %q:\n%s", want, digest.Text)
		}
	}
	if status := run(t, "status", "--config", cfg); !strings.Contains(status, "1 refused for good by the SMTP server") {
		t.Errorf("status does not show the mail refused for good:\n%s", status)
	}
}

func TestAllButString(t *testing.T) {
	re := regexp.MustCompile(allButString("ecoles@mairie-oullins.fr"))
	for s, want := range map[string]bool{"ecoles@mairie-oullins.fr": false, "ecoles@mairie-oullins.fra": true, "ecoles@mairie-oullins.f": true,
		"": true, "scolaire@mairie-feyzin.fr": true, "ecoles@mairie-grigny.fr": true, "ecolesXmairie-oullins.fr": true} {
		if got := re.MatchString(s); got != want {
			t.Errorf("%q: match %v, want %v", s, got, want)
		}
	}
}

// TestPoisonBoundedRetry: a message whose handling fails for a reason of its own stays in INBOX
// for three runs, each of which handles the next message and exits 0; the third quarantines it,
// unapplied and unanswered, and the next summary says why. The failure is injected in the store
// (a trigger refuses one of its schools), the daemon being otherwise untouched.
func TestPoisonBoundedRetry(t *testing.T) {
	s := memServers(t)
	day := time.Date(2026, 9, 14, 6, 0, 0, 0, time.UTC)
	cfg := writeConfig(t, s)
	run(t, "schools", "--config", cfg) // creates the store
	db, err := sql.Open("sqlite", filepath.Join(filepath.Dir(cfg), "intake.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TRIGGER poison BEFORE INSERT ON schools WHEN NEW.uai = '` + samples.UAI(50_100) + `'
		BEGIN SELECT RAISE(ABORT, 'injected failure'); END`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	bad := samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Liste Givors", MessageID: "bad@mairie-givors.fr", Date: day,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Givors", samples.Rows(50_100, 2))}}}
	s.append(t, bad.Raw(), bad.Date)
	for i, at := range []string{"2026-09-14T09:00:00+02:00", "2026-09-14T10:00:00+02:00", "2026-09-14T11:00:00+02:00"} {
		next := samples.Message{From: "scolaire@mairie-feyzin.fr", To: samples.Mailbox, Subject: "Liste Feyzin", MessageID: "feyzin-" + at + "@mairie-feyzin.fr", Date: day.Add(time.Duration(i+1) * time.Hour),
			Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Feyzin", samples.Rows(50_200+10*i, 1))}}}
		s.append(t, next.Raw(), next.Date)
		run(t, "run", "--once", "--config", cfg, "--now="+at)
		if n := s.count(t, "Traites"); n != i+1 {
			t.Fatalf("run %d: Traites holds %d, want the next messages handled (%d)", i+1, n, i+1)
		}
		wantInbox, wantRejected := 1, 0
		if i == 2 {
			wantInbox, wantRejected = 0, 1
		}
		if in, rej := s.count(t, "INBOX"), s.count(t, "Rejetes"); in != wantInbox || rej != wantRejected {
			t.Fatalf("run %d: INBOX %d, Rejetes %d; want %d, %d", i+1, in, rej, wantInbox, wantRejected)
		}
	}
	for _, m := range s.sent(t) {
		if strings.Contains(strings.Join(m.To, ","), "givors") {
			t.Errorf("the quarantined message was answered: %v", m.To)
		}
	}
	if schools := run(t, "schools", "--config", cfg); strings.Contains(schools, samples.UAI(50_100)) {
		t.Errorf("the quarantined message was applied:\n%s", schools)
	}
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T07:30:00+02:00")
	var digest string
	for _, m := range s.sent(t) {
		if strings.Contains(m.Subject, "synthèse") {
			digest = m.Text
		}
	}
	for _, want := range []string{"Messages mis en quarantaine (1)", "secretariat@mairie-givors.fr", "injected failure", "erreur en traitant ce message", "3 essais", "à traiter à la main"} {
		if !strings.Contains(digest, want) {
			t.Errorf("the summary does not say %q:\n%s", want, digest)
		}
	}
}
