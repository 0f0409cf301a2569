package templates

import (
	"bytes"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleTemplatesNoInline: no console template holds a script, an inline style or an
// event handler attribute: the console's Content-Security-Policy would block them, and the
// pages must work without JavaScript.
func TestConsoleTemplatesNoInline(t *testing.T) {
	inline := regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)
	names, _ := fs.Glob(consoleFiles, "console/*.html")
	if len(names) < 5 {
		t.Fatalf("only %d console templates", len(names))
	}
	for _, n := range names {
		b, _ := consoleFiles.ReadFile(n)
		if m := inline.Find(b); m != nil {
			t.Errorf("%s holds %q", n, m)
		}
	}
}

// TestConsoleLayout: the frame is French, has a skip link to the content, and shows the
// navigation, the search box and the sign-out button only to a signed-in staff member.
func TestConsoleLayout(t *testing.T) {
	render := func(v ConsoleView) string {
		t.Helper()
		var b bytes.Buffer
		if err := ConsolePage(&b, "signin", v); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	out := render(ConsoleView{Title: "Connexion", Data: map[string]any{"OIDC": true}})
	for _, want := range []string{`<html lang="fr">`, `href="#contenu"`, `id="contenu"`, "<title>Connexion – Console laclasse-intake</title>", `href="/connexion/oidc"`} {
		if !strings.Contains(out, want) {
			t.Errorf("signed out, the page lacks %s", want)
		}
	}
	for _, unwanted := range []string{"<nav", "Se déconnecter", `name="q"`} {
		if strings.Contains(out, unwanted) {
			t.Errorf("signed out, the page shows %s", unwanted)
		}
	}
	out = render(ConsoleView{Title: "Connexion", Staff: "Camille", Role: "lecture", CSRF: "tok<en>", Nav: "schools", Data: map[string]any{"OIDC": false}})
	for _, want := range []string{"Camille (lecture seule)", "Se déconnecter", `name="csrf" value="tok&lt;en&gt;"`, `<a href="/ecoles" aria-current="page">`, `action="/recherche"`, "intaked console-link"} {
		if !strings.Contains(out, want) {
			t.Errorf("signed in, the page lacks %s", want)
		}
	}
	if err := ConsolePage(&bytes.Buffer{}, "../templates", ConsoleView{}); err == nil {
		t.Error("a page name with a path was rendered")
	}
}
