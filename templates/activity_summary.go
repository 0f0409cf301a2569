package templates

import (
	"fmt"
	"strings"
	"time"
)

// ActivitySummary is what the body of the activity report's mail says, for the follow-up
// committee: the schools and communes, the year's changes, the delays to open access against the
// convention's two weeks, the messages and the main reasons rows were refused, and the lists
// renewed by default.
type ActivitySummary struct {
	Year string // "2025-2026"
	// Known is false when Year is no school year; the summary then says only that.
	Known bool
	// Start is the first day of the school year, LastDay its last.
	Start, LastDay time.Time
	// Total adds the communes up; its Name is not shown.
	Total    ActivityCommune
	Communes []ActivityCommune
	// ConventionDays is the convention's delay to open access, "dans les deux semaines".
	ConventionDays int
	// RequestsByState counts the messages received by state (applied, refused, rejected,
	// duplicate, ignored, forwarded, held, reverted), in the order the summary lists them;
	// states with no message may be left out.
	RequestsByState []Tally
	// RefusedByField counts the refused rows by the field at fault (uai, email…), the most
	// frequent first.
	RefusedByField []Tally
}

// ActivityCommune is one commune's year in the summary, or the total.
type ActivityCommune struct {
	Name                         string
	SchoolsAtStart, SchoolsAtEnd int
	Added, Removed               int
	Activations, AdminChanges    int
	Requests, RefusedRows        int
	Renewed                      bool // its list was renewed by default
	Delays                       ActivityDelays
}

// ActivityDelays are the delays to open access to the schools first received in the year:
// Received of them, Activated opened, Within opened within the convention's delay; the median
// and the longest delay in days, over the activated ones.
type ActivityDelays struct {
	Received, Activated, Within int
	MedianDays, MaxDays         float64
}

// Tally is a count of something named by a key.
type Tally struct {
	Key string
	N   int
}

// ActivitySummaryText writes the summary as a few French paragraphs of plain text.
func ActivitySummaryText(r ActivitySummary) string {
	if !r.Known {
		return fmt.Sprintf("Bilan d'activité laclasse.com : l'année scolaire « %s » n'est pas reconnue.\n", r.Year)
	}
	var paras []string
	add := func(format string, args ...any) { paras = append(paras, fmt.Sprintf(format, args...)) }
	t := r.Total
	startDay, endDay := FrenchDate(r.Start), FrenchDate(r.LastDay)

	add("Bilan d'activité laclasse.com pour l'année scolaire %s, du %s au %s.", r.Year, startDay, endDay)

	withSchools := 0
	for _, c := range r.Communes {
		if c.SchoolsAtEnd > 0 {
			withSchools++
		}
	}
	if t.SchoolsAtEnd == 0 {
		add("Au %s, aucune école ne bénéficiait de laclasse.com (%d au %s).", endDay, t.SchoolsAtStart, startDay)
	} else {
		add("Au %s, %s de %s %s laclasse.com (en attente d'ouverture ou actives), contre %d au %s.",
			endDay, Count(t.SchoolsAtEnd, "école", "écoles"), Count(withSchools, "commune", "communes"),
			pick(t.SchoolsAtEnd, "bénéficiait de", "bénéficiaient de"), t.SchoolsAtStart, startDay)
	}
	if t.Added+t.Removed+t.Activations+t.AdminChanges == 0 {
		paras[len(paras)-1] += " Aucun ajout, aucune radiation, aucune ouverture d'accès ni aucun changement d'administrateur au cours de l'année."
	} else {
		paras[len(paras)-1] += fmt.Sprintf(" Au cours de l'année : %s, %s, %s et %s.",
			Count(t.Added, "école ajoutée", "écoles ajoutées"), Count(t.Removed, "école retirée", "écoles retirées"),
			Count(t.Activations, "accès ouvert", "accès ouverts"),
			Count(t.AdminChanges, "changement d'administrateur", "changements d'administrateur"))
	}

	if len(r.Communes) > 0 {
		var b strings.Builder
		b.WriteString("Par commune :")
		for _, c := range r.Communes {
			if c.SchoolsAtStart == 0 && c.SchoolsAtEnd == 0 {
				fmt.Fprintf(&b, "\n- %s : aucune école", c.Name)
			} else {
				fmt.Fprintf(&b, "\n- %s : %s au %s (%d au %s)", c.Name, Count(c.SchoolsAtEnd, "école", "écoles"), endDay, c.SchoolsAtStart, startDay)
			}
			var parts []string
			if c.Added > 0 {
				parts = append(parts, Count(c.Added, "ajout", "ajouts"))
			}
			if c.Removed > 0 {
				parts = append(parts, Count(c.Removed, "radiation", "radiations"))
			}
			if c.AdminChanges > 0 {
				parts = append(parts, Count(c.AdminChanges, "changement d'administrateur", "changements d'administrateur"))
			}
			if len(parts) > 0 {
				b.WriteString(", " + List(parts))
			}
			if c.Renewed {
				b.WriteString(", liste reconduite par défaut")
			}
			b.WriteString(".")
		}
		paras = append(paras, b.String())
	}

	paras = append(paras, activityDelays(r))
	paras = append(paras, activityRequests(r))

	var renewed []string
	for _, c := range r.Communes {
		if c.Renewed {
			renewed = append(renewed, c.Name)
		}
	}
	if len(renewed) > 0 {
		add("Reconduction par défaut : faute de liste transmise pendant la campagne annuelle, la liste de l'année précédente a été reconduite pour %s : %s.",
			Count(len(renewed), "commune", "communes"), List(renewed))
	} else {
		add("Aucune liste n'a été reconduite par défaut pour cette année scolaire.")
	}
	add("Le détail par commune figure dans le classeur joint.")
	return strings.Join(paras, "\n\n") + "\n"
}

// pick chooses the singular or the plural form of a verb for n.
func pick(n int, one, many string) string {
	if n > 1 {
		return many
	}
	return one
}

// activityDelays is the paragraph on the delays to open access.
func activityDelays(r ActivitySummary) string {
	d := r.Total.Delays
	if d.Received == 0 {
		return "Délais d'ouverture : aucune nouvelle école n'a été reçue pendant l'année, il n'y a donc pas de délai à mesurer."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Délais d'ouverture : %s %s reçue%s pendant l'année",
		Count(d.Received, "école", "écoles"), pick(d.Received, "a été", "ont été"), pick(d.Received, "", "s"))
	if d.Activated == 0 {
		b.WriteString(" ; aucune n'a encore été activée.")
	} else {
		fmt.Fprintf(&b, " ; %d %s %s, avec un délai médian de %s et un délai maximal de %s.",
			d.Activated, pick(d.Activated, "a été", "ont été"), pick(d.Activated, "activée", "activées"),
			Days(d.MedianDays), Days(d.MaxDays))
	}
	fmt.Fprintf(&b, " %d sur %d (%s) %s activée%s dans les deux semaines prévues par la convention (%d jours).",
		d.Within, d.Received, Percent(float64(d.Within)/float64(d.Received)), pick(d.Within, "a été", "ont été"), pick(d.Within, "", "s"), r.ConventionDays)
	if n := d.Received - d.Activated; n > 0 {
		fmt.Fprintf(&b, " %s %s pas encore été %s.", Count(n, "école", "écoles"), pick(n, "n'a", "n'ont"), pick(n, "activée", "activées"))
	}
	var late []string
	for _, c := range r.Communes {
		if c.Delays.Received > c.Delays.Within {
			late = append(late, fmt.Sprintf("%s (%d sur %d)", c.Name, c.Delays.Received-c.Delays.Within, c.Delays.Received))
		}
	}
	if len(late) > 0 {
		fmt.Fprintf(&b, " Écoles ouvertes hors délai ou pas encore ouvertes : %s.", List(late))
	} else {
		b.WriteString(" L'engagement a été tenu pour toutes les écoles.")
	}
	return b.String()
}

// requestLabels name the messages of each state, singular and plural.
var requestLabels = map[string][2]string{
	"applied":   {"liste appliquée", "listes appliquées"},
	"refused":   {"message refusé", "messages refusés"},
	"rejected":  {"message d'un expéditeur hors convention (mis en quarantaine)", "messages d'expéditeurs hors convention (mis en quarantaine)"},
	"duplicate": {"doublon", "doublons"},
	"ignored":   {"message automatique ignoré", "messages automatiques ignorés"},
	"forwarded": {"réponse transmise à l'équipe laclasse.com", "réponses transmises à l'équipe laclasse.com"},
	"held":      {"liste dont les retraits attendent une confirmation", "listes dont les retraits attendent une confirmation"},
	"reverted":  {"demande annulée par l'équipe", "demandes annulées par l'équipe"},
}

// activityRequests is the paragraph on the messages and the rows refused.
func activityRequests(r ActivitySummary) string {
	t := r.Total
	if t.Requests == 0 {
		return "Messages : aucun message n'a été reçu dans la boîte partenariat pendant l'année."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Messages : %s dans la boîte partenariat", Count(t.Requests, "message reçu", "messages reçus"))
	var parts []string
	for _, s := range r.RequestsByState {
		if l, ok := requestLabels[s.Key]; ok && s.N > 0 {
			parts = append(parts, Count(s.N, l[0], l[1]))
		}
	}
	if len(parts) > 0 {
		b.WriteString(", dont " + List(parts))
	}
	b.WriteString(".")
	if t.RefusedRows == 0 {
		b.WriteString(" Aucune ligne des listes reçues n'a été refusée.")
		return b.String()
	}
	fields := r.RefusedByField
	var reasons []string
	for i, f := range fields {
		if i == 3 && len(fields) > 4 {
			rest := 0
			for _, g := range fields[3:] {
				rest += g.N
			}
			reasons = append(reasons, fmt.Sprintf("autres motifs (%d)", rest))
			break
		}
		reasons = append(reasons, fmt.Sprintf("%s (%d)", RefusalReason(f.Key), f.N))
	}
	fmt.Fprintf(&b, " %s %s refusée%s, %s : %s.", Count(t.RefusedRows, "ligne", "lignes"),
		pick(t.RefusedRows, "a été", "ont été"), pick(t.RefusedRows, "", "s"),
		pick(len(fields), "pour ce motif", "principalement pour ces motifs"), List(reasons))
	return b.String()
}

// RefusalReason says in French why rows were refused, from the field at fault (uai, email…), as
// the activity report names its reasons.
func RefusalReason(field string) string {
	switch field {
	case "uai":
		return "code UAI invalide"
	case "email":
		return "adresse e-mail invalide"
	case "phone":
		return "numéro de téléphone invalide"
	case "last_name":
		return "nom de l'administrateur manquant ou invalide"
	case "first_name":
		return "prénom de l'administrateur manquant ou invalide"
	case "role":
		return "fonction de l'administrateur invalide"
	case "name":
		return "nom de l'école manquant ou invalide"
	case "action":
		return "action non reconnue"
	case "file":
		return "fichier illisible"
	case "":
		return "motif non précisé"
	}
	return "autre motif (" + field + ")"
}
