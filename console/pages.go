package console

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/laclasse/intake/intake"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// routes lists every page and action of the console (one file per page or action). Pages are
// GETs any signed-in staff member may read (s.view); actions are POSTs for role gestion, with
// their CSRF token (s.act); the search is a POST, so that an address searched for never
// reaches a URL nor an access log (s.query). URLs name schools by UAI, communes by INSEE code,
// requests and mails by number: never a person.
func (s *Server) routes(mux *http.ServeMux) {
	s.view(mux, "/{$}", s.today)
	s.view(mux, "/communes", s.communes)
	s.view(mux, "/communes/{insee}", s.commune)
	s.view(mux, "/ecoles", s.schools)
	s.view(mux, "/ecoles/{uai}", s.school)
	s.view(mux, "/demandes/{id}", s.request)
	s.view(mux, "/demandes/{id}/pieces/{n}", s.attachment)
	s.view(mux, "/quarantaine", s.quarantine)
	s.view(mux, "/activations", s.activations)
	s.view(mux, "/rapports", s.reports)
	s.view(mux, "/rapports/{kind}", s.reportDownload)
	s.query(mux, "/recherche", s.search)

	s.act(mux, "/ecoles/{uai}/activer", s.activateSchool)
	s.act(mux, "/communes/{insee}/activer", s.activateCommune)
	s.act(mux, "/communes/{insee}/resilier", s.terminate)
	s.act(mux, "/demandes/{id}/liberer", s.release)
	s.act(mux, "/demandes/{id}/retraits", s.resolveHeld)
	s.act(mux, "/demandes/{id}/annuler", s.revert)
	s.act(mux, "/demandes/{id}/traite", s.markHandled)
	s.act(mux, "/courriels/{id}/renvoyer", s.resend)
}

// show renders page name with title over data, with the sentence the last action left (its
// flash cookie, read once), the navigation entry nav marked.
func (s *Server) show(w http.ResponseWriter, r *http.Request, name, nav, title string, data any) {
	v := s.frame(r, title, data)
	v.Nav = nav
	v.Flash = s.takeFlash(w, r)
	s.render(w, r, http.StatusOK, name, v)
}

// flashCookie carries the sentence an action leaves to the page it redirects to: a cookie, not
// the URL, as it may name an address. When cookies are Secure it has the __Host- prefix, so
// that a sibling sub-domain cannot plant a sentence of its own on our pages.
func (s *Server) flashCookie() string {
	if s.secure {
		return "__Host-console_flash"
	}
	return "console_flash"
}

// done ends an action: it leaves flash for the next page and sends the browser to back (a
// path of ours), so that reloading that page does not post the action again.
func (s *Server) done(w http.ResponseWriter, r *http.Request, back, flash string) {
	http.SetCookie(w, &http.Cookie{Name: s.flashCookie(), Value: base64.RawURLEncoding.EncodeToString([]byte(flash)), Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// takeFlash returns the flash an action left, and clears it.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(s.flashCookie())
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: s.flashCookie(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > 2000 {
		return ""
	}
	return strings.ToValidUTF8(string(b), "")
}

// refuse ends an action that could not be done: back to back, saying why (err's French).
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, back string, err error) {
	msg, known := actionError(err)
	if !known {
		s.log.Error("console: an action failed", "route", r.Pattern, "err", err)
	}
	s.done(w, r, back, msg)
}

// actionError returns the French sentence for an action's error, and whether the error is one
// of what was asked (not a failure of ours).
func actionError(err error) (string, bool) {
	for _, e := range []struct {
		err error
		msg string
	}{
		{sqlite.ErrNotFound, templates.ConsoleErrNotFound},
		{intake.ErrNotReleasable, templates.ConsoleErrNotReleasable},
		{ErrNeedCommune, templates.ConsoleErrNeedCommune},
		{ErrUnknownCommune, templates.ConsoleErrUnknownCommune},
		{ErrNoSender, templates.ConsoleErrNoSender},
		{sqlite.ErrNothingHeld, templates.ConsoleErrNothingHeld},
		{sqlite.ErrNotRevertible, templates.ConsoleErrNotRevertible},
		{sqlite.ErrNotForwarded, templates.ConsoleErrNotForwarded},
		{sqlite.ErrAlreadyHandled, templates.ConsoleErrHandled},
		{sqlite.ErrNotResendable, templates.ConsoleErrNotResendable},
		{ErrNoConventionStart, templates.ConsoleErrNoStart},
		{ErrBadYear, templates.ConsoleErrBadYear},
	} {
		if errors.Is(err, e.err) {
			return e.msg, true
		}
	}
	return templates.ConsoleErrFailed, false
}

// confirmed reports whether an action that removes something was confirmed; if not, it shows
// the confirmation page, whose form posts the same action again with "confirme".
func (s *Server) confirmed(w http.ResponseWriter, r *http.Request, what confirmation) bool {
	if r.PostFormValue("confirme") == "oui" {
		return true
	}
	what.Action = r.URL.Path
	what.Fields = map[string]string{}
	for k, v := range r.PostForm {
		if k != "csrf" && k != "confirme" && len(v) > 0 {
			what.Fields[k] = v[0]
		}
	}
	s.show(w, r, "confirm", "", templates.ConsoleConfirmTitle, what)
	return false
}

// confirmation is what the confirmation page asks: Kind names the action (the page says what it
// removes), Back the page to go back to.
type confirmation struct {
	Kind    string // revert, confirm_held, terminate
	Subject string // what it acts on: a request's number, a commune's name
	Lines   []string
	Back    string
	Action  string
	Fields  map[string]string
}

// pathID returns the number in the path's {name}, or false after answering 404.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		s.problem(w, r, http.StatusNotFound, "notfound")
		return 0, false
	}
	return id, true
}

// pageOf returns the page the query's "page" asks for (1-based), perPage rows each.
func pageOf(r *http.Request, perPage int) (sqlite.Page, int) {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	return sqlite.Page{Offset: (n - 1) * perPage, Limit: perPage}, n
}

// pager is the links to a list's other pages.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
}

// newPager returns the pager of page n of total rows, perPage each, on path with query q.
func newPager(path string, q url.Values, n, total, perPage int) pager {
	return pagerOn(path, q, "page", "", n, total, perPage)
}

// pagerOn is newPager for a list whose page goes in the query parameter param, its links
// jumping to the element fragment ("" for none): a page that shows two lists.
func pagerOn(path string, q url.Values, param, fragment string, n, total, perPage int) pager {
	p := pager{Page: n, Total: total, Pages: (total + perPage - 1) / perPage}
	link := func(page int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set(param, strconv.Itoa(page))
		if fragment != "" {
			return path + "?" + v.Encode() + "#" + fragment
		}
		return path + "?" + v.Encode()
	}
	if n > 1 {
		p.Prev = link(n - 1)
	}
	if n < p.Pages {
		p.Next = link(n + 1)
	}
	return p
}

// loc is the time zone pages show dates in.
func (s *Server) loc() *time.Location { return s.config().Location }

// local returns t in the Métropole's zone.
func (s *Server) local(t time.Time) time.Time { return t.In(s.loc()) }

// localPtr returns *t in the Métropole's zone, or nil.
func (s *Server) localPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	l := s.local(*t)
	return &l
}

// communeCodes returns the INSEE code of each configured commune, by name, to link to its page.
func (s *Server) communeCodes(ctx context.Context) map[string]string {
	out := map[string]string{}
	if s.actions == nil {
		return out
	}
	list, err := s.actions.Communes(ctx, s.now())
	if err != nil {
		s.log.Warn("console: read the communes", "err", err)
		return out
	}
	for _, c := range list {
		out[c.Name] = c.INSEE
	}
	return out
}
