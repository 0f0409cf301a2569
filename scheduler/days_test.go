package scheduler

import (
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// The digest and the pending command count the days left the same way: a school due at 00:30 has
// one day left at 23:30 the evening before, not zero.
func TestActivationsDaysLeftAgreeWithPending(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 3, 10, 0, 30, 0, 0, paris)
	now := time.Date(2026, 3, 9, 23, 30, 0, 0, paris)
	soon, overdue := Activations([]convention.School{{Commune: "Givors", UAI: "0690001A", Name: "École Jaurès", Status: convention.StatusPending, DueAt: due.UTC()}}, now.UTC(), paris)
	if len(overdue) != 0 || len(soon) != 1 {
		t.Fatalf("soon %v, overdue %v; want one school soon", soon, overdue)
	}
	if got, want := soon[0].DaysLeft, convention.DaysLeft(now, due, paris); got != want || got != 1 {
		t.Errorf("digest says %d days left, pending says %d; want 1", got, want)
	}
}
