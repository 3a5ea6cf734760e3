-- CertDesk store, schema 9 (issue 12): repeat reminders, escalation to the learner's
-- managers' managers, and rules sent at once (outside any send window). Every existing rule
-- keeps its behaviour: no repeat, no escalation, held by the window like any other.

-- Repeat every N days (0: no repeat), at most M times, after the first message.
ALTER TABLE notification_rule ADD COLUMN repeat_every_days INTEGER NOT NULL DEFAULT 0
    CHECK (repeat_every_days >= 0);
ALTER TABLE notification_rule ADD COLUMN repeat_max INTEGER NOT NULL DEFAULT 0
    CHECK (repeat_max >= 0);
-- Second-level managers: never, always, after N days overdue, or from the K-th repeat on.
ALTER TABLE notification_rule ADD COLUMN escalation TEXT NOT NULL DEFAULT 'none'
    CHECK (escalation IN ('none', 'always', 'after_overdue', 'after_repeat'));
ALTER TABLE notification_rule ADD COLUMN escalate_after INTEGER NOT NULL DEFAULT 0
    CHECK (escalate_after >= 0);
ALTER TABLE notification_rule ADD COLUMN send_at_once INTEGER NOT NULL DEFAULT 0
    CHECK (send_at_once IN (0, 1));
