package templates

import "testing"

// TestConsolePagesParse: every console page parses with the layout and the words' functions (a
// page that does not would answer an empty page).
func TestConsolePagesParse(t *testing.T) {
	pages := ConsolePages()
	if len(pages) < 12 {
		t.Fatalf("console pages: %v", pages)
	}
	for _, name := range pages {
		if _, err := consolePage(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestConsoleLabels: every state, status, change and staff action has its French name.
func TestConsoleLabels(t *testing.T) {
	for _, c := range []struct {
		label func(string) string
		keys  []string
	}{
		{RequestStateLabel, []string{"claimed", "applied", "refused", "rejected", "duplicate", "ignored", "forwarded", "held", "reverted"}},
		{SchoolStatusLabel, []string{"pending", "active", "removed"}},
		{ChangeLabel, []string{"add", "readd", "change_admin", "admin_details", "rename", "schedule_remove", "cancel_removal", "activate", "remove", "hold_remove", "drop_remove"}},
		{StaffActionLabel, []string{"release", "add_sender", "activate", "confirm", "drop_held", "revert", "handled", "resend", "terminate"}},
	} {
		for _, k := range c.keys {
			if got := c.label(k); got == k || got == "" {
				t.Errorf("no French name for %q", k)
			}
		}
	}
}
