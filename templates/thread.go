package templates

import (
	"regexp"
	"strings"
	"time"
)

// replyPrefixes matches the run of answer and forward prefixes mail clients put before a
// subject, in any language and case, with or without spaces or a count: "Re:", "RE :",
// "Réf.:", "TR:", "Fwd:", "AW:", "Re[2]:".
var replyPrefixes = regexp.MustCompile(`(?i)^(?:\s*(?:re|ré|réf|ref|tr|fw|fwd|aw|wg|sv|antw)\s*(?:\[\d+\]|\(\d+\))?\s*\.?\s*:)+\s*`)

// ReplySubject is the subject of our answer to a message whose subject is subject: "Re: "
// once, before the subject without the prefixes it had piled up ("RE: Re: TR: Liste" gives
// "Re: Liste").
func ReplySubject(subject string) string {
	s := strings.TrimSpace(replyPrefixes.ReplaceAllString(subject, ""))
	if s == "" {
		return "Re: laclasse.com"
	}
	return "Re: " + s
}

// Acknowledgement tells a commune that its message, which answered one of ours and carried
// no list, went to the Métropole's staff.
type Acknowledgement struct {
	Commune    string
	Subject    string // the subject of the commune's message
	ReceivedAt time.Time
	Signature  string
}

// RenderAcknowledgement renders the acknowledgement of a message forwarded to staff.
func RenderAcknowledgement(a Acknowledgement) (Rendered, error) { return render("acknowledgement", a) }

// ForwardFile is a file of a forwarded message: attached to the forward, or only named when
// the files together were too large to attach.
type ForwardFile struct {
	Name     string
	Size     int // bytes
	Attached bool
}

// Forward carries a commune's message to the Métropole's staff.
type Forward struct {
	Commune    string
	Sender     string // "Name <address>"
	Subject    string
	ReceivedAt time.Time
	Date       time.Time // the message's own Date, zero if none
	Text       string    // what the person wrote
	Files      []ForwardFile
	// The mail of ours the message answers: its subject and when we sent it.
	ThreadSubject string
	ThreadAt      time.Time
	ThreadKind    string // in French (MailKindName)
	// ThreadText is the text of that mail of ours, "" once the outbox purged it.
	ThreadText string
	// ThreadTextCut says ThreadText is only the beginning of that mail's text.
	ThreadTextCut bool
	// Acknowledged says the commune was told its message reached staff (once per thread).
	Acknowledged bool
}

// RenderForward renders the forward of a commune's message to staff.
func RenderForward(f Forward) (Rendered, error) { return render("forward", f) }

// AlreadyReceived answers a new message that repeats the files of an earlier one.
type AlreadyReceived struct {
	Commune    string
	Subject    string
	ReceivedAt time.Time
	// The earlier request: when it came and what became of it.
	EarlierAt   time.Time
	State       string // the earlier request's state: "applied", "refused"…
	Reason      string // why it changed nothing, in French, for a refused one
	Changes     int
	RefusedRows int
	Signature   string
}

// RenderAlreadyReceived renders the short answer to files received before.
func RenderAlreadyReceived(a AlreadyReceived) (Rendered, error) { return render("already_received", a) }
