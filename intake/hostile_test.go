package intake

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sqlite"
)

var updateHostile = flag.Bool("update-hostile", false, "write the hostile corpus to testdata/hostile")

// zipBomb returns a zip whose one member inflates to size bytes of zeros, named like the main
// part of an xlsx or ods.
func zipBomb(t *testing.T, member string, size int64, extra map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range extra {
		w, _ := zw.Create(name)
		_, _ = w.Write([]byte(body))
	}
	w, err := zw.Create(member)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for written := int64(0); written < size; written += int64(len(chunk)) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const contentTypesXLSX = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`

// billionLaughs is an XML entity expansion in a sheet.
const billionLaughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Écoles"><table:table-row><table:table-cell><text:p>&lol9;</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`

type hostileCase struct {
	name  string
	raw   []byte
	state convention.RequestState
	reply []string // what the reply must say; nil: no reply
}

func commune(subject string, atts ...samples.Attachment) []byte {
	return samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: subject, MessageID: strings.ReplaceAll(subject, " ", "-") + "@test", Attachments: atts}.Raw()
}

func hostileCases(t *testing.T) []hostileCase {
	t.Helper()
	xlsx := samples.XLSX("Givors", samples.Rows(101, 2))
	encrypted, err := os.ReadFile(filepath.Join("..", "..", "shared", "sheet-corpus", "excelize", "encryptAES.xlsx"))
	if err != nil {
		t.Skipf("sheet corpus: %v", err)
	}
	odsBomb := zipBomb(t, "content.xml", 300<<20, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet"})
	xlsxBomb := zipBomb(t, "xl/worksheets/sheet1.xml", 300<<20, map[string]string{"[Content_Types].xml": contentTypesXLSX})
	var laughs bytes.Buffer
	zw := zip.NewWriter(&laughs)
	for name, body := range map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": billionLaughs} {
		w, _ := zw.Create(name)
		_, _ = w.Write([]byte(body))
	}
	_ = zw.Close()
	pdf := append([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"), bytes.Repeat([]byte("0"), 2000)...)
	big := bytes.Repeat([]byte("0690101K;École;MARTIN;Léa;Directrice;l@x.fr;0472103140\n"), 50<<20/56)

	var many bytes.Buffer
	many.WriteString("From: secretariat@mairie-givors.fr\r\nTo: p@l.fr\r\nSubject: parts\r\nMessage-ID: <many@test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&many, "--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
	}
	many.WriteString("--b--\r\n")

	var deep bytes.Buffer
	deep.WriteString("From: secretariat@mairie-givors.fr\r\nTo: p@l.fr\r\nSubject: deep\r\nMessage-ID: <deep@test>\r\nMIME-Version: 1.0\r\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&deep, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	deep.WriteString("Content-Type: text/plain\r\n\r\nbottom\r\n")
	for i := 99; i >= 0; i-- {
		fmt.Fprintf(&deep, "--b%d--\r\n", i)
	}

	malformed := []byte("From: secretariat@mairie-givors.fr\r\nSubject: =?utf-8?B?broken\r\nMessage-ID: <malformed@test>\r\nContent-Type: multipart/mixed; boundary=\"unterminated\r\nbad header line without colon\r\n\r\n--unterminated\r\nContent-Type: application/vnd.ms-excel; name=\"x.csv\r\n\r\nUAI;Nom\r\n--unterminated")

	return []hostileCase{
		{"ZipBombXLSX", commune("bombe xlsx", samples.Attachment{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: xlsxBomb}), convention.StateRefused, []string{"ecoles.xlsx", "aucune liste"}},
		{"ZipBombODS", commune("bombe ods", samples.Attachment{Name: "ecoles.ods", ContentType: "application/vnd.oasis.opendocument.spreadsheet", Data: odsBomb}), convention.StateRefused, []string{"ecoles.ods"}},
		{"EntityExpansion", commune("entites", samples.Attachment{Name: "ecoles.ods", ContentType: "application/vnd.oasis.opendocument.spreadsheet", Data: laughs.Bytes()}), convention.StateRefused, []string{"ecoles.ods"}},
		{"Encrypted", commune("chiffre", samples.Attachment{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: encrypted}), convention.StateRefused, []string{"mot de passe"}},
		{"MacrosNeverRun", commune("macros", samples.Attachment{Name: "ecoles.xlsm", ContentType: "application/vnd.ms-excel.sheet.macroEnabled.12", Data: xlsx}), convention.StateApplied, []string{"2 écoles ajoutées"}},
		{"PDFNamedXLSX", commune("pdf", samples.Attachment{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: pdf}), convention.StateRefused, []string{"ecoles.xlsx", "nom de tableur"}},
		{"FiftyMegabytes", commune("gros", samples.Attachment{Name: "ecoles.csv", ContentType: "text/csv", Data: big}), convention.StateRefused, []string{"dépasse la taille"}},
		{"TenThousandParts", many.Bytes(), convention.StateRefused, []string{"aucune liste"}},
		{"NestedHundredDeep", deep.Bytes(), convention.StateRefused, []string{"aucune liste"}},
		{"Malformed", malformed, convention.StateRefused, []string{"Bonjour"}},
		{"WinmailDat", commune("outlook", samples.Attachment{Name: "winmail.dat", ContentType: "application/ms-tnef", Data: []byte("\x78\x9f\x3e\x22rest")}), convention.StateRefused, []string{"winmail.dat", "pièce jointe ordinaire"}},
		{"BulkFromCommune", samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Lettre d'information", MessageID: "bulk@test", Headers: map[string]string{"Precedence": "bulk"}, Attachments: []samples.Attachment{{Name: "e.xlsx", ContentType: samples.XLSXType, Data: xlsx}}}.Raw(), convention.StateIgnored, nil},
		{"Bounce", []byte("From: MAILER-DAEMON@mairie-givors.fr\r\nTo: p@l.fr\r\nSubject: Undelivered Mail\r\nMessage-ID: <bounce@test>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--r--\r\n"), convention.StateIgnored, nil},
		{"ForgedUnknownSender", samples.Message{From: "mairie-givors@evil.example", To: samples.Mailbox, Subject: "Radiation", MessageID: "forged@test", Attachments: []samples.Attachment{{Name: "e.xlsx", ContentType: samples.XLSXType, Data: xlsx}}}.Raw(), convention.StateRejected, nil},
	}
}

// TestHostileInput hands the handler what a hostile or broken sender could send: each gets a
// clear refusal (or none, to a robot or a stranger), and the next message is handled as usual.
func TestHostileInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := hostileCases(t)
	if *updateHostile {
		for _, c := range cases {
			if len(c.raw) < 1<<20 {
				if err := os.WriteFile(filepath.Join("testdata", "hostile", c.name+".eml"), c.raw, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := f.store.Outbox(ctx)
			req, err := f.store.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1)}, now, c.raw)
			if err != nil {
				t.Fatal(err)
			}
			d, err := f.watcher.Handler.Decide(ctx, req)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if d.State != c.state {
				t.Fatalf("state %s (%s), want %s", d.State, d.Reason, c.state)
			}
			after, _ := f.store.Outbox(ctx)
			if c.reply == nil {
				if after.Waiting != before.Waiting {
					t.Fatalf("a reply was queued for a message that must get none")
				}
				return
			}
			if len(d.Outgoing) != 1 {
				t.Fatalf("%d replies queued, want 1", len(d.Outgoing))
			}
			text := replyText(t, d.Outgoing[0].Data)
			for _, w := range c.reply {
				if !strings.Contains(text, w) {
					t.Errorf("the reply does not say %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestHostileCorpus runs the files kept under testdata/hostile through the handler: none may
// make it fail.
func TestHostileCorpus(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	files, _ := filepath.Glob(filepath.Join("testdata", "hostile", "*.eml"))
	if len(files) == 0 {
		t.Fatal("no hostile corpus in testdata/hostile")
	}
	for i, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		req, err := f.store.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 2, UID: uint32(i + 1)}, now, raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.watcher.Handler.Decide(ctx, req); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}

func replyText(t *testing.T, raw []byte) string {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no text part: %v", err)
		}
		if h, ok := p.Header.(*mail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				var b bytes.Buffer
				_, _ = b.ReadFrom(p.Body)
				return b.String()
			}
		}
	}
}

// TestPanicQuarantines: a message that makes the handler panic is tried MaxAttempts times, then
// quarantined, not retried forever.
func TestPanicQuarantines(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	h := f.watcher.Handler
	h.Calendar.Location = nil // time.In(nil) panics: it stands for any bug met on a message
	raw := commune("panique", samples.Attachment{Name: "e.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Givors", samples.Rows(101, 1))})
	req, err := f.store.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 3, UID: 1}, now, raw)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < MaxAttempts; i++ {
		var merr *MessageError
		if _, err := h.Decide(ctx, req); !errors.As(err, &merr) || merr.Attempt != i {
			t.Fatalf("attempt %d: %v, want a *MessageError", i, err)
		}
	}
	d, err := h.Decide(ctx, req)
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	if d.State != convention.StateRejected || d.Target != "Rejetes" || !strings.Contains(d.Reason, "erreur interne") {
		t.Fatalf("decision %+v", d)
	}
}
