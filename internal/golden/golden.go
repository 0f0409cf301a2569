// Package golden compares what a test produced with a file kept in its testdata, the one way the
// packages' golden tests do it: the file is rewritten when the test is run with its update flag,
// and a difference is reported at its first differing line.
package golden

import (
	"os"
	"strings"
	"testing"
)

// Check fails t unless got is the content of the file at path; with update, it writes got there
// first. what names the content in the failure ("replies", "composed mails").
func Check(t testing.TB, path, got string, update bool, what string) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			t.Fatalf("%s differ from %s at line %d:\ngot  %.300q\nwant %.300q", what, path, i+1, gl[i], wl[i])
		}
	}
	t.Fatalf("%s differ from %s: %d lines, want %d", what, path, len(gl), len(wl))
}
