package report

import (
	"fmt"
	"slices"
	"strings"
)

// ActivitySummaryFR writes the activity report as a few French paragraphs of plain text, for the
// body of the mail that carries the spreadsheet: the schools and communes, the year's changes,
// the delays to open access against the convention's two weeks, the messages and the main
// reasons rows were refused, and the lists renewed by default.
func ActivitySummaryFR(r ActivityReport) string {
	if r.Start.IsZero() {
		return fmt.Sprintf("Bilan d'activité laclasse.com : l'année scolaire « %s » n'est pas reconnue.\n", r.Year)
	}
	var paras []string
	add := func(format string, args ...any) { paras = append(paras, fmt.Sprintf(format, args...)) }
	t := r.Total
	startDay, endDay := frenchDate(r.Start), frenchDate(lastDay(r.End))

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
			endDay, countFR(t.SchoolsAtEnd, "école", "écoles"), countFR(withSchools, "commune", "communes"),
			pick(t.SchoolsAtEnd, "bénéficiait de", "bénéficiaient de"), t.SchoolsAtStart, startDay)
	}
	if t.Added+t.Removed+t.Activations+t.AdminChanges == 0 {
		paras[len(paras)-1] += " Aucun ajout, aucune radiation, aucune ouverture d'accès ni aucun changement d'administrateur au cours de l'année."
	} else {
		paras[len(paras)-1] += fmt.Sprintf(" Au cours de l'année : %s, %s, %s et %s.",
			countFR(t.Added, "école ajoutée", "écoles ajoutées"), countFR(t.Removed, "école retirée", "écoles retirées"),
			countFR(t.Activations, "accès ouvert", "accès ouverts"),
			countFR(t.AdminChanges, "changement d'administrateur", "changements d'administrateur"))
	}

	if len(r.Communes) > 0 {
		var b strings.Builder
		b.WriteString("Par commune :")
		for _, c := range r.Communes {
			if c.SchoolsAtStart == 0 && c.SchoolsAtEnd == 0 {
				fmt.Fprintf(&b, "\n- %s : aucune école", c.Name)
			} else {
				fmt.Fprintf(&b, "\n- %s : %s au %s (%d au %s)", c.Name, countFR(c.SchoolsAtEnd, "école", "écoles"), endDay, c.SchoolsAtStart, startDay)
			}
			var parts []string
			if c.Added > 0 {
				parts = append(parts, countFR(c.Added, "ajout", "ajouts"))
			}
			if c.Removed > 0 {
				parts = append(parts, countFR(c.Removed, "radiation", "radiations"))
			}
			if c.AdminChanges > 0 {
				parts = append(parts, countFR(c.AdminChanges, "changement d'administrateur", "changements d'administrateur"))
			}
			if len(parts) > 0 {
				b.WriteString(", " + listFR(parts))
			}
			if c.Renewals > 0 {
				b.WriteString(", liste reconduite par défaut")
			}
			b.WriteString(".")
		}
		paras = append(paras, b.String())
	}

	paras = append(paras, delaysFR(r))
	paras = append(paras, requestsFR(r))

	var renewed []string
	for _, c := range r.Communes {
		if c.Renewals > 0 {
			renewed = append(renewed, c.Name)
		}
	}
	if len(renewed) > 0 {
		add("Reconduction par défaut : faute de liste transmise pendant la campagne annuelle, la liste de l'année précédente a été reconduite pour %s : %s.",
			countFR(len(renewed), "commune", "communes"), listFR(renewed))
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

// delaysFR is the paragraph on the delays to open access.
func delaysFR(r ActivityReport) string {
	d := r.Total.Delays
	if d.Received == 0 {
		return "Délais d'ouverture : aucune nouvelle école n'a été reçue pendant l'année, il n'y a donc pas de délai à mesurer."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Délais d'ouverture : %s %s reçue%s pendant l'année",
		countFR(d.Received, "école", "écoles"), pick(d.Received, "a été", "ont été"), pick(d.Received, "", "s"))
	if d.Activated == 0 {
		b.WriteString(" ; aucune n'a encore été activée.")
	} else {
		fmt.Fprintf(&b, " ; %d %s %s, avec un délai médian de %s et un délai maximal de %s.",
			d.Activated, pick(d.Activated, "a été", "ont été"), pick(d.Activated, "activée", "activées"),
			daysFR(d.MedianDays), daysFR(d.MaxDays))
	}
	fmt.Fprintf(&b, " %d sur %d (%s) %s activée%s dans les deux semaines prévues par la convention (%d jours).",
		d.Within, d.Received, percentFR(d.Share()), pick(d.Within, "a été", "ont été"), pick(d.Within, "", "s"), int(conventionDays()))
	if n := d.NotActivated(); n > 0 {
		fmt.Fprintf(&b, " %s %s pas encore été %s.", countFR(n, "école", "écoles"), pick(n, "n'a", "n'ont"), pick(n, "activée", "activées"))
	}
	var late []string
	for _, c := range r.Communes {
		if c.Delays.Received > c.Delays.Within {
			late = append(late, fmt.Sprintf("%s (%d sur %d)", c.Name, c.Delays.Received-c.Delays.Within, c.Delays.Received))
		}
	}
	if len(late) > 0 {
		fmt.Fprintf(&b, " Écoles ouvertes hors délai ou pas encore ouvertes : %s.", listFR(late))
	} else {
		b.WriteString(" L'engagement a été tenu pour toutes les écoles.")
	}
	return b.String()
}

// requestsFR is the paragraph on the messages and the rows refused.
func requestsFR(r ActivityReport) string {
	t := r.Total
	if t.Requests == 0 {
		return "Messages : aucun message n'a été reçu dans la boîte partenariat pendant l'année."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Messages : %s dans la boîte partenariat", countFR(t.Requests, "message reçu", "messages reçus"))
	labels := map[string][2]string{
		"applied":   {"liste appliquée", "listes appliquées"},
		"refused":   {"message refusé", "messages refusés"},
		"rejected":  {"message d'un expéditeur hors convention (mis en quarantaine)", "messages d'expéditeurs hors convention (mis en quarantaine)"},
		"duplicate": {"doublon", "doublons"},
		"ignored":   {"message automatique ignoré", "messages automatiques ignorés"},
		"forwarded": {"réponse transmise à l'équipe laclasse.com", "réponses transmises à l'équipe laclasse.com"},
		"held":      {"liste dont les retraits attendent une confirmation", "listes dont les retraits attendent une confirmation"},
		"reverted":  {"demande annulée par l'équipe", "demandes annulées par l'équipe"},
	}
	var parts []string
	for _, s := range append(slices.Clone(requestStates), staffStates...) {
		if n := t.RequestsByState[s]; n > 0 {
			parts = append(parts, countFR(n, labels[s][0], labels[s][1]))
		}
	}
	if len(parts) > 0 {
		b.WriteString(", dont " + listFR(parts))
	}
	b.WriteString(".")
	if t.RefusedRows == 0 {
		b.WriteString(" Aucune ligne des listes reçues n'a été refusée.")
		return b.String()
	}
	fields := refusedFields(t.RefusedByField)
	var reasons []string
	for i, f := range fields {
		if i == 3 && len(fields) > 4 {
			rest := 0
			for _, g := range fields[3:] {
				rest += t.RefusedByField[g]
			}
			reasons = append(reasons, fmt.Sprintf("autres motifs (%d)", rest))
			break
		}
		reasons = append(reasons, fmt.Sprintf("%s (%d)", reasonFR(f), t.RefusedByField[f]))
	}
	fmt.Fprintf(&b, " %s %s refusée%s, %s : %s.", countFR(t.RefusedRows, "ligne", "lignes"),
		pick(t.RefusedRows, "a été", "ont été"), pick(t.RefusedRows, "", "s"),
		pick(len(fields), "pour ce motif", "principalement pour ces motifs"), listFR(reasons))
	return b.String()
}
