package sheet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// sharedDir returns the shared/NAME directory that sits next to the repository (or above the
// package directory), or skips the test when there is none.
func sharedDir(t testing.TB, name string) string {
	t.Helper()
	dir := sharedDirNoSkip(name)
	if dir == "" {
		t.Skipf("no shared/%s directory next to the repository", name)
	}
	return dir
}

// sharedDirNoSkip is sharedDir for optional uses (fuzz seeds): "" when there is none.
func sharedDirNoSkip(name string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := dir; ; d = filepath.Dir(d) {
		for _, p := range []string{filepath.Join(d, "shared", name), filepath.Join(d, "..", "shared", name)} {
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				return p
			}
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// readFile reads a file with the default limits, under a deadline.
func readFile(t testing.TB, path string) (*convention.List, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Read(ctx, filepath.Base(path), data, DefaultLimits())
}

// expected is the facts of shared/corpus/expected/FILE.json.
type expected struct {
	Schools []struct {
		UAI    string `json:"uai"`
		Email  string `json:"email"`
		Phone  string `json:"phone"`
		Action string `json:"action"`
	} `json:"schools"`
	Problems []struct {
		Row   int    `json:"row"`
		Field string `json:"field"`
	} `json:"problems"`
	TechnicalReferent *struct {
		Email string `json:"email"`
		Phone string `json:"phone"`
	} `json:"technical_referent"`
	ProjectLead *struct {
		Email string `json:"email"`
		Phone string `json:"phone"`
	} `json:"project_lead"`
}

// TestCorpus checks every fact of shared/corpus/expected the way shared/tools/check-corpus does:
// each expected school with its e-mail, phone and action, no other school accepted, an error for
// each expected refused row and field, and the commune's contacts.
func TestCorpus(t *testing.T) {
	dir := sharedDir(t, "corpus")
	names, err := filepath.Glob(filepath.Join(dir, "expected", "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no expected facts in %s: %v", dir, err)
	}
	got, total := 0, 0
	for _, name := range names {
		file := strings.TrimSuffix(filepath.Base(name), ".json")
		t.Run(file, func(t *testing.T) {
			check := func(ok bool, format string, args ...any) {
				t.Helper()
				total++
				if ok {
					got++
				} else {
					t.Errorf(format, args...)
				}
			}
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			var exp expected
			if err := json.Unmarshal(raw, &exp); err != nil {
				t.Fatal(err)
			}
			l, err := readFile(t, filepath.Join(dir, file))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			// the JSON that `parse --json` prints is what check-corpus reads
			if _, err := json.Marshal(l); err != nil {
				t.Fatal(err)
			}
			schools := map[string]convention.SchoolEntry{}
			for _, s := range l.Schools {
				schools[s.UAI] = s
			}
			want := map[string]bool{}
			for _, s := range exp.Schools {
				want[s.UAI] = true
				a, ok := schools[s.UAI]
				check(ok, "school %s missing", s.UAI)
				if !ok {
					continue
				}
				check(a.Admin.Email == s.Email, "%s email %q, want %q", s.UAI, a.Admin.Email, s.Email)
				check(a.Admin.Phone == s.Phone, "%s phone %q, want %q", s.UAI, a.Admin.Phone, s.Phone)
				if s.Action != "" {
					check(string(a.Action) == s.Action, "%s action %q, want %q", s.UAI, a.Action, s.Action)
				}
			}
			var extra []string
			for u := range schools {
				if !want[u] {
					extra = append(extra, u)
				}
			}
			sort.Strings(extra)
			check(len(extra) == 0, "rows accepted that must be refused: %v", extra)
			errs := map[string]bool{}
			for _, p := range l.Problems {
				if p.Severity == convention.SeverityError {
					errs[fmt.Sprint(p.Row, p.Field)] = true
				}
			}
			for _, p := range exp.Problems {
				check(errs[fmt.Sprint(p.Row, p.Field)], "no error for row %d field %s; problems: %+v", p.Row, p.Field, l.Problems)
			}
			for _, c := range []struct {
				name string
				want *struct {
					Email string `json:"email"`
					Phone string `json:"phone"`
				}
				got *convention.Contact
			}{
				{"technical_referent", exp.TechnicalReferent, l.Commune.TechnicalReferent},
				{"project_lead", exp.ProjectLead, l.Commune.ProjectLead},
			} {
				if c.want == nil {
					continue
				}
				var g convention.Contact
				if c.got != nil {
					g = *c.got
				}
				check(g.Email == c.want.Email, "%s email %q, want %q", c.name, g.Email, c.want.Email)
				check(g.Phone == c.want.Phone, "%s phone %q, want %q", c.name, g.Phone, c.want.Phone)
			}
			// every problem is located and worded for the commune
			for _, p := range l.Problems {
				if p.Sheet == "" || p.Field == "" || p.Message == "" || (p.Severity != convention.SeverityError && p.Severity != convention.SeverityWarning) {
					t.Errorf("incomplete problem: %+v", p)
				}
			}
		})
	}
	t.Logf("%d/%d facts", got, total)
}

// TestSheetCorpus reads every file of shared/sheet-corpus (xls from several Excel versions, ods,
// xlsx, xlsb, encrypted and broken workbooks): each one is read, or refused with a French reason,
// within seconds and without a panic.
func TestSheetCorpus(t *testing.T) {
	dir := sharedDir(t, "sheet-corpus")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.EqualFold(d.Name(), "LICENSE") && !strings.HasSuffix(d.Name(), ".md") {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in %s: %v", dir, err)
	}
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		t.Run(rel, func(t *testing.T) {
			l, err := readFile(t, path)
			var ue *UnreadableError
			switch {
			case errors.As(err, &ue):
				if ue.Reason == "" || !isFrench(ue.Reason) {
					t.Errorf("reason %q is not a French sentence", ue.Reason)
				}
				if ue.Err != nil && strings.Contains(ue.Err.Error(), "panic") {
					t.Errorf("a reader panicked: %v", ue.Err)
				}
				t.Logf("refused: %s", ue.Reason)
			case err != nil:
				t.Errorf("error is not an *UnreadableError: %v", err)
			default:
				t.Logf("read: %d schools, %d problems", len(l.Schools), len(l.Problems))
			}
			name := strings.ToLower(filepath.Base(path))
			switch {
			case strings.HasPrefix(name, "encrypt"):
				if ue == nil || !strings.Contains(ue.Reason, "mot de passe") {
					t.Errorf("a password-protected file must say so, got %v", err)
				}
			case strings.HasSuffix(name, ".xlsb"):
				if ue == nil || !strings.Contains(ue.Reason, "xlsb") || !strings.Contains(ue.Reason, "xlsx") {
					t.Errorf("an xlsb must be refused naming the formats to send, got %v", err)
				}
			}
		})
	}
}

// isFrench is a rough check that a reason is written for the commune: it has French words.
func isFrench(s string) bool {
	for _, w := range []string{"le fichier", "fichier", "format", "enregistrez", "tableau", "ligne"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
