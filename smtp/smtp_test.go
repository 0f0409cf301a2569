package smtp

import (
	"bytes"
	"context"
	"errors"
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
	o := &Outbox{Queue: store, Server: Server{Address: srv.Addr, TLS: "none"}, Now: func() time.Time { return now },
		IsNone: func(err error) bool { return errors.Is(err, sqlite.ErrNoneDue) }}
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
	if d := Backoff(1); d < 24*time.Second || d > 36*time.Second {
		t.Errorf("Backoff(1) = %v", d)
	}
	if d := Backoff(30); d > 72*time.Minute {
		t.Errorf("Backoff(30) = %v, want capped at an hour", d)
	}
}
