package scheduler

import (
	"context"
	"math"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/smtp"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// Mailer says who the Métropole's summaries come from and go to.
type Mailer struct {
	From     string
	FromName string
	To       []string
	Location *time.Location
	Now      func() time.Time
}

func (m Mailer) compose(kind string, r templates.Rendered) (convention.OutgoingMail, error) {
	data, err := smtp.Compose(smtp.Mail{From: m.From, FromName: m.FromName, To: m.To, Subject: r.Subject, Date: m.Now(), Text: r.Text, HTML: r.HTML})
	if err != nil {
		return convention.OutgoingMail{}, err
	}
	return convention.OutgoingMail{Kind: kind, From: m.From, To: m.To, Data: data}, nil
}

// outcomeFR says in French what became of a request.
func outcomeFR(r sqlite.RequestSummary) string {
	if r.Reason != "" {
		return r.Reason
	}
	return string(r.State)
}

// DigestJob is the Métropole's daily summary: requests decided since the previous one, and the
// activations due within three days or overdue. It sends nothing when there is nothing to say.
func DigestJob(store *sqlite.DB, m Mailer, spec string) Job {
	return Job{
		Name: "digest",
		Spec: spec,
		Run: func(ctx context.Context, prev, occ time.Time) ([]convention.OutgoingMail, error) {
			if prev.IsZero() {
				prev = occ.Add(-24 * time.Hour)
			}
			reqs, err := store.RequestsBetween(ctx, prev, occ)
			if err != nil {
				return nil, err
			}
			d := templates.Digest{From: prev.In(m.Location), To: occ.In(m.Location)}
			for _, r := range reqs {
				line := templates.DigestRequest{ReceivedAt: r.ReceivedAt.In(m.Location), Commune: r.Commune, Sender: r.Sender, Subject: r.Subject, Outcome: outcomeFR(r), Changes: r.Changes, Errors: r.Errors}
				switch r.State {
				case convention.StateApplied:
					d.Applied = append(d.Applied, line)
				case convention.StateRefused:
					d.Refused = append(d.Refused, line)
				case convention.StateRejected:
					d.Quarantined = append(d.Quarantined, line)
				case convention.StateIgnored:
					d.Ignored = append(d.Ignored, line)
				}
			}
			schools, err := store.Schools(ctx)
			if err != nil {
				return nil, err
			}
			d.DueSoon, d.Overdue = Activations(schools, occ, m.Location)
			if d.Empty() {
				return nil, nil
			}
			r, err := templates.RenderDigest(d)
			if err != nil {
				return nil, err
			}
			mail, err := m.compose("digest", r)
			if err != nil {
				return nil, err
			}
			return []convention.OutgoingMail{mail}, nil
		},
	}
}

// Activations returns the pending schools due within three days of now, and those overdue.
func Activations(schools []convention.School, now time.Time, loc *time.Location) (soon, overdue []templates.DigestSchool) {
	for _, s := range schools {
		if s.Status != convention.StatusPending {
			continue
		}
		left := int(math.Floor(s.DueAt.Sub(now).Hours() / 24))
		line := templates.DigestSchool{Commune: s.Commune, UAI: s.UAI, Name: s.Name, Admin: s.Admin.FullName() + ", " + s.Admin.Email, DueAt: s.DueAt.In(loc), DaysLeft: left}
		switch {
		case s.DueAt.Before(now):
			overdue = append(overdue, line)
		case left < 3:
			soon = append(soon, line)
		}
	}
	return soon, overdue
}
