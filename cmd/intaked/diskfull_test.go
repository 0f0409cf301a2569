package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/realserver"
	"github.com/laclasse/intake/internal/samples"
)

// TestDiskFull puts the store on a small tmpfs and fills it: the daemon refuses to go on rather
// than half-apply, keeps the message in INBOX, and finishes once there is room again. It needs
// root to mount the tmpfs and is skipped otherwise.
func TestDiskFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "full")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })

	d, mp := realserver.Dovecot(t), realserver.Mailpit(t)
	cfg := realConfig(t, d, mp)
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "intake.db")
	text = []byte(strings.Replace(string(text), filepath.Join(filepath.Dir(cfg), "intake.db"), store, 1))
	if err := os.WriteFile(cfg, text, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "schools", "--config", cfg) // creates the store
	// Fill what is left of the disk.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()

	c := samples.Scenario()[0]
	d.Append(t, "INBOX", c.Message.Raw(), c.Message.Date)
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &out, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&out, nil))}
	if err := m.Run(context.Background(), []string{"run", "--once", "--config", cfg}); err == nil {
		t.Fatalf("run --once went on with a full disk:\n%s", out.String())
	}
	if n := len(d.List(t, "INBOX")); n != 1 {
		t.Fatalf("INBOX holds %d, want the message kept", n)
	}
	if n := len(mp.Messages(t)); n != 0 {
		t.Fatalf("%d mails sent with nothing recorded", n)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	run(t, "run", "--once", "--config", cfg)
	if n := len(d.List(t, "INBOX")); n != 0 {
		t.Fatalf("INBOX holds %d once there is room", n)
	}
	if got := run(t, "schools", "--config", cfg); strings.Count(got, "en attente") != len(c.Schools) {
		t.Fatalf("registry after the disk was freed:\n%s", got)
	}
	if n := len(mp.Messages(t)); n != 1 {
		t.Fatalf("%d replies, want 1", n)
	}
}
