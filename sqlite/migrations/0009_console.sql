-- The staff console's reads, each on an index (issue 15: pages stay fast with 45,000 schools,
-- 2,000 communes and ten years of requests).
--
-- The pending schools by due date: the activations due, overdue first.
CREATE INDEX schools_pending_due ON schools(due_at) WHERE status = 'pending';
-- The mails of a request: its reply, acknowledgement, notices.
CREATE INDEX outbox_request ON outbox(request_id) WHERE request_id IS NOT NULL;
-- The requests of a sender address (the console's search).
CREATE INDEX requests_sender ON requests(sender, received_at);
-- The staff actions on a commune.
CREATE INDEX staff_actions_commune ON staff_actions(commune_id) WHERE commune_id IS NOT NULL;
