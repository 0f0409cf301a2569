package main

import (
	"strings"
	"testing"

	"github.com/laclasse/intake/internal/samples"
)

// TestStatus reads the operators' screen after a run.
func TestStatus(t *testing.T) {
	s := memServers(t)
	cfg := writeConfig(t, s)
	c := samples.Scenario()[0]
	s.append(t, c.Message.Raw(), c.Message.Date)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	out := run(t, "status", "--config", cfg, "--now=2026-10-01T08:00:00+02:00")
	for _, want := range []string{
		"INBOX: UIDVALIDITY", "last successful poll 2026-09-14 11:00",
		"Givors", "4 pending", "4 overdue",
		"digest", "renewal", "yearly-update",
		"Outbox: 0 waiting",
		"Last errors",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}
