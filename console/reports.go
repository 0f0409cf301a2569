package console

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// reportsData is the reports' page: a school year to draw each report for.
type reportsData struct {
	Year  string   // the current school year, chosen by default
	Years []string // the years offered, newest first
	Error string
}

// reportYears is how many school years the form offers.
const reportYears = 10

// reports offers the fee statement and the activity report of a school year, as spreadsheets.
func (s *Server) reports(w http.ResponseWriter, r *http.Request) {
	year := convention.SchoolYear(s.now(), s.loc())
	d := reportsData{Year: year}
	first, _ := strconv.Atoi(year[:4])
	for y := first; y > first-reportYears; y-- {
		d.Years = append(d.Years, strconv.Itoa(y)+"-"+strconv.Itoa(y+1))
	}
	s.show(w, r, "reports", "reports", templates.ConsoleReportsTitle, d)
}

// reportFiles names each report's spreadsheet, by its path in the console.
var reportFiles = map[string]struct{ kind, file string }{
	"redevance": {ReportFees, "redevance"},
	"activite":  {ReportActivity, "bilan-activite"},
}

// reportDownload writes the spreadsheet of a report for the school year of the query's
// "annee" (not personal data).
func (s *Server) reportDownload(w http.ResponseWriter, r *http.Request) {
	rf, ok := reportFiles[r.PathValue("kind")]
	if !ok {
		s.problem(w, r, http.StatusNotFound, "notfound")
		return
	}
	year := r.URL.Query().Get("annee")
	var buf bytes.Buffer
	if err := s.actions.Report(r.Context(), rf.kind, year, &buf); err != nil {
		s.refuse(w, r, "/rapports", err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": rf.file + "-" + year + ".xlsx"}))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}
