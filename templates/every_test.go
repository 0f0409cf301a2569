package templates

import (
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// everyMail renders each mail of templates/ with representative data, every optional part filled
// in. TestEveryTemplateRenders fails when a template file has no case here.
func everyMail() map[string]func() (Rendered, error) {
	at := time.Date(2026, 6, 15, 9, 30, 0, 0, time.UTC)
	due := at.AddDate(0, 0, 14)
	school := SchoolLine{UAI: "0690001A", Name: "École Jean Jaurès", Admin: "Anne Martin (directrice), anne.martin@givors.fr, 04 72 10 31 40", Before: "Paul Durand", DueAt: due, When: at.AddDate(0, 2, 0), Derived: true, Where: "feuille « Écoles », ligne 7"}
	problem := ProblemLine{File: "liste.xlsx", Sheet: "Écoles", Row: 8, Column: "G", Message: "Le numéro de téléphone « 04 72 » est incomplet.", UAI: "0690002B", School: "École Curie"}
	digestSchool := DigestSchool{Commune: "Givors", UAI: "0690001A", Name: "École Jean Jaurès", Admin: "Anne Martin", DueAt: due, DaysLeft: 2}
	request := DigestRequest{ID: 12, ReceivedAt: at, Commune: "Givors", Sender: "Mairie <mairie@givors.fr>", Subject: "Liste des écoles", Outcome: "appliquée", Changes: 3, Details: 1, Errors: 1, Withheld: []string{"mairie@givors.fr"}, Text: "Aucun changement pour nous cette année."}
	return map[string]func() (Rendered, error){
		"access_open": func() (Rendered, error) {
			return RenderAccessOpen(AccessOpen{Commune: "Oullins", UAI: "0690001A", School: "École Jean Jaurès", Admin: "Anne Martin", AdminEmail: "anne.martin@oullins.fr", AdminPhone: "04 72 10 31 40", Contact: "partenariat@grandlyon.com", Signature: Signature})
		},
		"acknowledgement": func() (Rendered, error) {
			return RenderAcknowledgement(Acknowledgement{Commune: "Givors", Subject: "Re: Liste des écoles", ReceivedAt: at, Signature: Signature})
		},
		"admin_change_notice": func() (Rendered, error) {
			return RenderAdminChangeNotice(AdminChangeNotice{Commune: "Givors", Sender: "Mairie <mairie@givors.fr>", Subject: "Liste", ReceivedAt: at, Changes: []AdminChange{{UAI: "0690001A", School: "École Jean Jaurès", Before: "Paul Durand", After: "Anne Martin"}}, Omitted: 2, Signature: Signature})
		},
		"already_received": func() (Rendered, error) {
			return RenderAlreadyReceived(AlreadyReceived{Commune: "Givors", Subject: "Liste", ReceivedAt: at, EarlierAt: at.AddDate(0, 0, -3), State: "refused", Reason: "aucune liste d'écoles lisible", Changes: 2, RefusedRows: 1, Signature: Signature})
		},
		"digest": func() (Rendered, error) {
			return RenderDigest(Digest{From: at.AddDate(0, 0, -1), To: at, Applied: []DigestRequest{request}, Refused: []DigestRequest{request}, Quarantined: []DigestRequest{request}, Ignored: []DigestRequest{request}, Forwarded: []DigestRequest{request},
				DueSoon: []DigestSchool{digestSchool}, Overdue: []DigestSchool{digestSchool}, ToCreate: []DigestSchool{digestSchool},
				Refusals:        []Refusal{{Commune: "Givors", UAI: "0690001A", Name: "École Jean Jaurès", Kind: "activate", Error: "403 Forbidden"}},
				Undelivered:     []Undelivered{{FailedAt: at, Kind: MailKindName("reply"), To: "mairie@givors.fr", Error: "550 unknown user"}, {FailedAt: at, Kind: MailKindName("digest"), To: "staff@grandlyon.com", Error: "550", Delivered: true}},
				RepliesWithheld: []DigestRequest{request}, AccessOpened: 2,
				Held:     []DigestHeld{{RequestID: 7, Commune: "Givors", ReceivedAt: at, RemoveAt: at.AddDate(0, 2, 0), Schools: []string{"0690001A École Jean Jaurès"}}},
				Removals: []DigestRemoval{{Commune: "Givors", UAI: "0690001A", Name: "École Jean Jaurès", RequestID: 7, RemoveAt: at.AddDate(0, 2, 0)}},
				Rights: []DigestRights{{Commune: "Givors", UAI: "0690001A", Name: "École Jean Jaurès", To: "Anne Martin", ToContact: "anne.martin@givors.fr", From: "Paul Durand", FromContact: "paul.durand@givors.fr", DueAt: due, State: "pending"},
					{Commune: "Givors", UAI: "0690002B", Name: "École Curie", To: "Léa Petit", DueAt: due, State: "done"}, {Commune: "Givors", UAI: "0690003C", Name: "École Pasteur", To: "Marc Roux", DueAt: due, State: "failed"}}})
		},
		"forward": func() (Rendered, error) {
			return RenderForward(Forward{Commune: "Givors", Sender: "Mairie <mairie@givors.fr>", Subject: "Re: Liste", ReceivedAt: at, Date: at, Text: "Erreur, gardez l'école Jaurès.", Files: []ForwardFile{{Name: "courrier.pdf", Size: 12000, Attached: true}, {Name: "gros.zip", Size: 30 << 20}},
				ThreadSubject: "Liste des écoles", ThreadAt: at.AddDate(0, 0, -2), ThreadKind: MailKindName("reply"), Acknowledged: true,
				ThreadText: "Bonjour,\n\nNous avons bien reçu votre liste.", ThreadTextCut: true})
		},
		"metropole_reminder": func() (Rendered, error) {
			return RenderMetropoleReminder(MetropoleReminder{Deadline: at.AddDate(0, 2, 0), Pending: []DigestSchool{digestSchool}, AdminChanges: []ChangeLine{{Commune: "Givors", UAI: "0690001A", Name: "École Jean Jaurès", Admin: "Anne Martin", At: at}}, Removed: []DigestSchool{digestSchool}})
		},
		"reminder": func() (Rendered, error) {
			return RenderReminder(Reminder{Commune: "Écully", SchoolYear: "2027-2028", Deadline: at, Renewal: at.AddDate(0, 0, 1), Schools: []SchoolLine{school}, Signature: Signature})
		},
		"reminder_unreached": func() (Rendered, error) {
			return RenderReminderUnreached(ReminderUnreached{SchoolYear: "2027-2028", Renewal: at, Communes: []UnreachedCommune{{Name: "Givors", Schools: 3}, {Name: "Écully", Schools: 1}}})
		},
		"renewal_commune": func() (Rendered, error) {
			return RenderRenewalNotice(RenewalNotice{Commune: "Givors", SchoolYear: "2027-2028", At: at, Schools: []SchoolLine{school}, Signature: Signature})
		},
		"renewal_metropole": func() (Rendered, error) {
			return RenderRenewalReport(RenewalReport{SchoolYear: "2027-2028", At: at, Renewed: []RenewedCommune{{Name: "Givors", Schools: 3}}, Sent: []string{"Oullins"}})
		},
		"reply": func() (Rendered, error) {
			return RenderReply(Reply{Commune: "Givors", Subject: "Liste des écoles", SchoolYear: "2027-2028", ReceivedAt: at, Files: []FileLine{{Name: "liste.xlsx", Format: "xlsx"}, {Name: "photo.jpg", Error: "ce fichier n'est pas une liste d'écoles"}},
				TNEF: true, MailNotes: []string{"Une partie du message est mal formée."},
				Added: []SchoolLine{school}, Changed: []SchoolLine{school}, Removed: []SchoolLine{school}, Held: []SchoolLine{school}, HeldCount: 2, HeldOf: 3, HeldMore: 1,
				Restored: []SchoolLine{school}, Unchanged: []SchoolLine{school}, Refused: []ProblemLine{problem}, ResendWhole: true, Warnings: []ProblemLine{problem}, DueAt: due,
				TechnicalReferent: "Luc Blanc, luc.blanc@givors.fr", ProjectLead: "Marie Noir, marie.noir@givors.fr", Signature: Signature,
				Omitted: Omitted{Added: 1, Changed: 1, Removed: 1, Restored: 1, Unchanged: 1, Refused: 1, Warnings: 1}, RefusedFile: RefusedRowsFilename})
		},
		"revert": func() (Rendered, error) {
			return RenderRevert(Revert{Commune: "Givors", Subject: "Liste", ReceivedAt: "14/09/2026", Undone: []RevertLine{{UAI: "0690001A", School: "École Jean Jaurès", What: "rename", Restored: "École Jaurès"}},
				HeldAgain: []RevertHeld{{UAI: "0690002B", School: "École Curie", RequestID: 2, ReceivedAt: "11/05/2026"}}, Signature: Signature})
		},
		"weekly": func() (Rendered, error) {
			return RenderWeekly(Weekly{From: at.AddDate(0, 0, -7), To: at, Communes: []CommuneOverview{{Name: "Givors", Active: 3, Pending: 1, Overdue: 1, Removing: 1, LastListAt: at}}, Requests: 4, Applied: 3, Quarantined: 1, Upcoming: []string{"20 juin 2026 : fin de la campagne"}})
		},
		"yearly_update": func() (Rendered, error) {
			return RenderYearlyUpdate(YearlyUpdate{At: at, Removed: []DigestSchool{digestSchool}})
		},
		"fee_statement": func() (Rendered, error) {
			return RenderFeeStatement(FeeStatement{SchoolYear: "2026-2027", PerSchoolEUR: 300, Communes: []FeeCommune{{Name: "Givors", INSEE: "69091", Schools: 1, AmountEUR: 300}, {Name: "Oullins", INSEE: "69149", Schools: 2, AmountEUR: 600}}, TotalEUR: 900})
		},
		"activity_report": func() (Rendered, error) {
			return RenderActivityReport(ActivityReport{SchoolYear: "2025-2026", Paragraphs: []string{"Bilan d'activité laclasse.com pour l'année scolaire 2025-2026.", "Messages :\n- 3 listes appliquées"}})
		},
		"convention_dates": func() (Rendered, error) {
			return RenderConventionDates(ConventionDates{Notes: []ConventionNote{
				{Kind: NoteRemoved, Commune: "Givors", UAI: "0690001A", School: "École Jean Jaurès"},
				{Kind: NoteEnds, Commune: "Oullins", At: at.AddDate(0, 1, 0), NoticeReceived: at.AddDate(0, -3, 0)},
				{Kind: NoteAnniversary, Commune: "Écully", At: at.AddDate(0, 4, 0), Deadline: at.AddDate(0, 1, 0)},
			}})
		},
	}
}

// Every template of templates/, text and HTML, renders with representative data: no value left
// out, no action left over, HTML whose elements are closed as they open, text that is French.
func TestEveryTemplateRenders(t *testing.T) {
	names, err := fs.Glob(files, "*.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	mails := everyMail()
	seen := map[string]bool{}
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimSuffix(file, ".txt.tmpl"), ".html.tmpl")
		if _, ok := mails[name]; !ok {
			t.Errorf("%s has no rendering case in everyMail", file)
		}
		seen[name] = true
	}
	for name := range mails {
		if !seen[name] {
			t.Errorf("everyMail renders %q, which has no template file", name)
		}
	}
	for name, render := range mails {
		t.Run(name, func(t *testing.T) {
			r, err := render()
			if err != nil {
				t.Fatal(err)
			}
			for part, s := range map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML} {
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s is empty", part)
				}
				for _, bad := range []string{"<no value>", "{{", "}}", "%!"} {
					if strings.Contains(s, bad) {
						t.Errorf("%s holds %q:\n%s", part, bad, s)
					}
				}
			}
			if !looksFrench(r.Subject + "\n" + r.Text) {
				t.Errorf("text does not read as French:\n%s", r.Text)
			}
			if err := checkHTML(r.HTML); err != nil {
				t.Errorf("HTML: %v\n%s", err, r.HTML)
			}
		})
	}
}

// looksFrench reports whether s reads as French: a few of the commonest French words, and an
// accented letter or a French quotation mark.
func looksFrench(s string) bool {
	words := 0
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzàâäéèêëîïôöùûüç'", r)
	}) {
		if slices.Contains([]string{"le", "la", "les", "de", "des", "du", "et", "à", "est", "pour", "une", "un", "vous", "votre", "ce"}, w) {
			words++
		}
	}
	return words >= 3 && strings.ContainsAny(s, "àâéèêëîôùûç«»")
}

// checkHTML parses h as a document and checks that every element it opens is closed, in order,
// and that it declares itself French.
func checkHTML(h string) error {
	void := map[string]bool{"br": true, "meta": true, "hr": true, "img": true, "link": true, "input": true, "col": true, "wbr": true}
	z := html.NewTokenizer(strings.NewReader(h))
	var open []string
	french := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				return z.Err()
			}
			if len(open) > 0 {
				return errors.New("unclosed elements: " + strings.Join(open, " "))
			}
			if !french {
				return errors.New(`no <html lang="fr">`)
			}
			if _, err := html.Parse(strings.NewReader(h)); err != nil {
				return err
			}
			return nil
		case html.StartTagToken:
			tok := z.Token()
			if tok.Data == "html" {
				for _, a := range tok.Attr {
					french = french || (a.Key == "lang" && a.Val == "fr")
				}
			}
			if !void[tok.Data] {
				open = append(open, tok.Data)
			}
		case html.EndTagToken:
			tok := z.Token()
			if len(open) == 0 || open[len(open)-1] != tok.Data {
				return errors.New("</" + tok.Data + "> closes " + strings.Join(open, " > "))
			}
			open = open[:len(open)-1]
		}
	}
}

// The checks of TestEveryTemplateRenders catch what they are for.
func TestEveryTemplateChecks(t *testing.T) {
	for _, bad := range []string{`<html lang="fr"><body><p><b>x</p></body></html>`, `<html lang="fr"><body><p>x</body></html>`, `<html><body></body></html>`} {
		if checkHTML(bad) == nil {
			t.Errorf("checkHTML(%q) = nil, want an error", bad)
		}
	}
	if err := checkHTML(`<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body><p>é<br></p></body></html>`); err != nil {
		t.Errorf("checkHTML(good) = %v", err)
	}
	if looksFrench("Hello, this is the weekly report of the schools.") {
		t.Error("English reads as French")
	}
	if !looksFrench("Bonjour, voici la liste des écoles de la commune.") {
		t.Error("French does not read as French")
	}
}
