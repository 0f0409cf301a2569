package annuairegen

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// AsAPIExport rewrites a directory file in the real extract's format (data) as the portal's API
// exports it (/api/explore/v2.1/catalog/datasets/fr-en-annuaire-education/exports/csv): field
// names in lower case, LF line ends, no BOM, fields quoted only when they must be, and, as a
// careless or newer file may have them, a column more at the end, no final newline, and the
// address of 0940176F (Fresnes) holding a ';' and a newline.
func AsAPIExport(t testing.TB, data []byte) []byte {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read the extract: %v", err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = ';'
	for i, rec := range recs {
		rec = append(rec, "")
		if i == 0 {
			for j := range rec {
				rec[j] = strings.ToLower(rec[j])
			}
			rec[len(rec)-1] = "geo_shape"
		} else {
			rec[len(rec)-1] = `{"type": "Point"}`
		}
		if rec[0] == "0940176F" {
			rec[4] += ";\nB" // a building B on a line of its own
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
