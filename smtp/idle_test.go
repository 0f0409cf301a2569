package smtp

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/memserver"
	"github.com/laclasse/intake/sqlite"
)

// cutter passes TCP connections to an SMTP server and can cut them all, as a server that drops
// its idle connections (or a network that loses them) does.
type cutter struct {
	Addr  string
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool // client side, while open
}

func startCutter(t *testing.T, backend string) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutter{Addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.Cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c] = true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(b, c); b.Close() }()
			go func() {
				_, _ = io.Copy(c, b)
				c.Close()
				p.mu.Lock()
				delete(p.conns, c)
				p.mu.Unlock()
			}()
		}
	}()
	return p
}

// Cut closes every connection open now.
func (p *cutter) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// Open returns how many connections are open, waiting a little for closes under way to land.
func (p *cutter) Open(want int) int {
	deadline := time.Now().Add(2 * time.Second)
	for {
		p.mu.Lock()
		n := len(p.conns)
		p.mu.Unlock()
		if n == want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cutOutbox starts an SMTP server behind a cutter and an outbox sending to it through the
// cutter, from a store whose clock stands at cutNow.
func cutOutbox(t *testing.T) (*memserver.SMTP, *cutter, *sqlite.DB, *Outbox) {
	t.Helper()
	srv := startSMTP(t)
	proxy := startCutter(t, srv.Addr)
	now := cutNow
	store := outboxStore(t, &now)
	return srv, proxy, store, &Outbox{Queue: store, Server: Server{Address: proxy.Addr, TLS: "none"}, Now: func() time.Time { return now }}
}

var cutNow = time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)

// enqueueOne queues mail i, to ci@givors.fr.
func enqueueOne(t *testing.T, store *sqlite.DB, i int) {
	t.Helper()
	data := []byte(fmt.Sprintf("Subject: %d\r\n\r\nbody %d\r\n", i, i))
	if err := store.Enqueue(context.Background(), convention.OutgoingMail{Kind: "reply", From: "p@laclasse.example", To: []string{fmt.Sprintf("c%d@givors.fr", i)}, Data: data}); err != nil {
		t.Fatal(err)
	}
}

// TestOutboxKeepsConnectionAcrossFlushes: the daemon flushes after each message it decides; one
// connection carries the mails of successive flushes (up to maxPerConnection), each mail is
// recorded sent by its own flush, and Close closes the connection left open.
func TestOutboxKeepsConnectionAcrossFlushes(t *testing.T) {
	ctx := context.Background()
	srv, proxy, store, o := cutOutbox(t)
	const mails = 45
	for i := range mails {
		enqueueOne(t, store, i)
		if n, err := o.Flush(ctx); err != nil || n != 1 {
			t.Fatalf("flush %d: sent %d, %v; want 1", i, n, err)
		}
		if due, err := store.DueOutgoing(ctx, cutNow, 10); err != nil || len(due) != 0 {
			t.Fatalf("after flush %d: %d mails still due, %v", i, len(due), err)
		}
		if got := len(srv.Mails()); got != i+1 {
			t.Fatalf("after flush %d: the server took %d mails", i, got)
		}
	}
	if got, want := srv.Sessions(), (mails+maxPerConnection-1)/maxPerConnection; got != want {
		t.Errorf("%d mails in %d flushes took %d connections, want %d", mails, mails, got, want)
	}
	if n := proxy.Open(1); n != 1 {
		t.Errorf("%d connections open after the flushes, want 1 kept for the next", n)
	}
	// A flush with nothing to send keeps it too.
	if n, err := o.Flush(ctx); err != nil || n != 0 {
		t.Fatalf("empty flush: sent %d, %v", n, err)
	}
	if n := proxy.Open(1); n != 1 {
		t.Errorf("%d connections open after an empty flush, want 1", n)
	}
	o.Close()
	if n := proxy.Open(0); n != 0 {
		t.Errorf("%d connections open after Close", n)
	}
	for i, m := range srv.Mails() {
		if want := fmt.Sprintf("c%d@givors.fr", i); len(m.To) != 1 || m.To[0] != want {
			t.Errorf("mail %d to %v, want %s (in order, once)", i, m.To, want)
		}
	}
}

// TestOutboxReconnectsAfterDrop: a connection kept open that the server dropped meanwhile costs
// a new connection, not a failure: the mail goes in the same flush, once, with no retry recorded
// and the outbox not paused.
func TestOutboxReconnectsAfterDrop(t *testing.T) {
	ctx := context.Background()
	srv, proxy, store, o := cutOutbox(t)
	defer o.Close()
	for i := range 3 {
		enqueueOne(t, store, i)
		if i > 0 {
			proxy.Cut()
			if n := proxy.Open(0); n != 0 {
				t.Fatalf("%d connections left after the cut", n)
			}
		}
		if n, err := o.Flush(ctx); err != nil || n != 1 {
			t.Fatalf("flush %d: sent %d, %v; want 1", i, n, err)
		}
	}
	if got := len(srv.Mails()); got != 3 {
		t.Errorf("the server took %d mails, want 3", got)
	}
	if got := srv.Sessions(); got != 3 {
		t.Errorf("%d connections, want 3 (one per cut)", got)
	}
	if st, err := store.Outbox(ctx); err != nil || st.Waiting != 0 || st.Failed != 0 {
		t.Errorf("outbox stats: %+v, %v; want nothing waiting nor failed", st, err)
	}
	if !o.pausedUntil.IsZero() {
		t.Errorf("paused until %v by a dropped connection", o.pausedUntil)
	}
}

// TestOutboxIdleConnectionCloses: the connection left open is closed maxIdle after its last
// mail, and the next flush opens a new one; a change of server opens one to the new server.
func TestOutboxIdleConnectionCloses(t *testing.T) {
	ctx := context.Background()
	srv, proxy, store, o := cutOutbox(t)
	defer o.Close()
	enqueueOne(t, store, 0)
	if n, err := o.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("flush: sent %d, %v", n, err)
	}
	if n := proxy.Open(1); n != 1 {
		t.Fatalf("%d connections open after the flush, want 1", n)
	}
	// Make the connection's last mail look maxIdle old but 100 ms: a flush with nothing to send
	// leaves it open (it carried no mail), and it closes 100 ms later.
	o.idleMu.Lock()
	o.idle.lastUsed = time.Now().Add(-maxIdle + 100*time.Millisecond)
	o.idleMu.Unlock()
	if _, err := o.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := proxy.Open(0); n != 0 {
		t.Errorf("%d connections open %v after the last mail, want 0", n, maxIdle)
	}
	enqueueOne(t, store, 1)
	if n, err := o.Flush(ctx); err != nil || n != 1 || srv.Sessions() != 2 {
		t.Fatalf("flush after the close: sent %d, %v, %d connections; want 1 mail on a second connection", n, err, srv.Sessions())
	}
	// The configuration names another server: the connection to the first is not used.
	other, err := memserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	o.Server.Address = other.Addr
	enqueueOne(t, store, 2)
	if n, err := o.Flush(ctx); err != nil || n != 1 || len(other.Mails()) != 1 || len(srv.Mails()) != 2 {
		t.Fatalf("after a change of server: sent %d, %v; the new server took %d, the old one %d", n, err, len(other.Mails()), len(srv.Mails()))
	}
	if n := proxy.Open(0); n != 0 {
		t.Errorf("%d connections to the old server left open", n)
	}
}

// countingQueue counts the reads of the outbox.
type countingQueue struct {
	Queue
	reads int
}

func (q *countingQueue) DueOutgoing(ctx context.Context, now time.Time, limit int) ([]convention.OutgoingMail, error) {
	q.reads++
	return q.Queue.DueOutgoing(ctx, now, limit)
}

// TestFlushReadsQueueOnce: a flush reads the queue once when it holds less than a batch (the
// daemon flushes after each message: a second, empty read would cost a query per message), and
// batch after batch when it holds more, until every mail due went.
func TestFlushReadsQueueOnce(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t)
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	store := outboxStore(t, &now)
	q := &countingQueue{Queue: store}
	o := &Outbox{Queue: q, Server: Server{Address: srv.Addr, TLS: "none"}, Now: func() time.Time { return now }}
	defer o.Close()
	for _, tc := range []struct{ mails, reads int }{{0, 1}, {3, 1}, {outboxBatch, 2}, {2*outboxBatch + 20, 3}} {
		for i := range tc.mails {
			enqueueOne(t, store, i)
		}
		q.reads = 0
		if n, err := o.Flush(ctx); err != nil || n != tc.mails {
			t.Fatalf("%d mails: sent %d, %v", tc.mails, n, err)
		}
		if q.reads != tc.reads {
			t.Errorf("%d mails: %d reads of the queue, want %d", tc.mails, q.reads, tc.reads)
		}
		if due, err := store.DueOutgoing(ctx, cutNow, 10); err != nil || len(due) != 0 {
			t.Errorf("%d mails: %d left due, %v", tc.mails, len(due), err)
		}
	}
}

// startSMTP starts an in-process SMTP server, closed when t ends.
func startSMTP(t *testing.T) *memserver.SMTP {
	t.Helper()
	srv, err := memserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}
