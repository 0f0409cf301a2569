package templates

import "testing"

// TestRevertLineText: `intaked revert` prints each school as the mail to the commune names it.
func TestRevertLineText(t *testing.T) {
	for _, tc := range []struct {
		name string
		line RevertLine
		want string
	}{
		{"Add", RevertLine{UAI: "0690101K", School: "École Jaurès", What: "add"}, "0690101K « École Jaurès » : ajout annulé, l'école est retirée"},
		{"Rename", RevertLine{UAI: "0690102L", School: "École Veil", What: "rename", Restored: "École Zola"}, "0690102L « École Veil » : changement de nom annulé, l'école s'appelle de nouveau « École Zola »"},
		{"Removal", RevertLine{UAI: "0690103M", School: "École Curie", What: "removal"}, "0690103M « École Curie » : radiation prévue annulée, l'école reste"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RevertLineText(tc.line); got != tc.want {
				t.Errorf("RevertLineText = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTaskLabel: every task of the directory the digest may report refused has a French name.
func TestTaskLabel(t *testing.T) {
	for _, kind := range []string{"activate", "change_admin", "remove", "update_admin"} {
		if got := TaskLabel(kind); got == kind || got == "" {
			t.Errorf("TaskLabel(%q) = %q", kind, got)
		}
	}
}
