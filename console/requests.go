package console

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// requestData is a request's page: the message as received, what was read from each file, the
// mails sent for it and the changes it made.
type requestData struct {
	Request *sqlite.RequestRecord
	INSEE   string
	// Message is what the raw bytes read as; nil when they were purged or cannot be read.
	Message *messageView
	// Files are what the store recorded of each file the message carried.
	Files    []convention.AttachmentRecord
	Problems []problemGroup
	Changes  []sqlite.RequestChange
	Mails    []mailView
	Actions  []sqlite.StaffAction
	// Communes are the configured communes' names, for the release form; Commune is the one
	// the sender matches ("" when none).
	Communes []string
	Sender   string
	// What the staff member may do with it.
	CanRelease, CanResolve, CanRevert, CanHandle bool
}

// messageView is the message as received.
type messageView struct {
	From, FromName, FromError, FromRaw string
	Subject                            string
	Date                               time.Time
	Text                               string
	Attachments                        []attachmentView
	Problems                           []string
}

// attachmentView is a file of the message, downloadable by its number N (1-based).
type attachmentView struct {
	N           int
	Filename    string
	ContentType string
	Size        int
	// Format and Error are what the decision read of it (Format "" and Error "" when it was
	// not a spreadsheet looked at).
	Format, Error string
}

// problemGroup is the problems of one file, as the commune was told them.
type problemGroup struct {
	File     string
	Problems []convention.Problem
}

// mailView is a mail of ours for the request, with its text.
type mailView struct {
	sqlite.OutboxMail
	Text string
}

// request is a request's page.
func (s *Server) request(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	req, err := s.store.RequestDetail(ctx, id)
	if errors.Is(err, sqlite.ErrNotFound) {
		s.problem(w, r, http.StatusNotFound, "notfound")
		return
	} else if err != nil {
		s.fail(w, r, "read a request", err)
		return
	}
	req.ReceivedAt, req.DecidedAt, req.PurgedAt = s.local(req.ReceivedAt), s.localPtr(req.DecidedAt), s.localPtr(req.PurgedAt)
	if req.Handled != nil {
		req.Handled.At = s.local(req.Handled.At)
	}
	d := requestData{Request: req}
	if req.Commune != "" {
		if d.INSEE, err = s.store.CommuneINSEE(ctx, req.Commune); err != nil && !errors.Is(err, sqlite.ErrNotFound) {
			s.fail(w, r, "read a request's commune", err)
			return
		}
	}
	if d.Files, err = s.store.RequestAttachments(ctx, id); err != nil {
		s.fail(w, r, "read a request's files", err)
		return
	}
	if len(req.Raw) > 0 {
		d.Message = s.messageOf(req.Raw, d.Files)
	}
	problems, err := s.store.RequestProblems(ctx, id)
	if err != nil {
		s.fail(w, r, "read a request's problems", err)
		return
	}
	d.Problems = groupProblems(problems)
	if d.Changes, err = s.store.RequestChanges(ctx, id); err != nil {
		s.fail(w, r, "read a request's changes", err)
		return
	}
	for i := range d.Changes {
		d.Changes[i].At = s.local(d.Changes[i].At)
	}
	mails, err := s.store.RequestMails(ctx, id)
	if err != nil {
		s.fail(w, r, "read a request's mails", err)
		return
	}
	for _, m := range mails {
		m.CreatedAt, m.SentAt, m.FailedAt = s.local(m.CreatedAt), s.localPtr(m.SentAt), s.localPtr(m.FailedAt)
		mv := mailView{OutboxMail: m}
		if msg, err := mailparse.Parse(m.Data, mailparse.DefaultLimits()); err == nil {
			mv.Text = msg.Text
		}
		mv.Data = nil
		d.Mails = append(d.Mails, mv)
	}
	if d.Actions, err = s.store.RequestStaffActions(ctx, id); err != nil {
		s.fail(w, r, "read a request's staff actions", err)
		return
	}
	for i := range d.Actions {
		// The page is the request's own: its actions do not link to it.
		d.Actions[i].At, d.Actions[i].RequestID = s.local(d.Actions[i].At), 0
	}
	switch req.State {
	case convention.StateRejected:
		d.CanRelease = !req.HeaderOnly && len(req.Raw) > 0
		if d.Message != nil {
			d.Sender = d.Message.From
		}
		if s.actions != nil {
			list, err := s.actions.Communes(ctx, s.now())
			if err != nil {
				s.fail(w, r, "read the configuration's communes", err)
				return
			}
			for _, c := range list {
				d.Communes = append(d.Communes, c.Name)
			}
		}
	case convention.StateHeld:
		d.CanResolve, d.CanRevert = true, true
	case convention.StateApplied:
		d.CanRevert = true
	case convention.StateForwarded:
		d.CanHandle = req.Handled == nil
	}
	s.show(w, r, "request", "", templates.ConsoleRequestTitle(id), d)
}

// messageOf reads the raw message, matching each file to what the decision recorded of it.
func (s *Server) messageOf(raw []byte, files []convention.AttachmentRecord) *messageView {
	msg, err := mailparse.Parse(raw, mailparse.DefaultLimits())
	if err != nil {
		return nil
	}
	v := &messageView{From: msg.From, FromName: msg.FromName, FromError: msg.FromError, FromRaw: msg.FromRaw, Subject: msg.Subject, Text: msg.Text, Problems: msg.Problems}
	if !msg.Date.IsZero() {
		v.Date = s.local(msg.Date)
	}
	bySum := map[string]convention.AttachmentRecord{}
	for _, f := range files {
		bySum[f.SHA256] = f
	}
	for i, a := range msg.Attachments {
		sum := sha256.Sum256(a.Data)
		av := attachmentView{N: i + 1, Filename: a.Filename, ContentType: a.ContentType, Size: len(a.Data)}
		if f, ok := bySum[hex.EncodeToString(sum[:])]; ok {
			av.Format, av.Error = f.Format, f.Error
		}
		v.Attachments = append(v.Attachments, av)
	}
	return v
}

// groupProblems groups problems by file, in their order.
func groupProblems(problems []convention.Problem) []problemGroup {
	var out []problemGroup
	for _, p := range problems {
		if len(out) == 0 || out[len(out)-1].File != p.File {
			out = append(out, problemGroup{File: p.File})
		}
		out[len(out)-1].Problems = append(out[len(out)-1].Problems, p)
	}
	return out
}

// attachment downloads file n of a request's message, as received. The name comes from the
// sender: it is only a suggestion to the browser, never a path here, and the type is never
// trusted (the browser is told to save, not to open).
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		s.problem(w, r, http.StatusNotFound, "notfound")
		return
	}
	req, err := s.store.RequestDetail(r.Context(), id)
	if errors.Is(err, sqlite.ErrNotFound) {
		s.problem(w, r, http.StatusNotFound, "notfound")
		return
	} else if err != nil {
		s.fail(w, r, "read a request", err)
		return
	}
	msg, err := mailparse.Parse(req.Raw, mailparse.DefaultLimits())
	if err != nil || len(req.Raw) == 0 || n > len(msg.Attachments) {
		s.problem(w, r, http.StatusNotFound, "notfound")
		return
	}
	a := msg.Attachments[n-1]
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": downloadName(a.Filename, n)}))
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(a.Data)
	}
}

// downloadName is a file name for the browser from the sender's: its last element, without
// controls nor invisible format characters (a right-to-left override, U+202E, before
// "xslx.exe" makes a program read as a spreadsheet, "exe.xlsx"), or "piece-N" when nothing
// is left.
func downloadName(name string, n int) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == '"' || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" || len(name) > 200 {
		return "piece-" + strconv.Itoa(n)
	}
	return name
}

// requestPage is the path of request id's page.
func requestPage(id int64) string { return "/demandes/" + strconv.FormatInt(id, 10) }

// release decides a quarantined request again as from the commune chosen, declaring its sender
// when asked.
func (s *Server) release(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	back := requestPage(id)
	d, err := s.actions.Release(r.Context(), staffOf(r).By(), id, strings.TrimSpace(r.PostFormValue("commune")), r.PostFormValue("declarer") == "oui")
	if err != nil {
		s.refuse(w, r, back, err)
		return
	}
	s.done(w, r, back, templates.ConsoleReleased(id, d.Commune, templates.RequestStateLabel(string(d.State)), d.SenderAdded))
}

// resolveHeld confirms (it removes schools: after a confirmation) or drops the removals a
// request holds.
func (s *Server) resolveHeld(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	back := requestPage(id)
	drop := r.PostFormValue("decision") == "abandonner"
	if !drop && !s.confirmedChanges(w, r, id, "confirm_held", func(c sqlite.RequestChange) string {
		if c.Kind != convention.ChangeHoldRemoval {
			return ""
		}
		return c.UAI + " " + c.Name
	}) {
		return
	}
	changes, err := s.actions.ResolveHeld(ctx, staffOf(r).By(), id, drop)
	if err != nil {
		s.refuse(w, r, back, err)
		return
	}
	s.done(w, r, back, templates.ConsoleHeldResolved(id, drop, len(changes)))
}

// confirmedChanges is confirmed for an action of kind on request id: it asks staff to confirm
// it first, naming the request's changes as line does ("" leaves one out), and reports whether
// the action may go on. When the changes cannot be read, it refuses the action.
func (s *Server) confirmedChanges(w http.ResponseWriter, r *http.Request, id int64, kind string, line func(sqlite.RequestChange) string) bool {
	back := requestPage(id)
	changes, err := s.store.RequestChanges(r.Context(), id)
	if err != nil {
		s.refuse(w, r, back, err)
		return false
	}
	var lines []string
	for _, c := range changes {
		if l := line(c); l != "" {
			lines = append(lines, l)
		}
	}
	return s.confirmed(w, r, confirmation{Kind: kind, Subject: strconv.FormatInt(id, 10), Back: back, Lines: lines})
}

// revert undoes what a request changed, after a confirmation: it removes the schools it added.
func (s *Server) revert(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	back := requestPage(id)
	if !s.confirmedChanges(w, r, id, "revert", func(c sqlite.RequestChange) string {
		return c.UAI + " " + c.Name + " : " + templates.ChangeLabel(string(c.Kind))
	}) {
		return
	}
	v, err := s.actions.Revert(ctx, staffOf(r).By(), id)
	if err != nil {
		s.refuse(w, r, back, err)
		return
	}
	s.done(w, r, back, templates.ConsoleReverted(id, len(v.Undone)))
}

// markHandled marks a forwarded message handled.
func (s *Server) markHandled(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	back := requestPage(id)
	if err := s.actions.MarkHandled(r.Context(), staffOf(r).By(), id); err != nil {
		s.refuse(w, r, back, err)
		return
	}
	s.done(w, r, back, templates.ConsoleHandled(id))
}

// resend queues a mail of ours again, back to the request it answered.
func (s *Server) resend(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	back := "/"
	if rid, err := strconv.ParseInt(r.PostFormValue("demande"), 10, 64); err == nil && rid > 0 {
		back = requestPage(rid)
	}
	requestID, err := s.actions.Resend(r.Context(), staffOf(r).By(), id)
	if err != nil {
		s.refuse(w, r, back, err)
		return
	}
	s.done(w, r, requestPage(requestID), templates.ConsoleResent(id))
}
