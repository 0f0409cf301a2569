package templates

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// wordsElsewhere are the Go files of templates/ whose words TestEveryWordRenders does not
// render, with what does; every other file's exported words must each have a case in
// everyWord.
var wordsElsewhere = map[string]string{
	"templates.go":          "the mail templates: TestEveryTemplateRenders renders them; FrenchDate and the like: TestRender",
	"access_open.go":        "a mail: TestEveryTemplateRenders",
	"admin_change.go":       "a mail: TestEveryTemplateRenders",
	"calendar.go":           "the convention's dates mail: TestEveryTemplateRenders",
	"reply.go":              "the reply: TestEveryTemplateRenders",
	"reports.go":            "the report mails: TestEveryTemplateRenders",
	"revert.go":             "a mail: TestEveryTemplateRenders",
	"thread.go":             "the forward and acknowledgement mails: TestEveryTemplateRenders",
	"undelivered.go":        "the digest's undelivered mails: TestEveryTemplateRenders",
	"signature.go":          "the signature of every mail: TestEveryTemplateRenders",
	"refused.go":            "the spreadsheet of refused rows: bounds_test.go",
	"staff.go":              "the history lines of staff actions, staff.go's own callers' tests",
	"rights.go":             "the digest's rights: TestEveryTemplateRenders",
	"console.go":            "the staff console's pages (helper N/O, issue 15): the console's own tests",
	"console_words.go":      "the staff console's words (helper O, issue 15): the console's own tests",
	"directory.go":          "the Annuaire's words (helper P, issue 16): its own tests",
	"held_reasons.go":       "the reasons of held lists: their own tests",
	"reminder_unreached.go": "the reminder that reached nobody: its own tests",
}

// everyWord renders each word of templates/ built in Go, with representative values, by the
// name of the function or constant (Type.Method for a method).
func everyWord() map[string]string {
	at := time.Date(2026, 6, 15, 9, 30, 0, 0, time.UTC)
	part := MailPart{Filename: "liste.xlsx", ContentType: "application/vnd.ms-excel"}
	var faults []string
	for f := EmailNoAt; f <= EmailForm; f++ {
		faults = append(faults, EmailInvalid(OfProjectLead, f, "a@b", "b"))
	}
	summary := ActivitySummary{Year: "2025-2026", Known: true, Start: at.AddDate(-1, 2, 17), LastDay: at.AddDate(0, 2, 16), ConventionDays: 14,
		Total:           ActivityCommune{SchoolsAtStart: 2, SchoolsAtEnd: 3, Added: 1, Requests: 2, RefusedRows: 1, Delays: ActivityDelays{Received: 1, Activated: 1, Within: 1, MedianDays: 3.5, MaxDays: 3.5}},
		Communes:        []ActivityCommune{{Name: "Givors", SchoolsAtStart: 2, SchoolsAtEnd: 3, Added: 1, Renewed: true, Delays: ActivityDelays{Received: 1, Activated: 1, Within: 1}}},
		RequestsByState: []Tally{{Key: "applied", N: 2}}, RefusedByField: []Tally{{Key: "email", N: 1}}}
	return map[string]string{
		// activity_summary.go
		"ActivitySummaryText": ActivitySummaryText(summary) + ActivitySummaryText(ActivitySummary{Year: "2025"}),
		"RefusalReason":       RefusalReason("uai") + RefusalReason("sheet"),
		// cli.go
		"CLIListHeader": CLIListHeader, "CLISchoolsHeader": CLISchoolsHeader, "CLIPendingHeader": CLIPendingHeader,
		"CLICommunesHeader": CLICommunesHeader, "CLIRequestsHeader": CLIRequestsHeader, "CLIHistoryHeader": CLIHistoryHeader,
		"CLIFeesHeader": CLIFeesHeader, "CLITechnicalReferent": CLITechnicalReferent, "CLIProjectLead": CLIProjectLead,
		"CLIProblems": CLIProblems, "CLIUnreadable": CLIUnreadable(SheetEmpty),
		"CLIProblem":         CLIProblem("error", "Écoles", 7, "A", "uai", UAIMissing),
		"CLIListCounts":      CLIListCounts(3, 1),
		"CLISchoolStatus":    CLISchoolStatus("pending", "") + CLISchoolStatus("active", "31 août 2027") + CLISchoolStatus("removed", ""),
		"CLINoPendingSchool": CLINoPendingSchool("Givors"), "CLINothingHeld": CLINothingHeld(7), "CLINoRequest": CLINoRequest(7),
		"CLIRemovalDropped": CLIRemovalDropped("0690001A", "École Jaurès"), "CLIRemovalConfirmed": CLIRemovalConfirmed("0690001A", "École Jaurès", "31 août 2027"),
		"CLIReleased": CLIReleased(7, "Givors", "appliquée", 2, 1), "CLISenderDeclared": CLISenderDeclared("mairie@givors.fr", "Givors"),
		"CLIReverted": CLIReverted(7, "Givors", "14/09/2026", 2), "CLIFeesTitle": CLIFeesTitle("2026-2027", 300),
		"CLITerminated": CLITerminated("Givors", "01/03/2027", "31/05/2027", "31/08/2027"), "CLIUnknownStaff": CLIUnknownStaff,
		// demo.go
		"DemoIntro": DemoIntro("/tmp/demo"), "DemoMessage": DemoMessage(1, "09:12", "mairie@givors.fr", "Liste", " [liste.xlsx]"),
		"DemoHandled": DemoHandled(FrenchDateTime(at)), "DemoRequest": DemoRequest(DemoState("applied"), "Givors", "Liste", DemoApplied(3, 1)),
		"DemoTotal": DemoTotal("3 appliqué"), "DemoFolder": DemoFolder("INBOX", 0), "DemoRegistry": DemoRegistry, "DemoReplies": DemoReplies,
		"DemoSchool":  DemoSchool("Givors", "0690001A", "École Jaurès", CLISchoolStatus("pending", ""), "Anne Martin", "a@givors.fr", "04 72 10 35 40", FrenchDate(at)),
		"DemoNextDay": DemoNextDay(FrenchDateTime(at)), "DemoKept": DemoKept("/tmp/demo/intake.db"),
		"DemoState":   DemoState("applied") + DemoState("refused") + DemoState("rejected") + DemoState("duplicate") + DemoState("ignored") + DemoState("forwarded") + DemoState("held") + DemoState("reverted"),
		"DemoApplied": DemoApplied(3, 0) + DemoApplied(3, 2), "DemoRefused": DemoRefused(ReasonNoList),
		"DemoMailHeader": DemoMailHeader("mairie@givors.fr", "Re: Liste"), "DemoMailUnreadable": DemoMailUnreadable("EOF"),
		"DemoAttachments": DemoAttachments("modele.xlsx"), "DemoConsole": DemoConsole("http://127.0.0.1:8080/connexion/abc"),
		// failure.go
		"HandlingFailure": HandlingFailure("EOF", 3, false) + HandlingFailure("panic", 3, true),
		// mail_problems.go
		"MailInternalError": MailInternalError, "MailMalformedPart": MailMalformedPart, "MailTooDeep": MailTooDeep(20), "MailTooManyParts": MailTooManyParts(1000),
		"AttachmentUnknownEncoding": AttachmentUnknownEncoding(part, "x-uue"),
		"AttachmentUndecodable":     AttachmentUndecodable(MailPart{ContentType: "application/pdf"}),
		"AttachmentTooLarge":        AttachmentTooLarge(MailPart{}, 25<<20),
		"FromMissing":               FromMissing, "FromUnreadable": FromUnreadable, "FromEmptyGroup": FromEmptyGroup, "FromGroup": FromGroup,
		"FromInvalidAddress": FromInvalidAddress, "FromFields": FromFields(2), "FromAddresses": FromAddresses(2),
		"FromHiddenAddress": FromHiddenAddress("chef@mairie.fr"),
		// model.go
		"ModelInstructions": strings.Join(ModelInstructions("partenariat@grandlyon.com"), "\n"),
		"ModelRoleHint":     ModelRoleHint, "ModelActionHint": ModelActionHint,
		// numbers.go
		"Int": Int(1350), "Euros": Euros(300), "Count": Count(2, "école", "écoles"), "Schools": Schools(1), "Decimal": Decimal(3.5),
		"Days": Days(14), "Percent": Percent(0.6), "List": List([]string{"Givors", "Oullins", "Écully"}),
		// reasons.go
		"ReasonUnreadableSender": ReasonUnreadableSender(FromGroup, "a:;", "a:;"), "ReasonUndeclaredSender": ReasonUndeclaredSender("x@y.fr"),
		"ReasonAutomaticSuffix": ReasonUndeclaredSender("x@y.fr") + ReasonAutomaticSuffix,
		"ReasonUnauthenticated": ReasonUnauthenticated("Givors", []string{"dkim=fail"}), "ReasonAutomatic": ReasonAutomatic("Auto-Submitted: auto-replied"),
		"ReasonDuplicate": ReasonDuplicate(7), "ReasonFilesAlreadyReceived": ReasonFilesAlreadyReceived(7), "ReasonForwarded": ReasonForwarded(at),
		"ReasonNoList": ReasonNoList, "ReasonTNEF": ReasonTNEF, "ReasonNoValidRows": ReasonNoValidRows, "ReasonHeld": ReasonHeld(3, 4),
		"MessageUnreadable": MessageUnreadable, "FileNotASpreadsheet": FileNotASpreadsheet, "FileDisguised": FileDisguised,
		"FileUnreadable": FileUnreadable, "MessageTooLarge": MessageTooLarge(60), "AttachmentName": AttachmentName(2),
		"SchoolInAnotherFile": SchoolInAnotherFile("0690001A"),
		// report_sheets.go
		"ActivitySubject": ActivitySubject, "ActivityCounted": ActivityCounted, "ActivitySchoolsAt": ActivitySchoolsAt + " " + FrenchDate(at),
		"ActivityRenewedColumn": ActivityRenewedColumn, "ActivityNoCommune": ActivityNoCommune, "ActivityUnattributed": ActivityUnattributed,
		"ActivityTitle": ActivityTitle("2025-2026"), "ActivityPeriod": ActivityPeriod("1er septembre 2025", "31 août 2026"),
		"DelaysSheet": DelaysSheet, "DelaysNone": DelaysNone, "DelaysChart": DelaysChart, "DelaysTitle": DelaysTitle("2025-2026"),
		"DelaysNote": DelaysNote(14), "DelaysWithinColumn": DelaysWithinColumn(14), "DelaysShareColumn": DelaysShareColumn(14),
		"RequestsNote": RequestsNote, "RequestsForwardedColumn": RequestsForwardedColumn, "RequestsNone": RequestsNone,
		"RequestsTitle": RequestsTitle("2025-2026"), "RefusedNote": RefusedNote, "RefusedNone": RefusedNone, "RefusedTitle": RefusedTitle("2025-2026"),
		"HistoryTitle": HistoryTitle, "HistoryNote": HistoryNote, "HistoryNone": HistoryNone, "HistoryChart": HistoryChart,
		"FeesSubject": FeesSubject, "FeesSchoolsColumn": FeesSchoolsColumn, "FeesNone": FeesNone, "FeesReceivedOn": FeesReceivedOn,
		"FeesActivatedOn": FeesActivatedOn, "FeesRemovedOn": FeesRemovedOn, "FeesTitle": FeesTitle("2025-2026"),
		"FeesRule":         FeesRule(Euros(300), "", "") + FeesRule(Euros(300), "1er septembre 2025", "31 août 2026"),
		"FeesCommuneTitle": FeesCommuneTitle("Givors", "2025-2026"), "FeesCommuneNote": FeesCommuneNote("Givors", "69091", Schools(2), Euros(300), Euros(600)),
		// sheet_files.go
		"SheetEmpty": SheetEmpty, "SheetEncrypted": SheetEncrypted, "SheetDamaged": SheetDamaged, "SheetXLSB": SheetXLSB,
		"SheetOldExcel": SheetOldExcel, "SheetNoHeader": SheetNoHeader, "SheetBadCSV": SheetBadCSV, "SheetOtherODF": SheetOtherODF,
		"SheetWord": SheetWord, "SheetNumbers": SheetNumbers, "SheetZip": SheetZip, "SheetPDF": SheetPDF, "SheetRTF": SheetRTF,
		"SheetXML2003": SheetXML2003, "SheetXML": SheetXML, "SheetHTML": SheetHTML, "SheetWordText": SheetWordText,
		"SheetUnrecognized": SheetUnrecognized, "SheetTooLarge": SheetTooLarge(20 << 20), "SheetTooLargeUnzipped": SheetTooLargeUnzipped(200 << 20),
		"SheetTooManyRows": SheetTooManyRows(200000), "SheetTooManyCells": SheetTooManyCells(5000000), "Size": Size(2621440),
		// sheet_rows.go
		"UAIMissing": UAIMissing, "UAIReadWithZero": UAIReadWithZero("690415B"), "UAIWrongLetter": UAIWrongLetter("0690026E", 'D'),
		"UAINoLetter": UAINoLetter("0690026", 'D'), "UAINoZero": UAINoZero("690026D"), "UAILetterForDigit": UAILetterForDigit("O690026D", "0690026D"),
		"UAIInvalid": UAIInvalid("12"), "UAITwice": UAITwice("0690026D", 7, "") + UAITwice("0690026D", 7, "Écoles"),
		"ActionChoices": ActionChoices, "ActionUnknown": ActionUnknown("?"), "NoNameColumn": NoNameColumn, "NoRoleColumn": NoRoleColumn,
		"SchoolNameMissing": SchoolNameMissing, "RoleMissing": RoleMissing,
		"LastNameMissing": LastNameMissing(false) + LastNameMissing(true), "FirstNameMissing": FirstNameMissing(true),
		"EmailMissing": EmailMissing(true), "PhoneMissing": PhoneMissing(true),
		"EmailFirstOfSeveral": EmailFirstOfSeveral("a@b.fr"), "PhoneFirstOfSeveral": PhoneFirstOfSeveral("04 72 10 35 40"),
		"EmailInvalid":    strings.Join(faults, " "),
		"PhoneNotANumber": PhoneNotANumber(OfTechnicalReferent, "néant"), "PhoneTooShort": PhoneTooShort(OfAdministrator, "04 72"),
		"PhoneInvalid": PhoneInvalid(OfProjectLead, "00 00 00 00 00"), "UnnamedSheet": UnnamedSheet(2),
		"PlanWords.SchoolOfAnotherCommune":  PlanWords{}.SchoolOfAnotherCommune("0690001A", "Givors", "Oullins"),
		"PlanWords.RemovalOfInactiveSchool": PlanWords{}.RemovalOfInactiveSchool("0690001A"),
	}
}

// exportedWords lists the exported functions and methods of the non-test files of templates/
// that give text (string or []string), and its exported untyped or string constants, by file.
func exportedWords(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	words := map[string][]string{}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || d.Type.Results == nil || len(d.Type.Results.List) != 1 || !textType(d.Type.Results.List[0].Type) {
					continue
				}
				name := d.Name.Name
				if d.Recv != nil {
					name = declName(d)
				}
				words[file] = append(words[file], name)
			case *ast.GenDecl:
				if d.Tok != token.CONST {
					continue
				}
				for _, s := range d.Specs {
					vs := s.(*ast.ValueSpec)
					if vs.Type != nil && !textType(vs.Type) || len(vs.Values) == 0 {
						continue
					}
					for _, n := range vs.Names {
						if n.IsExported() {
							words[file] = append(words[file], n.Name)
						}
					}
				}
			}
		}
	}
	return words
}

// textType reports whether a type is string or []string.
func textType(e ast.Expr) bool {
	if a, ok := e.(*ast.ArrayType); ok {
		e = a.Elt
	}
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "string"
}

// Every word built in Go in templates/ has a case in everyWord and renders: no value left out,
// no verb left over, nothing empty. A problem about a row or a message is a sentence with its
// final period; a reason a file could not be read is a phrase without one, as UnreadableError
// promises.
func TestEveryWordRenders(t *testing.T) {
	cases := everyWord()
	seen := map[string]bool{}
	var files []string
	for file, names := range exportedWords(t) {
		files = append(files, file)
		if _, ok := wordsElsewhere[file]; ok {
			continue
		}
		for _, name := range names {
			seen[name] = true
			if _, ok := cases[name]; !ok {
				t.Errorf("%s: %s has no case in everyWord", file, name)
			}
		}
	}
	sort.Strings(files)
	for name := range cases {
		if !seen[name] {
			t.Errorf("everyWord renders %q, which no file of templates/ outside wordsElsewhere exports", name)
		}
	}
	for file := range wordsElsewhere {
		if _, err := os.Stat(file); err != nil {
			t.Errorf("wordsElsewhere names %s, which is gone", file)
		}
	}
	for name, s := range cases {
		if strings.TrimSpace(s) == "" {
			t.Errorf("%s is empty", name)
		}
		for _, bad := range []string{"%!", "<no value>", "{{", "(MISSING)"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s holds %q: %s", name, bad, s)
			}
		}
	}
	for _, s := range []string{UAIMissing, UAIInvalid("x"), UAITwice("x", 1, "y"), ActionUnknown("x"), LastNameMissing(true), EmailInvalid(OfAdministrator, EmailSpace, "a b", ""),
		PhoneInvalid(OfAdministrator, "1"), MailTooDeep(1), AttachmentTooLarge(MailPart{}, 1), MailMalformedPart, PlanWords{}.RemovalOfInactiveSchool("x")} {
		if !strings.HasSuffix(s, ".") {
			t.Errorf("problem %q has no final period", s)
		}
	}
	for _, s := range []string{SheetEmpty, SheetDamaged, SheetNoHeader, SheetTooLarge(1), SheetTooManyCells(1), FromMissing, FromHiddenAddress("a@b.fr")} {
		if strings.HasSuffix(s, ".") {
			t.Errorf("reason %q ends with a period", s)
		}
	}
}

// The words keep what callers and tests count on.
func TestWords(t *testing.T) {
	for _, tc := range []struct{ name, got, want string }{
		{"Size", Size(25 << 20), "25 Mo"},
		{"SizeDecimal", Size(2621440), "2,5 Mo"},
		{"SizeBytes", Size(20), "20 octets"},
		{"WholeSize", SheetTooLarge(20<<20 + 5), "le fichier dépasse la taille autorisée (20 Mo au plus)"},
		{"AdminMissing", EmailMissing(false), "L'adresse e-mail de l'administrateur est manquante."},
		{"AdminNoColumn", PhoneMissing(true), "Le numéro de téléphone de l'administrateur est manquant : le tableau n'a pas de colonne « Téléphone »."},
		{"ContactEmail", EmailInvalid(OfTechnicalReferent, EmailNoAt, "x", ""), "L'adresse e-mail du référent technique de la commune « x » est invalide : il manque le @ (une adresse est de la forme prenom.nom@ville.fr)."},
		{"AdminPhone", PhoneTooShort(OfAdministrator, "04"), "Le numéro de téléphone « 04 » est incomplet : un numéro français comporte 10 chiffres, par exemple 04 72 10 35 40."},
		{"LeadPhone", PhoneNotANumber(OfProjectLead, "néant"), "« néant » n'est pas un numéro de téléphone : indiquez le numéro de la personne chargée du suivi du projet, à 10 chiffres, par exemple 04 72 10 35 40."},
		{"Twice", UAITwice("0690026D", 3, "Maternelles"), "Le code UAI « 0690026D » figure déjà à la ligne 3 de la feuille « Maternelles » : chaque école ne doit apparaître qu'une fois ; cette ligne n'a pas été prise en compte."},
		{"Unnamed", AttachmentUndecodable(MailPart{}), "Une pièce jointe sans nom n'a pas pu être décodée."},
		{"ModelAddress", ModelInstructions("x@y.fr")[7], "Renvoyez le fichier complété, au format xlsx, ods ou csv, en pièce jointe d'un message à l'adresse x@y.fr."},
		{"ModelAction", ModelActionHint, "Choisissez Ajout, Radiation, Changement de responsable ou Inchangé."},
		{"Status", CLISchoolStatus("pending", "31 août 2027"), "en attente (radiation le 31 août 2027)"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
