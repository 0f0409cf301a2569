package realserver

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// rawMessage returns a small RFC 5322 message with CRLF line endings.
func rawMessage(subject, body string) []byte {
	return []byte(strings.ReplaceAll(fmt.Sprintf(`From: Alice <alice@example.org>
To: partenariat@example.org
Subject: %s
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <%s@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

%s
`, subject, strings.ReplaceAll(subject, " ", "."), body), "\n", "\r\n"))
}

func TestDovecotAppendList(t *testing.T) {
	t.Parallel()
	d := Dovecot(t)
	if d.Username != "partenariat" || d.Password != "secret" || !strings.HasPrefix(d.Addr, "127.0.0.1:") {
		t.Fatalf("unexpected server %+v", d)
	}

	date := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	want := [][]byte{rawMessage("first", "Bonjour."), rawMessage("second", "Encore.")}
	for i, raw := range want {
		d.Append(t, "INBOX", raw, date.Add(time.Duration(i)*time.Hour))
	}
	// A new mailbox, with a name that IMAP encodes in modified UTF-7.
	d.Append(t, "Traités", rawMessage("archived", "Vieux."), time.Time{})

	checkMailbox(t, d, "INBOX", want)
	checkMailbox(t, d, "Traités", [][]byte{rawMessage("archived", "Vieux.")})
	if got := d.List(t, "Missing"); got == nil || len(got) != 0 {
		t.Errorf("List(Missing) = %q, want an empty list", got)
	}

	// The mail outlives a restart, on the same address.
	addr := d.Addr
	d.Stop(t)
	d.Start(t)
	if d.Addr != addr {
		t.Errorf("restarted on %s, want %s", d.Addr, addr)
	}
	checkMailbox(t, d, "INBOX", want)
}

func checkMailbox(t *testing.T, d *DovecotServer, mailbox string, want [][]byte) {
	t.Helper()
	got := d.List(t, mailbox)
	if len(got) != len(want) {
		t.Fatalf("List(%s) returned %d messages, want %d", mailbox, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("List(%s)[%d] =\n%q\nwant\n%q", mailbox, i, got[i], want[i])
		}
	}
}

// TestDovecotParallel starts several servers at once: each has its own
// address and mail.
func TestDovecotParallel(t *testing.T) {
	t.Parallel()
	addrs := make(chan string, 3)
	t.Run("group", func(t *testing.T) {
		for i := range 3 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				d := Dovecot(t)
				addrs <- d.Addr
				raw := rawMessage(fmt.Sprintf("server %d", i), "Seul ici.")
				d.Append(t, "INBOX", raw, time.Time{})
				checkMailbox(t, d, "INBOX", [][]byte{raw})
			})
		}
	})
	close(addrs)
	seen := map[string]bool{}
	for a := range addrs {
		if seen[a] {
			t.Errorf("two servers on %s", a)
		}
		seen[a] = true
	}
}

func TestMailpit(t *testing.T) {
	t.Parallel()
	m := Mailpit(t)
	if got := m.Messages(t); len(got) != 0 {
		t.Fatalf("a fresh Mailpit has %d messages", len(got))
	}

	send := func(subject string) {
		t.Helper()
		raw := rawMessage(subject, "Bonjour, voici la réponse.")
		c, err := smtp.Dial(m.SMTPAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Mailpit takes any credentials, without TLS.
		if err := c.Auth(sasl.NewPlainClient("", "intake", "whatever")); err != nil {
			t.Fatalf("AUTH: %v", err)
		}
		to := []string{"partenariat@example.org", "hidden@example.org"}
		if err := c.SendMail("alice@example.org", to, bytes.NewReader(raw)); err != nil {
			t.Fatalf("SendMail: %v", err)
		}
		if err := c.Quit(); err != nil {
			t.Fatalf("QUIT: %v", err)
		}
	}
	send("hello one")
	send("hello two")

	msgs := m.WaitMessages(t, 2, 10*time.Second)
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	first := msgs[0]
	if first.Subject != "hello one" || msgs[1].Subject != "hello two" {
		t.Errorf("subjects %q, %q: want oldest first", first.Subject, msgs[1].Subject)
	}
	if first.From != "alice@example.org" {
		t.Errorf("From = %q", first.From)
	}
	if fmt.Sprint(first.To) != "[partenariat@example.org]" || fmt.Sprint(first.Bcc) != "[hidden@example.org]" {
		t.Errorf("To = %q, Bcc = %q", first.To, first.Bcc)
	}
	if got := first.Headers.Get("Message-Id"); got != "<hello.one@example.org>" {
		t.Errorf("Message-Id header = %q", got)
	}
	if !strings.Contains(first.Text, "voici la réponse") || first.HTML != "" {
		t.Errorf("Text = %q, HTML = %q", first.Text, first.HTML)
	}
	if !bytes.Contains(first.Raw, []byte("Subject: hello one\r\n")) {
		t.Errorf("Raw lacks the subject:\n%s", first.Raw)
	}

	// The messages outlive a restart, on the same addresses.
	smtpAddr, apiURL := m.SMTPAddr, m.APIURL
	m.Stop(t)
	m.Start(t)
	if m.SMTPAddr != smtpAddr || m.APIURL != apiURL {
		t.Errorf("restarted on %s %s, want %s %s", m.SMTPAddr, m.APIURL, smtpAddr, apiURL)
	}
	send("hello three")
	if msgs := m.WaitMessages(t, 3, 10*time.Second); msgs[0].Subject != "hello one" || msgs[2].Subject != "hello three" {
		t.Errorf("after restart: %d messages, first %q, last %q", len(msgs), msgs[0].Subject, msgs[len(msgs)-1].Subject)
	}
}
