package laclasse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/laclasse/intake/internal/backoff"
)

// maxBody bounds what is read of an answer.
const maxBody = 8 << 20

// APIError is an answer of LaclasseService other than a success. Message is the service's own
// explanation (e.g. "Invalid field 'address' value 'x'"), fit for the Métropole's digest.
type APIError struct {
	Method  string
	Path    string // without the query
	Status  int
	Message string
}

// Error returns e.g. "laclasse: POST /api/users: 400 Missing required field firstname".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("laclasse: %s %s: %d %s", e.Method, e.Path, e.Status, msg)
}

// Permanent reports whether sending the same request again cannot help: true for a 4xx answer.
func (e *APIError) Permanent() bool { return e.Status >= 400 && e.Status < 500 }

// IsPermanent reports whether err is a failure that trying again later cannot cure: a 4xx answer,
// a school or administrator the service would refuse, or a bad configuration. Other failures
// (5xx answers, connection errors, timeouts that outlasted the retries) may succeed later.
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// errNotFound is matched by a 404 answer (errors.Is).
var errNotFound = errors.New("not found")

// Is makes a 404 answer match errNotFound.
func (e *APIError) Is(target error) bool {
	return target == errNotFound && e.Status == http.StatusNotFound
}

// permanentError is a failure found before asking the service.
type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Permanent() bool { return true }

func permanent(err error) error { return &permanentError{err} }

func invalidf(format string, args ...any) error {
	return permanent(fmt.Errorf("laclasse: "+format, args...))
}

// transportError is a request that got no answer: connection refused or reset, timeout.
type transportError struct {
	method, path string
	err          error
}

func (e *transportError) Error() string {
	return fmt.Sprintf("laclasse: %s %s: %v", e.method, e.path, e.err)
}
func (e *transportError) Unwrap() error { return e.err }

// decodeError is a successful answer that could not be read as expected; sending the request
// again at once would not help.
type decodeError struct {
	method, path string
	err          error
}

func (e *decodeError) Error() string {
	return fmt.Sprintf("laclasse: %s %s: unexpected answer: %v", e.method, e.path, e.err)
}
func (e *decodeError) Unwrap() error { return e.err }

// request is one call of the API.
type request struct {
	method string
	path   string // escaped, from /api/…
	query  url.Values
	body   any // sent as JSON when not nil
	out    any // the answer is decoded into it when not nil
	// recheck, for a request that is not idempotent (POST), tells before it is sent again
	// whether a previous attempt was applied although its answer was lost; out is then left
	// untouched.
	recheck func(context.Context) (bool, error)
}

// sender sends a request: Client.send (with retries) or Client.attempt (once).
type sender func(context.Context, request) error

// send sends r, again after a 5xx answer, a connection error or a timeout, at most maxRetries
// times, waiting a capped exponential backoff with jitter between attempts.
func (c *Client) send(ctx context.Context, r request) error {
	for retry := 0; ; retry++ {
		err := c.try(ctx, r, retry > 0)
		if err == nil || retry >= c.maxRetries || !retryable(ctx, err) {
			return err
		}
		if werr := backoff.Sleep(ctx, c.backoff(retry)); werr != nil {
			return fmt.Errorf("%w, giving up after: %w", werr, err)
		}
	}
}

// try makes one attempt at r; when again, it first asks r.recheck whether a previous attempt was
// applied.
func (c *Client) try(ctx context.Context, r request, again bool) error {
	if again && r.recheck != nil {
		done, err := r.recheck(ctx)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
	return c.attempt(ctx, r)
}

// retryable reports whether err deserves another attempt now.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil || IsPermanent(err) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status >= 500
	}
	var transport *transportError
	return errors.As(err, &transport)
}

// backoff returns the wait before retry number retry+1: baseDelay doubled retry times, capped at
// maxDelay, with jitter (internal/backoff, the daemon's one retry delay).
func (c *Client) backoff(retry int) time.Duration {
	return backoff.Policy{Base: c.baseDelay, Max: c.maxDelay}.Delay(retry + 1)
}

// attempt sends r once, within the client's timeout.
func (c *Client) attempt(ctx context.Context, r request) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return permanent(fmt.Errorf("laclasse: %s %s: %w", r.method, r.path, err))
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, body)
	if err != nil {
		return permanent(fmt.Errorf("laclasse: %s %s: %w", r.method, r.path, err))
	}
	if len(r.query) > 0 {
		req.URL.RawQuery = r.query.Encode()
	}
	req.SetBasicAuth(c.appID, c.appKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return &transportError{r.method, r.path, err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return &transportError{r.method, r.path, err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &APIError{Method: r.method, Path: r.path, Status: resp.StatusCode, Message: errorMessage(data)}
	}
	if r.out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, r.out); err != nil {
			return &decodeError{r.method, r.path, err}
		}
	}
	return nil
}

// errorMessage extracts the service's explanation from an error answer: the "error" member of
// its JSON object, or else the start of the text.
func errorMessage(data []byte) string {
	var obj struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &obj) == nil {
		if obj.Error != "" {
			return obj.Error
		}
		if obj.Message != "" {
			return obj.Message
		}
	}
	var s string
	if json.Unmarshal(data, &s) == nil {
		return s
	}
	text := strings.Join(strings.Fields(string(data)), " ")
	if r := []rune(text); len(r) > 300 {
		text = string(r[:300]) + "…"
	}
	return text
}

// structure is a structure of LaclasseService (a school): its id is the UAI.
type structure struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Type     int       `json:"type"`
	Profiles []profile `json:"profiles"`
}

// profile is a user's profile on a structure (table user_profile).
type profile struct {
	ID          int    `json:"id"`
	Type        string `json:"type"`
	StructureID string `json:"structure_id"`
	UserID      string `json:"user_id"`
	Active      bool   `json:"active"`
}

// user is a user of LaclasseService.
type user struct {
	ID        string    `json:"id"`
	Login     string    `json:"login"`
	Firstname string    `json:"firstname"`
	Lastname  string    `json:"lastname"`
	Emails    []email   `json:"emails"`
	Profiles  []profile `json:"profiles"`
	Phones    []phone   `json:"phones"`
}

// phone is one of a user's phone numbers (table phone).
type phone struct {
	ID     int    `json:"id"`
	Number string `json:"number"`
	Type   string `json:"type"`
}

type email struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

// userList reads the answer of a search: a JSON array, or an object holding the array in "data"
// when the service pages its answer.
type userList []user

// UnmarshalJSON accepts both forms of a search's answer.
func (l *userList) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		var page struct {
			Data []user `json:"data"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return err
		}
		*l = page.Data
		return nil
	}
	var list []user
	if err := json.Unmarshal(data, &list); err != nil {
		return err
	}
	*l = list
	return nil
}

// Bodies of the requests.

type newStructure struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Type int    `json:"type"`
}

type structureName struct {
	Name string `json:"name"`
}

type userNames struct {
	Firstname string `json:"firstname"`
	Lastname  string `json:"lastname"`
}

type phoneNumber struct {
	Number string `json:"number"`
}

type newUser struct {
	Firstname string       `json:"firstname"`
	Lastname  string       `json:"lastname"`
	Emails    []newEmail   `json:"emails"`
	Phones    []newPhone   `json:"phones,omitempty"`
	Profiles  []newProfile `json:"profiles"`
}

type newEmail struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

type newPhone struct {
	Number string `json:"number"`
	Type   string `json:"type"`
}

type newProfile struct {
	Type        string `json:"type"`
	StructureID string `json:"structure_id"`
	Active      *bool  `json:"active,omitempty"`
}
