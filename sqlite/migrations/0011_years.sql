-- Indexes so that the daily digest, the weekly overview and the console's "Aujourd'hui" read
-- what happened in a span, not ten years of rows (issue 17 §3).

-- The requests decided in a span (the digest, the weekly overview).
CREATE INDEX requests_decided ON requests(decided_at) WHERE state <> 'claimed';
-- The mails of a kind queued in a span (the digest's "accès ouverts").
CREATE INDEX outbox_kind_created ON outbox(kind, created_at);
-- The removals scheduled (the digest).
CREATE INDEX changes_schedule_remove ON changes(request_id) WHERE kind = 'schedule_remove';
-- The forwarded requests staff marked handled (the console's messages to handle).
CREATE INDEX staff_actions_handled ON staff_actions(request_id) WHERE kind = 'handled';
