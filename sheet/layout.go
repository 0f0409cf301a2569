package sheet

import (
	"strings"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// headerWindow is how many non-empty rows of a sheet may stand above the header row (titles, the
// commune's name, a date…).
const headerWindow = 30

// role is one of the commune's own contacts.
type role int

const (
	roleNone role = iota
	roleTechnical
	roleLead
)

// layout finds the tables of a workbook as its rows come, checks the school rows and gathers the
// commune's contacts. It runs on one goroutine; rows come sheet by sheet, in order.
type layout struct {
	list              *convention.List
	defaultSheet      string
	cur               *sheetState
	seen              map[[8]byte]seenAt // valid UAIs are 8 ASCII bytes
	sheets            []string           // names of the sheets read, for seenAt
	foundSchoolHeader bool
	contacts          [3]*contactDraft
	interned          map[string]string
	schools           [][]convention.SchoolEntry // accepted rows, in chunks: no copying as they come
}

// seenAt is where a UAI first appeared: an index in layout.sheets and a row.
type seenAt struct {
	sheet uint32
	row   uint32
}

// sheetState is what layout knows of the sheet being read.
type sheetState struct {
	name       string
	nonEmpty   int
	prev       []string // the previous non-empty row, for a header on two rows
	hdr        *columns // the school table's header, once found
	hdrCells   []string
	hdrNum     int      // the row of the header (its last row)
	hdrChecked bool     // the header's missing columns were reported
	afterHdr   bool     // the next row may complete the header (a second row of titles)
	contactHdr *columns // a header of people without UAI (the commune's contacts)
	section    *section // a block of label/value rows under a contact label
}

// section is a block of rows that describe contacts, one field per row: under a single label
// ("Référent technique", then "Nom : MOREL"…), or under labels side by side, one per column.
type section struct {
	role role
	cols map[int]role // several contacts side by side
}

// contactDraft gathers what the file says of one of the commune's contacts.
type contactDraft struct {
	label                       string // the label that named the contact ("Référent technique")
	last, first, fullName, role string
	fullOrder                   int
	email, phone                string
	emailSheet, phoneSheet      string // where the e-mail and the phone were, for problems
	emailRow, phoneRow          int
	emailCol, phoneCol          int
	hasAny                      bool
}

func newLayout(file, format, defaultSheet string) *layout {
	return &layout{
		list:         &convention.List{File: file, Format: format, Schools: []convention.SchoolEntry{}, Problems: []convention.Problem{}},
		defaultSheet: defaultSheet,
		seen:         make(map[[8]byte]seenAt),
		interned:     make(map[string]string),
	}
}

func (l *layout) startSheet(name string) {
	if name = cleanText(name); name == "" {
		name = templates.UnnamedSheet(len(l.sheets) + 1) // a sheet without a name still needs one in messages
	}
	l.cur = &sheetState{name: name}
	l.sheets = append(l.sheets, name)
}

// result returns the list, with the contacts gathered.
func (l *layout) result() *convention.List {
	l.list.Schools = joinChunks(l.schools)
	l.list.Commune.TechnicalReferent = l.finishContact(l.contacts[roleTechnical])
	l.list.Commune.ProjectLead = l.finishContact(l.contacts[roleLead])
	return l.list
}

// intern returns one copy of the values that repeat (functions such as "Directrice").
func (l *layout) intern(s string) string {
	if len(s) > 40 {
		return s
	}
	if v, ok := l.interned[s]; ok {
		return v
	}
	if len(l.interned) < 1000 {
		l.interned[s] = s
	}
	return s
}

func (l *layout) row(num int, cells []string) {
	if l.cur == nil {
		l.startSheet(l.defaultSheet)
	}
	s := l.cur
	s.nonEmpty++
	if s.hdr != nil {
		if s.afterHdr {
			s.afterHdr = false
			if l.completeHeader(s, num, cells) {
				return
			}
		}
		if l.schoolRow(s, num, cells) {
			s.prev = cells
			return
		}
	}
	l.otherRow(s, num, cells)
	s.prev = cells
}

// cell returns the trimmed text of column i, or "".
func cell(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return cleanText(cells[i])
}

// colName returns the letters of a 0-based column index: 0 → A, 26 → AA.
func colName(i int) string {
	if i < 0 {
		return ""
	}
	var b [8]byte
	n := len(b)
	for i++; i > 0 && n > 0; i = (i - 1) / 26 {
		n--
		b[n] = byte('A' + (i-1)%26)
	}
	return string(b[n:])
}

// looksLikeUAI reports whether s could be meant as a code UAI: a short value, mostly digits.
func looksLikeUAI(s string) bool {
	if len(s) < 5 || len(s) > 14 {
		return false
	}
	return countDigits(s) >= 5
}

// dataLike reports whether a row holds values rather than titles: an address, a UAI, a number.
func dataLike(cells []string) bool {
	for _, c := range cells {
		if c == "" {
			continue
		}
		if strings.Contains(c, "@") || countDigits(c) >= 5 {
			return true
		}
	}
	return false
}

// firstNonEmpty returns the index of the first non-empty cell, or -1.
func firstNonEmpty(cells []string) int {
	for i, c := range cells {
		if strings.TrimSpace(c) != "" {
			return i
		}
	}
	return -1
}

// headerLike reports whether a row reads as a row of titles with at least two known columns.
func headerLike(cells []string) (*columns, bool) {
	if dataLike(cells) {
		return nil, false
	}
	c, known := matchRow(cells)
	return c, known >= 2
}

// combine joins two rows of titles column by column ("Directeur" over "Nom" → "Directeur Nom").
func combine(upper, lower []string) []string {
	n := max(len(upper), len(lower))
	out := make([]string, n)
	for i := range out {
		out[i] = strings.TrimSpace(cell(upper, i) + " " + cell(lower, i))
	}
	return out
}

// setHeader makes cells (row num) the header of a school table in sheet s.
func (l *layout) setHeader(s *sheetState, num int, cells []string, c *columns) {
	s.hdr, s.hdrCells, s.hdrNum, s.hdrChecked, s.afterHdr = c, cells, num, false, true
	l.noteColumns(s)
	s.section, s.contactHdr = nil, nil
	l.foundSchoolHeader = true
}

// checkHeader reports, once per table and when its first row comes, the columns it lacks.
func (l *layout) checkHeader(s *sheetState) {
	if s.hdrChecked {
		return
	}
	s.hdrChecked = true
	if !s.hdr.has(fieldName) {
		l.problem(s.name, s.hdrNum, "", fieldName, convention.SeverityWarning, templates.NoNameColumn)
	}
	if !s.hdr.has(fieldRole) {
		l.problem(s.name, s.hdrNum, "", fieldRole, convention.SeverityWarning, templates.NoRoleColumn)
	}
}

// completeHeader merges a second row of titles under the header ("Directeur" over "Nom",
// "Prénom"…) and reports whether it did.
func (l *layout) completeHeader(s *sheetState, num int, cells []string) bool {
	if _, ok := headerLike(cells); !ok {
		return false
	}
	merged := combine(s.hdrCells, cells)
	c, _ := matchRow(merged)
	if !c.schoolHeader() {
		return false
	}
	s.hdr, s.hdrCells, s.hdrNum = c, merged, num
	l.noteColumns(s)
	return true
}

// otherRow handles a row outside a school table: a header, the commune's contacts, or nothing.
func (l *layout) otherRow(s *sheetState, num int, cells []string) {
	searching := s.hdr != nil || s.nonEmpty <= headerWindow
	if searching && !dataLike(cells) {
		c, known := matchRow(cells)
		if c.schoolHeader() {
			l.setHeader(s, num, cells, c)
			return
		}
		if known >= 1 && s.prev != nil && s.hdr == nil && !dataLike(s.prev) {
			merged := combine(s.prev, cells)
			if m, _ := matchRow(merged); m.schoolHeader() {
				l.setHeader(s, num, merged, m)
				s.afterHdr = false
				return
			}
		}
		if known >= 2 && c.contactHeader() {
			s.contactHdr, s.section = c, nil
			return
		}
	}
	i := firstNonEmpty(cells)
	if i < 0 {
		return
	}
	if r := contactRole(cells[i]); r != roleNone {
		l.contactRow(s, num, cells, i, r)
		return
	}
	if s.section != nil && !l.sectionRow(s, num, cells, i) {
		s.section = nil
	}
}

// schoolRow handles a row under a school header, and reports false when the row is not part of
// the table after all (a contact, a new header), for otherRow to handle.
func (l *layout) schoolRow(s *sheetState, num int, cells []string) bool {
	h := s.hdr
	if !looksLikeUAI(cell(cells, h.idx[fieldUAI])) {
		i := firstNonEmpty(cells)
		if i >= 0 && contactRole(cells[i]) != roleNone {
			return false
		}
		if _, ok := headerLike(cells); ok {
			return false
		}
		if s.section != nil && i >= 0 && contactField(cells[i]) != fieldNone {
			return false
		}
		// a remark, a subtotal, a title between two parts of the table: one value alone
		filled := 0
		for f := fieldUAI; f < fieldIgnore; f++ {
			if cell(cells, h.idx[f]) != "" {
				filled++
			}
		}
		if filled <= 1 {
			return true
		}
	}
	l.school(s, num, cells)
	return true
}

// problem records a problem.
func (l *layout) problem(sheet string, row int, col string, f field, sev convention.Severity, msg string) {
	l.list.Problems = append(l.list.Problems, convention.Problem{
		Sheet: sheet, Row: row, Column: col, Field: f.key(), Severity: sev, Message: msg,
	})
}

// school checks one row of a school table and keeps it when nothing refuses it.
func (l *layout) school(s *sheetState, num int, cells []string) {
	l.checkHeader(s)
	h := s.hdr
	refused := false
	get := func(f field) string { return cell(cells, h.idx[f]) }
	report := func(f field, sev convention.Severity, msg string) {
		col := h.idx[f]
		if f == fieldLastName && col < 0 {
			col = h.idx[fieldFullName]
		}
		if f == fieldFirstName && col < 0 {
			col = h.idx[fieldFullName]
		}
		if sev == convention.SeverityError {
			refused = true
		}
		l.problem(s.name, num, colName(col), f, sev, msg)
	}
	e := convention.SchoolEntry{Sheet: s.name, Row: num}
	firstProblem := len(l.list.Problems)

	uai, msg, warn := readUAI(get(fieldUAI))
	if warn != "" {
		report(fieldUAI, convention.SeverityWarning, warn)
	}
	if msg != "" {
		report(fieldUAI, convention.SeverityError, msg)
	} else if first, dup := l.seen[[8]byte([]byte(uai))]; dup {
		sheet := l.sheets[first.sheet]
		if sheet == s.name {
			sheet = ""
		}
		report(fieldUAI, convention.SeverityError, templates.UAITwice(uai, int(first.row), sheet))
	} else {
		l.seen[[8]byte([]byte(uai))] = seenAt{uint32(len(l.sheets) - 1), uint32(num)}
	}
	e.UAI = uai

	if h.has(fieldAction) {
		raw := get(fieldAction)
		a, ok := parseAction(raw)
		if !ok {
			report(fieldAction, convention.SeverityError, templates.ActionUnknown(clip(raw)))
		}
		e.Action = a
	}
	// a school taken out needs no administrator: what is given is checked but not required
	required := e.Action != convention.ActionRemove
	sevFor := func() convention.Severity {
		if required {
			return convention.SeverityError
		}
		return convention.SeverityWarning
	}

	e.Name = get(fieldName)
	if e.Name == "" && h.has(fieldName) {
		report(fieldName, convention.SeverityWarning, templates.SchoolNameMissing)
	}

	last, first := get(fieldLastName), get(fieldFirstName)
	if full := get(fieldFullName); full != "" && last == "" && first == "" {
		last, first = splitFullName(full, h.order[fieldFullName])
	} else if first == "" && strings.Contains(last, " ") {
		if l2, f2 := splitFullName(last, 1); f2 != "" && (!h.has(fieldFirstName) || isUpperWord(l2)) {
			last, first = l2, f2
		}
	}
	e.Admin.LastName, e.Admin.FirstName = last, first
	if last == "" && required {
		report(fieldLastName, convention.SeverityError, templates.LastNameMissing(noColumn(h, fieldLastName)))
	}
	if first == "" && required {
		report(fieldFirstName, convention.SeverityError, templates.FirstNameMissing(noColumn(h, fieldFirstName)))
	}

	e.Admin.Role = l.intern(get(fieldRole))
	if e.Admin.Role == "" && h.has(fieldRole) && required {
		report(fieldRole, convention.SeverityWarning, templates.RoleMissing)
	}

	if raw := get(fieldEmail); raw != "" || required {
		email, msg, warn := checkEmail(raw)
		switch {
		case msg != "" && raw == "":
			report(fieldEmail, sevFor(), templates.EmailMissing(noColumn(h, fieldEmail)))
		case msg != "":
			report(fieldEmail, sevFor(), msg)
		case warn != "":
			report(fieldEmail, convention.SeverityWarning, warn)
		}
		e.Admin.Email = email
	}
	if raw := get(fieldPhone); raw != "" || required {
		phone, msg, warn := checkPhone(raw)
		switch {
		case msg != "" && raw == "":
			report(fieldPhone, sevFor(), templates.PhoneMissing(noColumn(h, fieldPhone)))
		case msg != "":
			report(fieldPhone, sevFor(), msg)
		case warn != "":
			report(fieldPhone, convention.SeverityWarning, warn)
		}
		e.Admin.Phone = phone
	}

	for i := firstProblem; i < len(l.list.Problems); i++ {
		l.list.Problems[i].School = clip(e.Name) // the row's school, for the commune to find it
	}
	if !refused {
		l.addSchool(e)
	} else if msg == "" {
		// A refused row whose UAI is valid still names its school: a full list keeps it.
		for i := firstProblem; i < len(l.list.Problems); i++ {
			l.list.Problems[i].UAI = uai
		}
	}
}

// addSchool keeps an accepted row. Rows go in chunks of growing size, joined once at the end, so
// that a large list is not copied over and over as it grows.
func (l *layout) addSchool(e convention.SchoolEntry) {
	n := len(l.schools)
	if n == 0 || len(l.schools[n-1]) == cap(l.schools[n-1]) {
		size := 64
		if n > 0 {
			size = min(2*cap(l.schools[n-1]), 8192)
		}
		l.schools = append(l.schools, make([]convention.SchoolEntry, 0, size))
		n++
	}
	l.schools[n-1] = append(l.schools[n-1], e)
}

// joinChunks returns the rows of chunks in one slice, never nil.
func joinChunks(chunks [][]convention.SchoolEntry) []convention.SchoolEntry {
	switch len(chunks) {
	case 0:
		return []convention.SchoolEntry{}
	case 1:
		return chunks[0]
	}
	total := 0
	for _, c := range chunks {
		total += len(c)
	}
	out := make([]convention.SchoolEntry, 0, total)
	for i, c := range chunks {
		out = append(out, c...)
		chunks[i] = nil // let each chunk go as soon as it is copied
	}
	return out
}

// noColumn reports whether the table has no column at all for f, for a problem about a missing
// value to say so.
func noColumn(h *columns, f field) bool {
	return !h.has(f) && !((f == fieldLastName || f == fieldFirstName) && h.has(fieldFullName))
}

// Contact labels, folded: the words that name the commune's technical referent and the person who
// follows the project, and the nouns that say a cell names a person's role.
var (
	techWords = wordSet("technique techniques numerique informatique informatiques tice ent technicien " +
		"informaticien dsi si reseau")
	leadWords   = wordSet("suivi suivre pilote pilotage comite projet")
	roleNouns   = wordSet("referent referente interlocuteur interlocutrice correspondant correspondante contact responsable chef cheffe charge chargee personne")
	roleStrong  = wordSet("suivi suivre pilotage comite")
	roleRefOnly = map[string]bool{"referent": true, "referente": true, "referent commune": true, "referent mairie": true}
)

// contactRole tells whether a cell is the label of one of the commune's contacts ("Référent
// technique", "Suivi du projet", "Chef de projet : Mme BLANC"…).
func contactRole(s string) role {
	if len(s) > 200 {
		return roleNone
	}
	if i := strings.IndexAny(s, ":\n"); i > 0 {
		s = s[:i]
	}
	if strings.Contains(s, "@") {
		return roleNone
	}
	words := headerWords(s)
	if len(words) == 0 || len(words) > 7 {
		return roleNone
	}
	var tech, lead, noun, strong bool
	for _, w := range words {
		tech = tech || techWords[w]
		lead = lead || leadWords[w]
		noun = noun || roleNouns[w]
		strong = strong || roleStrong[w]
	}
	switch {
	case tech && noun:
		return roleTechnical
	case strong || lead && noun:
		return roleLead
	case roleRefOnly[strings.Join(words, " ")]:
		return roleTechnical
	}
	return roleNone
}

// contactField tells which field a label names in a block of contact rows ("Nom", "Email :").
func contactField(s string) field {
	if i := strings.IndexByte(s, ':'); i > 0 {
		s = s[:i]
	}
	f, _ := matchHeader(s)
	switch f {
	case fieldLastName, fieldFirstName, fieldFullName, fieldRole, fieldEmail, fieldPhone:
		return f
	}
	return fieldNone
}

// afterColon returns the text after the first colon of s, or "".
func afterColon(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return cleanText(s[i+1:])
	}
	return ""
}

// draft returns the contact being gathered for r.
func (l *layout) draft(r role, s *sheetState, num int, label string) *contactDraft {
	if l.contacts[r] == nil {
		l.contacts[r] = &contactDraft{label: cleanText(label)}
	}
	return l.contacts[r]
}

// setField records one value of a contact, unless it is already known.
func (d *contactDraft) setField(f field, v string, sheet string, row, col int, order int) {
	v = cleanText(v)
	if v == "" {
		return
	}
	switch f {
	case fieldLastName:
		if d.last == "" {
			d.last = v
		}
	case fieldFirstName:
		if d.first == "" {
			d.first = v
		}
	case fieldFullName:
		if d.fullName == "" {
			d.fullName, d.fullOrder = v, order
		}
	case fieldRole:
		if d.role == "" {
			d.role = v
		}
	case fieldEmail:
		if d.email == "" {
			d.email, d.emailSheet, d.emailRow, d.emailCol = v, sheet, row, col
		}
	case fieldPhone:
		if d.phone == "" {
			d.phone, d.phoneSheet, d.phoneRow, d.phoneCol = v, sheet, row, col
		}
	default:
		return
	}
	d.hasAny = true
}

// contactRow handles a row whose first cell is a contact label.
func (l *layout) contactRow(s *sheetState, num int, cells []string, i int, r role) {
	label := cells[i]
	inline := afterColon(label)
	// "Email du référent technique | t.morel@…": one field of the contact
	if f := contactField(label); f != fieldNone {
		v := inline
		col := i
		if v == "" {
			if j := nextNonEmpty(cells, i+1); j >= 0 {
				v, col = cells[j], j
			}
		}
		l.draft(r, s, num, label).setField(f, v, s.name, num, col, 0)
		return
	}
	// labels side by side: "Référent technique | Suivi du projet", values in the rows below
	others := 0
	cols := map[int]role{i: r}
	for j := i + 1; j < len(cells); j++ {
		if cell(cells, j) == "" {
			continue
		}
		others++
		if rj := contactRole(cells[j]); rj != roleNone && afterColon(cells[j]) == "" {
			cols[j] = rj
		}
	}
	if others > 0 && len(cols) == others+1 && inline == "" {
		for c, rc := range cols {
			l.draft(rc, s, num, cells[c])
		}
		s.section = &section{cols: cols}
		return
	}
	if others == 0 && inline == "" {
		l.draft(r, s, num, label)
		s.section = &section{role: r}
		return
	}
	s.section = nil
	d := l.draft(r, s, num, label)
	// under a header of people (Rôle | Nom | Prénom | Fonction | Email | Téléphone)
	for _, h := range []*columns{s.contactHdr, s.hdr} {
		if h == nil || !headerFits(h, cells) {
			continue
		}
		for f := fieldLastName; f <= fieldPhone; f++ {
			if c := h.idx[f]; c >= 0 && c != i {
				d.setField(f, cell(cells, c), s.name, num, c, h.order[f])
			}
		}
		return
	}
	// otherwise by content: the address has an @, the phone digits, the rest is names
	var values []string
	var valueCols []int
	if inline != "" {
		for _, v := range strings.Split(inline, ",") {
			values, valueCols = append(values, v), append(valueCols, i)
		}
	}
	for j := i + 1; j < len(cells); j++ {
		if v := cell(cells, j); v != "" {
			values, valueCols = append(values, v), append(valueCols, j)
		}
	}
	l.contactByContent(d, s, num, values, valueCols)
}

// headerFits reports whether a contact row lines up with a header: its address is in the e-mail
// column, or it has no address at all and a name in the name column.
func headerFits(h *columns, cells []string) bool {
	if strings.Contains(cell(cells, h.idx[fieldEmail]), "@") {
		return true
	}
	for _, c := range cells {
		if strings.Contains(c, "@") {
			return false
		}
	}
	return cell(cells, h.idx[fieldLastName]) != "" || cell(cells, h.idx[fieldFullName]) != ""
}

// nextNonEmpty returns the index of the first non-empty cell from i on, or -1.
func nextNonEmpty(cells []string, i int) int {
	for j := i; j < len(cells); j++ {
		if cell(cells, j) != "" {
			return j
		}
	}
	return -1
}

// contactByContent fills a contact from values whose columns say nothing.
func (l *layout) contactByContent(d *contactDraft, s *sheetState, num int, values []string, cols []int) {
	var texts []string
	for k, v := range values {
		v = cleanText(v)
		switch {
		case v == "":
		case strings.Contains(v, "@"):
			d.setField(fieldEmail, v, s.name, num, cols[k], 0)
		case countDigits(v) >= 9 && countDigits(v)*2 > len(v):
			d.setField(fieldPhone, v, s.name, num, cols[k], 0)
		default:
			texts = append(texts, v)
		}
	}
	switch {
	case len(texts) == 0:
	case strings.Contains(texts[0], " ") || len(texts) == 1:
		d.setField(fieldFullName, texts[0], s.name, num, -1, 0)
		if len(texts) > 1 {
			d.setField(fieldRole, texts[1], s.name, num, -1, 0)
		}
	default:
		d.setField(fieldLastName, texts[0], s.name, num, -1, 0)
		d.setField(fieldFirstName, texts[1], s.name, num, -1, 0)
		if len(texts) > 2 {
			d.setField(fieldRole, texts[2], s.name, num, -1, 0)
		}
	}
}

// sectionRow reads one "field | value" row of a contact block; it reports false when the row is
// not one.
func (l *layout) sectionRow(s *sheetState, num int, cells []string, i int) bool {
	sec := s.section
	f := contactField(cells[i])
	if f == fieldNone {
		return false
	}
	if sec.cols != nil {
		for c, r := range sec.cols {
			if c != i {
				if v := cell(cells, c); v != "" {
					l.draft(r, s, num, "").setField(f, v, s.name, num, c, 0)
				}
			}
		}
		return true
	}
	v, col := afterColon(cells[i]), i
	if v == "" {
		if j := nextNonEmpty(cells, i+1); j >= 0 {
			v, col = cells[j], j
		}
	}
	l.draft(sec.role, s, num, "").setField(f, v, s.name, num, col, 0)
	return true
}

// finishContact checks a gathered contact and returns it, or nil when the file said nothing of it.
func (l *layout) finishContact(d *contactDraft) *convention.Contact {
	if d == nil || !d.hasAny {
		return nil
	}
	c := &convention.Contact{LastName: d.last, FirstName: d.first, Role: d.role}
	if d.fullName != "" && c.LastName == "" && c.FirstName == "" {
		c.LastName, c.FirstName = splitFullName(d.fullName, d.fullOrder)
	}
	if c.Role == "" {
		c.Role = d.label
		if i := strings.IndexByte(c.Role, ':'); i > 0 {
			c.Role = strings.TrimSpace(c.Role[:i])
		}
	}
	who := templates.OfTechnicalReferent
	if d == l.contacts[roleLead] {
		who = templates.OfProjectLead
	}
	if d.email != "" {
		email, msg, warn := checkEmailOf(d.email, who)
		switch {
		case msg != "":
			l.problem(d.emailSheet, d.emailRow, colName(d.emailCol), fieldEmail, convention.SeverityWarning, msg)
		case warn != "":
			l.problem(d.emailSheet, d.emailRow, colName(d.emailCol), fieldEmail, convention.SeverityWarning, warn)
		}
		c.Email = email
	}
	if d.phone != "" {
		phone, msg, warn := checkPhoneOf(d.phone, who)
		switch {
		case msg != "":
			l.problem(d.phoneSheet, d.phoneRow, colName(d.phoneCol), fieldPhone, convention.SeverityWarning, msg)
		case warn != "":
			l.problem(d.phoneSheet, d.phoneRow, colName(d.phoneCol), fieldPhone, convention.SeverityWarning, warn)
		}
		c.Phone = phone
	}
	return c
}
