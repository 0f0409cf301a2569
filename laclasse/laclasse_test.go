package laclasse_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/laclasse"
)

// uaiOf returns the UAI of seven digits, with its check letter.
func uaiOf(digits string) string { return digits + string(convention.UAICheckLetter(digits)) }

var (
	schoolA = uaiOf("0691234")
	schoolB = uaiOf("0692345")
	schoolC = uaiOf("0693456")

	alice = convention.Contact{LastName: "Curie", FirstName: "Marie", Role: "Directrice", Email: "marie.curie@ecole-a.example", Phone: "+33472103140"}
	bob   = convention.Contact{LastName: "Pasteur", FirstName: "Louis", Role: "Directeur", Email: "louis.pasteur@ecole-b.example", Phone: "+33478000001"}
	carol = convention.Contact{LastName: "Lumière", FirstName: "Auguste", Role: "Enseignant", Email: "auguste.lumiere@ecole-a.example"}
)

func school(uai, name string, admin convention.Contact) convention.School {
	return convention.School{Commune: "Givors", UAI: uai, Name: name, Status: convention.StatusPending, Admin: admin}
}

// newClient returns a client of f with fast retries; edit changes its configuration.
func newClient(t *testing.T, f *fakeService, edit ...func(*laclasse.Config)) *laclasse.Client {
	t.Helper()
	cfg := laclasse.Config{
		URL:           f.srv.URL,
		AppID:         f.appID,
		AppKey:        f.appKey,
		StructureType: primarySchoolType,
		Timeout:       5 * time.Second,
		MaxRetries:    4,
		BaseDelay:     time.Millisecond,
		MaxDelay:      4 * time.Millisecond,
	}
	for _, e := range edit {
		e(&cfg)
	}
	return laclasse.New(cfg, f.srv.Client())
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCount(t *testing.T, f *fakeService, pattern string, want int) {
	t.Helper()
	if got := f.count(pattern); got != want {
		t.Errorf("%s: %d requests, want %d", pattern, got, want)
	}
}

func wantProfiles(t *testing.T, f *fakeService, uai string, want ...string) {
	t.Helper()
	if got := f.profilesOn(uai); !slices.Equal(got, want) {
		t.Errorf("profiles on %s = %q, want %q", uai, got, want)
	}
}

// onlyUser returns the one user with that address.
func onlyUser(t *testing.T, f *fakeService, email string) fakeUser {
	t.Helper()
	users := f.usersWithEmail(email)
	if len(users) != 1 {
		t.Fatalf("%d users with %s, want 1", len(users), email)
	}
	return users[0]
}

func TestActivate(t *testing.T) {
	cases := []struct {
		name  string
		seed  func(f *fakeService)
		admin convention.Contact
		check func(t *testing.T, f *fakeService)
	}{
		{
			name:  "from scratch",
			admin: alice,
			check: func(t *testing.T, f *fakeService) {
				wantCount(t, f, "POST /api/structures", 1)
				wantCount(t, f, "POST /api/users", 1)
				wantCount(t, f, "POST /api/users/{id}/profiles", 0)
				if s := f.structure(schoolA); s.Name != "École Jean Moulin" || s.Type != primarySchoolType {
					t.Errorf("structure = %+v", s)
				}
				u := onlyUser(t, f, alice.Email)
				if u.Firstname != "Marie" || u.Lastname != "Curie" {
					t.Errorf("names = %q %q", u.Firstname, u.Lastname)
				}
				if want := (fakeEmail{ID: 1, UserID: u.ID, Address: alice.Email, Type: "Autre", Primary: true}); !slices.Equal(u.Emails, []fakeEmail{want}) {
					t.Errorf("emails = %+v", u.Emails)
				}
				if len(u.Phones) != 1 || u.Phones[0].Number != "+33472103140" || u.Phones[0].Type != "TRAVAIL" {
					t.Errorf("phones = %+v", u.Phones)
				}
				if len(u.Profiles) != 1 || !u.Profiles[0].Active {
					t.Errorf("profiles = %+v, want one active ADM", u.Profiles)
				}
			},
		},
		{
			name:  "structure exists",
			seed:  func(f *fakeService) { f.seedStructure(schoolA, "ECOLE PRIMAIRE PUBLIQUE JEAN MOULIN") },
			admin: alice,
			check: func(t *testing.T, f *fakeService) {
				wantCount(t, f, "POST /api/structures", 0)
				wantCount(t, f, "PUT /api/structures/{id}", 0)
				if s := f.structure(schoolA); s.Name != "ECOLE PRIMAIRE PUBLIQUE JEAN MOULIN" {
					t.Errorf("name changed to %q", s.Name)
				}
			},
		},
		{
			name:  "structure exists without a name",
			seed:  func(f *fakeService) { f.seedStructure(schoolA, "") },
			admin: alice,
			check: func(t *testing.T, f *fakeService) {
				wantCount(t, f, "POST /api/structures", 0)
				wantCount(t, f, "PUT /api/structures/{id}", 1)
				if s := f.structure(schoolA); s.Name != "École Jean Moulin" {
					t.Errorf("name = %q", s.Name)
				}
			},
		},
		{
			name: "user exists",
			seed: func(f *fakeService) {
				f.seedUser("Marie", "Curie", "Marie.Curie@Ecole-A.example", [2]string{"ENS", schoolC})
			},
			admin: alice,
			check: func(t *testing.T, f *fakeService) {
				wantCount(t, f, "POST /api/users", 0)
				wantCount(t, f, "POST /api/users/{id}/profiles", 1)
				if n := f.userCount(); n != 1 {
					t.Errorf("%d users, want 1", n)
				}
				// The teacher profile stays the one she works with.
				u := onlyUser(t, f, alice.Email)
				for _, p := range u.Profiles {
					if p.Active != (p.Type == "ENS") {
						t.Errorf("profile %+v: active should stay on ENS", p)
					}
				}
				wantProfiles(t, f, schoolC, "marie.curie@ecole-a.example ENS")
			},
		},
		{
			name:  "user already administrator",
			seed:  func(f *fakeService) { f.seedUser("Marie", "Curie", alice.Email, [2]string{"ADM", schoolA}) },
			admin: alice,
			check: func(t *testing.T, f *fakeService) {
				if n := f.writes(); n != 0 {
					t.Errorf("%d writes, want none", n)
				}
			},
		},
		{
			name: "two accounts share the address",
			seed: func(f *fakeService) {
				f.seedUser("Marie", "Curie", alice.Email, [2]string{"TUT", schoolC})
				f.seedUser("Marie", "Curie", alice.Email, [2]string{"ENS", schoolC})
			},
			admin: alice,
			check: func(t *testing.T, f *fakeService) {
				wantCount(t, f, "POST /api/users", 0)
				users := f.usersWithEmail(alice.Email)
				if len(users) != 2 || len(users[0].Profiles) != 2 || len(users[1].Profiles) != 1 {
					t.Errorf("users = %+v, want the ADM profile on the first account", users)
				}
			},
		},
		{
			name:  "names outside the charset are sanitised",
			admin: convention.Contact{FirstName: "Jean-Kévin (J.K.)", LastName: "O’Brien / Martin_Dupont", Email: "jk@ecole-a.example", Phone: "+33472103140"},
			check: func(t *testing.T, f *fakeService) {
				if fakeNameRE.MatchString("O’Brien / Martin_Dupont") {
					t.Fatal("the fake service would accept the raw name: the case proves nothing")
				}
				u := onlyUser(t, f, "jk@ecole-a.example")
				if u.Firstname != "Jean-Kévin J K" || u.Lastname != "O'Brien Martin Dupont" {
					t.Errorf("names = %q %q", u.Firstname, u.Lastname)
				}
			},
		},
		{
			name:  "no phone",
			admin: convention.Contact{FirstName: "Marie", LastName: "Curie", Email: alice.Email},
			check: func(t *testing.T, f *fakeService) {
				if u := onlyUser(t, f, alice.Email); len(u.Phones) != 0 {
					t.Errorf("phones = %+v", u.Phones)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t)
			if tc.seed != nil {
				tc.seed(f)
			}
			c := newClient(t, f)
			mustNil(t, c.Activate(t.Context(), school(schoolA, "École Jean Moulin", tc.admin)))
			if f.structure(schoolA) == nil {
				t.Fatal("no structure")
			}
			admins := 0
			for _, p := range f.profilesOn(schoolA) {
				if p == strings.ToLower(tc.admin.Email)+" ADM" {
					admins++
				}
			}
			if admins != 1 {
				t.Errorf("profiles on the school = %q, want one ADM of %s", f.profilesOn(schoolA), tc.admin.Email)
			}
			wantCount(t, f, "DELETE /api/users/{id}", 0)
			tc.check(t, f)
		})
	}
}

func TestActivateIsIdempotent(t *testing.T) {
	f := newFakeService(t)
	c := newClient(t, f)
	run := func() {
		t.Helper()
		mustNil(t, c.Activate(t.Context(), school(schoolA, "École A", alice)))
		mustNil(t, c.Activate(t.Context(), school(schoolB, "École B", alice))) // one admin, two schools
	}
	run()
	first, writes := f.snapshot(), f.writes()
	if writes != 4 { // two structures, one user, one more profile
		t.Errorf("first run: %d writes, want 4", writes)
	}
	run()
	if got := f.snapshot(); got != first {
		t.Errorf("second run changed the state:\n%s\nwant:\n%s", got, first)
	}
	if got := f.writes(); got != writes {
		t.Errorf("second run: %d writes, want none", got-writes)
	}
	if n := f.userCount(); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	wantProfiles(t, f, schoolA, "marie.curie@ecole-a.example ADM")
	wantProfiles(t, f, schoolB, "marie.curie@ecole-a.example ADM")
}

func TestChangeAdmin(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(t *testing.T, c *laclasse.Client, f *fakeService)
		old, new convention.Contact
		want     []string // profiles on school A afterwards
		check    func(t *testing.T, f *fakeService)
	}{
		{
			name: "replaces the administrator",
			setup: func(t *testing.T, c *laclasse.Client, f *fakeService) {
				mustNil(t, c.Activate(t.Context(), school(schoolA, "École A", alice)))
				mustNil(t, c.Activate(t.Context(), school(schoolB, "École B", alice)))
			},
			old: alice, new: bob,
			want: []string{"louis.pasteur@ecole-b.example ADM"},
			check: func(t *testing.T, f *fakeService) {
				wantProfiles(t, f, schoolB, "marie.curie@ecole-a.example ADM")
				onlyUser(t, f, alice.Email) // still there
				if n := f.userCount(); n != 2 {
					t.Errorf("%d users, want 2", n)
				}
			},
		},
		{
			name: "new administrator already has an account",
			setup: func(t *testing.T, c *laclasse.Client, f *fakeService) {
				mustNil(t, c.Activate(t.Context(), school(schoolA, "École A", alice)))
				f.seedUser("Louis", "Pasteur", bob.Email, [2]string{"ENS", schoolA})
			},
			old: alice, new: bob,
			want: []string{"louis.pasteur@ecole-b.example ADM", "louis.pasteur@ecole-b.example ENS"},
			check: func(t *testing.T, f *fakeService) {
				wantCount(t, f, "POST /api/users", 1) // alice only
			},
		},
		{
			name: "old administrator keeps her other profiles on the school",
			setup: func(t *testing.T, c *laclasse.Client, f *fakeService) {
				f.seedUser("Marie", "Curie", alice.Email, [2]string{"ENS", schoolA})
				mustNil(t, c.Activate(t.Context(), school(schoolA, "École A", alice)))
			},
			old: alice, new: carol,
			want: []string{"auguste.lumiere@ecole-a.example ADM", "marie.curie@ecole-a.example ENS"},
		},
		{
			name: "same person, new details",
			setup: func(t *testing.T, c *laclasse.Client, f *fakeService) {
				mustNil(t, c.Activate(t.Context(), school(schoolA, "École A", alice)))
			},
			old: alice, new: convention.Contact{LastName: "Curie", FirstName: "Marie", Email: "MARIE.CURIE@ecole-a.example", Phone: "+33600000000"},
			want: []string{"marie.curie@ecole-a.example ADM"},
			check: func(t *testing.T, f *fakeService) {
				wantCount(t, f, "DELETE /api/users/{id}/profiles/{pid}", 0)
			},
		},
		{
			name:  "old administrator unknown to the service",
			setup: func(t *testing.T, c *laclasse.Client, f *fakeService) { f.seedStructure(schoolA, "École A") },
			old:   alice, new: bob,
			want: []string{"louis.pasteur@ecole-b.example ADM"},
		},
		{
			name: "school missing from the service",
			old:  alice, new: bob,
			want: []string{"louis.pasteur@ecole-b.example ADM"},
			check: func(t *testing.T, f *fakeService) {
				if s := f.structure(schoolA); s == nil || s.Name != "École A" {
					t.Errorf("structure = %+v", s)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t)
			c := newClient(t, f)
			if tc.setup != nil {
				tc.setup(t, c, f)
			}
			users := f.userCount()
			mustNil(t, c.ChangeAdmin(t.Context(), schoolA, tc.old, tc.new, "École A"))
			wantProfiles(t, f, schoolA, tc.want...)
			wantCount(t, f, "DELETE /api/users/{id}", 0)
			if f.userCount() < users {
				t.Errorf("users went from %d to %d", users, f.userCount())
			}
			if tc.check != nil {
				tc.check(t, f)
			}
			// Again: nothing left to do.
			state, writes := f.snapshot(), f.writes()
			mustNil(t, c.ChangeAdmin(t.Context(), schoolA, tc.old, tc.new, "École A"))
			if f.snapshot() != state || f.writes() != writes {
				t.Errorf("a second ChangeAdmin changed the state (%d writes)", f.writes()-writes)
			}
		})
	}
}

func TestRemove(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, c *laclasse.Client, f *fakeService)
		uai   string
		want  []string // profiles on uai afterwards
		check func(t *testing.T, f *fakeService)
	}{
		{
			name: "removes every ADM profile",
			setup: func(t *testing.T, c *laclasse.Client, f *fakeService) {
				mustNil(t, c.Activate(t.Context(), school(schoolA, "École A", alice)))
				f.seedUser("Louis", "Pasteur", bob.Email, [2]string{"ADM", schoolA})
				f.seedUser("Auguste", "Lumière", carol.Email, [2]string{"DIR", schoolA})
			},
			uai:  schoolA,
			want: []string{"auguste.lumiere@ecole-a.example DIR"},
			check: func(t *testing.T, f *fakeService) {
				if f.structure(schoolA) == nil {
					t.Error("the structure is gone")
				}
				if n := f.userCount(); n != 3 {
					t.Errorf("%d users, want 3", n)
				}
			},
		},
		{
			name: "the administrator keeps her other schools",
			setup: func(t *testing.T, c *laclasse.Client, f *fakeService) {
				mustNil(t, c.Activate(t.Context(), school(schoolA, "École A", alice)))
				mustNil(t, c.Activate(t.Context(), school(schoolB, "École B", alice)))
			},
			uai: schoolA,
			check: func(t *testing.T, f *fakeService) {
				wantProfiles(t, f, schoolB, "marie.curie@ecole-a.example ADM")
			},
		},
		{
			name: "school unknown to the service",
			uai:  schoolC,
			check: func(t *testing.T, f *fakeService) {
				if n := f.writes(); n != 0 {
					t.Errorf("%d writes, want none", n)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t)
			c := newClient(t, f)
			if tc.setup != nil {
				tc.setup(t, c, f)
			}
			mustNil(t, c.Remove(t.Context(), tc.uai))
			wantProfiles(t, f, tc.uai, tc.want...)
			wantCount(t, f, "DELETE /api/users/{id}", 0)
			if tc.check != nil {
				tc.check(t, f)
			}
			state, writes := f.snapshot(), f.writes()
			mustNil(t, c.Remove(t.Context(), tc.uai))
			if f.snapshot() != state || f.writes() != writes {
				t.Error("a second Remove changed the state")
			}
		})
	}
}

// A 4xx answer is permanent: returned at once as an *APIError with the service's message.
func TestClientErrorsAreNotRetried(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(*laclasse.Config)
		admin   convention.Contact
		status  int
		message string
		route   string // the request refused, sent once; "" counts every request
	}{
		{
			name:    "address refused by the service",
			admin:   convention.Contact{FirstName: "Marie", LastName: "Curie", Email: "marie+ecole@ecole-a.example"},
			status:  http.StatusBadRequest,
			message: "Invalid field 'address' value 'marie+ecole@ecole-a.example'",
			route:   "POST /api/users",
		},
		{
			name:    "structure type unknown to the service",
			edit:    func(c *laclasse.Config) { c.StructureType = 42 },
			admin:   alice,
			status:  http.StatusBadRequest,
			message: "Invalid field 'type' value '42'",
			route:   "POST /api/structures",
		},
		{
			name:    "unknown application",
			edit:    func(c *laclasse.Config) { c.AppID = "someone-else" },
			admin:   alice,
			status:  http.StatusUnauthorized,
			message: "Authentication is needed",
		},
		{
			name:    "wrong key",
			edit:    func(c *laclasse.Config) { c.AppKey = "wrong" },
			admin:   alice,
			status:  http.StatusForbidden,
			message: "Insufficient authorization",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t)
			edits := []func(*laclasse.Config){}
			if tc.edit != nil {
				edits = append(edits, tc.edit)
			}
			c := newClient(t, f, edits...)
			err := c.Activate(t.Context(), school(schoolA, "École A", tc.admin))
			var apiErr *laclasse.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if apiErr.Status != tc.status || apiErr.Message != tc.message {
				t.Errorf("got %d %q, want %d %q", apiErr.Status, apiErr.Message, tc.status, tc.message)
			}
			if !apiErr.Permanent() || !laclasse.IsPermanent(err) {
				t.Error("a 4xx answer should be permanent")
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("Error() = %q lacks the service's message", err)
			}
			if tc.route != "" {
				wantCount(t, f, tc.route, 1)
			} else if n := f.total(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// What the service would refuse is refused before any request.
func TestInvalidCallsSendNothing(t *testing.T) {
	badUAI := "0691234" + string(convention.UAICheckLetter("0691235"))
	cases := []struct {
		name string
		edit func(*laclasse.Config)
		call func(ctx context.Context, c *laclasse.Client) error
	}{
		{
			name: "UAI with a wrong check letter",
			call: func(ctx context.Context, c *laclasse.Client) error {
				return c.Activate(ctx, school(badUAI, "École", alice))
			},
		},
		{
			name: "removal of a malformed UAI",
			call: func(ctx context.Context, c *laclasse.Client) error { return c.Remove(ctx, "069123") },
		},
		{
			name: "administrator without e-mail",
			call: func(ctx context.Context, c *laclasse.Client) error {
				return c.Activate(ctx, school(schoolA, "École", convention.Contact{FirstName: "Marie", LastName: "Curie"}))
			},
		},
		{
			name: "last name without any acceptable character",
			call: func(ctx context.Context, c *laclasse.Client) error {
				return c.ChangeAdmin(ctx, schoolA, alice, convention.Contact{FirstName: "Marie", LastName: "(?)", Email: "x@y.example"}, "École")
			},
		},
		{
			name: "structure type not configured",
			edit: func(c *laclasse.Config) { c.StructureType = 0 },
			call: func(ctx context.Context, c *laclasse.Client) error { return c.Remove(ctx, schoolA) },
		},
		{
			name: "no address",
			edit: func(c *laclasse.Config) { c.URL = "" },
			call: func(ctx context.Context, c *laclasse.Client) error {
				return c.Activate(ctx, school(schoolA, "École", alice))
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t)
			edits := []func(*laclasse.Config){}
			if tc.edit != nil {
				edits = append(edits, tc.edit)
			}
			err := tc.call(t.Context(), newClient(t, f, edits...))
			if err == nil || !laclasse.IsPermanent(err) {
				t.Errorf("err = %v, want a permanent error", err)
			}
			if n := f.total(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// scenario is a day of work: two schools opened, an administrator replaced, a school removed, a
// school activated again.
func scenario(t *testing.T, c *laclasse.Client) {
	t.Helper()
	ctx := t.Context()
	mustNil(t, c.Activate(ctx, school(schoolA, "École A", alice)))
	mustNil(t, c.Activate(ctx, school(schoolB, "École B", bob)))
	mustNil(t, c.ChangeAdmin(ctx, schoolA, alice, carol, "École A"))
	mustNil(t, c.Remove(ctx, schoolB))
	mustNil(t, c.Activate(ctx, school(schoolA, "École A", carol)))
	mustNil(t, c.Activate(ctx, school(schoolC, "École C", alice)))
}

// With a flaky service, the end state is the one a healthy service reaches: nothing missing,
// nothing created twice.
func TestFlakyServiceReachesTheSameState(t *testing.T) {
	healthy := newFakeService(t)
	scenario(t, newClient(t, healthy))
	want := healthy.snapshot()

	cases := []struct {
		name   string
		faults func(f *fakeService)
	}{
		{"every third call fails with 503", func(f *fakeService) { f.failEvery = 3 }},
		{"every fourth call fails with 503", func(f *fakeService) { f.failEvery = 4 }},
		{"every third answer is lost", func(f *fakeService) { f.loseEvery = 3 }},
		{"every other answer is lost", func(f *fakeService) { f.loseEvery = 2 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t)
			tc.faults(f)
			scenario(t, newClient(t, f, func(c *laclasse.Config) { c.MaxRetries = 6 }))
			if injected, _ := f.faults(); injected == 0 {
				t.Fatal("no fault injected")
			}
			if got := f.snapshot(); got != want {
				t.Errorf("state after faults:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// A request that outlasts the timeout is abandoned and sent again; an abandoned creation is not
// applied twice.
func TestTimeoutIsRetried(t *testing.T) {
	for _, route := range []string{"GET /api/structures/", "POST /api/structures", "GET /api/users", "POST /api/users"} {
		t.Run(route, func(t *testing.T) {
			f := newFakeService(t)
			f.slowRoute, f.slowDelay = route, 10*time.Second
			c := newClient(t, f, func(c *laclasse.Config) { c.Timeout = 300 * time.Millisecond })
			mustNil(t, c.Activate(t.Context(), school(schoolA, "École A", alice)))
			if _, slowDone := f.faults(); !slowDone {
				t.Fatal("the slow request never came")
			}
			if got, handled := f.total(), f.handled(); got != handled+1 {
				t.Errorf("%d requests, %d handled: want exactly one abandoned", got, handled)
			}
			wantProfiles(t, f, schoolA, "marie.curie@ecole-a.example ADM")
			onlyUser(t, f, alice.Email)
		})
	}
}

func TestRetriesAreBounded(t *testing.T) {
	cases := []struct {
		name       string
		maxRetries int
		requests   int
	}{
		{"no retry", -1, 1},
		{"two retries", 2, 3},
		{"default", 0, 1 + laclasse.DefaultMaxRetries},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t)
			f.failEvery = 1
			c := newClient(t, f, func(c *laclasse.Config) { c.MaxRetries = tc.maxRetries })
			err := c.Activate(t.Context(), school(schoolA, "École A", alice))
			var apiErr *laclasse.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable {
				t.Fatalf("err = %v, want a 503 *APIError", err)
			}
			if laclasse.IsPermanent(err) {
				t.Error("a 503 should not be permanent")
			}
			if n := f.total(); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}

func TestContextEndsRetries(t *testing.T) {
	cases := []struct {
		name string
		ctx  func(t *testing.T) context.Context
		want error
	}{
		{
			name: "deadline during the backoff",
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
				t.Cleanup(cancel)
				return ctx
			},
			want: context.DeadlineExceeded,
		},
		{
			name: "cancelled before the call",
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				return ctx
			},
			want: context.Canceled,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t)
			f.failEvery = 1
			c := newClient(t, f, func(c *laclasse.Config) {
				c.MaxRetries, c.BaseDelay, c.MaxDelay = 1000, 20*time.Millisecond, 20*time.Millisecond
			})
			start := time.Now()
			err := c.Activate(tc.ctx(t), school(schoolA, "École A", alice))
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("returned after %v", d)
			}
		})
	}
}

func TestFakeServiceRefusesAnonymousRequests(t *testing.T) {
	f := newFakeService(t)
	resp, err := f.srv.Client().Get(f.srv.URL + "/api/structures")
	mustNil(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", resp.StatusCode)
	}
}

func TestSanitizeName(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "Dupont", "Dupont"},
		{"accents and ligatures", "Hélène Œuvrard-Nöël", "Hélène Œuvrard-Nöël"},
		{"decomposed accents", "He\u0301le\u0300ne", "Hélène"},
		{"typographic apostrophe", "D’Artagnan", "D'Artagnan"},
		{"en dash", "Jean–Pierre", "Jean-Pierre"},
		{"brackets and dots", "Jean-Kévin (J.K.)", "Jean-Kévin J K"},
		{"slash and underscore", "Martin/Dupont_Durand", "Martin Dupont Durand"},
		{"spaces collapse", "  Marie   Anne \t", "Marie Anne"},
		{"digits kept", "Louis 14", "Louis 14"},
		{"other scripts dropped", "Zoé 李", "Zoé"},
		{"nothing left", "(?)", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := laclasse.SanitizeName(tc.in)
			if got != tc.want {
				t.Errorf("SanitizeName(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got != "" && !fakeNameRE.MatchString(got) {
				t.Errorf("%q would be refused", got)
			}
		})
	}
}

func TestPhoneNumber(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"E.164", "+33472103140", "+33472103140"},
		{"spaces kept", "+33 4 72 10 31 40", "+33 4 72 10 31 40"},
		{"dots dropped", "04.72.10.31.40", "0472103140"},
		{"brackets dropped", "+33 (0)4 72 10 31 40", "+33 04 72 10 31 40"},
		{"empty", "", ""},
		{"no digit", "n/a", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := laclasse.PhoneNumber(tc.in)
			if got != tc.want {
				t.Errorf("PhoneNumber(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got != "" && !fakePhoneRE.MatchString(got) {
				t.Errorf("%q would be refused", got)
			}
		})
	}
}
