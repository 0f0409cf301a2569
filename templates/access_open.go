package templates

// AccessOpen tells a commune's contacts and a school's administrator that the school's access to
// laclasse.com is open: which school, who administers it, where to log in, and whom to ask.
type AccessOpen struct {
	Commune string
	UAI     string
	School  string
	// Admin is the administrator's name, AdminEmail and AdminPhone how to reach them (the phone
	// as a person reads it).
	Admin      string
	AdminEmail string
	AdminPhone string
	// LoginURL is where to log in: https://www.laclasse.com.
	LoginURL string
	// Contact is the Métropole's address for any question.
	Contact   string
	Signature string
}

// LoginURL is where a school's users log in to laclasse.com.
const LoginURL = "https://www.laclasse.com"

// RenderAccessOpen renders the "accès ouvert" mail.
func RenderAccessOpen(a AccessOpen) (Rendered, error) {
	if a.LoginURL == "" {
		a.LoginURL = LoginURL
	}
	return render("access_open", a)
}
