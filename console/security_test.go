package console

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/laclasse/intake/internal/samples"
)

// The console as an attacker sees it: forged ID tokens, a sign-in flow tampered with, a
// session id planted before sign-in, a return address, and a commune's message written to
// run in the staff's browser.

// forgedUser is a mockoidc user whose ID token the test changes before it is signed: the
// provider's key signs it, so only the console's checks can refuse it.
type forgedUser struct {
	mockoidc.MockUser
	// verified, when not nil, is written as email_verified (mockoidc leaves out false).
	verified *bool
	forge    func(*mockoidc.IDTokenClaims)
}

type forgedClaims struct {
	*mockoidc.IDTokenClaims
	Email         string `json:"email,omitempty"`
	EmailVerified *bool  `json:"email_verified,omitempty"`
	Name          string `json:"name,omitempty"`
}

func (u *forgedUser) Claims(_ []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.forge != nil {
		u.forge(c)
	}
	return &forgedClaims{IDTokenClaims: c, Email: u.Email, EmailVerified: u.verified, Name: "<b>Agent</b>"}, nil
}

// oidcConsole is a console signing in with a mockoidc provider, with one gestion staff member.
func oidcConsole(t *testing.T) (*testConsole, *mockoidc.MockOIDC) {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	mc := idp.Config()
	return newTestConsole(t, Config{
		OIDC:  &OIDCConfig{Issuer: mc.Issuer, ClientID: mc.ClientID, ClientSecret: mc.ClientSecret},
		Staff: []StaffMember{{Email: "agent@grandlyon.example", Role: RoleGestion}},
	}), idp
}

// followOIDC runs the whole flow as a browser does and returns the client and the last page.
func followOIDC(t *testing.T, tc *testConsole) (*http.Client, int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(tc.http.URL + oidcPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return c, resp.StatusCode, string(body)
}

// signedInAt reports whether c reaches the home page of tc.
func signedInAt(t *testing.T, tc *testConsole, c *http.Client) bool {
	t.Helper()
	resp, err := c.Get(tc.http.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Request.URL.Path == "/"
}

func TestOIDCRefusesForgedTokens(t *testing.T) {
	tc, idp := oidcConsole(t)
	no, yes := false, true
	for _, c := range []struct {
		name     string
		email    string
		verified *bool
		forge    func(*mockoidc.IDTokenClaims)
		want     int
	}{
		{"OK", "agent@grandlyon.example", &yes, nil, 200},
		{"OKWithoutVerifiedClaim", "agent@grandlyon.example", nil, nil, 200}, // no claim: the provider vouches for the address by signing it
		{"OKAddressCase", "Agent@GrandLyon.EXAMPLE", &yes, nil, 200},
		{"ErrNotVerified", "agent@grandlyon.example", &no, nil, 400},
		{"ErrNoEmail", "", &yes, nil, 400},
		{"ErrAudience", "agent@grandlyon.example", &yes, func(c *mockoidc.IDTokenClaims) { c.Audience = jwt.ClaimStrings{"another-client"} }, 400},
		{"ErrIssuer", "agent@grandlyon.example", &yes, func(c *mockoidc.IDTokenClaims) { c.Issuer = "https://sso.evil.example" }, 400},
		{"ErrNonce", "agent@grandlyon.example", &yes, func(c *mockoidc.IDTokenClaims) { c.Nonce = "replayed" }, 400},
		{"ErrExpired", "agent@grandlyon.example", &yes, func(c *mockoidc.IDTokenClaims) { c.ExpiresAt = jwt.NewNumericDate(c.IssuedAt.Add(-1)) }, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			idp.QueueUser(&forgedUser{MockUser: mockoidc.MockUser{Subject: "s-" + c.name, Email: c.email}, verified: c.verified, forge: c.forge})
			client, status, body := followOIDC(t, tc)
			if status != c.want {
				t.Fatalf("status %d, want %d\n%s", status, c.want, body)
			}
			if c.want != 200 {
				if !strings.Contains(body, "n'a pas abouti") || signedInAt(t, tc, client) {
					t.Errorf("a forged token signed in, or the page does not say it failed:\n%s", body)
				}
				return
			}
			// The provider's name is shown as text, never as markup.
			if !strings.Contains(body, "&lt;b&gt;Agent&lt;/b&gt; (gestion)") || strings.Contains(body, "<b>Agent</b>") {
				t.Errorf("home after sign-in does not show the name escaped:\n%s", body)
			}
		})
	}
	// Staff actions are recorded by the address in lower case, whatever case the provider used.
	idp.QueueUser(&forgedUser{MockUser: mockoidc.MockUser{Subject: "case", Email: "AGENT@grandlyon.example"}, verified: &yes})
	client, _, _ := followOIDC(t, tc)
	status, _, body := doWith(t, client, tc, "/essai", client)
	if status != 200 || body != "fait par agent@grandlyon.example" {
		t.Errorf("an action by the upper-case address: %d %q", status, body)
	}
}

// doWith posts the test action with the CSRF token of client's home page.
func doWith(t *testing.T, c *http.Client, tc *testConsole, path string, _ *http.Client) (int, string, string) {
	t.Helper()
	b := &browser{t: t, c: c, origin: tc.http.URL}
	return b.do("POST", path, url.Values{"csrf": {b.csrf("/")}}, nil)
}

// TestOIDCFlowBound: the provider is sent a state, a nonce and an S256 PKCE challenge, and a
// callback whose verifier is not the one of the challenge (a code stolen from another
// browser's flow) is refused by the provider, and then by the console.
func TestOIDCFlowBound(t *testing.T) {
	tc, idp := oidcConsole(t)
	b := tc.browser(t)
	status, loc, _ := b.do("GET", oidcPath, nil, nil)
	auth, err := url.Parse(loc)
	if status != http.StatusFound || err != nil {
		t.Fatalf("start: %d → %q", status, loc)
	}
	q := auth.Query()
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 40 {
			t.Errorf("the authorization request's %s is %q: want a long random value", k, q.Get(k))
		}
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != tc.http.URL+callbackPath {
		t.Errorf("authorization request %v", q)
	}
	idp.QueueUser(&mockoidc.MockUser{Subject: "x", Email: "agent@grandlyon.example", EmailVerified: true})
	resp, err := b.c.Get(loc) // the provider signs in at once and sends back to the callback
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" || back.Query().Get("state") != q.Get("state") {
		t.Fatalf("the provider's answer: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Another flow's cookie: its own state (so the state matches), but its verifier.
	u, _ := url.Parse(tc.http.URL + signInPath)
	var flow string
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == flowCookie {
			flow = c.Value
		}
	}
	parts := strings.Split(flow, ".")
	if len(parts) != 3 {
		t.Fatalf("flow cookie %q", flow)
	}
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: flowCookie, Value: parts[0] + "." + parts[1] + "." + randomToken(), Path: signInPath}})
	status, _, body := b.do("GET", callbackPath+"?"+back.RawQuery, nil, nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "n'a pas abouti") {
		t.Errorf("a callback with another verifier: %d\n%s", status, body)
	}
	if status, _, _ := b.do("GET", "/", nil, nil); status != http.StatusSeeOther {
		t.Errorf("signed in with another flow's verifier: %d", status)
	}
}

// TestSignInGivesNewSession: a session id planted in the browser before sign-in (session
// fixation) is not the one signed in; signing in again replaces the id too, and ends the
// session it replaces.
func TestSignInGivesNewSession(t *testing.T) {
	tc := newTestConsole(t, Config{})
	b := tc.browser(t)
	u, _ := url.Parse(tc.http.URL)
	planted := randomToken()
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: tc.srv.cookieName(), Value: planted, Path: "/"}})
	tc.signInWithLink(t, b, RoleGestion, "Camille")
	first := sessionCookie(t, tc, b)
	if first == planted {
		t.Fatal("signing in kept the session id planted before")
	}
	attacker := tc.browser(t)
	attacker.c.Jar.SetCookies(u, []*http.Cookie{{Name: tc.srv.cookieName(), Value: planted, Path: "/"}})
	if status, _, _ := attacker.do("GET", "/", nil, nil); status != http.StatusSeeOther {
		t.Errorf("the planted id reaches the console: %d", status)
	}
	tc.signInWithLink(t, b, RoleLecture, "Camille")
	if again := sessionCookie(t, tc, b); again == first {
		t.Error("signing in again kept the session id")
	}
	// The session signed in before ends: a copy of its cookie no longer gets in.
	copied := tc.browser(t)
	copied.c.Jar.SetCookies(u, []*http.Cookie{{Name: tc.srv.cookieName(), Value: first, Path: "/"}})
	if status, _, _ := copied.do("GET", "/", nil, nil); status != http.StatusSeeOther {
		t.Errorf("the session replaced by a new sign-in still reaches the console: %d", status)
	}
}

func sessionCookie(t *testing.T, tc *testConsole, b *browser) string {
	t.Helper()
	u, _ := url.Parse(tc.http.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == tc.srv.cookieName() {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// TestNoReturnAddress: the console sends to its home page after sign-in, whatever a link adds
// (no open redirect), and a page asked without a session sends to the sign-in page without
// the page's address (it may name a school or a request).
func TestNoReturnAddress(t *testing.T) {
	tc := newTestConsole(t, Config{})
	b := tc.browser(t)
	if status, loc, _ := b.do("GET", "/ecoles/0690001A?next=https://evil.example", nil, nil); status != http.StatusSeeOther || loc != signInPath {
		t.Errorf("without a session: %d → %q", status, loc)
	}
	link := tc.link(t, RoleGestion, "Camille")
	status, loc, _ := b.do("POST", linkPath+"?next=https://evil.example", url.Values{"token": {tokenOf(link)}, "next": {"//evil.example/"}, "return": {"https://evil.example"}}, nil)
	if status != http.StatusSeeOther || loc != "/" {
		t.Errorf("after sign-in: %d → %q, want /", status, loc)
	}
}

func TestFramingRefused(t *testing.T) {
	tc := newTestConsole(t, Config{})
	for _, path := range []string{signInPath, "/", "/nulle-part"} {
		resp, err := http.Get(tc.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s can be framed: %v", path, resp.Header)
		}
	}
}

// TestHostileMessage: a message whose sender name, subject, text, sheet cells and file names
// are markup shows as text on every page; its HTML and SVG files download as files of no type
// (never rendered in the console's origin), under a name without line breaks.
func TestHostileMessage(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleGestion)
	rows := samples.Rows(40, 2)
	rows[0].School = `<script>alert("ecole")</script>`
	rows[1].Email = `"><svg onload=alert(1)>`
	page := `<script>alert("piece")</script>`
	id := f.decide(10, samples.Message{
		From: `"<img src=x onerror=alert(1)>" <ecoles@mairie-givors.fr>`, To: samples.Mailbox, MessageID: "hostile@mairie-givors.fr",
		Subject: `<script>alert("objet")</script>`, Text: `<iframe src="https://evil.example"></iframe>`,
		Attachments: []samples.Attachment{
			{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Givors", rows)},
			{Name: "<img src=x onerror=alert(2)>.html", ContentType: "text/html", Data: []byte(page)},
			{Name: "a\r\nSet-Cookie: x=1.svg", ContentType: "image/svg+xml", Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(3)"/>`), Latin1Name: true},
		}}.Raw())
	markup := []string{"<script", "<img src=x", "<svg onload", "<iframe", `"><svg`}
	for _, path := range []string{fmt.Sprintf("/demandes/%d", id), "/ecoles/" + rows[0].UAI, "/communes/69091", "/", "/ecoles"} {
		body := b.get(path)
		for _, m := range markup {
			if strings.Contains(body, m) {
				t.Errorf("%s holds the message's markup %q unescaped", path, m)
			}
		}
	}
	wantIn(t, "the request's page", b.get(fmt.Sprintf("/demandes/%d", id)), `<script>alert("objet")</script>`, "<img src=x onerror=alert(1)>", `<iframe src="https://evil.example"></iframe>`)
	for n, want := range map[int]string{2: "attachment; filename=\"<img src=x onerror=alert(2)>.html\"", 3: "attachment; filename=\"aSet-Cookie: x=1.svg\""} {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/demandes/%d/pieces/%d", f.http.URL, id, n), nil)
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		hd := resp.Header
		if resp.StatusCode != 200 || hd.Get("Content-Type") != "application/octet-stream" || hd.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(hd.Get("Content-Security-Policy"), "default-src 'none'") || hd.Get("Content-Disposition") != want || len(hd.Values("Set-Cookie")) != 0 {
			t.Errorf("file %d: %d %v", n, resp.StatusCode, hd)
		}
		if n == 2 && string(data) != page {
			t.Errorf("file %d: %q, want the bytes received", n, data)
		}
	}
}

// TestFlashCookieHostOnly: behind TLS the sentence an action leaves travels in a __Host-
// cookie (no sibling sub-domain can set it), and is read back from it only.
func TestFlashCookieHostOnly(t *testing.T) {
	tc := newTestConsole(t, Config{Address: "0.0.0.0:8480", PublicURL: "https://intake.grandlyon.example"})
	w := httptest.NewRecorder()
	tc.srv.done(w, httptest.NewRequest("POST", "/essai", nil), "/", "Accès ouvert")
	set := w.Result().Cookies()
	if len(set) != 1 || set[0].Name != "__Host-console_flash" || !set[0].Secure || set[0].Path != "/" || set[0].Domain != "" || !set[0].HttpOnly {
		t.Fatalf("flash cookie behind TLS: %+v", set)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "console_flash", Value: set[0].Value}) // planted without the prefix
	if got := tc.srv.takeFlash(httptest.NewRecorder(), r); got != "" {
		t.Errorf("a flash cookie without the __Host- prefix was read: %q", got)
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(set[0])
	if got := tc.srv.takeFlash(httptest.NewRecorder(), r); got != "Accès ouvert" {
		t.Errorf("the flash read back: %q", got)
	}
}

// TestSearchAndSignOutNeedToken: the search (a POST, any role) and the sign-out are refused
// without the session's token or from another origin, and work with it.
func TestSearchAndSignOutNeedToken(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleLecture)
	token := b.csrf("/")
	other := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	for _, path := range []string{"/recherche", signOutPath} {
		if status, _, _ := b.do("POST", path, url.Values{"q": {"Givors"}}, nil); status != http.StatusForbidden {
			t.Errorf("POST %s without a token: %d", path, status)
		}
		if status, _, _ := b.do("POST", path, url.Values{"q": {"Givors"}, "csrf": {token}}, other); status != http.StatusForbidden {
			t.Errorf("POST %s from another origin: %d", path, status)
		}
	}
	if status, _, body := b.do("POST", "/recherche", url.Values{"q": {"Givors"}, "csrf": {token}}, nil); status != 200 || !strings.Contains(body, "Résultats pour « Givors »") {
		t.Errorf("the search with its token: %d", status)
	}
	if status, loc, _ := b.do("POST", signOutPath, url.Values{"csrf": {token}}, nil); status != http.StatusSeeOther || loc != signInPath {
		t.Errorf("sign out with the token: %d → %q", status, loc)
	}
}
