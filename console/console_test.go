package console

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/laclasse/intake/internal/consoletest"
	"github.com/laclasse/intake/sqlite"
)

// clock is a settable clock for the console's Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testConsole is a console on a fresh store behind an httptest server, with a test action
// (POST /essai), a test page (GET /essai-page/{uai}) and a test query (POST /essai-lecture)
// beside its pages.
type testConsole struct {
	srv   *Server
	http  *httptest.Server
	store *sqlite.DB
	clock *clock
	acted int // how many times the test action ran
	mu    sync.Mutex
}

func newTestConsole(t *testing.T, cfg Config) *testConsole {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "intake.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	tc := &testConsole{store: store, clock: &clock{t: time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC)}}
	ln := httptest.NewUnstartedServer(nil)
	if cfg.Address == "" {
		cfg.Address = ln.Listener.Addr().String()
	}
	tc.srv, err = New(cfg, Deps{Store: store, Now: tc.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	tc.srv.authRoutes(mux)
	tc.srv.routes(mux)
	tc.srv.act(mux, "/essai", func(w http.ResponseWriter, r *http.Request) {
		tc.mu.Lock()
		tc.acted++
		tc.mu.Unlock()
		io.WriteString(w, "fait par "+staffOf(r).By())
	})
	tc.srv.view(mux, "/essai-page/{uai}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page "+r.PathValue("uai")) })
	tc.srv.query(mux, "/essai-lecture", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "lu") })
	ln.Config.Handler = tc.srv.protect(mux)
	ln.Start()
	t.Cleanup(ln.Close)
	tc.http = ln
	return tc
}

// browser is an HTTP client with a cookie jar that does not follow redirects.
type browser struct {
	t      *testing.T
	c      *http.Client
	origin string
}

func (tc *testConsole) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, origin: tc.http.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request as a browser of the console's origin would, and returns the status, the
// Location and the body.
func (b *browser) do(method, path string, form url.Values, header map[string]string) (int, string, string) {
	b.t.Helper()
	return consoletest.Do(b.t, b.c, b.origin, method, path, form, header)
}

// csrf returns the CSRF token of the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	return consoletest.CSRF(b.t, b.c, b.origin, path)
}

// signInWithLink signs b in with a fresh one-time link of role.
func (tc *testConsole) signInWithLink(t *testing.T, b *browser, role Role, name string) {
	t.Helper()
	link := tc.link(t, role, name)
	status, loc, _ := b.do("POST", linkPath, url.Values{"token": {tokenOf(link)}}, nil)
	if status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("sign in with a link: %d → %q", status, loc)
	}
}

func (tc *testConsole) link(t *testing.T, role Role, name string) string {
	t.Helper()
	link, err := CreateLink(context.Background(), *tc.srv.config(), tc.store, tc.clock.Now(), role, name)
	if err != nil {
		t.Fatal(err)
	}
	return link
}

func tokenOf(link string) string { return link[strings.LastIndex(link, "/")+1:] }

func TestNoPageWithoutSession(t *testing.T) {
	tc := newTestConsole(t, Config{})
	b := tc.browser(t)
	for _, path := range []string{"/", "/essai-page/0690001A"} {
		status, loc, _ := b.do("GET", path, nil, nil)
		if status != http.StatusSeeOther || loc != signInPath {
			t.Errorf("GET %s without a session: %d → %q, want 303 → %s", path, status, loc, signInPath)
		}
	}
	for _, path := range []string{"/essai", "/essai-lecture", signOutPath} {
		status, loc, _ := b.do("POST", path, url.Values{"csrf": {"x"}}, nil)
		if status != http.StatusSeeOther || loc != signInPath {
			t.Errorf("POST %s without a session: %d → %q", path, status, loc)
		}
	}
	if tc.acted != 0 {
		t.Errorf("the action ran %d times without a session", tc.acted)
	}
	status, _, body := b.do("GET", signInPath, nil, nil)
	if status != 200 || !strings.Contains(body, "intaked console-link") || strings.Contains(body, oidcPath) {
		t.Errorf("sign-in page without OIDC: %d\n%s", status, body)
	}
}

func TestLinkSignsInOnce(t *testing.T) {
	tc := newTestConsole(t, Config{})
	link := tc.link(t, RoleGestion, "Camille")
	if !strings.HasPrefix(link, tc.http.URL+linkPath+"/") {
		t.Fatalf("link %q is not on the console's URL %s", link, tc.http.URL)
	}
	b := tc.browser(t)
	// The GET spends nothing: a link preview cannot use it up.
	for range 2 {
		status, _, body := b.do("GET", strings.TrimPrefix(link, tc.http.URL), nil, nil)
		if status != 200 || !strings.Contains(body, `name="token" value="`+tokenOf(link)+`"`) {
			t.Fatalf("link page: %d\n%s", status, body)
		}
	}
	status, loc, _ := b.do("POST", linkPath, url.Values{"token": {tokenOf(link)}}, nil)
	if status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("first use: %d → %q", status, loc)
	}
	status, _, body := b.do("GET", "/", nil, nil)
	if status != 200 || !strings.Contains(body, "Camille (gestion)") || !strings.Contains(body, "Se déconnecter") {
		t.Fatalf("home after sign-in: %d\n%s", status, body)
	}
	other := tc.browser(t)
	status, _, body = other.do("POST", linkPath, url.Values{"token": {tokenOf(link)}}, nil)
	if status != http.StatusForbidden || !strings.Contains(body, "a déjà servi") {
		t.Errorf("second use: %d, want 403 and the French refusal\n%s", status, body)
	}
	if status, loc, _ := other.do("GET", "/", nil, nil); status != http.StatusSeeOther || loc != signInPath {
		t.Errorf("the second holder is signed in: %d → %q", status, loc)
	}
	status, _, _ = other.do("POST", linkPath, url.Values{"token": {"made-up"}}, nil)
	if status != http.StatusForbidden {
		t.Errorf("made-up token: %d, want 403", status)
	}
}

func TestLinkExpires(t *testing.T) {
	tc := newTestConsole(t, Config{})
	link := tc.link(t, RoleGestion, "Camille")
	tc.clock.Add(LinkValidity + time.Second)
	b := tc.browser(t)
	status, _, body := b.do("POST", linkPath, url.Values{"token": {tokenOf(link)}}, nil)
	if status != http.StatusForbidden || !strings.Contains(body, "15 minutes sont passées") {
		t.Errorf("a link after 15 minutes: %d\n%s", status, body)
	}
	fresh := tc.link(t, RoleGestion, "Camille")
	tc.clock.Add(LinkValidity - time.Second)
	if status, _, _ := b.do("POST", linkPath, url.Values{"token": {tokenOf(fresh)}}, nil); status != http.StatusSeeOther {
		t.Errorf("a link within 15 minutes: %d", status)
	}
	if _, err := CreateLink(context.Background(), *tc.srv.config(), tc.store, tc.clock.Now(), "admin", "x"); err == nil {
		t.Error("a link of an unknown role was made")
	}
}

func TestPostNeedsTokenOriginAndRole(t *testing.T) {
	tc := newTestConsole(t, Config{})
	gestion := tc.browser(t)
	tc.signInWithLink(t, gestion, RoleGestion, "Camille")
	token := gestion.csrf("/")
	for _, c := range []struct {
		name   string
		form   url.Values
		header map[string]string
		want   int
	}{
		{"OK", url.Values{"csrf": {token}}, nil, 200},
		{"ErrNoToken", url.Values{}, nil, 403},
		{"ErrWrongToken", url.Values{"csrf": {token[:len(token)-1] + "x"}}, nil, 403},
		{"ErrOtherOrigin", url.Values{"csrf": {token}}, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": ""}, 403},
		{"ErrCrossSite", url.Values{"csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": ""}, 403},
		{"ErrForwardedHost", url.Values{"csrf": {token}}, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "", "X-Forwarded-Host": "evil.example"}, 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := tc.acted
			status, _, body := gestion.do("POST", "/essai", c.form, c.header)
			if status != c.want {
				t.Errorf("status %d, want %d\n%s", status, c.want, body)
			}
			if ran := tc.acted - before; (c.want == 200) != (ran == 1) {
				t.Errorf("the action ran %d times", ran)
			}
			if c.want == 200 && body != "fait par lien:Camille" {
				t.Errorf("the action saw %q", body)
			}
		})
	}

	lecture := tc.browser(t)
	tc.signInWithLink(t, lecture, RoleLecture, "Dominique")
	ltoken := lecture.csrf("/")
	before := tc.acted
	status, _, body := lecture.do("POST", "/essai", url.Values{"csrf": {ltoken}}, nil)
	if status != http.StatusForbidden || !strings.Contains(body, "lecture") || tc.acted != before {
		t.Errorf("lecture POSTs an action: %d, ran %d\n%s", status, tc.acted-before, body)
	}
	if status, _, body := lecture.do("POST", "/essai-lecture", url.Values{"csrf": {ltoken}}, nil); status != 200 || body != "lu" {
		t.Errorf("lecture's query: %d %q", status, body)
	}
	// One session's token is not another's.
	if status, _, _ := lecture.do("POST", "/essai-lecture", url.Values{"csrf": {token}}, nil); status != http.StatusForbidden {
		t.Errorf("another session's token: %d", status)
	}
}

func TestSessionIdleAndSignOut(t *testing.T) {
	tc := newTestConsole(t, Config{IdleTimeout: 30 * time.Minute})
	b := tc.browser(t)
	tc.signInWithLink(t, b, RoleGestion, "Camille")
	for range 3 { // each use pushes the end back
		tc.clock.Add(20 * time.Minute)
		if status, _, _ := b.do("GET", "/", nil, nil); status != 200 {
			t.Fatalf("a session used every 20 minutes ended: %d", status)
		}
	}
	tc.clock.Add(31 * time.Minute)
	if status, loc, _ := b.do("GET", "/", nil, nil); status != http.StatusSeeOther || loc != signInPath {
		t.Errorf("a session idle for 31 minutes: %d → %q", status, loc)
	}

	tc.signInWithLink(t, b, RoleGestion, "Camille")
	for i := 0; i < int(MaxSessionAge/(20*time.Minute)); i++ {
		tc.clock.Add(20 * time.Minute)
		if status, _, _ := b.do("GET", "/", nil, nil); status != 200 {
			t.Fatalf("a session used every 20 minutes ended after %v", time.Duration(i+1)*20*time.Minute)
		}
	}
	tc.clock.Add(20 * time.Minute)
	if status, _, _ := b.do("GET", "/", nil, nil); status != http.StatusSeeOther {
		t.Errorf("a session used all along lives past %v: %d", MaxSessionAge, status)
	}

	tc.signInWithLink(t, b, RoleGestion, "Camille")
	token := b.csrf("/")
	if status, loc, _ := b.do("POST", signOutPath, url.Values{"csrf": {token}}, nil); status != http.StatusSeeOther || loc != signInPath {
		t.Fatalf("sign out: %d → %q", status, loc)
	}
	if status, _, _ := b.do("GET", "/", nil, nil); status != http.StatusSeeOther {
		t.Errorf("still signed in after signing out: %d", status)
	}
}

func TestCookieAndHeaders(t *testing.T) {
	t.Run("Loopback", func(t *testing.T) {
		tc := newTestConsole(t, Config{})
		c := signInCookie(t, tc)
		if c.Name != "intake_console" || !c.HttpOnly || c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Errorf("cookie on loopback: %+v", c)
		}
	})
	t.Run("Public", func(t *testing.T) {
		tc := newTestConsole(t, Config{Address: "0.0.0.0:8480", PublicURL: "https://intake.grandlyon.example"})
		c := signInCookie(t, tc)
		if c.Name != "__Host-intake_console" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie behind TLS: %+v", c)
		}
		link := tc.link(t, RoleGestion, "x")
		if !strings.HasPrefix(link, "https://intake.grandlyon.example/connexion/lien/") {
			t.Errorf("link not on public_url: %s", link)
		}
		// Behind the reverse proxy, the browser's Origin is the public URL's, whatever Host
		// the proxy sends.
		b := tc.browser(t)
		link = tc.link(t, RoleGestion, "x")
		proxied := map[string]string{"Origin": "https://intake.grandlyon.example", "Sec-Fetch-Site": ""}
		if status, _, _ := b.do("POST", linkPath, url.Values{"token": {tokenOf(link)}}, proxied); status != http.StatusSeeOther {
			t.Errorf("a POST from the public URL's origin: %d", status)
		}
		proxied["Origin"] = "https://other.grandlyon.example"
		if status, _, _ := b.do("POST", linkPath, url.Values{"token": {tokenOf(tc.link(t, RoleGestion, "x"))}}, proxied); status != http.StatusForbidden {
			t.Errorf("a POST from another origin: %d", status)
		}
	})
	t.Run("Headers", func(t *testing.T) {
		tc := newTestConsole(t, Config{})
		for _, path := range []string{signInPath, "/", "/nulle-part", "/static/console.css"} {
			resp, err := http.Get(tc.http.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: CSP %q", path, csp)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("%s: headers %v", path, resp.Header)
			}
		}
		resp, err := http.Get(tc.http.URL + "/nulle-part")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || !strings.Contains(string(body), "Cette page n'existe pas") || !strings.Contains(string(body), `lang="fr"`) {
			t.Errorf("404: %d\n%s", resp.StatusCode, body)
		}
	})
}

// signInCookie signs in with a link and returns the session cookie set.
func signInCookie(t *testing.T, tc *testConsole) *http.Cookie {
	t.Helper()
	link := tc.link(t, RoleGestion, "Camille")
	form := url.Values{"token": {tokenOf(link)}}
	req, _ := http.NewRequest("POST", tc.http.URL+linkPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "intake_console") {
			return c
		}
	}
	t.Fatalf("no session cookie: %d %v", resp.StatusCode, resp.Header)
	return nil
}

func TestOIDCSignIn(t *testing.T) {
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	mc := idp.Config()
	tc := newTestConsole(t, Config{
		OIDC:  &OIDCConfig{Issuer: mc.Issuer, ClientID: mc.ClientID, ClientSecret: mc.ClientSecret},
		Staff: []StaffMember{{Email: "Agent@GrandLyon.example", Role: RoleGestion}, {Email: "lecteur@grandlyon.example", Role: RoleLecture}},
	})
	// signIn follows the whole flow, as a browser does, and returns the last page.
	signIn := func(t *testing.T, email string) (*http.Client, int, string) {
		t.Helper()
		idp.QueueUser(&mockoidc.MockUser{Subject: email, Email: email, EmailVerified: true, PreferredUsername: strings.Split(email, "@")[0]})
		return followOIDC(t, tc)
	}
	t.Run("OK", func(t *testing.T) {
		_, status, body := signIn(t, "agent@grandlyon.example")
		if status != 200 || !strings.Contains(body, "agent (gestion)") {
			t.Errorf("after the OIDC flow: %d\n%s", status, body)
		}
	})
	t.Run("Lecture", func(t *testing.T) {
		_, status, body := signIn(t, "lecteur@grandlyon.example")
		if status != 200 || !strings.Contains(body, "lecteur (lecture seule)") {
			t.Errorf("after the OIDC flow: %d\n%s", status, body)
		}
	})
	t.Run("ErrNotStaff", func(t *testing.T) {
		c, status, body := signIn(t, "curieux@ailleurs.example")
		if status != http.StatusForbidden || !strings.Contains(body, "n'a pas accès") || !strings.Contains(body, "curieux@ailleurs.example") {
			t.Errorf("someone else: %d\n%s", status, body)
		}
		resp, err := c.Get(tc.http.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.Path != signInPath {
			t.Errorf("someone else reaches %s", resp.Request.URL.Path)
		}
	})
	t.Run("ErrForgedState", func(t *testing.T) {
		b := tc.browser(t)
		status, _, body := b.do("GET", callbackPath+"?code=x&state=y", nil, nil)
		if status != http.StatusBadRequest || !strings.Contains(body, "n'a pas abouti") {
			t.Errorf("callback without a sign-in in progress: %d\n%s", status, body)
		}
	})
	t.Run("StaffRemovedOnReload", func(t *testing.T) {
		c, status, _ := signIn(t, "agent@grandlyon.example")
		if status != 200 {
			t.Fatal(status)
		}
		cfg := *tc.srv.config()
		tc.srv.Reload(Config{Staff: cfg.Staff[1:]})
		defer tc.srv.Reload(cfg)
		resp, err := c.Get(tc.http.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.Path != signInPath {
			t.Errorf("staff removed from the configuration still reach %s", resp.Request.URL.Path)
		}
	})
}

func TestServeStopsInTime(t *testing.T) {
	tc := newTestConsole(t, Config{})
	ln := httptest.NewUnstartedServer(nil).Listener
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tc.srv.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + signInPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(shutdownTimeout + 2*time.Second):
		t.Fatal("Serve did not stop within its shutdown timeout")
	}
}

func TestOIDCProviderDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	issuer := down.URL
	down.Close() // nobody answers there any more
	tc := newTestConsole(t, Config{OIDC: &OIDCConfig{Issuer: issuer, ClientID: "c"}, Staff: []StaffMember{{Email: "a@b.example", Role: RoleGestion}}})
	b := tc.browser(t)
	status, _, body := b.do("GET", oidcPath, nil, nil)
	if status != http.StatusBadGateway || !strings.Contains(body, "n'a pas abouti") {
		t.Errorf("provider down: %d\n%s", status, body)
	}
	if status, _, body := b.do("GET", signInPath, nil, nil); status != 200 || !strings.Contains(body, oidcPath) {
		t.Errorf("sign-in page with OIDC: %d\n%s", status, body)
	}
}
