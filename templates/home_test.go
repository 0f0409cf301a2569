package templates

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// One home per word (issue 14 §7): every sentence a commune or the Métropole's staff reads is
// French and lives in templates/, so that one person can proof-read all of it in one folder.
// TestFrenchLivesInTemplates holds the rule from now on: it reads every non-test Go file of the
// module outside templates/ and fails on a string literal that reads as French, naming its file
// and line.
//
// What is not a sentence someone reads stays where it is used, named below by file and by the
// top-level declaration (function, variable or constant) that holds the literal, each with why:
// the word lists that recognise what communes write, and the sample lists of tests and of the
// demo. "*" names a whole file.
var frenchAllowed = map[string]map[string]string{
	// Recognisers: words matched against what communes write, never shown.
	"sheet/headers.go": {"stopWords": "header words ignored when matching a column title"},
	// The model spreadsheet's sheet names and column titles: labels that Read reads back, kept
	// next to the reader; its sentences are ModelInstructions and the Model*Hint constants.
	"sheet/template.go": {"templateHeader": "column titles the reader recognises"},
	// Generated sample lists and messages: the input of tests, benchmarks and the demo, written
	// as a commune would write them.
	"internal/samples/samples.go":   {"*": "sample messages and lists, input"},
	"internal/samples/scenario.go":  {"*": "sample messages and lists, input"},
	"internal/sheetgen/sheetgen.go": {"*": "generated sample spreadsheets, input"},
	// The generated ten-year store: communes' names, schools and the messages they send.
	"internal/bigstore/world.go":    {"*": "generated communes and schools, input"},
	"internal/bigstore/simulate.go": {"sim.run": "messages communes send in the generated store, input"},
}

// frenchWords are common French words that English text does not use; englishWords common
// English ones, for an English error that quotes the convention's French.
var frenchWords, englishWords = wordSet("le la les de des du un une et est à au aux pour par sur dans pas ne que qui ce cette " +
	"ces vous votre vos nous notre il elle ils été sont ont ou avec sans se son ses leur leurs ni mais donc être aucun aucune en"),
	wordSet("the is are was be been must not of and to for with from by this that it an or in on at has have no")

func wordSet(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

// elision is a French elided article or pronoun: l'école, d'un, n'a, qu'il.
var elision = regexp.MustCompile(`(?i)(^|[^\p{L}])(l|d|n|qu|s|j|c|m)['’]\p{L}`)

// readsFrench reports whether a string literal reads as a French sentence or part of one: three
// words or more, two of them among the commonest French ones or elisions, or one of them with a
// letter only French writes; or four words, two of them with such letters; or French quotation
// marks. Not when English words outnumber the French ones. Labels of two words ("Reçue le",
// "Écoles reçues") are no sentences.
func readsFrench(s string) bool {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	if len(words) < 2 {
		return false
	}
	const letters = "àâçéèêëîïôùûüœÀÂÇÉÈÊËÎÏÔÙÛÜŒ"
	hits, english, accented := len(elision.FindAllString(s, -1)), 0, 0
	for _, w := range words {
		if frenchWords[w] {
			hits++
		}
		if englishWords[w] {
			english++
		}
		if strings.ContainsAny(w, letters) {
			accented++
		}
	}
	if english > hits {
		return false
	}
	quotes := strings.ContainsAny(s, "«»")
	return len(words) >= 3 && (hits >= 2 || accented > 0 && hits >= 1) || len(words) >= 4 && accented >= 2 || quotes
}

// frenchLiteral is a literal that reads as French, where it is.
type frenchLiteral struct {
	file string // slash-separated, from the module's root
	line int
	decl string // the top-level declaration holding it
	text string
}

// frenchLiterals returns the literals of the non-test Go files under root, outside templates/,
// testdata and hidden directories, that read as French.
func frenchLiterals(t *testing.T, root string) []frenchLiteral {
	t.Helper()
	var found []frenchLiteral
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "templates" || d.Name() == "testdata" || rel != "." && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range topLevel(f) {
			name := declName(decl)
			ast.Inspect(decl, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ImportSpec:
					return false
				case *ast.BasicLit:
					if n.Kind != token.STRING {
						return true
					}
					if s, err := strconv.Unquote(n.Value); err == nil && readsFrench(s) {
						found = append(found, frenchLiteral{rel, fset.Position(n.Pos()).Line, name, s})
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// topLevel returns the top-level declarations of f: each function, and each variable, constant
// or type of a declaration block on its own.
func topLevel(f *ast.File) []ast.Node {
	var out []ast.Node
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok {
			for _, s := range g.Specs {
				out = append(out, s)
			}
			continue
		}
		out = append(out, d)
	}
	return out
}

// declName names a top-level declaration: a function (Type.Method for a method), or the first
// name of a variable, constant or type.
func declName(d ast.Node) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) > 0 {
			typ := d.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			if id, ok := typ.(*ast.Ident); ok {
				return id.Name + "." + d.Name.Name
			}
		}
		return d.Name.Name
	case *ast.ValueSpec:
		return d.Names[0].Name
	case *ast.TypeSpec:
		return d.Name.Name
	}
	return ""
}

func TestFrenchLivesInTemplates(t *testing.T) {
	found := frenchLiterals(t, "..")
	used := map[string]bool{}
	var bad []string
	for _, l := range found {
		if allowed := frenchAllowed[l.file]; allowed != nil && (allowed["*"] != "" || allowed[l.decl] != "") {
			used[l.file+" "+l.decl] = true
			continue
		}
		bad = append(bad, l.file+":"+strconv.Itoa(l.line)+" ("+l.decl+"): "+strconv.Quote(l.text))
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("French outside templates/, move it there: %s", b)
	}
	// An allowance that no longer matches anything is dropped, so that the list stays the truth.
	for file, decls := range frenchAllowed {
		if _, err := os.Stat(filepath.Join("..", file)); err != nil {
			t.Errorf("frenchAllowed names %s, which is gone", file)
			continue
		}
		for decl := range decls {
			if decl != "*" && !used[file+" "+decl] {
				t.Errorf("frenchAllowed names %s %s, which holds no French any more", file, decl)
			}
		}
	}
}

// The guard sees French where it is and only there: the sentences moved here would fail it
// anywhere else, and the English of errors and logs does not.
func TestReadsFrench(t *testing.T) {
	for _, s := range []string{
		UAIInvalid("12"), SheetDamaged, MailMalformedPart, FromMissing, NoNameColumn,
		ModelRoleHint, "Délais d'ouverture des accès", "le fichier est vide", "Le nom de l'école n'est pas indiqué.",
		"la demande n° %d n'existe pas", "%s %s : retrait confirmé, le %s\n",
		"%d école(s) acceptée(s), %d erreur(s)", "feuille « %s », ligne %d",
	} {
		if !readsFrench(s) {
			t.Errorf("readsFrench(%q) = false", s)
		}
	}
	for _, s := range []string{
		"record staff action %s by %s: %w", "sheet: unreadable file: ", "SELECT s.uai, c.name FROM schools s JOIN communes c ON c.id = s.commune_id",
		"the administrator's e-mail %q is not an address", "%s: %q is not a duration (write it like \"90s\", \"5m\" or \"1h30m\")",
		"UAI", "Métropole", "application/vnd.oasis.opendocument.spreadsheet", "Reçue le", "Écoles reçues", "Délai médian (jours)",
		"%s must fall before 20 August (%s): the Métropole applies the changes \"avant le 20 août\"",
		"SELECT ch.at, coalesce(sa.by, ''), coalesce(sa.kind, '') FROM changes ch LEFT JOIN staff_actions sa ON sa.id = ch.staff_action_id",
	} {
		if readsFrench(s) {
			t.Errorf("readsFrench(%q) = true", s)
		}
	}
	// The scan finds a sentence put back in code outside templates/.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sheet"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := "package sheet\n\nfunc missing() string {\n\treturn \"Le nom de l'école n'est pas indiqué.\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "sheet", "layout.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := frenchLiterals(t, dir)
	if len(got) != 1 || got[0].file != "sheet/layout.go" || got[0].line != 4 || got[0].decl != "missing" {
		t.Errorf("frenchLiterals = %+v, want sheet/layout.go:4 in missing", got)
	}
}
