package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/laclasse/intake/convention"
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

// client is one SMTP connection, reused for the mails of one flush of the outbox.
type client struct {
	server Server
	conn   net.Conn
	c      *gosmtp.Client
	sent   int
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
	return &client{server: s, conn: conn, c: c}, nil
}

// send hands one message over the connection, within the timeout. A mail under way is not
// abandoned when ctx ends, only when the timeout does: abandoned after the server took it, it
// would be sent again.
func (c *client) send(ctx context.Context, from string, to []string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return &notStartedError{err}
	}
	_ = c.conn.SetDeadline(time.Now().Add(c.server.timeout()))
	if err := c.c.Mail(from, nil); err != nil {
		// Nothing of the mail has gone yet: the server may close a connection that carried
		// enough, or that waited too long; it is safe to try again on a new one.
		return &notStartedError{fmt.Errorf("send to %v: %w", to, err)}
	}
	for _, rcpt := range to {
		if err := c.c.Rcpt(rcpt, nil); err != nil {
			return fmt.Errorf("send to %v: %w", to, err)
		}
	}
	w, err := c.c.Data()
	if err != nil {
		return fmt.Errorf("send to %v: %w", to, err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return fmt.Errorf("send to %v: %w", to, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("send to %v: %w", to, err)
	}
	c.sent++
	return nil
}

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
}

// Outbox sends what the queue holds, in order, retrying with capped, jittered backoff.
type Outbox struct {
	Queue  Queue
	Server Server
	Now    func() time.Time
	Logger *slog.Logger

	mu sync.Mutex // one flush at a time
	// pausedUntil is set when the server could not be reached or took no mail: no flush tries
	// again before it, so that a server that is down costs one attempt, not one per mail.
	pausedUntil time.Time
}

// Backoff returns the wait before attempt n+1 (n ≥ 1): 30 s doubling, capped at one hour, with
// ±20 % jitter.
func Backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	if d > time.Hour {
		d = time.Hour
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Flush sends every mail due now, over one connection where the server allows it. It stops at
// the first failure (the server is likely down) and returns how many were sent.
func (o *Outbox) Flush(ctx context.Context) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.Now().Before(o.pausedUntil) {
		return 0, nil
	}
	sent := 0
	var c *client
	defer func() { c.close() }()
	for ctx.Err() == nil {
		batch, err := o.Queue.DueOutgoing(ctx, o.Now(), outboxBatch)
		if err != nil {
			return sent, err
		}
		if len(batch) == 0 {
			return sent, nil
		}
		for _, m := range batch {
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			if c, err = o.send(ctx, c, &m); err != nil {
				if ctx.Err() != nil {
					// Stopped by us, not refused: the mail stays due as it was.
					return sent, ctx.Err()
				}
				retry := o.Now().Add(Backoff(m.Attempts + 1))
				if o.Logger != nil {
					o.Logger.Warn("mail not sent, will retry", "outbox_id", m.ID, "kind", m.Kind, "attempt", m.Attempts+1, "retry_at", retry, "err", err)
				}
				var refused *gosmtp.SMTPError
				if !errors.As(err, &refused) || refused.Code == 421 {
					o.pausedUntil = retry // the server, not this mail
				}
				// A permanent refusal (5xx) is kept too: the operator sees it in the outbox.
				if merr := o.Queue.MarkFailed(context.WithoutCancel(ctx), m.ID, err, retry); merr != nil {
					return sent, errors.Join(err, merr)
				}
				return sent, err
			}
			if err := o.Queue.MarkSent(context.WithoutCancel(ctx), m.ID, o.Now()); err != nil {
				return sent, err
			}
			sent++
			if o.Logger != nil {
				o.Logger.Info("mail sent", "outbox_id", m.ID, "kind", m.Kind, "to", m.To)
			}
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
	if c != nil && c.sent >= maxPerConnection {
		c.close()
		c = nil
	}
	if c != nil {
		err := c.send(ctx, m.From, m.To, m.Data)
		if err == nil {
			return c, nil
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
		c.close()
		return nil, err
	}
	return c, nil
}
