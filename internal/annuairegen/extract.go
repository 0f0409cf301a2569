package annuairegen

import (
	"os"
	"path/filepath"
	"testing"
)

// ExtractName is the real extract's file name in shared/annuaire: the 613 public schools of
// Val-de-Marne, as the Ministry publishes them.
const ExtractName = "fr-en-annuaire-education-94.csv"

// RealExtract returns the path of the real extract, in shared/annuaire next to the repository
// (or above the test's directory). Without it the test is skipped, unless
// INTAKE_REAL_SERVERS=require (CI), where it fails.
func RealExtract(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		for _, p := range []string{filepath.Join(d, "shared", "annuaire", ExtractName), filepath.Join(d, "..", "shared", "annuaire", ExtractName)} {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if os.Getenv("INTAKE_REAL_SERVERS") == "require" {
		t.Fatalf("no shared/annuaire/%s next to the repository", ExtractName)
	}
	t.Skipf("no shared/annuaire/%s next to the repository", ExtractName)
	return ""
}
