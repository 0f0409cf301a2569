package bigstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // the Métropole's time zone wherever the generator runs

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/scheduler"
	"github.com/laclasse/intake/sheet"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// The addresses of the generated daemon.
const (
	Mailbox = "partenariat@laclasse.example"
	StaffTo = "ent@grandlyon.example"
	// StaffMember is who the generated staff actions are by.
	StaffMember = "Claire Martin (Métropole)"
)

// eventKind is what happens to an archetype commune.
type eventKind int

const (
	evList        eventKind = iota // the campaign's list (the first one: an adhesion)
	evDuplicate                    // the same message again
	evRefused                      // a list none of whose rows can be read
	evHeldList                     // a list that leaves out too many schools: its removals are held
	evDropHeld                     // staff keep the schools a held list left out
	evAddition                     // new schools, outside the campaign
	evAdminChange                  // a new administrator for one school
	evForwarded                    // a person's reply to one of our mails, with no list
	evHandled                      // staff mark the forwarded message handled
	evQuarantined                  // a list from an address declared for no commune
)

type event struct {
	at      time.Time
	commune int // archetype
	kind    eventKind
	year    int   // campaign index
	schools []int // for evAddition: the numbers added
}

// archetype is the state of an archetype commune during the simulation.
type archetype struct {
	commune
	xlsx      bool        // sends xlsx (else csv)
	gen       map[int]int // school number → administrator's generation
	listed    map[int]bool
	removed   map[int]bool
	reserve   map[int][]int // campaign index → schools added that year, outside the campaign
	lastReply string        // the Message-ID of our last reply to it
	lastList  []byte        // the raw bytes of its last list
	forwarded int64
	held      int64
	msgs      int
}

// simResult is what the simulation made, for the copies and the survey.
type simResult struct {
	requests int              // decided by the handler
	arch     map[int64]int    // request id → archetype
	held     int64            // the last held list
	firstID  map[string]int64 // per kind of sample: a request
}

// simulate lives the years of the archetype communes through the real code, in a new store at
// path.
func simulate(ctx context.Context, path string, w *world) (*simResult, error) {
	loc := paris
	end := w.p.end()
	firstYear, _ := w.p.campaigns()
	clock := time.Date(firstYear, time.April, 20, 8, 0, 0, 0, loc)
	now := func() time.Time { return clock }

	db, err := sqlite.Open(ctx, path, now)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	communes := w.configCommunes()
	if err := db.SyncCommunes(ctx, communes); err != nil {
		return nil, err
	}
	cal := convention.DefaultCalendar(loc)
	cal.Hold = convention.HoldRule{OverShare: 0.34, OverCount: 3} // the configuration's defaults
	h := &intake.Handler{Store: db, Communes: communes, From: Mailbox, FromName: templates.FromName, Signature: templates.Signature,
		Processed: "Traites", Rejected: "Rejetes", Calendar: cal, SheetLimits: sheet.DefaultLimits(), MailLimits: mailparse.DefaultLimits(),
		StaffTo: []string{StaffTo}, MaxRepliesPerAddress: 20, Now: now}
	jobs := scheduler.Calendar{Dates: cal, Communes: communes, From: Mailbox, FromName: templates.FromName, Signature: templates.Signature,
		Metropole: []string{StaffTo}, Provisioning: true, RetentionMonths: 24, Now: now,
		Specs: scheduler.Specs{DailyDigest: "0 7 * * *", WeeklyOverview: "0 7 * * 1", CommuneReminders: []string{"0 9 1 6 *", "0 9 13 6 *"},
			MetropoleReminder: "0 9 1 8 *", Purge: "30 3 * * *"}}
	var dates []scheduler.CommuneDates
	for i, c := range communes {
		start := conventionStart(firstYear, i)
		dates = append(dates, scheduler.CommuneDates{Name: c.Name, INSEE: c.INSEE, ConventionStart: &start})
	}
	jobs.Reports = &scheduler.ReportCalendar{Store: db, Communes: dates, PerSchoolEUR: 150, // the configuration's defaults
		FeeSpec: "0 8 1 9 *", ActivitySpec: "0 8 15 9 *", DatesSpec: "0 8 * * *", Terminations: db.Terminations}
	sched := &scheduler.Scheduler{Store: db, Location: loc, Jobs: jobs.Jobs(), Now: now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

	archs := make([]*archetype, w.arch)
	var events []event
	for j := range archs {
		a := &archetype{commune: w.communes[j], xlsx: j%3 != 2, gen: map[int]int{}, listed: map[int]bool{}, removed: map[int]bool{}, reserve: map[int][]int{}}
		archs[j] = a
		rng := rand.New(rand.NewPCG(uint64(w.p.Seed), uint64(j)))
		if a.size >= 10 {
			for k := range a.size * 8 / 100 { // the schools that open over the years
				y := rng.IntN(w.p.Years)
				a.reserve[y] = append(a.reserve[y], a.first+a.size-1-k)
			}
		}
		for y := range w.p.Years {
			events = append(events, yearEvents(a, j, y, w.p.Years, firstYear+y, loc, rng)...)
		}
	}
	sort.SliceStable(events, func(i, k int) bool { return events[i].at.Before(events[k].at) })

	res := &simResult{arch: map[int64]int{}, firstID: map[string]int64{}}
	s := &sim{ctx: ctx, db: db, h: h, archs: archs, res: res, uid: 0}
	lastDue := time.Time{}
	// The directory work of the last days before the end is left waiting: those schools are
	// the activations due that staff see.
	due := func() error {
		if clock.Sub(lastDue) < 3*24*time.Hour { // the calendar catches up, as after a stop
			return nil
		}
		lastDue = clock
		upTo := clock
		if cut := end.Add(-10 * 24 * time.Hour); upTo.After(cut) {
			upTo = cut
		}
		if err := s.provision(upTo); err != nil {
			return err
		}
		if _, err := sched.Due(ctx); err != nil {
			return fmt.Errorf("calendar at %s: %w", clock.Format(time.DateTime), err)
		}
		return s.flush(clock)
	}
	for _, ev := range events {
		if !ev.at.Before(end) {
			continue
		}
		clock = ev.at
		if err := due(); err != nil {
			return nil, err
		}
		if err := s.run(ev, clock); err != nil {
			return nil, fmt.Errorf("%s at %s: %w", archs[ev.commune].name, clock.Format(time.DateTime), err)
		}
		if err := s.flush(clock.Add(time.Minute)); err != nil {
			return nil, err
		}
	}
	clock = end
	lastDue = time.Time{}
	if err := due(); err != nil {
		return nil, err
	}
	return res, nil
}

// yearEvents draws what happens to archetype a in campaign y of years (the year year): its list in May or
// June, the odd refused list or duplicate, then additions, changes, replies and quarantined
// messages through the school year.
func yearEvents(a *archetype, j, y, years, year int, loc *time.Location, rng *rand.Rand) []event {
	at := func(month time.Month, day, spread int) time.Time {
		// Office hours, on any day of the spread.
		return time.Date(year, month, day+rng.IntN(spread), 8, 30, 0, 0, loc).Add(time.Duration(rng.IntN(9*3600)) * time.Second)
	}
	var out []event
	add := func(t time.Time, k eventKind) { out = append(out, event{at: t, commune: j, kind: k, year: y}) }
	list := at(time.May, 5, 40)
	// The second archetype's last campaign always has a held list, so that every store has one.
	force := j == 1 && y == years-1 && a.size >= 6
	switch {
	case y == 0:
		add(list, evList)
		if force || (a.size >= 6 && rng.Float64() < 0.06) { // then a list that leaves most out, by mistake
			add(list.Add(2*24*time.Hour), evHeldList)
			if y < years-1 {
				add(list.Add(5*24*time.Hour), evDropHeld)
			}
		}
	case force || (a.size >= 6 && rng.Float64() < 0.06):
		add(list, evHeldList)
		if y < years-1 { // the last campaign's held lists still wait for staff
			add(list.Add(3*24*time.Hour), evDropHeld)
			add(list.Add(5*24*time.Hour), evList)
		}
	case rng.Float64() < 0.85:
		add(list, evList)
	}
	if rng.Float64() < 0.05 {
		add(list.Add(-4*24*time.Hour), evRefused)
	}
	if rng.Float64() < 0.06 {
		add(list.Add(3*time.Hour), evDuplicate)
	}
	if len(a.reserve[y]) > 0 {
		out = append(out, event{at: at(time.September, 10, 40), commune: j, kind: evAddition, year: y, schools: a.reserve[y]})
	}
	if rng.Float64() < 0.3 {
		add(at(time.September, 15, 60), evAdminChange)
	}
	if rng.Float64() < 0.15 {
		t := at(time.September, 20, 50)
		add(t, evForwarded)
		if rng.Float64() < 0.8 {
			add(t.Add(2*24*time.Hour), evHandled)
		}
	}
	if rng.Float64() < 0.08 {
		add(at(time.September, 25, 50), evQuarantined)
	}
	return out
}

// sim runs the events through the daemon's code.
type sim struct {
	ctx   context.Context
	db    *sqlite.DB
	h     *intake.Handler
	archs []*archetype
	res   *simResult
	uid   uint32
}

func (s *sim) run(ev event, at time.Time) error {
	a := s.archs[ev.commune]
	rng := rand.New(rand.NewPCG(uint64(at.UnixNano()), uint64(ev.commune)))
	a.msgs++
	msgID := fmt.Sprintf("%s.%d@%s", strings.ToLower(ev.kindName()), a.msgs, a.domain)
	subject := fmt.Sprintf("Liste des écoles %d-%d", at.Year(), at.Year()+1)
	switch ev.kind {
	case evList:
		var nums []int
		for n := a.first; n < a.first+a.size; n++ {
			if a.removed[n] || (!a.listed[n] && !a.initial(n)) {
				continue
			}
			if ev.year > 0 && rng.Float64() < 0.08 {
				a.gen[n]++ // a new administrator
			}
			nums = append(nums, n)
		}
		if ev.year > 0 && len(nums) > 4 && rng.Float64() < 0.25 {
			gone := nums[1+rng.IntN(len(nums)-1)] // never the first: the samples' school stays
			nums = removeInt(nums, gone)
			a.removed[gone] = true
		}
		req, d, err := s.send(a, samples.Message{From: a.sender(), Subject: subject, MessageID: msgID, Date: at, Attachments: []samples.Attachment{a.file(nums)}}, at)
		if err != nil {
			return err
		}
		for _, n := range nums {
			a.listed[n] = true
		}
		a.lastList = req.Raw
		s.sample("list:"+a.name, req.ID, d)
	case evDuplicate:
		if a.lastList == nil {
			return nil
		}
		_, _, err := s.claimDecide(a, a.lastList, at)
		return err
	case evRefused:
		var rows []samples.Row
		for n := a.first; n < a.first+min(a.size, 5); n++ {
			r := schoolRow(n, a.gen[n])
			r.UAI = r.UAI[:7] + wrongLetter(r.UAI[7])
			rows = append(rows, r)
		}
		_, _, err := s.send(a, samples.Message{From: a.sender(), Subject: subject, MessageID: msgID, Date: at, Attachments: []samples.Attachment{a.rowsFile(rows)}}, at)
		return err
	case evHeldList:
		var nums []int
		for n := a.first; n < a.first+a.size; n++ {
			if a.listed[n] && !a.removed[n] && len(nums) < a.size*4/10 {
				nums = append(nums, n)
			}
		}
		req, d, err := s.send(a, samples.Message{From: a.sender(), Subject: subject, MessageID: msgID, Date: at, Attachments: []samples.Attachment{a.file(nums)}}, at)
		if err != nil {
			return err
		}
		if d.State == convention.StateHeld {
			a.held, s.res.held = req.ID, req.ID
		}
	case evDropHeld:
		if a.held == 0 {
			return nil
		}
		_, err := s.db.ResolveHeld(s.ctx, sqlite.Resolve{RequestID: a.held, By: StaffMember, At: at, Drop: true,
			RemoveAt: func(receivedAt time.Time) time.Time { return s.h.Calendar.RemovalDate(receivedAt, at) }})
		a.held = 0
		return err
	case evAddition:
		req, d, err := s.send(a, samples.Message{From: a.sender(), Subject: "Nouvelle école", MessageID: msgID, Date: at, Attachments: []samples.Attachment{a.file(ev.schools)}}, at)
		if err != nil {
			return err
		}
		for _, n := range ev.schools {
			a.listed[n] = true
		}
		s.sample("addition", req.ID, d)
	case evAdminChange:
		var cands []int
		for n := a.first; n < a.first+a.size; n++ {
			if a.listed[n] && !a.removed[n] {
				cands = append(cands, n)
			}
		}
		if len(cands) == 0 {
			return nil
		}
		n := cands[rng.IntN(len(cands))]
		a.gen[n]++
		_, _, err := s.send(a, samples.Message{From: a.sender(), Subject: "Changement de directeur", MessageID: msgID, Date: at, Attachments: []samples.Attachment{a.file([]int{n})}}, at)
		return err
	case evForwarded:
		if a.lastReply == "" {
			return nil
		}
		req, d, err := s.send(a, samples.Message{From: a.sender(), Subject: "Re: " + subject, MessageID: msgID, Date: at,
			Headers: map[string]string{"In-Reply-To": "<" + a.lastReply + ">", "References": "<" + a.lastReply + ">"},
			Text:    "Bonjour,\n\nNous n'avons pas reçu les codes d'accès de la nouvelle directrice. Pouvez-vous nous les renvoyer ?\n\nMerci,\nLe service scolaire"}, at)
		if err != nil {
			return err
		}
		if d.State == convention.StateForwarded {
			a.forwarded = req.ID
			s.sample("forwarded", req.ID, d)
		}
	case evHandled:
		if a.forwarded == 0 {
			return nil
		}
		err := s.db.MarkHandled(s.ctx, a.forwarded, StaffMember, at)
		a.forwarded = 0
		return err
	case evQuarantined:
		var nums []int
		for n := a.first; n < a.first+a.size; n++ {
			if a.listed[n] && !a.removed[n] {
				nums = append(nums, n)
			}
		}
		from := fmt.Sprintf("secretariat.%s@orange.fr", strings.SplitN(a.domain, ".", 2)[0])
		req, d, err := s.send(a, samples.Message{From: from, Subject: subject, MessageID: msgID, Date: at, Attachments: []samples.Attachment{a.file(nums)}}, at)
		if err != nil {
			return err
		}
		s.sample("quarantined", req.ID, d)
	}
	return nil
}

func (ev event) kindName() string {
	return [...]string{"liste", "liste", "refus", "liste", "", "ajout", "directeur", "reponse", "", "liste"}[ev.kind]
}

// initial says whether school n is in the commune's first list (not one that opens later).
func (a *archetype) initial(n int) bool {
	for _, ns := range a.reserve {
		for _, m := range ns {
			if m == n {
				return false
			}
		}
	}
	return true
}

func (a *archetype) file(nums []int) samples.Attachment {
	rows := make([]samples.Row, 0, len(nums))
	for _, n := range nums {
		rows = append(rows, schoolRow(n, a.gen[n]))
	}
	return a.rowsFile(rows)
}

func (a *archetype) rowsFile(rows []samples.Row) samples.Attachment {
	if a.xlsx {
		return samples.Attachment{Name: "ecoles-" + a.slug + ".xlsx", ContentType: samples.XLSXType, Data: samples.XLSX(a.name, rows)}
	}
	return samples.Attachment{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV(rows)}
}

// send builds the message, claims and decides it.
func (s *sim) send(a *archetype, m samples.Message, at time.Time) (*sqlite.Request, *convention.Decision, error) {
	m.To = Mailbox
	return s.claimDecide(a, m.Raw(), at)
}

// claimDecide does what the mailbox does with a new message: claim, decide, move.
func (s *sim) claimDecide(a *archetype, raw []byte, at time.Time) (*sqlite.Request, *convention.Decision, error) {
	s.uid++
	req, err := s.db.Claim(s.ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: s.uid}, at, raw)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.h.Decide(s.ctx, req)
	if err != nil {
		return nil, nil, fmt.Errorf("decide: %w", err)
	}
	if err := s.db.MarkMoved(s.ctx, req.ID); err != nil {
		return nil, nil, err
	}
	if err := s.db.SetMailboxState(s.ctx, "INBOX", 1, s.uid, at); err != nil {
		return nil, nil, err
	}
	s.res.requests++
	s.res.arch[req.ID] = a.index
	for _, o := range d.Outgoing {
		if o.Kind == "reply" {
			a.lastReply = messageID(o.Data)
		}
	}
	return req, d, nil
}

func (s *sim) sample(kind string, id int64, d *convention.Decision) {
	if d.State == convention.StateApplied || d.State == convention.StateForwarded || d.State == convention.StateRejected {
		s.res.firstID[kind] = id // the latest
	}
}

// flush sends the outbox: every mail due is marked sent at.
func (s *sim) flush(at time.Time) error {
	for {
		mails, err := s.db.DueOutgoing(s.ctx, at, 500)
		if err != nil {
			return err
		}
		if len(mails) == 0 {
			return nil
		}
		for _, m := range mails {
			if err := s.db.MarkSent(s.ctx, m.ID, at); err != nil {
				return err
			}
		}
	}
}

// provision does the directory work due, as laclasse.com's provisioner does.
func (s *sim) provision(at time.Time) error {
	for {
		t, err := s.db.NextTask(s.ctx, at)
		if errors.Is(err, sqlite.ErrNoneDue) {
			return nil
		} else if err != nil {
			return err
		}
		if err := s.db.TaskDone(s.ctx, t.ID, at); err != nil {
			return err
		}
	}
}

func messageID(data []byte) string {
	i := bytes.Index(data, []byte("\nMessage-ID:"))
	if i < 0 {
		i = bytes.Index(data, []byte("\nMessage-Id:"))
	}
	if i < 0 {
		return ""
	}
	line := data[i+len("\nMessage-ID:"):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return strings.Trim(strings.TrimSpace(string(line)), "<>")
}

func wrongLetter(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func removeInt(xs []int, x int) []int {
	out := xs[:0:0]
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
