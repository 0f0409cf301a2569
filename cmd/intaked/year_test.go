package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sheet"
)

// year drives one configuration through a simulated year.
type year struct {
	t    *testing.T
	s    servers
	cfg  string
	seen int // mails already looked at
}

func (y *year) at(date string) string { return "--now=" + date }

// deliver appends a commune's message, received at the given time.
func (y *year) deliver(from, subject, id, date string, rows []samples.Row) time.Time {
	commune := "Givors"
	if strings.Contains(from, "vaulx") {
		commune = "Vaulx-en-Velin"
	}
	y.t.Helper()
	at, err := time.Parse(time.RFC3339, date)
	if err != nil {
		y.t.Fatal(err)
	}
	m := samples.Message{From: from, To: samples.Mailbox, Subject: subject, MessageID: id, Date: at,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX(commune, rows)}}}
	y.s.append(y.t, m.Raw(), at)
	return at
}

// once runs the daemon once on that date and returns the mails it sent.
func (y *year) once(date string) []sentMail {
	y.t.Helper()
	run(y.t, "run", "--once", "--config", y.cfg, y.at(date))
	all := y.s.sent(y.t)
	out := all[y.seen:]
	y.seen = len(all)
	return out
}

type schoolState struct {
	UAI, Status string
	Admin       struct{ Email string }
}

func (y *year) schools(date string) map[string]schoolState {
	y.t.Helper()
	var list []schoolState
	if err := json.Unmarshal([]byte(run(y.t, "schools", "--json", "--config", y.cfg, y.at(date))), &list); err != nil {
		y.t.Fatal(err)
	}
	m := map[string]schoolState{}
	for _, s := range list {
		m[s.UAI] = s
	}
	return m
}

type communeState struct {
	Name             string
	ActiveSchools    int      `json:"active_schools"`
	LastListAt       *string  `json:"last_list_at"`
	RenewedByDefault []string `json:"renewed_by_default"`
}

func (y *year) communes(date string) map[string]communeState {
	y.t.Helper()
	var list []communeState
	if err := json.Unmarshal([]byte(run(y.t, "communes", "--json", "--config", y.cfg, y.at(date))), &list); err != nil {
		y.t.Fatal(err)
	}
	m := map[string]communeState{}
	for _, c := range list {
		m[c.Name] = c
	}
	return m
}

// to returns the mails among sent whose recipients include addr (or whose subject has part).
func to(sent []sentMail, addr, subjectPart string) []sentMail {
	var out []sentMail
	for _, m := range sent {
		for _, r := range m.To {
			if strings.EqualFold(r, addr) && strings.Contains(m.Subject, subjectPart) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

const (
	givorsFrom = "Secrétariat <secretariat@mairie-givors.fr>"
	vaulxFrom  = "Éducation <education@mairie-vaulx-en-velin.fr>"
	metropole  = "ent@grandlyon.example"
)

func TestYearMemServers(t *testing.T)  { testYear(t, memServers(t)) }
func TestYearRealServers(t *testing.T) { testYear(t, realServers(t)) }

// testYear is the calendar issue's year on a simulated clock (in the past: Dovecot replaces an
// INTERNALDATE in the future with the time of the APPEND): adhesion in September, an addition
// in January, the reminders in June, one commune sending its yearly list and the other not, the
// renewal on 20 June, the yearly update in July and the Métropole's reminder in August.
func testYear(t *testing.T, s servers) {
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	givors, vaulx := samples.Rows(101, 4), samples.Rows(701, 3)

	// 1. Adhesion in September; access opened by hand.
	y.deliver(givorsFrom, "Adhésion", "adh-givors@x", "2024-09-14T09:00:00+02:00", givors)
	y.deliver(vaulxFrom, "Adhésion", "adh-vaulx@x", "2024-09-14T09:30:00+02:00", vaulx)
	if sent := y.once("2024-09-14T11:00:00+02:00"); len(to(sent, "secretariat@mairie-givors.fr", "Re: Adhésion")) != 1 || len(to(sent, "education@mairie-vaulx-en-velin.fr", "Re: Adhésion")) != 1 {
		t.Fatalf("September: %d mails, want one reply to each commune", len(sent))
	}
	var uais []string
	for _, r := range append(append([]samples.Row{}, givors...), vaulx...) {
		uais = append(uais, r.UAI)
	}
	run(t, append([]string{"activate", "--config", y.cfg, "--now=2024-09-20T10:00:00+02:00"}, uais...)...)
	if c := y.communes("2024-10-01T00:00:00+02:00"); c["Givors"].ActiveSchools != 4 || c["Vaulx-en-Velin"].ActiveSchools != 3 {
		t.Fatalf("October: communes %+v", c)
	}

	// 2. An addition in January: pending with its due date, outside the campaign.
	added := samples.Rows(120, 1)
	y.deliver(givorsFrom, "Ajout d'une école", "add-givors@x", "2025-01-15T10:00:00+01:00", added)
	y.once("2025-01-15T11:00:00+01:00")
	if st := y.schools("2025-01-16T00:00:00+01:00"); st[added[0].UAI].Status != "pending" || st[givors[0].UAI].Status != "active" {
		t.Fatalf("January: %+v", st[added[0].UAI])
	}
	run(t, "activate", "--config", y.cfg, "--now=2025-01-20T10:00:00+01:00", added[0].UAI)

	// 3. The reminders of 1 June go to both communes, with their current list attached.
	sent := y.once("2025-06-01T09:05:00+02:00")
	for _, who := range []string{"t.morel@mairie-givors.fr", "t.morel@mairie-vaulx-en-velin.fr"} {
		r := to(sent, who, "vos écoles pour l'année 2025-2026")
		if len(r) != 1 {
			t.Fatalf("1 June: %d reminders to %s", len(r), who)
		}
		if who == "t.morel@mairie-givors.fr" {
			_, files := parts(t, r[0].Raw)
			if len(files) != 1 {
				t.Fatalf("the reminder carries %d files, want the filled model", len(files))
			}
			l, err := sheet.Read(context.Background(), files[0].Name, files[0].Data, sheet.DefaultLimits())
			if err != nil || len(l.Schools) != 5 || len(l.Errors()) != 0 {
				t.Fatalf("the model attached does not read back as Givors' 5 schools: %v, %+v", err, l)
			}
		}
	}

	// 4. Vaulx sends its whole list for next year, without an action column: one school left out
	// (removed at the yearly update), one new administrator (pending again).
	yearly := []samples.Row{vaulx[0], vaulx[1]}
	yearly[1].Email, yearly[1].LastName = "nouvelle.directrice@ac-lyon.fr", "NOUVELLE"
	y.deliver(vaulxFrom, "Liste 2025-2026", "yearly-vaulx@x", "2025-06-05T10:00:00+02:00", yearly)
	sent = y.once("2025-06-05T11:00:00+02:00")
	reply := to(sent, "education@mairie-vaulx-en-velin.fr", "Re: Liste")
	if len(reply) != 1 || !strings.Contains(reply[0].Text, vaulx[2].UAI) || !strings.Contains(reply[0].Text, "absente de la liste reçue") || !strings.Contains(reply[0].Text, "2025-2026") {
		t.Fatalf("the reply to the yearly list does not show the derived removal:\n%+v", reply)
	}
	st := y.schools("2025-06-06T00:00:00+02:00")
	if st[vaulx[2].UAI].Status != "active" || st[vaulx[1].UAI].Status != "pending" || st[vaulx[1].UAI].Admin.Email != "nouvelle.directrice@ac-lyon.fr" {
		t.Fatalf("June: a removal waits for the yearly update, a new administrator is pending: %+v", st)
	}

	// 5. The reminder of 13 June goes to Givors only.
	sent = y.once("2025-06-13T09:05:00+02:00")
	if len(to(sent, "t.morel@mairie-givors.fr", "vos écoles")) != 1 || len(to(sent, "t.morel@mairie-vaulx-en-velin.fr", "vos écoles")) != 0 {
		t.Fatalf("13 June: the reminder must go to Givors only (%d mails)", len(sent))
	}

	// 6. On 20 June Givors' list is renewed by default; the commune and the Métropole are told.
	sent = y.once("2025-06-20T00:05:00+02:00")
	if len(to(sent, "t.morel@mairie-givors.fr", "reconduite pour 2025-2026")) != 1 || len(to(sent, metropole, "reconductions par défaut")) != 1 {
		t.Fatalf("20 June: no renewal notice (%d mails)", len(sent))
	}
	if len(to(sent, "t.morel@mairie-vaulx-en-velin.fr", "reconduite")) != 0 {
		t.Fatal("Vaulx sent its list and must not be renewed")
	}
	c := y.communes("2025-06-21T00:00:00+02:00")
	if got := c["Givors"].RenewedByDefault; len(got) != 1 || got[0] != "2025-2026" || len(c["Vaulx-en-Velin"].RenewedByDefault) != 0 {
		t.Fatalf("communes: %+v", c)
	}

	// 7. The yearly update of 1 July removes what Vaulx left out; its history stays.
	sent = y.once("2025-07-01T00:05:00+02:00")
	if r := to(sent, metropole, "mise à jour annuelle"); len(r) != 1 || !strings.Contains(r[0].Text, vaulx[2].UAI) {
		t.Fatalf("1 July: no yearly update report naming %s", vaulx[2].UAI)
	}
	if st := y.schools("2025-07-02T00:00:00+02:00"); st[vaulx[2].UAI].Status != "removed" {
		t.Fatalf("July: %s is %q, want removed", vaulx[2].UAI, st[vaulx[2].UAI].Status)
	}
	if st := y.schools("2025-06-30T00:00:00+02:00"); st[vaulx[2].UAI].Status != "active" {
		t.Fatalf("the history replays: on 30 June %s was %q, want active", vaulx[2].UAI, st[vaulx[2].UAI].Status)
	}

	// 8. The Métropole's reminder of 1 August lists what is still to apply.
	sent = y.once("2025-08-01T09:05:00+02:00")
	if r := to(sent, metropole, "avant le 20 août"); len(r) != 1 || !strings.Contains(r[0].Text, vaulx[1].UAI) {
		t.Fatalf("1 August: no reminder naming the new administrator of %s (%d mails)", vaulx[1].UAI, len(sent))
	}
	// A second run on the same day sends nothing again.
	if sent := y.once("2025-08-01T10:00:00+02:00"); len(sent) != 0 {
		t.Fatalf("a second run sent %d mails", len(sent))
	}
}

func TestStoppedDuringRenewalMemServers(t *testing.T)  { testStoppedDuringRenewal(t, memServers(t)) }
func TestStoppedDuringRenewalRealServers(t *testing.T) { testStoppedDuringRenewal(t, realServers(t)) }

// testStoppedDuringRenewal stops the daemon from 18 to 22 June: it renews on start.
func testStoppedDuringRenewal(t *testing.T, s servers) {
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	y.deliver(givorsFrom, "Adhésion", "adh-givors@x", "2024-09-14T09:00:00+02:00", samples.Rows(101, 2))
	y.once("2024-09-14T11:00:00+02:00")
	y.once("2025-06-17T18:00:00+02:00") // the reminders of 1 and 13 June, caught up
	if c := y.communes("2025-06-17T18:00:00+02:00"); len(c["Givors"].RenewedByDefault) != 0 {
		t.Fatal("renewed before the date")
	}
	sent := y.once("2025-06-22T08:00:00+02:00")
	if len(to(sent, "t.morel@mairie-givors.fr", "reconduite pour 2025-2026")) != 1 {
		t.Fatalf("22 June: the renewal missed while stopped was not made (%d mails)", len(sent))
	}
	for _, m := range sent {
		if strings.Contains(m.Subject, "vos écoles pour") {
			t.Errorf("a reminder past its deadline was sent: %s", m.Subject)
		}
	}
	if c := y.communes("2025-06-22T08:00:00+02:00"); len(c["Givors"].RenewedByDefault) != 1 {
		t.Fatalf("communes: %+v", c)
	}
}
