package console

import (
	"net/http"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// listPerPage is the rows of a page of the quarantine and of the activations.
const listPerPage = 50

// quarantineData is the quarantined messages, newest first.
type quarantineData struct {
	Requests []sqlite.RequestLine
	Pager    pager
}

// quarantine lists the messages quarantined: from no declared sender, unapplied, unanswered.
func (s *Server) quarantine(w http.ResponseWriter, r *http.Request) {
	p, n := pageOf(r, listPerPage)
	list, total, err := s.store.RequestPage(r.Context(), sqlite.RequestFilter{State: convention.StateRejected}, p)
	if err != nil {
		s.fail(w, r, "list the quarantine", err)
		return
	}
	s.localLines(list)
	s.show(w, r, "quarantine", "quarantine", templates.ConsoleQuarantineTitle, quarantineData{Requests: list, Pager: newPager(r.URL.Path, nil, n, total, listPerPage)})
}

// activationsData is the schools whose access is still to open, soonest due first.
type activationsData struct {
	Schools []pendingRow
	Pager   pager
}

// activations lists every pending school, the overdue first.
func (s *Server) activations(w http.ResponseWriter, r *http.Request) {
	p, n := pageOf(r, listPerPage)
	list, total, err := s.store.AllPending(r.Context(), p)
	if err != nil {
		s.fail(w, r, "list the pending activations", err)
		return
	}
	s.show(w, r, "activations", "activations", templates.ConsoleActivationsTitle, activationsData{Schools: s.pendingRows(list, s.communeCodes(r.Context()), s.now()),
		Pager: newPager(r.URL.Path, nil, n, total, listPerPage)})
}
