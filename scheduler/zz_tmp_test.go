package scheduler_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/bigstore"
	"github.com/laclasse/intake/report"
	"github.com/laclasse/intake/scheduler"
	"github.com/laclasse/intake/sqlite"
)

func TestTmpProfileFees(t *testing.T) {
	if os.Getenv("MEASURE") == "" {
		t.Skip()
	}
	ctx := context.Background()
	s, err := bigstore.Cached(ctx, bigstore.National)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, "/tmp/w/nat/intake.db", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cds []scheduler.CommuneDates
	for _, c := range s.Communes {
		cds = append(cds, scheduler.CommuneDates{Name: c.Name, INSEE: c.INSEE})
	}
	loc, _ := time.LoadLocation("Europe/Paris")
	t0 := time.Now()
	f, err := scheduler.Facts(ctx, db, cds)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("facts %v", time.Since(t0))
	t0 = time.Now()
	st := report.Fees(f, "2025-2026", 150, loc)
	t.Logf("fees %v", time.Since(t0))
	t0 = time.Now()
	var buf bytes.Buffer
	if err := report.WriteFeesXLSX(&buf, st); err != nil {
		t.Fatal(err)
	}
	t.Logf("fees xlsx %v, %d bytes, %d communes", time.Since(t0), buf.Len(), len(st.Communes))
}
