package smtp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	gomail "github.com/emersion/go-message/mail"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/memserver"
	"github.com/laclasse/intake/sqlite"
)

// TestComposeCleansHeaders composes replies whose copied values are hostile (CR, LF, NUL, C1
// controls, line separators, invalid UTF-8, ids that are not msg-ids, thousands of references)
// and reads each mail back: the header has exactly the fields we write, once each, and no value
// holds a control character.
func TestComposeCleansHeaders(t *testing.T) {
	many := make([]string, 5000)
	for i := range many {
		many[i] = strings.Repeat("x", 10) + string(rune('a'+i%26)) + "@thread.example"
	}
	many[0] = "root@thread.example"
	for _, tc := range []struct {
		name   string
		m      Mail
		irt    string // the In-Reply-To we want, "" for none
		refs   int    // how many ids References holds at most (0: no References)
		nofile bool
	}{
		{name: "SubjectCRLF", m: Mail{Subject: "Re: liste\r\nBcc: evil@attacker.example\r\n\r\nbody"}},
		{name: "SubjectBareCR", m: Mail{Subject: "Re: liste\rBcc: evil@attacker.example"}},
		{name: "SubjectBareLF", m: Mail{Subject: "Re: liste\nBcc: evil@attacker.example"}},
		{name: "SubjectControls", m: Mail{Subject: "Re: \x00\x1b[31mrouge\x1b[0m\u0085\u2028\x7f fin\xff"}},
		{name: "SubjectHuge", m: Mail{Subject: strings.Repeat("école ", 5000)}},
		{name: "FromNameCRLF", m: Mail{FromName: "Laclasse\r\nBcc: evil@attacker.example"}},
		{name: "MessageIDBareCR", m: Mail{InReplyTo: "abc\rdef@givors.fr"}},
		{name: "MessageIDBareLF", m: Mail{InReplyTo: "abc\ndef@givors.fr", References: []string{"root@givors.fr"}}},
		{name: "MessageIDNUL", m: Mail{InReplyTo: "abc\x00@givors.fr"}},
		{name: "MessageIDSpace", m: Mail{InReplyTo: "a b@givors.fr"}},
		{name: "MessageIDTwoIDs", m: Mail{InReplyTo: "a@givors.fr> <b@evil.example"}},
		{name: "MessageIDNoAt", m: Mail{InReplyTo: "nothing-here"}},
		{name: "MessageIDTooLong", m: Mail{InReplyTo: strings.Repeat("a", 300) + "@givors.fr"}},
		{name: "MessageIDOK", m: Mail{InReplyTo: "<ok.1@givors.fr>"}, irt: "ok.1@givors.fr", refs: 1},
		{name: "ReferencesBareCR", m: Mail{InReplyTo: "ok@givors.fr", References: []string{"root@givors.fr", "x\ry@givors.fr", "x\r\nBcc: e@x"}}, irt: "ok@givors.fr", refs: 2},
		{name: "ReferencesThousands", m: Mail{InReplyTo: "ok@givors.fr", References: many}, irt: "ok@givors.fr", refs: maxReferences},
		{name: "FileNameCRLF", m: Mail{Files: []File{{Name: "liste\r\nContent-Type: text/html\r\n\r\n<b>.xlsx", ContentType: "text/plain\r\nX-Evil: 1", Data: []byte("x")}}}},
		{name: "NoFile", m: Mail{}, nofile: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			m.From, m.To, m.Date, m.Text, m.HTML = "partenariat@laclasse.example", []string{"mairie@givors.fr"}, time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC), "Bonjour", "<p>Bonjour</p>"
			if m.Subject == "" {
				m.Subject = "Re: liste"
			}
			raw, err := Compose(m)
			if err != nil {
				t.Fatalf("compose: %v", err)
			}
			head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
			for _, line := range strings.Split(string(head), "\r\n") {
				if len(line) > 998 {
					t.Errorf("header line of %d bytes", len(line))
				}
				if strings.ContainsAny(line, "\r\n\x00") {
					t.Errorf("bare CR, LF or NUL in header line %q", line)
				}
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{"Date": true, "From": true, "To": true, "Subject": true, "Message-Id": true, "Mime-Version": true,
				"Content-Type": true, "Auto-Submitted": true, "X-Auto-Response-Suppress": true}
			if tc.irt != "" {
				want["In-Reply-To"], want["References"] = true, true
			}
			for k, v := range msg.Header {
				if !want[k] {
					t.Errorf("unexpected header field %s: %q", k, v)
				}
				if len(v) != 1 {
					t.Errorf("%s appears %d times: %q", k, len(v), v)
				}
			}
			for k := range want {
				if msg.Header.Get(k) == "" {
					t.Errorf("no %s", k)
				}
			}
			if to := msg.Header.Get("To"); to != "<mairie@givors.fr>" {
				t.Errorf("To = %q", to)
			}
			dec := new(mimeDecoder)
			for _, k := range []string{"Subject", "From"} {
				v, err := dec.DecodeHeader(msg.Header.Get(k))
				if err != nil {
					t.Fatalf("%s: %v", k, err)
				}
				if strings.ContainsFunc(v, unicode.IsControl) || strings.ContainsAny(v, "\u2028\u2029") {
					t.Errorf("%s decodes to %q, with controls", k, v)
				}
				if strings.Contains(v, "evil@attacker.example") && strings.Contains(v, "\n") {
					t.Errorf("%s carries a header line: %q", k, v)
				}
				if n := len([]rune(v)); k == "Subject" && n > maxTextLen {
					t.Errorf("Subject of %d characters", n)
				}
			}
			if got := strings.Trim(msg.Header.Get("In-Reply-To"), "<>"); got != tc.irt {
				t.Errorf("In-Reply-To = %q, want %q", got, tc.irt)
			}
			if tc.refs > 0 {
				refs := strings.Fields(msg.Header.Get("References"))
				if len(refs) < 1 || len(refs) > tc.refs || refs[len(refs)-1] != "<"+tc.irt+">" {
					t.Errorf("References = %q: want at most %d ids, ending with %s", refs, tc.refs, tc.irt)
				}
				if tc.name == "ReferencesThousands" && refs[0] != "<root@thread.example>" {
					t.Errorf("References lost the thread's root: %q", refs[:2])
				}
			}
			// The parts: text, html and the files, with clean names and types.
			mr, err := gomail.CreateReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			files := 0
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				if h, ok := p.Header.(*gomail.AttachmentHeader); ok {
					files++
					name, _ := h.Filename()
					ct, _, _ := h.ContentType()
					if strings.ContainsFunc(name, unicode.IsControl) || strings.ContainsFunc(ct, unicode.IsControl) || h.Get("X-Evil") != "" {
						t.Errorf("attachment name %q, type %q", name, ct)
					}
				}
			}
			if want := len(tc.m.Files); files != want {
				t.Errorf("%d attachments, want %d", files, want)
			}
		})
	}
}

// TestComposeRefusesBadAddress: an address that is not a plain addr-spec is never written.
func TestComposeRefusesBadAddress(t *testing.T) {
	for _, to := range []string{"mairie@givors.fr\r\nBcc: evil@attacker.example", "a\r@givors.fr", "Eve <eve@attacker.example>", "a@b@c", "", "a b@givors.fr", "givors.fr"} {
		_, err := Compose(Mail{From: "partenariat@laclasse.example", To: []string{to}, Subject: "x", Text: "x"})
		if !errors.Is(err, ErrBadAddress) {
			t.Errorf("To %q: err = %v, want ErrBadAddress", to, err)
		}
	}
}

type mimeDecoder = mime.WordDecoder

func outboxStore(t *testing.T, now *time.Time) *sqlite.DB {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "o.db"), func() time.Time { return *now })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// TestOutboxUndeliverable: a mail the server refuses for good (550 to its recipient) is set
// aside, never tried again and listed as failed; the mails after it go in the same flush, and the
// outbox is not paused for a mail queued next. A mail with one refused recipient of two goes to
// the other, and the refused one is listed.
func TestOutboxUndeliverable(t *testing.T) {
	ctx := context.Background()
	srv, err := memserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.RefuseRecipient("gone@givors.fr")
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	start := now
	store := outboxStore(t, &now)
	for _, to := range [][]string{{"a@givors.fr"}, {"gone@givors.fr"}, {"b\r\n@givors.fr"}, {"c@givors.fr"}, {"gone@givors.fr", "d@givors.fr"}} {
		if err := store.Enqueue(ctx, convention.OutgoingMail{Kind: "reply", From: "p@laclasse.example", To: to, Data: []byte("Subject: x\r\n\r\nbody\r\n")}); err != nil {
			t.Fatal(err)
		}
	}
	o := &Outbox{Queue: store, Server: Server{Address: srv.Addr, TLS: "none"}, Now: func() time.Time { return now }}
	if n, err := o.Flush(ctx); err != nil || n != 3 {
		t.Fatalf("flush: sent %d, %v; want 3 (a, c, d), no error", n, err)
	}
	var got []string
	for _, m := range srv.Mails() {
		got = append(got, strings.Join(m.To, ","))
	}
	if strings.Join(got, " ") != "a@givors.fr c@givors.fr d@givors.fr" {
		t.Fatalf("server took %q", got)
	}
	// Not paused: a mail queued now goes at once.
	if err := store.Enqueue(ctx, convention.OutgoingMail{Kind: "digest", From: "p@laclasse.example", To: []string{"e@givors.fr"}, Data: []byte("Subject: y\r\n\r\nbody\r\n")}); err != nil {
		t.Fatal(err)
	}
	if n, err := o.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("after a refusal: sent %d, %v; want 1", n, err)
	}
	// Never tried again.
	now = now.Add(48 * time.Hour)
	if n, err := o.Flush(ctx); err != nil || n != 0 || len(srv.Mails()) != 4 {
		t.Fatalf("two days later: sent %d (%d in all), %v; want nothing more", n, len(srv.Mails()), err)
	}
	failed, err := store.FailedMails(ctx, start, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 3 {
		t.Fatalf("failed mails: %+v, want 3", failed)
	}
	for i, want := range []struct {
		to        string
		delivered bool
		err       string
	}{{"gone@givors.fr", false, "550"}, {"b\r\n@givors.fr", false, "not a plain e-mail address"}, {"gone@givors.fr", true, "550"}} {
		f := failed[i]
		if strings.Join(f.To, ",") != want.to || f.Delivered != want.delivered || !strings.Contains(f.Error, want.err) || f.Kind != "reply" {
			t.Errorf("failed mail %d: %+v, want to %q, delivered to others %v, error with %q", i, f, want.to, want.delivered, want.err)
		}
	}
	if st, err := store.Outbox(ctx); err != nil || st.Waiting != 0 || st.Failed != 2 {
		t.Errorf("outbox stats: %+v, %v; want none waiting, 2 failed", st, err)
	}
}

// TestOutboxDeferral: a mail the server defers (4xx) waits for its own retry time without
// pausing the outbox: the next mails are tried in the same flush, and a mail queued later goes.
func TestOutboxDeferral(t *testing.T) {
	ctx := context.Background()
	srv, err := memserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	store := outboxStore(t, &now)
	for i := 0; i < 2; i++ {
		if err := store.Enqueue(ctx, convention.OutgoingMail{Kind: "reply", From: "p@laclasse.example", To: []string{"a@givors.fr"}, Data: []byte("Subject: x\r\n\r\nbody\r\n")}); err != nil {
			t.Fatal(err)
		}
	}
	o := &Outbox{Queue: store, Server: Server{Address: srv.Addr, TLS: "none"}, Now: func() time.Time { return now }}
	srv.SetRefuse(true) // 451 to every content
	if n, err := o.Flush(ctx); err == nil || n != 0 {
		t.Fatalf("deferred: sent %d, %v; want an error", n, err)
	}
	due, _ := store.DueOutgoing(ctx, now.Add(2*time.Hour), 10)
	if len(due) != 2 || due[0].Attempts != 1 || due[1].Attempts != 1 {
		t.Fatalf("each deferred mail must count one attempt: %+v", due)
	}
	srv.SetRefuse(false)
	if err := store.Enqueue(ctx, convention.OutgoingMail{Kind: "reply", From: "p@laclasse.example", To: []string{"b@givors.fr"}, Data: []byte("Subject: x\r\n\r\nbody\r\n")}); err != nil {
		t.Fatal(err)
	}
	if n, err := o.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("a mail queued after a deferral: sent %d, %v; want 1", n, err)
	}
	now = now.Add(2 * time.Hour)
	if n, err := o.Flush(ctx); err != nil || n != 2 {
		t.Fatalf("retry time: sent %d, %v; want the 2 deferred", n, err)
	}
}
