package scheduler

import (
	"slices"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
)

// TestRecipients: the list's contacts and notify; failing those, the last list's sender;
// failing that, the declared whole addresses; lower-case, each once.
func TestRecipients(t *testing.T) {
	ref := &convention.Contact{Email: "Referent@Givors.fr"}
	lead := &convention.Contact{Email: "referent@givors.fr "}
	for _, tc := range []struct {
		name string
		cc   convention.Commune
		info sqlite.CommuneInfo
		want []string
	}{
		{"Contacts", convention.Commune{Notify: []string{"DGS@givors.fr"}, Senders: []string{"mairie@givors.fr"}},
			sqlite.CommuneInfo{Contacts: convention.CommuneContacts{TechnicalReferent: ref, ProjectLead: lead}, LastSender: "secretaire@givors.fr"},
			[]string{"referent@givors.fr", "dgs@givors.fr"}},
		{"LastSender", convention.Commune{Senders: []string{"mairie@givors.fr", "@givors.fr"}},
			sqlite.CommuneInfo{LastSender: "Secretaire@Givors.fr"}, []string{"secretaire@givors.fr"}},
		{"LastSenderNoLongerDeclared", convention.Commune{Senders: []string{"@givors-ville.fr"}},
			sqlite.CommuneInfo{LastSender: "secretaire@givors.fr"}, nil},
		{"DeclaredAddresses", convention.Commune{Senders: []string{"@givors.fr", "Mairie@givors.fr", "mairie@givors.fr"}},
			sqlite.CommuneInfo{}, []string{"mairie@givors.fr"}},
		{"Nobody", convention.Commune{Senders: []string{"@givors.fr"}}, sqlite.CommuneInfo{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := recipients(tc.cc, tc.info); !slices.Equal(got, tc.want) {
				t.Errorf("recipients = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDigestRights: by hand, what is waiting is to do; with the provisioner, done or pending;
// each names both administrators.
func TestDigestRights(t *testing.T) {
	jean := convention.Contact{FirstName: "Jean", LastName: "Martin", Email: "jean.martin@ac-lyon.fr"}
	marie := convention.Contact{FirstName: "Marie", LastName: "Durand", Email: "marie.durand@ac-lyon.fr", Phone: "+33472103140"}
	rights := []sqlite.RightsChange{
		{Commune: "Givors", UAI: "0690123A", Name: "Jaurès", After: marie, Before: &jean, State: "waiting"},
		{Commune: "Givors", UAI: "0690124B", Name: "Curie", After: marie, Before: &jean, State: "done"},
		{Commune: "Givors", UAI: "0690125C", Name: "Zola", After: marie, Before: &jean, State: "failed"},
	}
	t.Run("ByHand", func(t *testing.T) {
		got := DigestRights(rights, false, time.UTC)
		if len(got) != 1 || got[0].State != "todo" || got[0].To != "Marie Durand" || got[0].ToContact != "marie.durand@ac-lyon.fr, 04 72 10 31 40" || got[0].From != "Jean Martin" {
			t.Fatalf("rights = %+v", got)
		}
	})
	t.Run("Provisioner", func(t *testing.T) {
		got := DigestRights(rights, true, time.UTC)
		if len(got) != 2 || got[0].State != "pending" || got[1].State != "done" {
			t.Fatalf("rights = %+v", got)
		}
	})
}
