package templates

import (
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/rendered.golden from the templates as they render now")

// goldenMails are everyMail and a few odd replies: non-breaking and trailing spaces, runs of
// blank lines, an empty reply.
func goldenMails() map[string]func() (Rendered, error) {
	mails := everyMail()
	at := time.Date(2026, 6, 1, 7, 5, 0, 0, time.UTC)
	mails["reply-odd"] = func() (Rendered, error) {
		return RenderReply(Reply{Commune: "Écully", Subject: "  liste \u00a0", ReceivedAt: at, NoList: true, MailNotes: []string{"x\u00a0", "  "}, Signature: "\u00a0Sig \t\n\n\n\u2028"})
	}
	mails["reply-empty"] = func() (Rendered, error) { return RenderReply(Reply{}) }
	return mails
}

// TestRenderGolden: every mail renders, byte for byte, as recorded in testdata/rendered.golden
// (recorded before the rendering was made cheaper; go test -run TestRenderGolden -update
// records a change of wording on purpose).
func TestRenderGolden(t *testing.T) {
	mails := goldenMails()
	var names []string
	for n := range mails {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		r, err := mails[n]()
		fmt.Fprintf(&b, "== %s %v\nSUBJECT %q\nTEXT %q\nHTML %q\n", n, err, r.Subject, r.Text, r.HTML)
	}
	at := time.Date(2026, 6, 1, 7, 5, 0, 0, time.UTC)
	for _, d := range []time.Time{{}, at, at.AddDate(0, 0, 30), time.Date(1999, 12, 1, 23, 59, 0, 0, time.UTC)} {
		fmt.Fprintf(&b, "%q %q\n", FrenchDate(d), FrenchDateTime(d))
	}
	for _, s := range []string{"", "\n", "a\n\n\n b \t\n\n", "\u00a0\n\nx\n\n\n\n\u00a0 ", "x\r\n\r\n\r\ny", " \t\n"} {
		fmt.Fprintf(&b, "%q\n", squeezeBlankLines(s))
	}
	golden.Check(t, filepath.Join("testdata", "rendered.golden"), b.String(), *update, "rendered mails")
}
