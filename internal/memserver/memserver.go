// Package memserver runs in-process IMAP and SMTP servers on loopback: go-imap's imapmemserver
// seeded over IMAP APPEND, and a go-smtp server that keeps what it receives. The demo runs on them,
// and so do the fast unit tests; the integration tests use Dovecot and Mailpit instead.
package memserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	gosmtp "github.com/emersion/go-smtp"
)

// IMAP is an in-memory IMAP server with one user.
type IMAP struct {
	Addr, Username, Password string
	srv                      *imapserver.Server
	ln                       net.Listener

	mu      sync.Mutex
	fetches []string // what each FETCH asked for, e.g. "UID RFC822.SIZE" or "UID BODY[HEADER]"
	idles   int      // IDLE commands started
	idling  int      // sessions in IDLE now
}

// StartIMAP starts an IMAP server on 127.0.0.1 with one user and an INBOX. It offers IDLE,
// MOVE and UIDPLUS through IMAP4rev2.
func StartIMAP(username, password string) (*IMAP, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(username, password)
	if err := user.Create("INBOX", nil); err != nil {
		return nil, err
	}
	mem.AddUser(user)
	s := &IMAP{Username: username, Password: password}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &loggingSession{user: user, srv: s}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	s.Addr, s.srv, s.ln = ln.Addr().String(), srv, ln
	return s, nil
}

// Fetches returns what each FETCH command asked for, in order: "UID INTERNALDATE RFC822.SIZE",
// "UID BODY[]" (the whole message), "UID BODY[HEADER]"…, so that a test can tell which
// messages were read whole.
func (s *IMAP) Fetches() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.fetches...)
}

// Idles returns how many IDLE commands the server has started, and how many sessions are in
// IDLE now.
func (s *IMAP) Idles() (started, idling int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idles, s.idling
}

// loggingSession is imapmemserver's session for the one user, recording each FETCH and IDLE.
type loggingSession struct {
	*imapmemserver.UserSession // nil until login
	user                       *imapmemserver.User
	srv                        *IMAP
}

func (ls *loggingSession) Login(username, password string) error {
	if err := ls.user.Login(username, password); err != nil {
		return err
	}
	ls.UserSession = imapmemserver.NewUserSession(ls.user)
	return nil
}

func (ls *loggingSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	ls.srv.mu.Lock()
	ls.srv.idles++
	ls.srv.idling++
	ls.srv.mu.Unlock()
	defer func() {
		ls.srv.mu.Lock()
		ls.srv.idling--
		ls.srv.mu.Unlock()
	}()
	return ls.UserSession.Idle(w, stop)
}

func (ls *loggingSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	var items []string
	if options.UID {
		items = append(items, "UID")
	}
	if options.InternalDate {
		items = append(items, "INTERNALDATE")
	}
	if options.RFC822Size {
		items = append(items, "RFC822.SIZE")
	}
	for _, b := range options.BodySection {
		items = append(items, "BODY["+string(b.Specifier)+"]")
	}
	ls.srv.mu.Lock()
	ls.srv.fetches = append(ls.srv.fetches, strings.Join(items, " "))
	ls.srv.mu.Unlock()
	return ls.UserSession.Fetch(w, numSet, options)
}

// Close stops the server, closing the listener itself as SMTP.Close does.
func (s *IMAP) Close() error {
	err := s.srv.Close()
	s.ln.Close()
	return err
}

// Client logs in to the server.
func (s *IMAP) Client() (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(s.Username, s.Password).Wait(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Append puts a message in a mailbox with the given INTERNALDATE.
func (s *IMAP) Append(mailbox string, raw []byte, date time.Time) error {
	c, err := s.Client()
	if err != nil {
		return err
	}
	defer c.Close()
	return Append(c, mailbox, raw, date)
}

// Append puts a message in a mailbox over an open client.
func Append(c *imapclient.Client, mailbox string, raw []byte, date time.Time) error {
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Time: date})
	if _, err := cmd.Write(raw); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	if _, err := cmd.Wait(); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	return nil
}

// Count returns how many messages a mailbox holds (0 if it does not exist).
func (s *IMAP) Count(mailbox string) (int, error) {
	c, err := s.Client()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	data, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		var ierr *imap.Error
		if errors.As(err, &ierr) && ierr.Code == imap.ResponseCodeNonExistent {
			return 0, nil
		}
		return 0, err
	}
	return int(*data.NumMessages), nil
}

// Mail is a message the SMTP server took.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// SMTP is an SMTP server that keeps every message it accepts.
type SMTP struct {
	Addr string
	srv  *gosmtp.Server
	ln   net.Listener

	mu    sync.Mutex
	mails []Mail
	// Refuse makes the server refuse every message (to test the outbox).
	refuse bool
	// perSession is how many messages one connection may carry (0: no limit); sessions counts
	// the connections.
	perSession int
	sessions   int
	// refusedRcpt holds the recipients refused with a 550, as a server refuses a mailbox that
	// does not exist.
	refusedRcpt map[string]bool
}

// StartSMTP starts an SMTP server on 127.0.0.1.
func StartSMTP() (*SMTP, error) {
	s := &SMTP{}
	srv := gosmtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.srv, s.ln, s.Addr = srv, ln, ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	return s, nil
}

// Close stops the server. It closes the listener itself: the server only knows of it once
// Serve has started, and a Close before that would leave it accepting.
func (s *SMTP) Close() error {
	err := s.srv.Close()
	s.ln.Close()
	return err
}

// Mails returns what the server took so far.
func (s *SMTP) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// SetRefuse makes the server refuse (or accept again) every message.
func (s *SMTP) SetRefuse(refuse bool) {
	s.mu.Lock()
	s.refuse = refuse
	s.mu.Unlock()
}

// SetPerSession makes the server refuse, with a 421, a message beyond the n-th of a connection,
// as servers that cap the mail of one connection do (0: no limit).
func (s *SMTP) SetPerSession(n int) {
	s.mu.Lock()
	s.perSession = n
	s.mu.Unlock()
}

// RefuseRecipient makes the server refuse addr at RCPT TO with a 550 (no such mailbox).
func (s *SMTP) RefuseRecipient(addr string) {
	s.mu.Lock()
	if s.refusedRcpt == nil {
		s.refusedRcpt = map[string]bool{}
	}
	s.refusedRcpt[strings.ToLower(addr)] = true
	s.mu.Unlock()
}

// Sessions returns how many connections the server took.
func (s *SMTP) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// NewSession implements gosmtp.Backend.
func (s *SMTP) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &smtpSession{srv: s}, nil
}

type smtpSession struct {
	srv   *SMTP
	from  string
	to    []string
	taken int
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }
func (ss *smtpSession) Mail(from string, _ *gosmtp.MailOptions) error {
	ss.srv.mu.Lock()
	limit := ss.srv.perSession
	ss.srv.mu.Unlock()
	if limit > 0 && ss.taken >= limit {
		return &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0}, Message: "too many messages on this connection"}
	}
	ss.from = from
	return nil
}
func (ss *smtpSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.srv.mu.Lock()
	refused := ss.srv.refusedRcpt[strings.ToLower(to)]
	ss.srv.mu.Unlock()
	if refused {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox: " + to}
	}
	ss.to = append(ss.to, to)
	return nil
}
func (ss *smtpSession) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	if ss.srv.refuse {
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.srv.mails = append(ss.srv.mails, Mail{From: ss.from, To: ss.to, Data: buf.Bytes()})
	ss.taken++
	return nil
}

// WaitMails waits until the server took at least n messages.
func (s *SMTP) WaitMails(ctx context.Context, n int) ([]Mail, error) {
	for {
		if m := s.Mails(); len(m) >= n {
			return m, nil
		}
		select {
		case <-ctx.Done():
			return s.Mails(), ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
