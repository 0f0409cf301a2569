package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/laclasse/intake/internal/memserver"
	"github.com/laclasse/intake/internal/realserver"
	"github.com/laclasse/intake/internal/samples"
)

// env is what every measurement shares.
type env struct {
	root    string // the module's root
	tmp     string // scratch space, removed at the end
	bin     string // cmd/intaked as built for production
	profBin string // the same with the pprof hook (testdata/pprof_hook.go); "" if it did not build
	profErr error
	profDir string // where the profiles are kept (not removed at the end)
	quick   bool
	// baseBin is the baseline commit's cmd/intaked (baseline_test.go), baseCommit its short
	// hash, baseBuilt how long it took to build; baseErr says why there is none.
	baseBin, baseCommit, baseErr string
	baseBuilt                    time.Duration
	baseDropped                  []string // the configuration's keys the baseline does not know
	// deadline is when the harness must have written its report: the test's deadline minus a
	// margin.
	deadline time.Time
}

// left is the time left before the deadline.
func (e *env) left() time.Duration { return time.Until(e.deadline) }

// moduleRoot finds the directory of go.mod above the working directory (the package's).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// goCmd runs the go command in the module's root, bounded by timeout, and returns its combined
// output.
func (e *env) goCmd(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = e.root
	cmd.Env = cleanEnv()
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("go %s: timed out after %v", strings.Join(args, " "), timeout)
	}
	if err != nil {
		return string(out), fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail(string(out), 4000))
	}
	return string(out), nil
}

// run runs a program built by the harness in dir, with the same clean environment as goCmd.
func (e *env) run(timeout time.Duration, dir, prog string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v", timeout)
	}
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", filepath.Base(prog), strings.Join(args, " "), err, tail(string(out), 4000))
	}
	return string(out), nil
}

// build builds cmd/intaked, and the profiling variant with the pprof hook added by -overlay
// (the tree is left alone).
func (e *env) build(t *testing.T) error {
	e.bin = filepath.Join(e.tmp, "intaked")
	if _, err := e.goCmd(5*time.Minute, "build", "-o", e.bin, "./cmd/intaked"); err != nil {
		return err
	}
	overlay := map[string]map[string]string{"Replace": {
		filepath.Join(e.root, "cmd", "intaked", "zz_bench_pprof_hook.go"): filepath.Join(e.root, "bench", "testdata", "pprof_hook.go"),
	}}
	b, _ := json.Marshal(overlay)
	ovPath := filepath.Join(e.tmp, "overlay.json")
	if err := os.WriteFile(ovPath, b, 0o644); err != nil {
		return err
	}
	prof := filepath.Join(e.tmp, "intaked-pprof")
	if _, err := e.goCmd(5*time.Minute, "build", "-overlay", ovPath, "-o", prof, "./cmd/intaked"); err != nil {
		e.profErr = err
		t.Logf("the profiling build failed; profiles will be missing: %v", err)
	} else {
		e.profBin = prof
	}
	return nil
}

// cleanEnv is the environment without the variables that change how a Go program runs, so that
// the daemon runs with its own defaults (it sets a soft memory limit unless GOMEMLIMIT is set).
func cleanEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOMEMLIMIT", "GOGC", "GODEBUG", "GOMAXPROCS", "GOFLAGS":
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// ---------------------------------------------------------------------------------------------
// The daemon as a subprocess.

// proc is a running intaked.
type proc struct {
	cmd     *exec.Cmd
	logPath string
	started time.Time
	done    chan struct{}
	ended   time.Time
	err     error // from Wait
}

// startDaemon runs bin with args, its output going to logPath. The process is killed if the test
// binary dies, and stopped when the test ends.
func startDaemon(t testing.TB, bin, logPath string, args []string, extraEnv ...string) (*proc, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv(extraEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &proc{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	// Pdeathsig follows the thread that forked: keep it alive while the daemon runs.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		p.started = time.Now()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		p.ended = time.Now()
		logFile.Close()
		close(p.done)
	}()
	if err := <-started; err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	t.Cleanup(func() { p.stop(15 * time.Second) })
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the process to exit on its own, killing it after timeout.
func (p *proc) wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("did not exit within %v: killed", timeout)
	}
}

// stop sends SIGTERM and waits, killing the process after timeout.
func (p *proc) stop(timeout time.Duration) error {
	if p.exited() {
		return p.err
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	return p.wait(timeout)
}

// rusage is the process's resource usage, once it has exited.
func (p *proc) rusage() *syscall.Rusage {
	if p.cmd.ProcessState == nil {
		return nil
	}
	ru, _ := p.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return ru
}

// logTail returns the end of the daemon's log, for error messages.
func (p *proc) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	return tail(string(b), 3000)
}

// waitLog waits until the daemon's log has a line with msg, or the process exits.
func (p *proc) waitLog(msg string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(p.logPath)
		if strings.Contains(string(b), msg) {
			return nil
		}
		if p.exited() {
			return fmt.Errorf("intaked exited (%v) before logging %q:\n%s", p.err, msg, p.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("intaked did not log %q within %v:\n%s", msg, timeout, p.logTail())
}

// waitCount waits until the daemon's log has n lines with msg.
func (p *proc) waitCount(msg string, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	needle := []byte(`"msg":` + strconv.Quote(msg))
	for {
		b, _ := os.ReadFile(p.logPath)
		got := bytes.Count(b, needle)
		if got >= n {
			return nil
		}
		if p.exited() {
			return fmt.Errorf("intaked exited (%v) after %d %q lines, want %d", p.err, got, msg, n)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d %q lines after %v, want %d", got, msg, timeout, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// logLine is one line of the daemon's JSON log.
type logLine struct {
	Time      time.Time `json:"time"`
	Level     string    `json:"level"`
	Msg       string    `json:"msg"`
	MessageID string    `json:"message_id"`
	To        []string  `json:"to"`
	Outcome   string    `json:"outcome"`
}

// readLog parses the daemon's JSON log; lines that are not JSON are skipped.
func readLog(path string) ([]logLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []logLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg != "" {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// ---------------------------------------------------------------------------------------------
// /proc.

// procStatus returns a field of /proc/PID/status in kB (VmRSS, VmHWM) or as a count (Threads,
// voluntary_ctxt_switches).
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && k == field {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100 on every Linux
// architecture Go supports.
const clockTick = 100

// procCPU returns the process's user+system CPU time from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, errors.New("short /proc/PID/stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed utime/stime in /proc/PID/stat")
	}
	return time.Duration(ut+st) * time.Second / clockTick, nil
}

// procTreeCPU returns the CPU time, user and system, of the processes whose command line holds
// match and of their children, counting the children they have reaped (cutime, cstime): the work
// of a server and of the processes it starts.
func procTreeCPU(match string) (time.Duration, int) {
	entries, _ := os.ReadDir("/proc")
	type pinfo struct {
		ppid  int
		ticks int64
		match bool
	}
	procs := map[int]pinfo{}
	for _, en := range entries {
		pid, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 15 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		var ticks int64
		for _, k := range []int{11, 12, 13, 14} { // utime, stime, cutime, cstime
			v, _ := strconv.ParseInt(f[k], 10, 64)
			ticks += v
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		procs[pid] = pinfo{ppid: ppid, ticks: ticks, match: strings.Contains(string(cmdline), match)}
	}
	var total int64
	n := 0
	for _, p := range procs {
		if p.match || procs[p.ppid].match {
			total += p.ticks
			n++
		}
	}
	return time.Duration(total) * time.Second / clockTick, n
}

// machineCPU returns the busy and total time of all CPUs, from /proc/stat.
func machineCPU() (busy, total time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	var all, idle int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i >= 8 { // guest time is already in user
			break
		}
		all += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	return time.Duration(all-idle) * time.Second / clockTick, time.Duration(all) * time.Second / clockTick
}

// procCPUAll returns the CPU time of a process and of the children it has waited for.
func procCPUAll(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 15 {
		return 0
	}
	var ticks int64
	for _, k := range []int{11, 12, 13, 14} {
		v, _ := strconv.ParseInt(f[k], 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * time.Second / clockTick
}

// cpuSnap is a snapshot of where the machine's CPU time went, to tell how much of it other
// processes took during a measurement: the machine is shared.
type cpuSnap struct {
	at   time.Time
	busy time.Duration // all CPUs, /proc/stat
	ours time.Duration // the harness, the children it has waited for, and what ours() said
}

func snap(ours func() time.Duration) cpuSnap {
	busy, _ := machineCPU()
	s := cpuSnap{at: time.Now(), busy: busy, ours: procCPUAll(os.Getpid())}
	if ours != nil {
		s.ours += ours()
	}
	return s
}

// others returns how many CPUs, on average, processes other than ours kept busy from a to b.
func others(a, b cpuSnap) float64 {
	d := b.at.Sub(a.at).Seconds()
	if d <= 0 {
		return 0
	}
	return max(0, ((b.busy-a.busy)-(b.ours-a.ours)).Seconds()/d)
}

// waitQuiet waits, up to limit, for a second during which other processes keep less than a fifth
// of a CPU busy. It returns how long it waited and the load last seen (CPUs).
func waitQuiet(limit time.Duration) (time.Duration, float64) {
	start := time.Now()
	for {
		a := snap(nil)
		time.Sleep(time.Second)
		load := others(a, snap(nil))
		if load < 0.2 || time.Since(start) >= limit {
			return time.Since(start), load
		}
	}
}

// procSwitches sums the context switches of every thread of the process: each is a wake-up.
func procSwitches(pid int) (int64, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, err
	}
	var total int64
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, task.Name()))
		if err != nil {
			continue // the thread ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && (k == "voluntary_ctxt_switches" || k == "nonvoluntary_ctxt_switches") {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				total += n
			}
		}
	}
	return total, nil
}

// ---------------------------------------------------------------------------------------------
// Configuration.

// writeConfig writes a configuration for the servers and the sample communes, after
// cmd/intaked/e2e_test.go, with a JSON log the harness reads. pollInterval "" keeps the default.
func writeConfig(dir string, d *realserver.DovecotServer, m *realserver.MailpitServer, pollInterval string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "[imap]\naddress = %q\ntls = \"none\"\nusername = %q\npassword = %q\nprocessed_mailbox = \"Traites\"\nrejected_mailbox = \"Rejetes\"\ncommand_timeout = \"30s\"\n",
		d.Addr, d.Username, d.Password)
	if pollInterval != "" {
		fmt.Fprintf(&b, "poll_interval = %q\n", pollInterval)
	}
	fmt.Fprintf(&b, "[smtp]\naddress = %q\ntls = \"none\"\nfrom = %q\n", m.SMTPAddr, samples.Mailbox)
	b.WriteString("max_replies_per_address_per_day = 0\n") // a backlog of thousands from a few addresses
	fmt.Fprintf(&b, "[store]\npath = %q\n", filepath.Join(dir, "intake.db"))
	b.WriteString("[metropole]\nsummary_to = [\"ent@grandlyon.example\"]\n")
	b.WriteString("[http]\naddress = \"\"\n")
	b.WriteString("[log]\nformat = \"json\"\nlevel = \"info\"\n")
	b.WriteString(samples.CommunesTOML())
	path := filepath.Join(dir, "intaked.toml")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// checkConfig runs `intaked check-config`, so that a configuration the daemon refuses is
// reported as such.
func (e *env) checkConfig(path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, e.bin, "check-config", "--config", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("intaked check-config: %v\n%s", err, out)
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// IMAP: the harness's own connections, which report errors instead of failing the test from
// another goroutine.

type imapConn struct {
	conn net.Conn
	c    *imapclient.Client
}

func dialIMAP(d *realserver.DovecotServer) (*imapConn, error) {
	conn, err := net.DialTimeout("tcp", d.Addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	c := imapclient.New(conn, nil)
	if err := c.Login(d.Username, d.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("IMAP login: %w", err)
	}
	return &imapConn{conn: conn, c: c}, nil
}

func (ic *imapConn) close() {
	ic.conn.SetDeadline(time.Now().Add(5 * time.Second))
	_ = ic.c.Logout().Wait()
	ic.c.Close()
}

// append puts raw into the mailbox with the internal date given.
func (ic *imapConn) append(mailbox string, raw []byte, date time.Time) error {
	ic.conn.SetDeadline(time.Now().Add(30 * time.Second))
	return memserver.Append(ic.c, mailbox, raw, date)
}

// count returns the number of messages in mailbox (STATUS), 0 if it does not exist.
func (ic *imapConn) count(mailbox string) (int, error) {
	ic.conn.SetDeadline(time.Now().Add(30 * time.Second))
	boxes, err := ic.c.List("", mailbox, nil).Collect()
	if err != nil {
		return 0, err
	}
	if len(boxes) == 0 {
		return 0, nil
	}
	st, err := ic.c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return 0, err
	}
	if st.NumMessages == nil {
		return 0, errors.New("STATUS without MESSAGES")
	}
	return int(*st.NumMessages), nil
}

func countMessages(d *realserver.DovecotServer, mailbox string) (int, error) {
	ic, err := dialIMAP(d)
	if err != nil {
		return 0, err
	}
	defer ic.close()
	return ic.count(mailbox)
}

// probe is a second client idling on INBOX, which notes when the server tells it of a new
// message: what the daemon, idling the same way, cannot beat.
type probe struct {
	conn net.Conn
	c    *imapclient.Client
	idle *imapclient.IdleCommand
	news chan time.Time
}

func idleProbe(d *realserver.DovecotServer) (*probe, error) {
	conn, err := net.DialTimeout("tcp", d.Addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	pr := &probe{conn: conn, news: make(chan time.Time, 1024)}
	pr.c = imapclient.New(conn, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				select {
				case pr.news <- time.Now():
				default:
				}
			}
		},
	}})
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err := pr.c.Login(d.Username, d.Password).Wait(); err != nil {
		pr.c.Close()
		return nil, fmt.Errorf("IMAP login: %w", err)
	}
	if _, err := pr.c.Select("INBOX", nil).Wait(); err != nil {
		pr.c.Close()
		return nil, fmt.Errorf("SELECT INBOX: %w", err)
	}
	if pr.idle, err = pr.c.Idle(); err != nil {
		pr.c.Close()
		return nil, fmt.Errorf("IDLE: %w", err)
	}
	conn.SetDeadline(time.Time{})
	return pr, nil
}

// drain forgets the news so far.
func (pr *probe) drain() {
	for {
		select {
		case <-pr.news:
		default:
			return
		}
	}
}

// first returns the first news at or after t0, waiting up to 5 seconds for it.
func (pr *probe) first(t0 time.Time) (time.Time, bool) {
	timeout := time.After(5 * time.Second)
	for {
		select {
		case at := <-pr.news:
			if !at.Before(t0) {
				return at, true
			}
		case <-timeout:
			return time.Time{}, false
		}
	}
}

func (pr *probe) close() {
	pr.conn.SetDeadline(time.Now().Add(5 * time.Second))
	_ = pr.idle.Close()
	_ = pr.idle.Wait()
	_ = pr.c.Logout().Wait()
	pr.c.Close()
}

// appendAll appends every message to INBOX over several connections at once, each message with
// the internal date dates(i).
func appendAll(d *realserver.DovecotServer, raws [][]byte, dates func(int) time.Time, workers int) error {
	next := make(chan int)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ic, err := dialIMAP(d)
			if err != nil {
				errc <- err
				for range next {
				}
				return
			}
			defer ic.close()
			for i := range next {
				if err := ic.append("INBOX", raws[i], dates(i)); err != nil {
					errc <- fmt.Errorf("message %d: %w", i, err)
					for range next {
					}
					return
				}
			}
		}()
	}
	for i := range raws {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errc)
	return <-errc
}

// ---------------------------------------------------------------------------------------------
// Statistics.

// quantile returns the q-quantile of xs (linear interpolation between closest ranks).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (pos-float64(lo))*(s[lo+1]-s[lo])
}

func median(xs []float64) float64 { return quantile(xs, 0.5) }

func minMax(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// spread formats a median, with its unit, and its min–max over repeated runs.
func spread(xs []float64, format, unit string) string {
	if len(xs) == 0 {
		return "–"
	}
	m := fmt.Sprintf(format, median(xs)) + unit
	if len(xs) == 1 {
		return m + " (1 run)"
	}
	lo, hi := minMax(xs)
	return fmt.Sprintf("%s (%s–%s, %s)", m, fmt.Sprintf(format, lo), fmt.Sprintf(format, hi), runs(len(xs)))
}
