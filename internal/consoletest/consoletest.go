// Package consoletest is in charge of speaking to the staff console in tests as a browser does:
// requests through a client of the test's (its cookie jar, its redirect policy), the headers a
// same-origin browser sends on a POST, and the CSRF token a page carries.
package consoletest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Do sends method path to the console at origin through c, with form as its body when not nil,
// and returns the status, the Location and the body of the answer. A POST carries the headers a
// same-origin browser sends, changed by header (a "" value removes one). It fails t on a
// transport error.
func Do(t testing.TB, c *http.Client, origin, method, path string, form url.Values, header map[string]string) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, origin+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(data)
}

// CSRF returns the CSRF token of the console's page at path, read through c; it fails t when
// the page has none.
func CSRF(t testing.TB, c *http.Client, origin, path string) string {
	t.Helper()
	_, _, body := Do(t, c, origin, http.MethodGet, path, nil, nil)
	_, after, ok := strings.Cut(body, `name="csrf" value="`)
	if !ok {
		t.Fatalf("no CSRF token on %s:\n%s", path, body)
	}
	tok, _, _ := strings.Cut(after, `"`)
	return tok
}
