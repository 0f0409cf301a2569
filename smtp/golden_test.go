package smtp

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/composed.golden from Compose as it writes now")

// goldenMails are mails of every shape Compose writes: a reply with long French text, HTML and
// files (one with a name and a type to clean), a text alone, an HTML alone, nothing.
func goldenMails() []Mail {
	at := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	long := strings.Repeat("Bonjour, l'école Jean Jaurès est ajoutée. ", 300)
	return []Mail{
		{From: "partenariat@laclasse.example", FromName: "Laclasse.com – Métropole", To: []string{"mairie@givors.fr", "b@c.fr"}, Subject: "Re: Adhésion " + strings.Repeat("é", 300), Date: at, InReplyTo: "abc@givors.fr", References: []string{"root@givors.fr", "x y", "b@c"},
			AutoReplied: true, Text: long, HTML: "<p>" + long + "</p>", Files: []File{{Name: "modèle.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: bytes.Repeat([]byte{0, 1, 2, 250}, 5000)}, {Name: "x\r\ny", ContentType: "bad type", Data: []byte("x")}}},
		{From: "a@b.fr", To: []string{"c@d.fr"}, Subject: "Synthèse", Date: at, Text: "court"},
		{From: "a@b.fr", To: []string{"c@d.fr"}, ReplyTo: "e@f.fr", Subject: "", Date: at, HTML: "<p>seul</p>"},
		{From: "a@b.fr", To: []string{"c@d.fr"}, Subject: "vide", Date: at},
	}
}

// TestComposeGolden: Compose writes, byte for byte, what testdata/composed.golden records (made
// before Compose was made cheaper), but for the random Message-ID and MIME boundaries; go test
// -run TestComposeGolden -update records a change on purpose.
func TestComposeGolden(t *testing.T) {
	boundary := regexp.MustCompile(`boundary=([0-9a-zA-Z'()+_,./:=?-]+)`)
	msgid := regexp.MustCompile(`<[0-9a-f]{24}@`)
	var b strings.Builder
	for i, m := range goldenMails() {
		raw, err := Compose(m)
		s := string(raw)
		for _, mm := range boundary.FindAllStringSubmatch(s, -1) {
			s = strings.ReplaceAll(s, mm[1], "BOUNDARY")
		}
		s = msgid.ReplaceAllString(s, "<ID@")
		fmt.Fprintf(&b, "== %d %v\n%s\n", i, err, s)
	}
	golden.Check(t, filepath.Join("testdata", "composed.golden"), b.String(), *update, "composed mails")
}

// TestComposedSize: the buffer Compose allocates up front holds the whole message (it is not
// grown and copied), and is not much larger.
func TestComposedSize(t *testing.T) {
	for i, m := range goldenMails() {
		raw, err := Compose(m)
		if err != nil {
			t.Fatal(err)
		}
		if est := composedSize(m); est < len(raw) || est > len(raw)*3/2+4096 {
			t.Errorf("mail %d: %d bytes, composedSize says %d", i, len(raw), est)
		}
	}
}

// TestHighBytes: counting eight bytes at a time finds every byte over 0x7f, wherever it is.
func TestHighBytes(t *testing.T) {
	base := "école Jaurès ; €uros, ñ, plain ascii text="
	for n := 0; n <= len(base); n++ {
		s := base[:n]
		want := 0
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				want++
			}
		}
		if got := highBytes(s); got != want {
			t.Errorf("highBytes(%q) = %d, want %d", s, got, want)
		}
	}
}
