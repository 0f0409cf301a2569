package main

import (
	"testing"

	"github.com/laclasse/intake/internal/samples"
)

// TestRunOneSMTPConnection: the outbox is flushed after each message decided and once more at
// the end of `run --once`; the connection of the first flush carries the mails of the next ones
// (up to 20 a connection) instead of one connection per flush.
func TestRunOneSMTPConnection(t *testing.T) {
	s := memServers(t)
	for _, c := range samples.Scenario() {
		s.append(t, c.Message.Raw(), c.Message.Date)
	}
	cfg := writeConfig(t, s)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	sent := len(s.sent(t))
	if sent < 3 {
		t.Fatalf("%d mails sent: the scenario should answer several messages", sent)
	}
	if got, want := s.smtpSessions(), (sent+19)/20; got != want {
		t.Errorf("%d mails over %d SMTP connections, want %d", sent, got, want)
	}
}
