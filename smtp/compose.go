// Package smtp is in charge of outgoing mail: composing our messages (text and HTML, with
// attachments, threaded and marked as automatic) and handing the outbox to the SMTP server,
// retrying until it takes each one.
package smtp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// File is an attachment of an outgoing mail.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// Mail is a message to compose.
type Mail struct {
	From       string
	FromName   string
	To         []string
	Subject    string
	Date       time.Time
	InReplyTo  string   // Message-ID we answer, without <>
	References []string // the thread, without <>
	// AutoReplied marks a reply to a commune's message (Auto-Submitted: auto-replied); other mail
	// we send on our own (summaries, reminders) is auto-generated (RFC 3834).
	AutoReplied bool
	Text        string
	HTML        string
	Files       []File
}

// Compose builds the RFC 5322 bytes of m, with a fresh Message-ID.
func Compose(m Mail) ([]byte, error) {
	var h mail.Header
	h.SetDate(m.Date)
	h.SetAddressList("From", []*mail.Address{{Name: m.FromName, Address: m.From}})
	to := make([]*mail.Address, 0, len(m.To))
	for _, a := range m.To {
		to = append(to, &mail.Address{Address: a})
	}
	h.SetAddressList("To", to)
	h.SetSubject(m.Subject)
	h.SetMessageID(newMessageID(m.From))
	if m.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{m.InReplyTo})
		refs := append(append([]string{}, m.References...), m.InReplyTo)
		h.SetMsgIDList("References", dedupe(refs))
	}
	if m.AutoReplied {
		h.Set("Auto-Submitted", "auto-replied")
	} else {
		h.Set("Auto-Submitted", "auto-generated")
	}
	// Ask Exchange not to answer with its own automatic replies.
	h.Set("X-Auto-Response-Suppress", "All")

	var buf bytes.Buffer
	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	iw, err := w.CreateInline()
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if part.body == "" {
			continue
		}
		var ih mail.InlineHeader
		ih.SetContentType(part.typ, map[string]string{"charset": "utf-8"})
		ih.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := iw.CreatePart(ih)
		if err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
		if _, err := pw.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := pw.Close(); err != nil {
			return nil, err
		}
	}
	if err := iw.Close(); err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		var ah mail.AttachmentHeader
		ah.SetContentType(f.ContentType, nil)
		ah.SetFilename(f.Name)
		ah.Set("Content-Transfer-Encoding", "base64")
		aw, err := w.CreateAttachment(ah)
		if err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
		if _, err := aw.Write(f.Data); err != nil {
			return nil, err
		}
		if err := aw.Close(); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func newMessageID(from string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	domain := "localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return hex.EncodeToString(b[:]) + "@" + domain
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
