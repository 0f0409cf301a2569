package console

import (
	"errors"
	"net/http"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// schoolsPerPage is the rows of a page of the schools' list.
const schoolsPerPage = 100

// schoolsData is the list of every school, by UAI.
type schoolsData struct {
	Schools []schoolRow
	Codes   map[string]string
	Pager   pager
}

// schools lists every school, by UAI, a page at a time; the search box finds one by name.
func (s *Server) schools(w http.ResponseWriter, r *http.Request) {
	p, n := pageOf(r, schoolsPerPage)
	list, total, err := s.store.SchoolPage(r.Context(), p)
	if err != nil {
		s.fail(w, r, "list the schools", err)
		return
	}
	s.show(w, r, "schools", "schools", templates.ConsoleSchoolsTitle, schoolsData{Schools: s.schoolRows(list, s.now()), Codes: s.communeCodes(r.Context()),
		Pager: newPager(r.URL.Path, nil, n, total, schoolsPerPage)})
}

// schoolData is a school's page.
type schoolData struct {
	School  schoolRow
	INSEE   string
	History []sqlite.HistoryEntry
	Held    []int64
	// Directory is the school's row in the Annuaire de l'éducation (nil when it has none);
	// DirectoryLoaded says a directory was loaded at all.
	Directory       *convention.DirectoryEntry
	DirectoryLoaded bool
}

// school is a school's page: where it stands, its directory state, and its whole history
// (each change with the request or job that made it, each staff action with who did it).
func (s *Server) school(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	uai := convention.NormalizeUAI(r.PathValue("uai"))
	sc, err := s.store.SchoolByUAI(ctx, uai)
	if errors.Is(err, sqlite.ErrNotFound) {
		s.problem(w, r, http.StatusNotFound, "notfound")
		return
	} else if err != nil {
		s.fail(w, r, "read a school", err)
		return
	}
	d := schoolData{School: s.schoolRows([]convention.School{*sc}, s.now())[0]}
	if d.INSEE, err = s.store.CommuneINSEE(ctx, sc.Commune); err != nil && !errors.Is(err, sqlite.ErrNotFound) {
		s.fail(w, r, "read a school's commune", err)
		return
	}
	if d.History, err = s.store.History(ctx, uai); err != nil {
		s.fail(w, r, "read a school's history", err)
		return
	}
	for i := range d.History {
		d.History[i].At = s.local(d.History[i].At)
	}
	if d.Held, err = s.store.HeldFor(ctx, uai); err != nil {
		s.fail(w, r, "read a school's held removals", err)
		return
	}
	entries, loaded, err := s.store.DirectoryEntries(ctx, []string{uai})
	if err != nil {
		s.fail(w, r, "read a school's directory entry", err)
		return
	}
	d.DirectoryLoaded = loaded
	if e, ok := entries[uai]; ok {
		d.Directory = &e
	}
	s.show(w, r, "school", "schools", templates.ConsoleSchoolTitle(sc.UAI, sc.Name), d)
}

// activateSchool opens by hand the access of one school.
func (s *Server) activateSchool(w http.ResponseWriter, r *http.Request) {
	uai := convention.NormalizeUAI(r.PathValue("uai"))
	back := "/ecoles/" + uai
	schools, err := s.actions.Activate(r.Context(), staffOf(r).By(), "", []string{uai})
	if err != nil {
		s.refuse(w, r, back, err)
		return
	}
	n := 0
	for _, sc := range schools {
		if sc.Status == convention.StatusActive {
			n++
		}
	}
	s.done(w, r, back, templates.ConsoleActivated(n))
}
