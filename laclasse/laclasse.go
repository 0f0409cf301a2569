// Package laclasse is in charge of laclasse.com's directory API (LaclasseService): opening a
// school's structure and its administrator's account.
//
// The client speaks to LaclasseService's REST API as an application (HTTP Basic with app_id and
// app_key; an application has every right there). It uses:
//
//	GET    /api/structures/{uai}                  the structure, with its profiles
//	POST   /api/structures                        {id, name, type}
//	PUT    /api/structures/{uai}                  {name}
//	GET    /api/users?emails.address={email}      users by e-mail
//	GET    /api/users/{id}                        a user, with its profiles
//	POST   /api/users                             {firstname, lastname, emails, phones, profiles}
//	PUT    /api/users/{id}                        {firstname, lastname}
//	POST   /api/users/{id}/profiles               {type, structure_id}
//	DELETE /api/users/{id}/profiles/{profile_id}
//	POST   /api/users/{id}/phones                 {number, type}
//	PUT    /api/users/{id}/phones/{phone_id}      {number}
//
// An ADM (or DIR) profile on a structure gives administrator rights on it. The client only ever
// adds and removes ADM profiles: it never deletes a user or a structure, and never touches DIR
// profiles (they come from the national directory, AAF). Of an existing account it changes only
// the names and the work phone, when the registry's administrator of a school the account works
// on is spelt or reached differently (UpdateAdmin).
//
// What was checked in LaclasseService's source, and what was assumed:
//
//   - The sub-resource routes /api/users/{id}/profiles[/{profile_id}] come from its generic
//     ModelService (POST creates the profile for that user, DELETE removes it, both answer the
//     whole user). /api/profiles/{id} would do the same.
//   - A profile's "active" flag is not what gives rights: it marks the one profile a user
//     currently works with, and setting it deactivates the user's other profiles. The client
//     sends active: true only on a profile of a user it creates (their only profile); on an
//     existing user it adds the ADM profile without changing which profile is active, so that the
//     administrator of several schools is not switched back and forth.
//   - Errors are answered as {"error": "message"}; an unknown item as 404.
//   - Assumed, not found in the source: that the users search accepts the filter
//     emails.address (the answers are filtered again here, so an ignored filter cannot pick the
//     wrong person), that POST /api/users creates the nested emails, phones and profiles, and the
//     character sets of names and phone numbers (see [SanitizeName]).
//
// Failures: a 5xx answer, a connection error or a timeout is retried with capped exponential
// backoff and jitter, a bounded number of times; a 4xx answer is never retried and comes back as
// an [*APIError] carrying LaclasseService's message. A creation (POST) whose answer was lost may
// have been applied: before sending it again the client looks whether it was, so a retry never
// creates a second user, structure or profile.
package laclasse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
)

// Defaults applied by [New] to the zero values of [Config].
const (
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 4
	DefaultBaseDelay  = 500 * time.Millisecond
	DefaultMaxDelay   = 30 * time.Second
)

// Profile types of LaclasseService that give administrator rights on a structure.
const (
	ProfileAdmin    = "ADM" // the profile this package gives and takes away
	ProfileDirector = "DIR" // school head, from the national directory; never touched here
)

// Config is how to reach LaclasseService.
type Config struct {
	// URL is the service's base address, e.g. "https://www.laclasse.com"; the client adds
	// /api/… to it.
	URL string
	// AppID and AppKey are the application's credentials, sent with HTTP Basic authentication.
	AppID, AppKey string
	// StructureType is the type given to the structures the client creates: an id of
	// GET /api/structures_types on the instance. It is required, with no default: the ids are
	// rows of the instance's database, not constants of LaclasseService's code, so the id of a
	// primary school ("école") must be read from that list once and configured.
	StructureType int
	// Timeout bounds each HTTP request (DefaultTimeout when zero).
	Timeout time.Duration
	// MaxRetries is how many times a failed request is sent again: DefaultMaxRetries when zero,
	// none when negative.
	MaxRetries int
	// BaseDelay is the wait before the first retry (DefaultBaseDelay when zero); it doubles
	// with each retry up to MaxDelay (DefaultMaxDelay when zero), with jitter.
	BaseDelay, MaxDelay time.Duration
}

// Validate reports every problem of the configuration at once.
func (cfg Config) Validate() error {
	var errs []error
	if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("url %q is not an http(s) address", cfg.URL))
	}
	if cfg.AppID == "" {
		errs = append(errs, errors.New("app_id is empty"))
	}
	if cfg.AppKey == "" {
		errs = append(errs, errors.New("app_key is empty"))
	}
	if cfg.StructureType <= 0 {
		errs = append(errs, errors.New("structure_type is not set (an id of /api/structures_types)"))
	}
	if cfg.Timeout < 0 || cfg.BaseDelay < 0 || cfg.MaxDelay < 0 {
		errs = append(errs, errors.New("timeout and delays cannot be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("laclasse: configuration: %w", err)
	}
	return nil
}

// Client opens schools in LaclasseService. It is safe for concurrent use.
type Client struct {
	base          string // URL without its trailing slash
	appID, appKey string
	structureType int
	timeout       time.Duration
	maxRetries    int
	baseDelay     time.Duration
	maxDelay      time.Duration
	http          *http.Client
	err           error // a configuration problem, returned by every call
}

// New returns a client for cfg that sends its requests with httpClient (a fresh http.Client when
// nil). A configuration that does not pass [Config.Validate] makes every call fail with that
// error.
func New(cfg Config, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	c := &Client{
		base:          strings.TrimRight(cfg.URL, "/"),
		appID:         cfg.AppID,
		appKey:        cfg.AppKey,
		structureType: cfg.StructureType,
		timeout:       orDefault(cfg.Timeout, DefaultTimeout),
		maxRetries:    cfg.MaxRetries,
		baseDelay:     orDefault(cfg.BaseDelay, DefaultBaseDelay),
		maxDelay:      orDefault(cfg.MaxDelay, DefaultMaxDelay),
		http:          httpClient,
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	c.maxDelay = max(c.maxDelay, c.baseDelay)
	if err := cfg.Validate(); err != nil {
		c.err = permanent(err)
	}
	return c
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// Activate makes sure the school's structure exists (create if missing, look before create) and
// that its administrator exists (find by e-mail, else create) with an ADM profile on it.
// Idempotent: a second call changes nothing.
//
// An existing structure keeps its name (the national directory may own it) unless it has none.
// An existing user keeps their names, e-mails and phones. Other administrators of the school are
// left alone: replacing one is [Client.ChangeAdmin]'s job. The caller marks the school active only
// when Activate returns nil.
func (c *Client) Activate(ctx context.Context, school convention.School) error {
	if err := c.check(school.UAI); err != nil {
		return err
	}
	adm, err := cleanAdmin(school.UAI, school.Admin)
	if err != nil {
		return err
	}
	if err := c.ensureStructure(ctx, school.UAI, school.Name); err != nil {
		return err
	}
	_, err = c.ensureAdmin(ctx, school.UAI, adm)
	return err
}

// ChangeAdmin gives the new administrator the ADM profile and removes the old one's ADM profile on
// that school; no user is ever deleted. The new administrator gets the profile before the old one
// loses it, so that the school always has one. The structure is created, named schoolName, if it
// is missing. The old administrator keeps their other profiles, on this school and elsewhere.
func (c *Client) ChangeAdmin(ctx context.Context, uai string, oldAdmin, newAdmin convention.Contact, schoolName string) error {
	if err := c.check(uai); err != nil {
		return err
	}
	adm, err := cleanAdmin(uai, newAdmin)
	if err != nil {
		return err
	}
	if err := c.ensureStructure(ctx, uai, schoolName); err != nil {
		return err
	}
	keep, err := c.ensureAdmin(ctx, uai, adm)
	if err != nil {
		return err
	}
	old := normalizeEmail(oldAdmin.Email)
	if old == "" || old == adm.email {
		return nil
	}
	users, err := c.findUsers(ctx, old)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.ID == keep { // the same account, known under two addresses
			continue
		}
		if err := c.removeAdminProfiles(ctx, uai, u.ID); err != nil {
			return err
		}
	}
	return nil
}

// UpdateAdmin carries the details of the administrator of school uai, as the registry now holds
// them, to their account: the names as spelt (case, accents) and the work phone. It is the same
// person (convention.SameAdministrator): no rights are given or taken and no account is created;
// an administrator whose account does not yet work on the school gets these details from the
// activation that opens it. LaclasseService's users have no field for the Fonction, which stays
// in the registry. Idempotent: a second call changes nothing.
func (c *Client) UpdateAdmin(ctx context.Context, uai string, newAdmin convention.Contact) error {
	if err := c.check(uai); err != nil {
		return err
	}
	adm, err := cleanAdmin(uai, newAdmin)
	if err != nil {
		return err
	}
	found, err := c.findUsers(ctx, adm.email)
	if err != nil {
		return err
	}
	for _, f := range found {
		u, err := c.getUser(ctx, f.ID, c.send)
		if errors.Is(err, errNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if !hasProfile(u.Profiles, uai, "") {
			continue // not (yet) the school's account
		}
		return c.updateUser(ctx, u, adm)
	}
	return nil
}

// updateUser writes to user u the names and the work phone of a, where they differ.
func (c *Client) updateUser(ctx context.Context, u user, a admin) error {
	id := url.PathEscape(u.ID)
	if u.Firstname != a.firstname || u.Lastname != a.lastname {
		if err := c.send(ctx, request{method: http.MethodPut, path: "/api/users/" + id, body: userNames{Firstname: a.firstname, Lastname: a.lastname}}); err != nil {
			return err
		}
	}
	if a.phone == "" || slices.ContainsFunc(u.Phones, func(p phone) bool { return samePhone(p.Number, a.phone) }) {
		return nil
	}
	for _, p := range sortedPhones(u.Phones) {
		if p.Type == workPhone {
			return c.send(ctx, request{method: http.MethodPut, path: fmt.Sprintf("/api/users/%s/phones/%d", id, p.ID), body: phoneNumber{Number: a.phone}})
		}
	}
	return c.send(ctx, request{
		method: http.MethodPost,
		path:   "/api/users/" + id + "/phones",
		body:   newPhone{Number: a.phone, Type: workPhone},
		recheck: func(ctx context.Context) (bool, error) {
			u, err := c.getUser(ctx, u.ID, c.attempt)
			return err == nil && slices.ContainsFunc(u.Phones, func(p phone) bool { return samePhone(p.Number, a.phone) }), err
		},
	})
}

// workPhone is the type of the phone numbers the client writes.
const workPhone = "TRAVAIL"

// samePhone reports whether two phone numbers are the same number, whatever their layout:
// "04 72 10 31 40" is "+33 4 72 10 31 40".
func samePhone(a, b string) bool { return phoneDigits(a) == phoneDigits(b) }

func phoneDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if strings.HasPrefix(strings.TrimSpace(s), "+33") {
		d = "0" + strings.TrimPrefix(d, "33")
	}
	return d
}

func sortedPhones(phones []phone) []phone {
	out := append([]phone(nil), phones...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Remove removes the ADM profiles on the school; the structure and its users stay. A structure
// unknown to LaclasseService has nothing to remove.
func (c *Client) Remove(ctx context.Context, uai string) error {
	if err := c.check(uai); err != nil {
		return err
	}
	st, err := c.getStructure(ctx, uai)
	if err != nil || st == nil {
		return err
	}
	for _, p := range sortedProfiles(st.Profiles) {
		if p.Type != ProfileAdmin || p.StructureID != uai || p.UserID == "" {
			continue
		}
		if err := c.deleteProfile(ctx, p.UserID, p.ID); err != nil {
			return err
		}
	}
	return nil
}

// check refuses a call the service would refuse anyway, before any request.
func (c *Client) check(uai string) error {
	if c.err != nil {
		return c.err
	}
	if !convention.ValidUAI(uai) {
		return invalidf("%q is not a UAI (seven digits and their check letter)", uai)
	}
	return nil
}

// admin is a school administrator as LaclasseService will accept them.
type admin struct {
	email     string
	firstname string
	lastname  string
	phone     string // "" when there is none worth sending
}

// cleanAdmin checks and cleans the administrator of school uai.
func cleanAdmin(uai string, c convention.Contact) (admin, error) {
	a := admin{
		email:     normalizeEmail(c.Email),
		firstname: SanitizeName(c.FirstName),
		lastname:  SanitizeName(c.LastName),
		phone:     PhoneNumber(c.Phone),
	}
	at := strings.IndexByte(a.email, '@')
	switch {
	case at <= 0 || at == len(a.email)-1:
		return admin{}, invalidf("school %s: the administrator's e-mail %q is not an address", uai, c.Email)
	case a.lastname == "":
		return admin{}, invalidf("school %s: the administrator's last name %q has no character LaclasseService accepts", uai, c.LastName)
	case a.firstname == "":
		return admin{}, invalidf("school %s: the administrator's first name %q has no character LaclasseService accepts", uai, c.FirstName)
	}
	return a, nil
}

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ensureStructure creates the structure uai when LaclasseService does not know it.
func (c *Client) ensureStructure(ctx context.Context, uai, name string) error {
	name = strings.TrimSpace(name)
	st, err := c.getStructure(ctx, uai)
	if err != nil {
		return err
	}
	if st == nil {
		return c.send(ctx, request{
			method: http.MethodPost,
			path:   "/api/structures",
			body:   newStructure{ID: uai, Name: name, Type: c.structureType},
			recheck: func(ctx context.Context) (bool, error) {
				st, err := c.getStructureOnce(ctx, uai)
				return st != nil, err
			},
		})
	}
	if st.Name == "" && name != "" {
		return c.send(ctx, request{
			method: http.MethodPut,
			path:   "/api/structures/" + url.PathEscape(uai),
			body:   structureName{Name: name},
		})
	}
	return nil
}

// ensureAdmin makes sure the user of the administrator's e-mail exists with an ADM profile on
// uai, and returns their id.
func (c *Client) ensureAdmin(ctx context.Context, uai string, a admin) (string, error) {
	u, err := c.findAdmin(ctx, uai, a.email)
	if err != nil {
		return "", err
	}
	if u == nil {
		created, err := c.createUser(ctx, uai, a)
		if err != nil {
			return "", err
		}
		if created.ID != "" {
			return created.ID, nil // created with its ADM profile
		}
		// The creation's answer was lost, but the user exists: check them like any other.
		if u, err = c.findAdmin(ctx, uai, a.email); err != nil {
			return "", err
		}
		if u == nil {
			return "", fmt.Errorf("laclasse: the user %s was created but cannot be found", a.email)
		}
	}
	return u.ID, c.ensureProfile(ctx, u.ID, uai)
}

// findAdmin returns the user of that e-mail address, or nil. When several accounts share the
// address it prefers one already administering uai, then one with any profile on uai, then the
// first by id, so that repeated calls choose the same account.
func (c *Client) findAdmin(ctx context.Context, uai, email string) (*user, error) {
	users, err := c.findUsers(ctx, email)
	if err != nil || len(users) == 0 {
		return nil, err
	}
	best, rank := &users[0], -1
	for i := range users {
		r := 0
		switch {
		case hasProfile(users[i].Profiles, uai, ProfileAdmin):
			r = 2
		case hasProfile(users[i].Profiles, uai, ""):
			r = 1
		}
		if r > rank {
			best, rank = &users[i], r
		}
	}
	return best, nil
}

// createUser creates the administrator with an ADM profile on uai. The returned user has no id
// when the service's answer was lost although the user was created.
func (c *Client) createUser(ctx context.Context, uai string, a admin) (user, error) {
	active := true
	body := newUser{
		Firstname: a.firstname,
		Lastname:  a.lastname,
		Emails:    []newEmail{{Address: a.email, Type: "Autre", Primary: true}},
		Profiles:  []newProfile{{Type: ProfileAdmin, StructureID: uai, Active: &active}},
	}
	if a.phone != "" {
		body.Phones = []newPhone{{Number: a.phone, Type: workPhone}}
	}
	var created user
	err := c.send(ctx, request{
		method: http.MethodPost,
		path:   "/api/users",
		body:   body,
		out:    &created,
		recheck: func(ctx context.Context) (bool, error) {
			users, err := c.searchUsers(ctx, a.email, c.attempt)
			return len(users) > 0, err
		},
	})
	return created, err
}

// ensureProfile gives user id an ADM profile on uai unless they have one.
func (c *Client) ensureProfile(ctx context.Context, id, uai string) error {
	u, err := c.getUser(ctx, id, c.send)
	if err != nil {
		return err
	}
	if hasProfile(u.Profiles, uai, ProfileAdmin) {
		return nil
	}
	return c.send(ctx, request{
		method: http.MethodPost,
		path:   "/api/users/" + url.PathEscape(id) + "/profiles",
		body:   newProfile{Type: ProfileAdmin, StructureID: uai},
		recheck: func(ctx context.Context) (bool, error) {
			u, err := c.getUser(ctx, id, c.attempt)
			return err == nil && hasProfile(u.Profiles, uai, ProfileAdmin), err
		},
	})
}

// removeAdminProfiles removes user id's ADM profiles on uai.
func (c *Client) removeAdminProfiles(ctx context.Context, uai, id string) error {
	u, err := c.getUser(ctx, id, c.send)
	if errors.Is(err, errNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, p := range sortedProfiles(u.Profiles) {
		if p.Type == ProfileAdmin && p.StructureID == uai {
			if err := c.deleteProfile(ctx, id, p.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Client) deleteProfile(ctx context.Context, userID string, profileID int) error {
	err := c.send(ctx, request{
		method: http.MethodDelete,
		path:   fmt.Sprintf("/api/users/%s/profiles/%d", url.PathEscape(userID), profileID),
	})
	if errors.Is(err, errNotFound) {
		return nil // already gone
	}
	return err
}

// getStructure returns the structure uai with its profiles, or nil when the service does not
// know it.
func (c *Client) getStructure(ctx context.Context, uai string) (*structure, error) {
	return c.fetchStructure(ctx, uai, c.send)
}

// getStructureOnce is getStructure without retries.
func (c *Client) getStructureOnce(ctx context.Context, uai string) (*structure, error) {
	return c.fetchStructure(ctx, uai, c.attempt)
}

func (c *Client) fetchStructure(ctx context.Context, uai string, do sender) (*structure, error) {
	var st structure
	err := do(ctx, request{method: http.MethodGet, path: "/api/structures/" + url.PathEscape(uai), out: &st})
	if errors.Is(err, errNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// getUser returns user id with their profiles.
func (c *Client) getUser(ctx context.Context, id string, do sender) (user, error) {
	var u user
	err := do(ctx, request{method: http.MethodGet, path: "/api/users/" + url.PathEscape(id), out: &u})
	return u, err
}

// findUsers returns the users with that e-mail address, sorted by id.
func (c *Client) findUsers(ctx context.Context, email string) ([]user, error) {
	return c.searchUsers(ctx, email, c.send)
}

func (c *Client) searchUsers(ctx context.Context, email string, do sender) ([]user, error) {
	var list userList
	err := do(ctx, request{
		method: http.MethodGet,
		path:   "/api/users",
		query:  url.Values{"emails.address": {email}},
		out:    &list,
	})
	if err != nil {
		return nil, err
	}
	var out []user
	for _, u := range list {
		for _, e := range u.Emails {
			if strings.EqualFold(strings.TrimSpace(e.Address), email) {
				out = append(out, u)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// hasProfile reports whether profiles hold one of type typ (any type when typ is "") on uai.
func hasProfile(profiles []profile, uai, typ string) bool {
	for _, p := range profiles {
		if p.StructureID == uai && (typ == "" || p.Type == typ) {
			return true
		}
	}
	return false
}

func sortedProfiles(profiles []profile) []profile {
	out := append([]profile(nil), profiles...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
