package console

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"time"

	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// The console's security, in one place: the route helpers pages and actions are registered
// with (view, act, query), the sign-in routes, and the headers every answer carries.

// Sign-in routes.
const (
	signInPath   = "/connexion"
	oidcPath     = "/connexion/oidc"
	callbackPath = "/connexion/retour"
	linkPath     = "/connexion/lien"
	signOutPath  = "/deconnexion"
)

// maxForm bounds what a POST may send.
const maxForm = 1 << 20

//go:embed static
var static embed.FS

// csp is the Content-Security-Policy of every answer: our own files only, no inline script nor
// style, no frame, forms posted to ourselves only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// view registers h for GET (and HEAD) of pattern, for any signed-in staff member.
func (s *Server) view(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.Handle("GET "+pattern, s.signedIn(h))
}

// act registers h for POST of pattern: an action, for role gestion only, with the session's
// CSRF token and from the console's own origin.
func (s *Server) act(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.Handle("POST "+pattern, s.signedIn(s.checkPost(s.gestionOnly(h))))
}

// query registers h for POST of pattern for any signed-in staff member, CSRF token and origin
// checked: a read whose input is personal data (a search for an address), kept out of the URL.
func (s *Server) query(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.Handle("POST "+pattern, s.signedIn(s.checkPost(h)))
}

// signedIn lets through requests of a session in use, with the staff member in the context;
// others go to the sign-in page.
func (s *Server) signedIn(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ss, err := s.session(r)
		if errors.Is(err, errNoSession) {
			http.Redirect(w, r, signInPath, http.StatusSeeOther)
			return
		} else if err != nil {
			s.fail(w, r, "read the session", err)
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), staffKey, st), sessionKey, ss)
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// checkPost refuses a POST from another origin (Sec-Fetch-Site, Origin) or without the
// session's CSRF token.
func (s *Server) checkPost(h http.Handler) http.Handler {
	return s.sameOrigin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if !validCSRF(r, sessionOf(r)) {
			s.log.Warn("console: POST without its CSRF token refused", "route", r.Pattern)
			s.problem(w, r, http.StatusForbidden, "csrf")
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// sameOrigin refuses a cross-origin POST: a browser says where a request comes from
// (Sec-Fetch-Site, or Origin compared with the console's public URL and the Host). Forwarded
// headers are never read.
func (s *Server) sameOrigin(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	_ = cop.AddTrustedOrigin(s.public.Scheme + "://" + s.public.Host) // validated by PublicURL
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("console: cross-origin POST refused", "route", r.Pattern)
		s.problem(w, r, http.StatusForbidden, "origin")
	}))
	return cop.Handler(h)
}

// gestionOnly refuses staff of role lecture.
func (s *Server) gestionOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !staffOf(r).CanAct() {
			s.problem(w, r, http.StatusForbidden, "lecture")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// frame is the frame's data of a page for r: the signed-in staff member, the CSRF token, and
// the page's title and data (the pages set Nav and Flash).
func (s *Server) frame(r *http.Request, title string, data any) templates.ConsoleView {
	st := staffOf(r)
	return templates.ConsoleView{Title: title, Staff: st.Name, Role: string(st.Role), CanAct: st.CanAct(), CSRF: sessionOf(r).csrf, Data: data}
}

// render writes page name with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v templates.ConsoleView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	if err := templates.ConsolePage(w, name, v); err != nil {
		s.log.Error("console: render a page", "page", name, "err", err)
	}
}

// problem answers with status and the error page of kind (templates/console/error.html).
func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, kind string) {
	s.render(w, r, status, "error", s.frame(r, templates.ConsoleErrorTitle(status), map[string]string{"Kind": kind}))
}

// fail logs err, while doing what, and answers 500.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.Error("console: "+what, "route", r.Pattern, "err", err)
	s.problem(w, r, http.StatusInternalServerError, "internal")
}

// statusWriter records the status written, for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// protect gives every answer its security headers, logs each request by its route's pattern
// (never its path: no UAI, token nor address in the log), and turns a panic into a 500.
func (s *Server) protect(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("console: panic", "route", r.Pattern, "panic", p)
				if sw.status == 0 {
					s.problem(sw, r, http.StatusInternalServerError, "internal")
				}
			}
			s.log.Debug("console: request", "method", r.Method, "route", r.Pattern, "status", sw.status, "duration", time.Since(start))
		}()
		_, pattern := mux.Handler(r)
		if pattern == "" {
			s.problem(sw, r, http.StatusNotFound, "notfound")
			return
		}
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "no-store") // pages hold personal data
		}
		mux.ServeHTTP(sw, r)
	})
}

// authRoutes registers the sign-in routes and the static files: the only ones served without
// a session.
func (s *Server) authRoutes(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.StripPrefix("/", staticHandler()))
	mux.HandleFunc("GET "+signInPath, s.signInPage)
	mux.HandleFunc("GET "+oidcPath, s.oidcStart)
	mux.HandleFunc("GET "+callbackPath, s.oidcCallback)
	mux.HandleFunc("GET "+linkPath+"/{token}", s.linkPage)
	mux.Handle("POST "+linkPath, s.sameOrigin(http.HandlerFunc(s.linkSignIn)))
	mux.Handle("POST "+signOutPath, s.signedIn(s.checkPost(http.HandlerFunc(s.signOut))))
}

// staticHandler serves console/static/, cached for an hour.
func staticHandler() http.Handler {
	fs := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fs.ServeHTTP(w, r)
	})
}

// signInPage says how to sign in: with the identity provider, or with a one-time link.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	if _, _, err := s.session(r); err == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin", s.frame(r, templates.ConsoleSignInTitle, map[string]any{"OIDC": s.oidc != nil}))
}

// linkPage asks the holder of a one-time link to confirm: a GET spends nothing, so that a
// mail scanner or a link preview cannot use the link up.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "link", s.frame(r, templates.ConsoleSignInTitle, map[string]string{"Token": r.PathValue("token")}))
}

// linkSignIn spends a one-time link and signs its holder in.
func (s *Server) linkSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	token := r.PostFormValue("token")
	l, err := s.store.UseConsoleLink(r.Context(), hashToken(token), s.now())
	if errors.Is(err, sqlite.ErrNotFound) || token == "" {
		s.log.Warn("console: a one-time link was refused (unknown, used or expired)")
		s.render(w, r, http.StatusForbidden, "link", s.frame(r, templates.ConsoleSignInTitle, map[string]string{"Token": ""}))
		return
	} else if err != nil {
		s.fail(w, r, "use a one-time link", err)
		return
	}
	if err := s.signIn(r.Context(), w, r, methodLink, Staff{Name: l.Name, Role: Role(l.Role)}); err != nil {
		s.fail(w, r, "sign in with a one-time link", err)
		return
	}
	s.log.Info("console: signed in with a one-time link", "role", l.Role)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// signOut ends the session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if err := s.store.EndConsoleSession(r.Context(), sessionOf(r).idHash); err != nil {
		s.fail(w, r, "sign out", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, signInPath, http.StatusSeeOther)
}
