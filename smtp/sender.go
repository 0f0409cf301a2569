package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
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

// Send hands one message to the server.
func (s Server) Send(ctx context.Context, from string, to []string, data []byte) error {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", s.Address)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", s.Address, err)
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
			return fmt.Errorf("starttls with %s: %w", s.Address, err)
		}
	default:
		c = gosmtp.NewClient(conn)
	}
	defer c.Close()
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			return fmt.Errorf("authenticate to %s: %w", s.Address, err)
		}
	}
	if err := c.SendMail(from, to, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("send to %v: %w", to, err)
	}
	_ = c.Quit()
	return nil
}

// Queue is the outbox, as the sender needs it.
type Queue interface {
	NextOutgoing(ctx context.Context, now time.Time) (*convention.OutgoingMail, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkFailed(ctx context.Context, id int64, cause error, retryAt time.Time) error
}

// Outbox sends what the queue holds, in order, retrying with capped, jittered backoff.
type Outbox struct {
	Queue  Queue
	Server interface {
		Send(ctx context.Context, from string, to []string, data []byte) error
	}
	Now    func() time.Time
	Logger *slog.Logger
	// IsNone reports whether an error from NextOutgoing means "nothing due".
	IsNone func(error) bool
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

// Flush sends every mail due now. It stops at the first failure (the server is likely down) and
// returns how many were sent.
func (o *Outbox) Flush(ctx context.Context) (int, error) {
	sent := 0
	for ctx.Err() == nil {
		m, err := o.Queue.NextOutgoing(ctx, o.Now())
		if err != nil {
			if o.IsNone != nil && o.IsNone(err) {
				return sent, nil
			}
			return sent, err
		}
		if err := o.Server.Send(ctx, m.From, m.To, m.Data); err != nil {
			retry := o.Now().Add(Backoff(m.Attempts + 1))
			if o.Logger != nil {
				o.Logger.Warn("mail not sent, will retry", "outbox_id", m.ID, "kind", m.Kind, "attempt", m.Attempts+1, "retry_at", retry, "err", err)
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
	return sent, ctx.Err()
}
