package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The staff console through the daemon: its sign-in, sessions and protections, on the real
// server `intaked run` serves (consoleharness_test.go starts it).

// TestConsoleBrowserSignIn signs in in a real browser, with a one-time link and with the
// identity provider, checks each page with axe-core, and refuses someone not on the staff.
func TestConsoleBrowserSignIn(t *testing.T) {
	h := startConsoleDaemon(t)
	ctx := newBrowser(t)

	browse(t, ctx, chromedp.Navigate(h.URL+"/"))
	if u := pageURL(t, ctx); !strings.HasSuffix(u, "/connexion") {
		t.Fatalf("without a session the browser lands on %s, want the sign-in page", u)
	}
	if text := pageText(t, ctx); !strings.Contains(text, "Se connecter avec le compte de la Métropole") {
		t.Errorf("sign-in page:\n%s", text)
	}
	axeCheck(t, ctx)
	screenshot(t, ctx, "connexion")

	signInWithLink(t, ctx, h, "gestion", "Camille Martin")
	if text := pageText(t, ctx); !strings.Contains(text, "Camille Martin (gestion)") || !strings.Contains(text, "Se déconnecter") {
		t.Errorf("home after the link:\n%s", text)
	}
	axeCheck(t, ctx) // TestConsoleTasksInBrowser screenshots it, with work to do

	// Keyboard only: the skip link is the first stop, and leads to the content.
	browse(t, ctx, chromedp.KeyEvent("\t"))
	if focused := browseValue(t, ctx, chromedp.Evaluate[string](`document.activeElement.textContent`)); focused != "Aller au contenu" {
		t.Errorf("first Tab stop: %q, want the skip link", focused)
	}

	browse(t, ctx,
		chromedp.Click(chromedp.CSS(`form.session button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/connexion/oidc"]`)),
	)
	browse(t, ctx, chromedp.Navigate(h.URL+"/"))
	if u := pageURL(t, ctx); !strings.HasSuffix(u, "/connexion") {
		t.Errorf("after signing out the browser reaches %s", u)
	}

	signInWithOIDC(t, ctx, h, consoleReader)
	if text := pageText(t, ctx); !strings.Contains(text, "lecteur (lecture seule)") {
		t.Errorf("home after OIDC as a reader:\n%s", text)
	}
	browse(t, ctx, chromedp.Click(chromedp.CSS(`form.session button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/connexion/oidc"]`)))

	queueOIDCUser(h, "curieux@ailleurs.example")
	browse(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href="/connexion/oidc"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
	)
	if text := pageText(t, ctx); !strings.Contains(text, "n'a pas accès") || !strings.Contains(text, "curieux@ailleurs.example") {
		t.Errorf("someone not on the staff:\n%s", text)
	}
	axeCheck(t, ctx)
	screenshot(t, ctx, "refus")
	browse(t, ctx, chromedp.Navigate(h.URL+"/"))
	if u := pageURL(t, ctx); !strings.HasSuffix(u, "/connexion") {
		t.Errorf("someone not on the staff reaches %s", u)
	}
}

// TestConsoleSecurity: no page without a session; a lecture session cannot POST; a POST
// without its CSRF token or from another origin is refused; a one-time link works once and
// not after 15 minutes; the cookie's attributes; nothing personal in the log.
func TestConsoleSecurity(t *testing.T) {
	h := startConsoleDaemon(t)

	t.Run("NoPageWithoutSession", func(t *testing.T) {
		c := h.Client(t)
		for _, path := range []string{"/", "/communes", "/ecoles", "/ecoles/0690001A", "/quarantaine", "/activations", "/rapports", "/demandes/1"} {
			if status, loc, _ := c.Get(path); status != http.StatusSeeOther || loc != "/connexion" {
				t.Errorf("GET %s without a session: %d → %q", path, status, loc)
			}
		}
		if status, loc, _ := c.Post("/ecoles/0690001A/activer", url.Values{"csrf": {"x"}}, nil); status != http.StatusSeeOther || loc != "/connexion" {
			t.Errorf("POST without a session: %d → %q", status, loc)
		}
	})

	t.Run("LectureCannotPost", func(t *testing.T) {
		c := h.SignedInClient(t, "lecture")
		status, _, body := c.Post("/ecoles/0690001A/activer", url.Values{"csrf": {c.CSRF("/")}}, nil)
		if status != http.StatusForbidden || !strings.Contains(body, "Votre rôle est « lecture »") {
			t.Errorf("lecture POSTs an action: %d\n%s", status, body)
		}
	})

	t.Run("PostNeedsTokenAndOrigin", func(t *testing.T) {
		c := h.SignedInClient(t, "gestion")
		token := c.CSRF("/")
		for _, tc := range []struct {
			name   string
			form   url.Values
			header map[string]string
			want   string
		}{
			{"ErrNoToken", url.Values{}, nil, "Ce formulaire a expiré"},
			{"ErrWrongToken", url.Values{"csrf": {"not-" + token}}, nil, "Ce formulaire a expiré"},
			{"ErrOtherOrigin", url.Values{"csrf": {token}}, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": ""}, "ne vient pas de la console"},
			{"ErrCrossSite", url.Values{"csrf": {token}}, map[string]string{"Origin": "", "Sec-Fetch-Site": "cross-site"}, "ne vient pas de la console"},
			{"ErrForwardedHeaders", url.Values{"csrf": {token}}, map[string]string{"Origin": "https://proxy.example", "Sec-Fetch-Site": "", "X-Forwarded-Host": "proxy.example", "X-Forwarded-Proto": "https"}, "ne vient pas de la console"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, path := range []string{"/ecoles/0690001A/activer", "/deconnexion"} {
					if status, _, body := c.Post(path, tc.form, tc.header); status != http.StatusForbidden || !strings.Contains(body, tc.want) {
						t.Errorf("POST %s: %d, want 403 saying %q\n%s", path, status, tc.want, body)
					}
				}
			})
		}
		// The same session, with its token and from its origin, is let through.
		if status, loc, _ := c.Post("/deconnexion", url.Values{"csrf": {token}}, nil); status != http.StatusSeeOther || loc != "/connexion" {
			t.Errorf("sign out with the token: %d → %q", status, loc)
		}
		if status, _, _ := c.Get("/"); status != http.StatusSeeOther {
			t.Errorf("signed in after signing out: %d", status)
		}
	})

	t.Run("LinkWorksOnce", func(t *testing.T) {
		link := h.consoleLink(t, "--role", "gestion", "--as", "Camille")
		first, second := h.Client(t), h.Client(t)
		if status, _, _ := first.Post("/connexion/lien", url.Values{"token": {tokenOfLink(link)}}, nil); status != http.StatusSeeOther {
			t.Fatalf("first use: %d", status)
		}
		if status, _, body := first.Get("/"); status != 200 || !strings.Contains(body, "Camille (gestion)") {
			t.Errorf("first holder's home: %d\n%s", status, body)
		}
		if status, _, body := second.Post("/connexion/lien", url.Values{"token": {tokenOfLink(link)}}, nil); status != http.StatusForbidden || !strings.Contains(body, "a déjà servi") {
			t.Errorf("second use: %d\n%s", status, body)
		}
		if status, _, _ := second.Get("/"); status != http.StatusSeeOther {
			t.Errorf("the second holder is signed in: %d", status)
		}
	})

	t.Run("LinkNotAfter15Minutes", func(t *testing.T) {
		old := h.consoleLink(t, "--now", time.Now().Add(-15*time.Minute-5*time.Second).Format(time.RFC3339))
		c := h.Client(t)
		if status, _, body := c.Post("/connexion/lien", url.Values{"token": {tokenOfLink(old)}}, nil); status != http.StatusForbidden || !strings.Contains(body, "15 minutes sont passées") {
			t.Errorf("a link made 15 minutes ago: %d\n%s", status, body)
		}
		recent := h.consoleLink(t, "--now", time.Now().Add(-14*time.Minute).Format(time.RFC3339))
		if status, _, _ := c.Post("/connexion/lien", url.Values{"token": {tokenOfLink(recent)}}, nil); status != http.StatusSeeOther {
			t.Errorf("a link made 14 minutes ago: %d", status)
		}
	})

	t.Run("CookieAndHeaders", func(t *testing.T) {
		link := h.consoleLink(t)
		form := url.Values{"token": {tokenOfLink(link)}}
		req, _ := http.NewRequest("POST", h.URL+"/connexion/lien", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		set := resp.Header.Get("Set-Cookie")
		for _, want := range []string{"intake_console=", "Path=/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(set, want) {
				t.Errorf("Set-Cookie %q lacks %s", set, want)
			}
		}
		if strings.Contains(set, "Secure") || strings.Contains(set, "Max-Age") || strings.Contains(set, "Expires") {
			t.Errorf("Set-Cookie %q: on loopback a session cookie without Secure nor lifetime", set)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("Content-Security-Policy %q", csp)
		}
	})

	t.Run("NothingPersonalInTheLog", func(t *testing.T) {
		link := h.consoleLink(t, "--as", "Dominique Secret")
		c := h.Client(t)
		c.Get(strings.TrimPrefix(link, h.URL))
		c.Post("/connexion/lien", url.Values{"token": {tokenOfLink(link)}}, nil)
		c.Get("/ecoles/0690001A")
		c.Post("/recherche", url.Values{"csrf": {c.CSRF("/")}, "q": {"directrice@ville-givors.fr"}}, nil)
		logs := h.Logs.String()
		for _, secret := range []string{tokenOfLink(link), "Dominique Secret", "0690001A", "directrice@ville-givors.fr"} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log holds %q", secret)
			}
		}
		if !strings.Contains(logs, "route=\"GET /ecoles/{uai}\"") {
			t.Errorf("the access log does not name the route's pattern:\n%s", logs)
		}
	})
}

// TestConsoleSessionSurvivesRestart: a session lives in the store, not in the process.
func TestConsoleSessionSurvivesRestart(t *testing.T) {
	h := startConsoleDaemon(t)
	c := h.SignedInClient(t, "gestion")
	h.Restart(t)
	if status, _, body := c.Get("/"); status != 200 || !strings.Contains(body, "essai-gestion (gestion)") {
		t.Errorf("after a restart: %d\n%s", status, body)
	}
}

// TestConsoleLinkCommand: console-link's flags, public_url, and its refusals (exit 2).
func TestConsoleLinkCommand(t *testing.T) {
	s := memServers(t)
	cfg := writeConfig(t, s)
	if code, stderr := runMain(t, context.Background(), "console-link", "--config", cfg); code != 2 || !strings.Contains(stderr, "console.address") {
		t.Errorf("console-link with the console off: exit %d\n%s", code, stderr)
	}
	appendConfig(t, cfg, "\n[console]\naddress = \"127.0.0.1:18480\"\npublic_url = \"https://intake.grandlyon.example/\"\n")
	out := run(t, "console-link", "--config", cfg, "--role", "lecture", "--as", "Camille")
	if !strings.HasPrefix(out, "https://intake.grandlyon.example/connexion/lien/") || len(strings.TrimSpace(out)) < len("https://intake.grandlyon.example/connexion/lien/")+40 {
		t.Errorf("console-link printed %q, want a link on public_url", out)
	}
	for _, args := range [][]string{{"--role", "admin"}, {"extra"}} {
		if code, stderr := runMain(t, context.Background(), append([]string{"console-link", "--config", cfg}, args...)...); code != 2 {
			t.Errorf("console-link %v: exit %d\n%s", args, code, stderr)
		}
	}
}

// TestCheckConfigConsole: every problem of [console] at once, each named by its key, exit 2.
func TestCheckConfigConsole(t *testing.T) {
	s := memServers(t)
	cfg := writeConfig(t, s)
	appendConfig(t, cfg, `
[console]
address = "0.0.0.0:8480"
public_url = "http://intake.example/console"
idle_timeout = "10s"
[console.oidc]
issuer = "http://sso.example"
client_secret = "x"
client_secret_file = "/nonexistent"
[[console.staff]]
email = "pas une adresse"
role = "admin"
[[console.staff]]
email = "agent@grandlyon.example"
role = "gestion"
[[console.staff]]
email = "Agent@grandlyon.example"
role = "lecture"
`)
	code, stderr := runMain(t, context.Background(), "check-config", "--config", cfg)
	if code != 2 {
		t.Fatalf("check-config: exit %d, want 2\n%s", code, stderr)
	}
	for _, key := range []string{"console.public_url", "console.idle_timeout", "console.oidc.issuer", "console.oidc.client_id", "console.oidc.client_secret_file",
		"console.staff[0].email", "console.staff[0].role", "console.staff[2].email"} {
		if !strings.Contains(stderr, key+":") {
			t.Errorf("check-config does not name %s:\n%s", key, stderr)
		}
	}
	if strings.Contains(stderr, "\"x\"") {
		t.Errorf("check-config shows the client secret:\n%s", stderr)
	}

	off := writeConfig(t, s)
	appendConfig(t, off, "\n[[console.staff]]\nemail = \"agent@grandlyon.example\"\nrole = \"gestion\"\n")
	if code, stderr := runMain(t, context.Background(), "check-config", "--config", off); code != 2 || !strings.Contains(stderr, "console.address: required") {
		t.Errorf("staff without a console address: exit %d\n%s", code, stderr)
	}

	busy := freeAddr(t)
	ok := writeConfig(t, s)
	appendConfig(t, ok, "\n[console]\naddress = \""+busy+"\"\n")
	if code, stderr := runMain(t, context.Background(), "check-config", "--config", ok); code != 0 {
		t.Errorf("a good [console]: exit %d\n%s", code, stderr)
	}
}

// TestConsoleStopsInTime: the daemon serving the console stops within its bound, even with a
// browser's connection open.
func TestConsoleStopsInTime(t *testing.T) {
	h := startConsoleDaemon(t)
	c := h.SignedInClient(t, "gestion")
	c.Get("/") // a kept-alive connection stays open
	start := time.Now()
	h.stop()
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the daemon took %v to stop", d)
	}
	if _, err := http.Get(h.URL + "/connexion"); err == nil {
		t.Error("the console still answers after the daemon stopped")
	}
}

// TestDemoConsole: `intaked demo --console` runs the demo, then serves the console on its
// store with a one-time link.
func TestDemoConsole(t *testing.T) {
	var out, errOut syncBuffer
	m := &Main{Stdout: &out, Stderr: &errOut, Now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"demo", "--console", "--console-address", "127.0.0.1:0"}) }()
	var link string
	deadline := time.Now().Add(time.Minute)
	for link == "" {
		for _, line := range strings.Split(out.String(), "\n") {
			if l := strings.TrimSpace(line); strings.HasPrefix(l, "http://127.0.0.1:") {
				link = l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo --console printed no link:\n%s\n%s", out.String(), errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Laclasse.com : synthèse des demandes") {
		t.Errorf("demo --console did not run the demo first:\n%s", out.String())
	}
	base := link[:strings.Index(link, "/connexion/")]
	c := (&consoleDaemon{URL: base}).Client(t)
	if status, _, _ := c.Post("/connexion/lien", url.Values{"token": {tokenOfLink(link)}}, nil); status != http.StatusSeeOther {
		t.Fatalf("the demo's link: %d", status)
	}
	if status, _, body := c.Get("/"); status != 200 || !strings.Contains(body, "démo (gestion)") {
		t.Errorf("the demo's console: %d\n%s", status, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo --console: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("demo --console did not stop")
	}
}

// TestConsoleAxeFindsViolations: the accessibility check is not blind: axe-core, as the
// harness runs it, finds an image without text and a field without label.
func TestConsoleAxeFindsViolations(t *testing.T) {
	ctx := newBrowser(t)
	browse(t, ctx, chromedp.Navigate(`data:text/html,<!DOCTYPE html><html><head><title>x</title></head><body><main><img src="a.png"><input type="text"></main></body></html>`))
	found := map[string]string{}
	for _, v := range axeViolations(t, ctx) {
		found[v.ID] = v.Impact
	}
	if found["image-alt"] != "critical" || found["label"] != "critical" || found["html-has-lang"] != "serious" {
		t.Errorf("axe-core found %v, want image-alt, label (critical) and html-has-lang (serious)", found)
	}
}

// TestConsoleHarnessSeesMail: the harness's daemon decides a message that lands, for the
// pages' tests to show it.
func TestConsoleHarnessSeesMail(t *testing.T) {
	h := startConsoleDaemon(t)
	msg := oullinsList(time.Now())
	h.Append(t, msg.Raw(), msg.Date)
	h.WaitRequests(t, 1)
}

// TestConsoleReloadTakesStaff: staff removed from the configuration are out at their next
// click after a reload, without a restart.
func TestConsoleReloadTakesStaff(t *testing.T) {
	h := startConsoleDaemon(t)
	c, resp, body := h.signInOIDC(t, consoleReader)
	if resp.Request.URL.Path != "/" || !strings.Contains(body, "lecteur (lecture seule)") {
		t.Fatalf("OIDC sign-in over HTTP ends on %s:\n%s", resp.Request.URL, body)
	}
	editConfig(t, h.Config, "email = \""+consoleReader+"\"\nrole = \"lecture\"", "email = \"autre@grandlyon.example\"\nrole = \"lecture\"")
	h.Reload(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.Get(h.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.Path == "/connexion" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a reader removed from the configuration still reaches %s\n%s", resp.Request.URL, h.Logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCheckConfigBesideConsole: check-config run beside the daemon finds the console's address
// taken by the console itself, which is no problem; taken by another program, it is one.
func TestCheckConfigBesideConsole(t *testing.T) {
	h := startConsoleDaemon(t)
	if code, stderr := runMain(t, context.Background(), "check-config", "--config", h.Config); code != 0 {
		t.Errorf("check-config beside the daemon: exit %d\n%s", code, stderr)
	}
	h.stop()
	other := &http.Server{Handler: http.NotFoundHandler()}
	ln, err := listenConsole(strings.TrimPrefix(h.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	go other.Serve(ln)
	defer other.Close()
	if code, stderr := runMain(t, context.Background(), "check-config", "--config", h.Config); code != 2 || !strings.Contains(stderr, "console.address: cannot listen") {
		t.Errorf("check-config with the address taken by another program: exit %d\n%s", code, stderr)
	}
}
