package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/samples"
)

// Issue 15: a staff member does their tasks in the console, in a real browser, without a shell:
// find a school and open it, release a quarantined list declaring its sender, revert a list;
// the registry (`schools --json`), the history and the mails show it. Every page passes
// axe-core, and the keyboard alone reaches the actions.

// consoleTasks is a daemon serving the console, whose mailbox held Givors' list of two schools
// and a list from an address no commune declared, both handled.
type consoleTasks struct {
	h           *consoleDaemon
	givors      []samples.Row // the list of Givors' declared sender
	quarantined []samples.Row // the list of the unknown sender
	stranger    string
}

func newConsoleTasks(t *testing.T) *consoleTasks {
	t.Helper()
	c := &consoleTasks{h: startConsoleDaemon(t), givors: samples.Rows(301, 2), quarantined: samples.Rows(311, 2), stranger: "nouvelle.secretaire@ville-givors.fr"}
	now := time.Now()
	c.h.Append(t, listMessage("givors-list@mairie-givors.fr", now, c.givors, nil).Raw(), now)
	stranger := listMessage("stranger-list@ville-givors.fr", now, c.quarantined, nil)
	stranger.From = "Nouvelle secrétaire <" + c.stranger + ">"
	c.h.Append(t, stranger.Raw(), now)
	c.h.WaitRequests(t, 2)
	return c
}

// waitMails waits until the SMTP server took n mails to addr (the daemon sends its outbox
// within seconds of an action), and returns them.
func (c *consoleTasks) waitMails(t *testing.T, addr string, n int) []sentMail {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := mailsTo(c.h.Servers.sent(t), addr)
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// requestOf returns the id of the one request `requests --json` lists with args.
func (c *consoleTasks) requestOf(t *testing.T, args ...string) int64 {
	t.Helper()
	reqs := requestsJSON(t, c.h.Config, args...)
	if len(reqs) != 1 {
		t.Fatalf("requests %v: %+v, want one", args, reqs)
	}
	return reqs[0].ID
}

// show navigates to path and waits for the page's heading.
func (c *consoleTasks) show(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	browse(t, ctx, chromedp.Navigate(c.h.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// flash waits for the sentence an action leaves and returns it.
func flash(t *testing.T, ctx context.Context) string {
	t.Helper()
	browse(t, ctx, chromedp.WaitVisible(chromedp.CSS("p.flash")))
	return browseValue(t, ctx, chromedp.Text(chromedp.CSS("p.flash")))
}

func TestConsoleTasksInBrowser(t *testing.T) {
	c := newConsoleTasks(t)
	h := c.h
	ctx := newBrowser(t)
	signInWithLink(t, ctx, h, "gestion", "Camille")
	axeCheck(t, ctx)
	screenshot(t, ctx, "aujourdhui")
	if text := pageText(t, ctx); !strings.Contains(text, "Messages en quarantaine (1)") || !strings.Contains(text, c.stranger) {
		t.Errorf("the home page does not show the quarantined list:\n%s", text)
	}

	// Find a school by its name, open its page, open its access.
	school := c.givors[0]
	browse(t, ctx, chromedp.SendKeys(chromedp.CSS("#q"), strings.Fields(school.School)[len(strings.Fields(school.School))-1]),
		chromedp.Click(chromedp.CSS("form.recherche button")), chromedp.WaitVisible(chromedp.CSS(`main a[href="/ecoles/`+school.UAI+`"]`)))
	axeCheck(t, ctx)
	screenshot(t, ctx, "recherche")
	if u := pageURL(t, ctx); strings.Contains(u, "?") || strings.Contains(u, "Pasteur") {
		t.Errorf("the search put its term in the URL: %s", u)
	}
	browse(t, ctx, chromedp.Click(chromedp.CSS(`main a[href="/ecoles/`+school.UAI+`"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/ecoles/`+school.UAI+`/activer"]`)))
	axeCheck(t, ctx)
	screenshot(t, ctx, "ecole")
	browse(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/ecoles/`+school.UAI+`/activer"] button`)))
	if f := flash(t, ctx); !strings.Contains(f, "Accès ouvert pour 1 école") {
		t.Errorf("after the activation the page says %q", f)
	}
	if st := statusOf(t, h.Config, school.UAI); st != "active" {
		t.Errorf("school %s is %q in `schools --json` after its activation in the console, want active", school.UAI, st)
	}
	history := run(t, "history", "--json", "--config", h.Config, school.UAI)
	if !strings.Contains(history, `"by": "lien:Camille"`) || !strings.Contains(history, `"staff_action": "activate"`) {
		t.Errorf("the history does not name Camille's activation:\n%s", history)
	}

	// Release the quarantined list as from Givors, declaring its sender.
	q := c.requestOf(t, "--state", "rejected")
	c.show(t, ctx, "/quarantaine")
	axeCheck(t, ctx)
	screenshot(t, ctx, "quarantaine")
	browse(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`main a[href="/demandes/%d"]`, q))), chromedp.WaitVisible(chromedp.CSS("#commune")))
	axeCheck(t, ctx)
	screenshot(t, ctx, "demande-quarantaine")
	browse(t, ctx, chromedp.SendKeys(chromedp.CSS("#commune"), "Givors"), chromedp.Click(chromedp.CSS("#declarer")),
		chromedp.Click(chromedp.CSS(`form[action$="/liberer"] button`)))
	if f := flash(t, ctx); !strings.Contains(f, "sortie de quarantaine") || !strings.Contains(f, c.stranger) {
		t.Errorf("after the release the page says %q", f)
	}
	for _, r := range c.quarantined {
		if st := statusOf(t, h.Config, r.UAI); st != "pending" {
			t.Errorf("school %s of the released list is %q, want pending", r.UAI, st)
		}
	}
	if added := communeByName(t, h.Config, "Givors")["senders_added"]; fmt.Sprint(added) != "["+c.stranger+"]" {
		t.Errorf("senders_added of Givors = %v, want the released list's sender", added)
	}
	if replies := c.waitMails(t, c.stranger, 1); len(replies) != 1 || !strings.Contains(replies[0].Text, c.quarantined[0].UAI) {
		t.Errorf("%d replies to the released list's sender, want 1 naming its schools", len(replies))
	}

	// Revert Givors' first list, after the confirmation page.
	reqs := requestsJSON(t, h.Config, "--commune", "Givors")
	var first int64
	for _, r := range reqs {
		if strings.Contains(r.Sender, "secretariat@mairie-givors.fr") {
			first = r.ID
		}
	}
	if first == 0 {
		t.Fatalf("Givors' first list not in `requests`: %+v", reqs)
	}
	c.show(t, ctx, fmt.Sprintf("/demandes/%d", first))
	axeCheck(t, ctx)
	screenshot(t, ctx, "demande")
	browse(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/annuler"] button`)), chromedp.WaitReady(chromedp.CSS(`input[name="confirme"]`)))
	axeCheck(t, ctx)
	if text := pageText(t, ctx); !strings.Contains(text, fmt.Sprintf("Annuler la demande n° %d", first)) || !strings.Contains(text, c.givors[1].UAI) {
		t.Errorf("the confirmation page does not say what the revert undoes:\n%s", text)
	}
	browse(t, ctx, chromedp.Click(chromedp.CSS(`main form button.danger`)))
	if f := flash(t, ctx); !strings.Contains(f, "annulée") {
		t.Errorf("after the revert the page says %q", f)
	}
	if st := statusOf(t, h.Config, c.givors[1].UAI); st != "removed" {
		t.Errorf("school %s added by the reverted list is %q, want removed", c.givors[1].UAI, st)
	}
	notices := c.waitMails(t, "secretariat@mairie-givors.fr", 2)
	if len(notices) != 2 || !strings.Contains(notices[1].Text, c.givors[1].UAI) {
		t.Errorf("%d mails to Givors' sender, want its reply then the notice of the revert naming %s", len(notices), c.givors[1].UAI)
	}

	// Every other page passes axe-core.
	for path, name := range map[string]string{"/communes": "communes", "/communes/69091": "commune", "/ecoles": "ecoles", "/activations": "activations", "/rapports": "rapports"} {
		c.show(t, ctx, path)
		axeCheck(t, ctx)
		screenshot(t, ctx, name)
	}
}

// TestConsoleKeyboardOnly: signed in through the identity provider, from the top of a school's
// page, the Tab key alone reaches the button that opens its access, and Enter presses it.
func TestConsoleKeyboardOnly(t *testing.T) {
	c := newConsoleTasks(t)
	ctx := newBrowser(t)
	signInWithOIDC(t, ctx, c.h, consoleAgent)
	school := c.givors[1]
	c.show(t, ctx, "/ecoles/"+school.UAI)
	var seen []string
	reached := false
	for range 40 {
		browse(t, ctx, chromedp.KeyEvent(kb.Tab))
		focused := browseValue(t, ctx, chromedp.Evaluate[string](`(document.activeElement.innerText || document.activeElement.value || document.activeElement.tagName).trim()`))
		seen = append(seen, focused)
		if focused == "Marquer l'accès ouvert" {
			reached = true
			break
		}
	}
	if !reached {
		t.Fatalf("Tab never reached the activation; focus went through %q", seen)
	}
	if seen[0] != "Aller au contenu" {
		t.Errorf("the first Tab goes to %q, want the skip link", seen[0])
	}
	browse(t, ctx, chromedp.KeyEvent(kb.Enter))
	if f := flash(t, ctx); !strings.Contains(f, "Accès ouvert pour 1 école") {
		t.Errorf("after Enter the page says %q", f)
	}
	if st := statusOf(t, c.h.Config, school.UAI); st != "active" {
		t.Errorf("school %s is %q after its activation by keyboard, want active", school.UAI, st)
	}
	// Signed in through the identity provider, the staff member is recorded by the address it
	// vouched for.
	if history := run(t, "history", "--json", "--config", c.h.Config, school.UAI); !strings.Contains(history, `"by": "`+consoleAgent+`"`) {
		t.Errorf("the history does not name %s:\n%s", consoleAgent, history)
	}
}

// TestConsoleLectureCannotAct: a lecture session sees the pages but no action, and a POST of
// one is refused; nothing changes in the registry.
func TestConsoleLectureCannotAct(t *testing.T) {
	c := newConsoleTasks(t)
	cl := c.h.SignedInClient(t, "lecture")
	school := c.givors[0]
	status, _, body := cl.Get("/ecoles/" + school.UAI)
	if status != 200 || !strings.Contains(body, school.UAI) || strings.Contains(body, "/activer") {
		t.Fatalf("a school's page for lecture: %d, with an action: %v", status, strings.Contains(body, "/activer"))
	}
	token := cl.CSRF("/")
	if status, _, _ := cl.Post("/ecoles/"+school.UAI+"/activer", url.Values{"csrf": {token}}, nil); status != 403 {
		t.Errorf("an activation by lecture: %d, want 403", status)
	}
	if st := statusOf(t, c.h.Config, school.UAI); st != "pending" {
		t.Errorf("school %s is %q after lecture's POST, want pending", school.UAI, st)
	}
}

// TestConsoleActionsFollowReload: the console is started once, with the staff actions of the
// first wiring; a reload wires the daemon again, and the same actions then run under the new
// configuration (a commune added by the reload can be activated from the console).
func TestConsoleActionsFollowReload(t *testing.T) {
	s := memServers(t)
	path := writeConfig(t, s)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	store, err := m.openStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	first := m.wire(cfg, store).actions
	appendConfig(t, path, "[[commune]]\nname = \"Écully\"\ninsee = \"69081\"\nsenders = [\"@ecully.fr\"]\n")
	next, err := m.reloadConfig(context.Background(), path, cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	again := m.wire(next, store).actions
	if again != first {
		t.Fatal("a reload wired other staff actions: the console, started once, would keep the old ones")
	}
	list, err := first.Communes(context.Background(), time.Now())
	if err != nil || list[len(list)-1].Name != "Écully" {
		t.Fatalf("the console's communes after the reload: %+v, %v; want Écully last", list, err)
	}
	if _, err := first.Activate(context.Background(), "camille", "Écully", nil); err != nil {
		t.Errorf("activate the pending schools of a commune added by the reload: %v", err)
	}
}

// TestConsoleHandledResendTerminate: through the console served by the daemon, a forwarded
// answer is marked handled (it leaves the messages to handle; its page says who), a reply is
// sent again (the commune gets it twice), and a notice of termination is recorded after its
// confirmation page (`communes --json` gives its end, the schools' history names who).
func TestConsoleHandledResendTerminate(t *testing.T) {
	c := newConsoleTasks(t)
	h := c.h
	replies := c.waitMails(t, "secretariat@mairie-givors.fr", 1)
	if len(replies) != 1 {
		t.Fatalf("%d replies to Givors' list, want 1", len(replies))
	}
	replyID := strings.Trim(replies[0].Header.Get("Message-Id"), "<>")
	now := time.Now()
	h.Append(t, samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Re: Écoles de Givors", MessageID: "answer@mairie-givors.fr", Date: now,
		Headers: map[string]string{"In-Reply-To": "<" + replyID + ">"}, Text: "Quand l'école Langevin ouvrira-t-elle ?"}.Raw(), now)
	h.WaitRequests(t, 3)
	fw := c.requestOf(t, "--state", "forwarded")
	cl := h.SignedInClient(t, "gestion")
	token := cl.CSRF("/")
	wantPage := func(path string, want ...string) string {
		t.Helper()
		status, _, body := cl.Get(path)
		if status != 200 {
			t.Fatalf("GET %s: %d", path, status)
		}
		for _, w := range want {
			if !strings.Contains(body, w) && !strings.Contains(body, html.EscapeString(w)) {
				t.Errorf("%s does not say %q", path, w)
			}
		}
		return body
	}
	post := func(path string, form url.Values) string {
		t.Helper()
		form.Set("csrf", token)
		status, loc, body := cl.Post(path, form, nil)
		if status != 303 {
			t.Fatalf("POST %s: %d\n%s", path, status, body)
		}
		return loc
	}
	page := fmt.Sprintf("/demandes/%d", fw)
	wantPage("/", page, "Messages transmis à l'équipe, pas encore traités (1)")
	wantPage(page, "Quand l'école Langevin ouvrira-t-elle ?")
	if loc := post(page+"/traite", url.Values{}); loc != page {
		t.Errorf("mark handled went back to %q", loc)
	}
	wantPage(page, "Message n° "+fmt.Sprint(fw)+" marqué traité.", "par lien:essai-gestion")
	if body := wantPage("/"); strings.Contains(body, page+`"`) {
		t.Error("a forwarded message marked handled is still to handle")
	}
	post(page+"/traite", url.Values{})
	wantPage(page, "Ce message est déjà marqué traité.")

	// Send Givors' reply again.
	list := c.requestOf(t, "--state", "applied", "--commune", "Givors")
	body := wantPage(fmt.Sprintf("/demandes/%d", list))
	_, after, ok := strings.Cut(body, `action="/courriels/`)
	if !ok {
		t.Fatal("no resend on the list's page")
	}
	mailID, _, _ := strings.Cut(after, "/")
	post("/courriels/"+mailID+"/renvoyer", url.Values{"demande": {fmt.Sprint(list)}})
	if got := c.waitMails(t, "secretariat@mairie-givors.fr", 3); len(got) < 3 || got[len(got)-1].Text != replies[0].Text {
		t.Errorf("%d mails to Givors after the resend, want its reply, the acknowledgement, then the reply again", len(got))
	}

	// A notice of termination, once its convention's start is configured.
	h.stop()
	raw, err := os.ReadFile(h.Config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.Config, []byte(strings.Replace(string(raw), "name = \"Givors\"\n", "name = \"Givors\"\nconvention_start = \"2024-03-02\"\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	h.start(t)
	cl = h.SignedInClient(t, "gestion")
	token = cl.CSRF("/")
	status, _, confirm := cl.Post("/communes/69091/resilier", url.Values{"csrf": {token}, "recu": {"2026-11-20"}}, nil)
	if status != 200 || !strings.Contains(confirm, `name="confirme" value="oui"`) {
		t.Fatalf("a termination without its confirmation: %d", status)
	}
	if terms := communeByName(t, h.Config, "Givors")["terminates_at"]; terms != nil {
		t.Fatalf("a termination recorded before its confirmation: %v", terms)
	}
	post("/communes/69091/resilier", url.Values{"recu": {"2026-11-20"}, "confirme": {"oui"}})
	if end := communeByName(t, h.Config, "Givors")["terminates_at"]; end != "2027-03-02" {
		t.Errorf("terminates_at of Givors = %v, want 2027-03-02 (notice on 20 November, three months before 2 March)", end)
	}
	history := run(t, "history", "--json", "--config", h.Config, c.givors[1].UAI)
	if !strings.Contains(history, `"staff_action": "terminate"`) || !strings.Contains(history, `"by": "lien:essai-gestion"`) {
		t.Errorf("the school's history does not name the termination and who recorded it:\n%s", history)
	}
}

// TestConsoleReportsDownload: the reports the console gives are the ones `intaked report -o`
// writes, sheet by sheet and cell by cell, for the school year asked.
func TestConsoleReportsDownload(t *testing.T) {
	c := newConsoleTasks(t)
	cl := c.h.SignedInClient(t, "lecture")
	year := convention.SchoolYear(time.Now(), time.UTC)
	for _, r := range []struct{ path, kind string }{{"/rapports/redevance", "fees"}, {"/rapports/activite", "activity"}} {
		status, _, body := cl.Get(r.path + "?annee=" + year)
		if status != 200 {
			t.Fatalf("GET %s: %d", r.path, status)
		}
		out := filepath.Join(t.TempDir(), r.kind+".xlsx")
		run(t, "report", r.kind, "--config", c.h.Config, "--year", year, "-o", out)
		want, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		got, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s is not a spreadsheet: %v", r.path, err)
		}
		if g, w := got.GetSheetList(), want.GetSheetList(); fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s: sheets %v, want %v", r.path, g, w)
		}
		for _, sheet := range want.GetSheetList() {
			g, _ := got.GetRows(sheet)
			w, _ := want.GetRows(sheet)
			if fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("%s, sheet %s: %v\nwant %v", r.path, sheet, g, w)
			}
		}
		if r.kind == "fees" {
			if rows, _ := got.GetRows(got.GetSheetList()[0]); !strings.Contains(fmt.Sprint(rows), "Givors") {
				t.Errorf("the fee statement does not name Givors: %v", rows)
			}
		}
	}
	// The commune's page gives the fee the statement gives (read from its schools only).
	var st struct {
		Communes []struct {
			Name      string `json:"name"`
			Schools   int    `json:"schools"`
			AmountEUR int    `json:"amount_eur"`
		} `json:"communes"`
	}
	if err := json.Unmarshal([]byte(run(t, "report", "fees", "--json", "--config", c.h.Config, "--year", year)), &st); err != nil {
		t.Fatal(err)
	}
	_, _, page := cl.Get("/communes/69091")
	for _, fee := range st.Communes {
		if want := fmt.Sprintf("Année scolaire %s : %d école(s) à ", year, fee.Schools); fee.Name == "Givors" && (!strings.Contains(page, want) || !strings.Contains(page, fmt.Sprintf("<strong>%d €</strong>", fee.AmountEUR))) {
			t.Errorf("Givors' page does not give its fee of %d € for %d schools", fee.AmountEUR, fee.Schools)
		}
	}
	if len(st.Communes) == 0 || st.Communes[0].Name != "Givors" {
		t.Errorf("the fee statement owes %+v, want Givors", st.Communes)
	}
	// A year that is not one goes back to the reports' page, saying so.
	if status, loc, _ := cl.Get("/rapports/redevance?annee=2026"); status != 303 || loc != "/rapports" {
		t.Errorf("a bad year: %d → %q", status, loc)
	}
}
