// Package realserver starts the real servers the integration tests run
// against: Dovecot for IMAP and Mailpit for SMTP.
//
// Each call starts a fresh, private server on free loopback ports, with its
// own directory, and stops it when the test ends. A server whose binary is not
// installed makes the test skip, or fail when INTAKE_REAL_SERVERS=require (as
// in CI, see .ci/test).
package realserver

import (
	"bufio"
	"errors"
	"fmt"
	"go/build"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Required reports whether INTAKE_REAL_SERVERS=require; then a missing
// binary fails the test instead of skipping it.
func Required() bool {
	return os.Getenv("INTAKE_REAL_SERVERS") == "require"
}

// findBinary returns the path of the named program, looked up in PATH and
// then in the extra locations given, or skips (or fails) the test.
func findBinary(t testing.TB, name string, extra ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range extra {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	msg := fmt.Sprintf("realserver: %s is not installed (see .ci/test)", name)
	if Required() {
		t.Fatal(msg + "; INTAKE_REAL_SERVERS=require")
	}
	t.Skip(msg)
	return ""
}

// goBinDirs returns where `go install` puts programs: GOBIN, else
// GOPATH/bin, as the go command reports them (or their defaults without it).
func goBinDirs() []string {
	var dirs []string
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		if len(lines) == 2 {
			if lines[0] != "" {
				dirs = append(dirs, lines[0])
			}
			for _, p := range filepath.SplitList(lines[1]) {
				dirs = append(dirs, filepath.Join(p, "bin"))
			}
		}
	}
	for _, p := range filepath.SplitList(build.Default.GOPATH) {
		dirs = append(dirs, filepath.Join(p, "bin"))
	}
	return dirs
}

// freePort returns a loopback TCP address that was free a moment ago. Callers
// retry with another one if a server still fails to bind it.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("realserver: pick a free port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// process is a server started in the foreground as a child of the test.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	err  error         // the exit status, set before done is closed
}

// startProcess starts a server with stdin from /dev/null and stdout and stderr
// appended to outPath. Handing it a file rather than a pipe means no goroutine
// waits on a stream that the server (or its children) keep open.
func startProcess(outPath, name string, args ...string) (*process, error) {
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer out.Close() // the child has its own copy
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	killWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to timeout for the process to exit, then kills it. It reports
// whether the process exited by itself.
func (p *process) wait(timeout time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		p.cmd.Process.Kill()
		<-p.done
		return false
	}
}

// waitGreeting waits until addr accepts connections and sends a first line
// that starts with prefix, or fails if the process exits or timeout passes.
func waitGreeting(p *process, addr, prefix string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("exited before answering on %s: %v", addr, p.err)
		}
		last = readGreeting(addr, prefix)
		if last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no greeting on %s after %v: %v", addr, timeout, last)
}

func readGreeting(addr, prefix string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, prefix) {
		return errors.New("unexpected greeting " + strings.TrimSpace(line))
	}
	return nil
}

// logFiles logs the contents of the given files, for a failed test.
func logFiles(t testing.TB, paths ...string) {
	t.Helper()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		t.Logf("realserver: ---- %s ----\n%s", p, b)
	}
}
