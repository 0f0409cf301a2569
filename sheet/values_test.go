package sheet

import (
	"strings"
	"testing"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

func TestCheckUAI(t *testing.T) {
	tests := []struct {
		name, in, want string
		msg            string // part of the message when invalid
	}{
		{"OK", "0690026D", "0690026D", ""},
		{"OKLowerCase", "0690026d", "0690026D", ""},
		{"OKSpaces", " 069 0026 D ", "0690026D", ""},
		{"OKNoBreakSpace", "0690026D\u00a0", "0690026D", ""},
		{"ErrMissing", "  ", "", "manquant"},
		{"ErrCheckLetter", "0690026E", "", "la lettre de contrôle devrait être D"},
		{"ErrNoLetter", "0690026", "", "le code complet serait 0690026D"},
		{"LeadingZeroLost", "690026D", "0690026D", ""},
		{"ErrLeadingZeroLostBadLetter", "690026E", "", "7 chiffres suivis d'une lettre"},
		{"ErrLetterO", "O690026D", "", "le code serait 0690026D"},
		{"ErrGarbage", "école", "", "7 chiffres suivis d'une lettre"},
		{"ErrTooLong", "06900260D", "", "7 chiffres suivis d'une lettre"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := checkUAI(tt.in)
			if got != tt.want {
				t.Errorf("checkUAI(%q) = %q, want %q (%s)", tt.in, got, tt.want, msg)
			}
			if tt.msg == "" && msg != "" || !strings.Contains(msg, tt.msg) {
				t.Errorf("checkUAI(%q) message %q, want it to contain %q", tt.in, msg, tt.msg)
			}
		})
	}
	// the exact wording the commune reads
	if _, msg := checkUAI("0690026E"); msg != "Le code UAI « 0690026E » est invalide : la lettre de contrôle devrait être D." {
		t.Errorf("message %q", msg)
	}
}

func TestReadUAIWarnsOfLeadingZero(t *testing.T) {
	uai, msg, warn := readUAI("690415B")
	if uai != "0690415B" || msg != "" || !strings.Contains(warn, "le code UAI 690415B a été lu 0690415B") {
		t.Errorf("readUAI(690415B) = %q, %q, %q", uai, msg, warn)
	}
	if _, _, warn := readUAI("0690415B"); warn != "" {
		t.Errorf("a whole UAI warns: %q", warn)
	}
}

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		name, in, want string
		msg, warn      string
	}{
		{"OK", "jean.dupont@ville.fr", "jean.dupont@ville.fr", "", ""},
		{"OKUpperCaseAndSpaces", "  JEAN.DUPONT@Ville.FR ", "jean.dupont@ville.fr", "", ""},
		{"OKMailto", "mailto:ce.0690026d@ac-lyon.fr", "ce.0690026d@ac-lyon.fr", "", ""},
		{"OKAngleBrackets", "<ce.0690026d@ac-lyon.fr>", "ce.0690026d@ac-lyon.fr", "", ""},
		{"OKDisplayName", "Jean Dupont <jean.dupont@ville.fr>", "jean.dupont@ville.fr", "", ""},
		{"OKTwoAddresses", "a@ville.fr ; b@ville.fr", "a@ville.fr", "", "seule la première"},
		{"ErrMissing", "", "", "manquante", ""},
		{"ErrNoAt", "jean.dupont.ville.fr", "", "il manque le @", ""},
		{"ErrDomainWithoutDot", "jean@ac-lyon", "", "le domaine « ac-lyon » est incomplet", ""},
		{"ErrComma", "jean@ac-lyon,fr", "", "virgule", ""},
		{"ErrSpace", "jean dupont@ville.fr", "", "espace", ""},
		{"ErrAccent", "élodie@ville.fr", "", "accent", ""},
		{"ErrTwoAts", "jean@@ville.fr", "", "plusieurs @", ""},
		{"ErrEmptyLocal", "@ville.fr", "", "avant le @", ""},
		{"ErrBadDomain", "jean@ville..fr", "", "n'est pas correct", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg, warn := checkEmail(tt.in)
			if got != tt.want {
				t.Errorf("checkEmail(%q) = %q, want %q (%s)", tt.in, got, tt.want, msg)
			}
			if tt.msg == "" && msg != "" || !strings.Contains(msg, tt.msg) {
				t.Errorf("checkEmail(%q) message %q, want %q", tt.in, msg, tt.msg)
			}
			if tt.warn == "" && warn != "" || !strings.Contains(warn, tt.warn) {
				t.Errorf("checkEmail(%q) warning %q, want %q", tt.in, warn, tt.warn)
			}
		})
	}
}

func TestCheckPhone(t *testing.T) {
	tests := []struct {
		name, in, want string
		msg, warn      string
	}{
		{"OKSpaces", "04 72 10 35 40", "+33472103540", "", ""},
		{"OKDots", "04.72.10.35.40", "+33472103540", "", ""},
		{"OKDashes", "04-72-10-35-40", "+33472103540", "", ""},
		{"OKPlain", "0472103540", "+33472103540", "", ""},
		{"OKPlus33", "+33 4 72 10 35 40", "+33472103540", "", ""},
		{"OKPlus33Zero", "+33 (0)4 72 10 35 40", "+33472103540", "", ""},
		{"OK0033", "0033 4 72 10 35 40", "+33472103540", "", ""},
		{"OKNoBreakSpaces", "04\u00a072\u00a010\u00a035\u00a040", "+33472103540", "", ""},
		{"OKLostLeadingZero", "472103540", "+33472103540", "", ""},
		{"OKFloat", "472103540.0", "+33472103540", "", ""},
		{"OKScientific", "4.7210354E8", "+33472103540", "", ""},
		{"OKMobile", "06 12 34 56 78", "+33612345678", "", ""},
		{"OKParentheses", "(04) 72 10 35 40", "+33472103540", "", ""},
		{"OKRemark", "04 72 10 35 40 (standard)", "+33472103540", "", ""},
		{"OKReunion", "02 62 12 34 56", "+262262123456", "", ""},
		{"OKSwiss", "+41 22 345 67 89", "+41223456789", "", ""},
		{"OKTwoNumbers", "04 72 10 35 40 / 06 12 34 56 78", "+33472103540", "", "seul le premier"},
		{"ErrMissing", "", "", "manquant", ""},
		{"ErrShort", "04 72 12", "", "incomplet", ""},
		{"ErrLetters", "voir secrétariat", "", "n'est pas un numéro", ""},
		{"ErrTooLong", "04 72 10 35 40 12", "", "n'est pas valide", ""},
		{"ErrZeroZero", "0072103540", "", "n'est pas valide", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg, warn := checkPhone(tt.in)
			if got != tt.want {
				t.Errorf("checkPhone(%q) = %q, want %q (%s)", tt.in, got, tt.want, msg)
			}
			if tt.msg == "" && msg != "" || !strings.Contains(msg, tt.msg) {
				t.Errorf("checkPhone(%q) message %q, want %q", tt.in, msg, tt.msg)
			}
			if tt.warn == "" && warn != "" || !strings.Contains(warn, tt.warn) {
				t.Errorf("checkPhone(%q) warning %q, want %q", tt.in, warn, tt.warn)
			}
		})
	}
}

func TestParseAction(t *testing.T) {
	tests := []struct {
		in   string
		want convention.Action
		ok   bool
	}{
		{"Ajout", convention.ActionAdd, true},
		{"Nouvelle école", convention.ActionAdd, true},
		{"NOUVEAU", convention.ActionAdd, true},
		{"Inscription", convention.ActionAdd, true},
		{"Radiation", convention.ActionRemove, true},
		{"Suppression", convention.ActionRemove, true},
		{"Retrait", convention.ActionRemove, true},
		{"Supprimer", convention.ActionRemove, true},
		{"Fermeture de l'école", convention.ActionRemove, true},
		{"Changement de responsable", convention.ActionChangeAdmin, true},
		{"Nouveau directeur", convention.ActionChangeAdmin, true},
		{"Changement d'administrateur", convention.ActionChangeAdmin, true},
		{"Modification", convention.ActionChangeAdmin, true},
		{"Changement de direction", convention.ActionChangeAdmin, true},
		{"Inchangé", convention.ActionKeep, true},
		{"Sans changement", convention.ActionKeep, true},
		{"Aucun changement", convention.ActionKeep, true},
		{"Pas de changement", convention.ActionKeep, true},
		{"RAS", convention.ActionKeep, true},
		{"Reconduction", convention.ActionKeep, true},
		{"", convention.ActionKeep, true},
		{"peut-être", "", false},
		{"à voir", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseAction(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseAction(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMatchHeader(t *testing.T) {
	tests := []struct {
		in   string
		want field
	}{
		{"UAI", fieldUAI},
		{"Code RNE", fieldUAI},
		{"N° UAI", fieldUAI},
		{"RNE", fieldUAI},
		{"N° UAI (code RNE)", fieldUAI},
		{"École", fieldName},
		{"Nom de l'école", fieldName},
		{"Établissement", fieldName},
		{"Nom de l'établissement", fieldName},
		{"Groupe scolaire", fieldName},
		{"Nom", fieldLastName},
		{"NOM du directeur", fieldLastName},
		{"Nom du responsable", fieldLastName},
		{"Nom de l'administrateur", fieldLastName},
		{"Nom du directeur de l'école", fieldLastName},
		{"Prénom", fieldFirstName},
		{"Prénom du directeur", fieldFirstName},
		{"Nom et prénom", fieldFullName},
		{"NOM Prénom du directeur", fieldFullName},
		{"Directeur / Directrice", fieldFullName},
		{"Fonction", fieldRole},
		{"Qualité", fieldRole},
		{"Email", fieldEmail},
		{"E-mail", fieldEmail},
		{"E-mail du directeur", fieldEmail},
		{"Courriel", fieldEmail},
		{"Mail", fieldEmail},
		{"Mél", fieldEmail},
		{"Adresse électronique", fieldEmail},
		{"Adresse e-mail", fieldEmail},
		{"Adresse mail de l'école", fieldEmail},
		{"Téléphone", fieldPhone},
		{"Tél.", fieldPhone},
		{"Tél. école", fieldPhone},
		{"Portable", fieldPhone},
		{"Numéro de téléphone", fieldPhone},
		{"N° de tél. du directeur", fieldPhone},
		{"Action", fieldAction},
		{"Modification", fieldAction},
		{"Opération", fieldAction},
		{"Type de demande", fieldAction},
		{"Adresse", fieldIgnore},
		{"Adresse de l'école", fieldIgnore},
		{"Commune", fieldIgnore},
		{"Nom de la commune", fieldIgnore},
		{"Code postal", fieldIgnore},
		{"Liste des écoles bénéficiaires pour l'année scolaire 2023-2024", fieldNone},
		{"Référent technique", fieldNone},
		{"", fieldNone},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got, _ := matchHeader(tt.in); got != tt.want {
				t.Errorf("matchHeader(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestHeaderPrefersAdministratorColumns(t *testing.T) {
	c, _ := matchRow([]string{"UAI", "Tél. école", "Nom", "Prénom", "Téléphone du directeur", "Mail école", "Email"})
	if c.idx[fieldPhone] != 4 || c.idx[fieldEmail] != 6 {
		t.Errorf("phone column %d, email column %d; want 4 and 6", c.idx[fieldPhone], c.idx[fieldEmail])
	}
	c, _ = matchRow([]string{"Rôle", "Nom", "Prénom", "Fonction"})
	if c.idx[fieldRole] != 3 {
		t.Errorf("role column %d, want 3 (Fonction over Rôle)", c.idx[fieldRole])
	}
}

func TestContactRole(t *testing.T) {
	tests := []struct {
		in   string
		want role
	}{
		{"Référent technique", roleTechnical},
		{"Référent numérique", roleTechnical},
		{"Interlocuteur technique", roleTechnical},
		{"Référent technique :", roleTechnical},
		{"Référent technique : Thierry MOREL", roleTechnical},
		{"Suivi du projet", roleLead},
		{"Chef de projet", roleLead},
		{"Responsable du suivi", roleLead},
		{"Personne chargée de suivre le projet", roleLead},
		{"Responsable informatique", roleTechnical},
		{"École Jean Moulin", roleNone},
		{"Directrice", roleNone},
		{"Merci d'indiquer ci-dessous le référent technique de votre commune pour ce projet", roleNone},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := contactRole(tt.in); got != tt.want {
				t.Errorf("contactRole(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitFullName(t *testing.T) {
	tests := []struct {
		in          string
		order       int
		last, first string
	}{
		{"DUPONT Jean", 0, "DUPONT", "Jean"},
		{"Jean DUPONT", 0, "DUPONT", "Jean"},
		{"Mme Marie-Claire DE LA FONTAINE", 0, "DE LA FONTAINE", "Marie-Claire"},
		{"Jean Dupont", 0, "Dupont", "Jean"},
		{"Dupont Jean", 1, "Dupont", "Jean"},
		{"Dupont", 0, "Dupont", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			last, first := splitFullName(tt.in, tt.order)
			if last != tt.last || first != tt.first {
				t.Errorf("splitFullName(%q) = %q, %q; want %q, %q", tt.in, last, first, tt.last, tt.first)
			}
		})
	}
}

func TestColName(t *testing.T) {
	for i, want := range map[int]string{0: "A", 6: "G", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := colName(i); got != want {
			t.Errorf("colName(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestSimpleEmailAgreesWithParser(t *testing.T) {
	for _, s := range []string{"a@b.fr", "jean.dupont@ac-lyon.fr", "ce.0690026d@ac-lyon.fr", "a+b@x-y.z.com",
		"a@b", "a@b.f", "a@b.f1", "a@-b.fr", "a@b-.fr", ".a@b.fr", "a.@b.fr", "a..b@c.fr", "a@b..fr", "@b.fr", "a@.fr", "a@b.fr."} {
		if msg := emailProblemSlow(s, templates.OfAdministrator); simpleEmail(s) && msg != "" {
			t.Errorf("simpleEmail(%q) accepts what the full check refuses: %s", s, msg)
		}
	}
}
