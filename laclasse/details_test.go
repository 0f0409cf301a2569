package laclasse_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
)

// details is the same administrator as add's, spelt and reached differently: a Fonction, the
// case of a name, another phone (convention.SameAdministrator).
func details(uai, email, phone string) convention.Change {
	ch := add(uai, email)
	ch.Kind = convention.ChangeAdminDetails
	ch.Admin.LastName, ch.Admin.Role, ch.Admin.Phone = "Martin", "Directrice d'école", phone
	before := add(uai, email).Admin
	ch.Before = &before
	return ch
}

// TestProvisionerUpdatesDetails: the same administrator's new details reach their account (the
// name as now spelt, the work phone replaced), with no rights moved, no account created, no new
// window: the school stays active. Done twice, the update writes nothing more.
func TestProvisionerUpdatesDetails(t *testing.T) {
	ctx := context.Background()
	f := newFakeService(t)
	db := registryWith(t, add("0690101K", "lea.martin@ac-lyon.fr"))
	p := provisioner(t, f, db)
	if n, err := p.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("activation: Flush = %d, %v", n, err)
	}

	apply(t, db, 2, details("0690101K", "lea.martin@ac-lyon.fr", "04 78 00 00 01"))
	if got := status(t, db, "0690101K"); got != convention.StatusActive {
		t.Fatalf("new details made the school %s, want it still active", got)
	}
	if n, err := p.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("details: Flush = %d, %v; want the update confirmed", n, err)
	}
	users := f.usersWithEmail("lea.martin@ac-lyon.fr")
	if len(users) != 1 || f.userCount() != 1 {
		t.Fatalf("%d users of the address, %d in all; want the one account", len(users), f.userCount())
	}
	u := users[0]
	if u.Lastname != "Martin" || u.Firstname != "Léa" {
		t.Errorf("account names %q %q, want Léa Martin as now spelt", u.Firstname, u.Lastname)
	}
	if len(u.Phones) != 1 || u.Phones[0].Number != "04 78 00 00 01" || u.Phones[0].Type != "TRAVAIL" {
		t.Errorf("account phones %+v, want the work phone replaced by 04 78 00 00 01", u.Phones)
	}
	if got := f.profilesOn("0690101K"); strings.Join(got, ",") != "lea.martin@ac-lyon.fr ADM" {
		t.Errorf("profiles %v: rights moved by an update of details", got)
	}
	if got := status(t, db, "0690101K"); got != convention.StatusActive {
		t.Errorf("the school is %s after the update, want active", got)
	}
	rights, err := rightsChanges(t, db)
	if err != nil || len(rights) != 0 {
		t.Errorf("rights to move after an update of details: %+v, %v", rights, err)
	}

	// The same details again, the phone in another layout: nothing to write.
	writes := f.writes()
	c := newClient(t, f)
	same := details("0690101K", "lea.martin@ac-lyon.fr", "+33 4 78 00 00 01").Admin
	if err := c.UpdateAdmin(ctx, "0690101K", same); err != nil {
		t.Fatal(err)
	}
	if f.writes() != writes {
		t.Errorf("%d writes for details already there", f.writes()-writes)
	}
}

// TestUpdateAdminOnlyTheSchoolsAccount: an account of that address that does not work on the
// school is left alone (its activation will carry the details), and a missing phone is added.
func TestUpdateAdminOnlyTheSchoolsAccount(t *testing.T) {
	ctx := context.Background()
	f := newFakeService(t)
	f.seedUser("Léa", "MARTIN", "lea.martin@ac-lyon.fr", [2]string{"ENS", "0690999Z"})
	c := newClient(t, f)
	adm := details("0690101K", "lea.martin@ac-lyon.fr", "04 78 00 00 01").Admin
	if err := c.UpdateAdmin(ctx, "0690101K", adm); err != nil {
		t.Fatal(err)
	}
	if f.writes() != 0 {
		t.Fatalf("%d writes to an account that does not work on the school", f.writes())
	}
	f.seedUser("Paul", "DURAND", "paul.durand@ac-lyon.fr", [2]string{"ADM", "0690102L"})
	paul := convention.Contact{LastName: "Durand", FirstName: "Paul", Email: "Paul.Durand@ac-lyon.fr", Phone: "04 72 10 31 40"}
	if err := c.UpdateAdmin(ctx, "0690102L", paul); err != nil {
		t.Fatal(err)
	}
	u := f.usersWithEmail("paul.durand@ac-lyon.fr")[0]
	if u.Lastname != "Durand" || len(u.Phones) != 1 || u.Phones[0].Number != "04 72 10 31 40" {
		t.Errorf("account %+v, want Durand with the work phone added", u)
	}
	if got := f.profilesOn("0690102L"); strings.Join(got, ",") != "paul.durand@ac-lyon.fr ADM" {
		t.Errorf("profiles %v", got)
	}
}

// rightsChanges returns the changes of administrator the directory must still follow.
func rightsChanges(t *testing.T, db *sqlite.DB) ([]sqlite.RightsChange, error) {
	t.Helper()
	var out []sqlite.RightsChange
	_, err := db.RunJob(context.Background(), "rights:test", t0.Add(2*time.Hour), func(tx *sqlite.Tx) ([]convention.OutgoingMail, error) {
		var err error
		out, err = tx.RightsChanges(t0.Add(-time.Hour), t0.Add(24*time.Hour))
		return nil, err
	})
	return out, err
}
