package console

import (
	"net/http"

	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// searchData is what a search found.
type searchData struct {
	Term    string
	Found   *sqlite.Found
	Schools []schoolRow
	Codes   map[string]string
}

// maxTerm bounds what is searched for.
const maxTerm = 200

// search finds a school by UAI or name, a commune, or a sender's address. It is a POST (with
// the CSRF token), so that an address never reaches a URL, a browser's history nor a log.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	term := r.PostFormValue("q")
	if len(term) > maxTerm {
		term = term[:maxTerm]
	}
	f, err := s.store.Search(r.Context(), term)
	if err != nil {
		s.fail(w, r, "search", err)
		return
	}
	s.localLines(f.Requests)
	d := searchData{Term: term, Found: f, Schools: s.schoolRows(f.Schools, s.now()), Codes: s.communeCodes(r.Context())}
	s.show(w, r, "search", "", templates.ConsoleSearchTitle, d)
}
