package console

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
)

// Actions is what staff do to the registry and the mailbox, and what the console reads of the
// configuration. One implementation serves the CLI and the console (cmd/intaked/actions.go), so
// that `intaked activate` and the console's button cannot disagree. Every action takes by, the
// staff member recorded in the history.
//
// An action's errors wrap the sentinels of sqlite (ErrNotFound, ErrNothingHeld,
// ErrNotRevertible, ErrNotForwarded, ErrAlreadyHandled, ErrNotResendable), of intake
// (ErrNotReleasable) and the ones below.
type Actions interface {
	// Activate marks the schools uais as opened by hand, or, when commune is not "", every
	// pending school of that commune. It returns the schools as they now stand.
	Activate(ctx context.Context, by, commune string, uais []string) ([]convention.School, error)
	// Release decides again the quarantined request id as from commune ("": the one its sender
	// matches, by the configuration or a sender staff declared), and queues its reply; with
	// addSender its sender is declared for the commune from then on.
	Release(ctx context.Context, by string, id int64, commune string, addSender bool) (Released, error)
	// ResolveHeld confirms the removals request id holds (or, drop, drops them: the schools
	// stay).
	ResolveHeld(ctx context.Context, by string, id int64, drop bool) ([]convention.Change, error)
	// Revert undoes what request id changed that is still in effect, and queues the mail that
	// tells the commune.
	Revert(ctx context.Context, by string, id int64) (*sqlite.RevertView, error)
	// MarkHandled records that the forwarded message of request id was handled by a person.
	MarkHandled(ctx context.Context, by string, id int64) error
	// Resend queues again mail outboxID of a request, as it was composed.
	Resend(ctx context.Context, by string, outboxID int64) (requestID int64, err error)
	// Terminate records the notice of termination commune sent, received on received (a day
	// in the Métropole's zone), and returns when the convention ends.
	Terminate(ctx context.Context, by, commune string, received time.Time) (effective time.Time, err error)
	// Report writes the spreadsheet (xlsx) of kind ReportFees or ReportActivity for the school
	// year year ("2025-2026").
	Report(ctx context.Context, kind, year string, w io.Writer) error

	// Communes returns what the configuration says of each commune, in its order, with its
	// convention's dates as of now.
	Communes(ctx context.Context, now time.Time) ([]CommuneSettings, error)
	// Fee returns what commune owes for the school year of now.
	Fee(ctx context.Context, commune string, now time.Time) (Fee, error)
	// NextRuns returns the calendar's jobs with their next and last runs, soonest first.
	NextRuns(ctx context.Context, now time.Time) ([]Run, error)
	// Mailbox names the mailbox watched: its folder and its server, for the health section.
	Mailbox() (folder, server string)
}

// Kinds of Report.
const (
	ReportFees     = "fees"
	ReportActivity = "activity"
)

// Released is what a release decided.
type Released struct {
	Commune string
	State   convention.RequestState
	Changes int
	// Outgoing counts the mails queued (the reply).
	Outgoing int
	// SenderAdded is the address declared for the commune, "" if none.
	SenderAdded string
}

// CommuneSettings is what the configuration says of a commune.
type CommuneSettings struct {
	Name  string
	INSEE string
	// Senders are the addresses and domains ("@mairie-x.fr") accepted from it.
	Senders []string
	// Notify are the addresses told of changes, besides the senders.
	Notify []string
	// ConventionStart is its convention's notification, when the configuration gives it.
	ConventionStart *time.Time
	// NextAnniversary, NoticeDeadline and TerminatesAt are its convention's dates as of the
	// day asked (zero when unknown; TerminatesAt only after a notice of termination).
	NextAnniversary, NoticeDeadline, TerminatesAt time.Time
}

// Fee is what a commune owes for a school year.
type Fee struct {
	Year         string
	Schools      int
	PerSchoolEUR int
	AmountEUR    int
}

// Run is one job of the calendar.
type Run struct {
	Job  string
	Next time.Time
	Last *time.Time
}

// Errors of the actions, beyond the store's.
var (
	// ErrNeedCommune: a request's sender matches no commune, so the commune must be named.
	ErrNeedCommune = errors.New("the sender matches no commune: name the commune")
	// ErrUnknownCommune: the commune named is not in the configuration.
	ErrUnknownCommune = errors.New("commune not in the configuration")
	// ErrNoSender: the request's sender cannot be read, so it cannot be declared.
	ErrNoSender = errors.New("the sender cannot be read")
	// ErrNoConventionStart: the configuration gives no convention_start for the commune.
	ErrNoConventionStart = errors.New("no convention_start for the commune")
	// ErrBadYear: not a school year such as 2025-2026.
	ErrBadYear = errors.New("not a school year")
)
