package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/laclasse/intake/internal/samples"
)

// Issue 15, "done when": every task of the console done in the real browser, the registry, the
// history and the mails checked after each, and axe-core on the pages the other browser tests
// do not reach (the one-time link's pages, an unknown page, a refused form, a request holding
// removals, a forwarded message, each confirmation page). TestConsoleTasksInBrowser does the
// activation of one school, the release declaring its sender and the revert; this test does
// the rest: a commune's pending schools, a release without declaring the sender, a reply sent
// again, a forwarded message marked handled, held removals dropped then confirmed, a notice of
// termination.

// waitText waits until the page shown says want (which holds no double quote) in its main
// part; like the other waits, it bears a navigation in progress.
func waitText(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	browse(t, ctx, chromedp.WaitVisible(chromedp.Search(`//main[contains(., "`+want+`")]`)))
}

// exists reports whether the page shown has an element matching css.
func exists(t *testing.T, ctx context.Context, css string) bool {
	t.Helper()
	js, _ := json.Marshal(css)
	return browseValue(t, ctx, chromedp.Evaluate[bool](`document.querySelector(`+string(js)+`) !== null`))
}

// tabTo presses Tab until the focus is on the element whose text is label, from the top of the
// page shown, and fails the test if 40 presses do not reach it.
func tabTo(t *testing.T, ctx context.Context, label string) {
	t.Helper()
	var seen []string
	for range 40 {
		browse(t, ctx, chromedp.KeyEvent(kb.Tab))
		focused := browseValue(t, ctx, chromedp.Evaluate[string](`(document.activeElement.innerText || document.activeElement.value || document.activeElement.tagName).trim()`))
		if focused == label {
			return
		}
		seen = append(seen, focused)
	}
	t.Fatalf("Tab never reached %q; focus went through %q", label, seen)
}

// campaignDay is a day of the last yearly campaign gone by (11 May), on which the held lists
// are received: a full list is only read as such in the campaign.
func campaignDay(now time.Time, day int) time.Time {
	y := now.Year()
	if now.Month() < time.July {
		y--
	}
	return time.Date(y, time.May, day, 10, 0, 0, 0, time.UTC)
}

func TestConsoleEveryTaskInBrowser(t *testing.T) {
	c := newConsoleTasks(t)
	h := c.h
	ctx := newBrowser(t)

	// The one-time link: its page, then, used, its refusal.
	link := h.consoleLink(t, "--role", "gestion", "--as", "Dominique")
	browse(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`main form button[type="submit"]`)))
	axeCheck(t, ctx)
	screenshot(t, ctx, "lien")
	browse(t, ctx, chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`nav[aria-label]`)))
	browse(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`main form button[type="submit"]`)))
	browse(t, ctx, chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)), chromedp.WaitNotPresent(chromedp.CSS(`main form`)))
	waitText(t, ctx, "a déjà servi")
	axeCheck(t, ctx)

	// A page that does not exist, and a form whose CSRF token was changed: refused, and said so
	// accessibly; nothing changes.
	c.show(t, ctx, "/ecoles/0000000A")
	waitText(t, ctx, "Cette page n'existe pas")
	axeCheck(t, ctx)
	school := c.givors[0]
	c.show(t, ctx, "/ecoles/"+school.UAI)
	browse(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action$="/activer"] input[name="csrf"]').value = "forge"`),
		chromedp.Click(chromedp.CSS(`form[action$="/activer"] button`)))
	waitText(t, ctx, "Ce formulaire a expiré")
	axeCheck(t, ctx)
	if st := statusOf(t, h.Config, school.UAI); st != "pending" {
		t.Errorf("school %s is %q after a POST with a forged token, want pending", school.UAI, st)
	}

	// Release the quarantined list as from Givors, without declaring its sender.
	q := c.requestOf(t, "--state", "rejected")
	c.show(t, ctx, fmt.Sprintf("/demandes/%d", q))
	browse(t, ctx, chromedp.SendKeys(chromedp.CSS("#commune"), "Givors"), chromedp.Click(chromedp.CSS(`form[action$="/liberer"] button`)))
	if f := flash(t, ctx); !strings.Contains(f, "sortie de quarantaine") || strings.Contains(f, c.stranger) {
		t.Errorf("after the release without the sender the page says %q", f)
	}
	if added := communeByName(t, h.Config, "Givors")["senders_added"]; added != nil && fmt.Sprint(added) != "[]" {
		t.Errorf("senders_added of Givors = %v after a release without declaring its sender", added)
	}
	for _, r := range c.quarantined {
		if st := statusOf(t, h.Config, r.UAI); st != "pending" {
			t.Errorf("school %s of the released list is %q, want pending", r.UAI, st)
		}
	}
	if replies := c.waitMails(t, c.stranger, 1); len(replies) != 1 || !strings.Contains(replies[0].Text, c.quarantined[0].UAI) {
		t.Errorf("%d replies to the released list's sender, want 1 naming its schools", len(replies))
	}

	// Search for nothing known, then for the sender's address: its requests (axe-core on both).
	for _, term := range []string{"zzzz", c.stranger} {
		browse(t, ctx, chromedp.SendKeys(chromedp.CSS("#q"), term), chromedp.Click(chromedp.CSS("form.recherche button")),
			chromedp.WaitVisible(chromedp.Search(`//main[contains(., "Résultats pour « `+term+` »")]`)))
		axeCheck(t, ctx)
	}
	if text := pageText(t, ctx); !strings.Contains(text, "Demandes de cet expéditeur (1)") {
		t.Errorf("the search for the sender's address does not give its request:\n%s", text)
	}

	// Open every pending school of Givors from its page.
	c.show(t, ctx, "/communes/69091")
	browse(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/communes/69091/activer"] button`)))
	if f := flash(t, ctx); !strings.Contains(f, "Accès ouvert pour 4 écoles") {
		t.Errorf("after the commune's activation the page says %q", f)
	}
	for _, r := range append(append([]samples.Row{}, c.givors...), c.quarantined...) {
		if st := statusOf(t, h.Config, r.UAI); st != "active" {
			t.Errorf("school %s is %q after its commune's activation, want active", r.UAI, st)
		}
	}
	if history := run(t, "history", "--json", "--config", h.Config, c.quarantined[1].UAI); !strings.Contains(history, `"by": "lien:Dominique"`) {
		t.Errorf("the history does not name Dominique's activation:\n%s", history)
	}

	// Send Givors' reply again, from its list's page.
	var list int64
	for _, r := range requestsJSON(t, h.Config, "--state", "applied", "--commune", "Givors") {
		if strings.Contains(r.Sender, "secretariat@mairie-givors.fr") {
			list = r.ID
		}
	}
	replies := c.waitMails(t, "secretariat@mairie-givors.fr", 1)
	if list == 0 || len(replies) != 1 {
		t.Fatalf("Givors' list %d, %d replies to it", list, len(replies))
	}
	c.show(t, ctx, fmt.Sprintf("/demandes/%d", list))
	browse(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/renvoyer"] button`)))
	if f := flash(t, ctx); !strings.Contains(f, "remis en file d'envoi") {
		t.Errorf("after the resend the page says %q", f)
	}
	if got := c.waitMails(t, "secretariat@mairie-givors.fr", 2); len(got) != 2 || got[1].Text != replies[0].Text {
		t.Errorf("%d mails to Givors after the resend, want its reply twice", len(got))
	}

	// A person answers our reply: the message is forwarded; mark it handled from the home page.
	now := time.Now()
	h.Append(t, samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Re: Écoles de Givors", MessageID: "question@mairie-givors.fr", Date: now,
		Headers: map[string]string{"In-Reply-To": "<" + strings.Trim(replies[0].Header.Get("Message-Id"), "<>") + ">"}, Text: "Qui ouvre les comptes des enseignants ?"}.Raw(), now)
	h.WaitRequests(t, 3)
	fw := c.requestOf(t, "--state", "forwarded")
	page := fmt.Sprintf("/demandes/%d", fw)
	c.show(t, ctx, "/")
	browse(t, ctx, chromedp.Click(chromedp.CSS(`main a[href="`+page+`"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/traite"] button`)))
	axeCheck(t, ctx)
	browse(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/traite"] button`)))
	if f := flash(t, ctx); f != fmt.Sprintf("Message n° %d marqué traité.", fw) {
		t.Errorf("after marking handled the page says %q", f)
	}
	if text := pageText(t, ctx); !strings.Contains(text, "par lien:Dominique") || exists(t, ctx, `form[action$="/traite"]`) {
		t.Errorf("the forwarded message's page does not say who handled it, or still offers it:\n%s", text)
	}
	c.show(t, ctx, "/")
	if exists(t, ctx, `main a[href="`+page+`"]`) {
		t.Error("a forwarded message marked handled is still on the home page")
	}

	// A one-row list in the campaign holds the removal of Givors' three other schools: drop
	// them (they stay), then, held again by a second list, confirm them.
	keep := c.givors[0]
	held := func(n int, row samples.Row) int64 {
		t.Helper()
		at := campaignDay(now, 10+n)
		msg := listMessage(fmt.Sprintf("held-%d@mairie-givors.fr", n), at, []samples.Row{row}, nil)
		msg.Subject = "Liste des écoles"
		before := len(mailsTo(h.Servers.sent(t), "secretariat@mairie-givors.fr"))
		h.Append(t, msg.Raw(), at)
		h.WaitRequests(t, 3+n)
		id := c.requestOf(t, "--state", "held")
		if got := c.waitMails(t, "secretariat@mairie-givors.fr", before+1); len(got) != before+1 || !strings.Contains(got[before].Text, "Cette liste retirerait 3 de vos 4 écoles") {
			t.Fatalf("%d mails to Givors, want %d, the last the reply to the held list saying so", len(got), before+1)
		}
		c.show(t, ctx, "/")
		browse(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`main a[href="/demandes/%d"]`, id))), chromedp.WaitVisible(chromedp.CSS(`form[action$="/retraits"] button`)))
		return id
	}
	others := []samples.Row{c.givors[1], c.quarantined[0], c.quarantined[1]}
	first := held(1, keep)
	axeCheck(t, ctx)
	screenshot(t, ctx, "demande-retraits")
	browse(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/retraits"] button.secondaire`)))
	if f := flash(t, ctx); f != fmt.Sprintf("Retraits de la demande n° %d abandonnés : les 3 école(s) restent.", first) {
		t.Errorf("after dropping the removals the page says %q", f)
	}
	st := heldSchools(t, h.Config)
	for _, r := range others {
		if s := st[r.UAI]; s.Status != "active" || s.RemoveAt != nil {
			t.Errorf("school %s after its removal was dropped: %+v, want active, no removal", r.UAI, s)
		}
	}
	if history := run(t, "history", "--json", "--config", h.Config, others[0].UAI); !strings.Contains(history, `"kind": "drop_remove"`) || !strings.Contains(history, `"by": "lien:Dominique"`) {
		t.Errorf("the history does not name Dominique's drop:\n%s", history)
	}

	again := keep
	again.Phone = "04 78 00 00 01" // another file: not a repeat of the first list
	second := held(2, again)
	browse(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/retraits"] button.danger`)), chromedp.WaitReady(chromedp.CSS(`input[name="confirme"]`)))
	axeCheck(t, ctx)
	screenshot(t, ctx, "confirmation")
	if text := pageText(t, ctx); !strings.Contains(text, fmt.Sprintf("Confirmer les retraits de la demande n° %d", second)) || !strings.Contains(text, others[2].UAI) {
		t.Errorf("the confirmation page does not say what is removed:\n%s", text)
	}
	if st := heldSchools(t, h.Config)[others[0].UAI]; st.RemoveAt != nil {
		t.Errorf("a removal scheduled before its confirmation: %+v", st)
	}
	browse(t, ctx, chromedp.Click(chromedp.CSS(`main form button.danger`)))
	if f := flash(t, ctx); f != fmt.Sprintf("Retraits de la demande n° %d confirmés pour 3 école(s) : ils auront lieu à la mise à jour annuelle.", second) {
		t.Errorf("after confirming the removals the page says %q", f)
	}
	st = heldSchools(t, h.Config)
	for _, r := range others {
		if s := st[r.UAI]; s.RemoveAt == nil {
			t.Errorf("school %s after its removal was confirmed: %+v, want a removal date", r.UAI, s)
		}
	}
	if s := st[keep.UAI]; s.RemoveAt != nil || s.Status != "active" {
		t.Errorf("the school the list kept: %+v", s)
	}
	if history := run(t, "history", "--json", "--config", h.Config, others[1].UAI); !strings.Contains(history, `"kind": "schedule_remove"`) || !strings.Contains(history, `"by": "lien:Dominique"`) {
		t.Errorf("the history does not name Dominique's confirmation:\n%s", history)
	}
	if n := len(requestsJSON(t, h.Config, "--state", "held")); n != 0 {
		t.Errorf("%d requests still held", n)
	}
	time.Sleep(2 * time.Second) // a mail queued would be sent by now: the replies above came within a second
	if got := mailsTo(h.Servers.sent(t), "secretariat@mairie-givors.fr"); len(got) != 5 {
		t.Errorf("%d mails to Givors, want 5 (reply, resent, acknowledgement, two held lists' replies): confirming or dropping removals writes to nobody", len(got))
	}

	// A notice of termination, once the reload gives Givors its convention's start.
	editConfig(t, h.Config, "name = \"Givors\"\n", "name = \"Givors\"\nconvention_start = \"2024-03-02\"\n")
	h.Reload(t)
	deadline := time.Now().Add(10 * time.Second)
	for c.show(t, ctx, "/communes/69091"); !exists(t, ctx, `form[action$="/resilier"]`); c.show(t, ctx, "/communes/69091") {
		if time.Now().After(deadline) {
			t.Fatal("the reload gave Givors no convention start: no termination form")
		}
		time.Sleep(100 * time.Millisecond)
	}
	browse(t, ctx, chromedp.SetValue(chromedp.CSS("#recu"), "2026-11-20"), chromedp.Click(chromedp.CSS(`form[action$="/resilier"] button`)),
		chromedp.WaitReady(chromedp.CSS(`input[name="confirme"]`)))
	axeCheck(t, ctx)
	if end := communeByName(t, h.Config, "Givors")["terminates_at"]; end != nil {
		t.Fatalf("a termination recorded before its confirmation: %v", end)
	}
	tabTo(t, ctx, "Je confirme") // keyboard only, on a confirmation page
	browse(t, ctx, chromedp.KeyEvent(kb.Enter))
	if f := flash(t, ctx); !strings.Contains(f, "prend fin le 2 mars 2027") {
		t.Errorf("after the notice the page says %q", f)
	}
	if end := communeByName(t, h.Config, "Givors")["terminates_at"]; end != "2027-03-02" {
		t.Errorf("terminates_at of Givors = %v, want 2027-03-02", end)
	}
	if history := run(t, "history", "--json", "--config", h.Config, keep.UAI); !strings.Contains(history, `"staff_action": "terminate"`) || !strings.Contains(history, `"by": "lien:Dominique"`) {
		t.Errorf("the history does not name Dominique's notice:\n%s", history)
	}
	axeCheck(t, ctx) // the commune's page with its termination
}

// TestConsoleOIDCSecretFile: [console.oidc] client_secret_file is what the daemon sends the
// provider (mockoidc checks it at its token endpoint): its secret signs in, another does not.
func TestConsoleOIDCSecretFile(t *testing.T) {
	h := startConsoleDaemon(t)
	secret := h.IDP.Config().ClientSecret
	h.stop()
	file := filepath.Join(t.TempDir(), "console-oidc-secret")
	editConfig(t, h.Config, fmt.Sprintf("client_secret = %q\n", secret), fmt.Sprintf("client_secret_file = %q\n", file))
	for _, c := range []struct {
		name, secret, wantPath string
	}{
		{"OK", secret + "\n", "/"},
		{"ErrWrongSecret", "not-" + secret + "\n", "/connexion/retour"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(file, []byte(c.secret), 0o600); err != nil {
				t.Fatal(err)
			}
			h.start(t)
			defer h.stop()
			_, resp, body := h.signInOIDC(t, consoleAgent)
			if resp.Request.URL.Path != c.wantPath || (c.wantPath == "/") != strings.Contains(body, "Se déconnecter") {
				t.Errorf("OIDC sign-in with the secret file holding %q ends on %s (%d)", c.secret, resp.Request.URL.Path, resp.StatusCode)
			}
		})
	}
}

// TestConsoleRefusedAddressNotLogged: someone not on the staff who signs in with the identity
// provider is told so with the address the provider gave, and that address stays out of the log.
func TestConsoleRefusedAddressNotLogged(t *testing.T) {
	h := startConsoleDaemon(t)
	_, resp, body := h.signInOIDC(t, "curieux.inconnu@ailleurs.example")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "curieux.inconnu@ailleurs.example") {
		t.Fatalf("a sign-in by someone not on the staff: %d\n%s", resp.StatusCode, body)
	}
	if logs := h.Logs.String(); strings.Contains(logs, "curieux.inconnu") || !strings.Contains(logs, "the address is not staff") {
		t.Errorf("the log holds the refused address, or does not say a sign-in was refused:\n%s", logs)
	}
}
