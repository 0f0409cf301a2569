package laclasse_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// fakeService is a small in-memory LaclasseService. It enforces the rules the client must
// respect: Basic authentication as an application, required fields, the UAI of a structure, the
// character sets of names, e-mail addresses and phone numbers, known profile and structure types,
// and the "one active profile per user" rule of the real service. It answers errors as
// {"error": "…"}, like the real one. Faults can be injected.
type fakeService struct {
	appID, appKey string
	srv           *httptest.Server
	mux           *http.ServeMux

	mu             sync.Mutex
	structureTypes map[int]string
	structures     map[string]*fakeStructure
	users          map[string]*fakeUser
	lastUser       int
	lastProfile    int
	lastEmail      int
	lastPhone      int
	requests       int            // every request received
	calls          map[string]int // requests handled, by route ("POST /api/users")
	injected       int            // 503 answers injected

	// Faults; set them before the client runs.
	failEvery int           // every n-th request is answered 503 without being applied
	loseEvery int           // every n-th request is applied, then answered 503 (its answer is lost)
	slowRoute string        // the first request whose "METHOD /path" starts with this …
	slowDelay time.Duration // … waits this long (or until the client gives up) before being handled
	slowDone  bool
}

type fakeStructure struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type int    `json:"type"`
}

type fakeUser struct {
	ID        string        `json:"id"`
	Login     string        `json:"login"`
	Password  string        `json:"password"`
	Firstname string        `json:"firstname"`
	Lastname  string        `json:"lastname"`
	Emails    []fakeEmail   `json:"emails"`
	Phones    []fakePhone   `json:"phones"`
	Profiles  []fakeProfile `json:"profiles"`
}

type fakeEmail struct {
	ID      int    `json:"id"`
	UserID  string `json:"user_id"`
	Address string `json:"address"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

type fakePhone struct {
	ID     int    `json:"id"`
	UserID string `json:"user_id"`
	Number string `json:"number"`
	Type   string `json:"type"`
}

type fakeProfile struct {
	ID          int    `json:"id"`
	Type        string `json:"type"`
	StructureID string `json:"structure_id"`
	UserID      string `json:"user_id"`
	Active      bool   `json:"active"`
}

var (
	// The rules of the real service (Emails.cs for the address) and of the brief (names, phones).
	fakeNameRE  = regexp.MustCompile(`^[\p{Latin}0-9 '\-]+$`)
	fakeEmailRE = regexp.MustCompile(`^[-_a-zA-Z.0-9ÀÁÂÄÇÈÉÊËÎÏÔÖŒÙÛÜàâãäçèéêëîïôöœùûüÿ]+@[-_a-zA-Z.0-9]+$`)
	fakePhoneRE = regexp.MustCompile(`^[+]?[ 0-9]+$`)

	fakeProfileTypes = []string{"ACA", "ADM", "DIR", "DOC", "ELV", "ENS", "ETA", "EVS", "TUT"}
	fakeEmailTypes   = []string{"Ent", "Academique", "Autre"}
	fakePhoneTypes   = []string{"DOMICILE", "TRAVAIL", "PORTABLE", "FAX", "AUTRE"}
)

// primarySchoolType is the id of the primary-school structure type in the fake.
const primarySchoolType = 3

func newFakeService(t *testing.T) *fakeService {
	t.Helper()
	f := &fakeService{
		appID:          "intake",
		appKey:         "s3cret",
		structureTypes: map[int]string{1: "LYCEE", 2: "COLLEGE", primarySchoolType: "ECOLE"},
		structures:     map[string]*fakeStructure{},
		users:          map[string]*fakeUser{},
		calls:          map[string]int{},
		mux:            http.NewServeMux(),
	}
	f.route("GET /api/structures_types", f.listStructureTypes)
	f.route("GET /api/structures", f.listStructures)
	f.route("POST /api/structures", f.createStructure)
	f.route("GET /api/structures/{id}", f.getStructure)
	f.route("PUT /api/structures/{id}", f.putStructure)
	f.route("GET /api/users", f.searchUsers)
	f.route("POST /api/users", f.createUser)
	f.route("GET /api/users/{id}", f.getUser)
	f.route("DELETE /api/users/{id}", f.deleteUser)
	f.route("PUT /api/users/{id}", f.putUser)
	f.route("POST /api/users/{id}/phones", f.addPhone)
	f.route("PUT /api/users/{id}/phones/{pid}", f.putPhone)
	f.route("POST /api/users/{id}/profiles", f.addProfile)
	f.route("DELETE /api/users/{id}/profiles/{pid}", f.deleteProfile)
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

// answer is what a route handler returns: a status and a JSON body.
type answer struct {
	status int
	body   any
}

func ok(body any) answer { return answer{http.StatusOK, body} }

func fail(status int, format string, args ...any) answer {
	return answer{status, map[string]string{"error": fmt.Sprintf(format, args...)}}
}

// route registers h, run under the lock and counted, for pattern.
func (f *fakeService) route(pattern string, h func(*http.Request) answer) {
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls[pattern]++
		a := h(r)
		f.mu.Unlock()
		writeJSON(w, a.status, a.body)
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// ServeHTTP counts the request, injects the faults, checks the credentials and routes.
func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	n := f.requests
	failing := f.failEvery > 0 && n%f.failEvery == 0
	losing := f.loseEvery > 0 && n%f.loseEvery == 0
	slow := f.slowRoute != "" && !f.slowDone && strings.HasPrefix(r.Method+" "+r.URL.Path, f.slowRoute)
	if slow {
		f.slowDone = true
	}
	if failing || losing {
		f.injected++
	}
	f.mu.Unlock()

	if slow {
		// The server notices a client that gives up only once the body is read.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-time.After(f.slowDelay):
		case <-r.Context().Done():
			return // the client gave up: nothing is applied
		}
	}
	if failing {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "Service Unavailable"})
		return
	}
	id, key, hasAuth := r.BasicAuth()
	switch {
	case !hasAuth || id != f.appID:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Authentication is needed"})
		return
	case key != f.appKey:
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "Insufficient authorization"})
		return
	}
	if losing {
		f.mux.ServeHTTP(httptest.NewRecorder(), r)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "Service Unavailable"})
		return
	}
	f.mux.ServeHTTP(w, r)
}

// decode reads the JSON body into v, refusing unknown fields as the client must not invent any.
func decode(r *http.Request, v any) *answer {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		a := fail(http.StatusBadRequest, "Invalid JSON: %v", err)
		return &a
	}
	return nil
}

func (f *fakeService) listStructureTypes(*http.Request) answer {
	var out []map[string]any
	for id, name := range f.structureTypes {
		out = append(out, map[string]any{"id": id, "name": name})
	}
	return ok(out)
}

func (f *fakeService) structureJSON(s *fakeStructure) map[string]any {
	profiles := []fakeProfile{}
	for _, id := range f.userIDs() {
		for _, p := range f.users[id].Profiles {
			if p.StructureID == s.ID {
				profiles = append(profiles, p)
			}
		}
	}
	return map[string]any{"id": s.ID, "name": s.Name, "type": s.Type, "profiles": profiles}
}

func (f *fakeService) listStructures(*http.Request) answer {
	out := []map[string]any{}
	for _, s := range f.structures {
		out = append(out, f.structureJSON(s))
	}
	return ok(out)
}

func (f *fakeService) createStructure(r *http.Request) answer {
	var in struct {
		ID   *string `json:"id"`
		Name *string `json:"name"`
		Type *int    `json:"type"`
	}
	if a := decode(r, &in); a != nil {
		return *a
	}
	switch {
	case in.ID == nil:
		return fail(http.StatusBadRequest, "Missing required field id")
	case !convention.ValidUAI(*in.ID):
		return fail(http.StatusBadRequest, "Invalid field 'id' value '%s'", *in.ID)
	case in.Type == nil:
		return fail(http.StatusBadRequest, "Missing required field type")
	case f.structureTypes[*in.Type] == "":
		return fail(http.StatusBadRequest, "Invalid field 'type' value '%d'", *in.Type)
	case f.structures[*in.ID] != nil:
		return fail(http.StatusBadRequest, "Duplicate entry '%s' for key 'PRIMARY'", *in.ID)
	}
	s := &fakeStructure{ID: *in.ID, Type: *in.Type}
	if in.Name != nil {
		s.Name = *in.Name
	}
	f.structures[s.ID] = s
	return ok(f.structureJSON(s))
}

func (f *fakeService) getStructure(r *http.Request) answer {
	s := f.structures[r.PathValue("id")]
	if s == nil {
		return fail(http.StatusNotFound, "Structure not found")
	}
	return ok(f.structureJSON(s))
}

func (f *fakeService) putStructure(r *http.Request) answer {
	s := f.structures[r.PathValue("id")]
	if s == nil {
		return fail(http.StatusNotFound, "Structure not found")
	}
	var in struct {
		Name *string `json:"name"`
		Type *int    `json:"type"`
	}
	if a := decode(r, &in); a != nil {
		return *a
	}
	if in.Type != nil && f.structureTypes[*in.Type] == "" {
		return fail(http.StatusBadRequest, "Invalid field 'type' value '%d'", *in.Type)
	}
	if in.Name != nil {
		s.Name = *in.Name
	}
	if in.Type != nil {
		s.Type = *in.Type
	}
	return ok(f.structureJSON(s))
}

// searchUsers answers GET /api/users?emails.address=…, without expanding the users' profiles,
// so that the client has to read a user to know them.
func (f *fakeService) searchUsers(r *http.Request) answer {
	q := r.URL.Query()
	for k := range q {
		if k != "emails.address" {
			return fail(http.StatusBadRequest, "Invalid field '%s'", k)
		}
	}
	addr := q.Get("emails.address")
	if addr == "" {
		return fail(http.StatusBadRequest, "Missing required field emails.address")
	}
	out := []map[string]any{}
	for _, id := range f.userIDs() {
		u := f.users[id]
		if slices.ContainsFunc(u.Emails, func(e fakeEmail) bool { return strings.EqualFold(e.Address, addr) }) {
			out = append(out, map[string]any{"id": u.ID, "login": u.Login, "firstname": u.Firstname, "lastname": u.Lastname, "emails": u.Emails})
		}
	}
	return ok(out)
}

func (f *fakeService) createUser(r *http.Request) answer {
	var in struct {
		Firstname *string `json:"firstname"`
		Lastname  *string `json:"lastname"`
		Emails    []struct {
			Address *string `json:"address"`
			Type    string  `json:"type"`
			Primary bool    `json:"primary"`
		} `json:"emails"`
		Phones []struct {
			Number *string `json:"number"`
			Type   string  `json:"type"`
		} `json:"phones"`
		Profiles []profileInput `json:"profiles"`
	}
	if a := decode(r, &in); a != nil {
		return *a
	}
	for _, field := range []struct {
		name  string
		value *string
	}{{"firstname", in.Firstname}, {"lastname", in.Lastname}} {
		if field.value == nil {
			return fail(http.StatusBadRequest, "Missing required field %s", field.name)
		}
		if !fakeNameRE.MatchString(*field.value) {
			return fail(http.StatusBadRequest, "Invalid field '%s' value '%s'", field.name, *field.value)
		}
	}
	for _, e := range in.Emails {
		switch {
		case e.Address == nil:
			return fail(http.StatusBadRequest, "Missing required field address")
		case !fakeEmailRE.MatchString(*e.Address):
			return fail(http.StatusBadRequest, "Invalid field 'address' value '%s'", *e.Address)
		case !slices.Contains(fakeEmailTypes, e.Type):
			return fail(http.StatusBadRequest, "Invalid field 'type' value '%s'", e.Type)
		}
	}
	for _, p := range in.Phones {
		switch {
		case p.Number == nil:
			return fail(http.StatusBadRequest, "Missing required field number")
		case !fakePhoneRE.MatchString(*p.Number):
			return fail(http.StatusBadRequest, "Invalid field 'number' value '%s'", *p.Number)
		case !slices.Contains(fakePhoneTypes, p.Type):
			return fail(http.StatusBadRequest, "Invalid field 'type' value '%s'", p.Type)
		}
	}
	for _, p := range in.Profiles {
		if a := f.checkProfile(p); a != nil {
			return *a
		}
	}

	f.lastUser++
	u := &fakeUser{
		ID:        fmt.Sprintf("VAA6%04d", f.lastUser),
		Login:     strings.ToLower(strings.ReplaceAll(*in.Lastname, " ", "")) + strconv.Itoa(f.lastUser),
		Password:  fmt.Sprintf("pw%04d", f.lastUser),
		Firstname: *in.Firstname,
		Lastname:  *in.Lastname,
		Emails:    []fakeEmail{},
		Phones:    []fakePhone{},
		Profiles:  []fakeProfile{},
	}
	for _, e := range in.Emails {
		f.lastEmail++
		u.Emails = append(u.Emails, fakeEmail{ID: f.lastEmail, UserID: u.ID, Address: *e.Address, Type: e.Type, Primary: e.Primary})
	}
	for _, p := range in.Phones {
		f.lastPhone++
		u.Phones = append(u.Phones, fakePhone{ID: f.lastPhone, UserID: u.ID, Number: *p.Number, Type: p.Type})
	}
	f.users[u.ID] = u
	for _, p := range in.Profiles {
		f.insertProfile(u, p)
	}
	return ok(u)
}

type profileInput struct {
	Type        *string `json:"type"`
	StructureID *string `json:"structure_id"`
	Active      *bool   `json:"active"`
}

func (f *fakeService) checkProfile(p profileInput) *answer {
	var a answer
	switch {
	case p.Type == nil:
		a = fail(http.StatusBadRequest, "Missing required field type")
	case !slices.Contains(fakeProfileTypes, *p.Type):
		a = fail(http.StatusBadRequest, "Invalid field 'type' value '%s'", *p.Type)
	case p.StructureID == nil:
		a = fail(http.StatusBadRequest, "Missing required field structure_id")
	case f.structures[*p.StructureID] == nil:
		a = fail(http.StatusBadRequest, "Invalid field 'structure_id' value '%s'", *p.StructureID)
	default:
		return nil
	}
	return &a
}

// insertProfile follows UserProfile.InsertAsync: a user's first profile becomes active, and a
// profile inserted as active deactivates the others.
func (f *fakeService) insertProfile(u *fakeUser, in profileInput) {
	f.lastProfile++
	p := fakeProfile{ID: f.lastProfile, Type: *in.Type, StructureID: *in.StructureID, UserID: u.ID}
	anyActive := slices.ContainsFunc(u.Profiles, func(p fakeProfile) bool { return p.Active })
	if !anyActive || (in.Active != nil && *in.Active) {
		p.Active = true
		for i := range u.Profiles {
			u.Profiles[i].Active = false
		}
	}
	u.Profiles = append(u.Profiles, p)
}

func (f *fakeService) getUser(r *http.Request) answer {
	u := f.users[r.PathValue("id")]
	if u == nil {
		return fail(http.StatusNotFound, "User not found")
	}
	return ok(u)
}

// putUser changes the names of a user (the generic ModelService's PUT: only the fields sent).
func (f *fakeService) putUser(r *http.Request) answer {
	u := f.users[r.PathValue("id")]
	if u == nil {
		return fail(http.StatusNotFound, "User not found")
	}
	var in map[string]*string
	if a := decode(r, &in); a != nil {
		return *a
	}
	for k, v := range in {
		if k != "firstname" && k != "lastname" {
			return fail(http.StatusBadRequest, "Invalid field '%s'", k)
		}
		if v == nil || !fakeNameRE.MatchString(*v) {
			return fail(http.StatusBadRequest, "Invalid field '%s'", k)
		}
	}
	if v := in["firstname"]; v != nil {
		u.Firstname = *v
	}
	if v := in["lastname"]; v != nil {
		u.Lastname = *v
	}
	return ok(u)
}

func (f *fakeService) checkPhone(number *string, typ string) *answer {
	switch {
	case number == nil:
		a := fail(http.StatusBadRequest, "Missing required field number")
		return &a
	case !fakePhoneRE.MatchString(*number):
		a := fail(http.StatusBadRequest, "Invalid field 'number' value '%s'", *number)
		return &a
	case typ != "" && !slices.Contains(fakePhoneTypes, typ):
		a := fail(http.StatusBadRequest, "Invalid field 'type' value '%s'", typ)
		return &a
	}
	return nil
}

// phoneIn is the body of a request that adds or changes a phone.
type phoneIn struct {
	Number *string `json:"number"`
	Type   string  `json:"type"`
}

// phoneOf returns the user of the path and the phone of the body, or the answer that refuses
// them: no such user, then a body that does not decode.
func (f *fakeService) phoneOf(r *http.Request) (*fakeUser, phoneIn, *answer) {
	var in phoneIn
	u := f.users[r.PathValue("id")]
	if u == nil {
		a := fail(http.StatusNotFound, "User not found")
		return nil, in, &a
	}
	if a := decode(r, &in); a != nil {
		return nil, in, a
	}
	return u, in, nil
}

func (f *fakeService) addPhone(r *http.Request) answer {
	u, in, a := f.phoneOf(r)
	if a != nil {
		return *a
	}
	if in.Type == "" {
		return fail(http.StatusBadRequest, "Missing required field type")
	}
	if a := f.checkPhone(in.Number, in.Type); a != nil {
		return *a
	}
	f.lastPhone++
	u.Phones = append(u.Phones, fakePhone{ID: f.lastPhone, UserID: u.ID, Number: *in.Number, Type: in.Type})
	return ok(u)
}

func (f *fakeService) putPhone(r *http.Request) answer {
	u, in, a := f.phoneOf(r)
	if a != nil {
		return *a
	}
	if a := f.checkPhone(in.Number, in.Type); a != nil {
		return *a
	}
	for i := range u.Phones {
		if strconv.Itoa(u.Phones[i].ID) == r.PathValue("pid") {
			u.Phones[i].Number = *in.Number
			if in.Type != "" {
				u.Phones[i].Type = in.Type
			}
			return ok(u)
		}
	}
	return fail(http.StatusNotFound, "Phone not found")
}

func (f *fakeService) deleteUser(r *http.Request) answer {
	u := f.users[r.PathValue("id")]
	if u == nil {
		return fail(http.StatusNotFound, "User not found")
	}
	delete(f.users, u.ID)
	return ok(u)
}

func (f *fakeService) addProfile(r *http.Request) answer {
	u := f.users[r.PathValue("id")]
	if u == nil {
		return fail(http.StatusNotFound, "User not found")
	}
	var in profileInput
	if a := decode(r, &in); a != nil {
		return *a
	}
	if a := f.checkProfile(in); a != nil {
		return *a
	}
	f.insertProfile(u, in)
	return ok(u)
}

// deleteProfile follows ModelService and UserProfile.DeleteAsync: a profile of another user is
// ignored, and when the active profile goes another one becomes active.
func (f *fakeService) deleteProfile(r *http.Request) answer {
	u := f.users[r.PathValue("id")]
	if u == nil {
		return fail(http.StatusNotFound, "User not found")
	}
	pid, err := strconv.Atoi(r.PathValue("pid"))
	if err != nil {
		return fail(http.StatusNotFound, "Not found")
	}
	i := slices.IndexFunc(u.Profiles, func(p fakeProfile) bool { return p.ID == pid })
	if i < 0 {
		return ok(u)
	}
	wasActive := u.Profiles[i].Active
	u.Profiles = slices.Delete(u.Profiles, i, i+1)
	if wasActive && len(u.Profiles) > 0 {
		u.Profiles[0].Active = true
	}
	return ok(u)
}

func (f *fakeService) userIDs() []string {
	ids := make([]string, 0, len(f.users))
	for id := range f.users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Seeding and inspection, for the tests.

// seedStructure adds a structure as if it already existed.
func (f *fakeService) seedStructure(uai, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.structures[uai] = &fakeStructure{ID: uai, Name: name, Type: primarySchoolType}
}

// seedUser adds a user with an e-mail and profiles (type and structure, the first one active),
// creating the structures it names.
func (f *fakeService) seedUser(first, last, email string, profiles ...[2]string) *fakeUser {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastUser++
	u := &fakeUser{
		ID: fmt.Sprintf("VAA6%04d", f.lastUser), Login: strings.ToLower(last), Password: "x",
		Firstname: first, Lastname: last, Phones: []fakePhone{}, Profiles: []fakeProfile{},
	}
	f.lastEmail++
	u.Emails = []fakeEmail{{ID: f.lastEmail, UserID: u.ID, Address: email, Type: "Academique", Primary: true}}
	f.users[u.ID] = u
	for _, p := range profiles {
		if f.structures[p[1]] == nil {
			f.structures[p[1]] = &fakeStructure{ID: p[1], Name: "Seeded " + p[1], Type: primarySchoolType}
		}
		f.insertProfile(u, profileInput{Type: &p[0], StructureID: &p[1]})
	}
	return u
}

// count returns how many requests route pattern handled.
func (f *fakeService) count(pattern string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[pattern]
}

// writes returns how many POST, PUT and DELETE requests were handled.
func (f *fakeService) writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for pattern, c := range f.calls {
		if !strings.HasPrefix(pattern, "GET ") {
			n += c
		}
	}
	return n
}

// total returns how many requests were received, handled or not.
func (f *fakeService) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// faults returns how many 503 answers were injected, and whether the slow request came.
func (f *fakeService) faults() (injected int, slowDone bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.injected, f.slowDone
}

// handled returns how many requests reached a route.
func (f *fakeService) handled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

// usersWithEmail returns copies of the users having that address.
func (f *fakeService) usersWithEmail(email string) []fakeUser {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeUser
	for _, id := range f.userIDs() {
		u := f.users[id]
		if slices.ContainsFunc(u.Emails, func(e fakeEmail) bool { return strings.EqualFold(e.Address, email) }) {
			out = append(out, *u)
		}
	}
	return out
}

// profilesOn returns "email TYPE" for every profile on uai, sorted.
func (f *fakeService) profilesOn(uai string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, id := range f.userIDs() {
		u := f.users[id]
		for _, p := range u.Profiles {
			if p.StructureID == uai {
				out = append(out, strings.ToLower(u.Emails[0].Address)+" "+p.Type)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (f *fakeService) structure(uai string) *fakeStructure {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.structures[uai]; s != nil {
		c := *s
		return &c
	}
	return nil
}

func (f *fakeService) userCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.users)
}

// snapshot returns the whole state, for comparisons.
func (f *fakeService) snapshot() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := json.MarshalIndent(map[string]any{"structures": f.structures, "users": f.users}, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}
