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
//
// Implementation notes. Run holds two connections to the server, each reconnecting on its own:
//   - the idle connection examines the mailbox (read-only) and stays in IDLE all the time, leaving
//     it only to restart it before IdleRestart; each EXISTS it hears wakes the work connection.
//     Dovecot batches its news to an idling client (500 ms after the first change it sees), so a
//     client that re-enters IDLE after each pass always waits the whole delay, while one that
//     never leaves hears of a message as soon as any idling client does;
//   - the work connection does everything else: SELECT, SEARCH, FETCH, claim, decision and MOVE,
//     in a pass woken by the idle connection, by its own EXISTS, or by the poll interval. A pass
//     claims the messages in chunks (claimChunk: one FETCH of their sizes, one of their bodies,
//     one transaction), then decides them one at a time. Only the work connection changes the
//     mailbox, so claim before effect, UIDVALIDITY and the moves in sets are those of a single
//     connection.
//
// A server without IDLE gets only the work connection, which polls. The idle connection is only
// ever a hint: losing it costs latency until it is back, never a message.
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

// The two roles of a connection, as the log names them (connection=...).
const (
	roleWork = "work" // selects the mailbox, fetches, claims, moves
	roleIdle = "idle" // stays in IDLE and only listens
)

// session is one connection to the server.
type session struct {
	w    *Watcher
	c    *imapclient.Client
	role string // roleWork or roleIdle
	// news is signalled by the unilateral-data handler when the server announces new messages
	// (EXISTS); the work connection's and the idle connection's handlers share it.
	news    chan struct{}
	timeout time.Duration
	// moves holds, per target folder, the messages decided in this pass and not yet moved.
	moves        map[string][]pendingMove
	pendingMoves int
}

// wait runs a blocking IMAP call with a deadline. When it expires, or ctx ends, the connection is
// closed, which unblocks the call; the session is then unusable.
func (s *session) wait(ctx context.Context, what string, f func() error) error {
	return s.waitUpTo(ctx, s.timeout, what, f)
}

// waitUpTo is wait with a deadline of its own.
func (s *session) waitUpTo(ctx context.Context, timeout time.Duration, what string, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	t := time.NewTimer(timeout)
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

// dial opens the work connection: logged in, the folders the messages go to created if missing.
// news is signalled when the server announces new messages on it.
func (w *Watcher) dial(ctx context.Context, news chan struct{}) (*session, error) {
	s, err := w.connect(ctx, roleWork, news)
	if err != nil {
		return nil, err
	}
	for _, box := range []string{w.Config.Processed, w.Config.Rejected} {
		if err := s.ensureMailbox(ctx, box); err != nil {
			s.c.Close()
			return nil, err
		}
	}
	w.connected.Store(true)
	return s, nil
}

// connect opens a connection and logs in.
func (w *Watcher) connect(ctx context.Context, role string, news chan struct{}) (*session, error) {
	cfg := w.Config
	s := &session{w: w, role: role, news: news, timeout: cfg.CommandTimeout}
	if s.timeout == 0 {
		s.timeout = 2 * time.Minute
	}
	opts := &imapclient.Options{
		TLSConfig: cfg.TLSConfig,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the reader goroutine: only signal, never issue a command here.
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					s.w.Logger.Debug("mailbox news", "connection", role, "messages", *data.NumMessages)
					signal(s.news)
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
	return s, nil
}

// close logs out, waiting 5 seconds at most, and closes the connection.
func (s *session) close() {
	if s.role == roleWork {
		s.w.connected.Store(false)
	}
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
	for len(uids) > 0 {
		if ctx.Err() != nil {
			return s.stop(ctx)
		}
		// The chunk's claims all commit before any of them is decided: claim before effect.
		reqs, err := s.claimChunk(context.WithoutCancel(ctx), sel.UIDValidity, uids[:min(chunkMessages, len(uids))])
		if err != nil {
			return err
		}
		chunk := uids[:len(reqs)]
		uids = uids[len(chunk):]
		for i, uid := range chunk {
			if ctx.Err() != nil {
				// Those claimed and not yet decided are decided by the next pass.
				return s.stop(ctx)
			}
			// Finish the message in hand even when asked to stop.
			if reqs[i] != nil {
				if err := s.handle(context.WithoutCancel(ctx), reqs[i]); err != nil {
					return err
				}
				reqs[i] = nil // its bytes are no longer needed
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

// stop ends a pass asked to stop: what is decided is moved first, since left in the mailbox it
// would only be moved by the next start.
func (s *session) stop(ctx context.Context) error {
	if err := s.flushMoves(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	return ctx.Err()
}

// handle brings one claimed message from the mailbox to its folder: decide, move.
func (s *session) handle(ctx context.Context, req *sqlite.Request) error {
	w := s.w
	key, uid := req.Key, req.Key.UID
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
	s.moves[out.Target] = append(s.moves[out.Target], pendingMove{uid: imap.UID(uid), requestID: req.ID})
	s.pendingMoves++
	return nil
}

// chunkMessages is how many messages of a pass are claimed together (claimChunk): one FETCH of
// their sizes, one of their bodies (and one of its header for each over the size limit), one
// transaction for their claims, instead of two round trips and a commit each.
const chunkMessages = 25

// fetchBudget bounds the bytes of a chunk's messages in memory, and so of the bodies its one
// FETCH brings back: a chunk ends where the next message would go over it, a message larger
// than that is a chunk alone. Tests shorten it.
var fetchBudget int64 = 8 << 20

// claimChunk returns the requests of the first messages of uids, in their order, claiming in one
// transaction those not yet claimed; a message no longer in the mailbox (expunged meanwhile by
// someone else) gets nil. It takes as many of uids as fit in fetchBudget bytes (at least one),
// so that a chunk's messages in memory stay bounded; the rest are for the next chunk, and the
// new ones among those taken are fetched whole in one command. Their sizes come first: a message
// over the handler's size limit is never fetched whole, only its header is (by itself), so that
// the commune is still told why nothing was read (or the message quarantined) without the daemon
// reading 60 MB or more for nothing. The message itself stays on the server and is moved like
// any other. Responses are matched to messages by their UID, never by their order.
func (s *session) claimChunk(ctx context.Context, uidValidity uint32, uids []imap.UID) ([]*sqlite.Request, error) {
	w := s.w
	reqs := make([]*sqlite.Request, len(uids))
	var want []imap.UID // not yet claimed
	for i, uid := range uids {
		req, err := w.Store.RequestByKey(ctx, sqlite.MessageKey{Mailbox: w.Config.Mailbox, UIDValidity: uidValidity, UID: uint32(uid)})
		switch {
		case errors.Is(err, sqlite.ErrNotFound):
			want = append(want, uid)
		case err != nil:
			return nil, err
		default:
			reqs[i] = req
		}
	}
	type sized struct {
		size     int64
		internal time.Time
	}
	sizes := make(map[imap.UID]sized, len(want))
	if len(want) > 0 {
		if err := s.fetchSizes(ctx, want, func(uid imap.UID, size int64, internal time.Time) {
			sizes[uid] = sized{size, internal}
		}); err != nil {
			return nil, err
		}
	}
	limit := w.maxMessageSize()
	// Cut the chunk where its bytes would go over the budget.
	var total int64
	for i, uid := range uids {
		var cost int64
		if reqs[i] != nil {
			cost = int64(len(reqs[i].Raw))
		} else if m, ok := sizes[uid]; ok && m.size <= limit {
			cost = m.size
		}
		if i > 0 && total+cost > fetchBudget {
			uids, reqs = uids[:i], reqs[:i]
			break
		}
		total += cost
	}
	var whole []imap.UID // new messages within the limit, fetched in one command
	raws := make(map[imap.UID][]byte, len(want))
	want = want[:0] // those of the chunk as cut
	for i, uid := range uids {
		if reqs[i] != nil {
			continue // claimed before
		}
		want = append(want, uid)
		m, ok := sizes[uid]
		switch {
		case !ok: // gone
		case m.size > limit:
			if err := s.fetchBodies(ctx, []imap.UID{uid}, imap.PartSpecifierHeader, raws); err != nil {
				return nil, err
			}
		default:
			whole = append(whole, uid)
		}
	}
	if len(whole) > 0 {
		if err := s.fetchBodies(ctx, whole, "", raws); err != nil {
			return nil, err
		}
	}
	in := make([]sqlite.ClaimInput, 0, len(want))
	for _, uid := range want {
		raw, ok := raws[uid]
		if !ok {
			continue // expunged meanwhile
		}
		m := sizes[uid]
		if m.internal.IsZero() {
			m.internal = w.Now()
		}
		c := sqlite.ClaimInput{Key: sqlite.MessageKey{Mailbox: w.Config.Mailbox, UIDValidity: uidValidity, UID: uint32(uid)}, ReceivedAt: m.internal, Raw: raw}
		if m.size > limit {
			w.Logger.Warn("message over the size limit: only its header was fetched", "uid", uid, "size", m.size, "limit", limit)
			c.HeaderOnly, c.Size = true, m.size
		}
		in = append(in, c)
	}
	if len(in) == 0 {
		return reqs, nil
	}
	claimed, err := w.Store.ClaimAll(ctx, in)
	if err != nil {
		return nil, err
	}
	byUID := make(map[uint32]*sqlite.Request, len(claimed))
	for _, r := range claimed {
		byUID[r.Key.UID] = r
	}
	for i, uid := range uids {
		if reqs[i] == nil {
			reqs[i] = byUID[uint32(uid)]
		}
	}
	return reqs, nil
}

// fetchSizes fetches, in one command, the size and internal date of the messages uids, calling
// got for each that comes back.
func (s *session) fetchSizes(ctx context.Context, uids []imap.UID, got func(uid imap.UID, size int64, internal time.Time)) error {
	set := imap.UIDSetNum(uids...)
	return s.wait(ctx, fmt.Sprintf("fetch sizes of %v", set), func() error {
		msgs, err := s.c.Fetch(set, &imap.FetchOptions{UID: true, InternalDate: true, RFC822Size: true}).Collect()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.UID != 0 {
				got(m.UID, m.RFC822Size, m.InternalDate)
			}
		}
		return nil
	})
}

// fetchBodies fetches, in one command, the messages uids whole (spec empty) or the part spec of
// each, into raws by UID. A message that does not come back was expunged meanwhile.
func (s *session) fetchBodies(ctx context.Context, uids []imap.UID, spec imap.PartSpecifier, raws map[imap.UID][]byte) error {
	set := imap.UIDSetNum(uids...)
	section := &imap.FetchItemBodySection{Peek: true, Specifier: spec}
	return s.wait(ctx, fmt.Sprintf("fetch %v", set), func() error {
		msgs, err := s.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.UID == 0 {
				continue
			}
			for _, b := range m.BodySection {
				raws[m.UID] = b.Bytes
			}
		}
		return nil
	})
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

// idleRestart is how long one IDLE lasts at most: IdleRestart, never more than 25 minutes (RFC
// 9051 lets a server log out a client silent for 30).
func (w *Watcher) idleRestart() time.Duration {
	restart := w.Config.IdleRestart
	if restart <= 0 || restart > 25*time.Minute {
		restart = 25 * time.Minute
	}
	return restart
}

// waitNews waits, between two passes, for news of the mailbox (the idle connection's EXISTS, or
// one the work connection heard during the pass), for the poll interval, or for the end of ctx.
// The work connection sends nothing meanwhile, so the poll interval is kept under the IDLE
// restart: a pass at least that often keeps the server from logging it out.
func (s *session) waitNews(ctx context.Context) error {
	poll := s.w.idleRestart()
	if p := s.w.Config.PollInterval; p > 0 && p < poll {
		poll = p
	}
	t := time.NewTimer(poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.news:
	case <-t.C:
	case <-s.c.Closed():
		return errors.New("connection closed by the server")
	}
	return nil
}

// errNoIdle says that the server does not offer IDLE: the work connection polls alone.
var errNoIdle = errors.New("the server does not offer IDLE")

// listen is the idle connection's session: it examines the mailbox (read-only: it never changes
// anything) and stays in IDLE until ctx ends or the connection fails, leaving IDLE only to
// restart it. Each time IDLE starts it signals news, for what came while this connection was not
// listening; then every EXISTS does, through the unilateral-data handler. up is called once IDLE
// runs.
func (w *Watcher) listen(ctx context.Context, news chan struct{}, up func()) error {
	s, err := w.connect(ctx, roleIdle, news)
	if err != nil {
		return err
	}
	defer s.close()
	if !s.c.Caps().Has(imap.CapIdle) {
		return errNoIdle
	}
	box := w.Config.Mailbox
	if err := s.wait(ctx, "examine "+box, func() error {
		_, err := s.c.Select(box, &imap.SelectOptions{ReadOnly: true}).Wait()
		return err
	}); err != nil {
		return err
	}
	restart := w.idleRestart()
	for {
		var cmd *imapclient.IdleCommand
		if err := s.wait(ctx, "idle", func() (err error) {
			cmd, err = s.c.Idle()
			return err
		}); err != nil {
			return err
		}
		up()
		signal(news)
		stop := time.NewTimer(restart)
		select {
		case <-ctx.Done():
			stop.Stop()
			// Leave IDLE so that the logout can be sent, without waiting long for a server that
			// does not answer: shutdown stays bounded.
			_ = s.endIdle(context.WithoutCancel(ctx), min(s.timeout, 2*time.Second), cmd)
			return ctx.Err()
		case <-s.c.Closed():
			stop.Stop()
			return errors.New("connection closed during IDLE")
		case <-stop.C:
		}
		if err := s.endIdle(ctx, s.timeout, cmd); err != nil {
			return err
		}
	}
}

// endIdle ends an IDLE command and waits, up to timeout, for the server's answer.
func (s *session) endIdle(ctx context.Context, timeout time.Duration, cmd *imapclient.IdleCommand) error {
	return s.waitUpTo(ctx, timeout, "end idle", func() error {
		if err := cmd.Close(); err != nil {
			return err
		}
		return cmd.Wait()
	})
}

// signal wakes whoever waits on news, without blocking: one signal pending is enough.
func signal(news chan struct{}) {
	select {
	case news <- struct{}{}:
	default:
	}
}

// RunOnce connects, handles every message in the mailbox, and disconnects. It uses one
// connection: the work connection, without an idle one.
func (w *Watcher) RunOnce(ctx context.Context) error {
	s, err := w.dial(ctx, make(chan struct{}, 1))
	if err != nil {
		return err
	}
	defer s.close()
	return s.pass(ctx)
}

// Run watches the mailbox until ctx ends, with the two connections of the implementation notes,
// each reconnecting on its own. It returns once both are closed: the work connection after the
// message in hand, the idle connection within a few seconds.
func (w *Watcher) Run(ctx context.Context) error {
	news := make(chan struct{}, 1)
	idleDone := make(chan struct{})
	go func() {
		defer close(idleDone)
		w.keepConnected(ctx, roleIdle, func(ctx context.Context, up func()) error {
			return w.listen(ctx, news, up)
		})
	}()
	w.keepConnected(ctx, roleWork, func(ctx context.Context, up func()) error {
		return w.work(ctx, news, up)
	})
	<-idleDone
	return nil
}

// work is the work connection's session: a pass over the mailbox, then another each time
// waitNews returns, until the connection fails or ctx ends. up is called after the first pass.
func (w *Watcher) work(ctx context.Context, news chan struct{}, up func()) error {
	s, err := w.dial(ctx, news)
	if err != nil {
		return err
	}
	defer s.close()
	for {
		if err := s.pass(ctx); err != nil {
			return err
		}
		up()
		if w.AfterPass != nil {
			w.AfterPass(ctx)
		}
		if err := s.waitNews(ctx); err != nil {
			return err
		}
	}
}

// keepConnected runs the sessions of one connection (role) until ctx ends, connecting again
// after each failure with capped, jittered backoff. The backoff starts again at its base after a
// healthy session (one that called up: the work connection passed over the mailbox, the idle
// connection entered IDLE), so that a short restart of the server after a long outage costs
// seconds, not minutes; the first healthy session after a lost one logs "reconnected" with the
// time since. A session that finds no IDLE on the server ends the idle connection for good.
func (w *Watcher) keepConnected(ctx context.Context, role string, session func(ctx context.Context, up func()) error) {
	failures := 0
	var down time.Time // when the last healthy session was lost; zero while none was
	for ctx.Err() == nil {
		healthy := false
		up := func() {
			if healthy {
				return
			}
			healthy = true
			if !down.IsZero() {
				w.Logger.Info("reconnected", "mailbox", w.Config.Mailbox, "connection", role, "down_for", w.Now().Sub(down).Round(time.Millisecond))
			}
		}
		err := session(ctx, up)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errNoIdle) {
			w.Logger.Info("the server does not offer IDLE: the mailbox is searched every poll interval", "mailbox", w.Config.Mailbox, "poll_interval", w.Config.PollInterval)
			return
		}
		if healthy {
			failures, down = 0, time.Time{}
		}
		if down.IsZero() {
			down = w.Now()
		}
		failures++
		delay := reconnectDelay(failures)
		w.Logger.Warn("mailbox connection lost, reconnecting", "connection", role, "err", err, "retry_in", delay.Round(time.Millisecond))
		if role == roleIdle {
			err = fmt.Errorf("idle connection: %w", err)
		}
		if rerr := w.Store.RecordError(ctx, "imap", w.Now(), err); rerr != nil {
			w.Logger.Error("record error", "err", rerr)
		}
		if backoff.Sleep(ctx, delay) != nil {
			return
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
