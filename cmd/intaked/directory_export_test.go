package main

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// lyonTOML is Lyon, whose schools the directory places in its arrondissements (69381 to 69389).
const lyonTOML = "[[commune]]\nname = \"Lyon\"\ninsee = \"69123\"\nsenders = [\"@mairie-lyon.example\"]\n"

// lyonSchool is a school of Lyon 3e (Code_commune 69383), written as a row of the real extract's
// format from one of its rows.
func lyonSchool(t *testing.T, extract []byte, uai string) []byte {
	t.Helper()
	for _, line := range bytes.SplitAfter(extract, []byte("\r\n")) {
		if !bytes.HasPrefix(line, []byte(fresnesDoisneau+";")) {
			continue
		}
		f := strings.Split(string(line), ";")
		f[0], f[1], f[7], f[8], f[9] = uai, "Ecole élémentaire Painlevé", "69003", "69383", "Lyon 3e Arrondissement"
		return []byte(strings.Join(f, ";"))
	}
	t.Fatal("no row of Fresnes' Robert Doisneau in the extract")
	return nil
}

// TestDirectoryAPIExport refreshes the directory from the portal's API export as it really
// serves it (lower-case field names, LF, no BOM, a quoted address holding ';' and a newline, a
// column more, no final newline): the daemon reads it like the portal's download. Fresnes' list
// writes a UAI in lower case with spaces; Lyon's first message gets the model pre-filled with its
// school of the 3rd arrondissement; when the directory no longer lists Fresnes' school, the weekly
// overview says so.
func TestDirectoryAPIExport(t *testing.T) {
	s := memServers(t)
	good, err := os.ReadFile(directoryFile(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	lyon := samples.UAI(3331)
	withLyon := append(append([]byte{}, good...), lyonSchool(t, good, lyon)...)
	var mu sync.Mutex
	body, etag := annuairegen.AsAPIExport(t, withLyon), `"v1"`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "fr-en-annuaire-education.csv")
	cfg := directoryConfig(t, s, file, srv.URL+"/api/explore/v2.1/catalog/datasets/fr-en-annuaire-education/exports/csv?delimiter=%3B")
	appendConfig(t, cfg, lyonTOML+"[[commune]]\nname = \"Choisy-le-Roi\"\ninsee = \"94600\"\nsenders = [\"@choisyleroi.example\"]\n") // its postal code

	at := time.Date(2026, 9, 14, 9, 30, 0, 0, time.UTC)
	r := samples.Rows(1, 1)[0]
	r.UAI, r.School = " 0940176f ", "Ecole Robert Doisneau"
	s.append(t, samples.Message{From: "scolaire@fresnes.example", To: samples.Mailbox, Subject: "Écoles de Fresnes", MessageID: "fresnes-1@fresnes.example", Date: at,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Fresnes", []samples.Row{r})}}}.Raw(), at)
	s.append(t, samples.Message{From: "education@mairie-lyon.example", To: samples.Mailbox, Subject: "Adhésion", MessageID: "lyon-1@mairie-lyon.example",
		Date: at.Add(time.Minute), Text: "Bonjour, comment inscrire nos écoles ?"}.Raw(), at.Add(time.Minute))
	s.append(t, samples.Message{From: "scolaire@ville-creteil.example", To: samples.Mailbox, Subject: "Adhésion", MessageID: "creteil-1@ville-creteil.example",
		Date: at.Add(2 * time.Minute), Text: "Bonjour, que faut-il envoyer ?"}.Raw(), at.Add(2*time.Minute))
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")

	status := run(t, "status", "--config", cfg)
	if !strings.Contains(status, "616 establishments, loaded") || strings.Contains(status, "REFUSED") {
		t.Fatalf("the API export was not loaded:\n%s", status)
	}
	// An insee that is a postal code shows; Lyon, whose school is in an arrondissement, does not.
	if _, line, _ := strings.Cut(status, "NO OPEN PUBLIC SCHOOL in it for "); !strings.Contains(line, "Choisy-le-Roi (94600)") ||
		strings.Contains(strings.SplitN(line, "\n", 2)[0], "Lyon") || strings.Contains(strings.SplitN(line, "\n", 2)[0], "Fresnes") {
		t.Errorf("status does not name the commune whose insee has no school:\n%s", status)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(run(t, "directory", "--json", "--config", cfg, " 0940176f ", lyon)), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0]["uai"] != fresnesDoisneau || got[0]["commune_insee"] != "94034" || got[0]["opened"] != "1965-05-01" ||
		got[1]["commune_insee"] != "69383" || got[1]["name"] != "Ecole élémentaire Painlevé" {
		t.Errorf("directory --json: %v", got)
	}

	replies := map[string]sentMail{}
	for _, m := range s.sent(t) {
		replies[strings.Trim(m.Header.Get("In-Reply-To"), "<>")] = m
	}
	fresnes, lyonReply := replies["fresnes-1@fresnes.example"], replies["lyon-1@mairie-lyon.example"]
	if !strings.Contains(fresnes.Text, "Le nom officiel de l'école 0940176F dans l'annuaire de l'éducation est « Ecole élémentaire Robert Doisneau »") ||
		strings.Contains(fresnes.Text, "n'existe pas") {
		t.Errorf("Fresnes' reply:\n%s", fresnes.Text)
	}
	if !strings.Contains(lyonReply.Text, "Il est déjà rempli avec l'école publique de votre commune") || !strings.Contains(lyonReply.Text, lyon+" Ecole élémentaire Painlevé") {
		t.Errorf("Lyon's reply does not hold its school of the 3rd arrondissement:\n%s", lyonReply.Text)
	}

	// Créteil's model: its open public schools only, not the one that closes, the private one
	// nor the collège.
	creteil := replies["creteil-1@ville-creteil.example"].Text
	if !strings.Contains(creteil, creteilBeuvin+" Ecole maternelle Charles Beuvin") {
		t.Errorf("Créteil's reply does not list its schools:\n%s", creteil)
	}
	for _, uai := range []string{creteilDefferre, creteilPrivate, creteilCollege, fresnesDoisneau} {
		if strings.Contains(creteil, uai) {
			t.Errorf("Créteil's pre-filled model holds %s:\n%s", uai, creteil)
		}
	}

	// The next file no longer lists Fresnes' school (one row of 616: not a shrink).
	var lines [][]byte
	for _, l := range bytes.SplitAfter(withLyon, []byte("\r\n")) {
		if !bytes.HasPrefix(l, []byte(fresnesDoisneau+";")) {
			lines = append(lines, l)
		}
	}
	mu.Lock()
	body, etag = annuairegen.AsAPIExport(t, bytes.Join(lines, nil)), `"v2"`
	mu.Unlock()
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T06:00:00+02:00")
	if status := run(t, "status", "--config", cfg); !strings.Contains(status, "615 establishments, loaded") {
		t.Fatalf("the new file was not taken:\n%s", status)
	}
	weekly := runAndRead(t, s, cfg, "2026-09-21T08:00:00+02:00", "point hebdomadaire")
	if !strings.Contains(weekly, "Fresnes : 0940176F Ecole Robert Doisneau : absente de l'annuaire") {
		t.Errorf("the weekly overview does not name the school the directory no longer lists:\n%s", weekly)
	}
}

// TestDirectoryCommuneWithoutINSEE: with [directory], a commune whose insee is not set cannot
// be checked against it: check-config refuses the configuration (exit 2), naming the key.
func TestDirectoryCommuneWithoutINSEE(t *testing.T) {
	s := memServers(t)
	cfg := directoryConfig(t, s, directoryFile(t, t.TempDir()), "")
	appendConfig(t, cfg, "[[commune]]\nname = \"Orly\"\nsenders = [\"@orly.example\"]\n")
	err := runErr(t, "check-config", "--config", cfg)
	if exit(err) != 2 || !strings.Contains(fmt.Sprint(err), ".insee: \"\" is not an INSEE code") {
		t.Errorf("check-config with a commune without insee: %v", err)
	}
}

// TestDirectoryAcceptShrink: a file placed by hand with more than 10 % fewer rows (a smaller
// extract, a directory that really lost establishments) is refused, and keeps being refused,
// until staff take it with `intaked directory --accept-shrink`; a truncated one is refused even
// then.
func TestDirectoryAcceptShrink(t *testing.T) {
	s := memServers(t)
	file := directoryFile(t, t.TempDir())
	cfg := directoryConfig(t, s, file, "")
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(good, []byte("\r\n"))
	if err := os.WriteFile(file, bytes.Join(lines[:500], nil), 0o644); err != nil { // 499 of 615 rows
		t.Fatal(err)
	}
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T06:00:00+02:00")
	if status := run(t, "status", "--config", cfg); !strings.Contains(status, "615 establishments, loaded") || !strings.Contains(status, "(shrunk)") {
		t.Fatalf("the shrunken file was not refused:\n%s", status)
	}
	out := run(t, "directory", "--config", cfg, "--accept-shrink")
	status := run(t, "status", "--config", cfg)
	if !strings.Contains(status, "499 establishments, loaded") || strings.Contains(status, "REFUSED") {
		t.Errorf("--accept-shrink did not take the file (%s):\n%s", out, status)
	}
	if err := os.WriteFile(file, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runErr(t, "directory", "--config", cfg, "--accept-shrink"); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("--accept-shrink took a truncated file: %v", err)
	}
}
