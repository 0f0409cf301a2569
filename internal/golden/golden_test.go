package golden

import (
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records a failure instead of stopping the test.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = format
	panic(r)
}

func check(t *testing.T, path, got string, update bool) (failed string) {
	r := &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		failed = r.failed
	}()
	Check(r, path, got, update, "texts")
	return ""
}

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	if f := check(t, path, "a\nb\n", true); f != "" {
		t.Fatalf("update then compare failed: %s", f)
	}
	if f := check(t, path, "a\nb\n", false); f != "" {
		t.Fatalf("the same text failed: %s", f)
	}
	if f := check(t, path, "a\nc\n", false); !strings.Contains(f, "at line") {
		t.Fatalf("a changed line: %q, want a failure naming the line", f)
	}
	if f := check(t, path, "a\nb\n\n", false); !strings.Contains(f, "lines, want") {
		t.Fatalf("an added line: %q, want a failure counting the lines", f)
	}
}
