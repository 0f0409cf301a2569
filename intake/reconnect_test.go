package intake

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// flakyProxy forwards TCP connections to a server, and can be turned off: then it cuts every
// connection it holds and refuses new ones, as a server that restarts does.
type flakyProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *flakyProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.setDown(true) })
	go acceptEach(ln, p.forward)
	return p
}

// acceptEach hands each connection ln accepts to serve, in its own goroutine, until ln closes.
func acceptEach(ln net.Listener, serve func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go serve(c)
	}
}

func (p *flakyProxy) forward(c net.Conn) {
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.conns[c] = true
	p.mu.Unlock()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[s] = true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
	c.Close()
}

func (p *flakyProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

// logBuffer is a buffer safe for a logger and a test to share.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestReconnectAfterHealthySession: after a long outage has grown the reconnect delay, one
// healthy session resets it, so that a short restart of the server is over within about the base
// delay, and the watcher logs "reconnected".
func TestReconnectAfterHealthySession(t *testing.T) {
	saved := reconnectPolicy
	reconnectPolicy.Base, reconnectPolicy.Max = 100*time.Millisecond, 4*time.Second
	t.Cleanup(func() { reconnectPolicy = saved })

	f := newFixture(t)
	proxy := startProxy(t, f.imap.Addr)
	var logs logBuffer
	w := f.watcher
	w.Config.Address = proxy.ln.Addr().String()
	w.Config.PollInterval = time.Minute // a pass only when a session starts
	w.Config.CommandTimeout = 2 * time.Second
	w.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	passed := make(chan struct{}, 16)
	w.AfterPass = func(context.Context) {
		select {
		case passed <- struct{}{}:
		default:
		}
	}
	waitPass := func(within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		select {
		case <-passed:
			return time.Since(start)
		case <-time.After(within):
			t.Fatalf("no pass over the mailbox within %v:\n%s", within, logs.String())
			return 0
		}
	}

	// A long outage: the delay grows to several seconds (100 ms, 200 ms, ... 3.2 s).
	proxy.setDown(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(3500 * time.Millisecond)
	proxy.setDown(false)
	waitPass(10 * time.Second)
	if !strings.Contains(logs.String(), "msg=reconnected") || !strings.Contains(logs.String(), "down_for=") {
		t.Errorf("no \"reconnected\" line with the time it was down:\n%s", logs.String())
	}

	// A short restart of the server, once the session was healthy.
	time.Sleep(300 * time.Millisecond) // the session is in IDLE
	for len(passed) > 0 {
		<-passed
	}
	proxy.setDown(true)
	time.Sleep(20 * time.Millisecond)
	proxy.setDown(false)
	// Without the reset the delay would be at least 2 s (half of the 4 s cap).
	if took := waitPass(10 * time.Second); took > 1500*time.Millisecond {
		t.Fatalf("a short restart after a healthy session took %v to reconnect, want about the base delay (100 ms)\n%s", took, logs.String())
	}
}
