// Package intake is in charge of the partnership mailbox: watching it over IMAP, turning each
// message into a request (who sent it, what its spreadsheets say, what that changes in the
// registry), answering the commune, and moving the message to its folder, so that every message is
// applied exactly once in effect, whatever crashes in between.
package intake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake/auth"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/sheet"
	"github.com/laclasse/intake/smtp"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// Handler decides what a message means and writes the decision to the store.
type Handler struct {
	Store    *sqlite.DB
	Communes []convention.Commune
	// From is the address our replies come from; FromName its display name; Signature ends them.
	From      string
	FromName  string
	Signature string
	// Processed and Rejected are the folders handled messages go to.
	Processed string
	Rejected  string
	// Calendar holds the convention's yearly dates: the campaign, when removals take effect.
	Calendar    convention.Calendar
	SheetLimits sheet.Limits
	// Policies holds each commune's sender policy (DKIM), by commune name; a commune without
	// one is trusted on its From address alone.
	Policies map[string]auth.Policy
	// LookupTXT resolves DNS TXT records for DKIM keys (nil: the system resolver).
	LookupTXT  func(ctx context.Context, domain string) ([]string, error)
	MailLimits mailparse.Limits
	// MaxRepliesPerAddress bounds the automatic replies to one address over 24 hours (0: no
	// bound), so that a robot that ignores Auto-Submitted cannot loop with us.
	MaxRepliesPerAddress int
	// StaffTo are the Métropole's addresses ([metropole] summary_to) that a commune's message
	// without a list, answering one of our mails, is forwarded to.
	StaffTo []string
	// Directory turns on the checks against the national directory of schools ([directory]):
	// every row is looked up in the store's copy of it, and the model sent with the reply to a
	// commune's first message comes pre-filled with its schools.
	Directory bool
	Now       func() time.Time
}

// Outcome is what handling one message did, for the log.
type Outcome struct {
	RequestID int64
	MessageID string
	Commune   string
	State     convention.RequestState
	Target    string
	Changes   int
	Refused   int
	Replies   int
}

// Decide decides a claimed request from its stored bytes, in one transaction with its effects.
// A failure that belongs to the message (OwnedByMessage), a panic of the handler included, is
// counted: it returns a *MessageError, and the MaxAttempts-th quarantines the message for a
// person to read, rather than stopping the mailbox on it again and again. Any other error (the
// store, the disk, ctx) is returned as it is, and counts nothing.
func (h *Handler) Decide(ctx context.Context, req *sqlite.Request) (*convention.Decision, error) {
	d, err := h.decideRecovering(ctx, req)
	if err == nil || errors.Is(err, sqlite.ErrAlreadyDecided) || !OwnedByMessage(err) {
		return d, err
	}
	return h.failed(ctx, req, err)
}

func (h *Handler) decide(ctx context.Context, req *sqlite.Request) (*convention.Decision, error) {
	var msg *mailparse.Message
	var perr error
	if req.HeaderOnly {
		// Over the size limit, the message was not fetched whole: its header says who to
		// answer, and why nothing was read.
		perr = fmt.Errorf("%w: %d bytes", mailparse.ErrTooLarge, req.Size)
	} else {
		msg, perr = mailparse.Parse(req.Raw, h.MailLimits)
	}
	if perr != nil || msg == nil {
		msg = headerOnly(req.Raw, perr, h.MailLimits)
	}
	if msg == nil {
		return h.Store.Decide(ctx, sqlite.DecideInput{RequestID: req.ID}, func(sqlite.DecideView) (*convention.Decision, error) {
			return &convention.Decision{State: convention.StateRejected, Target: h.Rejected, Reason: fmt.Sprintf("message illisible : %v", perr)}, nil
		})
	}
	d := &convention.Decision{MessageID: msg.MessageID, Sender: msg.From, Subject: msg.Subject}
	if msg.FromError != "" {
		// "From is parsed one way only": a From that does not name exactly one sender to a
		// strict reader could name another to the MTA that checked it. It is quarantined,
		// never applied nor answered, and staff see the field as received and decoded.
		d.State, d.Target = convention.StateRejected, h.Rejected
		d.Reason = templates.ReasonUnreadableSender(msg.FromError, msg.FromRaw, msg.FromDecoded)
		if msg.Automatic != "" {
			d.Reason += templates.ReasonAutomaticSuffix
		}
		return h.Store.Decide(ctx, sqlite.DecideInput{RequestID: req.ID, MessageID: msg.MessageID}, func(sqlite.DecideView) (*convention.Decision, error) { return d, nil })
	}
	commune, known, vouched, err := h.senderCommune(ctx, msg.From)
	if err != nil {
		return nil, err
	}
	if !known {
		d.State, d.Target = convention.StateRejected, h.Rejected
		d.Reason = templates.ReasonUndeclaredSender(msg.From)
		if msg.Automatic != "" {
			d.Reason += templates.ReasonAutomaticSuffix
		}
		return h.Store.Decide(ctx, sqlite.DecideInput{RequestID: req.ID, MessageID: msg.MessageID}, func(sqlite.DecideView) (*convention.Decision, error) { return d, nil })
	}
	if p, ok := h.Policies[commune.Name]; ok && !vouched { // staff vouch for a release
		res := auth.Check(ctx, req.Raw, p, h.LookupTXT)
		if !res.Passes(p) {
			// "Nobody let in": a From that fails the commune's policy is quarantined, never
			// applied and never answered, and shown to the Métropole.
			d.State, d.Target = convention.StateRejected, h.Rejected
			d.Reason = templates.ReasonUnauthenticated(commune.Name, res.Reasons)
			return h.Store.Decide(ctx, sqlite.DecideInput{RequestID: req.ID, MessageID: msg.MessageID}, func(sqlite.DecideView) (*convention.Decision, error) { return d, nil })
		}
	}
	d.Commune = commune.Name
	if msg.Automatic != "" {
		d.State, d.Target = convention.StateIgnored, h.Processed
		d.Reason = templates.ReasonAutomatic(msg.Automatic)
		return h.Store.Decide(ctx, sqlite.DecideInput{RequestID: req.ID, MessageID: msg.MessageID, Commune: commune.Name}, func(sqlite.DecideView) (*convention.Decision, error) { return d, nil })
	}

	lists, hashes := h.readAttachments(ctx, msg, d)
	in := sqlite.DecideInput{RequestID: req.ID, MessageID: msg.MessageID, Commune: commune.Name, Attachments: hashes, MaxRepliesPerAddress: h.MaxRepliesPerAddress,
		References: msg.References, RepeatsSince: h.Calendar.RepeatsSince(req.ReceivedAt)}
	if len(lists) == 0 {
		in.Excerpt = mailparse.Excerpt(msg.Text, MaxExcerpt) // what the person wrote, for staff
	}
	in.Release = releaseOf(ctx)
	dir, err := h.lookUpDirectory(ctx, commune, listUAIs(lists), len(lists) == 0)
	if err != nil {
		return nil, err
	}
	for _, rl := range lists {
		for _, e := range rl.list.Schools {
			in.UAIs = append(in.UAIs, e.UAI)
		}
	}
	return h.Store.Decide(ctx, in, func(view sqlite.DecideView) (*convention.Decision, error) {
		if view.DuplicateOf != 0 {
			d.State, d.Target = convention.StateDuplicate, h.Processed
			d.Reason = templates.ReasonDuplicate(view.DuplicateOf)
			d.Attachments = nil
			if view.Earlier != nil {
				// A new message repeating files received before: the commune hears what became
				// of them. The same message seen again stays silent.
				d.Reason = templates.ReasonFilesAlreadyReceived(view.DuplicateOf)
				return d, h.alreadyReceived(d, req, msg, commune, *view.Earlier)
			}
			return d, nil
		}
		if len(lists) == 0 && view.Answers != nil && h.forwards(req, msg) {
			return d, h.forward(d, req, msg, commune, *view.Answers)
		}
		return d, h.apply(d, req, msg, commune, lists, view, dir)
	})
}

// headerOnly reads what it can of a message the MIME walker refused as a whole (too large, say):
// its header, so that a commune still gets an answer saying why nothing was read.
func headerOnly(raw []byte, cause error, lim mailparse.Limits) *mailparse.Message {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		end = bytes.Index(raw, []byte("\n\n"))
	}
	if end < 0 || end > 1<<20 {
		return nil
	}
	head, err := mailparse.Parse(append(append([]byte{}, raw[:end]...), "\r\n\r\n"...), lim)
	if err != nil {
		return nil // a header without a From still parses: FromError then says so
	}
	head.Attachments, head.Problems = nil, nil
	reason := templates.MessageUnreadable
	if errors.Is(cause, mailparse.ErrTooLarge) {
		if lim.MaxMessageSize <= 0 {
			lim.MaxMessageSize = mailparse.DefaultLimits().MaxMessageSize
		}
		reason = templates.MessageTooLarge(lim.MaxMessageSize >> 20)
	}
	head.Problems = append(head.Problems, reason)
	return head
}

// maxFilename is the longest file name, in characters, that the store and the reply keep: a
// name is the sender's to choose, and a thousand parts of a megabyte-long name each must not
// become a gigabyte of rows.
const maxFilename = 200

// clipName shortens a file name to maxFilename characters.
func clipName(name string) string {
	if r := []rune(name); len(r) > maxFilename {
		return string(r[:maxFilename-1]) + "…"
	}
	return name
}

// readList is one spreadsheet read from a message.
type readList struct {
	file string
	list *convention.List
}

// spreadsheetExt lists the names that say "I am a spreadsheet", so that a file that lies about
// it (a PDF named .xlsx) is reported rather than skipped.
var spreadsheetExt = map[string]bool{".xlsx": true, ".xlsm": true, ".xls": true, ".ods": true, ".csv": true, ".xlsb": true}

// incidental reports whether a part is something mail clients add on their own (images, signatures,
// business cards, calendar invitations), which the reply need not mention.
func incidental(a mailparse.Attachment) bool {
	ct := a.ContentType
	ext := strings.ToLower(path.Ext(a.Filename))
	switch {
	case strings.HasPrefix(ct, "image/"), strings.Contains(ct, "signature"), strings.HasPrefix(ct, "text/calendar"),
		strings.HasPrefix(ct, "text/vcard"), strings.HasPrefix(ct, "text/x-vcard"), strings.HasPrefix(ct, "message/delivery-status"):
		return true
	case ext == ".p7s" || ext == ".asc" || ext == ".vcf" || ext == ".ics":
		return true
	case (ct == "text/plain" || ct == "text/html") && a.Filename == "":
		return true // an alternative body a client sent as a part
	}
	return false
}

func (h *Handler) readAttachments(ctx context.Context, msg *mailparse.Message, d *convention.Decision) ([]readList, []string) {
	var lists []readList
	var hashes []string
	for i, a := range msg.Attachments {
		name := clipName(a.Filename)
		if name == "" {
			name = templates.AttachmentName(i + 1)
		}
		sum := sha256.Sum256(a.Data)
		rec := convention.AttachmentRecord{Filename: name, ContentType: a.ContentType, SHA256: hex.EncodeToString(sum[:]), Size: len(a.Data)}
		format := sheet.Detect(a.Data)
		ext := strings.ToLower(path.Ext(a.Filename))
		if format == "" {
			if incidental(a) {
				continue // a logo, a signature, a business card
			}
			rec.Error = templates.FileNotASpreadsheet
			if spreadsheetExt[ext] || strings.Contains(a.ContentType, "spreadsheet") || strings.Contains(a.ContentType, "excel") {
				rec.Error = templates.FileDisguised
			}
			d.Attachments = append(d.Attachments, rec)
			continue
		}
		list, err := sheet.Read(ctx, name, a.Data, h.SheetLimits)
		if err != nil {
			var ue *sheet.UnreadableError
			if errors.As(err, &ue) {
				rec.Error = ue.Reason
			} else {
				rec.Error = templates.FileUnreadable
			}
			d.Attachments = append(d.Attachments, rec)
			continue
		}
		rec.Format = list.Format
		d.Attachments = append(d.Attachments, rec)
		hashes = append(hashes, rec.SHA256)
		lists = append(lists, readList{file: name, list: list})
	}
	return lists, hashes
}

func (h *Handler) apply(d *convention.Decision, req *sqlite.Request, msg *mailparse.Message, commune convention.Commune, lists []readList, view sqlite.DecideView, dir *directoryView) error {
	receivedAt := req.ReceivedAt
	var entries []convention.SchoolEntry
	files := map[string]string{} // UAI → file, to locate rows
	seen := map[string]bool{}
	var contacts convention.CommuneContacts
	for _, rl := range lists {
		for _, p := range rl.list.Problems {
			p.File = rl.file
			d.Problems = append(d.Problems, p)
		}
		for _, e := range rl.list.Schools {
			if seen[e.UAI] {
				d.Problems = append(d.Problems, convention.Problem{File: rl.file, Sheet: e.Sheet, Row: e.Row, Field: "uai", Severity: convention.SeverityError,
					Message: templates.SchoolInAnotherFile(e.UAI)})
				continue
			}
			seen[e.UAI] = true
			files[e.UAI] = rl.file
			entries = append(entries, e)
		}
		if c := rl.list.Commune.TechnicalReferent; c != nil {
			contacts.TechnicalReferent = c
		}
		if c := rl.list.Commune.ProjectLead; c != nil {
			contacts.ProjectLead = c
		}
	}
	if contacts.TechnicalReferent != nil || contacts.ProjectLead != nil {
		d.Contacts = &contacts
	}
	hadSchools := false
	for _, s := range view.Registry {
		if strings.EqualFold(s.Commune, commune.Name) && s.Status != convention.StatusRemoved {
			hadSchools = true
			break
		}
	}
	if dir != nil {
		entries = checkDirectory(d, commune, entries, dir, columnsOf(lists), files)
	}
	withActions := false
	for _, rl := range lists {
		withActions = withActions || rl.list.HasActions()
	}
	d.Kind = convention.ListKind(hadSchools, h.Calendar.InCampaign(receivedAt))
	d.FullList = convention.IsFullList(d.Kind, withActions, len(entries))
	plan := convention.PlanList(convention.PlanInput{
		Commune:      commune.Name,
		ReceivedAt:   receivedAt,
		Registry:     view.Registry,
		List:         entries,
		FullList:     d.FullList,
		YearlyUpdate: h.Calendar.RemovalDate(receivedAt, receivedAt),
		Refused:      convention.RefusedUAIs(d.Problems),
		Hold:         h.Calendar.Hold,
		Words:        templates.PlanWords{},
	})
	for _, p := range plan.Problems {
		p.File = files[firstUAI(p.Message, entries)]
		d.Problems = append(d.Problems, p)
	}
	d.Changes = plan.Changes
	switch {
	case len(lists) == 0:
		d.State = convention.StateRefused
		d.Reason = templates.ReasonNoList
		if msg.TNEF {
			d.Reason = templates.ReasonTNEF
		}
	case len(plan.Changes) == 0 && len(plan.Unchanged) == 0:
		d.State = convention.StateRefused
		d.Reason = templates.ReasonNoValidRows
	case len(plan.Held()) > 0:
		// Applied but for its removals, which wait for staff (convention.HoldRule).
		d.State = convention.StateHeld
		d.Reason = templates.ReasonHeld(len(plan.Held()), plan.Schools)
	default:
		d.State = convention.StateApplied
	}
	d.Target = h.Processed
	var model []convention.DirectoryEntry // a first message: the commune's schools, for the model
	if dir != nil && !hadSchools {
		model = dir.commune
	}
	reply, err := h.reply(d, msg, commune, receivedAt, plan, len(lists) == 0, model)
	if err != nil {
		return err
	}
	d.Outgoing = append(d.Outgoing, reply)
	notice, ok, err := h.adminChangeNotice(msg, commune, receivedAt, plan, reply.To)
	if err != nil {
		return err
	}
	if ok {
		d.Outgoing = append(d.Outgoing, notice)
	}
	return nil
}

// replyRecipients returns who the reply to msg goes to: "Answer only people we know". That is
// its From, a declared sender of commune, and its Reply-To only when Reply-To is itself a
// declared sender of the same commune; a Reply-To anywhere else is not written to, since a
// forged From with the attacker's Reply-To would otherwise get the registry's answer.
func replyRecipients(communes []convention.Commune, commune convention.Commune, msg *mailparse.Message) []string {
	to := []string{msg.From}
	if rt := msg.ReplyTo; rt != "" && !strings.EqualFold(rt, msg.From) {
		if c, ok := convention.CommuneOf(communes, rt); ok && c.Name == commune.Name {
			to = append(to, rt)
		}
	}
	return to
}

// noticeRecipients returns the commune's declared contacts that hear of a change of
// administrator: its notify addresses and its senders that are whole addresses (not @domain),
// lower-cased, without duplicates and without the addresses in skip (those the reply goes to).
func noticeRecipients(commune convention.Commune, skip []string) []string {
	seen := map[string]bool{}
	for _, a := range skip {
		seen[strings.ToLower(strings.TrimSpace(a))] = true
	}
	var to []string
	for _, a := range append(append([]string{}, commune.Notify...), commune.Senders...) {
		a = strings.ToLower(strings.TrimSpace(a))
		if strings.HasPrefix(a, "@") || !convention.ValidSenderPattern(a) || seen[a] {
			continue
		}
		seen[a] = true
		to = append(to, a)
	}
	return to
}

// adminChangeNotice composes the notice of the changes of administrator plan makes to the
// commune's declared contacts other than the reply's recipients; ok is false when plan changes
// no administrator or nobody else is declared.
func (h *Handler) adminChangeNotice(msg *mailparse.Message, commune convention.Commune, receivedAt time.Time, plan convention.Plan, replyTo []string) (mail convention.OutgoingMail, ok bool, err error) {
	n := templates.AdminChangeNotice{Commune: commune.Name, Subject: msg.Subject, ReceivedAt: receivedAt.In(h.Calendar.Location), Signature: h.Signature}
	for _, ch := range plan.Changes {
		if ch.Kind != convention.ChangeAdmin {
			continue
		}
		c := templates.AdminChange{UAI: ch.UAI, School: ch.Name, After: ch.Admin.FullName()}
		if ch.Before != nil {
			c.Before = ch.Before.FullName()
		}
		n.Changes = append(n.Changes, c)
	}
	if len(n.Changes) == 0 {
		return convention.OutgoingMail{}, false, nil
	}
	to := noticeRecipients(commune, replyTo)
	if len(to) == 0 {
		return convention.OutgoingMail{}, false, nil
	}
	n.Sender = msg.From
	if msg.FromName != "" {
		n.Sender = msg.FromName + " <" + msg.From + ">"
	}
	rendered, err := templates.RenderAdminChangeNotice(n)
	if err != nil {
		return convention.OutgoingMail{}, false, err
	}
	data, err := smtp.Compose(smtp.Mail{From: h.From, FromName: h.FromName, To: to, Subject: rendered.Subject, Date: h.Now(), Text: rendered.Text, HTML: rendered.HTML})
	if err != nil {
		return convention.OutgoingMail{}, false, fmt.Errorf("compose the notice of a change of administrator: %w", err)
	}
	return convention.OutgoingMail{Kind: "admin_change_notice", From: h.From, To: to, Data: data}, true, nil
}

// firstUAI finds which accepted entry a plan problem speaks of, to name its file.
func firstUAI(message string, entries []convention.SchoolEntry) string {
	for _, e := range entries {
		if strings.Contains(message, e.UAI) {
			return e.UAI
		}
	}
	return ""
}

// describe writes a contact as a reply lists it: "name (role), email, phone", the parts it has.
func describe(c convention.Contact) string {
	var b strings.Builder
	phone := ""
	if c.Phone != "" {
		phone = convention.ReadablePhone(c.Phone)
	}
	name := c.FullName()
	b.Grow(len(name) + len(c.Role) + len(c.Email) + len(phone) + 7)
	b.WriteString(name)
	if c.Role != "" {
		b.WriteString(" (")
		b.WriteString(c.Role)
		b.WriteString(")")
	}
	if c.Email != "" {
		b.WriteString(", ")
		b.WriteString(c.Email)
	}
	if c.Phone != "" {
		b.WriteString(", ")
		b.WriteString(phone)
	}
	return b.String()
}

// where locates a row for the commune; csv holds the names of the csv files, whose one sheet
// is the file itself.
func where(sheet string, row int, csv map[string]bool) string {
	return templates.Where(sheet, row, csv[sheet])
}

func (h *Handler) reply(d *convention.Decision, msg *mailparse.Message, commune convention.Commune, receivedAt time.Time, plan convention.Plan, noList bool, model []convention.DirectoryEntry) (convention.OutgoingMail, error) {
	loc := h.Calendar.Location
	r := templates.Reply{
		Commune:    commune.Name,
		Subject:    msg.Subject,
		ReceivedAt: receivedAt.In(loc),
		NoList:     noList,
		TNEF:       noList && msg.TNEF,
		MailNotes:  msg.Problems,
		Signature:  h.Signature,
	}
	if d.Kind == convention.KindYearly && !noList {
		r.SchoolYear = convention.NextSchoolYear(receivedAt, loc)
	}
	if d.Contacts != nil {
		if c := d.Contacts.TechnicalReferent; c != nil {
			r.TechnicalReferent = describe(*c)
		}
		if c := d.Contacts.ProjectLead; c != nil {
			r.ProjectLead = describe(*c)
		}
	}
	csv := map[string]bool{} // a csv file has no sheets: its rows are the file's
	for _, a := range d.Attachments {
		r.Files = append(r.Files, templates.FileLine{Name: a.Filename, Format: a.Format, Error: a.Error})
		csv[a.Filename] = a.Format == "csv"
	}
	for _, ch := range plan.Changes {
		line := templates.SchoolLine{UAI: ch.UAI, Name: ch.Name, Admin: describe(ch.Admin), DueAt: ch.DueAt.In(loc), When: ch.RemoveAt.In(loc), Derived: ch.Derived, Where: where(ch.Sheet, ch.Row, csv)}
		if ch.Before != nil {
			line.Before = describe(*ch.Before)
		}
		switch ch.Kind {
		case convention.ChangeAdd, convention.ChangeReadd:
			r.Added = append(r.Added, line)
			if line.DueAt.After(r.DueAt) {
				r.DueAt = line.DueAt
			}
		case convention.ChangeAdmin:
			r.Changed = append(r.Changed, line)
			if line.DueAt.After(r.DueAt) {
				r.DueAt = line.DueAt
			}
		case convention.ChangeScheduleRemov:
			r.Removed = append(r.Removed, line)
		case convention.ChangeCancelRemoval:
			r.Restored = append(r.Restored, line)
		case convention.ChangeHoldRemoval:
			r.HeldCount++
			if len(r.Held) < templates.MaxSchoolLines {
				r.Held = append(r.Held, line)
			} else {
				r.HeldMore++
			}
		}
	}
	r.HeldOf = plan.Schools
	for _, e := range plan.Unchanged {
		r.Unchanged = append(r.Unchanged, templates.SchoolLine{UAI: e.UAI, Name: e.Name})
	}
	multi := len(d.Attachments) > 1
	r.ResendWhole = d.FullList
	var refusedRows []templates.ProblemLine // every refused row, with its file, for the attachment
	for _, p := range d.Problems {
		line := templates.ProblemLine{Sheet: p.Sheet, Row: p.Row, Column: p.Column, Message: p.Message, UAI: p.UAI, School: p.School}
		if multi || csv[p.File] {
			line.File = p.File
		}
		if csv[p.File] {
			line.Sheet = ""
		}
		if p.Severity == convention.SeverityError {
			r.Refused = append(r.Refused, line)
			line.File = p.File
			refusedRows = append(refusedRows, line)
		} else {
			r.Warnings = append(r.Warnings, line)
		}
	}
	// A reply lists the first refused rows only; the whole list goes with it as a spreadsheet.
	var refusedFile []byte
	if r.Truncated() {
		var buf bytes.Buffer
		if err := templates.WriteRefusedRows(&buf, refusedRows); err != nil {
			return convention.OutgoingMail{}, err
		}
		refusedFile, r.RefusedFile = buf.Bytes(), templates.RefusedRowsFilename
	}
	if noList {
		r.Prefilled = prefilledLines(model)
	}
	rendered, err := templates.RenderReply(r)
	if err != nil {
		return convention.OutgoingMail{}, err
	}
	m := smtp.Mail{
		From: h.From, FromName: h.FromName, To: replyRecipients(h.Communes, commune, msg),
		Subject: rendered.Subject, Date: h.Now(),
		InReplyTo: msg.MessageID, References: msg.References, AutoReplied: true,
		Text: rendered.Text, HTML: rendered.HTML,
	}
	if refusedFile != nil {
		m.Files = append(m.Files, smtp.File{Name: templates.RefusedRowsFilename, ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: refusedFile})
	}
	if noList {
		var buf bytes.Buffer
		if err := sheet.WritePrefilledModel(&buf, sheet.FormatXLSX, modelRows(model), h.From); err != nil {
			return convention.OutgoingMail{}, fmt.Errorf("model spreadsheet: %w", err)
		}
		m.Files = append(m.Files, smtp.File{Name: "modele-liste-ecoles-laclasse.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: buf.Bytes()})
	}
	data, err := smtp.Compose(m)
	if err != nil {
		return convention.OutgoingMail{}, err
	}
	return convention.OutgoingMail{Kind: "reply", From: h.From, To: m.To, Data: data}, nil
}
