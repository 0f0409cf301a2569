package bigstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sheet"
	"github.com/laclasse/intake/sqlite"
)

func TestProto(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := time.Date(2017, 6, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	db, err := sqlite.Open(ctx, filepath.Join(dir, "x.db"), now)
	if err != nil { t.Fatal(err) }
	var cs []convention.Commune
	n := 200
	for i := range n {
		cs = append(cs, convention.Commune{Name: fmt.Sprintf("Commune %04d", i), INSEE: fmt.Sprintf("%05d", 10000+i), Senders: []string{fmt.Sprintf("@mairie-%04d.fr", i)}})
	}
	if err := db.SyncCommunes(ctx, cs); err != nil { t.Fatal(err) }
	h := &intake.Handler{Store: db, Communes: cs, From: "partenariat@laclasse.example", Processed: "Traites", Rejected: "Rejetes",
		Calendar: convention.DefaultCalendar(time.UTC), SheetLimits: sheet.DefaultLimits(), MailLimits: mailparse.DefaultLimits(), Now: now}
	for _, xl := range []bool{false, true} {
	start := time.Now()
	for i := range n {
		rows := samples.Rows(i*23+1+boolInt(xl)*100000, 23)
		var a samples.Attachment
		if xl { a = samples.Attachment{Name: "ecoles.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: samples.XLSX(cs[i].Name, rows)} } else {
		a = samples.Attachment{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV(rows)} }
		raw := samples.Message{From: fmt.Sprintf("ecoles@mairie-%04d.fr", i), To: "partenariat@laclasse.example", Subject: "Liste", MessageID: fmt.Sprintf("m%d-%v@x", i, xl), Date: clock, Attachments: []samples.Attachment{a}}.Raw()
		req, err := db.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1 + boolInt(xl)*1000)}, clock, raw)
		if err != nil { t.Fatal(err) }
		d, err := h.Decide(ctx, req)
		if err != nil { t.Fatal(err) }
		if i == 0 { t.Log(d.State, d.Kind, len(d.Changes), len(raw)) }
	}
	t.Logf("xlsx=%v: %v per request", xl, time.Since(start)/time.Duration(n))
	}
}
func boolInt(b bool) int { if b { return 1 }; return 0 }
