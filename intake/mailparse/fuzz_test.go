package mailparse

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzLimits keeps each fuzz run small.
var fuzzLimits = Limits{MaxMessageSize: 1 << 20, MaxParts: 64, MaxDepth: 8, MaxAttachmentSize: 1 << 16}

// checkSane checks the invariants every parsed message must hold.
func checkSane(t *testing.T, m *Message, lim Limits) {
	t.Helper()
	lim = lim.withDefaults()
	texts := map[string]string{
		"From": m.From, "FromName": m.FromName, "ReplyTo": m.ReplyTo, "Subject": m.Subject,
		"MessageID": m.MessageID, "Automatic": m.Automatic,
	}
	for i, r := range m.References {
		texts["References"+string(rune('0'+i%10))] = r
	}
	for i, p := range m.Problems {
		texts["Problem"+string(rune('0'+i%10))] = p
		if p == problemInternal {
			t.Errorf("the walk panicked")
		}
	}
	for i, a := range m.Attachments {
		texts["Filename"+string(rune('0'+i%10))] = a.Filename
		if int64(len(a.Data)) > lim.MaxAttachmentSize {
			t.Errorf("attachment %s: %d bytes, over the limit", a.Path, len(a.Data))
		}
		if a.Path == "" {
			t.Errorf("attachment %q without path", a.Filename)
		}
		if a.ContentType != strings.ToLower(a.ContentType) {
			t.Errorf("ContentType %q is not lower-cased", a.ContentType)
		}
		if strings.EqualFold(a.Filename, "winmail.dat") || a.ContentType == "application/ms-tnef" {
			t.Errorf("winmail.dat returned as an attachment")
		}
	}
	for name, s := range texts {
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8: %q", name, s)
		}
	}
	if m.From != strings.ToLower(m.From) || m.From != "" && !validAddress(m.From) {
		t.Errorf("From = %q", m.From)
	}
	if (m.From == "") == (m.FromError == "") {
		t.Errorf("From = %q and FromError = %q: exactly one must be set", m.From, m.FromError)
	}
	for name, s := range map[string]string{"FromRaw": m.FromRaw, "FromDecoded": m.FromDecoded, "FromName": m.FromName, "FromError": m.FromError} {
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }) || len(s) > 2*maxShownHeader {
			t.Errorf("%s holds a control character or is too long: %q", name, s)
		}
	}
	if len(m.Problems) > 0 && len(m.Problems) > 4*lim.MaxParts+10 {
		t.Errorf("%d problems", len(m.Problems))
	}
}

// FuzzParse feeds Parse with mutations of the corpus and of the table messages: it must never
// panic, and what it returns must hold the invariants of checkSane. Crashers found are kept in
// testdata/fuzz/FuzzParse and replayed by go test.
func FuzzParse(f *testing.F) {
	if dir := corpusDir(f); dir != "" {
		files, _ := os.ReadDir(dir)
		for _, e := range files {
			if strings.HasSuffix(e.Name(), ".raw") {
				if raw, err := os.ReadFile(dir + "/" + e.Name()); err == nil {
					f.Add(raw)
				}
			}
		}
	}
	for _, tc := range parseCases {
		f.Add([]byte(tc.raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, fuzzLimits)
		if err != nil {
			if m != nil || !errors.Is(err, ErrNotMessage) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Parse = %v, %v", m, err)
			}
			return
		}
		checkSane(t, m, fuzzLimits)
	})
}

// TestTruncations parses the test and corpus messages cut at many places, as a dropped connection
// would leave them: no cut may break the invariants.
func TestTruncations(t *testing.T) {
	var raws [][]byte
	for _, tc := range parseCases {
		raws = append(raws, []byte(tc.raw))
	}
	if dir := corpusDir(t); dir != "" {
		files, _ := os.ReadDir(dir)
		for _, e := range files {
			if raw, err := os.ReadFile(dir + "/" + e.Name()); err == nil && strings.HasSuffix(e.Name(), ".raw") {
				raws = append(raws, raw)
			}
		}
	}
	for _, raw := range raws {
		step := max(1, len(raw)/300)
		for n := 0; n <= len(raw); n += step {
			m, err := Parse(raw[:n], fuzzLimits)
			if err != nil {
				if !errors.Is(err, ErrNotMessage) {
					t.Fatalf("cut at %d: %v", n, err)
				}
				continue
			}
			checkSane(t, m, fuzzLimits)
		}
	}
}
