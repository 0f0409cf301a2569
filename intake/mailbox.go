package intake

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/internal/backoff"
	"github.com/laclasse/intake/sqlite"
)

// MailboxConfig says where the partnership mailbox is and how to watch it.
type MailboxConfig struct {
	Address   string // host:port
	TLS       string // implicit, starttls or none
	Username  string
	Password  string
	Mailbox   string // INBOX
	Processed string
	Rejected  string
	// PollInterval is how often the mailbox is searched even without IDLE news.
	PollInterval time.Duration
	// CommandTimeout bounds every IMAP command: go-imap sets no read deadline of its own.
	CommandTimeout time.Duration
	// IdleRestart is how long one IDLE lasts at most (servers drop it after 30 minutes).
	IdleRestart time.Duration
	TLSConfig   *tls.Config
}

// Watcher watches the mailbox and hands each message to the handler, one at a time.
type Watcher struct {
	Config  MailboxConfig
	Store   *sqlite.DB
	Handler *Handler
	Logger  *slog.Logger
	Now     func() time.Time
	// AfterPass is called after each pass over the mailbox (e.g. to flush the outbox).
	AfterPass func(ctx context.Context)
	// OnHandled is called after each message decided (metrics).
	OnHandled func(Outcome)

	lastPoll  atomic.Int64 // unix nanoseconds of the last successful pass
	connected atomic.Bool
}

// LastPoll returns the time of the last successful pass over the mailbox.
func (w *Watcher) LastPoll() time.Time {
	n := w.lastPoll.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Connected reports whether the watcher holds a connection to the server.
func (w *Watcher) Connected() bool { return w.connected.Load() }

var errTimeout = errors.New("imap command timed out")

// session is one connection to the server.
type session struct {
	w       *Watcher
	c       *imapclient.Client
	news    chan struct{} // signalled by the unilateral-data handler: something changed
	timeout time.Duration
	// moves holds, per target folder, the messages decided in this pass and not yet moved.
	moves        map[string][]pendingMove
	pendingMoves int
}

// wait runs a blocking IMAP call with a deadline. When it expires, or ctx ends, the connection is
// closed, which unblocks the call; the session is then unusable.
func (s *session) wait(ctx context.Context, what string, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	case <-t.C:
		s.c.Close()
		<-done
		return fmt.Errorf("%s: %w", what, errTimeout)
	case <-ctx.Done():
		s.c.Close()
		<-done
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}
}

func (w *Watcher) dial(ctx context.Context) (*session, error) {
	cfg := w.Config
	s := &session{w: w, news: make(chan struct{}, 1), timeout: cfg.CommandTimeout}
	if s.timeout == 0 {
		s.timeout = 2 * time.Minute
	}
	opts := &imapclient.Options{
		TLSConfig: cfg.TLSConfig,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the reader goroutine: only signal, never issue a command here.
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case s.news <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var err error
	switch cfg.TLS {
	case "implicit":
		s.c, err = imapclient.DialTLS(cfg.Address, opts)
	case "starttls":
		s.c, err = imapclient.DialStartTLS(cfg.Address, opts)
	default:
		s.c, err = imapclient.DialInsecure(cfg.Address, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Address, err)
	}
	if err := s.wait(ctx, "greeting", s.c.WaitGreeting); err != nil {
		s.c.Close()
		return nil, err
	}
	if err := s.wait(ctx, "login", func() error { return s.c.Login(cfg.Username, cfg.Password).Wait() }); err != nil {
		s.c.Close()
		return nil, err
	}
	for _, box := range []string{cfg.Processed, cfg.Rejected} {
		if err := s.ensureMailbox(ctx, box); err != nil {
			s.c.Close()
			return nil, err
		}
	}
	w.connected.Store(true)
	return s, nil
}

func (s *session) close() {
	s.w.connected.Store(false)
	done := make(chan struct{})
	go func() {
		_ = s.c.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	s.c.Close()
}

func (s *session) ensureMailbox(ctx context.Context, name string) error {
	var boxes []*imap.ListData
	if err := s.wait(ctx, "list "+name, func() (err error) {
		boxes, err = s.c.List("", name, nil).Collect()
		return err
	}); err != nil {
		return err
	}
	if len(boxes) > 0 {
		return nil
	}
	return s.wait(ctx, "create "+name, func() error { return s.c.Create(name, nil).Wait() })
}

// pass selects the mailbox and handles every message in it. It returns the UIDVALIDITY seen.
func (s *session) pass(ctx context.Context) error {
	w := s.w
	cfg := w.Config
	var sel *imap.SelectData
	if err := s.wait(ctx, "select "+cfg.Mailbox, func() (err error) {
		sel, err = s.c.Select(cfg.Mailbox, nil).Wait()
		return err
	}); err != nil {
		return err
	}
	prevValidity, _, err := w.Store.MailboxState(ctx, cfg.Mailbox)
	if err != nil && !errors.Is(err, sqlite.ErrNotFound) {
		return err
	}
	if prevValidity != 0 && prevValidity != sel.UIDValidity {
		w.Logger.Warn("mailbox UIDVALIDITY changed: messages are matched by Message-ID and content from now on", "mailbox", cfg.Mailbox, "old", prevValidity, "new", sel.UIDValidity)
	}
	// Everything still in the mailbox is either new, or handled but not yet moved (a crash
	// between the decision and the move): both are found by one search.
	var uids []imap.UID
	if err := s.wait(ctx, "search", func() error {
		data, err := s.c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
		if err != nil {
			return err
		}
		uids = data.AllUIDs()
		return nil
	}); err != nil {
		return err
	}
	last := uint32(0)
	s.moves, s.pendingMoves = map[string][]pendingMove{}, 0
	for _, uid := range uids {
		if ctx.Err() != nil {
			// Move what is decided before stopping: left in the mailbox, it would only be
			// moved by the next start.
			if err := s.flushMoves(context.WithoutCancel(ctx)); err != nil {
				return err
			}
			return ctx.Err()
		}
		// Finish the message in hand even when asked to stop.
		if err := s.handle(context.WithoutCancel(ctx), sel.UIDValidity, uid); err != nil {
			return err
		}
		if uint32(uid) > last {
			last = uint32(uid)
		}
		if s.pendingMoves >= moveBatch {
			if err := s.flushMoves(context.WithoutCancel(ctx)); err != nil {
				return err
			}
		}
	}
	if err := s.flushMoves(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	now := w.Now()
	if _, lastSeen, err := w.Store.MailboxState(ctx, cfg.Mailbox); err == nil && lastSeen > last && prevValidity == sel.UIDValidity {
		last = lastSeen
	}
	if err := w.Store.SetMailboxState(ctx, cfg.Mailbox, sel.UIDValidity, last, now); err != nil {
		return err
	}
	w.lastPoll.Store(now.UnixNano())
	return nil
}

// handle brings one message from the mailbox to its folder: claim, decide, move.
func (s *session) handle(ctx context.Context, uidValidity uint32, uid imap.UID) error {
	w := s.w
	key := sqlite.MessageKey{Mailbox: w.Config.Mailbox, UIDValidity: uidValidity, UID: uint32(uid)}
	req, err := w.Store.RequestByKey(ctx, key)
	if errors.Is(err, sqlite.ErrNotFound) {
		req, err = s.claim(ctx, key, uid)
		if errors.Is(err, errGone) {
			return nil // expunged meanwhile by someone else
		} else if err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	out := Outcome{RequestID: req.ID, State: req.State, Target: req.Target}
	if req.State == convention.StateClaimed && req.RetryAt.After(w.Now()) {
		// Its handling failed lately for a reason of its own: not before its retry time.
		w.Logger.Debug("message waits for its next attempt", "uid", uid, "request", req.ID, "attempts", req.Attempts, "retry_at", req.RetryAt)
		return nil
	}
	if req.State == convention.StateClaimed {
		d, err := w.Handler.Decide(ctx, req)
		var merr *MessageError
		if errors.As(err, &merr) {
			// The message's own failure: it stays in the mailbox, claimed, for the next pass,
			// and the mailbox goes on with the next message.
			attrs := []any{"uid", uid, "request", req.ID, "attempt", merr.Attempt, "max_attempts", MaxAttempts, "retry_at", merr.RetryAt, "err", merr.Err}
			var pe *PanicError
			if errors.As(merr.Err, &pe) {
				attrs = append(attrs, "stack", string(pe.Stack))
			}
			w.Logger.Warn("message not handled, will try again", attrs...)
			if rerr := w.Store.RecordError(ctx, "intake", w.Now(), merr); rerr != nil {
				return fmt.Errorf("decide message %d: %w", uid, errors.Join(merr, rerr))
			}
			return nil
		}
		if errors.Is(err, sqlite.ErrAlreadyDecided) {
			if req, err = w.Store.RequestByKey(ctx, key); err != nil {
				return err
			}
			out.State, out.Target = req.State, req.Target
		} else if err != nil {
			return fmt.Errorf("decide message %d: %w", uid, err)
		} else {
			out = Outcome{RequestID: req.ID, MessageID: d.MessageID, Commune: d.Commune, State: d.State, Target: d.Target, Changes: len(d.Changes), Replies: len(d.Outgoing)}
			for _, p := range d.Problems {
				if p.Severity == convention.SeverityError {
					out.Refused++
				}
			}
			if w.OnHandled != nil {
				w.OnHandled(out)
			}
			w.Logger.Info("message handled", "uid", uid, "request", out.RequestID, "message_id", out.MessageID, "commune", out.Commune,
				"outcome", out.State, "changes", out.Changes, "rows_refused", out.Refused, "replies", out.Replies, "folder", out.Target)
		}
	}
	if req.Moved {
		return nil
	}
	s.moves[out.Target] = append(s.moves[out.Target], pendingMove{uid: uid, requestID: req.ID})
	s.pendingMoves++
	return nil
}

// claim fetches a new message and records it. Its size comes first: a message over the
// handler's size limit is never fetched whole, only its header is, so that the commune is still
// told why nothing was read (or the message quarantined) without the daemon reading 60 MB or
// more for nothing. The message itself stays on the server and is moved like any other.
func (s *session) claim(ctx context.Context, key sqlite.MessageKey, uid imap.UID) (*sqlite.Request, error) {
	w := s.w
	var size int64
	var internal time.Time
	if err := s.wait(ctx, fmt.Sprintf("fetch size of %d", uid), func() error {
		msgs, err := s.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, InternalDate: true, RFC822Size: true}).Collect()
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			return errGone
		}
		internal, size = msgs[0].InternalDate, msgs[0].RFC822Size
		return nil
	}); err != nil {
		return nil, err
	}
	if internal.IsZero() {
		internal = w.Now()
	}
	tooLarge := size > w.maxMessageSize()
	section := &imap.FetchItemBodySection{Peek: true}
	if tooLarge {
		section.Specifier = imap.PartSpecifierHeader
	}
	var raw []byte
	if err := s.wait(ctx, fmt.Sprintf("fetch %d", uid), func() error {
		msgs, err := s.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			return errGone
		}
		for _, b := range msgs[0].BodySection {
			raw = b.Bytes
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if tooLarge {
		w.Logger.Warn("message over the size limit: only its header was fetched", "uid", uid, "size", size, "limit", w.maxMessageSize())
		return w.Store.ClaimHeader(ctx, key, internal, raw, size)
	}
	return w.Store.Claim(ctx, key, internal, raw)
}

// maxMessageSize is the largest message fetched whole: the handler's own limit.
func (w *Watcher) maxMessageSize() int64 {
	if w.Handler != nil && w.Handler.MailLimits.MaxMessageSize > 0 {
		return w.Handler.MailLimits.MaxMessageSize
	}
	return mailparse.DefaultLimits().MaxMessageSize
}

// moveBatch is how many decided messages wait, at most, to be moved together. One UID MOVE of
// a set costs the server about what one of a single message does (it rewrites the folder's
// index either way), so moving in sets is what lets a backlog go fast.
const moveBatch = 50

// pendingMove is a decided message waiting to be moved to its folder.
type pendingMove struct {
	uid       imap.UID
	requestID int64
}

// flushMoves moves every decided message of the pass to its folder, one command per folder,
// then records them as moved in one transaction. A crash in between loses nothing: the next
// pass finds the messages still in the mailbox, their requests decided and not moved, and moves
// them again; one already moved is simply no longer found.
func (s *session) flushMoves(ctx context.Context) error {
	for target, moves := range s.moves {
		var set imap.UIDSet
		ids := make([]int64, 0, len(moves))
		for _, m := range moves {
			set.AddNum(m.uid)
			ids = append(ids, m.requestID)
		}
		if err := s.move(ctx, set, target); err != nil {
			return err
		}
		if err := s.w.Store.MarkMoved(ctx, ids...); err != nil {
			return err
		}
		delete(s.moves, target)
	}
	s.pendingMoves = 0
	return nil
}

var errGone = errors.New("message no longer in the mailbox")

// move takes messages out of the watched mailbox. It never deletes a message: without MOVE it
// copies first, and expunges only those UIDs, only with UIDPLUS.
func (s *session) move(ctx context.Context, set imap.UIDSet, target string) error {
	caps := s.c.Caps()
	if caps.Has(imap.CapMove) {
		return s.wait(ctx, fmt.Sprintf("move %v to %q", set, target), func() error {
			_, err := s.c.Move(set, target).Wait()
			return err
		})
	}
	if err := s.wait(ctx, fmt.Sprintf("copy %v to %q", set, target), func() error {
		_, err := s.c.Copy(set, target).Wait()
		return err
	}); err != nil {
		return err
	}
	if err := s.wait(ctx, fmt.Sprintf("flag %v deleted", set), func() error {
		return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}, Silent: true}, nil).Close()
	}); err != nil {
		return err
	}
	if caps.Has(imap.CapUIDPlus) {
		return s.wait(ctx, fmt.Sprintf("expunge %v", set), func() error { return s.c.UIDExpunge(set).Close() })
	}
	return nil // a plain EXPUNGE would remove every \Deleted message, not just ours
}

// idle waits for news: IDLE where the server offers it, else the poll interval.
func (s *session) idle(ctx context.Context) error {
	cfg := s.w.Config
	poll := time.NewTimer(cfg.PollInterval)
	defer poll.Stop()
	if !s.c.Caps().Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-poll.C:
			return nil
		}
	}
	restart := cfg.IdleRestart
	if restart == 0 || restart > 25*time.Minute {
		restart = 25 * time.Minute
	}
	var cmd *imapclient.IdleCommand
	if err := s.wait(ctx, "idle", func() (err error) {
		cmd, err = s.c.Idle()
		return err
	}); err != nil {
		return err
	}
	stop := time.NewTimer(restart)
	defer stop.Stop()
	select {
	case <-ctx.Done():
	case <-s.news:
	case <-poll.C:
	case <-stop.C:
	case <-s.c.Closed():
		return errors.New("connection closed during IDLE")
	}
	if err := s.wait(context.WithoutCancel(ctx), "end idle", func() error {
		if err := cmd.Close(); err != nil {
			return err
		}
		return cmd.Wait()
	}); err != nil {
		return err
	}
	return ctx.Err()
}

// RunOnce connects, handles every message in the mailbox, and disconnects.
func (w *Watcher) RunOnce(ctx context.Context) error {
	s, err := w.dial(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	return s.pass(ctx)
}

// Run watches the mailbox until ctx ends, reconnecting with capped, jittered backoff. The backoff
// starts again at its base after a healthy session (one that passed over the mailbox at least
// once), so that a short restart of the server after a long outage costs seconds, not minutes.
func (w *Watcher) Run(ctx context.Context) error {
	failures := 0
	var down time.Time // when the last healthy session was lost; zero while none was
	for ctx.Err() == nil {
		healthy, err := w.runSession(ctx, down)
		if ctx.Err() != nil {
			return nil
		}
		if healthy {
			failures, down = 0, time.Time{}
		}
		if down.IsZero() {
			down = w.Now()
		}
		failures++
		delay := reconnectDelay(failures)
		w.Logger.Warn("mailbox connection lost, reconnecting", "err", err, "retry_in", delay.Round(time.Millisecond))
		if rerr := w.Store.RecordError(ctx, "imap", w.Now(), err); rerr != nil {
			w.Logger.Error("record error", "err", rerr)
		}
		if backoff.Sleep(ctx, delay) != nil {
			return nil
		}
	}
	return nil
}

// runSession connects and watches the mailbox until the connection fails. It reports whether
// the session was healthy: it passed over the mailbox at least once. down is when the previous
// healthy session was lost (zero at the first connection): the first pass logs "reconnected"
// with the time since.
func (w *Watcher) runSession(ctx context.Context, down time.Time) (healthy bool, err error) {
	s, err := w.dial(ctx)
	if err != nil {
		return false, err
	}
	defer s.close()
	for {
		if err := s.pass(ctx); err != nil {
			return healthy, err
		}
		if !healthy {
			healthy = true
			if !down.IsZero() {
				w.Logger.Info("reconnected", "mailbox", w.Config.Mailbox, "down_for", w.Now().Sub(down).Round(time.Millisecond))
			}
		}
		if w.AfterPass != nil {
			w.AfterPass(ctx)
		}
		if err := s.idle(ctx); err != nil {
			return healthy, err
		}
	}
}

// reconnectPolicy is the wait between attempts to reach the mailbox: 1 s doubling up to 5
// minutes, with jitter. Tests shorten it.
var reconnectPolicy = backoff.Policy{Base: time.Second, Max: 5 * time.Minute}

// reconnectDelay is the wait before reconnection attempt number failures (1 for the first).
func reconnectDelay(failures int) time.Duration {
	return reconnectPolicy.Delay(failures)
}
