package templates

// The sentences of the model spreadsheet the convention promises ("Un modèle est proposé
// ci-dessous"), which sheet writes: its "Instructions" sheet and the messages of its drop-down
// lists. The sheets' names and the columns' titles stay with sheet, which reads them back.

// ModelInstructions returns the lines of the "Instructions" sheet, the first one its title;
// address is where the commune sends the completed file.
func ModelInstructions(address string) []string {
	return []string{
		"Modèle de liste des écoles pour laclasse.com",
		"",
		"Ce fichier sert à transmettre à la Métropole de Lyon la liste des écoles de la commune qui bénéficient de laclasse.com, et pour chacune la personne qui en sera l'administrateur.",
		"Dans la feuille « Écoles », remplissez une ligne par école avec le code UAI (7 chiffres et une lettre, par exemple " + exampleUAI + "), le nom de l'école, puis le nom, le prénom, la fonction, l'adresse e-mail et le numéro de téléphone de l'administrateur.",
		"Pour une première adhésion, laissez la colonne « Action » vide : toutes les écoles de la liste seront ouvertes.",
		"La colonne « Action » sert à la mise à jour de chaque année, à envoyer avant le 20 juin : Ajout pour une nouvelle école, Radiation pour une école qui quitte le service, Changement de responsable quand l'administrateur change, Inchangé sinon.",
		"Dans la feuille « Commune », indiquez les coordonnées du référent technique de la commune et celles de la personne chargée de suivre le projet, qui sera invitée au comité de suivi.",
		"Renvoyez le fichier complété, au format xlsx, ods ou csv, en pièce jointe d'un message à l'adresse " + address + ".",
		"La Métropole ouvrira l'accès au service pour chaque école dans les deux semaines suivant la réception du document.",
	}
}

// What the model's drop-down lists say to someone who types a value outside them: the function
// may be another, the action may not.
const (
	ModelRoleHint   = "Choisissez une fonction dans la liste, ou écrivez-en une autre."
	ModelActionHint = "Choisissez " + ActionChoices + "."
)
