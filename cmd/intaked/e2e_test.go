package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/memserver"
	"github.com/laclasse/intake/internal/realserver"
	"github.com/laclasse/intake/internal/samples"
)

// sentMail is a mail the SMTP server took, as the tests look at it.
type sentMail struct {
	Raw     []byte
	To      []string
	Header  mail.Header
	Text    string
	Subject string
}

// servers abstracts the IMAP and SMTP servers a scenario runs against.
type servers struct {
	imapAddr, imapUser, imapPass string
	smtpAddr                     string
	append                       func(t *testing.T, raw []byte, date time.Time)
	count                        func(t *testing.T, mailbox string) int
	sent                         func(t *testing.T) []sentMail
	// refuse makes the SMTP server refuse a recipient for good (550); nil where it cannot.
	refuse func(t *testing.T, addr string)
	// smtpSessions is how many connections the SMTP server took; nil where it cannot tell.
	smtpSessions func() int
}

func memServers(t *testing.T) servers {
	t.Helper()
	s, _ := memServersWithIMAP(t)
	return s
}

// memServersWithIMAP is memServers with the IMAP server itself, to look at what was fetched.
func memServersWithIMAP(t *testing.T) (servers, *memserver.IMAP) {
	t.Helper()
	im, err := memserver.StartIMAP("partenariat", "secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { im.Close() })
	sm, err := memserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sm.Close() })
	return servers{
		imapAddr: im.Addr, imapUser: im.Username, imapPass: im.Password, smtpAddr: sm.Addr,
		append: func(t *testing.T, raw []byte, date time.Time) {
			if err := im.Append("INBOX", raw, date); err != nil {
				t.Fatal(err)
			}
		},
		count: func(t *testing.T, box string) int {
			n, err := im.Count(box)
			if err != nil {
				t.Fatal(err)
			}
			return n
		},
		sent: func(t *testing.T) []sentMail {
			var out []sentMail
			for _, m := range sm.Mails() {
				msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, sentMail{Raw: m.Data, To: m.To, Header: msg.Header, Subject: decodeSubject(msg.Header), Text: textPart(t, m.Data)})
			}
			return out
		},
		refuse:       func(t *testing.T, addr string) { sm.RefuseRecipient(addr) },
		smtpSessions: sm.Sessions,
	}, im
}

func realServers(t *testing.T) servers {
	t.Helper()
	d := realserver.Dovecot(t)
	mp := realserver.Mailpit(t)
	return servers{
		imapAddr: d.Addr, imapUser: d.Username, imapPass: d.Password, smtpAddr: mp.SMTPAddr,
		append: func(t *testing.T, raw []byte, date time.Time) { d.Append(t, "INBOX", raw, date) },
		count:  func(t *testing.T, box string) int { return len(d.List(t, box)) },
		sent: func(t *testing.T) []sentMail {
			var out []sentMail
			for _, m := range mp.Messages(t) {
				out = append(out, sentMail{Raw: m.Raw, To: m.To, Header: m.Headers, Subject: m.Subject, Text: m.Text})
			}
			return out
		},
		refuse: func(t *testing.T, addr string) { // one address at most: Mailpit restarted to refuse it
			mp.Args = []string{"--smtp-allowed-recipients", allButString(addr)}
			mp.Stop(t)
			mp.Start(t)
		},
	}
}

func decodeSubject(h mail.Header) string {
	s, err := new(mimeWordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil {
		return h.Get("Subject")
	}
	return s
}

// writeConfig writes a configuration for the servers and the sample communes.
func writeConfig(t *testing.T, s servers) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "[imap]\naddress = %q\ntls = \"none\"\nusername = %q\npassword = %q\nprocessed_mailbox = \"Traites\"\nrejected_mailbox = \"Rejetes\"\ncommand_timeout = \"30s\"\n",
		s.imapAddr, s.imapUser, s.imapPass)
	fmt.Fprintf(&b, "[smtp]\naddress = %q\ntls = \"none\"\nfrom = %q\n", s.smtpAddr, samples.Mailbox)
	// Backlogs of tests come from a few addresses: no bound on the replies to one of them
	// (bounds_test.go tests the default).
	b.WriteString(noReplyBound)
	fmt.Fprintf(&b, "[store]\npath = %q\n", filepath.Join(dir, "intake.db"))
	b.WriteString("[metropole]\nsummary_to = [\"ent@grandlyon.example\"]\n")
	b.WriteString("[http]\naddress = \"\"\n")
	b.WriteString(samples.CommunesTOML())
	path := filepath.Join(dir, "intaked.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs intaked with args and returns what it printed.
func run(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&errOut, nil))}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := m.Run(ctx, args); err != nil {
		t.Fatalf("intaked %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

func TestScenarioMemServers(t *testing.T) { testScenario(t, memServers(t)) }

func TestScenarioRealServers(t *testing.T) { testScenario(t, realServers(t)) }

// testScenario is the pipeline issue's "done when": the messages of a first morning, one
// `run --once`, and a second that changes nothing.
func testScenario(t *testing.T, s servers) {
	cases := samples.Scenario()
	for _, c := range cases {
		s.append(t, c.Message.Raw(), c.Message.Date)
	}
	cfg := writeConfig(t, s)
	now := "--now=2026-09-14T11:00:00+02:00"
	run(t, "run", "--once", "--config", cfg, now)

	if n := s.count(t, "INBOX"); n != 0 {
		t.Errorf("INBOX still holds %d messages", n)
	}
	wantRejected := 0
	for _, c := range cases {
		if c.State == convention.StateRejected {
			wantRejected++
		}
	}
	if n := s.count(t, "Rejetes"); n != wantRejected {
		t.Errorf("Rejetes holds %d messages, want %d", n, wantRejected)
	}
	if n := s.count(t, "Traites"); n != len(cases)-wantRejected {
		t.Errorf("Traites holds %d messages, want %d", n, len(cases)-wantRejected)
	}

	// The registry.
	var schools []struct {
		Commune, UAI, Name, Status string
		Admin                      convention.Contact
		ReceivedAt                 time.Time `json:"received_at"`
		DueAt                      time.Time `json:"due_at"`
	}
	if err := json.Unmarshal([]byte(run(t, "schools", "--json", "--config", cfg)), &schools); err != nil {
		t.Fatal(err)
	}
	byUAI := map[string]int{}
	for i, sc := range schools {
		byUAI[sc.UAI] = i
	}
	wantSchools := 0
	for _, c := range cases {
		if c.State == convention.StateDuplicate {
			continue
		}
		for _, uai := range c.Schools {
			wantSchools++
			i, ok := byUAI[uai]
			if !ok {
				t.Errorf("%s: school %s missing from the registry", c.Name, uai)
				continue
			}
			sc := schools[i]
			if sc.Status != "pending" || !sc.ReceivedAt.Equal(c.Message.Date) || !sc.DueAt.Equal(c.Message.Date.Add(14*24*time.Hour)) {
				t.Errorf("%s: school %+v: want pending, received %v, due 14 days later", c.Name, sc, c.Message.Date)
			}
			if sc.Admin.Email == "" || !strings.HasPrefix(sc.Admin.Phone, "+33") {
				t.Errorf("%s: administrator not read: %+v", c.Name, sc.Admin)
			}
		}
	}
	if len(schools) != wantSchools {
		t.Errorf("registry has %d schools, want %d", len(schools), wantSchools)
	}

	// One reply per commune message that asks for one, threaded and marked automatic.
	sent := s.sent(t)
	wantReplies := map[string]samples.Case{}
	for _, c := range cases {
		if c.Reply {
			wantReplies[c.Message.MessageID] = c
		}
	}
	if len(sent) != len(wantReplies) {
		for _, m := range sent {
			t.Logf("sent to %v: %s", m.To, m.Subject)
		}
		t.Fatalf("%d mails sent, want %d replies", len(sent), len(wantReplies))
	}
	for _, m := range sent {
		irt := strings.Trim(m.Header.Get("In-Reply-To"), "<>")
		c, ok := wantReplies[irt]
		if !ok {
			t.Errorf("unexpected mail to %v in reply to %q: %s", m.To, irt, m.Subject)
			continue
		}
		delete(wantReplies, irt)
		from, _ := mail.ParseAddress(c.Message.From)
		if len(m.To) != 1 || !strings.EqualFold(m.To[0], from.Address) {
			t.Errorf("%s: reply to %v, want %s", c.Name, m.To, from.Address)
		}
		if m.Header.Get("Auto-Submitted") != "auto-replied" {
			t.Errorf("%s: Auto-Submitted = %q", c.Name, m.Header.Get("Auto-Submitted"))
		}
		for _, uai := range c.Schools {
			if !strings.Contains(m.Text, uai) {
				t.Errorf("%s: the reply does not name school %s", c.Name, uai)
			}
		}
		if c.Name == "a list with bad rows" {
			for _, want := range []string{"ligne 7", "ligne 8", "ligne 9", "ligne 10", "colonne"} {
				if !strings.Contains(m.Text, want) {
					t.Errorf("%s: the reply does not say %q:\n%s", c.Name, want, m.Text)
				}
			}
		}
		if len(c.Schools) > 0 && !strings.Contains(m.Text, "au plus tard le 28 septembre 2026") {
			t.Errorf("%s: the reply does not give the date access opens:\n%s", c.Name, m.Text)
		}
	}

	// A second run changes nothing.
	before := run(t, "schools", "--json", "--config", cfg)
	run(t, "run", "--once", "--config", cfg, now)
	if after := run(t, "schools", "--json", "--config", cfg); after != before {
		t.Errorf("a second run changed the registry")
	}
	if n := len(s.sent(t)); n != len(sent) {
		t.Errorf("a second run sent %d more mails", n-len(sent))
	}
}
