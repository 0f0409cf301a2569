package realserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// DovecotServer is a private Dovecot IMAP server started by Dovecot.
type DovecotServer struct {
	// Addr is the host:port of its plain-text IMAP listener on 127.0.0.1.
	Addr string
	// Username and Password log in to its one mailbox account.
	Username, Password string
	// Dir holds its configuration, state, log (dovecot.log) and maildirs.
	Dir string

	bin, doveadm, conf string
	proc               *process
}

// dovecotConf is Dovecot 2.3's configuration, after the recipe in
// shared/recipes/real-servers.md. The users are only there when the test
// runs as root: Dovecot refuses to run its login and mail processes as root.
const dovecotConf = `base_dir = {{DIR}}/run
state_dir = {{DIR}}/run/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {{DIR}}/dovecot.log
mail_location = maildir:{{DIR}}/mail/%u
first_valid_uid = 1
default_internal_user = {{USER}}
default_internal_group = {{GROUP}}
default_login_user = {{LOGINUSER}}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{DIR}}/users
}
userdb {
  driver = static
  args = uid={{USER}} gid={{GROUP}} home={{DIR}}/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = {{PORT}}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`

// Dovecot starts a fresh private Dovecot for this test, in its own directory
// and on a free 127.0.0.1 port, with the user "partenariat" and the password
// "secret". It returns once the server answers with an IMAP greeting, and
// stops it when the test ends. It skips the test if Dovecot is not installed,
// or fails it when Required.
func Dovecot(t testing.TB) *DovecotServer {
	t.Helper()
	d := &DovecotServer{
		Username: "partenariat",
		Password: "secret",
		bin:      findBinary(t, "dovecot", "/usr/sbin/dovecot", "/usr/local/sbin/dovecot"),
		doveadm:  findBinary(t, "doveadm", "/usr/bin/doveadm", "/usr/local/bin/doveadm"),
	}

	// Not t.TempDir(): its parents are private to the test's user, and
	// Dovecot's unprivileged processes must reach the mail directory.
	dir, err := os.MkdirTemp("", "intake-dovecot-")
	if err != nil {
		t.Fatalf("realserver: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d.Dir = dir
	d.conf = filepath.Join(dir, "dovecot.conf")
	if err := d.prepare(); err != nil {
		t.Fatalf("realserver: prepare Dovecot in %s: %v", dir, err)
	}

	// Cleanups run last first: stop, then show the log if the test failed,
	// then remove the directory.
	t.Cleanup(func() {
		if t.Failed() {
			logFiles(t, filepath.Join(dir, "dovecot.log"), filepath.Join(dir, "dovecot.out"))
		}
	})
	t.Cleanup(func() { d.stop(t) })

	// Another process may take the free port before Dovecot binds it: then
	// try again on another one.
	for attempt := 1; ; attempt++ {
		d.Addr = freePort(t)
		if err = d.writeConf(); err != nil {
			t.Fatalf("realserver: %v", err)
		}
		if err = d.start(); err == nil {
			return d
		}
		if attempt == 3 {
			t.Fatalf("realserver: start Dovecot: %v", err)
		}
	}
}

// prepare creates the directory tree and the users file, owned as Dovecot
// needs.
func (d *DovecotServer) prepare() error {
	if err := os.Chmod(d.Dir, 0o755); err != nil {
		return err
	}
	for _, sub := range []string{"mail", "run"} {
		if err := os.Mkdir(filepath.Join(d.Dir, sub), 0o755); err != nil {
			return err
		}
	}
	users := d.Username + ":{PLAIN}" + d.Password + "\n"
	if err := os.WriteFile(filepath.Join(d.Dir, "users"), []byte(users), 0o644); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return nil // everything runs as the test's user, who owns the tree
	}
	u, err := user.Lookup("dovecot")
	if err != nil {
		return fmt.Errorf("user dovecot (created by the dovecot-core package): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(filepath.Join(d.Dir, "mail"), uid, gid)
}

// writeConf writes dovecot.conf for the current Addr.
func (d *DovecotServer) writeConf() error {
	_, port, err := net.SplitHostPort(d.Addr)
	if err != nil {
		return err
	}
	usr, group, login := "dovecot", "dovecot", "dovenull"
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return err
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			return err
		}
		usr, group, login = u.Username, g.Name, u.Username
	}
	conf := strings.NewReplacer(
		"{{DIR}}", d.Dir, "{{PORT}}", port,
		"{{USER}}", usr, "{{GROUP}}", group, "{{LOGINUSER}}", login,
	).Replace(dovecotConf)
	return os.WriteFile(d.conf, []byte(conf), 0o644)
}

// start runs Dovecot in the foreground as a child of the test and waits for
// its IMAP greeting.
func (d *DovecotServer) start() error {
	p, err := startProcess(filepath.Join(d.Dir, "dovecot.out"), d.bin, "-F", "-c", d.conf)
	if err != nil {
		return err
	}
	if err := waitGreeting(p, d.Addr, "* OK", 30*time.Second); err != nil {
		p.cmd.Process.Kill()
		<-p.done
		return err
	}
	d.proc = p
	return nil
}

// Stop stops the server, as for a test of the daemon's behaviour when its
// IMAP server goes away. Start starts it again.
func (d *DovecotServer) Stop(t testing.TB) {
	t.Helper()
	if d.proc == nil {
		t.Fatal("realserver: Dovecot is not running")
	}
	d.stop(t)
}

// stop stops the server if it runs: doveadm stop, then wait for it to exit.
func (d *DovecotServer) stop(t testing.TB) {
	t.Helper()
	p := d.proc
	if p == nil {
		return
	}
	d.proc = nil
	if out, err := exec.Command(d.doveadm, "-c", d.conf, "stop").CombinedOutput(); err != nil && !p.exited() {
		t.Logf("realserver: doveadm stop: %v: %s; sending SIGTERM", err, out)
		p.cmd.Process.Signal(syscall.SIGTERM)
	}
	if !p.wait(30 * time.Second) {
		t.Errorf("realserver: Dovecot did not stop within 30s; killed it")
	}
}

// Start starts the server again after Stop, on the same port and with the
// same mail.
func (d *DovecotServer) Start(t testing.TB) {
	t.Helper()
	if d.proc != nil {
		t.Fatal("realserver: Dovecot is already running")
	}
	// The port may stay held for a moment by a process of the previous
	// instance that is still exiting.
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		if err = d.start(); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("realserver: restart Dovecot on %s: %v", d.Addr, err)
}

// client connects and logs in; all of its commands must be done within a
// minute.
func (d *DovecotServer) client(t testing.TB) *imapclient.Client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", d.Addr, 10*time.Second)
	if err != nil {
		t.Fatalf("realserver: connect to Dovecot: %v", err)
	}
	conn.SetDeadline(time.Now().Add(time.Minute))
	c := imapclient.New(conn, nil)
	if err := c.Login(d.Username, d.Password).Wait(); err != nil {
		c.Close()
		t.Fatalf("realserver: IMAP login: %v", err)
	}
	return c
}

// logout ends an IMAP session.
func logout(c *imapclient.Client) {
	c.Logout().Wait()
	c.Close()
}

// hasCode reports whether err is an IMAP error with the response code.
func hasCode(err error, code imap.ResponseCode) bool {
	var e *imap.Error
	return errors.As(err, &e) && e.Code == code
}

// Append puts the raw message into the mailbox with an IMAP APPEND, with the
// given internal date (the server's time when zero), creating the mailbox if
// it does not exist.
func (d *DovecotServer) Append(t testing.TB, mailbox string, raw []byte, internalDate time.Time) {
	t.Helper()
	c := d.client(t)
	defer logout(c)
	if !strings.EqualFold(mailbox, "INBOX") {
		if err := c.Create(mailbox, nil).Wait(); err != nil && !hasCode(err, imap.ResponseCodeAlreadyExists) {
			t.Fatalf("realserver: CREATE %s: %v", mailbox, err)
		}
	}
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Time: internalDate})
	if _, err := cmd.Write(raw); err != nil {
		t.Fatalf("realserver: APPEND to %s: %v", mailbox, err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("realserver: APPEND to %s: %v", mailbox, err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("realserver: APPEND to %s: %v", mailbox, err)
	}
}

// List returns the raw messages currently in the mailbox, in mailbox order,
// without marking them seen; none if the mailbox does not exist.
func (d *DovecotServer) List(t testing.TB, mailbox string) [][]byte {
	t.Helper()
	c := d.client(t)
	defer logout(c)
	msgs := [][]byte{}
	// Dovecot answers a SELECT of a missing mailbox with a plain NO.
	found, err := c.List("", mailbox, nil).Collect()
	if err != nil {
		t.Fatalf("realserver: LIST %s: %v", mailbox, err)
	}
	if len(found) == 0 {
		return msgs
	}
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("realserver: EXAMINE %s: %v", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return msgs
	}
	section := &imap.FetchItemBodySection{Peek: true}
	var all imap.SeqSet
	all.AddRange(1, sel.NumMessages)
	bufs, err := c.Fetch(all, &imap.FetchOptions{
		BodySection: []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		t.Fatalf("realserver: FETCH in %s: %v", mailbox, err)
	}
	sort.Slice(bufs, func(i, j int) bool { return bufs[i].SeqNum < bufs[j].SeqNum })
	for _, b := range bufs {
		msgs = append(msgs, b.FindBodySection(section))
	}
	return msgs
}
