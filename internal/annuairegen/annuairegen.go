// Package annuairegen writes directory files (Annuaire de l'éducation) of any size in the format
// of a real extract, for benchmarks and tests: the extract's header, and rows modelled on its
// rows, of every type of establishment (écoles, collèges, lycées…), public and private, across
// the country's communes, each with its own valid UAI.
package annuairegen

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
)

// NationalRows is about how many rows the national file has.
const NationalRows = 65000

// types is the mix of establishments of the national file, by weight.
var types = []struct {
	name   string
	weight int
}{{"Ecole", 70}, {"Collège", 12}, {"Lycée", 8}, {"Médico-social", 4}, {"Information et orientation", 2}, {"Service Administratif", 2}, {"EREA", 1}, {"Autre", 1}}

// Extract is a real extract read: its header and rows.
type Extract struct {
	Header []string
	Rows   [][]string
}

// ReadExtract reads the directory extract at path (UTF-8 with BOM, ';').
func ReadExtract(path string) (*Extract, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read the extract %s: %w", path, err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("read the extract %s: no rows", path)
	}
	return &Extract{Header: recs[0], Rows: recs[1:]}, nil
}

// column returns the index of the column named name, or -1.
func (x *Extract) column(name string) int {
	for i, h := range x.Header {
		if h == name {
			return i
		}
	}
	return -1
}

// Write writes a directory of n rows in the extract's format (BOM, ';', CRLF): row i is the
// extract's row i modulo its length, with UAI 0{i+1000000}, a type from the national mix, one
// row in six private, one in a hundred closing, in one of a thousand communes.
func (x *Extract) Write(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("\xef\xbb\xbf")
	cw := csv.NewWriter(bw)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.Write(x.Header); err != nil {
		return err
	}
	uai, name, typ, status := x.column("Identifiant_de_l_etablissement"), x.column("Nom_etablissement"), x.column("Type_etablissement"), x.column("Statut_public_prive")
	insee, commune, state := x.column("Code_commune"), x.column("Nom_commune"), x.column("etat")
	total := 0
	for _, t := range types {
		total += t.weight
	}
	row := make([]string, len(x.Header))
	for i := 0; i < n; i++ {
		copy(row, x.Rows[i%len(x.Rows)])
		row[uai] = UAI(1000000 + i)
		k, t := i%total, ""
		for _, ty := range types {
			if k < ty.weight {
				t = ty.name
				break
			}
			k -= ty.weight
		}
		row[typ] = t
		if t != "Ecole" {
			row[name] = strings.Replace(row[name], "Ecole", t, 1)
		}
		row[status] = "Public"
		if i%6 == 5 {
			row[status] = "Privé"
		}
		row[state] = "OUVERT"
		if i%100 == 99 {
			row[state] = "A FERMER"
		}
		c := i % 1000
		row[insee] = fmt.Sprintf("%02d%03d", 1+c%95, 1+c/95)
		row[commune] = fmt.Sprintf("Commune %s", row[insee])
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// UAI returns the UAI of number n (seven digits) with its check letter.
func UAI(n int) string {
	const letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
	return fmt.Sprintf("%07d%c", n, letters[n%23])
}
