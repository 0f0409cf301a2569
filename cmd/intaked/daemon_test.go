package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

// TestDaemonIdle runs the daemon, delivers a message while it waits in IDLE, and checks that the
// reply goes out and that a stop is quick.
func TestDaemonIdle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		servers func(*testing.T) servers
	}{{"MemServers", memServers}, {"RealServers", realServers}} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.servers(t)
			cfg := writeConfig(t, s)
			var logs syncBuffer
			m := &Main{Stdout: &bytes.Buffer{}, Stderr: &logs, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx, []string{"run", "--config", cfg}) }()

			// Wait for the first pass, then deliver.
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(logs.String(), "intaked started") {
				if time.Now().After(deadline) {
					t.Fatalf("daemon did not start:\n%s", logs.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond)
			c := samples.Scenario()[0]
			s.append(t, c.Message.Raw(), time.Now())
			replied := func() bool {
				for _, m := range s.sent(t) {
					if strings.Contains(m.Header.Get("In-Reply-To"), c.Message.MessageID) {
						return true
					}
				}
				return false
			}
			for !replied() {
				if time.Now().After(deadline.Add(10 * time.Second)) {
					t.Fatalf("no reply while in IDLE:\n%s", logs.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			if n := s.count(t, "INBOX"); n != 0 {
				t.Errorf("INBOX holds %d", n)
			}
			stopped := time.Now()
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("the daemon did not stop within 15 s")
			}
			if d := time.Since(stopped); d > 12*time.Second {
				t.Errorf("stop took %v", d)
			}
		})
	}
}
