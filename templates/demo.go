package templates

import "fmt"

// What `intaked demo` prints as it runs the whole path on built-in samples, step by step, for
// someone who wants to see the daemon work. Each line ends with its newline.

// DemoIntro opens the demonstration; dir holds its registry.
func DemoIntro(dir string) string {
	return fmt.Sprintf("Démonstration d'intaked : la boîte partenariat laclasse.com, un lundi matin de septembre.\n"+
		"(serveurs IMAP et SMTP en mémoire, registre SQLite dans %s)\n\n"+
		"1. Messages arrivés dans INBOX\n", dir)
}

// DemoMessage is the n-th message put in INBOX, at a time of day, with its files in brackets.
func DemoMessage(n int, at, from, subject, files string) string {
	return fmt.Sprintf("   %d. %s, de %s : « %s »%s\n", n, at, from, subject, files)
}

// DemoHandled opens the step where the daemon handles the messages, at a time written.
func DemoHandled(at string) string {
	return fmt.Sprintf("\n2. Ce que le démon a fait de chaque message (intaked run --once, le %s)\n", at)
}

// DemoRequest is what became of one message: its state (DemoState), who sent it, what it did.
func DemoRequest(state, who, subject, what string) string {
	return fmt.Sprintf("   - %-14s %s : « %s » → %s\n", state, who, subject, what)
}

// DemoTotal counts the messages by state.
func DemoTotal(counts string) string { return fmt.Sprintf("   en tout : %s\n", counts) }

// DemoFolder counts the messages of a mailbox folder.
func DemoFolder(box string, n int) string {
	return fmt.Sprintf("   dossier %-8s : %d message(s)\n", box, n)
}

// The titles of the demonstration's later steps.
const (
	DemoRegistry = "\n3. Le registre des écoles (intaked schools)\n"
	DemoReplies  = "\n4. Réponses envoyées aux communes\n"
)

// DemoSchool is a school of the registry: status as CLISchoolStatus writes it, the
// administrator's name, address and phone, and the day its access is due, written.
func DemoSchool(commune, uai, name, status, admin, email, phone, due string) string {
	return fmt.Sprintf("   %-15s %s %-36s %-10s admin %s <%s> %s, à ouvrir avant le %s\n", commune, uai, name, status, admin, email, phone, due)
}

// DemoNextDay opens the step of the next morning, at a time written.
func DemoNextDay(at string) string {
	return fmt.Sprintf("\n5. Le lendemain, %s : nouveau passage (rien de nouveau) et synthèse pour la Métropole\n", at)
}

// DemoKept says where the registry was kept.
func DemoKept(path string) string { return fmt.Sprintf("\nRegistre conservé : %s\n", path) }

// DemoState is a request's state (applied, refused…) in a word.
func DemoState(state string) string {
	switch state {
	case "applied":
		return "appliqué"
	case "refused":
		return "sans effet"
	case "rejected":
		return "quarantaine"
	case "duplicate":
		return "doublon"
	case "ignored":
		return "ignoré"
	case "forwarded":
		return "transmis"
	case "held":
		return "en attente"
	case "reverted":
		return "annulé"
	}
	return state
}

// DemoApplied is what an applied list did: its changes and its rows refused.
func DemoApplied(changes, refused int) string {
	s := fmt.Sprintf("%d changement(s)", changes)
	if refused > 0 {
		s += fmt.Sprintf(", %d ligne(s) refusée(s)", refused)
	}
	return s + ", réponse envoyée"
}

// DemoRefused is what a refused message got, for reason.
func DemoRefused(reason string) string {
	return reason + ", réponse envoyée avec le modèle de tableur"
}

// DemoMailHeader shows who a sent mail went to, and its subject.
func DemoMailHeader(to, subject string) string {
	return fmt.Sprintf("\n   ---- À : %s | Objet : %s\n", to, subject)
}

// DemoMailUnreadable: a sent mail could not be read back, for why.
func DemoMailUnreadable(why string) string { return fmt.Sprintf("   (message illisible : %s)\n", why) }

// DemoAttachments names the files a sent mail carried.
func DemoAttachments(files string) string { return fmt.Sprintf("   | [pièce jointe : %s]\n", files) }

// DemoConsole opens the last step: the staff console on the demonstration's registry, and the
// one-time link that signs in to it.
func DemoConsole(link string) string {
	return fmt.Sprintf("\n6. La console du personnel, sur ce registre : ouvrez ce lien (une seule fois, dans les 15 minutes)\n   %s\n   (Ctrl-C pour arrêter)\n", link)
}
