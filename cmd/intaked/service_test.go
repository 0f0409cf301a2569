package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

// notifySocket listens where the daemon sends its sd_notify datagrams.
func notifySocket(t *testing.T) <-chan string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	ch := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(ch)
				return
			}
			ch <- string(buf[:n])
		}
	}()
	return ch
}

func waitFor(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case got, ok := <-ch:
			if !ok {
				t.Fatalf("notify socket closed before %q", want)
			}
			if strings.Contains(got, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no %q from the daemon", want)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestService runs the daemon as systemd would: readiness over a real unixgram socket, the
// HTTP endpoints, a SIGHUP with a bad configuration that is refused, a backup while it runs,
// and a stop that says STOPPING=1.
func TestService(t *testing.T) {
	notes := notifySocket(t)
	s := memServers(t)
	cfg := writeConfig(t, s)
	httpAddr := freeAddr(t)
	good, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	withHTTP := strings.Replace(string(good), "[http]\naddress = \"\"", "[http]\naddress = \""+httpAddr+"\"", 1)
	if err := os.WriteFile(cfg, []byte(withHTTP), 0o600); err != nil {
		t.Fatal(err)
	}

	var logs syncBuffer
	m := &Main{Stdout: io.Discard, Stderr: &logs, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", cfg}) }()

	waitFor(t, notes, "READY=1")
	if code, body := get(t, "http://"+httpAddr+"/healthz"); code != 200 {
		t.Fatalf("/healthz = %d %s", code, body)
	}

	c := samples.Scenario()[0]
	s.append(t, c.Message.Raw(), c.Message.Date)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := get(t, "http://"+httpAddr+"/metrics")
		// A scrape reads the store before it gathers the counters: one that read it just before
		// the decision's commit counts the message without its schools. The next one has them.
		handled := strings.Contains(body, `intake_messages_handled_total{outcome="applied"} 1`)
		if handled && strings.Contains(body, "intake_activations_pending 4") && strings.Contains(body, "intake_imap_connected 1") {
			break
		}
		if handled && time.Now().After(deadline) {
			t.Fatalf("metrics do not show the registry:\n%s", body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never counted the message:\n%s\n%s", body, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A backup while the daemon runs reads back.
	backup := filepath.Join(t.TempDir(), "backup.db")
	var out bytes.Buffer
	if err := (&Main{Stdout: &out, Stderr: &out, Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Run(ctx, []string{"backup", "--config", cfg, backup}); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	backupCfg := strings.Replace(withHTTP, filepath.Join(filepath.Dir(cfg), "intake.db"), backup, 1)
	bcfg := filepath.Join(t.TempDir(), "b.toml")
	if err := os.WriteFile(bcfg, []byte(backupCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := run(t, "schools", "--config", bcfg); strings.Count(got, "en attente") != 4 {
		t.Fatalf("the backup does not hold the registry:\n%s", got)
	}

	// SIGHUP with a broken file: refused, the daemon goes on with the old one.
	if err := os.WriteFile(cfg, []byte("[imap]\nadress = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(logs.String(), "configuration not reloaded") {
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("the bad configuration was not refused:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _ := get(t, "http://"+httpAddr+"/healthz"); code != 200 {
		t.Fatalf("unhealthy after a refused reload")
	}

	// SIGHUP with a good file: reloaded.
	if err := os.WriteFile(cfg, []byte(withHTTP), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, notes, "RELOADING=1")
	waitFor(t, notes, "READY=1")

	cancel()
	waitFor(t, notes, "STOPPING=1")
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no stop within 15 s")
	}
}
