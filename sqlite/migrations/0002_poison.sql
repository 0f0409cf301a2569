-- An error that belongs to one message, or to one outgoing mail, stays with it.
--
-- A request whose decision failed for a reason of its own (not the store, the disk or the
-- network) counts its attempts, and is not tried again before retry_at; after a few it is
-- quarantined instead of stopping the mailbox.
ALTER TABLE requests ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN last_error TEXT;
ALTER TABLE requests ADD COLUMN retry_at TEXT;

-- A mail the SMTP server refused for good (a 5xx, a recipient refused) is failed: it is never
-- tried again, is shown in the Métropole's summary, and does not hold the others back.
-- failed_rcpt lists the recipients refused (JSON array): all of them, or some when the others
-- took the mail (then sent_at is set too).
ALTER TABLE outbox ADD COLUMN failed_at TEXT;
ALTER TABLE outbox ADD COLUMN failed_rcpt TEXT;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_failed ON outbox(failed_at) WHERE failed_at IS NOT NULL;
