-- What a message costs the store to write (issue 17 §2).
--
-- A message's raw bytes (~10 KB, on overflow pages) move out of the requests row into a table
-- of their own: every UPDATE of a request (its decision, its move to a mailbox, an attempt)
-- rewrote them. Every request keeps its row here, emptied (x'') when purged, as before.
CREATE TABLE request_raws (
	request_id INTEGER PRIMARY KEY REFERENCES requests(id),
	raw        BLOB NOT NULL
);
INSERT INTO request_raws (request_id, raw) SELECT id, raw FROM requests ORDER BY id;
-- SQLite rewrites each row without the column; the indexes, foreign keys and the rows that
-- reference requests stay as they are.
ALTER TABLE requests DROP COLUMN raw;

-- Indexes a claim and a decision no longer pay for. A claimed request (no commune, no sender
-- yet) is in none of these: it enters them once, when decided, instead of being written on the
-- claim and moved on the decision.
--
-- requests_state (state, moved_at) served no query that requests_state_received does not:
-- every read by state is of decided requests, newest or oldest first.
DROP INDEX requests_state;
DROP INDEX requests_state_received;
CREATE INDEX requests_state_received ON requests(state, received_at) WHERE state <> 'claimed';
-- A commune's requests, a sender's: a query naming one implies it is not NULL.
DROP INDEX requests_commune_received;
CREATE INDEX requests_commune_received ON requests(commune_id, received_at) WHERE commune_id IS NOT NULL;
DROP INDEX requests_sender;
CREATE INDEX requests_sender ON requests(sender, received_at) WHERE sender IS NOT NULL;
