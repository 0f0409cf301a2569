package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/annuairegen"
	"github.com/laclasse/intake/internal/samples"
)

// Communes of Val-de-Marne, whose schools the real extract of the directory lists.
const valDeMarneTOML = `[[commune]]
name = "Créteil"
insee = "94028"
senders = ["@ville-creteil.example"]
[[commune]]
name = "Vitry-sur-Seine"
insee = "94081"
senders = ["@mairie-vitry.example"]
[[commune]]
name = "Fresnes"
insee = "94034"
senders = ["@fresnes.example"]
`

// UAIs of the real extract and of testdata/annuaire-variant.csv.
const (
	creteilBeuvinB   = "0940307Y" // Ecole élémentaire Charles Beuvin B, Créteil
	creteilBeuvin    = "0940446Z" // Ecole maternelle Charles Beuvin, Créteil
	creteilDefferre  = "0941874B" // Ecole maternelle Gaston Defferre, Créteil: A FERMER
	fresnesDoisneau  = "0940176F" // Ecole élémentaire Robert Doisneau, Fresnes
	creteilCollege   = "0942999Z" // the variant's Collège Louis Pasteur, Créteil
	creteilPrivate   = "0942998Y" // the variant's private school, Créteil
	unknownValidUAI  = "0949998G" // a right check letter, in no directory
	valDeMarneSchool = 613
)

// directoryFile writes, in dir, the real extract followed by the rows of
// testdata/annuaire-variant.csv (a collège and a private school of Créteil, which the extract of
// public schools cannot have), and returns its path.
func directoryFile(t *testing.T, dir string) string {
	t.Helper()
	real, err := os.ReadFile(annuairegen.RealExtract(t))
	if err != nil {
		t.Fatal(err)
	}
	variant, err := os.ReadFile(filepath.Join("testdata", "annuaire-variant.csv"))
	if err != nil {
		t.Fatal(err)
	}
	_, rows, _ := bytes.Cut(variant, []byte("\r\n")) // its header is the extract's
	path := filepath.Join(dir, "fr-en-annuaire-education.csv")
	if err := os.WriteFile(path, append(real, rows...), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// directoryConfig is writeConfig with the communes of Val-de-Marne and [directory] (file; url
// and the refresh's schedule when url is not "").
func directoryConfig(t *testing.T, s servers, file, url string) string {
	t.Helper()
	path := writeConfig(t, s)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "%s[directory]\nfile = %q\n", valDeMarneTOML, file)
	if url != "" {
		fmt.Fprintf(f, "url = %q\n[schedule]\ndirectory_refresh = \"30 5 * * *\"\n", url)
	}
	return path
}

func TestDirectoryChecksMemServers(t *testing.T) { testDirectoryChecks(t, memServers(t)) }

func TestDirectoryChecksRealServers(t *testing.T) { testDirectoryChecks(t, realServers(t)) }

// testDirectoryChecks is issue 16's "done when": Créteil's list mixes a good school, another
// commune's school, a collège, an unknown UAI with a valid check letter, a school marked
// A FERMER, a private one and one under another name; Vitry-sur-Seine writes without a list and
// gets the model pre-filled with its schools, which `intaked parse` reads back; the summary
// and the weekly overview speak of the schools that close.
func testDirectoryChecks(t *testing.T, s servers) {
	cfg := directoryConfig(t, s, directoryFile(t, t.TempDir()), "")
	at := time.Date(2026, 9, 14, 9, 30, 0, 0, time.UTC)
	row := func(uai, name string, i int) samples.Row {
		r := samples.Rows(i, 1)[0]
		r.UAI, r.School = uai, name
		return r
	}
	rows := []samples.Row{
		row(creteilBeuvinB, "Ecole élémentaire Charles Beuvin B", 1),   // ligne 4: accepted
		row(fresnesDoisneau, "Ecole Robert Doisneau", 2),               // 5: Fresnes'
		row(creteilCollege, "Collège Louis Pasteur", 3),                // 6: not a school
		row(unknownValidUAI, "Ecole des Sources", 4),                   // 7: unknown
		row(creteilDefferre, "Ecole maternelle Gaston Defferre", 5),    // 8: closing, accepted
		row(creteilPrivate, "Ecole primaire privée Sainte-Thérèse", 6), // 9: private, accepted
		row(creteilBeuvin, "Maternelle Beuvin", 7),                     // 10: another name, accepted
	}
	s.append(t, samples.Message{From: "Service scolaire <scolaire@ville-creteil.example>", To: samples.Mailbox, Subject: "Écoles de Créteil",
		MessageID: "creteil-1@ville-creteil.example", Date: at,
		Attachments: []samples.Attachment{{Name: "ecoles-creteil.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Créteil", rows)}}}.Raw(), at)
	s.append(t, samples.Message{From: "education@mairie-vitry.example", To: samples.Mailbox, Subject: "Adhésion à laclasse.com",
		MessageID: "vitry-1@mairie-vitry.example", Date: at.Add(time.Minute), Text: "Bonjour, comment inscrire nos écoles ?"}.Raw(), at.Add(time.Minute))
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")

	var creteil, vitry *sentMail
	sent := s.sent(t)
	for i, m := range sent {
		switch strings.Trim(m.Header.Get("In-Reply-To"), "<>") {
		case "creteil-1@ville-creteil.example":
			creteil = &sent[i]
		case "vitry-1@mairie-vitry.example":
			vitry = &sent[i]
		}
	}
	if creteil == nil || vitry == nil {
		t.Fatalf("replies missing among %d mails", len(sent))
	}

	t.Run("Reply", func(t *testing.T) {
		text := creteil.Text
		for _, want := range []string{
			"feuille « Écoles », ligne 5, colonne A",
			"L'école 0940176F « Ecole élémentaire Robert Doisneau » est, d'après l'annuaire de l'éducation, une école de Fresnes (code INSEE 94034), pas de votre commune",
			"feuille « Écoles », ligne 6, colonne A",
			"L'établissement 0942999Z « Collège Louis Pasteur » n'est pas une école primaire (l'annuaire de l'éducation le classe « Collège »)",
			"feuille « Écoles », ligne 7, colonne A",
			"Le code UAI 0949998G n'existe pas dans l'annuaire de l'éducation",
			"feuille « Écoles », ligne 8, colonne A",
			"L'école 0941874B « Ecole maternelle Gaston Defferre » est inscrite, mais l'annuaire de l'éducation indique qu'elle va fermer",
			"feuille « Écoles », ligne 9, colonne A",
			"l'annuaire de l'éducation la classe parmi les écoles privées",
			"feuille « Écoles », ligne 10, colonne B",
			"Le nom officiel de l'école 0940446Z dans l'annuaire de l'éducation est « Ecole maternelle Charles Beuvin » (votre liste indique « Maternelle Beuvin »)",
			"3 lignes n'ont pas pu être prises en compte",
			"4 écoles ajoutées",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the reply does not say %q:\n%s", want, text)
			}
		}
	})

	t.Run("Registry", func(t *testing.T) {
		var schools []struct {
			UAI          string `json:"uai"`
			Name         string `json:"name"`
			OfficialName string `json:"official_name"`
			Commune      string `json:"commune"`
		}
		if err := json.Unmarshal([]byte(run(t, "schools", "--json", "--config", cfg)), &schools); err != nil {
			t.Fatal(err)
		}
		got := map[string][2]string{}
		for _, sc := range schools {
			got[sc.UAI] = [2]string{sc.Name, sc.OfficialName}
		}
		want := map[string][2]string{
			creteilBeuvinB:  {"Ecole élémentaire Charles Beuvin B", "Ecole élémentaire Charles Beuvin B"},
			creteilDefferre: {"Ecole maternelle Gaston Defferre", "Ecole maternelle Gaston Defferre"},
			creteilPrivate:  {"Ecole primaire privée Sainte-Thérèse", "Ecole primaire privée Sainte-Thérèse"},
			creteilBeuvin:   {"Maternelle Beuvin", "Ecole maternelle Charles Beuvin"},
		}
		if len(got) != len(want) {
			t.Errorf("registry %v, want %v", got, want)
		}
		for uai, w := range want {
			if got[uai] != w {
				t.Errorf("%s: name, official name = %q, want %q", uai, got[uai], w)
			}
		}
	})

	t.Run("PrefilledModel", func(t *testing.T) {
		if !strings.Contains(vitry.Text, "Il est déjà rempli avec les 42 écoles publiques de votre commune que recense l'annuaire de l'éducation") ||
			!strings.Contains(vitry.Text, "0940198E Ecole élémentaire Henri Wallon A") {
			t.Errorf("the reply does not list Vitry's schools:\n%s", vitry.Text)
		}
		_, files := parts(t, vitry.Raw)
		if len(files) != 1 {
			t.Fatalf("%d files attached", len(files))
		}
		model := filepath.Join(t.TempDir(), files[0].Name)
		if err := os.WriteFile(model, files[0].Data, 0o600); err != nil {
			t.Fatal(err)
		}
		var parsed struct {
			Problems []struct {
				Row    int    `json:"row"`
				UAI    string `json:"uai"`
				School string `json:"school"`
			} `json:"problems"`
		}
		if err := json.Unmarshal([]byte(run(t, "parse", "--json", model)), &parsed); err != nil {
			t.Fatal(err)
		}
		// Each row holds a school of Vitry, its administrator left for the commune to fill in.
		rowsOf := map[string]string{}
		for _, p := range parsed.Problems {
			if p.UAI != "" {
				rowsOf[p.UAI] = p.School
			}
		}
		if len(rowsOf) != 42 || rowsOf["0940198E"] != "Ecole élémentaire Henri Wallon A" {
			t.Errorf("the model read back holds %d schools: %v", len(rowsOf), rowsOf)
		}
		if _, ok := rowsOf[fresnesDoisneau]; ok {
			t.Error("the model holds another commune's school")
		}
	})

	t.Run("SummaryAndWeekly", func(t *testing.T) {
		before := len(s.sent(t))
		run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T08:00:00+02:00")
		run(t, "run", "--once", "--config", cfg, "--now=2026-09-21T08:00:00+02:00")
		var digest, weekly string
		for _, m := range s.sent(t)[before:] {
			switch {
			case strings.Contains(m.Subject, "synthèse") && digest == "":
				digest = m.Text
			case strings.Contains(m.Subject, "point hebdomadaire"):
				weekly = m.Text
			}
		}
		for _, want := range []string{"Écoles acceptées avec une remarque de l'annuaire de l'éducation (2)", "Créteil, liste du 14 septembre 2026 : L'école 0941874B"} {
			if !strings.Contains(digest, want) {
				t.Errorf("the summary does not say %q:\n%s", want, digest)
			}
		}
		for _, want := range []string{"Écoles inscrites que l'annuaire de l'éducation dit fermées ou à fermer (1)", "Créteil : 0941874B Ecole maternelle Gaston Defferre : à fermer"} {
			if !strings.Contains(weekly, want) {
				t.Errorf("the weekly overview does not say %q:\n%s", want, weekly)
			}
		}
	})

	t.Run("LookUp", func(t *testing.T) {
		var got []map[string]any
		if err := json.Unmarshal([]byte(run(t, "directory", "--config", cfg, "--json", "0940176f", creteilCollege)), &got); err != nil {
			t.Fatal(err)
		}
		want := []map[string]any{
			{"uai": "0940176F", "name": "Ecole élémentaire Robert Doisneau", "type": "Ecole", "nature": "ECOLE DE NIVEAU ELEMENTAIRE", "public": true,
				"commune_insee": "94034", "commune": "Fresnes", "state": "OUVERT", "opened": "1965-05-01"},
			{"uai": creteilCollege, "name": "Collège Louis Pasteur", "type": "Collège", "nature": "COLLEGE", "public": true,
				"commune_insee": "94028", "commune": "Créteil", "state": "OUVERT", "opened": "1965-05-01"},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("directory --json\n got %v\nwant %v", got, want)
		}
		text := run(t, "directory", "--config", cfg, creteilDefferre)
		for _, want := range []string{"UAI", "ÉTAT", "0941874B", "Ecole maternelle Gaston Defferre", "publique", "Créteil", "à fermer"} {
			if !strings.Contains(text, want) {
				t.Errorf("directory does not print %q:\n%s", want, text)
			}
		}
		if err := runErr(t, "directory", "--config", cfg, unknownValidUAI); err == nil {
			t.Error("a UAI the directory does not list: exit 0")
		}
	})
}

// TestDirectoryRefresh downloads the directory from a local server at start, then at
// schedule.directory_refresh a truncated file and a shrunken one, both refused: the directory
// in use stays, the summary says why, and /metrics shows it.
func TestDirectoryRefresh(t *testing.T) {
	s := memServers(t)
	dir := t.TempDir()
	good, err := os.ReadFile(directoryFile(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	body, etag, conditional := good, `"v1"`, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			conditional++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	serve := func(b []byte, e string) {
		mu.Lock()
		defer mu.Unlock()
		body, etag = b, e
	}
	file := filepath.Join(dir, "annuaire.csv")
	cfg := directoryConfig(t, s, file, srv.URL+"/fr-en-annuaire-education.csv")
	lookUp := func(t *testing.T) {
		t.Helper()
		var got []map[string]any
		if err := json.Unmarshal([]byte(run(t, "directory", "--json", "--config", cfg, fresnesDoisneau)), &got); err != nil || len(got) != 1 || got[0]["commune"] != "Fresnes" {
			t.Fatalf("directory --json: %v %v", got, err)
		}
		if b, _ := os.ReadFile(file); !bytes.Equal(b, good) {
			t.Fatal("the file in use was replaced")
		}
	}

	// At start, the file is not there yet: it is downloaded.
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	lookUp(t)
	// The next refresh: not modified.
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T06:00:00+02:00")
	if conditional != 1 {
		t.Errorf("%d conditional requests answered 304, want 1", conditional)
	}

	t.Run("ErrTruncated", func(t *testing.T) {
		serve(good[:len(good)/2], `"v2"`)
		run(t, "run", "--once", "--config", cfg, "--now=2026-09-16T06:00:00+02:00")
		lookUp(t)
		digest := runAndRead(t, s, cfg, "2026-09-16T08:00:00+02:00", "synthèse")
		if !strings.Contains(digest, "ANNUAIRE DE L'ÉDUCATION : le nouveau fichier du 16 septembre 2026 à 06 h 00 n'a pas été retenu : il est tronqué") ||
			!strings.Contains(digest, "(615 établissements) reste en service") {
			t.Errorf("the summary does not tell of the truncated file:\n%s", digest)
		}
	})
	t.Run("ErrShrunk", func(t *testing.T) {
		lines := bytes.SplitAfter(good, []byte("\r\n"))
		serve(bytes.Join(lines[:500], nil), `"v3"`) // 499 of 615 rows
		run(t, "run", "--once", "--config", cfg, "--now=2026-09-17T06:00:00+02:00")
		lookUp(t)
		status := run(t, "status", "--config", cfg)
		if !strings.Contains(status, "615 establishments, loaded") || !strings.Contains(status, "LAST REFRESH REFUSED") || !strings.Contains(status, "(shrunk)") {
			t.Errorf("status does not tell of the shrunken file:\n%s", status)
		}
		metrics := scrapeMetrics(t, cfg, time.Date(2026, 9, 17, 6, 30, 0, 0, time.UTC))
		for _, want := range []string{"intake_directory_last_refresh_successful 0", "intake_directory_entries 615"} {
			if !strings.Contains(metrics, want+"\n") {
				t.Errorf("/metrics does not show %q", want)
			}
		}
	})
}

// TestDirectoryNotLoaded: with [directory] but no file yet, lists are applied unchecked (no
// UAI can be known), and the summary, status and `intaked directory` say so. Once the file is
// there, the weekly overview names the school Créteil listed meanwhile that is Fresnes'.
func TestDirectoryNotLoaded(t *testing.T) {
	s := memServers(t)
	file := filepath.Join(t.TempDir(), "missing.csv")
	cfg := directoryConfig(t, s, file, "")
	at := time.Date(2026, 9, 14, 9, 30, 0, 0, time.UTC)
	r := samples.Rows(1, 1)[0]
	r.UAI, r.School = fresnesDoisneau, "Ecole Robert Doisneau"
	s.append(t, samples.Message{From: "scolaire@ville-creteil.example", To: samples.Mailbox, Subject: "Écoles", MessageID: "creteil-1@ville-creteil.example", Date: at,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Créteil", []samples.Row{r})}}}.Raw(), at)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	if got := run(t, "schools", "--json", "--config", cfg); !strings.Contains(got, fresnesDoisneau) || !strings.Contains(got, `"official_name": ""`) {
		t.Errorf("the list was not applied unchecked:\n%s", got)
	}
	if status := run(t, "status", "--config", cfg); !strings.Contains(status, "NOT LOADED") || !strings.Contains(status, "LAST REFRESH REFUSED") {
		t.Errorf("status:\n%s", status)
	}
	digest := runAndRead(t, s, cfg, "2026-09-15T08:00:00+02:00", "synthèse")
	if !strings.Contains(digest, "Aucun annuaire n'est encore chargé : les écoles ne sont pas vérifiées") {
		t.Errorf("the summary does not say the directory is missing:\n%s", digest)
	}
	if err := runErr(t, "directory", "--config", cfg, fresnesDoisneau); err == nil {
		t.Error("directory without a directory loaded: exit 0")
	}
	if err := runErr(t, "check-config", "--config", cfg); err == nil || !strings.Contains(err.Error(), "directory.file: open") || exit(err) != 2 {
		t.Errorf("check-config with no directory file: %v", err)
	}
	if err := runErr(t, "directory", "--config", writeConfig(t, s), fresnesDoisneau); exit(err) != 2 {
		t.Errorf("directory without [directory]: %v", err)
	}

	good, err := os.ReadFile(directoryFile(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, good, 0o644); err != nil {
		t.Fatal(err)
	}
	weekly := runAndRead(t, s, cfg, "2026-09-21T08:00:00+02:00", "point hebdomadaire")
	if !strings.Contains(weekly, "Créteil : 0940176F Ecole Robert Doisneau : école de Fresnes d'après l'annuaire") {
		t.Errorf("the weekly overview does not name the school of another commune:\n%s", weekly)
	}
}

// runAndRead runs the daemon once on cfg at now (RFC 3339) and returns the text of the last mail
// of that run whose subject holds subject, "" when none.
func runAndRead(t *testing.T, s servers, cfg, now, subject string) string {
	t.Helper()
	before := len(s.sent(t))
	run(t, "run", "--once", "--config", cfg, "--now="+now)
	var text string
	for _, m := range s.sent(t)[before:] {
		if strings.Contains(m.Subject, subject) {
			text = m.Text
		}
	}
	return text
}

// lastSent returns the last mail sent whose subject holds subject; it fails t when none was.
func lastSent(t *testing.T, s servers, subject string) sentMail {
	t.Helper()
	sent := s.sent(t)
	for i := len(sent) - 1; i >= 0; i-- {
		if strings.Contains(sent[i].Subject, subject) {
			return sent[i]
		}
	}
	t.Fatalf("no mail %q sent", subject)
	return sentMail{}
}

// scrapeMetrics runs the daemon on cfg, with an HTTP address, at now, and returns its /metrics.
func scrapeMetrics(t *testing.T, cfg string, now time.Time) string {
	t.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	withHTTP := strings.Replace(string(data), "[http]\naddress = \"\"", "[http]\naddress = \""+addr+"\"", 1)
	path := filepath.Join(t.TempDir(), "with-http.toml")
	if err := os.WriteFile(path, []byte(withHTTP), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	m := &Main{Stdout: io.Discard, Stderr: &logs, Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", path}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the daemon stopped with %v\n%s", err, logs.String())
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			resp.Body.Close()
			_, body := get(t, "http://"+addr+"/metrics")
			return body
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no /metrics from the daemon")
	return ""
}
