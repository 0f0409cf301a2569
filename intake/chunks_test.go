package intake

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sqlite"
)

// fetchCounts counts the FETCH commands the fixture's server saw: of sizes, of whole bodies,
// of headers alone.
func (f *fixture) fetchCounts() (sizes, bodies, headers int) {
	for _, c := range f.imap.Fetches() {
		switch {
		case strings.Contains(c, "RFC822.SIZE"):
			sizes++
		case strings.Contains(c, "BODY[]"):
			bodies++
		case strings.Contains(c, "BODY[HEADER]"):
			headers++
		}
	}
	return
}

// appendMessages puts messages 0 to n-1 (message(i)) in INBOX.
func (f *fixture) appendMessages(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := f.imap.Append("INBOX", message(i).Raw(), now); err != nil {
			t.Fatal(err)
		}
	}
}

// claimed returns the requests recorded for UIDs 1 to n, nil where none is.
func (f *fixture) claimed(t *testing.T, n int) []*sqlite.Request {
	t.Helper()
	validity := f.uidValidity(t)
	out := make([]*sqlite.Request, n)
	for uid := 1; uid <= n; uid++ {
		r, err := f.store.RequestByKey(context.Background(), sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: validity, UID: uint32(uid)})
		if err != nil && !errors.Is(err, sqlite.ErrNotFound) {
			t.Fatal(err)
		}
		out[uid-1] = r
	}
	return out
}

// TestBacklogInChunks: a backlog of N messages costs ceil(N/chunkMessages) FETCHes of sizes and as
// many of bodies (it cost 2N, one of each per message), and every message of a chunk is claimed
// before the first of them is decided (one transaction a chunk; it was one a message).
func TestBacklogInChunks(t *testing.T) {
	f := newFixture(t)
	n := 2*chunkMessages + 3
	f.appendMessages(t, n)
	var atFirst []*sqlite.Request
	handled := map[int64]int{}
	f.watcher.OnHandled = func(o Outcome) {
		if atFirst == nil {
			atFirst = f.claimed(t, n)
		}
		handled[o.RequestID]++
	}
	if err := f.watcher.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	chunks := (n + chunkMessages - 1) / chunkMessages
	if sizes, bodies, headers := f.fetchCounts(); sizes != chunks || bodies != chunks || headers != 0 {
		t.Errorf("%d messages: %d FETCHes of sizes, %d of bodies, %d of headers; want %d, %d, 0", n, sizes, bodies, headers, chunks, chunks)
	}
	for i, r := range atFirst {
		if got, want := r != nil, i < chunkMessages; got != want {
			t.Errorf("when the first message was decided, message %d claimed: %v, want %v", i+1, got, want)
		}
	}
	if len(handled) != n {
		t.Errorf("%d messages decided, want %d", len(handled), n)
	}
	if got := f.count(t, "Traites"); got != n {
		t.Errorf("Traites holds %d, want %d", got, n)
	}
}

// TestChunkBoundedBytes: a chunk ends where its messages would go over fetchBudget bytes, so
// that what a pass holds in memory stays bounded; a message over the budget is a chunk alone.
func TestChunkBoundedBytes(t *testing.T) {
	f := newFixture(t)
	size := int64(len(message(0).Raw()))
	saved := fetchBudget
	fetchBudget = 3*size + size/2 // three messages a chunk
	t.Cleanup(func() { fetchBudget = saved })
	f.appendMessages(t, 7)
	big := bigMessage(t, 4*size) // over the budget, under the size limit
	if err := f.imap.Append("INBOX", big, now); err != nil {
		t.Fatal(err)
	}
	if err := f.imap.Append("INBOX", message(8).Raw(), now); err != nil {
		t.Fatal(err)
	}
	if err := f.watcher.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	// 3+3+1 | big | 1: the chunk after 7 is cut before big, big alone, then the last.
	if _, bodies, headers := f.fetchCounts(); bodies != 5 || headers != 0 {
		t.Errorf("%d FETCHes of bodies, %d of headers; want 5, 0", bodies, headers)
	}
	rs := f.claimed(t, 9)
	for i, r := range rs {
		if r == nil || r.HeaderOnly || !r.Moved {
			t.Fatalf("message %d: %+v, want claimed whole and moved", i+1, r)
		}
	}
	if !bytes.Equal(rs[7].Raw, big) {
		t.Errorf("the large message was recorded with %d bytes, want its %d", len(rs[7].Raw), len(big))
	}
}

// bigMessage is a commune's message of at least size bytes.
func bigMessage(t *testing.T, size int64) []byte {
	t.Helper()
	m := message(900)
	m.Attachments = []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: append(samples.CSV(samples.Rows(900, 1)), bytes.Repeat([]byte("\r\n"), int(size))...)}}
	return m.Raw()
}

// TestChunkMixed: one chunk holding a message over the size limit (its header alone is fetched,
// by itself), a message expunged between the SEARCH and the FETCH (skipped), and ordinary ones
// (fetched whole in one command), each matched to its own bytes by UID.
func TestChunkMixed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.appendMessages(t, 2) // UIDs 1, 2
	big := bigMessage(t, 256<<10)
	f.watcher.Handler.MailLimits.MaxMessageSize = 128 << 10
	if err := f.imap.Append("INBOX", big, now); err != nil { // 3: over the limit
		t.Fatal(err)
	}
	if err := f.imap.Append("INBOX", message(2).Raw(), now); err != nil { // 4: expunged below
		t.Fatal(err)
	}
	if err := f.imap.Append("INBOX", message(3).Raw(), now); err != nil { // 5
		t.Fatal(err)
	}
	validity := f.uidValidity(t)
	// Someone else expunges UID 4 after the pass's SEARCH found it.
	cl, err := f.imap.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := cl.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := cl.Store(imap.UIDSetNum(4), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}, Silent: true}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := cl.UIDExpunge(imap.UIDSetNum(4)).Close(); err != nil {
		t.Fatal(err)
	}

	s, err := f.watcher.dial(ctx, make(chan struct{}, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if _, err := s.c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	before := len(f.imap.Fetches())
	reqs, err := s.claimChunk(ctx, validity, []imap.UID{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.imap.Fetches()[before:]; strings.Join(got, "|") != "UID INTERNALDATE RFC822.SIZE|UID BODY[HEADER]|UID BODY[]" {
		t.Errorf("FETCHes %q; want one of sizes, one of the large message's header, one of the others whole", got)
	}
	if len(reqs) != 5 {
		t.Fatalf("%d requests for 5 UIDs", len(reqs))
	}
	want := [][]byte{message(0).Raw(), message(1).Raw(), nil, nil, message(3).Raw()}
	for i, r := range reqs {
		switch {
		case i == 3:
			if r != nil {
				t.Errorf("the expunged message was claimed: %+v", r)
			}
		case r == nil:
			t.Errorf("UID %d not claimed", i+1)
		case r.Key.UID != uint32(i+1):
			t.Errorf("request %d is UID %d's", i, r.Key.UID)
		case i == 2:
			if !r.HeaderOnly || r.Size != int64(len(big)) || !bytes.HasSuffix(r.Raw, []byte("\r\n\r\n")) || len(r.Raw) > 4096 {
				t.Errorf("the large message: header only %v, size %d, %d bytes recorded; want its header alone, size %d", r.HeaderOnly, r.Size, len(r.Raw), len(big))
			}
		default:
			if r.HeaderOnly || !bytes.Equal(r.Raw, want[i]) {
				t.Errorf("UID %d recorded with %d bytes not its own (header only %v)", i+1, len(r.Raw), r.HeaderOnly)
			}
		}
	}
	// Claimed again, the chunk is as it stands: no FETCH at all.
	before = len(f.imap.Fetches())
	again, err := s.claimChunk(ctx, validity, []imap.UID{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.imap.Fetches()[before:]; len(got) != 1 || again[3] != nil || again[0].ID != reqs[0].ID || again[2].ID != reqs[2].ID {
		t.Errorf("claimed again: FETCHes %q (want only UID 4's size and nothing back), requests %v", got, again)
	}

	// The pass decides and moves them all, the large one refused as too large.
	if err := f.watcher.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if i, p := f.count(t, "INBOX"), f.count(t, "Traites"); i != 0 || p != 4 {
		t.Errorf("INBOX %d, Traites %d; want 0, 4", i, p)
	}
}

// TestStopAfterChunkClaimed is the crash between a chunk's claims and their decisions: the pass
// stops after the first decision, the chunk's other messages stay claimed and undecided, the
// next chunk unclaimed; the next pass decides each exactly once.
func TestStopAfterChunkClaimed(t *testing.T) {
	f := newFixture(t)
	n := chunkMessages + 5
	f.appendMessages(t, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handled := map[int64]int{}
	f.watcher.OnHandled = func(o Outcome) {
		handled[o.RequestID]++
		cancel() // stop after the message in hand
	}
	if err := f.watcher.RunOnce(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunOnce: %v, want context.Canceled", err)
	}
	rs := f.claimed(t, n)
	decided := 0
	for i, r := range rs {
		if got, want := r != nil, i < chunkMessages; got != want {
			t.Fatalf("after the stop, message %d claimed: %v, want %v", i+1, got, want)
		}
		if r != nil && r.Target != "" {
			decided++
		}
	}
	if decided != 1 || len(handled) != 1 || f.count(t, "Traites") != 1 {
		t.Fatalf("after the stop: %d decided, %d handled, Traites %d; want 1, 1, 1", decided, len(handled), f.count(t, "Traites"))
	}

	f.watcher.OnHandled = func(o Outcome) { handled[o.RequestID]++ }
	if err := f.watcher.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(handled) != n {
		t.Errorf("%d requests decided, want %d", len(handled), n)
	}
	for id, k := range handled {
		if k != 1 {
			t.Errorf("request %d decided %d times", id, k)
		}
	}
	if i, p, o := f.count(t, "INBOX"), f.count(t, "Traites"), f.outboxSize(t); i != 0 || p != n || o != n {
		t.Errorf("INBOX %d, Traites %d, outbox %d; want 0, %d, %d", i, p, o, n, n)
	}
}
