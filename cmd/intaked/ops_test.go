package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The daemon as operators run it: exit codes, check-config, the files it writes, reloads and
// /healthz.

// runMain runs intaked with args as main does and returns its exit status and what it wrote to
// stderr (its log included).
func runMain(t *testing.T, ctx context.Context, args ...string) (int, string) {
	t.Helper()
	var out, errOut syncBuffer
	m := &Main{Stdout: &out, Stderr: &errOut, Now: time.Now}
	err := m.Run(ctx, args)
	return exitCode(err, m), errOut.String()
}

// editConfig rewrites the configuration at path with each pair of old, new strings replaced.
func editConfig(t *testing.T, path string, oldNew ...string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for i := 0; i < len(oldNew); i += 2 {
		if !strings.Contains(text, oldNew[i]) {
			t.Fatalf("the configuration has no %q:\n%s", oldNew[i], text)
		}
		text = strings.Replace(text, oldNew[i], oldNew[i+1], 1)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestConfigProblemsExit2: every configuration problem exits 2, through run and check-config,
// names its key, and never shows a secret.
func TestConfigProblemsExit2(t *testing.T) {
	const secret = "Hunter2"
	s := memServers(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name string
		// edit changes a valid configuration at path; it returns the path to give intaked.
		edit func(t *testing.T, path string) string
		cmds [][]string // beside check-config
		want []string   // in stderr
	}{
		{"TOMLSyntaxWithSecret", func(t *testing.T, path string) string {
			editConfig(t, path, `password = "secret"`, "password = "+secret)
			return path
		}, [][]string{{"run"}, {"run", "--once"}, {"status"}}, []string{"imap.password", "line 5", "column"}},
		{"Unreadable", func(t *testing.T, path string) string {
			return filepath.Join(filepath.Dir(path), "nonexistent.toml")
		}, [][]string{{"run"}, {"schools"}}, []string{"read the configuration", "nonexistent.toml"}},
		{"Directory", func(t *testing.T, path string) string {
			return filepath.Dir(path)
		}, [][]string{{"run"}}, []string{"read the configuration"}},
		{"BadDurationWithOthers", func(t *testing.T, path string) string {
			editConfig(t, path, `command_timeout = "30s"`, "command_timeout = \"30s\"\npoll_interval = \"5 minutes\"", `tls = "none"`, `tls = "ssl"`)
			return path
		}, [][]string{{"run"}}, []string{`imap.poll_interval: "5 minutes" is not a duration`, "imap.tls"}},
		{"HTTPAddressTaken", func(t *testing.T, path string) string {
			editConfig(t, path, "[http]\naddress = \"\"", "[http]\naddress = \""+busy.Addr().String()+"\"")
			return path
		}, [][]string{{"run"}}, []string{"http.address", busy.Addr().String()}},
		{"StoreDirectoryMissing", func(t *testing.T, path string) string {
			editConfig(t, path, filepath.Join(filepath.Dir(path), "intake.db"), filepath.Join(filepath.Dir(path), "gone", "intake.db"))
			return path
		}, [][]string{{"run"}, {"run", "--once"}, {"schools"}, {"status"}, {"backup", "OUT"}}, []string{"store.path", "does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.edit(t, writeConfig(t, s))
			for _, cmd := range append([][]string{{"check-config"}}, tc.cmds...) {
				args := append([]string{cmd[0], "--config", path}, cmd[1:]...)
				if cmd[0] == "backup" {
					args[len(args)-1] = filepath.Join(t.TempDir(), "out.db")
				}
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				code, stderr := runMain(t, ctx, args...)
				cancel()
				if code != 2 {
					t.Errorf("intaked %s: exit %d, want 2\n%s", cmd[0], code, stderr)
				}
				for _, w := range tc.want {
					if !strings.Contains(stderr, w) {
						t.Errorf("intaked %s does not say %q:\n%s", cmd[0], w, stderr)
					}
				}
				if strings.Contains(stderr, "Hunter") {
					t.Errorf("intaked %s shows the password:\n%s", cmd[0], stderr)
				}
			}
		})
	}
}

// TestCheckConfigHTTPOfRunningDaemon: check-config beside the running daemon does not count the
// address it serves as taken.
func TestCheckConfigHTTPOfRunningDaemon(t *testing.T) {
	s := memServers(t)
	cfg := writeConfig(t, s)
	addr := freeAddr(t)
	editConfig(t, cfg, "[http]\naddress = \"\"", "[http]\naddress = \""+addr+"\"")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	m := &Main{Stdout: io.Discard, Stderr: &logs, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", cfg}) }()
	waitHTTP(t, "http://"+addr+"/metrics", &logs)
	if code, stderr := runMain(t, context.Background(), "check-config", "--config", cfg); code != 0 {
		t.Errorf("check-config beside the daemon: exit %d\n%s", code, stderr)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// waitHTTP waits until url answers 200.
func waitHTTP(t *testing.T, url string, logs *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never answered: %v\n%s", url, err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCheckConfigWarnings: check-config warns about trusted_authserv_id (safe only if that server
// removes the Authentication-Results headers claiming its id) and about a configuration every
// user may read, with the advice the README gives.
func TestCheckConfigWarnings(t *testing.T) {
	s := memServers(t)
	cfg := writeConfig(t, s)
	code, stderr := runMain(t, context.Background(), "check-config", "--config", cfg)
	if code != 0 || strings.Contains(stderr, "trusted_authserv_id") || strings.Contains(stderr, "readable by every user") {
		t.Fatalf("a plain configuration: exit %d, warnings:\n%s", code, stderr)
	}
	editConfig(t, cfg, "[imap]\n", "[imap]\ntrusted_authserv_id = \"mx.grandlyon.example\"\n")
	if err := os.Chmod(cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr = runMain(t, context.Background(), "check-config", "--config", cfg)
	if code != 0 {
		t.Fatalf("check-config: exit %d\n%s", code, stderr)
	}
	for _, w := range []string{"level=WARN", "imap.trusted_authserv_id is safe only if that server removes", "Authentication-Results", "mx.grandlyon.example"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("check-config does not warn %q:\n%s", w, stderr)
		}
	}
	// The permission warning says what the README and INSTALL.md do.
	if !strings.Contains(stderr, "chgrp intaked") || !strings.Contains(stderr, "chmod 0640") {
		t.Errorf("the permission warning does not give the documented mode and group:\n%s", stderr)
	}
	for _, doc := range []string{"../../README.md", "../../contrib/INSTALL.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("install -m 0640 -g intaked config.example.toml /etc/intaked/intaked.toml")) {
			t.Errorf("%s does not install the configuration 0640 root:intaked, as the warning says", doc)
		}
	}
}

// TestPrivateFiles: `report -o` and `backup` write files only their owner may read, whatever the
// umask.
func TestPrivateFiles(t *testing.T) {
	s := memServers(t)
	cfg := writeConfig(t, s)
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	report := filepath.Join(dir, "fees.xlsx")
	// An existing file readable by all is made private too.
	if err := os.WriteFile(report, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	run(t, "report", "fees", "--config", cfg, "--year", "2025-2026", "-o", report)
	run(t, "report", "activity", "--config", cfg, "--year", "2025-2026", "-o", filepath.Join(dir, "activity.xlsx"))
	run(t, "backup", "--config", cfg, filepath.Join(dir, "backup.db"))
	for _, name := range []string{"fees.xlsx", "activity.xlsx", "backup.db"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
			t.Errorf("%s: mode %v, %d bytes; want 0600 and the data", name, fi.Mode().Perm(), fi.Size())
		}
	}
	// The backup reads back.
	b := filepath.Join(dir, "b.toml")
	data, _ := os.ReadFile(cfg)
	if err := os.WriteFile(b, bytes.Replace(data, []byte(filepath.Join(filepath.Dir(cfg), "intake.db")), []byte(filepath.Join(dir, "backup.db")), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "schools", "--config", b)
}

// TestReload: a failed reload shows in /metrics, in /healthz and in `intaked status`, and the
// daemon goes on; a successful one says "configuration reloaded" (not "stopped", "started") and
// clears them. The job runs are counted by result.
func TestReload(t *testing.T) {
	s := memServers(t)
	cfg := writeConfig(t, s)
	addr := freeAddr(t)
	editConfig(t, cfg, "[http]\naddress = \"\"", "[http]\naddress = \""+addr+"\"")
	good, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The calendar starts on Monday 2 March at 6:00; the daemon starts the next day at 8:00:
	// two digests are due, sent as one, and a weekly overview.
	run(t, "run", "--once", "--config", cfg, "--now", "2026-03-02T06:00:00+01:00")
	var logs syncBuffer
	reload := make(chan struct{})
	m := &Main{Stdout: io.Discard, Stderr: &logs, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Reload: reload}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", cfg, "--now", "2026-03-03T08:00:00+01:00"}) }()
	base := "http://" + addr
	waitHTTP(t, base+"/healthz", &logs)
	waitMetric := func(line string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, body := get(t, base+"/metrics")
			if strings.Contains(body, "\n"+line+"\n") {
				return body
			}
			if time.Now().After(deadline) {
				t.Fatalf("/metrics never showed %q:\n%s\n%s", line, body, logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, w := range []string{`intake_job_runs_total{job="digest",result="ok"} 1`, `intake_job_runs_total{job="digest",result="merged"} 1`,
		`intake_job_runs_total{job="weekly",result="ok"} 1`, "intake_config_last_reload_successful 1"} {
		waitMetric(w)
	}
	statusCfg := filepath.Join(t.TempDir(), "status.toml") // the same store, while cfg is broken
	if err := os.WriteFile(statusCfg, good, 0o600); err != nil {
		t.Fatal(err)
	}
	status := func() string {
		t.Helper()
		var out bytes.Buffer
		sm := &Main{Stdout: &out, Stderr: io.Discard, Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
		if err := sm.Run(context.Background(), []string{"status", "--config", statusCfg}); err != nil {
			t.Fatalf("status: %v", err)
		}
		return out.String()
	}
	if st := status(); !strings.Contains(st, "Configuration: in use since") {
		t.Errorf("status does not show the configuration in use:\n%s", st)
	}

	// A broken file: refused, and shown.
	if err := os.WriteFile(cfg, []byte("[imap]\nadress = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	reload <- struct{}{}
	waitMetric("intake_config_last_reload_successful 0")
	code, health := get(t, base+"/healthz")
	if code != 200 || !strings.HasPrefix(health, "ok\n") || !strings.Contains(health, "configuration reload failed") || !strings.Contains(health, "imap.adress: unknown key") {
		t.Errorf("/healthz after a failed reload = %d %q; want ok and the failure", code, health)
	}
	if st := status(); !strings.Contains(st, "RELOAD FAILED") || !strings.Contains(st, "imap.adress: unknown key") {
		t.Errorf("status does not show the failed reload:\n%s", st)
	}
	if !strings.Contains(logs.String(), "configuration not reloaded") {
		t.Errorf("no log line for the failed reload:\n%s", logs.String())
	}

	// The good file again: reloaded, and said so.
	if err := os.WriteFile(cfg, good, 0o600); err != nil {
		t.Fatal(err)
	}
	before := len(logs.String())
	reload <- struct{}{}
	waitMetric("intake_config_last_reload_successful 1")
	if _, health := get(t, base+"/healthz"); health != "ok\n" {
		t.Errorf("/healthz after a successful reload = %q", health)
	}
	if st := status(); !strings.Contains(st, "Configuration: in use since") || strings.Contains(st, "RELOAD FAILED") {
		t.Errorf("status after a successful reload:\n%s", st)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String()[before:], "configuration reloaded"); {
		if time.Now().After(deadline) {
			t.Fatalf("no \"configuration reloaded\":\n%s", logs.String()[before:])
		}
		time.Sleep(20 * time.Millisecond)
	}
	if after := logs.String()[before:]; strings.Contains(after, "intaked stopped") || strings.Contains(after, "intaked started") {
		t.Errorf("a reload logs a stop and a start:\n%s", after)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestHealthzFromTheStart: /healthz is served from the moment the address is bound, by a daemon
// already wired: a request at any time gets an answer, never a dropped connection; and the
// address is bound before systemd hears READY=1.
func TestHealthzFromTheStart(t *testing.T) {
	notes := notifySocket(t)
	s := memServers(t)
	cfg := writeConfig(t, s)
	addr := freeAddr(t)
	editConfig(t, cfg, "[http]\naddress = \"\"", "[http]\naddress = \""+addr+"\"")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	probeErr := make(chan error, 1)
	answered := make(chan struct{})
	go func() { // ask /healthz as fast as possible from before the start
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
		first := true
		for ctx.Err() == nil {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				time.Sleep(time.Millisecond)
				continue // not bound yet
			}
			conn.Close()
			resp, err := client.Get("http://" + addr + "/healthz")
			if err != nil {
				if ctx.Err() == nil {
					probeErr <- err
				}
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				probeErr <- errors.New(resp.Status)
				return
			}
			if first {
				close(answered)
				first = false
			}
		}
	}()
	var logs syncBuffer
	m := &Main{Stdout: io.Discard, Stderr: &logs, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", cfg}) }()
	waitFor(t, notes, "READY=1")
	if c, err := net.Dial("tcp", addr); err != nil {
		t.Fatalf("READY=1 before the HTTP address is bound: %v", err)
	} else {
		c.Close()
	}
	select {
	case <-answered:
	case <-time.After(10 * time.Second):
		t.Fatal("/healthz never answered")
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-probeErr:
		t.Fatalf("a /healthz request got no answer: %v\n%s", err, logs.String())
	default:
	}
}

// TestConfigReadThroughGroup: installed as the documentation says (0640, group intaked), the
// configuration is read by a user that has the group, as the unit's dynamic user does
// (SupplementaryGroups=intaked), and by no other: that one gets exit status 2 and the advice.
// Needs root, to run the binary as another user; the ids are numbers, no account is created.
func TestConfigReadThroughGroup(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run intaked as another user")
	}
	const uid, gid, group = 61234, 61234, 61235 // the dynamic user, and the group intaked
	bin := buildIntaked(t)
	dir := t.TempDir()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	s := memServers(t)
	cfg := writeConfig(t, s)
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state") // the state directory, the dynamic user's
	if err := os.Mkdir(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(state, uid, gid); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "intaked.toml")
	data = bytes.Replace(data, []byte(filepath.Join(filepath.Dir(cfg), "intake.db")), []byte(filepath.Join(state, "intake.db")), 1)
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 0, group); err != nil {
		t.Fatal(err)
	}
	check := func(groups []uint32) (int, string) {
		cmd := exec.Command(bin, "check-config", "--config", path)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: groups}}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), out.String()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, out.String()
	}
	if code, out := check([]uint32{group}); code != 0 || strings.Contains(out, "readable by every user") {
		t.Errorf("with the group: exit %d\n%s", code, out)
	}
	if code, out := check(nil); code != 2 || !strings.Contains(out, "permission denied") || !strings.Contains(out, "chgrp intaked") {
		t.Errorf("without the group: exit %d, want 2 and the advice\n%s", code, out)
	}
}
