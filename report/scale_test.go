package report

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// nationalFacts are n communes of perCommune schools each, over three school years: received
// in September 2024, a few opened, some removed in July 2025, and a list and a refused row each
// year; the shape of the national store, at any size.
func nationalFacts(n, perCommune int) Facts {
	var f Facts
	for i := range n {
		name, insee := fmt.Sprintf("Commune %04d", i), fmt.Sprintf("%05d", 1000+i)
		f.Communes = append(f.Communes, CommuneFact{Name: name, INSEE: insee, ConventionStart: ptr(at(2024, 3, 1))})
		for j := range perCommune {
			s := SchoolHistory{Commune: name, INSEE: insee, UAI: fmt.Sprintf("%07dA", i*perCommune+j), Name: fmt.Sprintf("École %d", j),
				ReceivedAt: at(2024, 9, 2), Spans: []Span{{From: at(2024, 9, 2)}}}
			if j%3 == 0 {
				s.ActivatedAt = ptr(at(2024, 9, 2+j%20))
			}
			if j%7 == 0 {
				s.Spans[0].To = at(2025, 7, 1)
			}
			f.Schools = append(f.Schools, s)
			f.Changes = append(f.Changes, ChangeFact{Commune: name, UAI: s.UAI, Kind: "add", At: s.ReceivedAt})
		}
		for y := 2024; y <= 2026; y++ {
			f.Requests = append(f.Requests, RequestFact{Commune: name, ReceivedAt: at(y, 5, 20), State: "applied", RefusedRows: map[string]int{"email": 1}})
		}
	}
	return f
}

// writeNational writes both workbooks of n communes of 22 schools (the national average).
func writeNational(tb testing.TB, n int) (fees, activity func()) {
	f := nationalFacts(n, 22)
	st := Fees(f, "2024-2025", 150, paris)
	ar := Activity(f, "2024-2025", paris)
	history := SchoolsByYear(f, []string{"2023-2024", "2024-2025"}, paris)
	return func() {
			if err := WriteFeesXLSX(io.Discard, st); err != nil {
				tb.Fatal(err)
			}
		}, func() {
			if err := WriteActivityXLSX(io.Discard, ar, history); err != nil {
				tb.Fatal(err)
			}
		}
}

// TestWriteXLSXGrowsLinearly: four times the communes cost at most five times the allocations,
// in the fee statement (a sheet per commune) and in the activity report (a line per commune).
// A call that walks every sheet for each sheet (excelize's SetDefinedName) makes it sixteen.
func TestWriteXLSXGrowsLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a statement of 400 communes")
	}
	smallFees, smallActivity := writeNational(t, 100)
	bigFees, bigActivity := writeNational(t, 400)
	for _, tc := range []struct {
		name       string
		small, big func()
	}{
		{"Fees", smallFees, bigFees},
		{"Activity", smallActivity, bigActivity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			small, big := testing.AllocsPerRun(1, tc.small), testing.AllocsPerRun(1, tc.big)
			t.Logf("%.0f allocations for 100 communes, %.0f for 400 (%.2f×)", small, big, big/small)
			if ratio := big / small; ratio > 5 {
				t.Errorf("400 communes: %.0f allocations, %.1f× those of 100 (%.0f); want at most 5×", big, ratio, small)
			}
		})
	}
}

// TestWriteFeesXLSXManySheets: every sheet of a statement of many communes prints its title
// and header on each page, and the first sheet is the one a reader opens on.
func TestWriteFeesXLSXManySheets(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFeesXLSX(&buf, Fees(nationalFacts(40, 3), "2024-2025", 150, paris)); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	sheets := f.GetSheetList()
	if len(sheets) != 41 {
		t.Fatalf("%d sheets, want 41", len(sheets))
	}
	var want []excelize.DefinedName
	for _, s := range sheets {
		want = append(want, excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: quoteSheet(s) + "!$1:$3", Scope: s})
	}
	if got := f.GetDefinedName(); !reflect.DeepEqual(got, want) {
		t.Errorf("defined names = %+v\nwant %+v", got, want)
	}
	if i := f.GetActiveSheetIndex(); i != 0 {
		t.Errorf("the workbook opens on sheet %d (%s)", i, sheets[i])
	}
	for i := range sheets {
		xml := zipFile(t, buf.Bytes(), fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1))
		if selected := strings.Contains(xml, `tabSelected="true"`) || strings.Contains(xml, `tabSelected="1"`); selected != (i == 0) {
			t.Errorf("sheet %d (%s): selected %v; want only the first sheet", i+1, sheets[i], selected)
		}
	}
}

// TestSchoolsByYear: the history counts each commune's schools as the statement of each year does.
func TestSchoolsByYear(t *testing.T) {
	years := []string{"2020-2021", "2023-2024", "2024-2025", "2025-2026", "2026-2027", "not a year"}
	got := SchoolsByYear(activityFacts(), years, paris)
	want := map[string]map[string]int{}
	for _, y := range years {
		for _, c := range Fees(activityFacts(), y, 150, paris).Communes {
			if want[c.Name] == nil {
				want[c.Name] = map[string]int{}
			}
			want[c.Name][y] = c.Schools
		}
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("SchoolsByYear = %v\nwant (Fees) %v", got, want)
	}
}

// BenchmarkWriteFeesXLSX writes the fee statement of the Métropole (59 communes) and of the
// country (2,000 communes, 45,000 schools): see the ns/op grow with the communes, not faster.
func BenchmarkWriteFeesXLSX(b *testing.B) {
	for _, n := range []int{59, 2000} {
		b.Run(fmt.Sprintf("communes=%d", n), func(b *testing.B) {
			fees, _ := writeNational(b, n)
			b.ReportAllocs()
			for b.Loop() {
				fees()
			}
		})
	}
}

// BenchmarkWriteActivityXLSX writes the activity report of the Métropole and of the country.
func BenchmarkWriteActivityXLSX(b *testing.B) {
	for _, n := range []int{59, 2000} {
		b.Run(fmt.Sprintf("communes=%d", n), func(b *testing.B) {
			_, activity := writeNational(b, n)
			b.ReportAllocs()
			for b.Loop() {
				activity()
			}
		})
	}
}
