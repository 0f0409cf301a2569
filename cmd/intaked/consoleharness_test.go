package main

// The staff console's test harness: the daemon started through Main with the console on
// (in-process IMAP and SMTP servers, a real OpenID Connect flow through mockoidc), and a real
// browser (Debian's chromium, driven by chromedp) with axe-core for accessibility.
//
// For the pages' tests (helper O), the API is:
//
//	h := startConsoleDaemon(t)          // daemon + console + mockoidc; h.URL, h.Config, h.Servers, h.IDP, h.Logs
//	h.Append(t, raw, date); h.WaitRequests(t, 1) // a message lands; the daemon (polling every second) decides it
//	ctx := newBrowser(t)                // a chromium tab; skips unless INTAKE_REAL_SERVERS=require (then fails if missing)
//	signInWithLink(t, ctx, h, "gestion", "Camille")    // `intaked console-link`, then the link in the browser
//	signInWithOIDC(t, ctx, h, consoleAgent)            // the OIDC flow; consoleAgent is gestion, consoleReader lecture
//	axeCheck(t, ctx)                    // axe-core on the page shown: fails on a serious or critical violation
//	screenshot(t, ctx, "aujourdhui")    // docs/console/aujourdhui.png when INTAKE_SCREENSHOTS=1
//	h.Client(t) / h.SignedInClient(t, role) // a plain HTTP client (cookie jar, no redirects), signed in by a link
//	h.Reload(t); h.Restart(t)           // SIGHUP; stop and start again on the same store
//
// Staff in the configuration: consoleAgent (gestion) and consoleReader (lecture).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/laclasse/intake/internal/consoletest"
)

// The staff of the harness's configuration.
const (
	consoleAgent  = "agent@grandlyon.example"   // role gestion
	consoleReader = "lecteur@grandlyon.example" // role lecture
)

// consoleDaemon is a running daemon serving the console.
type consoleDaemon struct {
	URL     string // the console, e.g. http://127.0.0.1:PORT
	Config  string // the configuration file's path
	Servers servers
	IDP     *mockoidc.MockOIDC
	Logs    *syncBuffer
	stop    func()
	reload  chan struct{}
}

// startConsoleDaemon starts `intaked run` with the console on, signing in through a mockoidc
// provider, and stops it at the test's end (failing the test if it does not stop in time).
func startConsoleDaemon(t *testing.T) *consoleDaemon {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	s := memServers(t)
	cfg := writeConfig(t, s)
	withConfig(t, cfg, "imap", `poll_interval = "1s"`)
	addr := freeAddr(t)
	mc := idp.Config()
	appendConfig(t, cfg, fmt.Sprintf(`
[console]
address = %q
idle_timeout = "30m"
[console.oidc]
issuer = %q
client_id = %q
client_secret = %q
[[console.staff]]
email = %q
role = "gestion"
[[console.staff]]
email = %q
role = "lecture"
`, addr, mc.Issuer, mc.ClientID, mc.ClientSecret, consoleAgent, consoleReader))
	h := &consoleDaemon{URL: "http://" + addr, Config: cfg, Servers: s, IDP: idp, Logs: &syncBuffer{}, reload: make(chan struct{})}
	h.start(t)
	return h
}

// start runs the daemon until h.stop, and waits for the console to answer.
func (h *consoleDaemon) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := &Main{Stdout: io.Discard, Stderr: h.Logs, Now: time.Now, Logger: slog.New(slog.NewTextHandler(h.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Reload: h.reload}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", h.Config}) }()
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the daemon stopped with: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("the daemon did not stop within 30 s\n%s", h.Logs.String())
		}
	}
	t.Cleanup(h.stop)
	waitHTTP(t, h.URL+"/connexion", h.Logs)
}

// Restart stops the daemon and starts it again on the same configuration and store.
func (h *consoleDaemon) Restart(t *testing.T) {
	t.Helper()
	h.stop()
	h.start(t)
}

// Reload makes the daemon read its configuration again, as SIGHUP does.
func (h *consoleDaemon) Reload(t *testing.T) {
	t.Helper()
	select {
	case h.reload <- struct{}{}:
	case <-time.After(10 * time.Second):
		t.Fatal("the daemon took no reload in 10 s")
	}
}

// Append puts a message in the mailbox; the running daemon sees it within a second.
func (h *consoleDaemon) Append(t *testing.T, raw []byte, date time.Time) {
	t.Helper()
	h.Servers.append(t, raw, date)
}

// WaitRequests waits until `intaked requests` lists at least n requests (decided messages).
func (h *consoleDaemon) WaitRequests(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var reqs []json.RawMessage
		if err := json.Unmarshal([]byte(run(t, "requests", "--config", h.Config, "--json")), &reqs); err != nil {
			t.Fatal(err)
		}
		if len(reqs) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon decided %d requests in 30 s, want %d\n%s", len(reqs), n, h.Logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// appendConfig adds text at the end of the configuration at path.
func appendConfig(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// consoleLink runs `intaked console-link` and returns the URL it printed.
func (h *consoleDaemon) consoleLink(t *testing.T, args ...string) string {
	t.Helper()
	out := strings.TrimSpace(run(t, append([]string{"console-link", "--config", h.Config}, args...)...))
	if !strings.HasPrefix(out, h.URL+"/connexion/lien/") {
		t.Fatalf("console-link printed %q, want a link on %s", out, h.URL)
	}
	return out
}

// consoleClient is an HTTP client of the console as a browser of its origin: a cookie jar,
// no redirect followed, Origin and Sec-Fetch-Site on POSTs.
type consoleClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

// Client returns a client of the console, signed out.
func (h *consoleDaemon) Client(t *testing.T) *consoleClient {
	jar, _ := cookiejar.New(nil)
	return &consoleClient{t: t, base: h.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// SignedInClient returns a client signed in with a fresh one-time link of role.
func (h *consoleDaemon) SignedInClient(t *testing.T, role string) *consoleClient {
	t.Helper()
	c := h.Client(t)
	link := h.consoleLink(t, "--role", role, "--as", "essai-"+role)
	if status, loc, _ := c.Post("/connexion/lien", url.Values{"token": {tokenOfLink(link)}}, nil); status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("sign in with %s: %d → %q", link, status, loc)
	}
	return c
}

func tokenOfLink(link string) string { return link[strings.LastIndex(link, "/")+1:] }

// Get returns the status, the Location and the body of GET path.
func (c *consoleClient) Get(path string) (int, string, string) {
	c.t.Helper()
	return c.do("GET", path, nil, nil)
}

// Post posts form to path with the headers a same-origin browser sends, changed by header (a
// "" value removes one).
func (c *consoleClient) Post(path string, form url.Values, header map[string]string) (int, string, string) {
	c.t.Helper()
	return c.do("POST", path, form, header)
}

func (c *consoleClient) do(method, path string, form url.Values, header map[string]string) (int, string, string) {
	c.t.Helper()
	return consoletest.Do(c.t, c.c, c.base, method, path, form, header)
}

// CSRF returns the CSRF token of the page at path.
func (c *consoleClient) CSRF(path string) string {
	c.t.Helper()
	return consoletest.CSRF(c.t, c.c, c.base, path)
}

// requireBrowserTools skips the test when what is missing may be (INTAKE_REAL_SERVERS is not
// "require"), and fails it otherwise.
func requireBrowserTools(t *testing.T, what string, err error) {
	t.Helper()
	if os.Getenv("INTAKE_REAL_SERVERS") == "require" {
		t.Fatalf("%s: %v (.ci/test installs it)", what, err)
	}
	t.Skipf("%s: %v (set INTAKE_REAL_SERVERS=require to make this a failure)", what, err)
}

// chromiumPath returns Debian's chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	requireBrowserTools(t, "chromium", errors.New("not installed (apt-get install chromium)"))
	return ""
}

// newBrowser returns a chromedp context on a fresh headless chromium, closed at the test's end.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // root in CI
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "fr-FR"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser, for as long as ctx lives: no timeout on it.
	if err := chromedp.Do(ctx); err != nil {
		requireBrowserTools(t, "start chromium", err)
	}
	return ctx
}

// browserTimeout bounds each browse.
const browserTimeout = time.Minute

// browse runs steps in the browser, failing the test on an error.
func browse(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// browseValue runs one action that returns a value.
func browseValue[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// pageText returns the text of the page shown.
func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	return browseValue(t, ctx, chromedp.Text(chromedp.CSS("body")))
}

// pageURL returns the address of the page shown.
func pageURL(t *testing.T, ctx context.Context) string {
	t.Helper()
	return browseValue(t, ctx, chromedp.Location())
}

// signInWithLink signs the browser in with a one-time link of role ("gestion" or "lecture")
// made by `intaked console-link --as name`, and waits for the home page.
func signInWithLink(t *testing.T, ctx context.Context, h *consoleDaemon, role, name string) {
	t.Helper()
	link := h.consoleLink(t, "--role", role, "--as", name)
	browse(t, ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label]`)),
	)
	if text := pageText(t, ctx); !strings.Contains(text, name) {
		t.Fatalf("signed in with a link, the page does not name %s:\n%s", name, text)
	}
}

// signInWithOIDC signs the browser in as email through the identity provider (mockoidc), from
// the sign-in page's button, and waits for the home page.
func signInWithOIDC(t *testing.T, ctx context.Context, h *consoleDaemon, email string) {
	t.Helper()
	queueOIDCUser(h, email)
	browse(t, ctx,
		chromedp.Navigate(h.URL+"/connexion"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/connexion/oidc"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/connexion/oidc"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label]`)),
	)
}

// queueOIDCUser makes email the next user the identity provider signs in.
func queueOIDCUser(h *consoleDaemon, email string) {
	h.IDP.QueueUser(&mockoidc.MockUser{Subject: email, Email: email, EmailVerified: true, PreferredUsername: strings.Split(email, "@")[0]})
}

// signInOIDC signs email in with the identity provider over HTTP, redirects followed, and
// returns the client (with its session cookie), the last answer (its body closed) and its body.
func (h *consoleDaemon) signInOIDC(t *testing.T, email string) (*http.Client, *http.Response, string) {
	t.Helper()
	queueOIDCUser(h, email)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(h.URL + "/connexion/oidc")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return c, resp, string(body)
}

// axePath is where .ci/test installs axe-core (INTAKE_AXE_JS overrides it).
func axePath() string {
	if p := os.Getenv("INTAKE_AXE_JS"); p != "" {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return filepath.Join(cache, "intake", "axe-core", "node_modules", "axe-core", "axe.min.js")
}

// axeViolation is one rule axe-core found broken.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		HTML string `json:"html"`
	} `json:"nodes"`
}

// axeCheck runs axe-core (WCAG 2.x A and AA rules, the RGAA's ground, and best practices) on
// the page shown and fails the test on each violation of impact serious or critical; lesser
// ones are logged.
func axeCheck(t *testing.T, ctx context.Context) {
	t.Helper()
	loc := pageURL(t, ctx)
	for _, v := range axeViolations(t, ctx) {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, n.HTML)
		}
		msg := fmt.Sprintf("axe-core on %s: %s (%s): %s\n  %s", loc, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}

// axeViolations runs axe-core on the page shown and returns what it found.
func axeViolations(t *testing.T, ctx context.Context) []axeViolation {
	t.Helper()
	src, err := os.ReadFile(axePath())
	if err != nil {
		requireBrowserTools(t, "axe-core", err)
	}
	browse(t, ctx, chromedp.Evaluate[chromedp.Void](string(src)))
	raw := browseValue(t, ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}, resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe-core's answer: %v\n%s", err, raw)
	}
	return vs
}

// screenshot writes the page shown to docs/console/<name>.png when INTAKE_SCREENSHOTS=1 (the
// README shows them).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("INTAKE_SCREENSHOTS") != "1" {
		return
	}
	png := browseValue(t, ctx, chromedp.FullScreenshot(100))
	dir := filepath.Join("..", "..", "docs", "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
