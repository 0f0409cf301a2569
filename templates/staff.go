package templates

import "fmt"

// What a school's history says of each staff action (`intaked history`), next to who did it.

// StaffActivated: staff opened a school's access by hand.
const StaffActivated = "accès ouvert à la main"

// StaffReleased: staff released a quarantined request, for reason if they gave one.
func StaffReleased(reason string) string {
	if reason == "" {
		return "demande sortie de quarantaine"
	}
	return "demande sortie de quarantaine (motif : " + reason + ")"
}

// StaffSenderAdded: staff declared addr as a sender of the commune.
func StaffSenderAdded(addr string) string { return "expéditeur déclaré : " + addr }

// StaffReverted: staff undid request n.
func StaffReverted(request int64) string { return fmt.Sprintf("demande n° %d annulée", request) }

// StaffHeldDecided: staff confirmed (or, drop, dropped) the held removals of a request, of
// schools schools.
func StaffHeldDecided(drop bool, request int64, schools int) string {
	what := "retraits confirmés"
	if drop {
		what = "retraits abandonnés : les écoles restent"
	}
	return fmt.Sprintf("%s (demande n° %d, %d école(s))", what, request, schools)
}
