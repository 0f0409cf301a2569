package sqlite

import (
	"encoding/json"
	"testing"

	"github.com/laclasse/intake/convention"
)

// TestDecodeAdmin checks that decodeAdmin reads every administrator as encoding/json does, the
// ones its fast path takes and the ones it leaves to encoding/json.
func TestDecodeAdmin(t *testing.T) {
	contacts := []convention.Contact{
		{},
		{LastName: "Martin", FirstName: "Claire", Role: "Directrice", Email: "claire.martin@ac-lyon.fr", Phone: "04 72 10 35 40"},
		{LastName: "Lefèvre-Ñúñez", FirstName: "Zoé", Role: "Directrice d’école", Email: "zoe@example.fr"},
		{LastName: `O"Brien`, FirstName: `back\slash`, Role: "a\nb\tc"},
		{LastName: "<b>&amp;</b>", FirstName: "\u2028\u2029", Role: "\x00\x1f"},
		{LastName: "\xff\xfe not UTF-8", Email: "😀"},
	}
	inputs := []string{
		`{"first_name":"Claire","last_name":"Martin"}`, // another order
		`{ "last_name" : "Martin" }`,
		`{"last_name":"Martin","first_name":"Claire","role":"","email":"","phone":"","extra":1}`,
		`{"last_name":"Mart\u00efn","first_name":"","role":"","email":"","phone":""}`,
		`{"last_name":"é\"x","first_name":"","role":"","email":"","phone":""}`,
		`null`,
		`{}`,
	}
	for _, c := range contacts {
		inputs = append(inputs, encodeJSON(c))
	}
	for _, in := range inputs {
		var want, got convention.Contact
		wantErr := json.Unmarshal([]byte(in), &want)
		got = convention.Contact{LastName: "left over"}
		err := decodeAdmin(in, &got)
		if (err != nil) != (wantErr != nil) || got != want {
			t.Errorf("decodeAdmin(%s) = %+v, %v; encoding/json gives %+v, %v", in, got, err, want, wantErr)
		}
	}
	t.Run("ErrNotJSON", func(t *testing.T) {
		var c convention.Contact
		if err := decodeAdmin(`{"last_name":"Mar`, &c); err == nil {
			t.Error("no error for a truncated administrator")
		}
	})
}

// TestDecodeAdminAllocations keeps the registry read of a decision from allocating for each
// administrator again: what the store writes is read in place.
func TestDecodeAdminAllocations(t *testing.T) {
	admin := encodeJSON(convention.Contact{LastName: "Lefèvre", FirstName: "Claire", Role: "Directrice", Email: "claire.lefevre@ac-lyon.fr", Phone: "04 72 10 35 40"})
	var c convention.Contact
	if n := testing.AllocsPerRun(100, func() {
		if err := decodeAdmin(admin, &c); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("decodeAdmin allocates %v times for an administrator as the store writes it, want 0", n)
	}
	if c.LastName != "Lefèvre" || c.Phone != "04 72 10 35 40" {
		t.Errorf("decoded %+v", c)
	}
}
