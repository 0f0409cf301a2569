package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

// TestDaemonSeesCommandLineWrites: the running daemon keeps the registries of the communes it
// decides for in memory between its decisions (sqlite's registry cache); a write of the command
// line, on a store handle of its own, between two of them is in what the second decides on.
// Here `revert` removes the schools a list added: the same schools listed again are added
// again, not found unchanged in a stale copy.
func TestDaemonSeesCommandLineWrites(t *testing.T) {
	h := startConsoleDaemon(t)
	at := time.Now()
	rows := samples.Rows(101, 3)
	h.Append(t, listMessage("first@mairie-givors.fr", at, rows, nil).Raw(), at)
	h.WaitRequests(t, 1)
	// A second list of the commune, decided on the registry the first left in memory.
	h.Append(t, listMessage("second@mairie-givors.fr", at, samples.Rows(104, 1), nil).Raw(), at)
	h.WaitRequests(t, 2)
	var first int64
	for _, r := range requestsJSON(t, h.Config, "--state", "applied") {
		if r.Changes == len(rows) {
			first = r.ID
		}
	}
	if first == 0 {
		t.Fatalf("no applied request with %d changes: %+v", len(rows), requestsJSON(t, h.Config))
	}
	run(t, "revert", "--config", h.Config, "--by", "Camille Support", fmt.Sprint(first))
	for _, r := range rows {
		if s := schoolsJSON(t, h.Config)[r.UAI]; s.Status != "removed" {
			t.Fatalf("%s is %q after the revert, want removed", r.UAI, s.Status)
		}
	}

	again := append([]samples.Row(nil), rows...)
	for i := range again {
		again[i].Phone = fmt.Sprintf("04 78 00 00 %02d", i) // another file than the first
	}
	h.Append(t, listMessage("third@mairie-givors.fr", at, again, nil).Raw(), at)
	h.WaitRequests(t, 3)
	after := schoolsJSON(t, h.Config)
	for _, r := range rows {
		if s := after[r.UAI]; s.Status != "pending" {
			t.Errorf("%s is %q after a list names it again, want pending: the daemon decided on the registry before the revert", r.UAI, s.Status)
		}
	}
}
