package sheet

import (
	"bytes"
	"testing"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/sheetgen"
)

// The generated lists of n schools in every format, for benchmarks, limits and fuzz seeds, come
// from internal/sheetgen, which the harness in bench uses too: the speed measured here and the
// memory measured there are on the same files.

func benchXLSX(tb testing.TB, n int) []byte {
	tb.Helper()
	b, err := sheetgen.XLSX(n)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func benchODS(tb testing.TB, n int) []byte {
	tb.Helper()
	b, err := sheetgen.ODS(n)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func benchCSV(n int) []byte { return sheetgen.CSV(n) }
func benchXLS(n int) []byte { return sheetgen.XLS(n) }

func biffRecord(b *bytes.Buffer, typ uint16, data []byte) { sheetgen.BIFFRecord(b, typ, data) }
func biffOf(sheets map[string][][]any, order []string) []byte {
	return sheetgen.BIFF(sheets, order)
}
func cfbOf(stream []byte) []byte { return sheetgen.CFB(stream) }

// TestGenerated reads back 1,000 generated schools in every format.
func TestGenerated(t *testing.T) {
	const n = 1000
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"x.xlsx", benchXLSX(t, n)},
		{"x.ods", benchODS(t, n)},
		{"x.xls", benchXLS(n)},
		{"x.csv", benchCSV(n)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Read(t.Context(), tt.name, tt.data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Schools) != n || len(l.Problems) != 0 {
				t.Fatalf("%d schools, problems %+v", len(l.Schools), l.Problems[:min(3, len(l.Problems))])
			}
			want := convention.SchoolEntry{Sheet: l.Schools[3].Sheet, Row: 5, UAI: "0690003D", Name: "École élémentaire n°3",
				Admin: convention.Contact{LastName: "LEFÈVRE3", FirstName: "Éloïse", Role: "Directrice", Email: "eloise.lefevre3@ac-lyon.fr", Phone: "+33472000003"}}
			if l.Schools[3] != want {
				t.Errorf("school 3 = %+v\nwant %+v", l.Schools[3], want)
			}
		})
	}
}
