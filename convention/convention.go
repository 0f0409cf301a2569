// Package convention is in charge of the facts and rules of the partnership convention between the
// Métropole de Lyon and a commune for laclasse.com: communes, schools and their administrators, the
// lists a commune sends, the changes they carry and the dates they set. It does no I/O and imports
// nothing of this module, so every other package can depend on it.
package convention

import (
	"strings"
	"time"
)

// ActivationDelay is the time the Métropole has to open access to a school: "dans les deux semaines
// suivant la réception du document".
const ActivationDelay = 14 * 24 * time.Hour

// DueAt returns the date by which access to a school received at receivedAt must be opened.
func DueAt(receivedAt time.Time) time.Time { return receivedAt.Add(ActivationDelay) }

// Status is the state of a school in the registry.
type Status string

const (
	// StatusPending is a school known to the registry whose access is not yet opened.
	StatusPending Status = "pending"
	// StatusActive is a school whose access has been opened.
	StatusActive Status = "active"
	// StatusRemoved is a school taken out of the convention; its history stays.
	StatusRemoved Status = "removed"
)

// Action is what a row of a list of changes asks for. The zero value means the list carries no
// action column: the row is simply part of the commune's list.
type Action string

const (
	ActionNone        Action = ""
	ActionAdd         Action = "add"
	ActionRemove      Action = "remove"
	ActionChangeAdmin Action = "change_admin"
	ActionKeep        Action = "keep"
)

// Contact is a person named in a commune's list: a school's administrator, the commune's technical
// referent or the person following the project. Email is lower case; Phone is E.164 (+33…).
type Contact struct {
	LastName  string `json:"last_name"`
	FirstName string `json:"first_name"`
	Role      string `json:"role"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

// FullName returns "Prénom Nom", or whichever part is known.
func (c Contact) FullName() string {
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

// CommuneContacts are the commune's own contacts that the convention asks for.
type CommuneContacts struct {
	TechnicalReferent *Contact `json:"technical_referent"`
	ProjectLead       *Contact `json:"project_lead"`
}

// SchoolEntry is one accepted row of a list: a school and its administrator.
type SchoolEntry struct {
	Sheet  string  `json:"sheet"`
	Row    int     `json:"row"` // 1-based, as the spreadsheet shows it
	UAI    string  `json:"uai"`
	Name   string  `json:"name"`
	Action Action  `json:"action"`
	Admin  Contact `json:"admin"`
}

// Severity says whether a problem refuses its row (error) or only deserves a mention (warning).
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is something wrong in a list, located so that the commune can find it. Message is in
// French, for the commune.
type Problem struct {
	Sheet    string   `json:"sheet"`
	Row      int      `json:"row"`    // 1-based; 0 when the problem concerns the whole file
	Column   string   `json:"column"` // letter(s), "" when the problem concerns the whole row or file
	Field    string   `json:"field"`  // uai, name, last_name, first_name, role, email, phone, action, file…
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	File     string   `json:"-"` // the attachment, when a message carried several
	// UAI is the school a refused row names, when its UAI cell is a valid code: a refused row
	// still says which school it is about ("" when the code itself is unreadable).
	UAI string `json:"uai,omitempty"`
	// School is the school's name as the row gives it, so that a refused row names its school
	// even when its UAI is unreadable.
	School string `json:"school,omitempty"`
}

// List is what a spreadsheet says: the schools it lists, the commune's contacts, and every problem
// found while reading it.
type List struct {
	File     string          `json:"file"`
	Format   string          `json:"format"` // xlsx, ods, xls, csv
	Commune  CommuneContacts `json:"commune"`
	Schools  []SchoolEntry   `json:"schools"`
	Problems []Problem       `json:"problems"`
	// Columns says, sheet by sheet, which columns of its school table hold the UAIs and the
	// names, so that a check made after reading can name the column of the row it speaks of.
	Columns map[string]SheetColumns `json:"-"`
}

// SheetColumns are the letters of the columns of a sheet's school table ("" when it has none).
type SheetColumns struct {
	UAI, Name string
}

// Errors returns the problems of severity error.
func (l *List) Errors() []Problem {
	var out []Problem
	for _, p := range l.Problems {
		if p.Severity == SeverityError {
			out = append(out, p)
		}
	}
	return out
}

// RefusedUAIs returns the schools named by refused rows whose UAI was readable, once each: a
// full list still names them, so they are not "absentes de la liste reçue".
func (l *List) RefusedUAIs() []string { return RefusedUAIs(l.Problems) }

// RefusedUAIs returns the UAIs that the problems of severity error name, once each, in order.
func RefusedUAIs(problems []Problem) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range problems {
		if p.Severity == SeverityError && p.UAI != "" && !seen[p.UAI] {
			seen[p.UAI] = true
			out = append(out, p.UAI)
		}
	}
	return out
}

// HasActions reports whether the list carries an action column (a list of changes).
func (l *List) HasActions() bool {
	for _, s := range l.Schools {
		if s.Action != ActionNone {
			return true
		}
	}
	return false
}

// Commune is a commune that signed the convention, as the configuration declares it.
type Commune struct {
	Name    string
	INSEE   string
	Senders []string // addresses, or "@domain" for a whole domain
	Notify  []string // more addresses to tell
}

// ValidSenderPattern reports whether s is an address (a@b.c) or a whole domain (@b.c).
func ValidSenderPattern(s string) bool {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 || at == len(s)-1 || strings.ContainsAny(s, " <>,;") {
		return false
	}
	return strings.Contains(s[at+1:], ".")
}

// Accepts reports whether a message from the bare address addr comes from one of the commune's
// declared senders. Addresses compare case-insensitively; "@ville.example" accepts every address of
// that exact domain.
func (c Commune) Accepts(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return false
	}
	for _, s := range c.Senders {
		s = strings.ToLower(strings.TrimSpace(s))
		if strings.HasPrefix(s, "@") {
			if addr[at:] == s {
				return true
			}
		} else if addr == s {
			return true
		}
	}
	return false
}

// CommuneOf returns the commune that declared addr as a sender.
func CommuneOf(communes []Commune, addr string) (Commune, bool) {
	for _, c := range communes {
		if c.Accepts(addr) {
			return c, true
		}
	}
	return Commune{}, false
}
