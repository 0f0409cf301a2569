package convention

// ListKind says what a list received from a commune is: a first list when the commune has no
// school yet (the adhesion); in the yearly campaign, its list for next school year ("la commune
// transmet chaque année, avant le 20 juin, la liste mise à jour des écoles"); otherwise an
// addition ("une commune peut ajouter une école à tout moment").
func ListKind(hadSchools, inCampaign bool) RequestKind {
	switch {
	case !hadSchools:
		return KindAdhesion
	case inCampaign:
		return KindYearly
	default:
		return KindAddition
	}
}

// IsFullList reports whether a list is the commune's whole list for next year, so that the
// schools it leaves out are to be removed at the yearly update: a yearly list (ListKind) with
// no action column (withActions false) and at least one accepted row. A list with an action
// column says itself what to remove ("Radiation"); an empty list removes nothing.
func IsFullList(kind RequestKind, withActions bool, rows int) bool {
	return kind == KindYearly && !withActions && rows > 0
}
