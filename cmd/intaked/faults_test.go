package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/realserver"
	"github.com/laclasse/intake/internal/samples"
)

// TestDovecotRestart stops Dovecot under a daemon waiting in IDLE and starts it again: the daemon
// reconnects and misses nothing, neither what came before the stop nor what came after.
func TestDovecotRestart(t *testing.T) {
	d, mp := realserver.Dovecot(t), realserver.Mailpit(t)
	cfg := realConfig(t, d, mp)
	var logs syncBuffer
	m := &Main{Stdout: io.Discard, Stderr: &logs, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	runUntilEnd(t, m, "run", "--config", cfg)
	logs.wait(t, "intaked started")
	time.Sleep(300 * time.Millisecond) // in IDLE

	d.Stop(t)
	logs.wait(t, "mailbox connection lost")
	time.Sleep(500 * time.Millisecond)
	d.Start(t)

	cases := samples.Scenario()
	d.Append(t, "INBOX", cases[0].Message.Raw(), cases[0].Message.Date)
	got := mp.WaitMessages(t, 1, 30*time.Second)
	if len(got) != 1 || !strings.Contains(got[0].Headers.Get("In-Reply-To"), cases[0].Message.MessageID) {
		t.Fatalf("after the restart: %d mails", len(got))
	}
}

// TestSMTPDownForAnHour queues the replies while the SMTP server is down and sends them, once
// each, when it is back an hour later.
func TestSMTPDownForAnHour(t *testing.T) {
	d, mp := realserver.Dovecot(t), realserver.Mailpit(t)
	cfg := realConfig(t, d, mp)
	c := samples.Scenario()[0]
	d.Append(t, "INBOX", c.Message.Raw(), c.Message.Date)
	mp.Stop(t)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	if n := len(d.List(t, "Traites")); n != 1 {
		t.Fatalf("the message must be handled even with SMTP down: Traites holds %d", n)
	}
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:20:00+02:00") // still down
	mp.Start(t)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T12:00:00+02:00")
	got := mp.Messages(t)
	if len(got) != 1 || !strings.Contains(got[0].Headers.Get("In-Reply-To"), c.Message.MessageID) {
		t.Fatalf("%d mails once the server is back, want the one reply", len(got))
	}
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T13:00:00+02:00")
	if n := len(mp.Messages(t)); n != 1 {
		t.Fatalf("%d mails after another run, want 1", n)
	}
}

// TestStoreBusy holds the SQLite file locked by another writer: the daemon refuses to go on
// rather than half-apply, leaves the message in INBOX, and finishes once the lock is gone.
func TestStoreBusy(t *testing.T) {
	d, mp := realserver.Dovecot(t), realserver.Mailpit(t)
	cfg := realConfig(t, d, mp)
	run(t, "schools", "--config", cfg) // creates the store
	c := samples.Scenario()[0]
	d.Append(t, "INBOX", c.Message.Raw(), c.Message.Date)

	db, err := sql.Open("sqlite", filepath.Join(filepath.Dir(cfg), "intake.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &out, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&out, nil))}
	err = m.Run(context.Background(), []string{"run", "--once", "--config", cfg})
	if err == nil {
		t.Fatalf("run --once went on with the store locked:\n%s", out.String())
	}
	if n := len(d.List(t, "INBOX")); n != 1 {
		t.Fatalf("INBOX holds %d, want the message kept", n)
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	run(t, "run", "--once", "--config", cfg)
	if n := len(d.List(t, "INBOX")); n != 0 {
		t.Fatalf("INBOX holds %d after the lock is gone", n)
	}
	if n := len(mp.Messages(t)); n != 1 {
		t.Fatalf("%d replies, want 1", n)
	}
}
