package sqlite

import (
	"bytes"
	"context"
	"testing"
)

// TestClaimAll: messages claimed together come back in order, each as Claim or ClaimHeader
// would return it, one already claimed as it stands.
func TestClaimAll(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	before, err := db.Claim(ctx, MessageKey{"INBOX", 1, 2}, t0, []byte("first"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := db.ClaimAll(ctx, []ClaimInput{
		{Key: MessageKey{"INBOX", 1, 1}, ReceivedAt: t0, Raw: []byte("one")},
		{Key: MessageKey{"INBOX", 1, 2}, ReceivedAt: t0, Raw: []byte("other")},
		{Key: MessageKey{"INBOX", 1, 3}, ReceivedAt: t0, Raw: []byte("Subject: big\r\n\r\n"), Size: 99 << 20, HeaderOnly: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d requests for 3 messages", len(rs))
	}
	if r := rs[0]; r.Key.UID != 1 || !bytes.Equal(r.Raw, []byte("one")) || r.Size != 3 || r.HeaderOnly {
		t.Errorf("new message: %+v", r)
	}
	if r := rs[1]; r.ID != before.ID || !bytes.Equal(r.Raw, []byte("first")) {
		t.Errorf("message claimed before: %+v, want it as it stands (%d, \"first\")", r, before.ID)
	}
	if r := rs[2]; !r.HeaderOnly || r.Size != 99<<20 {
		t.Errorf("header only: %+v", r)
	}
	for _, r := range rs {
		got, err := db.RequestByKey(ctx, r.Key)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != r.ID || !bytes.Equal(got.Raw, r.Raw) || got.Size != r.Size || got.HeaderOnly != r.HeaderOnly || !got.ReceivedAt.Equal(r.ReceivedAt) {
			t.Errorf("UID %d read back %+v, returned %+v", r.Key.UID, got, r)
		}
	}
}
