-- Bounds on what one message makes us write, and for how long we keep it.
--
-- A message larger than the size limit is not fetched whole: only its header is stored, and
-- header_only says so; size is the message's RFC822.SIZE as the server gave it.
ALTER TABLE requests ADD COLUMN size INTEGER;
ALTER TABLE requests ADD COLUMN header_only INTEGER NOT NULL DEFAULT 0;

-- The store keeps the first problems of a request, not all of them: these count every one, so
-- that the summaries and the reports say the truth however many were left out. refused_rows is
-- a JSON object {field: rows refused}, a row counting once, under the field of its first error.
ALTER TABLE requests ADD COLUMN errors INTEGER;
ALTER TABLE requests ADD COLUMN warnings INTEGER;
ALTER TABLE requests ADD COLUMN refused_rows TEXT;
ALTER TABLE requests ADD COLUMN problems_omitted INTEGER NOT NULL DEFAULT 0;

-- The addresses whose automatic reply was withheld: too many replies to them within a day
-- (a robot that ignores Auto-Submitted would otherwise loop with us). JSON array.
ALTER TABLE requests ADD COLUMN replies_withheld TEXT;

-- Every automatic reply queued, by recipient, to count them over the last 24 hours.
CREATE TABLE auto_replies (
	address   TEXT NOT NULL, -- lower case
	at        TEXT NOT NULL,
	outbox_id INTEGER NOT NULL REFERENCES outbox(id)
);
CREATE INDEX auto_replies_address ON auto_replies(address, at);

-- Retention: the raw bytes of old messages and the bodies of old mails are purged; the row,
-- its metadata and its counts stay. purged_at says when.
ALTER TABLE requests ADD COLUMN purged_at TEXT;
ALTER TABLE outbox ADD COLUMN purged_at TEXT;
CREATE INDEX requests_received ON requests(received_at) WHERE purged_at IS NULL;
CREATE INDEX outbox_created ON outbox(created_at) WHERE purged_at IS NULL;
