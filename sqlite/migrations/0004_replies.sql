-- A person who writes back reaches a person.
--
-- Every mail we queue keeps its Message-ID (without angle brackets) and its subject, so that a
-- commune's message whose In-Reply-To or References name one of them is known to answer us.
ALTER TABLE outbox ADD COLUMN message_id TEXT;
ALTER TABLE outbox ADD COLUMN subject TEXT;
CREATE INDEX outbox_message_id ON outbox(message_id) WHERE message_id IS NOT NULL;

-- A request that answers one of our mails: which one, and the thread it belongs to (the
-- outbox id of the thread's first mail of ours), so that a commune is acknowledged once per
-- thread. acknowledged says this request's acknowledgement was queued.
CREATE TABLE request_threads (
	request_id   INTEGER PRIMARY KEY REFERENCES requests(id),
	answers      INTEGER NOT NULL REFERENCES outbox(id),
	thread       INTEGER NOT NULL,
	acknowledged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX request_threads_thread ON request_threads(thread);

-- What a person wrote in a message with no list, cut to a short excerpt, for the summary.
-- Purged with the raw message (retention).
CREATE TABLE request_texts (
	request_id INTEGER PRIMARY KEY REFERENCES requests(id),
	excerpt    TEXT NOT NULL
);
