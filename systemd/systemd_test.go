package systemd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// listen opens a real unixgram socket named name ("" for a file in a temporary directory) and
// points NOTIFY_SOCKET at it, as systemd does.
func listen(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	if name == "" {
		dir := t.TempDir()
		if len(dir) > 90 { // sun_path holds 108 bytes
			var err error
			if dir, err = os.MkdirTemp("", "sd"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
		}
		name = filepath.Join(dir, "notify.sock")
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	return conn
}

// recv returns the next datagram, or false if none comes within wait.
func recv(t *testing.T, conn *net.UnixConn, wait time.Duration) (string, bool) {
	t.Helper()
	buf := make([]byte, 4096)
	if err := conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	n, err := conn.Read(buf)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n]), true
}

// mustRecv returns the next datagram, failing the test if none comes within two seconds.
func mustRecv(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	msg, ok := recv(t, conn, 2*time.Second)
	if !ok {
		t.Fatal("no datagram within 2s")
	}
	return msg
}

// drain reads what is already queued and returns how many datagrams there were.
func drain(t *testing.T, conn *net.UnixConn) int {
	t.Helper()
	n := 0
	for {
		if _, ok := recv(t, conn, 20*time.Millisecond); !ok {
			return n
		}
		n++
	}
}

func TestNotifications(t *testing.T) {
	conn := listen(t, "")
	if err := Ready(); err != nil {
		t.Fatal(err)
	}
	if got := mustRecv(t, conn); got != "READY=1" {
		t.Errorf("Ready sent %q, want READY=1", got)
	}
	if err := Reloading(); err != nil {
		t.Fatal(err)
	}
	got := mustRecv(t, conn)
	state, usec, ok := strings.Cut(got, "\nMONOTONIC_USEC=")
	if !ok || state != "RELOADING=1" {
		t.Errorf("Reloading sent %q, want RELOADING=1 and MONOTONIC_USEC", got)
	} else if n, err := strconv.ParseInt(usec, 10, 64); err != nil || n <= 0 {
		t.Errorf("MONOTONIC_USEC=%q, want a positive integer", usec)
	}
	if err := Stopping(); err != nil {
		t.Fatal(err)
	}
	if got := mustRecv(t, conn); got != "STOPPING=1" {
		t.Errorf("Stopping sent %q, want STOPPING=1", got)
	}
	if os.Getenv("NOTIFY_SOCKET") == "" {
		t.Error("NOTIFY_SOCKET was unset; later notifications would be lost")
	}
}

func TestAbstractSocket(t *testing.T) {
	conn := listen(t, fmt.Sprintf("@intake-systemd-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := Ready(); err != nil {
		t.Fatal(err)
	}
	if got := mustRecv(t, conn); got != "READY=1" {
		t.Errorf("Ready sent %q, want READY=1", got)
	}
}

func TestNoSocketIsNoOp(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	for name, f := range map[string]func() error{"Ready": Ready, "Stopping": Stopping, "Reloading": Reloading} {
		if err := f(); err != nil {
			t.Errorf("%s without NOTIFY_SOCKET: %v, want nil", name, err)
		}
	}
}

func TestMissingSocketFails(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "absent.sock"))
	if err := Ready(); err == nil || !strings.Contains(err.Error(), "READY=1") {
		t.Errorf("Ready to a missing socket: %v, want an error naming READY=1", err)
	}
}

// syncBuffer is a log destination safe for the watchdog goroutine and the test together.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

// waitLog waits until the log holds more than n lines containing s.
func waitLog(t *testing.T, b *syncBuffer, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for b.count(s) <= n {
		if time.Now().After(deadline) {
			t.Fatalf("no new log line with %q within 2s", s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// enableWatchdog sets the environment systemd gives a unit with WatchdogSec=100ms.
func enableWatchdog(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "100000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
}

func startWatchdog(t *testing.T, healthy func(context.Context) error, logs *syncBuffer) (cancel func(), done chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan struct{})
	logger := slog.New(slog.NewTextHandler(logs, nil))
	go func() {
		defer close(done)
		Watchdog(ctx, healthy, logger)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return cancel, done
}

func TestWatchdog(t *testing.T) {
	conn := listen(t, "")
	enableWatchdog(t)
	var sick atomic.Bool
	healthy := func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("health check without a deadline")
		}
		if sick.Load() {
			return errors.New("store unreachable")
		}
		return nil
	}
	logs := &syncBuffer{}
	cancel, done := startWatchdog(t, healthy, logs)

	// Healthy: pings every 50ms.
	start := time.Now()
	for range 3 {
		if got := mustRecv(t, conn); got != "WATCHDOG=1" {
			t.Fatalf("watchdog sent %q, want WATCHDOG=1", got)
		}
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Errorf("3 pings in %v: faster than every WATCHDOG_USEC/2", d)
	}

	// Unhealthy: once the watchdog has seen it, no ping arrives and the reason is logged.
	skipped := logs.count("ping skipped")
	sick.Store(true)
	waitLog(t, logs, "ping skipped", skipped)
	drain(t, conn) // pings sent before the watchdog saw the failure
	if msg, ok := recv(t, conn, 300*time.Millisecond); ok {
		t.Fatalf("watchdog sent %q while unhealthy", msg)
	}
	if logs.count("store unreachable") == 0 {
		t.Error("the reason for skipping is not logged")
	}

	// Healthy again: pings come back.
	sick.Store(false)
	for range 2 {
		if got := mustRecv(t, conn); got != "WATCHDOG=1" {
			t.Fatalf("watchdog sent %q, want WATCHDOG=1", got)
		}
	}

	// ctx ends: Watchdog returns and pings stop.
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Watchdog did not return after ctx ended")
	}
	drain(t, conn)
	if msg, ok := recv(t, conn, 200*time.Millisecond); ok {
		t.Fatalf("watchdog sent %q after ctx ended", msg)
	}
}

func TestWatchdogHungCheckSkipsPing(t *testing.T) {
	conn := listen(t, "")
	enableWatchdog(t)
	logs := &syncBuffer{}
	startWatchdog(t, func(ctx context.Context) error {
		<-ctx.Done() // a check that never answers is bounded by the interval
		return ctx.Err()
	}, logs)
	waitLog(t, logs, "deadline exceeded", 1)
	if msg, ok := recv(t, conn, 150*time.Millisecond); ok {
		t.Fatalf("watchdog sent %q while the health check hangs", msg)
	}
}

func TestWatchdogNilHealthy(t *testing.T) {
	conn := listen(t, "")
	enableWatchdog(t)
	startWatchdog(t, nil, &syncBuffer{})
	if got := mustRecv(t, conn); got != "WATCHDOG=1" {
		t.Fatalf("watchdog sent %q, want WATCHDOG=1", got)
	}
}

func TestWatchdogDisabled(t *testing.T) {
	for _, tc := range []struct {
		name, usec, pid, log string
	}{
		{name: "no WATCHDOG_USEC", usec: "", pid: ""},
		{name: "another process", usec: "100000", pid: strconv.Itoa(os.Getpid() + 1)},
		{name: "bad WATCHDOG_USEC", usec: "soon", pid: "", log: "watchdog disabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := listen(t, "")
			t.Setenv("WATCHDOG_USEC", tc.usec)
			t.Setenv("WATCHDOG_PID", tc.pid)
			logs := &syncBuffer{}
			_, done := startWatchdog(t, func(context.Context) error { return nil }, logs)
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				t.Fatal("Watchdog did not return at once while disabled")
			}
			if msg, ok := recv(t, conn, 100*time.Millisecond); ok {
				t.Errorf("disabled watchdog sent %q", msg)
			}
			if tc.log != "" && logs.count(tc.log) == 0 {
				t.Errorf("log does not say %q", tc.log)
			}
		})
	}
}
