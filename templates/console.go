package templates

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// The staff console's pages (package console serves them): templates/console/layout.html is the
// frame of every page (header with the staff member and the sign-out button, navigation, search
// box, skip link), and each page is templates/console/<name>.html, defining "content" (and, if
// it wants, "title"). html/template only: no inline script nor style (the console's
// Content-Security-Policy forbids them).

//go:embed console/*.html
var consoleFiles embed.FS

// ConsoleView is what every console page is rendered from: the frame's data, and the page's
// own in Data.
type ConsoleView struct {
	Title  string // the page's title, after which " – Console laclasse-intake" comes
	Staff  string // the signed-in staff member's name; "" on the sign-in pages
	Role   string // gestion or lecture
	CanAct bool   // the staff member may take actions (role gestion): forms are shown
	CSRF   string // the token every form posts as "csrf"
	Flash  string // a sentence to show once (what an action did)
	Nav    string // the navigation entry to mark current: today, communes, schools, quarantine, activations, reports
	Data   any
}

// ConsolePage renders the console page name over data.
func ConsolePage(w io.Writer, name string, data ConsoleView) error {
	t, err := consolePage(name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer // a failure half-way writes nothing
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		return fmt.Errorf("render console page %s: %w", name, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// ConsolePages returns the names of the console's pages (tests render every one).
func ConsolePages() []string {
	names, _ := fs.Glob(consoleFiles, "console/*.html")
	var out []string
	for _, n := range names {
		if n = strings.TrimSuffix(path.Base(n), ".html"); n != "layout" {
			out = append(out, n)
		}
	}
	return out
}

var (
	consoleMu    sync.Mutex
	consoleCache = map[string]*htmltemplate.Template{}
)

// consolePage returns the layout with page name's templates, parsed once.
func consolePage(name string) (*htmltemplate.Template, error) {
	consoleMu.Lock()
	defer consoleMu.Unlock()
	if t, ok := consoleCache[name]; ok {
		return t, nil
	}
	if name == "layout" || strings.ContainsAny(name, "/\\.") {
		return nil, fmt.Errorf("console page %q: no such page", name)
	}
	t, err := htmltemplate.New("layout.html").Funcs(funcs).ParseFS(consoleFiles, "console/layout.html", "console/"+name+".html")
	if err != nil {
		return nil, fmt.Errorf("console page %q: %w", name, err)
	}
	consoleCache[name] = t
	return t, nil
}

// Titles of the console's own pages (the pages' titles come with them).
const (
	ConsoleSignInTitle  = "Connexion"
	ConsoleRefusedTitle = "Accès refusé"
	ConsoleTodayTitle   = "Aujourd'hui"
)

// ConsoleErrorTitle is the title of the error page of an HTTP status.
func ConsoleErrorTitle(status int) string {
	switch status {
	case 403:
		return "Action refusée"
	case 404:
		return "Page introuvable"
	case 400:
		return "Demande incomplète"
	}
	return "Erreur"
}
