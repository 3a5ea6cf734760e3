-- CertDesk store, schema 3: what notifications need beyond schemas 1 and 2.

-- run(now) looks up each rule's candidates by program and event instant.
CREATE INDEX assignment_program_due ON assignment (program_id, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX assignment_program_expires ON assignment (program_id, expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX assignment_program_window ON assignment (program_id, window_opens_at) WHERE window_opens_at IS NOT NULL;

-- The message log filtered by rule, newest first (keyset paging on id).
CREATE INDEX message_rule ON message (rule_id, id);

-- The trigger a message was sent for, kept when its rule is deleted.
ALTER TABLE message ADD COLUMN trigger TEXT;

-- Exceptions not yet alerted (rule 6).
CREATE INDEX exception_unalerted ON exception (assignment_id) WHERE alerted_at IS NULL;
