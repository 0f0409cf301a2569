package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

// TestBacklogFetchedInChunks: the daemon reads a backlog in chunks (intake's chunkMessages, 25
// messages): 30 messages cost two FETCHes of sizes and two of bodies, where they cost one of
// each per message, and every one of them is handled.
func TestBacklogFetchedInChunks(t *testing.T) {
	s, im := memServersWithIMAP(t)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	const n = 30
	for i := 0; i < n; i++ {
		s.append(t, samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: fmt.Sprintf("Nos écoles %d", i),
			MessageID: fmt.Sprintf("chunk-%d@mairie-givors.fr", i), Date: at,
			Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV(samples.Rows(100+i, 1))}}}.Raw(), at)
	}
	cfg := writeConfig(t, s)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")

	var sizes, bodies int
	for _, f := range im.Fetches() {
		switch {
		case strings.Contains(f, "RFC822.SIZE"):
			sizes++
		case strings.Contains(f, "BODY[]"):
			bodies++
		}
	}
	if sizes != 2 || bodies != 2 {
		t.Errorf("%d messages: %d FETCHes of sizes, %d of bodies; want 2, 2", n, sizes, bodies)
	}
	if p, i := s.count(t, "Traites"), s.count(t, "INBOX"); p != n || i != 0 {
		t.Errorf("Traites %d, INBOX %d; want %d, 0", p, i, n)
	}
	if got := len(mailsTo(s.sent(t), "secretariat@mairie-givors.fr")); got != n {
		t.Errorf("%d replies, want %d", got, n)
	}
}
