package sheet

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
)

var benchSizes = []int{100, 10_000, 100_000}

// benchLimits lets the largest generated inputs through: a 100,000-row xls written with LABEL
// records is larger than the 20 MB a commune may send.
func benchLimits() Limits {
	lim := DefaultLimits()
	lim.MaxFileSize = 256 << 20
	return lim
}

var (
	benchMu    sync.Mutex
	benchCache = map[string][]byte{}
)

// benchInput generates (once) a list of n schools in format.
func benchInput(tb testing.TB, format Format, n int) []byte {
	benchMu.Lock()
	defer benchMu.Unlock()
	key := fmt.Sprint(format, n)
	if b, ok := benchCache[key]; ok {
		return b
	}
	var b []byte
	switch format {
	case FormatXLSX:
		b = benchXLSX(tb, n)
	case FormatODS:
		b = benchODS(tb, n)
	case FormatXLS:
		b = benchXLS(n)
	case FormatCSV:
		b = benchCSV(n)
	}
	benchCache[key] = b
	return b
}

// BenchmarkRead reads generated lists of 100, 10,000 and 100,000 schools in every format (see
// TestPeakMemory for the peak memory of reading 100,000 rows).
func BenchmarkRead(b *testing.B) {
	for _, format := range []Format{FormatXLSX, FormatODS, FormatXLS, FormatCSV} {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", format, n), func(b *testing.B) {
				data := benchInput(b, format, n)
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					l, err := Read(context.Background(), "liste."+string(format), data, benchLimits())
					if err != nil {
						b.Fatal(err)
					}
					if len(l.Schools) != n {
						b.Fatalf("%d schools, want %d", len(l.Schools), n)
					}
				}
			})
		}
	}
}

// BenchmarkExcelizeBareLoop reads the same xlsx files as BenchmarkRead with a bare excelize
// Rows() loop, with the options Read uses: the floor Read is measured against.
func BenchmarkExcelizeBareLoop(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			data := benchInput(b, FormatXLSX, n)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			lim := DefaultLimits()
			for b.Loop() {
				f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
					UnzipSizeLimit: lim.MaxUnzipSize, UnzipXMLSizeLimit: min(lim.MaxXMLSize, xlsxMemoryLimit)})
				if err != nil {
					b.Fatal(err)
				}
				rows, err := f.Rows("Sheet1")
				if err != nil {
					b.Fatal(err)
				}
				cells := 0
				for rows.Next() {
					cols, err := rows.Columns(excelize.Options{RawCellValue: true})
					if err != nil {
						b.Fatal(err)
					}
					cells += len(cols)
				}
				rows.Close()
				f.Close()
				if cells != 7*(n+1) {
					b.Fatalf("%d cells", cells)
				}
			}
		})
	}
}
