package intake

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

// tapProxy forwards TCP connections to the server and tells the watcher's two connections
// apart by their first command after LOGIN: the idle connection examines the mailbox, the work
// connection lists the folders. It can cut the connections of one role and refuse new ones, and
// it can hide IDLE from the client, as a server without it would.
type tapProxy struct {
	ln     net.Listener
	target string
	noIdle bool // strip IDLE and IMAP4rev2 from the server's capabilities

	mu      sync.Mutex
	opened  map[string]int // connections opened per role ("" until the role is known)
	blocked map[string]bool
	conns   map[net.Conn]string // client side → role
}

func startTapProxy(t *testing.T, target string, noIdle bool) *tapProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tapProxy{ln: ln, target: target, noIdle: noIdle, opened: map[string]int{}, blocked: map[string]bool{}, conns: map[net.Conn]string{}}
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	go acceptEach(ln, p.forward)
	return p
}

func (p *tapProxy) forward(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c] = ""
	p.opened[""]++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
		c.Close()
		s.Close()
	}()
	go func() { // server → client
		defer c.Close()
		r := bufio.NewReader(s)
		for {
			line, err := r.ReadString('\n')
			if p.noIdle && strings.Contains(line, "CAPABILITY") {
				line = strings.NewReplacer(" IDLE", "", " IMAP4rev2", "").Replace(line)
			}
			if _, werr := io.WriteString(c, line); werr != nil || err != nil {
				return
			}
		}
	}()
	r := bufio.NewReader(c) // client → server
	for {
		line, err := r.ReadString('\n')
		if role := commandRole(line); role != "" && p.classify(c, role) {
			return // blocked: cut as soon as it is known
		}
		if _, werr := io.WriteString(s, line); werr != nil || err != nil {
			return
		}
	}
}

// commandRole is the role a connection that sends this command line has, if it tells.
func commandRole(line string) string {
	f := strings.Fields(line)
	if len(f) < 2 {
		return ""
	}
	switch strings.ToUpper(f[1]) {
	case "EXAMINE":
		return roleIdle
	case "LIST", "SELECT":
		return roleWork
	}
	return ""
}

// classify records the role of connection c the first time it is known, and reports whether
// that role is blocked.
func (p *tapProxy) classify(c net.Conn, role string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[c] == "" {
		p.conns[c] = role
		p.opened[""]--
		p.opened[role]++
	}
	return p.blocked[role]
}

// block cuts every connection of role and the new ones as soon as their role shows; unblock
// lets them through again.
func (p *tapProxy) block(role string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked[role] = true
	for c, r := range p.conns {
		if r == role {
			c.Close()
		}
	}
}

func (p *tapProxy) unblock(role string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked[role] = false
}

// count returns how many connections of role were opened so far.
func (p *tapProxy) count(role string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.opened[role]
}

// running is a watcher started by startWatcher, with what it logs and decides.
type running struct {
	f       *fixture
	logs    *logBuffer
	handled chan string // Message-IDs, as they are decided
	passes  chan struct{}

	mu   sync.Mutex
	hook func(Outcome) // called with each decision, before handled hears of it
}

// onHandled sets the hook.
func (r *running) onHandled(f func(Outcome)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hook = f
}

// startWatcher runs the fixture's watcher through addr (a proxy, or the server itself) with the
// given poll interval, until the test ends.
func startWatcher(t *testing.T, f *fixture, addr string, poll time.Duration) *running {
	t.Helper()
	saved := reconnectPolicy
	reconnectPolicy.Base, reconnectPolicy.Max = 50*time.Millisecond, 200*time.Millisecond
	t.Cleanup(func() { reconnectPolicy = saved })
	r := &running{f: f, logs: &logBuffer{}, handled: make(chan string, 64), passes: make(chan struct{}, 64)}
	w := f.watcher
	w.Config.Address, w.Config.PollInterval, w.Config.CommandTimeout = addr, poll, 5*time.Second
	w.Logger = slog.New(slog.NewTextHandler(r.logs, nil))
	w.OnHandled = func(o Outcome) {
		r.mu.Lock()
		hook := r.hook
		r.mu.Unlock()
		if hook != nil {
			hook(o)
		}
		r.handled <- o.MessageID
	}
	w.AfterPass = func(context.Context) {
		select {
		case r.passes <- struct{}{}:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("the watcher did not stop within 15 s")
		}
	})
	return r
}

// message is a commune's message with its own Message-ID.
func message(i int) samples.Message {
	return samples.Message{
		From: "Secrétariat <secretariat@mairie-givors.fr>", To: samples.Mailbox, Subject: fmt.Sprintf("Écoles %d", i),
		MessageID: fmt.Sprintf("conn-%d@mairie-givors.fr", i), Date: now,
		Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV(samples.Rows(300+i, 1))}},
	}
}

// waitHandled waits for message i to be decided.
func (r *running) waitHandled(t *testing.T, i int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case id := <-r.handled:
			if strings.Trim(id, "<>") == message(i).MessageID {
				return
			}
		case <-deadline:
			t.Fatalf("message %d not handled within %v:\n%s", i, within, r.logs.String())
		}
	}
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool, logs *logBuffer) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v:\n%s", what, within, logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitLog waits until the watcher's log holds text, failing t (on what) when it does not within.
func (r *running) waitLog(t *testing.T, what string, within time.Duration, text string) {
	t.Helper()
	waitFor(t, what, within, func() bool { return strings.Contains(r.logs.String(), text) }, r.logs)
}

// idling reports whether exactly one session is in IDLE on the server.
func (r *running) idling() bool {
	_, n := r.f.imap.Idles()
	return n == 1
}

// ready waits for the first pass and the idle connection in IDLE.
func (r *running) ready(t *testing.T) {
	t.Helper()
	select {
	case <-r.passes:
	case <-time.After(10 * time.Second):
		t.Fatalf("no pass:\n%s", r.logs.String())
	}
	waitFor(t, "one connection in IDLE", 10*time.Second, r.idling, r.logs)
}

// TestIdleDuringPass: the idle connection stays in IDLE while the work connection passes over
// the mailbox, and a message that arrives during a pass is handled at once, not at the next
// poll (a minute here). Over the whole test the server sees one IDLE command.
func TestIdleDuringPass(t *testing.T) {
	f := newFixture(t)
	r := startWatcher(t, f, f.imap.Addr, time.Minute)
	r.ready(t)

	inPass := make(chan int, 1)
	r.onHandled(func(o Outcome) {
		if strings.Trim(o.MessageID, "<>") == message(1).MessageID {
			_, n := f.imap.Idles()
			inPass <- n
			if err := f.imap.Append("INBOX", message(2).Raw(), now); err != nil {
				t.Error(err)
			}
		}
	})
	if err := f.imap.Append("INBOX", message(1).Raw(), now); err != nil {
		t.Fatal(err)
	}
	r.waitHandled(t, 1, 10*time.Second)
	if n := <-inPass; n != 1 {
		t.Errorf("%d connections in IDLE while a message was decided, want 1", n)
	}
	start := time.Now()
	r.waitHandled(t, 2, 10*time.Second)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the message appended during a pass took %v, want well under the poll interval", took)
	}
	waitFor(t, "INBOX empty", 5*time.Second, func() bool { return f.count(t, "INBOX") == 0 }, r.logs)
	if started, _ := f.imap.Idles(); started != 1 {
		t.Errorf("the server saw %d IDLE commands, want 1: the idle connection left IDLE", started)
	}
}

// TestIdleConnectionDropsAlone: when the idle connection is cut and cannot come back for a
// while, the work connection goes on (it polls meanwhile) and is never reconnected; the idle
// connection comes back on its own.
func TestIdleConnectionDropsAlone(t *testing.T) {
	f := newFixture(t)
	p := startTapProxy(t, f.imap.Addr, false)
	r := startWatcher(t, f, p.ln.Addr().String(), time.Second)
	r.ready(t)

	p.block(roleIdle)
	r.waitLog(t, "the idle connection lost", 5*time.Second, `reconnecting" connection=idle`)
	if err := f.imap.Append("INBOX", message(1).Raw(), now); err != nil {
		t.Fatal(err)
	}
	r.waitHandled(t, 1, 10*time.Second) // by the poll
	if _, n := f.imap.Idles(); n != 0 {
		t.Errorf("%d connections in IDLE while the idle one was cut", n)
	}

	p.unblock(roleIdle)
	waitFor(t, "the idle connection back in IDLE", 10*time.Second, r.idling, r.logs)
	r.waitLog(t, "\"reconnected\" for the idle connection", 5*time.Second, "msg=reconnected mailbox=INBOX connection=idle")
	if err := f.imap.Append("INBOX", message(2).Raw(), now); err != nil {
		t.Fatal(err)
	}
	r.waitHandled(t, 2, 10*time.Second)
	if n := p.count(roleWork); n != 1 {
		t.Errorf("the work connection was opened %d times, want once", n)
	}
	if n := p.count(roleIdle); n < 2 {
		t.Errorf("the idle connection was opened %d times, want a reconnection", n)
	}
	if strings.Contains(r.logs.String(), "connection=work") {
		t.Errorf("the work connection was lost:\n%s", r.logs.String())
	}
}

// TestWorkConnectionDropsAlone: when the work connection is cut and cannot come back for a
// while, the idle connection stays in IDLE; what arrives meanwhile is handled as soon as the
// work connection is back, and what arrives after is heard by the same idle connection (the
// poll interval is a minute).
func TestWorkConnectionDropsAlone(t *testing.T) {
	f := newFixture(t)
	p := startTapProxy(t, f.imap.Addr, false)
	r := startWatcher(t, f, p.ln.Addr().String(), time.Minute)
	r.ready(t)

	p.block(roleWork)
	r.waitLog(t, "the work connection lost", 5*time.Second, `reconnecting" connection=work`)
	if err := f.imap.Append("INBOX", message(1).Raw(), now); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // several failed attempts of the work connection
	if !r.idling() {
		t.Error("the idle connection left IDLE when the work connection was cut")
	}
	if f.count(t, "INBOX") != 1 {
		t.Fatal("a message was handled without the work connection")
	}

	p.unblock(roleWork)
	r.waitHandled(t, 1, 10*time.Second)
	r.waitLog(t, "\"reconnected\" for the work connection", 5*time.Second, "msg=reconnected mailbox=INBOX connection=work")
	start := time.Now()
	if err := f.imap.Append("INBOX", message(2).Raw(), now); err != nil {
		t.Fatal(err)
	}
	r.waitHandled(t, 2, 10*time.Second)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("message 2 took %v, want the idle connection's news, not the poll", took)
	}
	if n := p.count(roleIdle); n != 1 {
		t.Errorf("the idle connection was opened %d times, want once", n)
	}
	if started, _ := f.imap.Idles(); started != 1 {
		t.Errorf("the server saw %d IDLE commands, want 1", started)
	}
	if n := p.count(roleWork); n < 2 {
		t.Errorf("the work connection was opened %d times, want a reconnection", n)
	}
	if strings.Contains(r.logs.String(), "connection=idle") {
		t.Errorf("the idle connection was lost:\n%s", r.logs.String())
	}
}

// TestPollWithoutIdle: a server without IDLE gets the work connection alone, which searches the
// mailbox every poll interval; the idle connection gives up once, without reconnecting.
func TestPollWithoutIdle(t *testing.T) {
	f := newFixture(t)
	p := startTapProxy(t, f.imap.Addr, true)
	r := startWatcher(t, f, p.ln.Addr().String(), time.Second)
	select {
	case <-r.passes:
	case <-time.After(10 * time.Second):
		t.Fatalf("no pass:\n%s", r.logs.String())
	}
	r.waitLog(t, "the idle connection gives up", 5*time.Second, "does not offer IDLE")
	if err := f.imap.Append("INBOX", message(1).Raw(), now); err != nil {
		t.Fatal(err)
	}
	r.waitHandled(t, 1, 10*time.Second)
	time.Sleep(1500 * time.Millisecond) // another poll
	if started, _ := f.imap.Idles(); started != 0 {
		t.Errorf("the server saw %d IDLE commands, want none", started)
	}
	if n := p.count(roleIdle); n != 0 {
		t.Errorf("%d connections examined the mailbox, want none", n)
	}
	if n := p.count(""); n != 1 {
		t.Errorf("%d connections besides the work one, want the one that found no IDLE", n)
	}
	if n := p.count(roleWork); n != 1 {
		t.Errorf("the work connection was opened %d times, want once", n)
	}
	if strings.Contains(r.logs.String(), "connection lost") {
		t.Errorf("a connection was lost:\n%s", r.logs.String())
	}
}
