package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/laclasse/intake/templates"
)

// nbsp is the no-break space French typography puts between a number and its unit, and between
// thousands.
const nbsp = "\u00a0"

// frenchDate writes "1er septembre 2025".
func frenchDate(t time.Time) string { return templates.FrenchDate(t) }

// lastDay returns the last day of a period that ends, excluded, at end: 31 August for 1 September.
func lastDay(end time.Time) time.Time { return end.AddDate(0, 0, -1) }

// intFR writes an integer with its thousands apart: "1 350".
func intFR(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(nbsp)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// eurosFR writes an amount in euros: "1 350 €".
func eurosFR(n int) string { return intFR(n) + nbsp + "€" }

// countFR writes a number and its noun, singular for 0 and 1 as French wants it: "1 école",
// "3 écoles".
func countFR(n int, one, many string) string {
	if n > 1 || n < -1 {
		return intFR(n) + " " + many
	}
	return intFR(n) + " " + one
}

// decimalFR writes a number to a tenth with a decimal comma, dropping ",0": "3,5", "14".
func decimalFR(x float64) string {
	x = math.Round(x*10) / 10
	if x == math.Trunc(x) {
		return intFR(int(x))
	}
	return strings.Replace(strconv.FormatFloat(x, 'f', 1, 64), ".", ",", 1)
}

// daysFR writes a delay: "1 jour", "3,5 jours".
func daysFR(x float64) string {
	if x >= 2 {
		return decimalFR(x) + " jours"
	}
	return decimalFR(x) + " jour"
}

// percentFR writes a share from 0 to 1 as a whole percentage: "90 %". It never rounds up to
// 100 % a share that is not whole, nor down to 0 % one that is not nothing.
func percentFR(share float64) string {
	p := math.Round(share * 100)
	switch {
	case p == 100 && share < 1:
		p = 99
	case p == 0 && share > 0:
		p = 1
	}
	return fmt.Sprintf("%d%s%%", int(p), nbsp)
}

// listFR joins items the French way: "a, b et c".
func listFR(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " et " + items[len(items)-1]
}

// reasonFR says in French why rows were refused, from the field at fault.
func reasonFR(field string) string {
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
