package sqlite

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/laclasse/intake/convention"
)

// decodeAdmin reads a school's administrator as the store keeps it (the JSON encodeJSON writes).
// Every decision reads the administrators of all its commune's schools, and encoding/json was a
// fifth of the daemon's CPU for them: what encodeJSON writes for a contact whose fields need no
// escape is read here without it, the substrings of admin as the fields (no copy); anything else
// goes to encoding/json, so that the result is always json.Unmarshal's.
func decodeAdmin(admin string, c *convention.Contact) error {
	if decodeAdminFast(admin, c) {
		return nil
	}
	*c = convention.Contact{}
	return json.Unmarshal([]byte(admin), c)
}

// adminKeys are the members of a convention.Contact in the order encoding/json writes them.
var adminKeys = [...]string{`{"last_name":"`, `","first_name":"`, `","role":"`, `","email":"`, `","phone":"`}

// decodeAdminFast reads admin if it is exactly what json.Marshal writes for a contact whose
// fields hold valid UTF-8 without a quote, a backslash or a control character, and says whether
// it did.
func decodeAdminFast(admin string, c *convention.Contact) bool {
	var fields [len(adminKeys)]string
	rest := admin
	for i, key := range adminKeys {
		if !strings.HasPrefix(rest, key) {
			return false
		}
		rest = rest[len(key):]
		end := strings.IndexByte(rest, '"')
		if end < 0 {
			return false
		}
		v := rest[:end]
		ascii := true
		for j := 0; j < len(v); j++ {
			switch b := v[j]; {
			case b < 0x20 || b == '\\':
				return false
			case b >= utf8.RuneSelf:
				ascii = false
			}
		}
		if !ascii && !utf8.ValidString(v) {
			return false // encoding/json would replace the bytes that are not UTF-8
		}
		fields[i] = v
		rest = rest[end:]
	}
	if rest != `"}` {
		return false
	}
	*c = convention.Contact{LastName: fields[0], FirstName: fields[1], Role: fields[2], Email: fields[3], Phone: fields[4]}
	return true
}
