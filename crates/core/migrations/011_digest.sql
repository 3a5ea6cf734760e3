-- CertDesk store: manager digests (issue 12). A rule's manager copies can go as one digest
-- per manager per day or per week instead of one message each.
ALTER TABLE notification_rule ADD COLUMN digest TEXT NOT NULL DEFAULT 'none'
    CHECK (digest IN ('none', 'daily', 'weekly'));
-- 1 = Monday .. 7 = Sunday; set only on weekly digests.
ALTER TABLE notification_rule ADD COLUMN digest_weekday INTEGER
    CHECK (digest_weekday IS NULL OR digest_weekday BETWEEN 1 AND 7);

-- One manager copy waiting for (or listed in) a digest. Its dedup key is the key the single
-- manager copy would have had (rule.assignment.cycle.set.m<manager id>, or s<id> for a
-- second-level copy, then .e<episode> and .r<repeat> as any message): the candidate query
-- and the repeat look-up see it as already logged, so it is made once; digest_message_id is
-- set in the same transaction that queues the digest, so it is listed once.
CREATE TABLE digest_item (
    id                 INTEGER PRIMARY KEY,
    dedup_key          TEXT    NOT NULL UNIQUE,
    rule_id            INTEGER REFERENCES notification_rule (id) ON DELETE SET NULL,
    assignment_id      INTEGER REFERENCES assignment (id) ON DELETE SET NULL,
    manager_id         INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    frequency          TEXT    NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    trigger            TEXT    NOT NULL,
    program_name       TEXT    NOT NULL,
    learner_name       TEXT    NOT NULL,
    learner_id_number  TEXT    NOT NULL,
    event_at           INTEGER NOT NULL,
    -- When the single manager copy came due.
    due_at             INTEGER NOT NULL,
    -- The digest moment: the send time in the manager's zone on the day (or weekday) due,
    -- held by the send window like any message.
    digest_at          INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    -- 1 for the rule's first message, 2 for its first repeat ... (each its own item).
    reminder_no        INTEGER NOT NULL DEFAULT 1,
    digest_message_id  INTEGER REFERENCES message (id) ON DELETE SET NULL
);
CREATE INDEX digest_item_pending ON digest_item (digest_at) WHERE digest_message_id IS NULL;
CREATE INDEX digest_item_message ON digest_item (digest_message_id) WHERE digest_message_id IS NOT NULL;
