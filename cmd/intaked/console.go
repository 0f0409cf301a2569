package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/laclasse/intake/console"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// The staff console (package console): its configuration ([console]), its wiring, and
// `intaked console-link`.

// validate reports every problem of [console]; a section without address is off, and then
// must set nothing else.
func (c *ConsoleConfig) validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.Address == "" {
		if c.PublicURL != "" || c.OIDC != nil || len(c.Staff) > 0 {
			bad("console.address", "required to serve the console (host:port, e.g. \"127.0.0.1:8480\"); without it [console] must set nothing else")
		}
		return errs
	}
	if _, _, err := net.SplitHostPort(c.Address); err != nil {
		bad("console.address", "%q is not host:port (leave it empty to turn the console off)", c.Address)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			bad("console.public_url", "%q is not an http(s):// URL", c.PublicURL)
		case strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "":
			bad("console.public_url", "%q: serve the console at the root of its host (no path, query nor fragment)", c.PublicURL)
		}
	}
	if pub, err := console.PublicURL(console.Config{Address: c.Address, PublicURL: c.PublicURL}); err == nil && pub.Scheme != "https" && !loopbackHost(pub.Hostname()) {
		bad("console.public_url", "%q: a console reached from another machine needs https (put it behind a TLS reverse proxy and give its https:// URL here); only a loopback address may go without", pub.String())
	}
	if c.IdleTimeout.valid() && (c.IdleTimeout.Duration < time.Minute || c.IdleTimeout.Duration > 24*time.Hour) {
		bad("console.idle_timeout", "%v: want between 1m and 24h", c.IdleTimeout.Duration)
	}
	if o := c.OIDC; o != nil {
		u, err := url.Parse(o.Issuer)
		switch {
		case o.Issuer == "":
			bad("console.oidc.issuer", "required (the identity provider's issuer URL)")
		case err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname()))):
			bad("console.oidc.issuer", "%q is not an https:// URL", o.Issuer)
		}
		if o.ClientID == "" {
			bad("console.oidc.client_id", "required")
		}
		switch {
		case o.ClientSecret != "" && o.ClientSecretFile != "":
			bad("console.oidc.client_secret_file", "set either client_secret or client_secret_file, not both")
		case o.ClientSecretFile != "":
			b, err := os.ReadFile(o.ClientSecretFile)
			if err != nil {
				bad("console.oidc.client_secret_file", "%v", err)
			}
			o.ClientSecret = strings.TrimRight(string(b), "\r\n")
		}
		if len(c.Staff) == 0 {
			bad("console.staff", "declare at least one [[console.staff]] (email, role): nobody else may sign in")
		}
	}
	seen := map[string]int{}
	for i, st := range c.Staff {
		key := fmt.Sprintf("console.staff[%d]", i)
		if a, err := mail.ParseAddress(st.Email); err != nil || a.Address != strings.TrimSpace(st.Email) {
			bad(key+".email", "%q is not an e-mail address", st.Email)
		} else if j, dup := seen[strings.ToLower(a.Address)]; dup {
			bad(key+".email", "%q is already console.staff[%d]", st.Email, j)
		} else {
			seen[strings.ToLower(a.Address)] = i
		}
		if !console.Role(st.Role).Valid() {
			bad(key+".role", "%q: want \"gestion\" (acts) or \"lecture\" (sees only)", st.Role)
		}
	}
	return errs
}

// loopbackHost reports whether host names the loopback interface.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newConsoleConfig returns the console of [console], or nil when it is off.
func newConsoleConfig(cfg *Config) *console.Config {
	c := cfg.Console
	if c.Address == "" {
		return nil
	}
	out := &console.Config{Address: c.Address, PublicURL: c.PublicURL, IdleTimeout: c.IdleTimeout.Duration, Location: cfg.Location()}
	if c.OIDC != nil {
		out.OIDC = &console.OIDCConfig{Issuer: c.OIDC.Issuer, ClientID: c.OIDC.ClientID, ClientSecret: c.OIDC.ClientSecret}
	}
	for _, st := range c.Staff {
		out.Staff = append(out.Staff, console.StaffMember{Email: strings.TrimSpace(st.Email), Role: console.Role(st.Role)})
	}
	return out
}

// listenConsole opens [console] address, or says why it cannot be bound.
func listenConsole(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &ConfigError{Errs: []error{fmt.Errorf("console.address: cannot listen on %s: %w", addr, err)}}
	}
	return ln, nil
}

// consoleLinkCmd prints a URL that signs its holder in to the console once, within 15 minutes.
func (m *Main) consoleLinkCmd(ctx context.Context, args []string) error {
	c := m.command("console-link", true)
	role := c.fs.String("role", string(console.RoleGestion), "gestion (acts) or lecture (sees only)")
	as := c.fs.String("as", "", "the name recorded as who did what (default: the Unix user)")
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() > 0 {
		return fmt.Errorf("%w: console-link takes no argument", errUsage)
	}
	if !console.Role(*role).Valid() {
		return fmt.Errorf("%w: --role must be gestion or lecture", errUsage)
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	cc := newConsoleConfig(cfg)
	if cc == nil {
		return &ConfigError{Errs: []error{errors.New("console.address: the console is off (set [console] address to serve it)")}}
	}
	link, err := console.CreateLink(ctx, *cc, store, m.Now(), console.Role(*role), staffMember(*as))
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, link)
	return nil
}

// startConsole serves the console of d, if on, until ctx ends, in side; the address is bound
// before it returns. Its shutdown is bounded (console.Server.Serve). The staff actions follow a
// reload (d.actions is kept across reloads, wiredActions), and so does the staff list
// (console.Server.Reload).
func (m *Main) startConsole(ctx context.Context, side *sync.WaitGroup, cfg *Config, d *daemon, store *sqlite.DB) (*console.Server, error) {
	if d.console == nil {
		return nil, nil
	}
	srv, err := console.New(*d.console, console.Deps{Store: store, Now: m.Now, Log: d.log, Actions: d.actions})
	if err != nil {
		return nil, err
	}
	ln, err := listenConsole(d.console.Address)
	if err != nil {
		return nil, err
	}
	side.Add(1)
	go func() {
		defer side.Done()
		if err := srv.Serve(ctx, ln); err != nil {
			d.log.Error("the console stopped: staff cannot reach it until the next start", "err", err)
		}
	}()
	return srv, nil
}

// keepConsole keeps, on reload, what of [console] takes effect at the next start only: its
// address, public URL and identity provider (the staff list and the idle timeout follow the
// new configuration).
func keepConsole(log *slog.Logger, cur, next *Config) {
	if next.Console.Address != cur.Console.Address || next.Console.PublicURL != cur.Console.PublicURL || !reflect.DeepEqual(next.Console.OIDC, cur.Console.OIDC) {
		log.Warn("console.address, console.public_url and [console.oidc] take effect at the next start, not on reload")
		next.Console.Address, next.Console.PublicURL, next.Console.OIDC = cur.Console.Address, cur.Console.PublicURL, cur.Console.OIDC
	}
}

// checkConsoleAddress reports a [console] address that cannot be bound, unless a console
// already answers there (the running daemon whose configuration is checked).
func checkConsoleAddress(cfg *Config) []error {
	if cfg.Console.Address == "" {
		return nil
	}
	ln, err := listenConsole(cfg.Console.Address)
	if err == nil {
		ln.Close()
		return nil
	}
	if errors.Is(err, syscall.EADDRINUSE) && consoleAnswers(cfg.Console.Address) {
		return nil
	}
	return unjoin(err)
}

// consoleAnswers reports whether an intaked console answers at addr.
func consoleAnswers(addr string) bool {
	client := &http.Client{Timeout: 2 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get("http://" + addr + "/static/console.css")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return err == nil && resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte("The staff console"))
}

// demoConsole serves the console on the demo's store at addr until ctx ends, and prints a
// one-time link. The staff actions work on the store; the mails they queue stay in the outbox
// (no daemon sends them in the demo).
func (m *Main) demoConsole(ctx context.Context, cfg *Config, store *sqlite.DB, addr string) error {
	ln, err := listenConsole(addr)
	if err != nil {
		return err
	}
	cc := console.Config{Address: ln.Addr().String(), Location: cfg.Location()}
	srv, err := console.New(cc, console.Deps{Store: store, Now: m.Now, Log: m.Logger, Actions: newStaffActions(cfg, store, m.Now, nil)})
	if err != nil {
		ln.Close()
		return err
	}
	link, err := console.CreateLink(ctx, cc, store, m.Now(), console.RoleGestion, "démo")
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprint(m.Stdout, templates.DemoConsole(link))
	return srv.Serve(ctx, ln)
}
