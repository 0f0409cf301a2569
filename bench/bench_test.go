package bench

// The harness runs with one command, from the root of the module:
//
//	INTAKE_BENCH=1 go test -run TestBenchmarks -timeout 40m -v ./bench/
//
// and writes BENCHMARKS.md there. See doc.go.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/realserver"
)

// sizes are how much each measurement does.
type sizes struct {
	latencyRuns, latencyMessages int
	backlogRuns, backlogMessages int
	idleRuns                     int
	idleWindow, idleSettle       time.Duration
}

var (
	fullSizes  = sizes{latencyRuns: 3, latencyMessages: 200, backlogRuns: 3, backlogMessages: 5000, idleRuns: 3, idleWindow: 60 * time.Second, idleSettle: 5 * time.Second}
	quickSizes = sizes{latencyRuns: 1, latencyMessages: 20, backlogRuns: 1, backlogMessages: 300, idleRuns: 1, idleWindow: 10 * time.Second, idleSettle: 2 * time.Second}
)

// parseReserve is the time kept for the parsing measurement when deciding whether to profile the
// backlog.
const parseReserve = 5 * time.Minute

// disturbedLoad is the CPU other processes may take during a run (on average, in CPUs) before
// the run is left out of the figures and done again; latencyRetryLeft is the time that must be
// left to do a latency run again (the backlog and the parsing still to come).
const (
	disturbedLoad    = 0.25
	latencyRetryLeft = 20 * time.Minute
)

// good counts the runs that were not disturbed.
func good[R interface{ wasDisturbed() bool }](rs []R) int {
	n := 0
	for _, r := range rs {
		if !r.wasDisturbed() {
			n++
		}
	}
	return n
}

// undisturbed returns the runs that were not disturbed, or all of them if every one was.
func undisturbed[R interface{ wasDisturbed() bool }](rs []R) []R {
	var out []R
	for _, r := range rs {
		if !r.wasDisturbed() {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return rs
	}
	return out
}

func TestBenchmarks(t *testing.T) {
	mode := os.Getenv("INTAKE_BENCH")
	if mode == "" {
		t.Skip("set INTAKE_BENCH=1 to run the benchmarks (about 37 minutes; see bench/doc.go)")
	}
	// The servers are part of the measurement: their absence is a failure, not a skip.
	t.Setenv("INTAKE_REAL_SERVERS", "require")

	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{root: root, tmp: t.TempDir(), quick: mode == "quick"}
	sz := fullSizes
	if e.quick {
		sz = quickSizes
	}
	e.deadline = time.Now().Add(40 * time.Minute)
	if d, ok := t.Deadline(); ok {
		e.deadline = d
	}
	e.deadline = e.deadline.Add(-90 * time.Second) // to write the report
	if e.profDir, err = os.MkdirTemp("", "intake-bench-profiles-"); err != nil {
		t.Fatal(err)
	}
	t.Logf("profiles go to %s (kept)", e.profDir)

	out := filepath.Join(root, "BENCHMARKS.md")
	if e.quick {
		out = filepath.Join(os.TempDir(), "BENCHMARKS.quick.md")
	}
	if o := os.Getenv("INTAKE_BENCH_OUT"); o != "" {
		out = o
	}

	rep := &report{started: time.Now(), quick: e.quick, sizes: sz, profDir: e.profDir}
	rep.machine = machineInfo(e)
	if err := e.build(t); err != nil {
		t.Fatalf("build cmd/intaked: %v", err)
	}
	defer func() {
		rep.finished = time.Now()
		rep.analysis, _ = os.ReadFile(filepath.Join(root, "bench", "analysis.md"))
		if err := os.WriteFile(out, []byte(rep.markdown()), 0o644); err != nil {
			t.Errorf("write the report: %v", err)
			return
		}
		t.Logf("report written to %s", out)
	}()

	// 4. Idle footprint, first: nothing else runs yet. The runs with the default poll interval
	// run at once, each with its own servers (they only wait), then the one with 1 s.
	rep.idleErr = section(t, "idle", func(t *testing.T) error {
		type servers struct {
			d *realserver.DovecotServer
			m *realserver.MailpitServer
		}
		var srv []servers
		for range sz.idleRuns + 1 {
			srv = append(srv, servers{realserver.Dovecot(t), realserver.Mailpit(t)})
		}
		results := make([]*idleRun, sz.idleRuns)
		errs := make([]error, sz.idleRuns)
		var wg sync.WaitGroup
		for i := range sz.idleRuns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = measureIdle(t, e, srv[i].d, srv[i].m, fmt.Sprintf("idle%d", i), 5, "", sz.idleSettle, sz.idleWindow)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		last := srv[sz.idleRuns]
		r, err := measureIdle(t, e, last.d, last.m, "idle-1s", 5, "1s", sz.idleSettle, sz.idleWindow)
		if err != nil {
			return err
		}
		for i, r := range append(results, r) {
			t.Logf("idle run %d (poll %s): RSS median %.1f MB, CPU %v over %v, %d context switches",
				i+1, r.pollInterval, median(r.rssMB), r.cpu, r.window.Round(time.Second), r.switches)
			rep.idle = append(rep.idle, r)
		}
		return nil
	})

	// 1. Intake latency. A run during which other processes kept the machine busy is kept in
	// the report but left out of the figures, and done again while there is time.
	rep.latencyErr = section(t, "latency", func(t *testing.T) error {
		for attempt := 1; good(rep.latency) < sz.latencyRuns && attempt <= sz.latencyRuns+2; attempt++ {
			if attempt > sz.latencyRuns && e.left() < latencyRetryLeft {
				t.Logf("no time to repeat a disturbed latency run (%v left)", e.left().Round(time.Second))
				break
			}
			var r *latencyRun
			var err error
			ok := t.Run(fmt.Sprintf("run%d", attempt), func(t *testing.T) {
				r, err = measureLatency(t, e, attempt, sz.latencyMessages)
			})
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("run %d failed: see the test log", attempt)
			}
			r.disturbed = r.others > disturbedLoad
			t.Logf("latency run %d: p50 %.0f ms, p95 %.0f ms, max %.0f ms (%s), other processes %.2f CPU",
				attempt, median(r.total), quantile(r.total, 0.95), quantile(r.total, 1), r.watch, r.others)
			rep.latency = append(rep.latency, r)
		}
		return nil
	})

	// 2. Backlog: a first run, one of the baseline commit's daemon, and the profiled one, then
	// the parsing benchmarks, then more runs of the backlog while there is time, the current
	// binary's and the baseline's in turn: with a slow daemon, the first run and its profile
	// matter more than the repeats.
	var msgs []benchMessage
	backlogRun := func(t *testing.T, i int, baseline bool) error {
		var r *backlogRun
		var err error
		name, bin := fmt.Sprintf("run%d", i), e.bin
		if baseline {
			name, bin = fmt.Sprintf("baseline%d", i), e.baseBin
		}
		ok := t.Run(name, func(t *testing.T) {
			r, err = measureBacklog(t, e, bin, msgs, max(time.Minute, e.left()))
		})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if !ok {
			return fmt.Errorf("%s failed: see the test log", name)
		}
		r.disturbed = r.others > disturbedLoad
		t.Logf("backlog %s: %d messages in %v: %.1f msg/s, peak RSS %.1f MB, CPU %.2f ms a message, decide %v, send %v, chunks %.0f msg/s, other processes %.2f CPU",
			name, r.n, r.wall.Round(time.Millisecond), r.rate(), r.maxRSSMB, cpuPerMessage(r), r.decide.Round(time.Millisecond), r.send.Round(time.Millisecond), r.chunks, r.others)
		if baseline {
			rep.baseline = append(rep.baseline, r)
			rep.baseDropped = e.baseDropped
		} else {
			rep.backlog = append(rep.backlog, r)
		}
		return nil
	}
	// baselineRun runs the baseline's daemon on the backlog if there is one, and time; its
	// failure is reported, not fatal.
	baselineRun := func(t *testing.T, i int) {
		if e.baseBin == "" || good(rep.baseline) >= sz.backlogRuns {
			return
		}
		last := rep.backlog[len(rep.backlog)-1]
		if len(rep.baseline) > 0 {
			last = rep.baseline[len(rep.baseline)-1]
		}
		if need := last.wall*3/2 + last.appendTime + time.Minute; e.left() < need {
			rep.baselineShort = fmt.Sprintf("only %s: baseline run %d would have needed about %v, %v were left", runs(good(rep.baseline)), i, need.Round(time.Second), e.left().Round(time.Second))
			t.Log(rep.baselineShort)
			return
		}
		if err := backlogRun(t, i, true); err != nil {
			rep.baselineErr = err.Error()
			e.baseBin = "" // no more baseline runs
			t.Logf("baseline: %v", err)
		}
	}
	rep.backlogErr = section(t, "backlog", func(t *testing.T) error {
		start := time.Now()
		msgs = generate(sz.backlogMessages, backlogMessage)
		rep.backlogGen = time.Since(start)
		for _, m := range msgs {
			rep.backlogBytes += len(m.raw)
			if m.format == "csv" {
				rep.backlogCSV++
			}
		}
		t.Logf("%d backlog messages generated in %v", len(msgs), rep.backlogGen.Round(time.Millisecond))
		e.buildBaseline(t)
		rep.baseCommit, rep.baseBuilt = e.baseCommit, e.baseBuilt
		if e.baseErr != "" {
			rep.baselineErr = e.baseErr
			t.Log(e.baseErr)
		}
		if err := backlogRun(t, 1, false); err != nil {
			return err
		}
		baselineRun(t, 1)
		first := rep.backlog[0]
		reserve := parseReserve
		if !wanted("parse") {
			reserve = 0
		}
		if need := first.wall*3/2 + first.appendTime + time.Minute + reserve; e.left() < need {
			rep.backlogProfErr = fmt.Sprintf("not run: %v left, %v needed", e.left().Round(time.Second), need.Round(time.Second))
			return nil
		}
		var err error
		ok := t.Run("profile", func(t *testing.T) {
			rep.backlogProf, err = profileBacklog(t, e, msgs, first.decide/2, first.wall*3+time.Minute)
		})
		if err != nil {
			rep.backlogProfErr = err.Error()
			t.Logf("backlog profile: %v", err)
		} else if !ok {
			rep.backlogProfErr = "failed: see the test log"
		}
		return nil
	})

	// 3. Parsing.
	rep.parseErr = section(t, "parse", func(t *testing.T) error {
		var err error
		rep.parse, err = measureParse(t, e)
		return err
	})

	// The national directory of schools.
	rep.directoryErr = section(t, "directory", func(t *testing.T) error {
		var err error
		rep.directory, err = measureDirectory(t, e)
		return err
	})

	// The staff console's pages on a registry of the Métropole's size.
	rep.consoleErr = section(t, "console", func(t *testing.T) error {
		var err error
		rep.console, err = measureConsole(t, e)
		return err
	})

	// The costs on a ten-year store against one year of the Métropole.
	reserve := storeSizeReserve
	if e.quick {
		reserve /= 3
	}
	if wanted("storesize") && e.left() < reserve {
		rep.storeSizeErr = fmt.Sprintf("not run: %v left before the deadline, about %v needed", e.left().Round(time.Second), reserve)
		t.Log("storesize " + rep.storeSizeErr)
	} else {
		rep.storeSizeErr = section(t, "storesize", func(t *testing.T) error {
			var err error
			rep.storeSize, err = measureStoreSize(t, e)
			return err
		})
	}

	// 2, again: more runs of the backlog while there is time.
	if len(rep.backlog) > 0 {
		// Named apart from "backlog" so that the report and the logs tell the runs apart (a
		// second "backlog" subtest would be "backlog#01").
		err := section(t, "backlog-repeat", func(t *testing.T) error {
			for i := 2; i <= sz.backlogRuns+2; i++ {
				if good(rep.backlog) < sz.backlogRuns {
					last := rep.backlog[len(rep.backlog)-1]
					if need := last.wall*5/4 + last.appendTime + time.Minute; e.left() < need {
						rep.backlogShort = fmt.Sprintf("only %s: run %d would have needed about %v, %v were left", runs(good(rep.backlog)), i, need.Round(time.Second), e.left().Round(time.Second))
						t.Log(rep.backlogShort)
						return nil
					}
					if err := backlogRun(t, i, false); err != nil {
						return err
					}
				}
				baselineRun(t, i)
			}
			return nil
		})
		if err != "" && !strings.HasPrefix(err, "not run") {
			rep.backlogErr = err
		}
	}
}

// wanted reports whether a measurement is to run: all of them unless INTAKE_BENCH_ONLY names
// some.
func wanted(name string) bool {
	only := os.Getenv("INTAKE_BENCH_ONLY")
	if name == "backlog-repeat" {
		name = "backlog"
	}
	return only == "" || slices.Contains(strings.Split(only, ","), name)
}

// section runs a measurement as a subtest and returns what went wrong, for the report.
// INTAKE_BENCH_ONLY=latency,backlog runs only the measurements named (when working on the
// harness).
func section(t *testing.T, name string, f func(t *testing.T) error) string {
	if !wanted(name) {
		return "not run (INTAKE_BENCH_ONLY=" + os.Getenv("INTAKE_BENCH_ONLY") + ")"
	}
	var err error
	ok := t.Run(name, func(t *testing.T) {
		if err = f(t); err != nil {
			t.Error(err)
		}
	})
	switch {
	case err != nil:
		return err.Error()
	case !ok:
		return "failed: see the test log"
	}
	return ""
}
