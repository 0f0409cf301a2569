package report

import (
	"time"

	"github.com/laclasse/intake/templates"
)

// The French ways of writing numbers, dates and reasons are templates'; these names keep the
// report's code short.

// frenchDate writes "1er septembre 2025".
func frenchDate(t time.Time) string { return templates.FrenchDate(t) }

// lastDay returns the last day of a period that ends, excluded, at end: 31 August for 1 September.
func lastDay(end time.Time) time.Time { return end.AddDate(0, 0, -1) }

// intFR writes an integer with its thousands apart: "1 350".
func intFR(n int) string { return templates.Int(n) }

// eurosFR writes an amount in euros: "1 350 €".
func eurosFR(n int) string { return templates.Euros(n) }

// decimalFR writes a number to a tenth with a decimal comma: "3,5", "14".
func decimalFR(x float64) string { return templates.Decimal(x) }

// daysFR writes a delay: "1 jour", "3,5 jours".
func daysFR(x float64) string { return templates.Days(x) }

// percentFR writes a share from 0 to 1 as a whole percentage: "90 %".
func percentFR(share float64) string { return templates.Percent(share) }

// listFR joins items the French way: "a, b et c".
func listFR(items []string) string { return templates.List(items) }

// reasonFR says in French why rows were refused, from the field at fault.
func reasonFR(field string) string { return templates.RefusalReason(field) }
