package templates

import "time"

// DigestRights is a change of administrator for laclasse.com's directory, in the digest: the
// rights go to the new administrator and are taken from the previous one.
type DigestRights struct {
	Commune, UAI, Name string
	To                 string // the new administrator's name
	ToContact          string // their e-mail address and phone
	From               string // the previous administrator's name ("" if unknown)
	FromContact        string
	DueAt              time.Time
	// State says who does it: "todo" by hand (no provisioner), "done" by the provisioner since
	// the previous digest, "pending" the provisioner has not had it confirmed yet.
	State string
}

// TaskLabel names, for staff, a task of laclasse.com's directory (convention.TaskKind) that the
// digest reports refused.
func TaskLabel(kind string) string {
	switch kind {
	case "activate":
		return "ouverture de l'école et du compte de son administrateur"
	case "change_admin":
		return "changement d'administrateur"
	case "remove":
		return "retrait des droits d'une école retirée"
	case "update_admin":
		return "mise à jour du compte de l'administrateur"
	}
	return kind
}
