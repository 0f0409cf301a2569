package mailparse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// corpusDir returns the directory of the enmime test messages: shared/mime-corpus/enmime beside
// the repository, found by walking up from the package directory to the module root. It returns
// "" when the corpus is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.Contains(string(mod), "module github.com/laclasse/intake\n") {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	corpus := filepath.Join(dir, "..", "shared", "mime-corpus", "enmime")
	if _, err := os.Stat(corpus); err != nil {
		return ""
	}
	return corpus
}

// corpusFiles returns the paths of the corpus messages, skipping the test when there are none.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	dir := corpusDir(t)
	if dir == "" {
		t.Skip("shared/mime-corpus/enmime is absent")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.raw"))
	if err != nil || len(files) == 0 {
		t.Skip("no message in shared/mime-corpus/enmime")
	}
	return files
}

// summary writes the attachments of m as "path:name:type" items, for comparisons.
func summary(m *Message) string {
	var items []string
	for _, a := range m.Attachments {
		item := fmt.Sprintf("%s:%s:%s", a.Path, a.Filename, a.ContentType)
		if a.Inline {
			item += ":inline"
		}
		items = append(items, item)
	}
	return strings.Join(items, " ")
}

// TestCorpus parses every message of the enmime corpus: none may fail or panic, and several have
// known attachments.
func TestCorpus(t *testing.T) {
	expected := map[string]struct {
		attachments string
		automatic   string
		problem     bool
	}{
		"attachment-application.raw":                   {attachments: "2:some.doc:application/msword"},
		"attachment-octet.raw":                         {attachments: "2:ATTACHMENT.EXE:application/octet-stream"},
		"attachment-only-inline-quoted-printable.raw":  {},
		"attachment-only-inline.raw":                   {attachments: "1:favicon.jpg:image/jpeg:inline"},
		"attachment-only-no-disposition.raw":           {attachments: "1:favicon.jpg:image/jpeg"},
		"attachment-only-text-attachment.raw":          {attachments: "1:test.csv:text/plain"},
		"attachment.raw":                               {attachments: "2:test.html:text/html"},
		"epilogue-sample.raw":                          {attachments: "2:test.html:text/html"},
		"header-only.raw":                              {problem: true},
		"html-mime-bad-charset-inline.raw":             {attachments: "2.2:favicon.png:image/png:inline"},
		"html-mime-bad-unknown-charset-inline.raw":     {attachments: "2.2:favicon.png:image/png:inline"},
		"html-only-inline.raw":                         {attachments: "1.2:favicon.png:image/png:inline"},
		"inlinemultipart.raw":                          {attachments: "2:test.pdf:application/pdf 3:test.txt:text/plain:inline"},
		"malformed-multiple-address-header-values.raw": {attachments: "2:test.pdf:application/pdf 3:test.txt:text/plain:inline"},
		"mime-alternative.raw":                         {},
		"mime-bad-8bit-filename.raw":                   {attachments: "2:管理.doc:application/msword"},
		"mime-bad-content-transfer-encoding.raw":       {},
		"mime-bad-content-type.raw":                    {attachments: "2:Invoice_302232133150612.pdf:application/pdf"},
		"mime-blank-media-name.raw":                    {attachments: "2:Invoice_302232133150612.pdf:application/pdf"},
		"mime-duplicate-param.raw":                     {attachments: "2:Invoice_302232133150612.pdf:application/pdf"},
		"mime-mixed-related.raw":                       {},
		"mime-mixed.raw":                               {},
		"mime-signed.raw":                              {attachments: "1.2:signature.asc:application/pgp-signature"},
		"mime-unquoted-tspecials-param.raw":            {attachments: "2:Invoice_(302232133150612).pdf:application/pdf"},
		"multipart-wo-boundary.raw":                    {automatic: "delivery status notification", problem: true},
		"non-mime.raw":                                 {},
		"other-multi-related.raw":                      {attachments: "2:image001.png:image/png 3:image002.png:image/png"},
		"other-parts.raw":                              {attachments: "2:B05.gif:image/gif"},
		"qp-utf8-header.raw":                           {},
		"unknown-part-type.raw":                        {attachments: "2:B05.gif:image/gif"},
	}
	checked := 0
	for _, file := range corpusFiles(t) {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(raw, DefaultLimits())
			if name == "erroneous.raw" {
				// The only file that is not a message: one line, no header field.
				if !errors.Is(err, ErrNotMessage) {
					t.Errorf("Parse = %v, want ErrNotMessage", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkSane(t, m, DefaultLimits())
			// Every corpus From holds one ordinary mailbox, except these lists of several.
			multiple := map[string]bool{"malformed-multiple-address-header-values.raw": true,
				"qp-utf8-header.raw": true, "qp-utf8-header-no-break.raw": true, "qp-utf8-header-recursed.raw": true}
			if (m.FromError != "") != multiple[name] || (m.From == "") != multiple[name] {
				t.Errorf("From = %q, FromError = %q (From field %q)", m.From, m.FromError, m.FromRaw)
			}
			want, ok := expected[name]
			if !ok {
				return
			}
			checked++
			if got := summary(m); got != want.attachments {
				t.Errorf("attachments %q, want %q", got, want.attachments)
			}
			if m.Automatic != want.automatic {
				t.Errorf("Automatic = %q, want %q", m.Automatic, want.automatic)
			}
			if (len(m.Problems) > 0) != want.problem {
				t.Errorf("Problems = %q", m.Problems)
			}
		})
	}
	if checked < 20 {
		t.Errorf("only %d corpus messages had expectations", checked)
	}
}

// TestCorpusDetails checks decoded contents and envelopes of a few corpus messages.
func TestCorpusDetails(t *testing.T) {
	dir := corpusDir(t)
	if dir == "" {
		t.Skip("shared/mime-corpus/enmime is absent")
	}
	read := func(name string) *Message {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Skip(err)
		}
		m, err := Parse(raw, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	m := read("attachment-only-text-attachment.raw")
	if len(m.Attachments) != 1 || string(m.Attachments[0].Data) != "Test;Test\n" {
		t.Errorf("test.csv: %q", summary(m))
	}
	m = read("attachment.raw")
	if len(m.Attachments) != 1 || string(m.Attachments[0].Data) != "<html>\n" {
		t.Errorf("test.html = %q", summary(m))
	}
	m = read("qp-utf8-header-recursed.raw")
	if m.Subject != "MIME UTF8 Test ¢ More Text" {
		t.Errorf("Subject = %q", m.Subject)
	}
	// Two mailboxes in From: no sender is chosen among them, and staff see the field.
	if m.From != "" || !strings.Contains(m.FromError, "2 adresses") || !strings.HasPrefix(m.FromRaw, "James Hillyerd <jamehi03@jamehi03lx.noa.com>, =?UTF-8?") {
		t.Errorf("From = %q, FromError = %q, FromRaw = %q", m.From, m.FromError, m.FromRaw)
	}
	m = read("qp-utf8-header.raw")
	if want := "James Hillyerd <jamehi03@jamehi03lx.noa.com>, André Pirard <PIRARD@vm1.ulg.ac.be>"; m.FromDecoded != want {
		t.Errorf("FromDecoded = %q, want %q", m.FromDecoded, want)
	}
	m = read("malformed-multiple-address-header-values.raw")
	if m.From != "" || m.FromError == "" || m.FromRaw != "Bob Dunite <bob@extern> Bobby Dunite <bobby@extern>" {
		t.Errorf("From = %q, FromError = %q, FromRaw = %q", m.From, m.FromError, m.FromRaw)
	}
	m = read("mime-bad-content-type.raw")
	if m.From == "" || m.FromError != "" {
		t.Errorf("From = %q, FromError = %q", m.From, m.FromError)
	}
	m = read("mime-bad-content-type.raw")
	if want := time.Date(2015, 6, 12, 22, 24, 1, 0, time.UTC); !m.Date.Equal(want) {
		t.Errorf("Date = %v, want %v", m.Date, want)
	}
	if m.MessageID != "F21768750C2E4303B37CA8EDCD498C67@dm3.entee.co.uk" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if a := m.Attachments; len(a) != 1 || !strings.HasPrefix(string(a[0].Data), "%PDF") {
		t.Errorf("the PDF was not decoded: %q", summary(m))
	}
}
