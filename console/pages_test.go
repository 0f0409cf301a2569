package console

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sheet"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// The pages and actions, through the console's routes with a signed-in browser: each page on a
// store where real messages were decided, each action through a recording Actions (what the
// shared actions do to the registry is tested through the binary, in cmd/intaked).

// call is one call of an action.
type call struct {
	Name, By, Commune string
	ID                int64
	UAIs              []string
	Flag              bool
}

// fakeActions records the actions asked, and answers err when set.
type fakeActions struct {
	mu    sync.Mutex
	calls []call
	err   error
	// resendFor is the request a resent mail answered.
	resendFor int64
}

func (f *fakeActions) record(c call) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	return f.err
}

func (f *fakeActions) called() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func (f *fakeActions) Activate(_ context.Context, by, commune string, uais []string) ([]convention.School, error) {
	if err := f.record(call{Name: "activate", By: by, Commune: commune, UAIs: uais}); err != nil {
		return nil, err
	}
	return []convention.School{{UAI: "0690001A", Status: convention.StatusActive}}, nil
}
func (f *fakeActions) Release(_ context.Context, by string, id int64, commune string, add bool) (Released, error) {
	err := f.record(call{Name: "release", By: by, ID: id, Commune: commune, Flag: add})
	return Released{Commune: "Givors", State: convention.StateApplied, Changes: 2, SenderAdded: map[bool]string{true: "x@y.fr"}[add]}, err
}
func (f *fakeActions) ResolveHeld(_ context.Context, by string, id int64, drop bool) ([]convention.Change, error) {
	return []convention.Change{{}}, f.record(call{Name: "resolve", By: by, ID: id, Flag: drop})
}
func (f *fakeActions) Revert(_ context.Context, by string, id int64) (*sqlite.RevertView, error) {
	if err := f.record(call{Name: "revert", By: by, ID: id}); err != nil {
		return nil, err
	}
	return &sqlite.RevertView{Undone: []sqlite.Undone{{}, {}}}, nil
}
func (f *fakeActions) MarkHandled(_ context.Context, by string, id int64) error {
	return f.record(call{Name: "handled", By: by, ID: id})
}
func (f *fakeActions) Resend(_ context.Context, by string, id int64) (int64, error) {
	return f.resendFor, f.record(call{Name: "resend", By: by, ID: id})
}
func (f *fakeActions) Terminate(_ context.Context, by, commune string, received time.Time) (time.Time, error) {
	return received.AddDate(1, 0, 0), f.record(call{Name: "terminate", By: by, Commune: commune + " " + received.Format("2006-01-02")})
}
func (f *fakeActions) Report(_ context.Context, kind, year string, w io.Writer) error {
	if err := f.record(call{Name: "report", Commune: kind + " " + year}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "PK-"+kind+"-"+year)
	return err
}
func (f *fakeActions) Communes(context.Context, time.Time) ([]CommuneSettings, error) {
	start := time.Date(2020, 3, 2, 0, 0, 0, 0, time.UTC)
	var out []CommuneSettings
	for _, c := range samples.Communes() {
		cs := CommuneSettings{Name: c.Name, INSEE: c.INSEE, Senders: c.Senders}
		if c.Name == "Givors" {
			cs.ConventionStart, cs.NextAnniversary, cs.NoticeDeadline = &start, time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
		}
		out = append(out, cs)
	}
	return out, nil
}
func (f *fakeActions) Fee(_ context.Context, commune string, now time.Time) (Fee, error) {
	return Fee{Year: "2026-2027", Schools: 3, PerSchoolEUR: 150, AmountEUR: 450}, nil
}
func (f *fakeActions) NextRuns(context.Context, time.Time) ([]Run, error) {
	return []Run{{Job: "digest", Next: time.Date(2026, 9, 15, 5, 0, 0, 0, time.UTC)}}, nil
}
func (f *fakeActions) Mailbox() (string, string) { return "INBOX", "imap.grandlyon.example:993" }

// pagesFixture is a console whose store holds: Givors' list (applied, one row refused),
// a list from an unknown sender (quarantined), and a person's answer to our reply (forwarded).
type pagesFixture struct {
	*testConsole
	acts                                  *fakeActions
	applied, quarantined, forwarded, held int64
	rows                                  []samples.Row
	xlsx                                  []byte
	// decide claims raw as the message of mailbox UID uid and decides it, as the daemon does.
	decide func(uid uint32, raw []byte) int64
}

const staffTo = "equipe@grandlyon.example"

func newPagesFixture(t *testing.T) *pagesFixture {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	f := &pagesFixture{testConsole: newTestConsole(t, Config{Location: paris}), acts: &fakeActions{}}
	f.srv.actions = f.acts
	defer func() { f.acts.resendFor = f.applied }()
	ctx := context.Background()
	if err := f.store.SyncCommunes(ctx, samples.Communes()); err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now
	h := &intake.Handler{Store: f.store, Communes: samples.Communes(), From: samples.Mailbox, Processed: "Traites", Rejected: "Rejetes",
		Calendar: convention.DefaultCalendar(paris), SheetLimits: sheet.DefaultLimits(), MailLimits: mailparse.DefaultLimits(),
		StaffTo: []string{staffTo}, Now: now}
	f.rows = samples.Rows(1, 3)
	bad := samples.Rows(4, 1)
	bad[0].Email = "pas-une-adresse"
	f.xlsx = samples.XLSX("Givors", append(append([]samples.Row{}, f.rows...), bad...))
	list := func(from, id string) []byte {
		return samples.Message{From: from, To: samples.Mailbox, Subject: "Liste des écoles", MessageID: id,
			Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: f.xlsx}}}.Raw()
	}
	decide := func(uid uint32, raw []byte) int64 {
		t.Helper()
		req, err := f.store.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: uid}, now(), raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Decide(ctx, req); err != nil {
			t.Fatal(err)
		}
		return req.ID
	}
	f.decide = decide
	f.applied = decide(1, list("ecoles@mairie-givors.fr", "liste-1@mairie-givors.fr"))
	f.quarantined = decide(2, list("secretariat@autre-mairie.fr", "liste-2@autre-mairie.fr"))
	mails, err := f.store.RequestMails(ctx, f.applied)
	if err != nil || len(mails) == 0 {
		t.Fatalf("the reply to Givors' list: %v, %v", mails, err)
	}
	msg, err := mailparse.Parse(mails[0].Data, mailparse.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	f.forwarded = decide(3, samples.Message{From: "ecoles@mairie-givors.fr", To: samples.Mailbox, Subject: "Re: " + mails[0].Subject, MessageID: "question@mairie-givors.fr",
		Headers: map[string]string{"In-Reply-To": "<" + msg.MessageID + ">"}, Text: "Bonjour, quand l'accès de l'école Jean Jaurès sera-t-il ouvert ?"}.Raw())
	// A later list of Givors holds the removal of its third school for staff.
	req, err := f.store.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: 4}, now(), []byte("From: ecoles@mairie-givors.fr\r\nSubject: Liste\r\n\r\nliste"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Decide(ctx, sqlite.DecideInput{RequestID: req.ID, Commune: "Givors"}, func(sqlite.DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateHeld, Commune: "Givors", Target: "Traites", Sender: "ecoles@mairie-givors.fr",
			Changes: []convention.Change{{Kind: convention.ChangeHoldRemoval, UAI: f.rows[2].UAI, At: now(), Derived: true}}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.held = req.ID
	return f
}

// signedIn returns a browser signed in with role, as Camille.
func (f *pagesFixture) signedIn(t *testing.T, role Role) *browser {
	t.Helper()
	b := f.browser(t)
	f.signInWithLink(t, b, role, "Camille")
	return b
}

// get fetches path, wanting 200, and returns the body.
func (b *browser) get(path string) string {
	b.t.Helper()
	status, _, body := b.do("GET", path, nil, nil)
	if status != http.StatusOK {
		b.t.Fatalf("GET %s: %d\n%s", path, status, body)
	}
	return body
}

// wantIn fails unless body holds every one of want.
func wantIn(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) && !strings.Contains(body, html.EscapeString(w)) {
			t.Errorf("%s does not say %q", what, w)
		}
	}
}

func TestPagesShowTheStore(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleLecture)
	uai := f.rows[0].UAI
	for _, c := range []struct {
		name, path string
		want       []string
	}{
		{"Today", "/", []string{"Messages transmis à l'équipe", fmt.Sprintf("/demandes/%d", f.forwarded), "Messages en quarantaine (1)",
			fmt.Sprintf("/demandes/%d", f.quarantined), "secretariat@autre-mairie.fr", "INBOX sur imap.grandlyon.example:993", "<code>digest</code>", "jamais relevée",
			"Retraits en attente de confirmation", fmt.Sprintf(`<a href="/demandes/%d">n° %d</a>`, f.held, f.held)}},
		{"RequestHeld", fmt.Sprintf("/demandes/%d", f.held), []string{"retraits en attente", "retrait en attente de confirmation", f.rows[2].UAI}},
		{"SchoolHeld", "/ecoles/" + f.rows[2].UAI, []string{"Un retrait de cette école attend la confirmation", fmt.Sprintf("demande n° %d", f.held)}},
		{"Communes", "/communes", []string{`<a href="/communes/69091">Givors</a>`, "Vaulx-en-Velin", "5 commune(s)"}},
		{"Commune", "/communes/69091", []string{"Commune de Givors", uai, f.rows[0].School, "ce." + strings.ToLower(uai) + "@ac-lyon.fr", "@mairie-givors.fr",
			"450 €", "2026-2027", "2 décembre 2026", "2 mars 2027", fmt.Sprintf("/demandes/%d", f.applied), "appliquée", "transmise à l'équipe"}},
		{"Schools", "/ecoles", []string{"3 école(s), par UAI", uai, "en attente d'ouverture"}},
		{"School", "/ecoles/" + uai, []string{f.rows[0].School, "en attente d'ouverture", "28 septembre 2026", "ajout", fmt.Sprintf("demande n° %d", f.applied), "04 72"}},
		{"RequestApplied", fmt.Sprintf("/demandes/%d", f.applied), []string{"ecoles@mairie-givors.fr", "Liste des écoles", "ecoles.xlsx", "lu (xlsx)",
			fmt.Sprintf("/demandes/%d/pieces/1", f.applied), "Modifications faites (3)", uai, "Lignes refusées", "fichier « ecoles.xlsx »", "réponse", "Texte du courriel", "en attente d'envoi"}},
		{"RequestQuarantined", fmt.Sprintf("/demandes/%d", f.quarantined), []string{"en quarantaine", "secretariat@autre-mairie.fr", "aucune (expéditeur non déclaré)"}},
		{"RequestForwarded", fmt.Sprintf("/demandes/%d", f.forwarded), []string{"transmise à l'équipe", "quand l&#39;accès de l&#39;école Jean Jaurès sera-t-il ouvert"}},
		{"Quarantine", "/quarantaine", []string{"1 message(s)", "secretariat@autre-mairie.fr"}},
		{"Activations", "/activations", []string{"3 école(s) à ouvrir", uai, "28 septembre 2026", "14"}},
		{"Reports", "/rapports", []string{"/rapports/redevance", "/rapports/activite", `<option value="2026-2027" selected>`, "2017-2018"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := b.get(c.path)
			wantIn(t, c.path, body, c.want...)
			// Role lecture sees no action.
			if strings.Contains(body, `method="post" action="/ecoles/`) || strings.Contains(body, `action="/demandes/`) || strings.Contains(body, `action="/communes/`) {
				t.Errorf("%s shows an action's form to role lecture", c.path)
			}
		})
	}
}

func TestPagesShowActionsToGestion(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleGestion)
	uai := f.rows[0].UAI
	for path, want := range map[string][]string{
		"/ecoles/" + uai:                           {`action="/ecoles/` + uai + `/activer"`},
		"/communes/69091":                          {`action="/communes/69091/activer"`, "les 3 école(s) en attente", `action="/communes/69091/resilier"`},
		fmt.Sprintf("/demandes/%d", f.applied):     {fmt.Sprintf(`action="/demandes/%d/annuler"`, f.applied), `action="/courriels/`},
		fmt.Sprintf("/demandes/%d", f.quarantined): {fmt.Sprintf(`action="/demandes/%d/liberer"`, f.quarantined), "Déclarer secretariat@autre-mairie.fr", `<option value="Feyzin">`},
		fmt.Sprintf("/demandes/%d", f.forwarded):   {fmt.Sprintf(`action="/demandes/%d/traite"`, f.forwarded)},
		fmt.Sprintf("/demandes/%d", f.held):        {fmt.Sprintf(`action="/demandes/%d/retraits"`, f.held), `value="confirmer"`, `value="abandonner"`, fmt.Sprintf(`action="/demandes/%d/annuler"`, f.held)},
	} {
		wantIn(t, path, b.get(path), want...)
	}
	// A commune whose convention date is unknown offers no termination.
	if body := b.get("/communes/69256"); strings.Contains(body, "/resilier") {
		t.Error("a termination offered for a commune without convention_start")
	}
}

func TestPagesNotFound(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleLecture)
	for _, path := range []string{"/ecoles/0000000A", "/demandes/999", "/demandes/abc", "/communes/00000", "/demandes/1/pieces/9", "/rapports/inconnu"} {
		if status, _, _ := b.do("GET", path, nil, nil); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
}

func TestAttachmentDownload(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleLecture)
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/demandes/%d/pieces/1", f.http.URL, f.applied), nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(data) != string(f.xlsx) {
		t.Fatalf("download: %d, %d bytes, want the %d bytes received", resp.StatusCode, len(data), len(f.xlsx))
	}
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != "application/octet-stream" || cd != `attachment; filename=ecoles.xlsx` {
		t.Errorf("download headers: %q, %q", ct, cd)
	}
	if got := downloadName(`..\..\Windows\évil"name.xlsx`, 2); got != "évilname.xlsx" {
		t.Errorf("downloadName = %q", got)
	}
	if got := downloadName("facture\u202exslx.exe", 2); got != "facturexslx.exe" {
		t.Errorf("downloadName keeps a right-to-left override: %q", got)
	}
	if got := downloadName("a\r\nSet-Cookie: x=1", 2); got != "aSet-Cookie: x=1" {
		t.Errorf("downloadName keeps a line break: %q", got)
	}
	if got := downloadName("", 2); got != "piece-2" {
		t.Errorf("downloadName of nothing = %q", got)
	}
}

func TestSearch(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleLecture)
	token := b.csrf("/")
	search := func(q string) string {
		t.Helper()
		status, _, body := b.do("POST", "/recherche", url.Values{"csrf": {token}, "q": {q}}, nil)
		if status != http.StatusOK {
			t.Fatalf("search %q: %d", q, status)
		}
		return body
	}
	uai := f.rows[1].UAI
	wantIn(t, "search by UAI", search(strings.ToLower(uai)), `href="/ecoles/`+uai+`"`)
	wantIn(t, "search by name", search("pasteur"), `href="/ecoles/`+f.rows[0].UAI+`"`, "Louis Pasteur")
	wantIn(t, "search by commune", search("givo"), `<a href="/communes/69091">Givors</a>`)
	wantIn(t, "search by address", search("SECRETARIAT@autre-mairie.fr"), fmt.Sprintf("/demandes/%d", f.quarantined), "Demandes de cet expéditeur (1)")
	wantIn(t, "search for nothing", search("zzzz"), "Rien trouvé")
	// Never in a URL: a GET is no search, and a POST needs its token.
	if status, _, _ := b.do("GET", "/recherche?q=secretariat@autre-mairie.fr", nil, nil); status == http.StatusOK {
		t.Error("a search by GET answered")
	}
	if status, _, _ := b.do("POST", "/recherche", url.Values{"q": {"givors"}}, nil); status != http.StatusForbidden {
		t.Errorf("a search without its token: %d, want 403", status)
	}
}

// actionCase is one action of the console: its path, form, and the call it makes.
type actionCase struct {
	name, path string
	form       url.Values
	want       call
	back       string
}

func (f *pagesFixture) actionCases() []actionCase {
	uai := f.rows[0].UAI
	q, a, fw := fmt.Sprint(f.quarantined), fmt.Sprint(f.applied), fmt.Sprint(f.forwarded)
	return []actionCase{
		{"ActivateSchool", "/ecoles/" + uai + "/activer", nil, call{Name: "activate", UAIs: []string{uai}}, "/ecoles/" + uai},
		{"ActivateCommune", "/communes/69091/activer", nil, call{Name: "activate", Commune: "Givors"}, "/communes/69091"},
		{"Release", "/demandes/" + q + "/liberer", url.Values{"commune": {"givors"}, "declarer": {"oui"}}, call{Name: "release", ID: f.quarantined, Commune: "givors", Flag: true}, "/demandes/" + q},
		{"DropHeld", "/demandes/" + a + "/retraits", url.Values{"decision": {"abandonner"}}, call{Name: "resolve", ID: f.applied, Flag: true}, "/demandes/" + a},
		{"ConfirmHeld", "/demandes/" + a + "/retraits", url.Values{"decision": {"confirmer"}, "confirme": {"oui"}}, call{Name: "resolve", ID: f.applied}, "/demandes/" + a},
		{"Revert", "/demandes/" + a + "/annuler", url.Values{"confirme": {"oui"}}, call{Name: "revert", ID: f.applied}, "/demandes/" + a},
		{"MarkHandled", "/demandes/" + fw + "/traite", nil, call{Name: "handled", ID: f.forwarded}, "/demandes/" + fw},
		{"Resend", "/courriels/5/renvoyer", url.Values{"demande": {a}}, call{Name: "resend", ID: 5}, "/demandes/" + a},
		{"Terminate", "/communes/69091/resilier", url.Values{"recu": {"2026-11-20"}, "confirme": {"oui"}}, call{Name: "terminate", Commune: "Givors 2026-11-20"}, "/communes/69091"},
	}
}

func TestActionsCallTheSharedActions(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleGestion)
	token := b.csrf("/")
	for i, c := range f.actionCases() {
		t.Run(c.name, func(t *testing.T) {
			form := withCSRF(token, c.form)
			status, loc, body := b.do("POST", c.path, form, nil)
			if status != http.StatusSeeOther || loc != c.back {
				t.Fatalf("POST %s: %d → %q, want 303 → %s\n%s", c.path, status, loc, c.back, body)
			}
			calls := f.acts.called()
			if len(calls) != i+1 {
				t.Fatalf("%d actions called, want %d", len(calls), i+1)
			}
			got := calls[i]
			c.want.By = "lien:Camille"
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("called %+v, want %+v", got, c.want)
			}
			// The page it goes back to says what was done, once.
			page := b.get(loc)
			if !strings.Contains(page, `class="flash"`) {
				t.Errorf("%s after %s shows no flash", loc, c.name)
			}
			if again := b.get(loc); strings.Contains(again, `class="flash"`) {
				t.Errorf("the flash of %s shows twice", c.name)
			}
		})
	}
}

// withCSRF returns form with the CSRF token token added.
func withCSRF(token string, form url.Values) url.Values {
	out := url.Values{"csrf": {token}}
	for k, v := range form {
		out[k] = v
	}
	return out
}

func TestActionsNeedGestion(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleLecture)
	token := b.csrf("/")
	for _, c := range f.actionCases() {
		form := withCSRF(token, c.form)
		if status, _, _ := b.do("POST", c.path, form, nil); status != http.StatusForbidden {
			t.Errorf("%s by role lecture: %d, want 403", c.name, status)
		}
	}
	if calls := f.acts.called(); len(calls) != 0 {
		t.Errorf("role lecture made actions: %+v", calls)
	}
}

func TestRemovingActionsAskFirst(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleGestion)
	token := b.csrf("/")
	a := fmt.Sprint(f.applied)
	for _, c := range []struct {
		name, path string
		form       url.Values
		want       []string
	}{
		{"Revert", "/demandes/" + a + "/annuler", nil, []string{"Annuler la demande n° " + a, f.rows[0].UAI}},
		{"ConfirmHeld", "/demandes/" + a + "/retraits", url.Values{"decision": {"confirmer"}}, []string{"Confirmer les retraits de la demande n° " + a, `name="decision" value="confirmer"`}},
		{"Terminate", "/communes/69091/resilier", url.Values{"recu": {"2026-11-20"}}, []string{"préavis de résiliation de la convention de Givors", "20 novembre 2026", `name="recu" value="2026-11-20"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			form := withCSRF(token, c.form)
			status, _, body := b.do("POST", c.path, form, nil)
			if status != http.StatusOK {
				t.Fatalf("POST %s without confirmation: %d, want the confirmation page", c.path, status)
			}
			wantIn(t, "the confirmation page", body, append(c.want, `action="`+c.path+`"`, `name="confirme" value="oui"`, `name="csrf" value="`+token+`"`, "Ne rien faire")...)
		})
	}
	if calls := f.acts.called(); len(calls) != 0 {
		t.Errorf("actions made before their confirmation: %+v", calls)
	}
}

func TestActionErrorsSaidInFrench(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleGestion)
	token := b.csrf("/")
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("request 1: %w", sqlite.ErrNotRevertible), templates.ConsoleErrNotRevertible},
		{fmt.Errorf("x: %w", intake.ErrNotReleasable), templates.ConsoleErrNotReleasable},
		{fmt.Errorf("x: %w", ErrNeedCommune), templates.ConsoleErrNeedCommune},
		{errors.New("disk full"), templates.ConsoleErrFailed},
	} {
		f.acts.err = c.err
		status, loc, _ := b.do("POST", fmt.Sprintf("/demandes/%d/annuler", f.applied), url.Values{"csrf": {token}, "confirme": {"oui"}}, nil)
		if status != http.StatusSeeOther {
			t.Fatalf("a failed action: %d", status)
		}
		page := b.get(loc)
		wantIn(t, "the page after a failed action", page, c.want)
	}
	// A date that is not one.
	f.acts.err = nil
	_, loc, _ := b.do("POST", "/communes/69091/resilier", url.Values{"csrf": {token}, "recu": {"20/11/2026"}}, nil)
	wantIn(t, "a bad date", b.get(loc), templates.ConsoleErrBadDate)
}

func TestReportDownload(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleLecture)
	status, _, body := b.do("GET", "/rapports/redevance?annee=2025-2026", nil, nil)
	if status != http.StatusOK || body != "PK-fees-2025-2026" {
		t.Errorf("fee statement: %d %q", status, body)
	}
	status, _, body = b.do("GET", "/rapports/activite?annee=2024-2025", nil, nil)
	if status != http.StatusOK || body != "PK-activity-2024-2025" {
		t.Errorf("activity report: %d %q", status, body)
	}
	f.acts.err = fmt.Errorf("x: %w", ErrBadYear)
	status, loc, _ := b.do("GET", "/rapports/redevance?annee=2025", nil, nil)
	if status != http.StatusSeeOther || loc != "/rapports" {
		t.Fatalf("a bad year: %d → %q", status, loc)
	}
	wantIn(t, "the reports after a bad year", b.get(loc), templates.ConsoleErrBadYear)
}

func TestPager(t *testing.T) {
	p := newPager("/ecoles", nil, 2, 250, 100)
	if p.Pages != 3 || p.Prev != "/ecoles?page=1" || p.Next != "/ecoles?page=3" {
		t.Errorf("page 2 of 250 rows: %+v", p)
	}
	if p := newPager("/ecoles", nil, 3, 250, 100); p.Next != "" || p.Prev == "" {
		t.Errorf("the last page: %+v", p)
	}
	if p := newPager("/communes/69091", nil, 1, 100, 100); p.Next != "" || p.Prev != "" {
		t.Errorf("one page: %+v", p)
	}
	// A commune's requests page on their own parameter and jump back to their list.
	if p := newRequestsPager("/communes/69091", 2, 3*communeRequestsPerPage); p.Prev != "/communes/69091?demandes=1#demandes" || p.Next != "/communes/69091?demandes=3#demandes" {
		t.Errorf("the commune's requests, page 2 of 3: %+v", p)
	}
	var b strings.Builder
	if err := templates.ConsolePage(&b, "schools", templates.ConsoleView{Title: "Écoles", Data: schoolsData{Pager: newPager("/ecoles", nil, 2, 250, 100)}}); err != nil {
		t.Fatal(err)
	}
	wantIn(t, "the schools' page 2", b.String(), `href="/ecoles?page=1" rel="prev"`, `href="/ecoles?page=3" rel="next"`, "page 2 sur 3")
}
