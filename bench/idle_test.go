package bench

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/realserver"
)

// idleRun is one run of the idle footprint measurement.
type idleRun struct {
	pollInterval string
	window       time.Duration
	rssMB        []float64 // VmRSS sampled every second over the window
	hwmMB        float64   // VmHWM at the end of the window
	cpu          time.Duration
	switches     int64 // context switches of all threads over the window
	threads      int64
}

// measureIdle starts `intaked run`, has it handle warm messages (so that what it keeps after work
// is counted), lets it settle for settle, then watches it in IDLE for window: its resident memory
// every second, its CPU time (utime+stime) and the context switches of its threads (each one a
// wake-up).
func measureIdle(t *testing.T, e *env, d *realserver.DovecotServer, m *realserver.MailpitServer, tag string, warm int, pollInterval string, settle, window time.Duration) (*idleRun, error) {
	dir := t.TempDir()
	cfg, err := writeConfig(dir, d, m, pollInterval)
	if err != nil {
		return nil, err
	}
	if err := e.checkConfig(cfg); err != nil {
		return nil, err
	}
	p, err := startDaemon(t, e.bin, filepath.Join(dir, "intaked.log"), []string{"run", "--config", cfg})
	if err != nil {
		return nil, err
	}
	if err := p.waitLog("intaked started", 30*time.Second); err != nil {
		return nil, err
	}
	if warm > 0 {
		w := watchMailpit(m.APIURL)
		defer w.close()
		ic, err := dialIMAP(d)
		if err != nil {
			return nil, err
		}
		for i, msg := range generate(warm, func(i int) benchMessage { return latencyMessage(tag, i, 60_000+i*5) }) {
			if err := ic.append("INBOX", msg.raw, receivedDay); err != nil {
				ic.close()
				return nil, err
			}
			if _, err := w.waitFor(msg.replyTo, 60*time.Second); err != nil {
				ic.close()
				return nil, fmt.Errorf("warm message %d: %w\n%s", i, err, p.logTail())
			}
		}
		ic.close()
	}
	time.Sleep(settle)
	pid := p.pid()
	cpu0, err := procCPU(pid)
	if err != nil {
		return nil, err
	}
	sw0, err := procSwitches(pid)
	if err != nil {
		return nil, err
	}
	run := &idleRun{pollInterval: pollInterval, window: window}
	if run.pollInterval == "" {
		run.pollInterval = "5m (default)"
	}
	start := time.Now()
	for i := 1; time.Since(start) < window; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second)))
		if p.exited() {
			return nil, fmt.Errorf("intaked exited while idle: %v\n%s", p.err, p.logTail())
		}
		rss, err := procStatus(pid, "VmRSS")
		if err != nil {
			return nil, err
		}
		run.rssMB = append(run.rssMB, float64(rss)/1024)
	}
	cpu1, err := procCPU(pid)
	if err != nil {
		return nil, err
	}
	sw1, err := procSwitches(pid)
	if err != nil {
		return nil, err
	}
	run.window = time.Since(start)
	run.cpu, run.switches = cpu1-cpu0, sw1-sw0
	if hwm, err := procStatus(pid, "VmHWM"); err == nil {
		run.hwmMB = float64(hwm) / 1024
	}
	run.threads, _ = procStatus(pid, "Threads")
	if err := p.stop(30 * time.Second); err != nil {
		return nil, fmt.Errorf("stop intaked: %v\n%s", err, p.logTail())
	}
	return run, nil
}
