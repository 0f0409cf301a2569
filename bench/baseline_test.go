package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The backlog's CPU per message against a baseline commit, in the same run (issue 17 §2: halve
// it): the machine's speed varies from day to day, so a figure measured another day cannot be
// compared. INTAKE_BENCH_BASELINE=<commit> names the baseline (defaultBaseline unless set;
// "none" turns it off); the harness builds that commit's cmd/intaked from `git archive` in a
// temporary directory and runs the same backlog with it, its runs alternating with the current
// binary's.

// defaultBaseline is the commit the 4.5 ms per message was measured on.
const defaultBaseline = "c601369"

// targetCPURatio is issue 17 §2's target: the current daemon's CPU per message at most half the
// baseline's.
const targetCPURatio = 0.5

// buildBaseline builds the baseline's cmd/intaked into e.baseBin, or says in e.baseErr why not.
func (e *env) buildBaseline(t *testing.T) {
	commit := os.Getenv("INTAKE_BENCH_BASELINE")
	if commit == "" {
		commit = defaultBaseline
	}
	if commit == "none" {
		e.baseErr = "not run (INTAKE_BENCH_BASELINE=none)"
		return
	}
	start := time.Now()
	full, err := e.git(time.Minute, "rev-parse", "--verify", "--quiet", commit+"^{commit}")
	if err != nil {
		e.baseErr = fmt.Sprintf("no baseline: commit %s not found (git rev-parse: %v)", commit, oneLine(err.Error()))
		return
	}
	full = strings.TrimSpace(full)
	src := filepath.Join(e.tmp, "baseline-src")
	defer os.RemoveAll(src)
	tarball := filepath.Join(e.tmp, "baseline.tar")
	defer os.Remove(tarball)
	if err := os.MkdirAll(src, 0o755); err != nil {
		e.baseErr = err.Error()
		return
	}
	if _, err := e.git(2*time.Minute, "archive", "--format=tar", "-o", tarball, full); err != nil {
		e.baseErr = fmt.Sprintf("no baseline: git archive %s: %v", commit, oneLine(err.Error()))
		return
	}
	if _, err := e.run(2*time.Minute, src, "tar", "-xf", tarball); err != nil {
		e.baseErr = fmt.Sprintf("no baseline: unpack %s: %v", commit, oneLine(err.Error()))
		return
	}
	bin := filepath.Join(e.tmp, "intaked-baseline")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/intaked")
	cmd.Dir, cmd.Env = src, cleanEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		e.baseErr = fmt.Sprintf("no baseline: go build of %s: %v: %s", commit, err, oneLine(tail(string(out), 500)))
		return
	}
	e.baseBin, e.baseCommit = bin, full[:min(7, len(full))]
	e.baseBuilt = time.Since(start)
	t.Logf("baseline %s built in %v", e.baseCommit, e.baseBuilt.Round(time.Second))
}

// git runs git in the module's root.
func (e *env) git(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = e.root
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return string(out), nil
}

// checkConfigFor checks the configuration at path with bin's check-config. A binary older than
// the harness may refuse keys the harness writes: those it calls unknown are taken out of the
// file, and it is checked again.
func (e *env) checkConfigFor(bin, path string) error {
	if bin == e.bin {
		return e.checkConfig(path)
	}
	out, err := exec.Command(bin, "check-config", "--config", path).CombinedOutput()
	if err == nil {
		return nil
	}
	keys := unknownKeys(string(out))
	if len(keys) == 0 {
		return fmt.Errorf("%s check-config: %v\n%s", filepath.Base(bin), err, out)
	}
	b, rerr := os.ReadFile(path)
	if rerr != nil {
		return rerr
	}
	if werr := os.WriteFile(path, []byte(dropKeys(string(b), keys)), 0o600); werr != nil {
		return werr
	}
	if out, err := exec.Command(bin, "check-config", "--config", path).CombinedOutput(); err != nil {
		return fmt.Errorf("%s check-config, without %s: %v\n%s", filepath.Base(bin), strings.Join(keys, ", "), err, out)
	}
	e.baseDropped = keys
	return nil
}

// unknownKeyLine is how check-config names a key it does not know: "  smtp.max_replies…: unknown key".
var unknownKeyLine = regexp.MustCompile(`(?m)^\s*([A-Za-z0-9_.]+): unknown key\s*$`)

// unknownKeys returns the keys check-config's output calls unknown, as "section.key".
func unknownKeys(out string) []string {
	var keys []string
	for _, m := range unknownKeyLine.FindAllStringSubmatch(out, -1) {
		keys = append(keys, m[1])
	}
	return keys
}

// dropKeys removes from a TOML configuration the lines that set the keys named "section.key"
// (a key of the top level is named alone); a table array's key is named by the array.
func dropKeys(toml string, keys []string) string {
	drop := map[string]bool{}
	for _, k := range keys {
		drop[k] = true
	}
	section := ""
	var out []string
	for _, line := range strings.SplitAfter(toml, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "[") {
			section = strings.Trim(trimmed, "[] ")
			if drop[section] {
				section = "\x00" + section // every key of a table dropped whole
			}
		}
		if strings.HasPrefix(section, "\x00") {
			continue
		}
		if k, _, ok := strings.Cut(trimmed, "="); ok && !strings.HasPrefix(trimmed, "#") && !strings.HasPrefix(trimmed, "[") {
			name := strings.TrimSpace(k)
			if section != "" {
				name = section + "." + name
			}
			if drop[name] {
				continue
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "")
}

// cpuPerMessage is the daemon's CPU, user + system, per message of a backlog run (ms).
func cpuPerMessage(r *backlogRun) float64 {
	if r.n == 0 {
		return 0
	}
	return ms(r.user+r.sys) / float64(r.n)
}

// cpuPerMessages returns the CPU per message of the runs not disturbed (of all, if every one was).
func cpuPerMessages(rs []*backlogRun) []float64 {
	var out []float64
	for _, r := range undisturbed(rs) {
		out = append(out, cpuPerMessage(r))
	}
	return out
}

// cpuRatio is the current daemon's median CPU per message over the baseline's; false when one
// of them has no run.
func cpuRatio(current, baseline []*backlogRun) (float64, bool) {
	c, b := median(cpuPerMessages(current)), median(cpuPerMessages(baseline))
	if c <= 0 || b <= 0 {
		return 0, false
	}
	return c / b, true
}

// baselineParagraph says how the current daemon's CPU per message compares with the baseline's.
func (r *report) baselineParagraph(b *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	ratio, ok := cpuRatio(r.backlog, r.baseline)
	if !ok {
		msg := r.baselineErr
		if msg == "" {
			msg = "no run"
		}
		p("Daemon CPU per message against a baseline commit: not measured: %s.\n\n", codeBlock(msg))
		return
	}
	p("Daemon CPU per message (user + sys over the messages), against the baseline, commit %s (`INTAKE_BENCH_BASELINE`, built from `git archive` in %s) on the same backlog, its runs in turn with the current binary's: ", r.baseCommit, dur(r.baseBuilt))
	p("**%s** against %s, a ratio of **%.2f×** (issue 17 §2's target: ≤ %.1f×, %s).", spread(cpuPerMessages(r.backlog), "%.2f", " ms"), spread(cpuPerMessages(r.baseline), "%.2f", " ms"), ratio, targetCPURatio, map[bool]string{true: "met", false: "not met"}[ratio <= targetCPURatio])
	if len(r.baseDropped) > 0 {
		p(" Its configuration is the current one without `%s`, which that commit's `check-config` refuses as unknown.", strings.Join(r.baseDropped, "`, `"))
	}
	if r.baselineErr != "" {
		p(" A baseline run failed: %s.", oneLine(r.baselineErr))
	}
	if r.baselineShort != "" {
		p(" Fewer baseline runs than the %d asked: %s.", r.sizes.backlogRuns, r.baselineShort)
	}
	p("\n\n")
}
