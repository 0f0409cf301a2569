package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/laclasse/intake/templates"
)

// readCSV reads a csv file as one sheet named sheet: separator ";", "," or tab (or what a
// "sep=" first line says), UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252 when the
// bytes are not UTF-8.
func readCSV(data []byte, sheet string, sink rowSink) error {
	text, err := decodeText(data)
	if err != nil {
		return err
	}
	comma, text := guessComma(text)
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = comma
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	if err := sink.sheet(sheet); err != nil {
		return err
	}
	row, prevEnd := 0, 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil && !errors.Is(err, csv.ErrFieldCount) {
			return unreadable(err, templates.SheetBadCSV)
		}
		// encoding/csv skips empty lines, which a spreadsheet shows as empty rows
		line, _ := r.FieldPos(0)
		row += 1 + max(0, line-prevEnd-1)
		last, _ := r.FieldPos(len(rec) - 1)
		prevEnd = last + strings.Count(rec[len(rec)-1], "\n")
		if err := sink.row(row, rec); err != nil {
			return err
		}
	}
}

// decodeText returns the text of a csv file as UTF-8.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		return string(data[3:]), nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", unreadable(err, reasonDamaged)
		}
		return string(b), nil
	case utf8.Valid(data):
		return string(data), nil
	}
	s, err := charmap.Windows1252.NewDecoder().String(string(data))
	if err != nil {
		return "", unreadable(err, reasonDamaged)
	}
	return s, nil
}

// guessComma finds the separator of a csv text from its first lines: the candidate that splits
// the most lines into the same number of fields. A first line "sep=;" (written by Excel) decides,
// and is removed.
func guessComma(text string) (rune, string) {
	if strings.HasPrefix(text, "sep=") || strings.HasPrefix(text, "SEP=") {
		end := strings.IndexByte(text, '\n')
		if end < 0 {
			end = len(text)
		}
		line := strings.TrimRight(text[4:end], "\r")
		if r, size := utf8.DecodeRuneInString(line); size == len(line) && size > 0 {
			return r, text[min(end+1, len(text)):]
		}
	}
	sample := text
	if len(sample) > 64<<10 {
		sample = sample[:64<<10]
	}
	lines := strings.Split(sample, "\n")
	if len(lines) > 40 {
		lines = lines[:40]
	}
	best, bestScore := ';', -1
	for _, c := range []rune{';', '\t', ',', '|'} {
		counts := make(map[int]int)
		for _, line := range lines {
			n, quoted := 0, false
			for _, r := range line {
				switch {
				case r == '"':
					quoted = !quoted
				case r == c && !quoted:
					n++
				}
			}
			if n > 0 {
				counts[n]++
			}
		}
		// score: lines that agree on the most common count, then that count
		score := 0
		for n, k := range counts {
			if s := k*1000 + min(n, 999); s > score {
				score = s
			}
		}
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	return best, text
}
