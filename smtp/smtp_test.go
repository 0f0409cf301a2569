package smtp

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/memserver"
	"github.com/laclasse/intake/sqlite"
)

func TestCompose(t *testing.T) {
	raw, err := Compose(Mail{From: "partenariat@laclasse.example", FromName: "Laclasse.com – Métropole", To: []string{"mairie@givors.fr"},
		Subject: "Re: Adhésion", Date: time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC), InReplyTo: "abc@givors.fr", References: []string{"root@givors.fr"},
		AutoReplied: true, Text: "Bonjour,\nécoles", HTML: "<p>Bonjour</p>", Files: []File{{Name: "modèle.xlsx", ContentType: "application/octet-stream", Data: []byte("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for h, want := range map[string]string{
		"Auto-Submitted": "auto-replied",
		"In-Reply-To":    "<abc@givors.fr>",
		"References":     "<root@givors.fr> <abc@givors.fr>",
	} {
		if got := m.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if id := m.Header.Get("Message-Id"); !strings.HasSuffix(id, "@laclasse.example>") {
		t.Errorf("Message-ID %q", id)
	}
	raw, _ = Compose(Mail{From: "a@b.fr", To: []string{"c@d.fr"}, Subject: "Synthèse"})
	if m, _ := mail.ReadMessage(bytes.NewReader(raw)); m.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("our own summaries must be auto-generated")
	}
}

// TestOutbox: a refusal keeps the mail with a retry time; once the server takes it, it is sent
// once.
func TestOutbox(t *testing.T) {
	ctx := context.Background()
	srv, err := memserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "o.db"), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Enqueue(ctx, convention.OutgoingMail{Kind: "reply", From: "a@b.fr", To: []string{"c@d.fr"}, Data: []byte("Subject: x\r\n\r\nbody\r\n")}); err != nil {
		t.Fatal(err)
	}
	o := &Outbox{Queue: store, Server: Server{Address: srv.Addr, TLS: "none"}, Now: func() time.Time { return now }}
	srv.SetRefuse(true)
	if n, err := o.Flush(ctx); err == nil || n != 0 {
		t.Fatalf("refused: sent %d, err %v", n, err)
	}
	srv.SetRefuse(false)
	if n, _ := o.Flush(ctx); n != 0 {
		t.Fatalf("a refused mail was retried before its time")
	}
	now = now.Add(2 * time.Hour)
	if n, err := o.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("retry: sent %d, %v", n, err)
	}
	if n, _ := o.Flush(ctx); n != 0 || len(srv.Mails()) != 1 {
		t.Fatalf("sent twice: %d mails", len(srv.Mails()))
	}
	if d := Backoff(1); d < 15*time.Second || d > 30*time.Second {
		t.Errorf("Backoff(1) = %v, want within [15s, 30s]", d)
	}
	if d := Backoff(30); d > time.Hour {
		t.Errorf("Backoff(30) = %v, want capped at an hour", d)
	}
}

// TestOutboxReusesConnection: a flush carries its mails over few connections, opens a new one
// when the server takes no more on the current one, and sends each mail once.
func TestOutboxReusesConnection(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		perSession int
		mails      int
		want       int // connections
	}{
		{"NoLimit", 0, 45, 3},     // maxPerConnection = 20
		{"ServerLimit", 7, 30, 5}, // the server's 421 after 7 mails
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := memserver.StartSMTP()
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			srv.SetPerSession(tc.perSession)
			store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "o.db"), func() time.Time { return now })
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			for i := 0; i < tc.mails; i++ {
				data := []byte(fmt.Sprintf("Subject: %d\r\n\r\n.body %d\r\n", i, i))
				if err := store.Enqueue(ctx, convention.OutgoingMail{Kind: "reply", From: "a@b.fr", To: []string{fmt.Sprintf("c%d@d.fr", i)}, Data: data}); err != nil {
					t.Fatal(err)
				}
			}
			o := &Outbox{Queue: store, Server: Server{Address: srv.Addr, TLS: "none"}, Now: func() time.Time { return now }}
			if n, err := o.Flush(ctx); err != nil || n != tc.mails {
				t.Fatalf("sent %d, %v; want %d", n, err, tc.mails)
			}
			mails := srv.Mails()
			if len(mails) != tc.mails {
				t.Fatalf("server took %d mails, want %d", len(mails), tc.mails)
			}
			for i, m := range mails {
				if want := fmt.Sprintf("c%d@d.fr", i); len(m.To) != 1 || m.To[0] != want {
					t.Errorf("mail %d to %v, want %s (in order, once)", i, m.To, want)
				}
				if want := fmt.Sprintf(".body %d", i); !strings.Contains(string(m.Data), want) {
					t.Errorf("mail %d: body %q lost its leading dot", i, m.Data)
				}
			}
			if got := srv.Sessions(); got != tc.want {
				t.Errorf("%d connections, want %d", got, tc.want)
			}
		})
	}
}

// TestOutboxPausesWhenServerDown: a server that cannot be reached costs one attempt, not one per
// mail, until the retry time; then everything goes, once.
func TestOutboxPausesWhenServerDown(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downAddr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "o.db"), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for i := 0; i < 3; i++ {
		if err := store.Enqueue(ctx, convention.OutgoingMail{Kind: "reply", From: "a@b.fr", To: []string{"c@d.fr"}, Data: []byte("Subject: x\r\n\r\nbody\r\n")}); err != nil {
			t.Fatal(err)
		}
	}
	o := &Outbox{Queue: store, Server: Server{Address: downAddr, TLS: "none", Timeout: 5 * time.Second}, Now: func() time.Time { return now }}
	for i := 0; i < 3; i++ {
		if n, _ := o.Flush(ctx); n != 0 {
			t.Fatalf("sent %d through a server that is down", n)
		}
	}
	due, err := store.DueOutgoing(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].Attempts != 0 || due[1].Attempts != 0 {
		t.Fatalf("after three flushes with the server down: %d mails still due (want 2, never tried): %+v", len(due), due)
	}
	up, err := memserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	o.Server.Address = up.Addr
	now = now.Add(2 * time.Hour)
	if n, err := o.Flush(ctx); err != nil || n != 3 {
		t.Fatalf("server back: sent %d, %v; want 3", n, err)
	}
	if len(up.Mails()) != 3 {
		t.Fatalf("server took %d mails, want 3", len(up.Mails()))
	}
}
