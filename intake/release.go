package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/sqlite"
)

// vouchKey carries, in the context of one decision, a staff member's release of a quarantined
// request: the commune it is decided as from, whatever its sender and its DKIM.
type vouchKey struct{}

type vouch struct {
	commune convention.Commune
	release *sqlite.Release
}

// ErrNotReleasable is returned by Release for a request that cannot be decided again as from a
// commune: not quarantined, its sender unreadable, or an automatic message.
var ErrNotReleasable = errors.New("request cannot be released")

// Release decides again, from its stored bytes, the quarantined (rejected) request req as from
// the commune r names, and answers it as usual (the reply is queued in the outbox): staff vouch
// for it, so the sender check and the commune's DKIM policy are not applied to this decision.
// With r.AddSender, the sender is declared for the commune from then on, in the same
// transaction. The message stays in the folder it is in.
func (h *Handler) Release(ctx context.Context, req *sqlite.Request, r sqlite.Release) (*convention.Decision, error) {
	if req.State != convention.StateRejected {
		return nil, fmt.Errorf("%w: request %d is %s, not quarantined (rejected)", ErrNotReleasable, req.ID, req.State)
	}
	if req.HeaderOnly {
		return nil, fmt.Errorf("%w: request %d was over the size limit: only its header was kept", ErrNotReleasable, req.ID)
	}
	var commune convention.Commune
	found := false
	for _, c := range h.Communes {
		if strings.EqualFold(c.Name, r.Commune) {
			commune, found = c, true
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: commune %q is not in the configuration", ErrNotReleasable, r.Commune)
	}
	r.Commune = commune.Name
	if r.AddSender != "" {
		commune.Senders = append(append([]string{}, commune.Senders...), r.AddSender)
	}
	ctx = context.WithValue(ctx, vouchKey{}, &vouch{commune: commune, release: &r})
	d, err := h.decideRecovering(ctx, req)
	if errors.Is(err, sqlite.ErrAlreadyDecided) {
		// A path that does not carry the release: an unreadable or ambiguous From (there is no
		// one to answer), or an automatic message.
		return nil, fmt.Errorf("%w: request %d: its sender cannot be answered, or it is an automatic message", ErrNotReleasable, req.ID)
	}
	return d, err
}

// ReleaseSender returns the bare address of the From of request req, as the decision reads it,
// for `release --add-sender`; "" when it cannot be read.
func ReleaseSender(req *sqlite.Request, lim mailparse.Limits) string {
	msg, err := mailparse.Parse(req.Raw, lim)
	if err != nil || msg == nil || msg.FromError != "" {
		return ""
	}
	return strings.ToLower(msg.From)
}

// senderCommune returns the commune a message from addr is decided as from: the one staff vouch
// for in a release (vouched), else the one whose configured senders accept addr, else the one
// for which staff declared addr (read from the store at each decision, so that a running
// daemon sees a sender declared since it started).
func (h *Handler) senderCommune(ctx context.Context, addr string) (c convention.Commune, known, vouched bool, err error) {
	if v, ok := ctx.Value(vouchKey{}).(*vouch); ok {
		return v.commune, true, true, nil
	}
	if c, ok := convention.CommuneOf(h.Communes, addr); ok {
		return c, true, false, nil
	}
	name, err := h.Store.SenderCommune(ctx, addr)
	if errors.Is(err, sqlite.ErrNotFound) {
		return convention.Commune{}, false, false, nil
	} else if err != nil {
		return convention.Commune{}, false, false, err
	}
	for _, c := range h.Communes {
		if strings.EqualFold(c.Name, name) {
			c.Senders = append(append([]string{}, c.Senders...), strings.ToLower(addr))
			return c, true, false, nil
		}
	}
	return convention.Commune{}, false, false, nil // declared for a commune no longer configured
}

// releaseOf returns the staff release the decision in ctx carries, or nil.
func releaseOf(ctx context.Context) *sqlite.Release {
	if v, ok := ctx.Value(vouchKey{}).(*vouch); ok {
		return v.release
	}
	return nil
}
