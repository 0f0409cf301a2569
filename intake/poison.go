package intake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/mail"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/backoff"
	"github.com/laclasse/intake/smtp"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// MaxAttempts is how many times handling a message may fail, for a reason of the message's own,
// before the message is quarantined: "an error that belongs to one message stays with that
// message", it never stops the mailbox for everyone.
const MaxAttempts = 3

// retryPolicy spaces the attempts at a message that failed: a pass before the retry time
// leaves it as it is (about 1 minute after the first failure, 2 after the second).
var retryPolicy = backoff.Policy{Base: time.Minute, Max: 30 * time.Minute}

// MessageError is a failure to handle one message that belongs to that message (not to the
// store, the disk or the network). The message stays in the mailbox, claimed, and is tried again
// by the first pass after RetryAt; the MaxAttempts-th failure quarantines it.
type MessageError struct {
	RequestID int64
	Attempt   int
	RetryAt   time.Time
	Err       error
}

func (e *MessageError) Error() string {
	return fmt.Sprintf("request %d, attempt %d of %d: %v", e.RequestID, e.Attempt, MaxAttempts, e.Err)
}

func (e *MessageError) Unwrap() error { return e.Err }

// PanicError is a panic of the handler on one message, turned into an error of that message.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("internal error: %v", e.Value) }

// OwnedByMessage reports whether err belongs to the message being handled rather than to what
// handles it: an error of the store that is not its unavailability (sqlite.Unavailable), of the
// disk, of the network, or the end of ctx, is not the message's, and is tried again later
// without counting against the message.
func OwnedByMessage(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errTimeout) ||
		sqlite.Unavailable(err) {
		return false
	}
	var ne net.Error
	var pe *fs.PathError
	var errno syscall.Errno
	if errors.As(err, &ne) || errors.As(err, &pe) || errors.As(err, &errno) {
		return false
	}
	return true
}

// decideRecovering is decide with a panic turned into a *PanicError. A panic inside the
// decision's transaction unwinds through its rollback first.
func (h *Handler) decideRecovering(ctx context.Context, req *sqlite.Request) (d *convention.Decision, err error) {
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return h.decide(ctx, req)
}

// failed counts a failed attempt at deciding req, whose error cause is the message's own. Below
// MaxAttempts it returns a *MessageError; at MaxAttempts it quarantines the message: rejected,
// to the rejected folder, nothing applied, nothing answered, the reason kept for the summary.
func (h *Handler) failed(ctx context.Context, req *sqlite.Request, cause error) (*convention.Decision, error) {
	retryAt := h.Now().Add(retryPolicy.Delay(req.Attempts + 1))
	attempts, err := h.Store.RecordAttempt(ctx, req.ID, cause, retryAt)
	if err != nil {
		if errors.Is(err, sqlite.ErrAlreadyDecided) {
			return nil, err
		}
		return nil, fmt.Errorf("decide request %d: %w (after %w)", req.ID, err, cause)
	}
	if attempts < MaxAttempts {
		return nil, &MessageError{RequestID: req.ID, Attempt: attempts, RetryAt: retryAt, Err: cause}
	}
	var pe *PanicError
	reason := templates.HandlingFailure(boundedCause(cause), attempts, errors.As(cause, &pe))
	sender, subject := headerSummary(req.Raw)
	return h.Store.Decide(ctx, sqlite.DecideInput{RequestID: req.ID}, func(sqlite.DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateRejected, Target: h.Rejected, Reason: reason, Sender: sender, Subject: subject}, nil
	})
}

// boundedCause is err's text as the summary shows it: one line, without controls, bounded.
func boundedCause(err error) string { return smtp.CleanText(err.Error()) }

// headerSummary reads, as best it can and without the MIME walker that may be what failed, who
// a message is from and its subject, cleaned for the summary.
func headerSummary(raw []byte) (sender, subject string) {
	defer func() {
		if recover() != nil {
			sender, subject = "", ""
		}
	}()
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 || end > 1<<20 {
		end = min(len(raw), 1<<20)
	}
	m, err := mail.ReadMessage(bytes.NewReader(append(append([]byte{}, raw[:end]...), "\r\n\r\n"...)))
	if err != nil {
		return "", ""
	}
	dec := new(mime.WordDecoder)
	from, subj := m.Header.Get("From"), m.Header.Get("Subject")
	if s, err := dec.DecodeHeader(from); err == nil {
		from = s
	}
	if s, err := dec.DecodeHeader(subj); err == nil {
		subj = s
	}
	return smtp.CleanText(from), smtp.CleanText(subj)
}
