package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/backoff"
)

// Server says how to reach the SMTP server.
type Server struct {
	Address  string // host:port
	TLS      string // implicit, starttls or none
	Username string // empty: no authentication
	Password string
	Timeout  time.Duration
	// TLSConfig overrides the default TLS settings (tests).
	TLSConfig *tls.Config
}

// client is one SMTP connection, reused for the mails of a flush of the outbox and, while mails
// keep coming, of the next flushes.
type client struct {
	server   Server
	conn     net.Conn
	c        *gosmtp.Client
	sent     int
	broken   bool      // the session is in a state we cannot use again
	lastUsed time.Time // when it last carried a mail, or was opened
}

func (s Server) timeout() time.Duration {
	if s.Timeout == 0 {
		return time.Minute
	}
	return s.Timeout
}

// dial connects, says hello, starts TLS and authenticates, within the timeout.
func (s Server) dial(ctx context.Context) (*client, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", s.Address)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.Address, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(s.Address)
	tlsConfig := s.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: host}
	}
	var c *gosmtp.Client
	switch s.TLS {
	case "implicit":
		c = gosmtp.NewClient(tls.Client(conn, tlsConfig))
	case "starttls":
		c, err = gosmtp.NewClientStartTLS(conn, tlsConfig)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("starttls with %s: %w", s.Address, err)
		}
	default:
		c = gosmtp.NewClient(conn)
	}
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			c.Close()
			return nil, fmt.Errorf("authenticate to %s: %w", s.Address, err)
		}
	}
	return &client{server: s, conn: conn, c: c, lastUsed: time.Now()}, nil
}

// send hands one message over the connection, within the timeout. A mail under way is not
// abandoned when ctx ends, only when the timeout does: abandoned after the server took it, it
// would be sent again.
//
// A recipient the server refuses for good (a 5xx to RCPT), or whose address cannot be written
// in SMTP, is left out and the others get the mail; the refusals come back as an
// *UndeliverableError (Partial when some recipient took it). A 5xx to the content refuses the
// mail as a whole. A 4xx to this mail alone is a *deferredError. Anything else is the server's
// or the connection's.
func (c *client) send(ctx context.Context, from string, to []string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return &notStartedError{err}
	}
	if _, err := cleanAddress(from); err != nil || from != strings.TrimSpace(from) {
		return &UndeliverableError{Recipients: to, Err: fmt.Errorf("send to %v: sender: %w", to, ErrBadAddress)}
	}
	_ = c.conn.SetDeadline(time.Now().Add(c.server.timeout()))
	if err := c.c.Mail(from, nil); err != nil {
		// Nothing of the mail has gone yet: the server may close a connection that carried
		// enough, or that waited too long; it is safe to try again on a new one.
		return &notStartedError{fmt.Errorf("send to %v: %w", to, err)}
	}
	var refused []string
	var refusal error
	for _, rcpt := range to {
		if a, err := cleanAddress(rcpt); err != nil || a != rcpt {
			refused, refusal = append(refused, rcpt), fmt.Errorf("send to %s: %w", rcpt, ErrBadAddress)
			continue
		}
		if err := c.c.Rcpt(rcpt, nil); err != nil {
			switch {
			case permanentRefusal(err):
				refused, refusal = append(refused, rcpt), fmt.Errorf("send to %s: %w", rcpt, err)
				continue
			case deferral(err):
				return &deferredError{fmt.Errorf("send to %v: %w", to, err)}
			}
			return fmt.Errorf("send to %v: %w", to, err)
		}
	}
	if len(refused) == len(to) {
		if err := c.c.Reset(); err != nil {
			c.broken = true
		}
		return &UndeliverableError{Recipients: refused, Err: refusal}
	}
	w, err := c.c.Data()
	if err != nil {
		c.broken = true // a transaction refused at DATA may still be open
		return c.dataError(to, err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return fmt.Errorf("send to %v: %w", to, err)
	}
	if err := w.Close(); err != nil {
		return c.dataError(to, err)
	}
	c.sent++
	c.lastUsed = time.Now()
	if len(refused) > 0 {
		return &UndeliverableError{Recipients: refused, Err: refusal, Partial: true}
	}
	return nil
}

// dataError says what a refusal of the content means: for good (5xx), for now (4xx), or the
// connection's.
func (c *client) dataError(to []string, err error) error {
	err = fmt.Errorf("send to %v: %w", to, err)
	switch {
	case permanentRefusal(err):
		return &UndeliverableError{Recipients: to, Err: err}
	case deferral(err):
		return &deferredError{err}
	}
	return err
}

// permanentRefusal reports whether the server refused a recipient or a content for good: a 5xx
// reply, except those that speak of the session (authentication) rather than of this mail.
func permanentRefusal(err error) bool {
	var e *gosmtp.SMTPError
	if !errors.As(err, &e) || e.Code < 500 || e.Code > 599 {
		return false
	}
	switch e.Code {
	case 530, 534, 535, 538: // authentication required, too weak, failed, encryption required
		return false
	}
	return true
}

// deferral reports whether the server asked to try this mail again later (a 4xx other than 421,
// which closes the session).
func deferral(err error) bool {
	var e *gosmtp.SMTPError
	return errors.As(err, &e) && e.Code >= 400 && e.Code < 500 && e.Code != 421
}

// UndeliverableError is a mail refused for good for Recipients: the server refused them or the
// content (a 5xx), or their address cannot be written in SMTP. Such a mail is not tried again.
type UndeliverableError struct {
	Recipients []string
	Err        error
	// Partial says the other recipients took the mail.
	Partial bool
}

func (e *UndeliverableError) Error() string { return e.Err.Error() }
func (e *UndeliverableError) Unwrap() error { return e.Err }

// deferredError is a mail the server asked to send again later (a 4xx to it alone): it waits for
// its retry time, and the others go on.
type deferredError struct{ err error }

func (e *deferredError) Error() string { return e.err.Error() }
func (e *deferredError) Unwrap() error { return e.err }

// notStartedError is a failure before the server took any part of the mail.
type notStartedError struct{ err error }

func (e *notStartedError) Error() string { return e.err.Error() }
func (e *notStartedError) Unwrap() error { return e.err }

// close says goodbye, briefly, and closes the connection.
func (c *client) close() {
	if c == nil {
		return
	}
	_ = c.conn.SetDeadline(time.Now().Add(5 * time.Second))
	_ = c.c.Quit()
	c.c.Close()
}

// maxPerConnection is how many mails one connection carries before a new one is opened: some
// servers refuse more than a few dozen on one connection (Exchange's default limit is 20 per
// connection for some connectors; a refusal is retried at once on a new connection anyway).
const maxPerConnection = 20

// Queue is the outbox, as the sender needs it.
type Queue interface {
	// DueOutgoing returns at most limit unsent mails due at now, oldest first.
	DueOutgoing(ctx context.Context, now time.Time, limit int) ([]convention.OutgoingMail, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkFailed(ctx context.Context, id int64, cause error, retryAt time.Time) error
	// MarkUndeliverable records that mail id was refused for good for the recipients refused;
	// it is not due again.
	MarkUndeliverable(ctx context.Context, id int64, refused []string, cause error, at time.Time) error
}

// Outbox sends what the queue holds, in order, retrying with capped, jittered backoff. A mail
// refused for good is set aside (MarkUndeliverable) and the others go on; a mail the server
// defers waits for its own retry time; a server that cannot be reached, or that refuses the
// session, pauses the outbox until the next retry.
type Outbox struct {
	Queue  Queue
	Server Server
	Now    func() time.Time
	Logger *slog.Logger

	mu sync.Mutex // one flush at a time
	// pausedUntil is set when the server could not be reached or took no mail: no flush tries
	// again before it, so that a server that is down costs one attempt, not one per mail.
	pausedUntil time.Time

	idleMu sync.Mutex // guards idle and idleTimer, apart from mu: closing waits on no flush
	// idle is the connection a flush left open for the next one (the daemon flushes after each
	// message it decides): up to maxIdle after its last mail, then idleTimer closes it.
	idle      *client
	idleTimer *time.Timer
}

// maxIdle is how long a connection stays open after its last mail, waiting for the next flush:
// well under the five minutes a server waits for a command (RFC 5321 4.5.3.2.7), and a server
// that closes it sooner only costs a new connection (a MAIL refused is tried again on one).
const maxIdle = 30 * time.Second

// takeIdle returns the connection the last flush left open, if it is for the server configured
// now, and nil otherwise.
func (o *Outbox) takeIdle() *client {
	o.idleMu.Lock()
	c := o.idle
	o.idle = nil
	if o.idleTimer != nil {
		o.idleTimer.Stop()
		o.idleTimer = nil
	}
	o.idleMu.Unlock()
	if c != nil && c.server != o.Server {
		c.close()
		return nil
	}
	return c
}

// keepIdle leaves c open for the next flush, until maxIdle after its last mail; a connection that
// carried its share, or is broken, or whose flush was stopped, is closed.
func (o *Outbox) keepIdle(ctx context.Context, c *client) {
	if c == nil {
		return
	}
	wait := maxIdle - time.Since(c.lastUsed)
	if c.broken || c.sent >= maxPerConnection || ctx.Err() != nil || wait <= 0 {
		c.close()
		return
	}
	o.idleMu.Lock()
	defer o.idleMu.Unlock()
	o.idle = c
	o.idleTimer = time.AfterFunc(wait, func() { o.closeIdle(c) })
}

// closeIdle closes c if it is still the connection left open.
func (o *Outbox) closeIdle(c *client) {
	o.idleMu.Lock()
	if o.idle != c {
		o.idleMu.Unlock()
		return
	}
	o.idle, o.idleTimer = nil, nil
	o.idleMu.Unlock()
	c.close()
}

// Close closes the connection a flush left open, if any. The outbox can flush again after it.
func (o *Outbox) Close() {
	if c := o.takeIdle(); c != nil {
		c.close()
	}
}

// retryPolicy is the wait before a mail is tried again: 30 s doubling, capped at one hour.
var retryPolicy = backoff.Policy{Base: 30 * time.Second, Max: time.Hour}

// Backoff returns the wait before attempt n+1 (n ≥ 1): 30 s doubling, capped at one hour, with
// jitter (internal/backoff).
func Backoff(n int) time.Duration { return retryPolicy.Delay(n) }

// Flush sends every mail due now (one queued while it runs may wait for the next flush), over one
// connection where the server allows it, and returns how many were sent. A mail refused for good, or deferred, is recorded and the flush goes on
// with the next; it stops at the first failure of the server or the connection (the server is
// likely down). The error returned is that failure, or else the first deferral.
//
// The connection stays open for the next flush, for maxIdle (Close closes it at once): while
// mails keep coming, one connection carries them, up to maxPerConnection.
func (o *Outbox) Flush(ctx context.Context) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.Now().Before(o.pausedUntil) {
		return 0, nil
	}
	sent := 0
	var firstDeferral error
	c := o.takeIdle()
	defer func() { o.keepIdle(ctx, c) }()
	for ctx.Err() == nil {
		batch, err := o.Queue.DueOutgoing(ctx, o.Now(), outboxBatch)
		if err != nil {
			return sent, err
		}
		if len(batch) == 0 {
			return sent, firstDeferral
		}
		for _, m := range batch {
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			c, err = o.send(ctx, c, &m)
			var undeliverable *UndeliverableError
			if errors.As(err, &undeliverable) {
				if undeliverable.Partial {
					if err := o.Queue.MarkSent(context.WithoutCancel(ctx), m.ID, o.Now()); err != nil {
						return sent, err
					}
					sent++
				}
				if o.Logger != nil {
					o.Logger.Warn("mail refused for good, not tried again", "outbox_id", m.ID, "kind", m.Kind, "refused", undeliverable.Recipients,
						"delivered_to_others", undeliverable.Partial, "err", err)
				}
				if merr := o.Queue.MarkUndeliverable(context.WithoutCancel(ctx), m.ID, undeliverable.Recipients, err, o.Now()); merr != nil {
					return sent, errors.Join(err, merr)
				}
				continue
			}
			if err != nil {
				if ctx.Err() != nil {
					// Stopped by us, not refused: the mail stays due as it was.
					return sent, ctx.Err()
				}
				retry := o.Now().Add(Backoff(m.Attempts + 1))
				if o.Logger != nil {
					o.Logger.Warn("mail not sent, will retry", "outbox_id", m.ID, "kind", m.Kind, "attempt", m.Attempts+1, "retry_at", retry, "err", err)
				}
				var deferred *deferredError
				mailOnly := errors.As(err, &deferred)
				if !mailOnly {
					o.pausedUntil = retry // the server, not this mail
				}
				if merr := o.Queue.MarkFailed(context.WithoutCancel(ctx), m.ID, err, retry); merr != nil {
					return sent, errors.Join(err, merr)
				}
				if !mailOnly {
					return sent, err
				}
				if firstDeferral == nil {
					firstDeferral = err
				}
				continue
			}
			if err := o.Queue.MarkSent(context.WithoutCancel(ctx), m.ID, o.Now()); err != nil {
				return sent, err
			}
			sent++
			if o.Logger != nil {
				o.Logger.Info("mail sent", "outbox_id", m.ID, "kind", m.Kind, "to", m.To)
			}
		}
		if len(batch) < outboxBatch {
			// The queue held no more: a mail queued meanwhile goes with the next flush, which
			// the daemon runs after each message decided (asking the store again costs a query
			// per flush, that is per message).
			return sent, firstDeferral
		}
	}
	return sent, ctx.Err()
}

// outboxBatch is how many due mails a flush reads at a time.
const outboxBatch = 50

// send sends m on c, or on a new connection when c is nil, has carried its share, or was
// closed by the server before the mail started. It returns the connection to use next (nil
// after a failure).
func (o *Outbox) send(ctx context.Context, c *client, m *convention.OutgoingMail) (*client, error) {
	if c != nil && (c.sent >= maxPerConnection || c.broken) {
		c.close()
		c = nil
	}
	if c != nil {
		err := c.send(ctx, m.From, m.To, m.Data)
		if err == nil {
			return c, nil
		}
		var undeliverable *UndeliverableError
		if errors.As(err, &undeliverable) {
			return c, err // the session is over for this mail, and usable for the next
		}
		c.close()
		var notStarted *notStartedError
		if !errors.As(err, &notStarted) || ctx.Err() != nil {
			return nil, err
		}
		// Nothing of the mail went: try once more on a new connection before counting a
		// failure.
	}
	c, err := o.Server.dial(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.send(ctx, m.From, m.To, m.Data); err != nil {
		var undeliverable *UndeliverableError
		if errors.As(err, &undeliverable) {
			return c, err
		}
		c.close()
		return nil, err
	}
	return c, nil
}
