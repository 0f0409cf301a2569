// Package console is in charge of the staff web console: the pages Métropole staff read and the
// actions they take, served by the daemon over HTTP, with their sign-in (OpenID Connect, or a
// one-time link made on the machine by `intaked console-link`), their sessions (kept in the
// store, so that they survive a restart), and the protections every page and every POST gets
// (CSRF token, Origin check, Content-Security-Policy without inline script).
//
// Implementation notes:
//   - security lives in auth.go, session.go and the route helpers view and act: a page is
//     registered with s.view (GET/HEAD, any signed-in staff), an action with s.act (POST, role
//     gestion, CSRF token and origin checked). Nothing is served without a session but the
//     sign-in pages and the static files.
//   - the cookie holds a random session id; the store keeps only its SHA-256, and so for
//     one-time links: a copy of the store lets nobody in.
//   - no personal data goes into a URL (schools are named by UAI, requests by number), and the
//     access log writes the route's pattern, never the path.
//   - every sentence staff read is French and lives in templates/console/.
package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/laclasse/intake/internal/httpserve"
	"github.com/laclasse/intake/sqlite"
)

// Role is what a staff member may do in the console.
type Role string

// The roles of [[console.staff]].
const (
	RoleLecture Role = "lecture" // sees everything, changes nothing
	RoleGestion Role = "gestion" // also takes actions
)

// Valid reports whether r is a role the console knows.
func (r Role) Valid() bool { return r == RoleLecture || r == RoleGestion }

// Staff is the signed-in staff member of a request.
type Staff struct {
	// Email is the address the identity provider vouched for; "" for a one-time link.
	Email string
	// Name is the name to show: the provider's name claim (else the address), or the link's
	// --as name.
	Name string
	Role Role
}

// By is who a staff action is recorded as done by: the address for an OIDC sign-in, the
// link's name (prefixed "lien:") otherwise.
func (s Staff) By() string {
	if s.Email != "" {
		return s.Email
	}
	return "lien:" + s.Name
}

// CanAct reports whether s may take actions.
func (s Staff) CanAct() bool { return s.Role == RoleGestion }

// Config is the [console] section: where the console is served and who may sign in.
type Config struct {
	// Address is host:port to listen on.
	Address string
	// PublicURL is the console's address as browsers reach it (behind a reverse proxy); ""
	// means http://Address.
	PublicURL string
	// IdleTimeout ends a session unused for that long.
	IdleTimeout time.Duration
	// OIDC turns on sign-in with OpenID Connect; without it, one-time links are the only way in.
	OIDC *OIDCConfig
	// Staff are the addresses allowed to sign in with OIDC, each with a role.
	Staff []StaffMember
	// Location is the Métropole's time zone, in which pages show dates (default UTC).
	Location *time.Location
}

// OIDCConfig is the identity provider the console signs staff in with.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
}

// StaffMember is one [[console.staff]]: an address the identity provider vouches for, and its
// role.
type StaffMember struct {
	Email string
	Role  Role
}

// Deps is what the console works on.
type Deps struct {
	Store   *sqlite.DB
	Now     func() time.Time
	Log     *slog.Logger
	Actions Actions
}

// Server is the console: its routes and its sign-in.
type Server struct {
	cfg     atomic.Pointer[Config] // Staff and IdleTimeout may change on reload
	public  *url.URL               // PublicURL, or http://Address
	secure  bool                   // cookies are Secure
	store   *sqlite.DB
	now     func() time.Time
	log     *slog.Logger
	actions Actions
	oidc    *oidcSignIn // nil without [console.oidc]
	handler http.Handler
}

// New returns the console for cfg. It does not reach the identity provider: its discovery
// document is read at the first sign-in, so that a provider down at start does not stop the
// daemon.
func New(cfg Config, d Deps) (*Server, error) {
	if d.Store == nil {
		return nil, errors.New("console: no store")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	public, err := PublicURL(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{public: public, store: d.Store, now: d.Now, log: d.Log, actions: d.Actions}
	s.secure = public.Scheme == "https" || !loopback(cfg.Address)
	s.cfg.Store(&cfg)
	if cfg.OIDC != nil {
		s.oidc = newOIDCSignIn(*cfg.OIDC, public.JoinPath(callbackPath).String())
	}
	mux := http.NewServeMux()
	s.authRoutes(mux)
	s.routes(mux)
	s.handler = s.protect(mux)
	return s, nil
}

// DefaultIdleTimeout ends a session unused for half an hour.
const DefaultIdleTimeout = 30 * time.Minute

// Reload takes the staff list and the idle timeout of cfg; the address, the public URL and the
// identity provider keep their values until the next start.
func (s *Server) Reload(cfg Config) {
	cur := *s.cfg.Load()
	cur.Staff = cfg.Staff
	if cfg.IdleTimeout > 0 {
		cur.IdleTimeout = cfg.IdleTimeout
	}
	s.cfg.Store(&cur)
}

// Handler returns the console's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// PublicURL returns the console's address as browsers reach it: cfg.PublicURL, or
// http://cfg.Address.
func PublicURL(cfg Config) (*url.URL, error) {
	raw := cfg.PublicURL
	if raw == "" {
		raw = "http://" + cfg.Address
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("console: public URL %q: want http(s)://host[:port][/path]", raw)
	}
	return u, nil
}

// loopback reports whether addr (host:port) listens on the loopback interface only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve serves the console on ln until ctx ends, then shuts down within shutdownTimeout,
// closing the connections still open after it.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second, // a report download
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return httpserve.Serve(ctx, srv, ln, shutdownTimeout, s.log, "console", "url", s.public.String())
}

// shutdownTimeout bounds how long Serve waits for requests in progress when it stops.
var shutdownTimeout = 5 * time.Second

// config returns the configuration in force.
func (s *Server) config() *Config { return s.cfg.Load() }

// staffRole returns the role of the address email in the configuration in force, and whether
// it is allowed at all. Addresses compare without case.
func (s *Server) staffRole(email string) (Role, bool) {
	for _, m := range s.config().Staff {
		if strings.EqualFold(strings.TrimSpace(m.Email), strings.TrimSpace(email)) {
			return m.Role, true
		}
	}
	return "", false
}

type ctxKey int

const (
	staffKey ctxKey = iota
	sessionKey
)

// staffOf returns the staff member signed in for r (zero outside s.view and s.act).
func staffOf(r *http.Request) Staff {
	st, _ := r.Context().Value(staffKey).(Staff)
	return st
}
