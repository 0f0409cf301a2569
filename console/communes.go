package console

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// Rows per page of the communes' list, a commune's schools and its requests.
const (
	communesPerPage        = 100
	communeSchoolsPerPage  = 100
	communeRequestsPerPage = 20
)

// communesData is the list of the communes.
type communesData struct {
	Communes []sqlite.CommuneLine
	Pager    pager
}

// communes lists the communes, by name, with their schools counted.
func (s *Server) communes(w http.ResponseWriter, r *http.Request) {
	p, n := pageOf(r, communesPerPage)
	list, total, err := s.store.CommunePage(r.Context(), p)
	if err != nil {
		s.fail(w, r, "list the communes", err)
		return
	}
	for i := range list {
		list[i].LastListAt = s.localPtr(list[i].LastListAt)
	}
	s.show(w, r, "communes", "communes", templates.ConsoleCommunesTitle, communesData{Communes: list, Pager: newPager(r.URL.Path, nil, n, total, communesPerPage)})
}

// communeData is a commune's page.
type communeData struct {
	Commune  *sqlite.CommuneRecord
	Settings CommuneSettings
	// Configured says the configuration still declares it.
	Configured bool
	Schools    []schoolRow
	Pager      pager
	Requests   []sqlite.RequestLine
	ReqPager   pager
	Fee        Fee
	FeeError   bool
	Actions    []sqlite.StaffAction
	Today      string // today, YYYY-MM-DD, for the termination form
}

// schoolRow is a school in a list, with its administrator's phone as people read it and the
// days left to open it.
type schoolRow struct {
	convention.School
	Phone    string
	DaysLeft int
}

// commune is a commune's page: its schools, its requests, its contacts and senders, its
// convention's dates and its fee for the current school year.
func (s *Server) commune(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.now()
	c, err := s.store.CommuneByINSEE(ctx, r.PathValue("insee"))
	if errors.Is(err, sqlite.ErrNotFound) {
		s.problem(w, r, http.StatusNotFound, "notfound")
		return
	} else if err != nil {
		s.fail(w, r, "read a commune", err)
		return
	}
	c.LastListAt = s.localPtr(c.LastListAt)
	for i := range c.Senders {
		c.Senders[i].AddedAt = s.local(c.Senders[i].AddedAt)
	}
	if c.Termination != nil {
		c.Termination.ReceivedAt, c.Termination.EffectiveAt = s.local(c.Termination.ReceivedAt), s.local(c.Termination.EffectiveAt)
	}
	d := communeData{Commune: c, Today: s.local(now).Format("2006-01-02")}
	if s.actions != nil {
		list, err := s.actions.Communes(ctx, now)
		if err != nil {
			s.fail(w, r, "read the configuration's communes", err)
			return
		}
		for _, cs := range list {
			if cs.INSEE == c.INSEE {
				d.Settings, d.Configured = cs, true
			}
		}
		if d.Configured {
			if d.Fee, err = s.actions.Fee(ctx, d.Settings.Name, now); err != nil {
				s.log.Warn("console: a commune's fee", "err", err)
				d.FeeError = true
			}
		}
	}
	p, n := pageOf(r, communeSchoolsPerPage)
	schools, err := s.store.CommuneSchools(ctx, c.ID, p)
	if err != nil {
		s.fail(w, r, "list a commune's schools", err)
		return
	}
	d.Schools = s.schoolRows(schools, now)
	d.Pager = newPager(r.URL.Path, nil, n, c.Pending+c.Active+c.Removed, communeSchoolsPerPage)
	rn := 1
	if v, err := strconv.Atoi(r.URL.Query().Get("demandes")); err == nil && v > 1 {
		rn = v
	}
	var total int
	d.Requests, total, err = s.store.RequestPage(ctx, sqlite.RequestFilter{CommuneID: c.ID}, sqlite.Page{Offset: (rn - 1) * communeRequestsPerPage, Limit: communeRequestsPerPage})
	if err != nil {
		s.fail(w, r, "list a commune's requests", err)
		return
	}
	s.localLines(d.Requests)
	d.ReqPager = newRequestsPager(r.URL.Path, rn, total)
	if d.Actions, err = s.store.CommuneStaffActions(ctx, c.ID); err != nil {
		s.fail(w, r, "read a commune's staff actions", err)
		return
	}
	for i := range d.Actions {
		d.Actions[i].At = s.local(d.Actions[i].At)
	}
	s.show(w, r, "commune", "communes", templates.ConsoleCommuneTitle(c.Name), d)
}

// newRequestsPager is the pager of a commune's requests, on the query's "demandes".
func newRequestsPager(path string, n, total int) pager {
	return pagerOn(path, nil, "demandes", "demandes", n, total, communeRequestsPerPage)
}

// schoolRows readies schools for a list at now.
func (s *Server) schoolRows(list []convention.School, now time.Time) []schoolRow {
	out := make([]schoolRow, 0, len(list))
	for _, sc := range list {
		sc.ReceivedAt, sc.DueAt = s.local(sc.ReceivedAt), s.local(sc.DueAt)
		sc.ActiveAt, sc.RemoveAt, sc.RemovedAt = s.localPtr(sc.ActiveAt), s.localPtr(sc.RemoveAt), s.localPtr(sc.RemovedAt)
		out = append(out, schoolRow{School: sc, Phone: convention.ReadablePhone(sc.Admin.Phone), DaysLeft: convention.DaysLeft(now, sc.DueAt, s.loc())})
	}
	return out
}

// actedCommune returns the commune of the path's INSEE code that a staff action is on, and its
// page to go back to; when there is none, it refuses the action (back to the list) and says false.
func (s *Server) actedCommune(w http.ResponseWriter, r *http.Request) (*sqlite.CommuneRecord, string, bool) {
	c, err := s.store.CommuneByINSEE(r.Context(), r.PathValue("insee"))
	if err != nil {
		s.refuse(w, r, "/communes", err)
		return nil, "", false
	}
	return c, "/communes/" + r.PathValue("insee"), true
}

// activateCommune opens by hand the access of every pending school of a commune.
func (s *Server) activateCommune(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, back, ok := s.actedCommune(w, r)
	if !ok {
		return
	}
	schools, err := s.actions.Activate(ctx, staffOf(r).By(), c.Name, nil)
	if err != nil {
		s.refuse(w, r, back, err)
		return
	}
	s.done(w, r, back, templates.ConsoleActivated(len(schools)))
}

// terminate records a commune's notice of termination: its schools leave on the anniversary it
// takes effect. It removes schools, so it asks for confirmation first.
func (s *Server) terminate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, back, ok := s.actedCommune(w, r)
	if !ok {
		return
	}
	received, err := time.ParseInLocation("2006-01-02", r.PostFormValue("recu"), s.loc())
	if err != nil {
		s.done(w, r, back, templates.ConsoleErrBadDate)
		return
	}
	if !s.confirmed(w, r, confirmation{Kind: "terminate", Subject: c.Name, Back: back,
		Lines: []string{templates.FrenchDate(received)}}) {
		return
	}
	eff, err := s.actions.Terminate(ctx, staffOf(r).By(), c.Name, received)
	if err != nil {
		s.refuse(w, r, back, err)
		return
	}
	s.done(w, r, back, templates.ConsoleTerminated(c.Name, s.local(eff)))
}
