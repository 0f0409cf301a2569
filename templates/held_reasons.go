package templates

import (
	"fmt"
	"time"
)

// The reasons of a request whose held removals were settled: it is "applied" again, and its
// reason says what became of them, no longer that they wait (ReasonHeld).

// ReasonHeldConfirmed: staff member by confirmed the n removals the list held, on day at.
func ReasonHeldConfirmed(n int, by string, at time.Time) string {
	return fmt.Sprintf("%d retrait(s) tenu(s) en attente, confirmé(s) par %s le %s", n, by, FrenchDate(at))
}

// ReasonHeldDropped: staff member by dropped the n removals the list held, on day at; the
// schools stay.
func ReasonHeldDropped(n int, by string, at time.Time) string {
	return fmt.Sprintf("%d retrait(s) tenu(s) en attente, abandonné(s) par %s le %s : les écoles restent", n, by, FrenchDate(at))
}

// ReasonHeldSettled: a later list of the commune (request later) named again, or held again
// itself, every school whose removal this list held.
func ReasonHeldSettled(later int64) string {
	return fmt.Sprintf("retraits tenus en attente, repris par la liste suivante (demande n° %d) : plus rien n'attend de confirmation", later)
}
