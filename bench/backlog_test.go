package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/realserver"
)

// backlogRun is one cold start of `intaked run --once` on a full INBOX.
type backlogRun struct {
	n          int
	appendTime time.Duration // to put the n messages in INBOX (not part of the figure)
	wall       time.Duration // process start to exit
	// maxRSSMB is the daemon's VmHWM, read every 50 ms until it exits. Not ru_maxrss: for a
	// child started by os/exec (vfork), Linux counts in it the parent's RSS at the exec.
	maxRSSMB  float64
	user, sys time.Duration
	// From the daemon's log: the first to the last "message handled", and the first to the last
	// "mail sent" (--once decides every message, then sends the outbox).
	decide, send  time.Duration
	handled, sent int
	inbox         int // messages left in INBOX
	// The CPU time of Dovecot (its master and its processes) and of Mailpit over the run, and how
	// busy the machine's CPUs were (0 to 1).
	dovecotCPU, mailpitCPU time.Duration
	machineBusy            float64
	// others is how many CPUs other processes kept busy during the run, after waiting quietWait
	// for the machine to be quiet.
	others    float64
	quietWait time.Duration
	disturbed bool // others > disturbedLoad: left out of the figures
	// chunks are the decision rates of successive chunks of chunkSize messages (msg/s), and
	// chunkRSS the daemon's RSS when each chunk was done (MB): how the work slows and the memory
	// grows as the store fills.
	chunks, chunkRSS []float64
	chunkSize        int
	// peakSampled is the highest RSS sampled every 200 ms (MB), and peakPhase when it was seen.
	peakSampled float64
	peakPhase   string
}

func (r *backlogRun) wasDisturbed() bool { return r.disturbed }

func (r *backlogRun) rate() float64 { return float64(r.n) / r.wall.Seconds() }

// appendBacklog starts a fresh Dovecot and puts msgs in its INBOX over 6 connections at once
// (Dovecot allows 10 per user and address).
func appendBacklog(t *testing.T, msgs []benchMessage) (*realserver.DovecotServer, time.Duration, error) {
	d := realserver.Dovecot(t)
	raws := make([][]byte, len(msgs))
	for i, m := range msgs {
		raws[i] = m.raw
	}
	start := time.Now()
	if err := appendAll(d, raws, func(i int) time.Time { return receivedDay.Add(time.Duration(i) * time.Second) }, 6); err != nil {
		return nil, 0, err
	}
	took := time.Since(start)
	n, err := countMessages(d, "INBOX")
	if err != nil {
		return nil, 0, err
	}
	if n != len(msgs) {
		return nil, 0, fmt.Errorf("INBOX holds %d messages after appending %d", n, len(msgs))
	}
	return d, took, nil
}

// backlogSetup appends msgs to a fresh Dovecot's INBOX (timed), starts a Mailpit and writes,
// and checks with bin, the daemon's configuration in a directory of its own.
func backlogSetup(t *testing.T, e *env, bin string, msgs []benchMessage) (d *realserver.DovecotServer, m *realserver.MailpitServer, dir, cfg string, appendTime time.Duration, err error) {
	if d, appendTime, err = appendBacklog(t, msgs); err != nil {
		return
	}
	m = realserver.Mailpit(t)
	dir = t.TempDir()
	if cfg, err = writeConfig(dir, d, m, ""); err != nil {
		return
	}
	err = e.checkConfigFor(bin, cfg)
	return
}

// measureBacklog runs bin's `intaked run --once` on a fresh store with msgs waiting in INBOX.
func measureBacklog(t *testing.T, e *env, bin string, msgs []benchMessage, timeout time.Duration) (*backlogRun, error) {
	d, m, dir, cfg, appendTime, err := backlogSetup(t, e, bin, msgs)
	if err != nil {
		return nil, err
	}
	quietWait, _ := waitQuiet(time.Minute)
	servers := func() time.Duration {
		dc, _ := procTreeCPU(d.Dir)
		mc, _ := procTreeCPU(m.SMTPAddr)
		return dc + mc
	}
	before := snap(servers)
	dovecot0, _ := procTreeCPU(d.Dir)
	mailpit0, _ := procTreeCPU(m.SMTPAddr)
	busy0, total0 := machineCPU()
	p, err := startDaemon(t, bin, filepath.Join(dir, "intaked.log"), []string{"run", "--once", "--config", cfg})
	if err != nil {
		return nil, err
	}
	type sample struct {
		at  time.Time
		rss float64
	}
	var samples []sample
	var hwmMB float64
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for i := 0; !p.exited(); i++ {
			if hwm, err := procStatus(p.pid(), "VmHWM"); err == nil {
				hwmMB = float64(hwm) / 1024
			}
			if rss, err := procStatus(p.pid(), "VmRSS"); err == nil && i%4 == 0 {
				samples = append(samples, sample{time.Now(), float64(rss) / 1024})
			}
			select {
			case <-p.done:
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	err = p.wait(timeout)
	<-sampled
	if err != nil {
		return nil, fmt.Errorf("intaked run --once: %v\n%s", err, p.logTail())
	}
	busy1, total1 := machineCPU()
	dovecot1, _ := procTreeCPU(d.Dir)
	mailpit1, _ := procTreeCPU(m.SMTPAddr)
	r := &backlogRun{n: len(msgs), appendTime: appendTime, wall: p.ended.Sub(p.started),
		dovecotCPU: dovecot1 - dovecot0, mailpitCPU: mailpit1 - mailpit0,
		others: others(before, snap(servers)), quietWait: quietWait}
	if total1 > total0 {
		r.machineBusy = float64(busy1-busy0) / float64(total1-total0)
	}
	r.maxRSSMB = hwmMB
	if ru := p.rusage(); ru != nil {
		r.user = time.Duration(ru.Utime.Nano())
		r.sys = time.Duration(ru.Stime.Nano())
	}
	lines, err := readLog(p.logPath)
	if err != nil {
		return nil, err
	}
	var firstH, lastH, firstS, lastS, chunkStart time.Time
	r.chunkSize = max(1, len(msgs)/5)
	for _, l := range lines {
		switch l.Msg {
		case "message handled":
			r.handled++
			if firstH.IsZero() {
				firstH, chunkStart = l.Time, p.started
			}
			lastH = l.Time
			if r.handled%r.chunkSize == 0 {
				r.chunks = append(r.chunks, float64(r.chunkSize)/l.Time.Sub(chunkStart).Seconds())
				chunkStart = l.Time
				rss := 0.0
				for _, s := range samples {
					if s.at.After(l.Time) {
						break
					}
					rss = s.rss
				}
				r.chunkRSS = append(r.chunkRSS, rss)
			}
		case "mail sent":
			r.sent++
			if firstS.IsZero() {
				firstS = l.Time
			}
			lastS = l.Time
		}
	}
	r.decide, r.send = lastH.Sub(firstH), lastS.Sub(firstS)
	var peakAt time.Time
	for _, s := range samples {
		if s.rss > r.peakSampled {
			r.peakSampled, peakAt = s.rss, s.at
		}
	}
	switch {
	case peakAt.IsZero():
	case peakAt.Before(firstH):
		r.peakPhase = "before the first decision"
	case !peakAt.After(lastH):
		r.peakPhase = fmt.Sprintf("while deciding, %.0f%% through", 100*peakAt.Sub(firstH).Seconds()/lastH.Sub(firstH).Seconds())
	case firstS.IsZero() || peakAt.Before(firstS):
		r.peakPhase = "between the last decision and the first mail sent"
	case !peakAt.After(lastS):
		r.peakPhase = fmt.Sprintf("while sending, %.0f%% through", 100*peakAt.Sub(firstS).Seconds()/lastS.Sub(firstS).Seconds())
	default:
		r.peakPhase = "after the last mail sent"
	}
	// Mailpit keeps its latest 500 messages only: the daemon's log tells what it sent.
	if r.inbox, err = countMessages(d, "INBOX"); err != nil {
		return nil, err
	}
	if r.handled != r.n || r.sent != r.n || r.inbox != 0 {
		return r, fmt.Errorf("backlog of %d: %d handled, %d replies sent, %d left in INBOX\n%s", r.n, r.handled, r.sent, r.inbox, p.logTail())
	}
	return r, nil
}

// backlogProfile is the profiled run of the backlog.
type backlogProfile struct {
	cpuTop, cpuCum, allocTop, inuseTop string // go tool pprof -top
	// syncTop, syscallTop and schedTop are where the goroutine that walks the mailbox waited,
	// from an execution trace of traceWindow taken while the daemon was deciding (go tool trace
	// -pprof). It never waits on the network itself: the IMAP client's reader does.
	syncTop, syscallTop, schedTop string
	traceWindow                   time.Duration
	traceErr                      string
	dir                           string // where the profiles are
	wall                          time.Duration
}

// profileBacklog runs the profiling build (testdata/pprof_hook.go, added by the overlay) as the
// daemon, `intaked run`, on the same backlog. Its CPU profile runs from its start until the last
// reply is sent; an execution trace is taken for a few seconds from traceAt, while it decides;
// then a heap profile. timeout bounds the whole run.
func profileBacklog(t *testing.T, e *env, msgs []benchMessage, traceAt, timeout time.Duration) (*backlogProfile, error) {
	if e.profBin == "" {
		return nil, fmt.Errorf("no profiling build: %v", e.profErr)
	}
	_, _, dir, cfg, _, err := backlogSetup(t, e, e.bin, msgs)
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	profDir := e.profDir
	cpuPath := filepath.Join(profDir, "backlog-cpu.pprof")
	p, err := startDaemon(t, e.profBin, filepath.Join(dir, "intaked.log"), []string{"run", "--config", cfg},
		"INTAKE_BENCH_PPROF="+addr, "INTAKE_BENCH_CPUPROFILE="+cpuPath)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	base := "http://" + addr
	if err := waitHTTP(base+"/debug/pprof/", 10*time.Second); err != nil {
		return nil, err
	}

	// An execution trace of a few seconds while the daemon decides: where it waits.
	traceWindow := 5 * time.Second
	tracePath := filepath.Join(profDir, "backlog-trace.out")
	traceErr := make(chan error, 1)
	go func() {
		time.Sleep(time.Until(start.Add(traceAt)))
		traceErr <- fetch(fmt.Sprintf("%s/debug/pprof/trace?seconds=%d", base, int(traceWindow.Seconds())), tracePath, traceWindow+time.Minute)
	}()
	if err := p.waitCount("mail sent", len(msgs), timeout); err != nil {
		return nil, fmt.Errorf("profiled run: %v\n%s", err, p.logTail())
	}
	prof := &backlogProfile{dir: profDir, wall: time.Since(start), traceWindow: traceWindow}
	if err := fetch(base+"/bench/cpuprofile/stop", filepath.Join(profDir, "stop.txt"), time.Minute); err != nil {
		return nil, fmt.Errorf("stop the CPU profile: %w", err)
	}
	heapPath := filepath.Join(profDir, "backlog-heap.pprof")
	if err := fetch(base+"/debug/pprof/heap", heapPath, time.Minute); err != nil {
		return nil, fmt.Errorf("heap profile: %w", err)
	}
	if err := <-traceErr; err != nil {
		prof.traceErr = err.Error()
	}
	if err := p.stop(30 * time.Second); err != nil {
		return nil, fmt.Errorf("stop intaked: %v\n%s", err, p.logTail())
	}
	if prof.cpuTop, err = e.pprofTop(e.profBin, cpuPath, "-nodecount=25"); err != nil {
		return nil, err
	}
	if prof.cpuCum, err = e.pprofTop(e.profBin, cpuPath, "-cum", "-nodecount=45"); err != nil {
		return nil, err
	}
	if prof.allocTop, err = e.pprofTop(e.profBin, heapPath, "-sample_index=alloc_space", "-nodecount=20"); err != nil {
		return nil, err
	}
	if prof.inuseTop, err = e.pprofTop(e.profBin, heapPath, "-sample_index=inuse_space", "-nodecount=15"); err != nil {
		return nil, err
	}
	if prof.traceErr != "" {
		return prof, nil
	}
	// Only the goroutine that walks the mailbox: the others mostly wait for work.
	for _, kind := range []struct {
		name string
		top  *string
	}{{"sync", &prof.syncTop}, {"syscall", &prof.syscallTop}, {"sched", &prof.schedTop}} {
		pp := filepath.Join(profDir, "backlog-trace-"+kind.name+".pprof")
		if err := e.traceProfile(kind.name, tracePath, pp); err != nil {
			*kind.top = "no profile: " + err.Error()
			continue
		}
		if *kind.top, err = e.pprofTop(e.profBin, pp, "-cum", `-focus=intake\.\(\*session\)\.pass`, "-nodecount=25"); err != nil {
			*kind.top = "no profile: " + err.Error()
		}
	}
	return prof, nil
}

// traceProfile writes the pprof profile of one kind of waiting from an execution trace.
func (e *env) traceProfile(kind, trace, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "tool", "trace", "-pprof="+kind, trace)
	cmd.Dir = e.root
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go tool trace -pprof=%s: %v\n%s", kind, err, stderr.String())
	}
	return nil
}

// pprofTop runs `go tool pprof -top` on a profile.
func (e *env) pprofTop(bin, profile string, flags ...string) (string, error) {
	args := append([]string{"tool", "pprof", "-top"}, flags...)
	args = append(args, bin, profile)
	return e.goCmd(2*time.Minute, args...)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitHTTP waits until url answers 200.
func waitHTTP(url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s: %s", url, resp.Status)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fetch saves what url answers to path.
func fetch(url, path string, timeout time.Duration) error {
	client := &http.Client{Timeout: timeout}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s: %s", url, resp.Status, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
