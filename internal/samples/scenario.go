package samples

import (
	"fmt"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
)

// Communes are the communes of the sample scenario.
func Communes() []convention.Commune {
	return []convention.Commune{
		{Name: "Givors", INSEE: "69091", Senders: []string{"@mairie-givors.fr"}},
		{Name: "Vaulx-en-Velin", INSEE: "69256", Senders: []string{"education@mairie-vaulx-en-velin.fr"}},
		{Name: "Grigny", INSEE: "69096", Senders: []string{"@mairie-grigny.fr"}},
		{Name: "Oullins", INSEE: "69149", Senders: []string{"@mairie-oullins.fr"}},
		{Name: "Feyzin", INSEE: "69276", Senders: []string{"scolaire@mairie-feyzin.fr"}},
	}
}

// CommunesTOML returns the communes of the sample scenario as the [[commune]] tables of a
// configuration file.
func CommunesTOML() string {
	var b strings.Builder
	for _, c := range Communes() {
		fmt.Fprintf(&b, "[[commune]]\nname = %q\ninsee = %q\nsenders = [", c.Name, c.INSEE)
		for i, s := range c.Senders {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q", s)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// Mailbox is the partnership address in the samples.
const Mailbox = "partenariat@laclasse.example"

// Case is one message of the scenario and what must become of it.
type Case struct {
	Name    string
	Message Message
	// State is the request's expected outcome; Reply says whether the commune gets an answer.
	State convention.RequestState
	Reply bool
	// Schools are the UAIs the message must leave in the registry, pending.
	Schools []string
}

// Scenario returns the messages of a first morning of the partnership mailbox, in the order
// they arrive. Every case of the pipeline issue is there.
func Scenario() []Case {
	day := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return day.Add(time.Duration(min) * time.Minute) }

	givors := Rows(101, 4)
	adhesion := Message{
		From: "Secrétariat général <secretariat@mairie-givors.fr>", To: Mailbox, Subject: "Adhésion laclasse.com : liste des écoles",
		MessageID: "adhesion-givors@mairie-givors.fr", Date: at(0),
		Attachments: []Attachment{{Name: "Écoles de Givors.xlsx", ContentType: XLSXType, Data: XLSX("Givors", givors), Latin1Name: true}},
	}

	vaulx := Rows(701, 3)
	original := Message{
		From: "Direction de l'éducation <direction.education@mairie-vaulx-en-velin.fr>", To: "education@mairie-vaulx-en-velin.fr",
		Subject: "Liste des écoles pour laclasse", MessageID: "original-vaulx@mairie-vaulx-en-velin.fr", Date: at(-60 * 24),
		Attachments: []Attachment{{Name: "ecoles-vaulx.xlsx", ContentType: XLSXType, Data: XLSX("Vaulx-en-Velin", vaulx)}},
	}
	forwarded := Message{
		From: "Service éducation <education@mairie-vaulx-en-velin.fr>", To: Mailbox, Subject: "TR: Liste des écoles pour laclasse",
		MessageID: "forward-vaulx@mairie-vaulx-en-velin.fr", Date: at(5),
		Text:        "Bonjour,\n\nJe vous transfère la liste de nos écoles.\n\nBien cordialement.",
		Attachments: []Attachment{{Name: "Liste des écoles pour laclasse.eml", ContentType: "message/rfc822", Data: original.Raw()}},
	}

	unknown := Message{
		From: "Jean Dupont <jean.dupont@gmail.example>", To: Mailbox, Subject: "Ajout école",
		MessageID: "unknown@gmail.example", Date: at(10),
		Attachments: []Attachment{{Name: "ecoles.xlsx", ContentType: XLSXType, Data: XLSX("Givors", Rows(190, 1))}},
	}

	noAttachment := Message{
		From: "Mairie de Grigny <accueil@mairie-grigny.fr>", To: Mailbox, Subject: "Demande d'accès laclasse.com",
		MessageID: "no-attachment@mairie-grigny.fr", Date: at(15),
		Text: "Bonjour,\n\nNous souhaitons ouvrir laclasse.com dans nos écoles. Comment faire ?\n\nMerci.",
	}

	oullinsRows := Rows(1001, 3)
	bad := []Row{
		{UAI: "0691015X", School: "École élémentaire Ampère", LastName: "CHAMBON", FirstName: "Amandine", Role: "Directrice", Email: "a.chambon@ville-oullins.fr", Phone: "04 72 39 73 00"},
		{UAI: UAI(1020), School: "École maternelle La Saulaie", LastName: "COLOMB", FirstName: "Stéphane", Role: "Directeur", Email: "s.colomb@@ville-oullins", Phone: "04 72 39 73 01"},
		{UAI: UAI(1021), School: "École Jean Macé", LastName: "ROUX", FirstName: "Nadia", Role: "Directrice", Email: "n.roux@ville-oullins.fr", Phone: ""},
		oullinsRows[0],
	}
	badRows := Message{
		From: "Oullins Éducation <education@mairie-oullins.fr>", To: Mailbox, Subject: "Liste écoles Oullins",
		MessageID: "bad-rows@mairie-oullins.fr", Date: at(20),
		Attachments: []Attachment{{Name: "oullins.xlsx", ContentType: XLSXType, Data: XLSX("Oullins", append(oullinsRows, bad...))}},
	}

	feyzin := Rows(1301, 2)
	csv := Message{
		From: "scolaire@mairie-feyzin.fr", To: Mailbox, Subject: "liste ecoles feyzin",
		MessageID: "csv-feyzin@mairie-feyzin.fr", Date: at(25),
		Attachments: []Attachment{{Name: "ECOLES.CSV", ContentType: "application/vnd.ms-excel", Data: CSV(feyzin)}},
	}

	outOfOffice := Message{
		From: "Secrétariat général <secretariat@mairie-givors.fr>", To: Mailbox, Subject: "Absence du bureau : Re: Adhésion laclasse.com",
		MessageID: "ooo-givors@mairie-givors.fr", Date: at(40),
		Headers: map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
		Text:    "Je suis absente jusqu'au 21 septembre. Pour toute urgence, contactez l'accueil.",
	}

	return []Case{
		{Name: "an adhesion with an accented RFC 2231 file name", Message: adhesion, State: convention.StateApplied, Reply: true, Schools: uais(givors)},
		{Name: "a forwarded list", Message: forwarded, State: convention.StateApplied, Reply: true, Schools: uais(vaulx)},
		{Name: "an unknown sender", Message: unknown, State: convention.StateRejected},
		{Name: "the same message twice", Message: adhesion, State: convention.StateDuplicate},
		{Name: "a mail without attachment", Message: noAttachment, State: convention.StateRefused, Reply: true},
		{Name: "a list with bad rows", Message: badRows, State: convention.StateApplied, Reply: true, Schools: uais(oullinsRows)},
		{Name: "a CSV from an old client", Message: csv, State: convention.StateApplied, Reply: true, Schools: uais(feyzin)},
		{Name: "an out-of-office reply", Message: outOfOffice, State: convention.StateIgnored},
	}
}

func uais(rows []Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.UAI)
	}
	return out
}
