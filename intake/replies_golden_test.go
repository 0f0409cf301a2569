package intake

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"
	"github.com/laclasse/intake/internal/golden"
	"github.com/laclasse/intake/internal/samples"
)

var updateReplies = flag.Bool("update-replies", false, "rewrite testdata/replies.golden from the replies as they are written now")

// TestRepliesGolden: the mails answering the sample morning and twelve lists (administrators'
// phones French, overseas, Belgian, a freephone) are, text and HTML, byte for byte those of
// testdata/replies.golden, recorded before the reply was made cheaper (the phones' fast path,
// the rendering's buffers); -update-replies records a change of wording on purpose.
func TestRepliesGolden(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	uid := uint32(1)
	var msgs []samples.Message
	for _, c := range samples.Scenario() {
		msgs = append(msgs, c.Message)
	}
	cs := samples.Communes()
	for i := range 12 {
		c := cs[i%len(cs)]
		var rows []samples.Row
		for j := range 3 + i {
			r := samples.Rows(20_000+i*100+j, 1)[0]
			r.Phone = []string{"04 72 10 31 4%d", "+262 692 12 34 5%d", "+32 2 123 45 6%d", "06 12 34 56 7%d", "0800 12 34 5%d", "+590 690 12 34 5%d"}[(i+j)%6]
			r.Phone = fmt.Sprintf(r.Phone, j%10)
			rows = append(rows, r)
		}
		from := c.Senders[0]
		if strings.HasPrefix(from, "@") {
			from = fmt.Sprintf("golden.%d", i) + from
		}
		m := samples.Message{From: "Mairie <" + from + ">", To: samples.Mailbox, Subject: fmt.Sprintf("Écoles %d", i), MessageID: fmt.Sprintf("g%d@test", i),
			Attachments: []samples.Attachment{{Name: "Écoles.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX(c.Name, rows)}}}
		msgs = append(msgs, m)
	}
	for _, m := range msgs {
		d := decideRaw(t, f, uid, m.Raw())
		uid++
		fmt.Fprintf(&b, "== %s %s %s\n", m.Subject, d.State, d.Reason)
		for _, o := range d.Outgoing {
			fmt.Fprintf(&b, "-- %s %v\n", o.Kind, o.To)
			mr, err := gomail.CreateReader(bytes.NewReader(o.Data))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "subject %q\n", mr.Header.Get("Subject"))
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				body, _ := io.ReadAll(p.Body)
				ct := p.Header.Get("Content-Type")
				if strings.Contains(ct, "spreadsheet") {
					body = []byte(fmt.Sprintf("<%d bytes of xlsx>", len(body)))
				}
				fmt.Fprintf(&b, "part %s\n%s\n", ct, body)
			}
		}
	}
	golden.Check(t, filepath.Join("testdata", "replies.golden"), b.String(), *updateReplies, "replies")
}
