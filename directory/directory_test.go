package directory

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/annuairegen"
	"golang.org/x/text/encoding/charmap"
)

// realExtract is the real extract of the directory (shared/annuaire).
func realExtract(t testing.TB) string { return annuairegen.RealExtract(t) }

func readAll(t *testing.T, data []byte) ([]convention.DirectoryEntry, error) {
	t.Helper()
	var out []convention.DirectoryEntry
	n, err := Read(bytes.NewReader(data), func(e convention.DirectoryEntry) error {
		out = append(out, e)
		return nil
	})
	if err == nil && n != len(out) {
		t.Fatalf("Read returned %d rows, gave %d", n, len(out))
	}
	return out, err
}

// TestReadRealExtract reads the extract as the Ministry publishes it: BOM, ';', CRLF, the
// columns by their header name.
func TestReadRealExtract(t *testing.T) {
	data, err := os.ReadFile(realExtract(t))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := readAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 613 {
		t.Fatalf("%d rows, want 613", len(entries))
	}
	byUAI := map[string]convention.DirectoryEntry{}
	closing, communes := 0, map[string]bool{}
	for _, e := range entries {
		if !convention.ValidUAI(e.UAI) {
			t.Errorf("UAI %q not valid", e.UAI)
		}
		if !e.IsPrimary() || !e.Public {
			t.Errorf("%s: type %q public %v", e.UAI, e.Type, e.Public)
		}
		if e.Closing() {
			closing++
		}
		communes[e.CommuneINSEE] = true
		byUAI[e.UAI] = e
	}
	if closing != 2 || len(communes) != 47 {
		t.Errorf("%d closing, %d communes; want 2 and 47", closing, len(communes))
	}
	want := convention.DirectoryEntry{UAI: "0940176F", Name: "Ecole élémentaire Robert Doisneau", Type: "Ecole", Nature: "ECOLE DE NIVEAU ELEMENTAIRE",
		Public: true, CommuneINSEE: "94034", Commune: "Fresnes", Mail: "ce.0940176F@ac-creteil.fr", State: "OUVERT", Opened: time.Date(1965, 5, 1, 0, 0, 0, 0, time.UTC)}
	if got := byUAI["0940176F"]; got != want {
		t.Errorf("0940176F\n got %+v\nwant %+v", got, want)
	}
	if e := byUAI["0941874B"]; !e.Closing() || e.CommuneINSEE != "94028" {
		t.Errorf("0941874B (Créteil, A FERMER) read as %+v", e)
	}
}

// variant returns the header of the real extract's format and rows built from fields.
func variant(rows ...map[string]string) []byte {
	header := []string{"Identifiant_de_l_etablissement", "Nom_etablissement", "Type_etablissement", "Statut_public_prive", "Adresse_1",
		"Code_commune", "Nom_commune", "Mail", "date_ouverture", "etat", "libelle_nature", "Autre"}
	var b bytes.Buffer
	b.WriteString("\xef\xbb\xbf" + strings.Join(header, ";") + "\r\n")
	for _, r := range rows {
		fields := make([]string, len(header))
		for i, h := range header {
			fields[i] = r[h]
		}
		b.WriteString(strings.Join(fields, ";") + "\r\n")
	}
	return b.Bytes()
}

func TestRead(t *testing.T) {
	good := variant(
		map[string]string{"Identifiant_de_l_etablissement": "0940176F", "Nom_etablissement": `"Ecole ""Les Lilas""; annexe"`, "Type_etablissement": "Ecole",
			"Statut_public_prive": "Privé", "Code_commune": "94034", "Nom_commune": "Fresnes", "etat": "A FERMER", "date_ouverture": "01/09/1972"},
		map[string]string{"Identifiant_de_l_etablissement": "0941874B", "Nom_etablissement": "Collège X", "Type_etablissement": "Collège", "Statut_public_prive": "Public"},
	)
	t.Run("OK", func(t *testing.T) {
		entries, err := readAll(t, good)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Fatalf("%d rows", len(entries))
		}
		e := entries[0]
		if e.Name != `Ecole "Les Lilas"; annexe` || e.Public || !e.Closing() || e.Opened != time.Date(1972, 9, 1, 0, 0, 0, 0, time.UTC) {
			t.Errorf("row 1 read as %+v", e)
		}
		if entries[1].IsPrimary() || !entries[1].Public || !entries[1].Opened.IsZero() {
			t.Errorf("row 2 read as %+v", entries[1])
		}
	})
	t.Run("WithoutBOM", func(t *testing.T) {
		if entries, err := readAll(t, bytes.TrimPrefix(good, []byte("\xef\xbb\xbf"))); err != nil || len(entries) != 2 || entries[0].UAI != "0940176F" {
			t.Errorf("%v %+v", err, entries)
		}
	})
	for _, tc := range []struct {
		name string
		data []byte
		want Reason
	}{
		{"ErrMissingColumns", []byte("Identifiant_de_l_etablissement;Nom_etablissement\r\n0940176F;x\r\n"), ReasonMissingColumns},
		{"ErrTruncatedLastLine", good[:len(good)-10], ReasonTruncated},
		{"ErrTruncatedNoNewline", []byte("Nom_etablissement;Identifiant_de_l_etablissement;Type_etablissement;Statut_public_prive;Code_commune;Nom_commune;Mail;date_ouverture;libelle_nature;etat\r\n" +
			"x;0940176F;Ecole;Public;94034;Fresnes;;;;OUV"), ReasonTruncated}, // etat, the last field, may be cut
		{"ErrEmpty", nil, ReasonTooFew},
		{"ErrNoRows", variant(), ReasonTooFew},
		{"ErrShortRow", append(append([]byte{}, good...), "0940177G;y\r\n"...), ReasonTruncated},
		{"ErrUnterminatedQuote", append(append([]byte{}, good...), "0940177G;\"y\r\n"...), ReasonTruncated},
		{"ErrMoreFields", append(append([]byte{}, good...), "0940177G;y;Ecole;Public;;94034;Fresnes;;;OUVERT;;;extra\r\n"...), ReasonUnreadable},
		{"ErrHTML", []byte("\n  <!DOCTYPE html>\n<html><body>Service momentanément indisponible</body></html>\n"), ReasonUnreadable},
		{"ErrBinary", []byte{0x1f, 0x8b, 0x08, 0, 0, 0}, ReasonUnreadable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAll(t, tc.data)
			var ie *InvalidError
			if !errors.As(err, &ie) || ie.Reason != tc.want {
				t.Errorf("err = %v, want reason %s", err, tc.want)
			}
		})
	}
}

// TestReadAsExported reads the real extract as the other exports of the portal and careless
// hands give it: the API's export (lower-case field names, LF, no BOM, quoted fields holding ';'
// and newlines, an extra column, no final newline), gzip-compressed, and a spreadsheet's re-save
// (Windows-1252, a bare quote, Code_commune without its leading zero). Every row reads the same.
func TestReadAsExported(t *testing.T) {
	data, err := os.ReadFile(realExtract(t))
	if err != nil {
		t.Fatal(err)
	}
	want, err := readAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	api := annuairegen.AsAPIExport(t, data)
	if bytes.HasPrefix(api, []byte("\xef\xbb\xbf")) || bytes.Contains(api, []byte("\r\n")) || !bytes.HasPrefix(api, []byte("identifiant_de_l_etablissement;")) ||
		!bytes.Contains(api, []byte(`"Allée du Puits;`)) || bytes.HasSuffix(api, []byte("\n")) {
		t.Fatalf("the API export is not what the test means:\n%.300s", api)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	accents := bytes.Replace(data, []byte("Identifiant_de_l_etablissement;Nom_etablissement"), []byte("Identifiant de l'établissement;NOM_ETABLISSEMENT"), 1)
	resaved := bytes.Replace(data, []byte(";Allée du Puits;"), []byte(`;Allée du "Puits";`), 1)
	cp1252, err := charmap.Windows1252.NewEncoder().Bytes(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if err != nil || utf8.Valid(cp1252) {
		t.Fatalf("the extract in Windows-1252: %v", err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"APIExport", api}, {"Gzip", gz.Bytes()}, {"HeaderWithAccents", accents}, {"BareQuote", resaved}, {"Windows1252", cp1252}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("row %d\n got %+v\nwant %+v", i+1, got[i], want[i])
				}
			}
		})
	}
	t.Run("CommuneWithoutLeadingZero", func(t *testing.T) {
		got, err := readAll(t, variant(map[string]string{"Identifiant_de_l_etablissement": "0010001W", "Code_commune": "1053", "Type_etablissement": "Ecole"}))
		if err != nil || len(got) != 1 || got[0].CommuneINSEE != "01053" {
			t.Errorf("%v %+v", err, got)
		}
	})
	t.Run("NoFinalNewline", func(t *testing.T) {
		// The last field (Autre) is not read: a file without its final newline is whole.
		good := variant(map[string]string{"Identifiant_de_l_etablissement": "0940176F", "Autre": "x"})
		if got, err := readAll(t, bytes.TrimSuffix(good, []byte("\r\n"))); err != nil || len(got) != 1 {
			t.Errorf("%v %+v", err, got)
		}
	})
	t.Run("ErrLongLine", func(t *testing.T) {
		// One line of 8 MB: refused once past maxLine, not held whole.
		for _, data := range [][]byte{bytes.Repeat([]byte("x"), 8<<20), append(append([]byte{}, data[:2000]...), bytes.Repeat([]byte("x"), 8<<20)...)} {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := readAll(t, data)
			runtime.ReadMemStats(&after)
			if ReasonOf(err) != ReasonUnreadable || !strings.Contains(fmt.Sprint(err), "a line is longer than") {
				t.Errorf("a line of 8 MB: %v", err)
			}
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 4<<20 {
				t.Errorf("reading it allocated %d bytes", grown)
			}
		}
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		defer func(n int64) { maxFileBytes = n }(maxFileBytes)
		maxFileBytes = int64(len(data)) / 2
		if _, err := readAll(t, gz.Bytes()); ReasonOf(err) != ReasonUnreadable || !strings.Contains(fmt.Sprint(err), "longer than") {
			t.Errorf("a file that inflates past the bound: %v", err)
		}
	})
}

func TestCheckShrink(t *testing.T) {
	for _, tc := range []struct {
		rows, previous int
		ok             bool
	}{{613, 0, true}, {613, 613, true}, {552, 613, true}, {551, 613, false}, {1, 65000, false}, {70000, 65000, true}} {
		if err := CheckShrink(tc.rows, tc.previous); (err == nil) != tc.ok || err != nil && ReasonOf(err) != ReasonShrunk {
			t.Errorf("CheckShrink(%d, %d) = %v", tc.rows, tc.previous, err)
		}
	}
}
