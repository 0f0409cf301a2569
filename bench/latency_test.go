package bench

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/realserver"
)

// latencyRun is one run of the intake latency measurement, on fresh servers and a fresh store.
type latencyRun struct {
	// total is from the start of the APPEND to the reply's arrival at Mailpit, per message (ms).
	total []float64
	// appendMs is how long the APPEND itself took; handled is from the start of the APPEND to the
	// daemon's "message handled" log line (claim and decision committed), sent from there to its
	// "mail sent" line (the outbox handed the reply to SMTP), and delivered from there to Mailpit's
	// event (ms).
	appendMs, handled, sent, delivered []float64
	// exists is from the start of the APPEND to the EXISTS a second client, idling on INBOX,
	// receives: Dovecot's own notification delay, which the daemon waits for too (ms).
	exists []float64
	// afterExists is from that EXISTS to the reply's arrival at Mailpit, for each message the
	// second client heard of (ms): what the daemon adds to the floor.
	afterExists []float64
	watch       string // how arrivals were seen: websocket or polling
	rssMB       float64
	// others is how many CPUs other processes kept busy during the run, after waiting quietWait
	// for the machine to be quiet.
	others    float64
	quietWait time.Duration
	disturbed bool // others > disturbedLoad: left out of the figures
}

func (r *latencyRun) wasDisturbed() bool { return r.disturbed }

// measureLatency starts `intaked run` on fresh servers, lets it settle in IDLE, then appends n
// messages one at a time, at times that do not depend on the daemon: each 600 to 900 ms after
// the one before, and at least 20 ms after the reply to it arrived. Were each APPEND made a
// fixed pause after the reply, it would come at the same point of Dovecot's 500 ms notification
// cycle for the daemon, which restarts that cycle with its own MOVE, and at random points for
// the second idle client: the two would not be measured alike.
func measureLatency(t *testing.T, e *env, round, n int) (*latencyRun, error) {
	warm := generate(3, func(i int) benchMessage { return latencyMessage(fmt.Sprintf("warm%d", round), i, 50_000+i*5) })
	msgs := generate(n, func(i int) benchMessage { return latencyMessage(fmt.Sprintf("lat%d", round), i, 1_000+i*5) })

	d := realserver.Dovecot(t)
	m := realserver.Mailpit(t)
	dir := t.TempDir()
	// The default poll interval, as in production: the daemon hears of each message through its
	// idle connection only, as the second idle client does. With a poll every second its work
	// connection's own SELECT found about a third of them before any notification, and moved
	// them before the second client was told: Dovecot never tells a session of a message added
	// and expunged between two of its syncs, so that client's EXISTS p50 was taken over another
	// set of messages than the replies' p50.
	cfg, err := writeConfig(dir, d, m, "")
	if err != nil {
		return nil, err
	}
	if err := e.checkConfig(cfg); err != nil {
		return nil, err
	}
	w := watchMailpit(m.APIURL)
	defer w.close()
	p, err := startDaemon(t, e.bin, filepath.Join(dir, "intaked.log"), []string{"run", "--config", cfg})
	if err != nil {
		return nil, err
	}
	if err := p.waitLog("intaked started", 30*time.Second); err != nil {
		return nil, err
	}
	ic, err := dialIMAP(d)
	if err != nil {
		return nil, err
	}
	defer ic.close()
	probe, err := idleProbe(d)
	if err != nil {
		return nil, err
	}
	defer probe.close()

	// Warm up: the first messages pay for the first SMTP connection, the first queries, the
	// first spreadsheet read.
	for _, msg := range warm {
		if err := ic.append("INBOX", msg.raw, receivedDay); err != nil {
			return nil, err
		}
		if _, err := w.waitFor(msg.replyTo, 60*time.Second); err != nil {
			return nil, fmt.Errorf("warm-up: %w\n%s", err, p.logTail())
		}
	}
	run := &latencyRun{watch: w.mode}
	run.quietWait, _ = waitQuiet(time.Minute)
	w.drain()
	ours := func() time.Duration {
		c, _ := procCPU(p.pid())
		dc, _ := procTreeCPU(d.Dir)
		mc, _ := procTreeCPU(m.SMTPAddr)
		return c + dc + mc
	}
	before := snap(ours)
	rng := rand.New(rand.NewPCG(uint64(round), 42))
	starts := map[string]time.Time{} // by Message-ID
	arrived := map[string]time.Time{}
	next := time.Now()
	for i, msg := range msgs {
		next = next.Add(time.Duration(600+rng.IntN(301)) * time.Millisecond)
		if soonest := time.Now().Add(20 * time.Millisecond); next.Before(soonest) {
			next = soonest
		}
		time.Sleep(time.Until(next))
		if p.exited() {
			return nil, fmt.Errorf("intaked exited after %d messages: %v\n%s", i, p.err, p.logTail())
		}
		probe.drain()
		t0 := time.Now()
		if err := ic.append("INBOX", msg.raw, receivedDay); err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		run.appendMs = append(run.appendMs, ms(time.Since(t0)))
		at, err := w.waitFor(msg.replyTo, 60*time.Second)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w\n%s", i, err, p.logTail())
		}
		run.total = append(run.total, ms(at.Sub(t0)))
		if ex, ok := probe.first(t0); ok {
			run.exists = append(run.exists, ms(ex.Sub(t0)))
			run.afterExists = append(run.afterExists, ms(at.Sub(ex)))
		}
		id := fmt.Sprintf("lat%d-%03d@bench.intake.example", round, i)
		starts[id], arrived[msg.replyTo] = t0, at
	}
	run.others = others(before, snap(ours))
	if rss, err := procStatus(p.pid(), "VmRSS"); err == nil {
		run.rssMB = float64(rss) / 1024
	}
	if err := p.stop(30 * time.Second); err != nil {
		return nil, fmt.Errorf("stop intaked: %v\n%s", err, p.logTail())
	}

	// Where the time goes, from the daemon's log.
	lines, err := readLog(p.logPath)
	if err != nil {
		return nil, err
	}
	handledAt := map[string]time.Time{} // by reply address
	replyOf := map[string]string{}      // Message-ID → reply address
	for i, msg := range msgs {
		replyOf[fmt.Sprintf("lat%d-%03d@bench.intake.example", round, i)] = msg.replyTo
	}
	for _, l := range lines {
		switch l.Msg {
		case "message handled":
			id := strings.Trim(l.MessageID, "<>")
			if addr, ok := replyOf[id]; ok {
				handledAt[addr] = l.Time
				if t0, ok := starts[id]; ok {
					run.handled = append(run.handled, ms(l.Time.Sub(t0)))
				}
			}
		case "mail sent":
			for _, to := range l.To {
				if h, ok := handledAt[to]; ok {
					run.sent = append(run.sent, ms(l.Time.Sub(h)))
					if a, ok := arrived[to]; ok {
						run.delivered = append(run.delivered, ms(a.Sub(l.Time)))
					}
				}
			}
		}
	}
	return run, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
