package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/laclasse/intake/sqlite"
)

// Sessions: the cookie holds a random id; the store keeps its hash, who it is, the role and the
// CSRF token, and ends it after IdleTimeout without use.

// Sign-in methods, as recorded in a session.
const (
	methodOIDC = "oidc"
	methodLink = "link"
)

// session is the signed-in request's session.
type session struct {
	idHash string
	csrf   string
}

// cookieName is the session cookie's name: with the __Host- prefix when it is Secure (the
// browser then refuses it from a sub-domain, or without Secure and Path=/).
func (s *Server) cookieName() string {
	if s.secure {
		return "__Host-intake_console"
	}
	return "intake_console"
}

// randomToken returns 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is what the store keeps of a secret.
func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// signIn opens a session for st with a new id and sets its cookie; the session r came with, if
// any, ends (an id known before the sign-in never becomes a signed-in one).
func (s *Server) signIn(ctx context.Context, w http.ResponseWriter, r *http.Request, method string, st Staff) error {
	if c, err := r.Cookie(s.cookieName()); err == nil && c.Value != "" {
		if err := s.store.EndConsoleSession(ctx, hashToken(c.Value)); err != nil {
			return fmt.Errorf("end the session before signing %s in: %w", method, err)
		}
	}
	id := randomToken()
	err := s.store.CreateConsoleSession(ctx, hashToken(id), sqlite.ConsoleSession{
		Method: method, Email: st.Email, Name: st.Name, Role: string(st.Role), CSRF: randomToken(), CreatedAt: s.now(),
	}, s.config().IdleTimeout)
	if err != nil {
		return fmt.Errorf("sign %s in: %w", method, err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(), Value: id, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, // Lax: the OIDC callback is a cross-site navigation
	})
	return nil
}

// MaxSessionAge ends a session that long after its sign-in, however much it is used: a
// working day, after which staff sign in again.
const MaxSessionAge = 12 * time.Hour

// errNoSession is a request without a session in use.
var errNoSession = errors.New("no session")

// session returns who is signed in for r, and the session. A session signed in with OIDC takes
// its role from the configuration in force: staff removed from it are out at their next click.
func (s *Server) session(r *http.Request) (Staff, session, error) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return Staff{}, session{}, errNoSession
	}
	h := hashToken(c.Value)
	ss, err := s.store.ConsoleSession(r.Context(), h, s.now(), s.config().IdleTimeout)
	if errors.Is(err, sqlite.ErrNotFound) {
		return Staff{}, session{}, errNoSession
	} else if err != nil {
		return Staff{}, session{}, err
	}
	if s.now().Sub(ss.CreatedAt) > MaxSessionAge {
		_ = s.store.EndConsoleSession(r.Context(), h)
		return Staff{}, session{}, errNoSession
	}
	st := Staff{Email: ss.Email, Name: ss.Name, Role: Role(ss.Role)}
	if ss.Method == methodOIDC {
		role, ok := s.staffRole(ss.Email)
		if !ok {
			_ = s.store.EndConsoleSession(r.Context(), h)
			return Staff{}, session{}, errNoSession
		}
		st.Role = role
	}
	if !st.Role.Valid() {
		return Staff{}, session{}, errNoSession
	}
	return st, session{idHash: h, csrf: ss.CSRF}, nil
}

// sessionOf returns the session of a signed-in request.
func sessionOf(r *http.Request) session {
	ss, _ := r.Context().Value(sessionKey).(session)
	return ss
}

// validCSRF reports whether the form's csrf field is the session's token.
func validCSRF(r *http.Request, ss session) bool {
	got := r.PostFormValue("csrf")
	return ss.csrf != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ss.csrf)) == 1
}

// LinkValidity is how long a one-time link signs in.
const LinkValidity = 15 * time.Minute

// CreateLink records a one-time link for name with role, valid LinkValidity from now, and
// returns the URL that signs its holder in (on the console's public URL).
func CreateLink(ctx context.Context, cfg Config, store *sqlite.DB, now time.Time, role Role, name string) (string, error) {
	if !role.Valid() {
		return "", fmt.Errorf("console link: role %q: want gestion or lecture", role)
	}
	public, err := PublicURL(cfg)
	if err != nil {
		return "", err
	}
	token := randomToken()
	if err := store.CreateConsoleLink(ctx, hashToken(token), sqlite.ConsoleLink{Role: string(role), Name: name, CreatedAt: now, ExpiresAt: now.Add(LinkValidity)}); err != nil {
		return "", err
	}
	return public.JoinPath(linkPath, token).String(), nil
}
