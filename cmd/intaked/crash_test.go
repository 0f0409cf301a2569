package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/laclasse/intake/internal/realserver"
	"github.com/laclasse/intake/internal/samples"
)

// buildIntaked builds the binary once per test run.
func buildIntaked(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "intaked")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// backlog appends n messages from communes, each adding one school, and returns their ids and
// the UAIs they add.
func backlog(t *testing.T, d *realserver.DovecotServer, n int) (ids, uais []string) {
	t.Helper()
	froms := []string{"secretariat@mairie-givors.fr", "education@mairie-vaulx-en-velin.fr", "accueil@mairie-grigny.fr", "education@mairie-oullins.fr"}
	base := time.Date(2025, 9, 14, 8, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		rows := samples.Rows(2000+i, 1)
		m := samples.Message{From: froms[i%len(froms)], To: samples.Mailbox, Subject: fmt.Sprintf("Ajout %d", i),
			MessageID: fmt.Sprintf("backlog-%d@test", i), Date: base.Add(time.Duration(i) * time.Minute),
			Attachments: []samples.Attachment{{Name: "ecole.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Test", rows)}}}
		d.Append(t, "INBOX", m.Raw(), m.Date)
		ids, uais = append(ids, m.MessageID), append(uais, rows[0].UAI)
	}
	return ids, uais
}

// checkExactlyOnce asserts that every message was applied once in effect, moved, and answered at
// least once, with at most maxExtra replies more than one per message in all.
func checkExactlyOnce(t *testing.T, d *realserver.DovecotServer, mp *realserver.MailpitServer, cfg string, ids, uais []string, maxExtra int) {
	t.Helper()
	if n := len(d.List(t, "INBOX")); n != 0 {
		t.Errorf("INBOX still holds %d messages", n)
	}
	if n := len(d.List(t, "Traites")); n != len(ids) {
		t.Errorf("Traites holds %d messages, want %d", n, len(ids))
	}
	db, err := sql.Open("sqlite", filepath.Join(filepath.Dir(cfg), "intake.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, id := range ids {
		var applied, changes int
		if err := db.QueryRow(`SELECT count(*) FROM requests WHERE message_id = ? AND state = 'applied'`, id).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT count(*) FROM changes ch JOIN schools s ON s.id = ch.school_id WHERE s.uai = ? AND ch.kind = 'add'`, uais[i]).Scan(&changes); err != nil {
			t.Fatal(err)
		}
		if applied != 1 || changes != 1 {
			t.Errorf("message %s applied %d times, school %s added %d times", id, applied, uais[i], changes)
		}
	}
	replies := map[string]int{}
	for _, m := range mp.Messages(t) {
		replies[strings.Trim(m.Headers.Get("In-Reply-To"), "<>")]++
	}
	extra := 0
	for _, id := range ids {
		n := replies[id]
		if n < 1 {
			t.Errorf("message %s got no reply", id)
		}
		extra += max(0, n-1)
	}
	if extra > maxExtra {
		t.Errorf("%d replies sent more than once in all, want at most %d; per message: %v", extra, maxExtra, replies)
	}
	t.Logf("%d replies sent twice", extra)
}

func realConfig(t *testing.T, d *realserver.DovecotServer, mp *realserver.MailpitServer) string {
	t.Helper()
	return writeConfig(t, servers{imapAddr: d.Addr, imapUser: d.Username, imapPass: d.Password, smtpAddr: mp.SMTPAddr})
}

// TestCrashConsistency kills the daemon with SIGKILL at many points while it works through a
// backlog on a real Dovecot, and restarts it: every message is applied exactly once in effect,
// answered at least once, and none stays in INBOX. A kill can send one reply twice, the one the
// SMTP server took and the daemon had not yet recorded as sent (the outbox sends one mail at a
// time): no more replies are doubled than there were kills.
func TestCrashConsistency(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	d, mp := realserver.Dovecot(t), realserver.Mailpit(t)
	bin := buildIntaked(t)
	cfg := realConfig(t, d, mp)
	ids, uais := backlog(t, d, 60)

	rng := rand.New(rand.NewPCG(1, 2))
	kills := 0
	for round := 0; round < 40 && len(d.List(t, "INBOX")) > 0; round++ {
		cmd := exec.Command(bin, "run", "--config", cfg)
		cmd.Stdout, cmd.Stderr = nil, nil
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(10+rng.IntN(90)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		kills++
	}
	t.Logf("%d kills, %d messages left before the last run", kills, len(d.List(t, "INBOX")))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, "run", "--once", "--config", cfg).CombinedOutput(); err != nil {
		t.Fatalf("last run: %v\n%s", err, out)
	}
	checkExactlyOnce(t, d, mp, cfg, ids, uais, kills)
}

// TestSIGTERMBacklog stops the daemon with SIGTERM in the middle of a backlog: it exits 0 after
// the message in hand, and a restart finishes the work with nothing lost and nothing doubled.
func TestSIGTERMBacklog(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	d, mp := realserver.Dovecot(t), realserver.Mailpit(t)
	bin := buildIntaked(t)
	cfg := realConfig(t, d, mp)
	ids, uais := backlog(t, d, 60)

	for round := 0; round < 3; round++ {
		cmd := exec.Command(bin, "run", "--config", cfg)
		var logs syncBuffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Signalled once it is running (before, SIGTERM's default action would kill it on a
		// loaded machine), then at a later point of the backlog each round.
		logs.wait(t, "intaked started")
		time.Sleep(time.Duration(20+40*round) * time.Millisecond)
		stopped := time.Now()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("round %d: exit after SIGTERM: %v\n%s", round, err, logs.String())
		}
		if dur := time.Since(stopped); dur > 15*time.Second {
			t.Errorf("round %d: stop took %v", round, dur)
		}
	}
	out, err := exec.Command(bin, "run", "--once", "--config", cfg).CombinedOutput()
	if err != nil {
		t.Fatalf("last run: %v\n%s", err, out)
	}
	checkExactlyOnce(t, d, mp, cfg, ids, uais, 0)
}
