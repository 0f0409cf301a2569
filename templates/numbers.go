package templates

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// How numbers read in French: thousands apart, a decimal comma, the noun agreeing with the count.

// nbsp is the no-break space French typography puts between a number and its unit, and between
// thousands.
const nbsp = "\u00a0"

// Int writes an integer with its thousands apart: "1 350".
func Int(n int) string {
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

// Euros writes an amount in euros: "1 350 €".
func Euros(n int) string { return Int(n) + nbsp + "€" }

// Count writes a number and its noun, singular for 0 and 1 as French wants it: "1 école",
// "3 écoles".
func Count(n int, one, many string) string {
	if n > 1 || n < -1 {
		return Int(n) + " " + many
	}
	return Int(n) + " " + one
}

// Schools writes a number of schools: "1 école", "3 écoles".
func Schools(n int) string { return Count(n, "école", "écoles") }

// Decimal writes a number to a tenth with a decimal comma, dropping ",0": "3,5", "14".
func Decimal(x float64) string {
	x = math.Round(x*10) / 10
	if x == math.Trunc(x) {
		return Int(int(x))
	}
	return decimalComma(strconv.FormatFloat(x, 'f', 1, 64))
}

// decimalComma puts the decimal comma in a number Go wrote with a point.
func decimalComma(s string) string { return strings.Replace(s, ".", ",", 1) }

// Days writes a delay: "1 jour", "3,5 jours".
func Days(x float64) string {
	if x >= 2 {
		return Decimal(x) + " jours"
	}
	return Decimal(x) + " jour"
}

// Percent writes a share from 0 to 1 as a whole percentage: "90 %". It never rounds up to
// 100 % a share that is not whole, nor down to 0 % one that is not nothing.
func Percent(share float64) string {
	p := math.Round(share * 100)
	switch {
	case p == 100 && share < 1:
		p = 99
	case p == 0 && share > 0:
		p = 1
	}
	return fmt.Sprintf("%d%s%%", int(p), nbsp)
}

// List joins items the French way: "a, b et c".
func List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " et " + items[len(items)-1]
}
