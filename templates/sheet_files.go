package templates

import "fmt"

// Why a spreadsheet could not be read at all, as the reply tells the commune next to the file's
// name: a French phrase, lower case, without a final period (sheet.UnreadableError's Reason).
// Each says what to do about it.
const (
	SheetEmpty        = "le fichier est vide"
	SheetEncrypted    = "le fichier est protégé par un mot de passe : enregistrez-le sans mot de passe puis renvoyez-le"
	SheetDamaged      = "le fichier est endommagé ou n'est pas un tableur lisible : ouvrez-le, enregistrez-le au format xlsx, ods ou csv puis renvoyez-le"
	SheetXLSB         = "le format xlsb n'est pas pris en charge : enregistrez-le au format xlsx, ods ou csv"
	SheetOldExcel     = "le fichier est dans un format Excel trop ancien (Excel 4 ou antérieur) : enregistrez-le au format xlsx, ods ou csv"
	SheetNoHeader     = "aucune ligne d'en-tête reconnue : le tableau doit avoir une ligne de titres de colonnes avec au moins « UAI », « Nom », « Prénom », « Email » et « Téléphone »"
	SheetBadCSV       = "le fichier csv est mal formé : ouvrez-le dans votre tableur, enregistrez-le au format xlsx, ods ou csv puis renvoyez-le"
	SheetOtherODF     = "le fichier est un document OpenDocument qui n'est pas un classeur : envoyez le tableau au format ods, xlsx ou csv"
	SheetWord         = "le fichier est un document Word, pas un tableur : envoyez le tableau au format xlsx, ods ou csv"
	SheetNumbers      = "le format Numbers n'est pas pris en charge : exportez le tableau au format xlsx, ods ou csv"
	SheetZip          = "le fichier est une archive zip qui ne contient pas de tableur : joignez directement le fichier xlsx, ods ou csv"
	SheetPDF          = "un fichier PDF ne peut pas être lu : envoyez le tableau au format xlsx, ods ou csv"
	SheetRTF          = "le fichier est un document texte (rtf), pas un tableur : envoyez le tableau au format xlsx, ods ou csv"
	SheetXML2003      = "le format « Feuille de calcul XML 2003 » n'est pas pris en charge : enregistrez le fichier au format xlsx, ods ou csv"
	SheetXML          = "le fichier est un document XML, pas un tableur : envoyez le tableau au format xlsx, ods ou csv"
	SheetHTML         = "le fichier est une page web (HTML) qui porte le nom d'un tableur : ouvrez-le dans votre tableur, enregistrez-le au format xlsx, ods ou csv puis renvoyez-le"
	SheetWordText     = "un document de traitement de texte ne peut pas être lu : envoyez le tableau au format xlsx, ods ou csv"
	SheetUnrecognized = "le fichier n'est pas un tableur reconnu : envoyez le tableau au format xlsx, ods ou csv"
)

// SheetTooLarge: the file is larger than maxBytes.
func SheetTooLarge(maxBytes int64) string {
	return fmt.Sprintf("le fichier dépasse la taille autorisée (%s au plus)", wholeSize(maxBytes))
}

// SheetTooLargeUnzipped: the file's archive inflates to more than maxBytes.
func SheetTooLargeUnzipped(maxBytes int64) string {
	return fmt.Sprintf("le fichier dépasse la taille autorisée une fois décompressé (%s au plus) : vérifiez qu'il s'agit bien de la liste des écoles", wholeSize(maxBytes))
}

// SheetTooManyRows: the file holds more than maxRows rows with a value.
func SheetTooManyRows(maxRows int) string {
	return fmt.Sprintf("le fichier contient trop de lignes (plus de %d) : une liste d'écoles en compte bien moins ; vérifiez qu'il s'agit du bon fichier", maxRows)
}

// SheetTooManyCells: the file holds more than maxCells cells.
func SheetTooManyCells(maxCells int64) string {
	return fmt.Sprintf("le fichier contient trop de cellules (plus de %d) : une liste d'écoles en compte bien moins ; vérifiez qu'il s'agit du bon fichier", maxCells)
}

// wholeSize writes a limit in whole units, rounded down: "20 Mo", "512 Ko", "100 octets".
func wholeSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d Mo", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d Ko", n>>10)
	}
	return fmt.Sprintf("%d octets", n)
}

// Size writes a byte count the French way: "25 Mo", "2,5 Mo", "512 Ko", "100 octets".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d Mo", n>>20)
	case n >= 1<<20:
		return decimalComma(fmt.Sprintf("%.1f Mo", float64(n)/(1<<20)))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d Ko", n>>10)
	}
	return fmt.Sprintf("%d octets", n)
}
