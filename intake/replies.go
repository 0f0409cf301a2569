package intake

import (
	"fmt"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/smtp"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// MaxExcerpt is how many characters of a message without a list the Métropole's summary shows.
const MaxExcerpt = 500

// MaxForwardedFiles bounds, in bytes, the files a forward to staff carries: past it, the
// remaining files are only named (they stay in the mailbox).
const MaxForwardedFiles = 20 << 20

// MaxThreadText bounds, in characters, the text of our mail that a forward to staff quotes.
const MaxThreadText = 20000

// forwards reports whether a message without a list that answers one of our mails goes to
// staff: a person who writes back reaches a person. A message too large to be read, or whose
// files hide in a winmail.dat, gets its usual answer instead, which says what to resend; so does
// every message when no staff address is configured.
func (h *Handler) forwards(req *sqlite.Request, msg *mailparse.Message) bool {
	return len(h.StaffTo) > 0 && !req.HeaderOnly && !msg.TNEF
}

// forward decides a message without a list that answers the mail of ours answered: it is
// forwarded to staff with its text, its files and the thread it answers, and the commune is
// told so once per thread, never sent the model.
func (h *Handler) forward(d *convention.Decision, req *sqlite.Request, msg *mailparse.Message, commune convention.Commune, answered sqlite.SentMail) error {
	loc := h.Calendar.Location
	d.State, d.Target = convention.StateForwarded, h.Processed
	d.Reason = templates.ReasonForwarded(answered.CreatedAt.In(loc))
	sender := msg.From
	if msg.FromName != "" {
		sender = msg.FromName + " <" + msg.From + ">"
	}
	f := templates.Forward{
		Commune: commune.Name, Sender: sender, Subject: msg.Subject, ReceivedAt: req.ReceivedAt.In(loc),
		Text:          msg.Text,
		ThreadSubject: answered.Subject, ThreadAt: answered.CreatedAt.In(loc), ThreadKind: templates.MailKindName(answered.Kind),
		Acknowledged: !answered.Acknowledged,
	}
	if len(answered.Data) > 0 {
		// What we wrote, so that staff read what the commune answers; a mail of ours that cannot
		// be read again is only named.
		if ours, err := mailparse.Parse(answered.Data, h.MailLimits); err == nil {
			f.ThreadText = ours.Text
			if r := []rune(f.ThreadText); len(r) > MaxThreadText {
				f.ThreadText, f.ThreadTextCut = string(r[:MaxThreadText]), true
			}
		}
	}
	if !msg.Date.IsZero() {
		f.Date = msg.Date.In(loc)
	}
	var files []smtp.File
	total := 0
	for i, a := range msg.Attachments {
		if a.Filename == "" && (a.ContentType == "text/plain" || a.ContentType == "text/html") {
			continue // an alternative body, already in Text
		}
		name := clipName(a.Filename)
		if name == "" {
			name = fmt.Sprintf("piece-jointe-%d", i+1)
		}
		line := templates.ForwardFile{Name: name, Size: len(a.Data)}
		if total+len(a.Data) <= MaxForwardedFiles {
			total += len(a.Data)
			line.Attached = true
			files = append(files, smtp.File{Name: name, ContentType: a.ContentType, Data: a.Data})
		}
		f.Files = append(f.Files, line)
	}
	rendered, err := templates.RenderForward(f)
	if err != nil {
		return err
	}
	data, err := smtp.Compose(smtp.Mail{From: h.From, FromName: h.FromName, To: h.StaffTo, ReplyTo: msg.From, Subject: rendered.Subject, Date: h.Now(),
		Text: rendered.Text, HTML: rendered.HTML, Files: files})
	if err != nil {
		return fmt.Errorf("compose the forward of a commune's message: %w", err)
	}
	d.Outgoing = append(d.Outgoing, convention.OutgoingMail{Kind: sqlite.KindForward, From: h.From, To: h.StaffTo, Data: data})
	if answered.Acknowledged {
		return nil // one acknowledgement per thread
	}
	ack, err := templates.RenderAcknowledgement(templates.Acknowledgement{Commune: commune.Name, Subject: msg.Subject, ReceivedAt: req.ReceivedAt.In(loc), Signature: h.Signature})
	if err != nil {
		return err
	}
	to := replyRecipients(h.Communes, commune, msg)
	data, err = smtp.Compose(smtp.Mail{From: h.From, FromName: h.FromName, To: to, Subject: ack.Subject, Date: h.Now(),
		InReplyTo: msg.MessageID, References: msg.References, AutoReplied: true, Text: ack.Text, HTML: ack.HTML})
	if err != nil {
		return fmt.Errorf("compose the acknowledgement of a forwarded message: %w", err)
	}
	d.Outgoing = append(d.Outgoing, convention.OutgoingMail{Kind: sqlite.KindAcknowledgement, From: h.From, To: to, Data: data})
	return nil
}

// alreadyReceived answers, briefly, a new message whose files came before in earlier: when,
// and what became of them.
func (h *Handler) alreadyReceived(d *convention.Decision, req *sqlite.Request, msg *mailparse.Message, commune convention.Commune, earlier sqlite.EarlierRequest) error {
	loc := h.Calendar.Location
	a := templates.AlreadyReceived{
		Commune: commune.Name, Subject: msg.Subject, ReceivedAt: req.ReceivedAt.In(loc),
		EarlierAt: earlier.ReceivedAt.In(loc), State: string(earlier.State), Changes: earlier.Changes, RefusedRows: earlier.RefusedRows,
		Signature: h.Signature,
	}
	if earlier.State != convention.StateApplied {
		a.Reason = earlier.Reason
	}
	rendered, err := templates.RenderAlreadyReceived(a)
	if err != nil {
		return err
	}
	to := replyRecipients(h.Communes, commune, msg)
	data, err := smtp.Compose(smtp.Mail{From: h.From, FromName: h.FromName, To: to, Subject: rendered.Subject, Date: h.Now(),
		InReplyTo: msg.MessageID, References: msg.References, AutoReplied: true, Text: rendered.Text, HTML: rendered.HTML})
	if err != nil {
		return fmt.Errorf("compose the answer to files received before: %w", err)
	}
	d.Outgoing = append(d.Outgoing, convention.OutgoingMail{Kind: "already_received", From: h.From, To: to, Data: data})
	return nil
}
