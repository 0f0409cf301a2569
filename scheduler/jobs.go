package scheduler

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/directory"
	"github.com/laclasse/intake/sheet"
	"github.com/laclasse/intake/smtp"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// Specs are the cron specs of the jobs whose times are not dates of the convention.
type Specs struct {
	DailyDigest       string   // "0 7 * * *"
	WeeklyOverview    string   // "0 7 * * 1"
	CommuneReminders  []string // "0 9 1 6 *", "0 9 13 6 *"
	MetropoleReminder string   // "0 9 1 8 *"
	Purge             string   // "30 3 * * *": the retention purge
	// DirectoryRefresh ("30 5 * * *") refreshes the national directory of schools, when the
	// calendar has one (Calendar.Directory).
	DirectoryRefresh string
}

// Calendar builds the convention's jobs.
type Calendar struct {
	Dates     convention.Calendar
	Specs     Specs
	Communes  []convention.Commune
	From      string // our address
	FromName  string
	Metropole []string // summary_to
	Signature string
	// Provisioning says the daemon opens access in laclasse.com itself; without it the digest
	// lists the accounts to create by hand.
	Provisioning bool
	// Reports, when set, adds the fee statement, the activity report and the conventions' dates.
	Reports *ReportCalendar
	// RetentionMonths is how long raw messages and the bodies of sent mail are kept; the purge
	// job (Specs.Purge) empties older ones. 0 keeps them for ever.
	RetentionMonths int
	// Directory is the national directory of schools ([directory]); nil: none, and no refresh.
	Directory *directory.Loader
	Now       func() time.Time
}

// Jobs returns every job of the calendar.
func (c Calendar) Jobs() []Job {
	jobs := []Job{
		c.digest(),
		c.renewal(),
		c.yearlyUpdate(),
	}
	if c.Specs.WeeklyOverview != "" {
		jobs = append(jobs, c.weekly())
	}
	for i, spec := range c.Specs.CommuneReminders {
		jobs = append(jobs, c.communeReminder(fmt.Sprintf("reminder-%d", i+1), spec))
	}
	if c.Specs.MetropoleReminder != "" {
		jobs = append(jobs, c.metropoleReminder())
	}
	if c.Specs.Purge != "" && c.RetentionMonths > 0 {
		jobs = append(jobs, c.purge())
	}
	if c.Specs.DirectoryRefresh != "" && c.Directory != nil {
		jobs = append(jobs, c.directoryRefresh())
	}
	if r := c.Reports; r != nil {
		if r.FeeSpec != "" {
			jobs = append(jobs, c.feeStatement(*r))
		}
		if r.ActivitySpec != "" {
			jobs = append(jobs, c.activityReport(*r))
		}
		if r.DatesSpec != "" {
			jobs = append(jobs, c.conventionDates(*r))
		}
	}
	return jobs
}

func (c Calendar) loc() *time.Location { return c.Dates.Location }

// mail composes one of our own mails (not a reply).
func (c Calendar) mail(kind string, to []string, r templates.Rendered, files ...smtp.File) (convention.OutgoingMail, error) {
	data, err := smtp.Compose(smtp.Mail{From: c.From, FromName: c.FromName, To: to, Subject: r.Subject, Date: c.Now(), Text: r.Text, HTML: r.HTML, Files: files})
	if err != nil {
		return convention.OutgoingMail{}, err
	}
	return convention.OutgoingMail{Kind: kind, From: c.From, To: to, Data: data}, nil
}

func (c Calendar) toMetropole(kind string, r templates.Rendered, err error) ([]convention.OutgoingMail, error) {
	if err != nil {
		return nil, err
	}
	m, err := c.mail(kind, c.Metropole, r)
	if err != nil {
		return nil, err
	}
	return []convention.OutgoingMail{m}, nil
}

// cronAt is the cron spec firing at midnight on a yearly date.
func cronAt(md convention.MonthDay) string { return fmt.Sprintf("0 0 %d %d *", md.Day, int(md.Month)) }

// digest is the Métropole's daily summary: requests decided since the previous one, the mails
// refused for good since then, and the activations due within three days or overdue. Nothing is sent when there is nothing to say.
func (c Calendar) digest() Job {
	return Job{Name: "digest", Spec: c.Specs.DailyDigest, CatchUpOnce: true, Run: func(ctx context.Context, tx *sqlite.Tx, prev, occ time.Time) ([]convention.OutgoingMail, error) {
		if prev.IsZero() {
			prev = occ.Add(-24 * time.Hour)
		}
		reqs, err := tx.RequestsBetween(prev, occ)
		if err != nil {
			return nil, err
		}
		d := templates.Digest{From: prev.In(c.loc()), To: occ.In(c.loc())}
		for _, r := range reqs {
			line := templates.DigestRequest{ID: r.ID, ReceivedAt: r.ReceivedAt.In(c.loc()), Commune: r.Commune, Sender: r.Sender, Subject: r.Subject, Outcome: r.Reason, Changes: r.Changes, Details: r.Details, Errors: r.Errors,
				Withheld: r.RepliesWithheld, Text: r.Text}
			if len(line.Withheld) > 0 {
				d.RepliesWithheld = append(d.RepliesWithheld, line)
			}
			switch r.State {
			case convention.StateApplied, convention.StateHeld:
				d.Applied = append(d.Applied, line)
			case convention.StateRefused:
				d.Refused = append(d.Refused, line)
			case convention.StateRejected:
				d.Quarantined = append(d.Quarantined, line)
			case convention.StateIgnored:
				d.Ignored = append(d.Ignored, line)
			case convention.StateForwarded:
				d.Forwarded = append(d.Forwarded, line)
			}
		}
		// The pending schools alone (an index), not the registry of every year.
		schools, err := tx.PendingSchools()
		if err != nil {
			return nil, err
		}
		d.DueSoon, d.Overdue = Activations(schools, occ, c.loc())
		held, err := tx.HeldRemovals()
		if err != nil {
			return nil, err
		}
		d.Held = DigestHeld(held, c.Dates, occ)
		removals, err := tx.RemovalsScheduledBetween(prev, occ)
		if err != nil {
			return nil, err
		}
		for _, r := range removals {
			d.Removals = append(d.Removals, templates.DigestRemoval{Commune: r.Commune, UAI: r.UAI, Name: r.Name, RequestID: r.RequestID, RemoveAt: r.RemoveAt.In(c.loc())})
		}
		rights, err := tx.RightsChanges(prev, occ)
		if err != nil {
			return nil, err
		}
		if c.Provisioning {
			failed, err := tx.FailedTasks()
			if err != nil {
				return nil, err
			}
			for _, f := range failed {
				d.Refusals = append(d.Refusals, templates.Refusal{Commune: f.Commune, UAI: f.UAI, Name: f.Name, Kind: templates.TaskLabel(string(f.Kind)), Error: f.Error})
			}
			d.Rights = DigestRights(rights, true, c.loc())
		} else if len(d.Applied) > 0 || len(d.DueSoon)+len(d.Overdue) > 0 {
			d.Rights = DigestRights(rights, false, c.loc())
			moving := map[string]bool{}
			for _, r := range d.Rights {
				moving[r.UAI] = true
			}
			for _, s := range schools {
				if s.Status == convention.StatusPending && !moving[s.UAI] {
					d.ToCreate = append(d.ToCreate, digestSchool(s, c.loc()))
				}
			}
		}
		undelivered, err := tx.FailedMails(prev, occ)
		if err != nil {
			return nil, err
		}
		for _, f := range undelivered {
			d.Undelivered = append(d.Undelivered, templates.Undelivered{FailedAt: f.FailedAt.In(c.loc()), Kind: templates.MailKindName(f.Kind),
				To: strings.Join(f.To, ", "), Error: f.Error, Delivered: f.Delivered})
		}
		if d.AccessOpened, err = tx.MailsQueued("access_open", prev, occ); err != nil {
			return nil, err
		}
		if err := c.digestDirectory(tx, &d, prev, occ); err != nil {
			return nil, err
		}
		if d.Empty() {
			return nil, nil
		}
		r, err := templates.RenderDigest(d)
		return c.toMetropole("digest", r, err)
	}}
}

// DigestHeld groups the removals waiting for staff by request, for the digest, each with the
// date it would take effect if confirmed at now.
func DigestHeld(held []sqlite.HeldRemoval, cal convention.Calendar, now time.Time) []templates.DigestHeld {
	var out []templates.DigestHeld
	for _, h := range held {
		if n := len(out); n == 0 || out[n-1].RequestID != h.RequestID {
			out = append(out, templates.DigestHeld{RequestID: h.RequestID, Commune: h.Commune, ReceivedAt: h.ReceivedAt.In(cal.Location),
				RemoveAt: cal.RemovalDate(h.ReceivedAt, now).In(cal.Location)})
		}
		last := &out[len(out)-1]
		last.Schools = append(last.Schools, strings.TrimSpace(h.UAI+" "+h.Name))
	}
	return out
}

// DigestRights words the changes of administrator for the digest, by name: without the
// provisioner (provisioning false) each one still to make by hand ("todo"); with it, each made
// since the previous digest ("done") or not yet confirmed ("pending"), the refused ones being
// the digest's refusals.
func DigestRights(rights []sqlite.RightsChange, provisioning bool, loc *time.Location) []templates.DigestRights {
	var out []templates.DigestRights
	for _, r := range rights {
		line := templates.DigestRights{Commune: r.Commune, UAI: r.UAI, Name: r.Name, To: r.After.FullName(), ToContact: reach(r.After), DueAt: r.DueAt.In(loc)}
		if r.Before != nil {
			line.From, line.FromContact = r.Before.FullName(), reach(*r.Before)
		}
		switch {
		case !provisioning && r.State == "waiting":
			line.State = "todo"
		case provisioning && r.State == "done":
			line.State = "done"
		case provisioning && r.State == "waiting":
			line.State = "pending"
		default:
			continue // opened by hand, or refused (a refusal of the digest)
		}
		out = append(out, line)
	}
	return out
}

// reach is how a person is reached: e-mail and readable phone.
func reach(c convention.Contact) string {
	var parts []string
	if c.Email != "" {
		parts = append(parts, c.Email)
	}
	if c.Phone != "" {
		parts = append(parts, convention.ReadablePhone(c.Phone))
	}
	return strings.Join(parts, ", ")
}

// Activations returns the pending schools due within three days of now, and those overdue.
func Activations(schools []convention.School, now time.Time, loc *time.Location) (soon, overdue []templates.DigestSchool) {
	for _, s := range schools {
		if s.Status != convention.StatusPending {
			continue
		}
		line := digestSchool(s, loc)
		line.DaysLeft = convention.DaysLeft(now, s.DueAt, loc)
		switch {
		case s.DueAt.Before(now):
			overdue = append(overdue, line)
		case line.DaysLeft < 3:
			soon = append(soon, line)
		}
	}
	return soon, overdue
}

func digestSchool(s convention.School, loc *time.Location) templates.DigestSchool {
	return templates.DigestSchool{Commune: s.Commune, UAI: s.UAI, Name: s.Name, Admin: describe(s.Admin), DueAt: s.DueAt.In(loc)}
}

func describe(c convention.Contact) string {
	parts := []string{c.FullName()}
	if c.Email != "" {
		parts = append(parts, c.Email)
	}
	if c.Phone != "" {
		parts = append(parts, convention.ReadablePhone(c.Phone))
	}
	return strings.Join(parts, ", ")
}

// schoolsByCommune groups the schools still in the convention by commune, in one walk of the
// registry (keyed by communeKey), so that a job over every commune stays linear.
func schoolsByCommune(schools []convention.School) map[string][]convention.School {
	out := make(map[string][]convention.School)
	for _, s := range schools {
		if s.Status != convention.StatusRemoved {
			k := communeKey(s.Commune)
			out[k] = append(out[k], s)
		}
	}
	return out
}

// communeKey is how schoolsByCommune matches a commune's name: without case.
func communeKey(name string) string { return strings.ToLower(name) }

func schoolLines(schools []convention.School) []templates.SchoolLine {
	var out []templates.SchoolLine
	for _, s := range schools {
		out = append(out, templates.SchoolLine{UAI: s.UAI, Name: s.Name, Admin: describe(s.Admin)})
	}
	return out
}

// recipients returns who hears from us about a commune (reminders, renewal notices): the
// contacts its lists gave (technical referent, project lead, as last given) and the
// configuration's notify addresses; failing those, the address that sent its last list, while
// the commune still declares it; failing that, its declared whole sender addresses (not
// domains). Lower-cased, each once; empty when the commune cannot be reached at all.
func recipients(cc convention.Commune, info sqlite.CommuneInfo) []string {
	seen := map[string]bool{}
	var out []string
	add := func(a string) {
		a = strings.ToLower(strings.TrimSpace(a))
		if a != "" && !strings.HasPrefix(a, "@") && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, c := range []*convention.Contact{info.Contacts.TechnicalReferent, info.Contacts.ProjectLead} {
		if c != nil {
			add(c.Email)
		}
	}
	for _, a := range cc.Notify {
		add(a)
	}
	if len(out) == 0 && cc.Accepts(info.LastSender) {
		add(info.LastSender) // only while the commune still declares it: we answer people we know
	}
	if len(out) == 0 {
		for _, a := range cc.Senders {
			add(a)
		}
	}
	return out
}

// declared returns the configured communes with what the store knows of each.
func (c Calendar) declared(tx *sqlite.Tx) ([]convention.Commune, map[string]sqlite.CommuneInfo, error) {
	infos, err := tx.Communes()
	if err != nil {
		return nil, nil, err
	}
	m := map[string]sqlite.CommuneInfo{}
	for _, i := range infos {
		m[strings.ToLower(i.Name)] = i
	}
	return c.Communes, m, nil
}

// renewalDate is the renewal by default of the campaign that the date t prepares for: this
// year's if t is before it, else next year's.
func (c Calendar) renewalDate(t time.Time) time.Time {
	y := t.In(c.loc()).Year()
	d := c.Dates.Renewal.In(y, c.loc())
	if !t.Before(d) {
		d = c.Dates.Renewal.In(y+1, c.loc())
	}
	return d
}

// communeReminder asks each commune whose yearly list has not come for it, with its current list
// in the model spreadsheet, and tells the Métropole which of them it could not reach (no address
// at all), for staff to remind them. An occurrence caught up after the deadline is not sent.
func (c Calendar) communeReminder(name, spec string) Job {
	return Job{Name: name, Spec: spec,
		Stale: func(occ, now time.Time) bool { return !now.Before(c.renewalDate(occ)) },
		Run: func(ctx context.Context, tx *sqlite.Tx, _, occ time.Time) ([]convention.OutgoingMail, error) {
			renewal := c.renewalDate(occ)
			start, _ := c.Dates.Campaign(renewal.Year())
			communes, infos, err := c.declared(tx)
			if err != nil {
				return nil, err
			}
			schools, err := tx.Schools()
			if err != nil {
				return nil, err
			}
			byCommune := schoolsByCommune(schools)
			var mails []convention.OutgoingMail
			unreached := templates.ReminderUnreached{SchoolYear: convention.NextSchoolYear(renewal, c.loc()), Renewal: renewal}
			for _, cc := range communes {
				mine := byCommune[communeKey(cc.Name)]
				if len(mine) == 0 {
					continue // not yet a member: nothing to renew
				}
				sent, err := tx.YearlyListBetween(cc.Name, start, renewal)
				if err != nil {
					return nil, err
				}
				if sent {
					continue
				}
				to := recipients(cc, infos[strings.ToLower(cc.Name)])
				if len(to) == 0 {
					// Nobody to remind: the Métropole hears of it, below.
					unreached.Communes = append(unreached.Communes, templates.UnreachedCommune{Name: cc.Name, Schools: len(mine)})
					continue
				}
				r, err := templates.RenderReminder(templates.Reminder{Commune: cc.Name, SchoolYear: convention.NextSchoolYear(renewal, c.loc()),
					Deadline: renewal.AddDate(0, 0, -1), Renewal: renewal, Schools: schoolLines(mine), Signature: c.Signature})
				if err != nil {
					return nil, err
				}
				model, err := filledModel(infos[strings.ToLower(cc.Name)], mine, c.From)
				if err != nil {
					return nil, err
				}
				m, err := c.mail("reminder", to, r, smtp.File{Name: "ecoles-" + slug(cc.Name) + "-" + convention.NextSchoolYear(renewal, c.loc()) + ".xlsx", ContentType: xlsxType, Data: model})
				if err != nil {
					return nil, err
				}
				mails = append(mails, m)
			}
			if len(unreached.Communes) > 0 {
				r, err := templates.RenderReminderUnreached(unreached)
				m, err := c.toMetropole("reminder-unreached", r, err)
				if err != nil {
					return nil, err
				}
				mails = append(mails, m...)
			}
			return mails, nil
		}}
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// filledModel is the model spreadsheet holding a commune's current list, each row marked
// unchanged, for it to correct and send back.
func filledModel(info sqlite.CommuneInfo, schools []convention.School, address string) ([]byte, error) {
	l := &convention.List{Commune: info.Contacts}
	for _, s := range schools {
		l.Schools = append(l.Schools, convention.SchoolEntry{UAI: s.UAI, Name: s.Name, Action: convention.ActionKeep, Admin: s.Admin})
	}
	var buf bytes.Buffer
	if err := sheet.WriteModel(&buf, sheet.FormatXLSX, l, address); err != nil {
		return nil, fmt.Errorf("model spreadsheet: %w", err)
	}
	return buf.Bytes(), nil
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune("éèêë", r):
			b.WriteRune('e')
		case strings.ContainsRune("àâä", r):
			b.WriteRune('a')
		default:
			b.WriteRune('-')
		}
	}
	return b.String()
}

// renewal renews by default the list of each commune that sent none in the campaign ("à défaut
// de transmission, la liste de l'année précédente est reconduite"). It is never skipped: a
// daemon stopped on the day renews when it starts.
func (c Calendar) renewal() Job {
	return Job{Name: "renewal", Spec: cronAt(c.Dates.Renewal), Run: func(ctx context.Context, tx *sqlite.Tx, _, occ time.Time) ([]convention.OutgoingMail, error) {
		y := occ.In(c.loc()).Year()
		start, end := c.Dates.Campaign(y)
		year := convention.NextSchoolYear(end, c.loc())
		communes, infos, err := c.declared(tx)
		if err != nil {
			return nil, err
		}
		schools, err := tx.Schools()
		if err != nil {
			return nil, err
		}
		report := templates.RenewalReport{SchoolYear: year, At: end}
		byCommune := schoolsByCommune(schools)
		var mails []convention.OutgoingMail
		for _, cc := range communes {
			mine := byCommune[communeKey(cc.Name)]
			if len(mine) == 0 {
				continue
			}
			sent, err := tx.YearlyListBetween(cc.Name, start, end)
			if err != nil {
				return nil, err
			}
			if sent {
				report.Sent = append(report.Sent, cc.Name)
				continue
			}
			if err := tx.RecordRenewal(cc.Name, year); err != nil {
				return nil, err
			}
			report.Renewed = append(report.Renewed, templates.RenewedCommune{Name: cc.Name, Schools: len(mine)})
			to := recipients(cc, infos[strings.ToLower(cc.Name)])
			if len(to) == 0 {
				report.Unreached = append(report.Unreached, cc.Name)
			} else {
				r, err := templates.RenderRenewalNotice(templates.RenewalNotice{Commune: cc.Name, SchoolYear: year, At: end, Schools: schoolLines(mine), Signature: c.Signature})
				if err != nil {
					return nil, err
				}
				m, err := c.mail("renewal", to, r)
				if err != nil {
					return nil, err
				}
				mails = append(mails, m)
			}
		}
		if len(report.Renewed)+len(report.Sent) == 0 {
			return mails, nil
		}
		r, err := templates.RenderRenewalReport(report)
		m, err := c.toMetropole("renewal-report", r, err)
		return append(mails, m...), err
	}}
}

// yearlyUpdate takes out the schools whose removal was asked for, on the yearly update's date. It
// is never skipped: late rather than never.
func (c Calendar) yearlyUpdate() Job {
	return Job{Name: "yearly-update", Spec: cronAt(c.Dates.YearlyUpdate), Run: func(ctx context.Context, tx *sqlite.Tx, _, occ time.Time) ([]convention.OutgoingMail, error) {
		removed, err := tx.RemoveDue(occ, nil)
		if err != nil {
			return nil, err
		}
		u := templates.YearlyUpdate{At: occ.In(c.loc())}
		for _, s := range removed {
			u.Removed = append(u.Removed, digestSchool(s, c.loc()))
		}
		r, err := templates.RenderYearlyUpdate(u)
		return c.toMetropole("yearly-update", r, err)
	}}
}

// metropoleReminder lists for the Métropole, before 20 August, every yearly change not yet applied.
func (c Calendar) metropoleReminder() Job {
	deadline := func(t time.Time) time.Time { return convention.ApplyDeadline.In(t.In(c.loc()).Year(), c.loc()) }
	return Job{Name: "metropole-reminder", Spec: c.Specs.MetropoleReminder,
		Stale: func(occ, now time.Time) bool { return !now.Before(deadline(occ)) },
		Run: func(ctx context.Context, tx *sqlite.Tx, _, occ time.Time) ([]convention.OutgoingMail, error) {
			y := occ.In(c.loc()).Year()
			start, _ := c.Dates.Campaign(y)
			schools, err := tx.Schools()
			if err != nil {
				return nil, err
			}
			rem := templates.MetropoleReminder{Deadline: deadline(occ)}
			for _, s := range schools {
				switch {
				case s.Status == convention.StatusPending:
					rem.Pending = append(rem.Pending, digestSchool(s, c.loc()))
				case s.Status == convention.StatusRemoved && s.RemovedAt != nil && !s.RemovedAt.Before(start):
					rem.Removed = append(rem.Removed, digestSchool(s, c.loc()))
				}
			}
			changes, err := tx.AdminChangesBetween(start, occ)
			if err != nil {
				return nil, err
			}
			for _, ch := range changes {
				rem.AdminChanges = append(rem.AdminChanges, templates.ChangeLine{Commune: ch.Commune, UAI: ch.UAI, Name: ch.Name, Admin: describe(ch.Admin), At: ch.At.In(c.loc())})
			}
			if rem.Empty() {
				return nil, nil
			}
			r, err := templates.RenderMetropoleReminder(rem)
			return c.toMetropole("metropole-reminder", r, err)
		}}
}

// purge empties the raw messages received, and the bodies of the mails sent, more than
// RetentionMonths months before the occurrence: the convention asks the Métropole to respect the
// CNIL's rules, and what people wrote to us is not kept for ever. The registry's history and every
// count stay. After downtime, one run covers the gap: the cutoff is counted from now, not from
// the occurrence, so that whichever occurrence runs purges everything that is due.
func (c Calendar) purge() Job {
	return Job{Name: "purge", Spec: c.Specs.Purge, CatchUpOnce: true, Run: func(ctx context.Context, tx *sqlite.Tx, _, occ time.Time) ([]convention.OutgoingMail, error) {
		now := c.Now()
		if now.Before(occ) {
			now = occ
		}
		_, err := tx.PurgeBefore(now.AddDate(0, -c.RetentionMonths, 0))
		return nil, err
	}}
}

// weekly is the Métropole's overview of the registry, commune by commune.
func (c Calendar) weekly() Job {
	return Job{Name: "weekly", Spec: c.Specs.WeeklyOverview, CatchUpOnce: true, Run: func(ctx context.Context, tx *sqlite.Tx, prev, occ time.Time) ([]convention.OutgoingMail, error) {
		if prev.IsZero() {
			prev = occ.AddDate(0, 0, -7)
		}
		w := templates.Weekly{From: prev.In(c.loc()), To: occ.In(c.loc())}
		reqs, err := tx.RequestsBetween(prev, occ)
		if err != nil {
			return nil, err
		}
		for _, r := range reqs {
			w.Requests++
			switch r.State {
			case convention.StateApplied, convention.StateHeld:
				w.Applied++
			case convention.StateRejected:
				w.Quarantined++
			}
		}
		// Counted in the store, commune by commune, in one walk: never the registry read whole
		// and walked again for each commune.
		infos, err := tx.CommuneCounts(occ)
		if err != nil {
			return nil, err
		}
		for _, info := range infos {
			o := templates.CommuneOverview{Name: info.Name, Active: info.Active, Pending: info.Pending, Overdue: info.Overdue, Removing: info.Removing}
			if info.LastListAt != nil {
				o.LastListAt = info.LastListAt.In(c.loc())
			}
			if o.Active+o.Pending > 0 || info.LastListAt != nil {
				w.Communes = append(w.Communes, o)
			}
		}
		sort.Slice(w.Communes, func(i, j int) bool { return w.Communes[i].Name < w.Communes[j].Name })
		w.Upcoming = c.upcoming(occ)
		if err := c.watchDirectory(tx, &w); err != nil {
			return nil, err
		}
		if len(w.Communes) == 0 && w.Requests == 0 && len(w.Closing)+len(w.Elsewhere) == 0 {
			return nil, nil
		}
		r, err := templates.RenderWeekly(w)
		return c.toMetropole("weekly", r, err)
	}}
}

// upcoming names the convention's next dates after t.
func (c Calendar) upcoming(t time.Time) []string {
	type date struct {
		at   time.Time
		what string
	}
	y := t.In(c.loc()).Year()
	var ds []date
	for _, yy := range []int{y, y + 1} {
		start, end := c.Dates.Campaign(yy)
		ds = append(ds,
			date{start, templates.DateCampaignOpens},
			date{end, templates.DateRenewal},
			date{c.Dates.YearlyUpdate.In(yy, c.loc()), templates.DateYearlyUpdate},
			date{convention.ApplyDeadline.In(yy, c.loc()), templates.DateApplyDeadline})
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].at.Before(ds[j].at) })
	var out []string
	for _, d := range ds {
		if d.at.After(t) && len(out) < 3 {
			out = append(out, templates.UpcomingDate(d.at, d.what))
		}
	}
	return out
}
