-- CertDesk store, schema 13: the summary figures of migration 005 by group, for the
-- dashboard's compliance per group (docs/DOMAIN.md, section 7): current memberships of each
-- group's learners (any program), by status and exception status. Kept like the others:
-- triggers count inserted and deleted memberships and group members; updates of assignment
-- are counted by their writers (membership/summary.rs).

CREATE TABLE summary_group (
    group_id          INTEGER NOT NULL,
    status            TEXT    NOT NULL,
    exception_status  TEXT    NOT NULL,
    memberships       INTEGER NOT NULL,
    PRIMARY KEY (group_id, status, exception_status)
) WITHOUT ROWID;

INSERT INTO summary_group (group_id, status, exception_status, memberships)
    SELECT gm.group_id, a.status, a.exception_status, count(*)
    FROM group_member gm JOIN assignment a ON a.learner_id = gm.learner_id
    WHERE a.unassigned_at IS NULL GROUP BY 1, 2, 3;

-- A membership counts for each group of its learner while it is current.
CREATE TRIGGER summary_group_assignment_insert AFTER INSERT ON assignment
WHEN NEW.unassigned_at IS NULL
BEGIN
    INSERT INTO summary_group (group_id, status, exception_status, memberships)
        SELECT group_id, NEW.status, NEW.exception_status, 1 FROM group_member
        WHERE learner_id = NEW.learner_id
        ON CONFLICT DO UPDATE SET memberships = memberships + 1;
END;

CREATE TRIGGER summary_group_assignment_delete AFTER DELETE ON assignment
WHEN OLD.unassigned_at IS NULL
BEGIN
    UPDATE summary_group SET memberships = memberships - 1
        WHERE group_id IN (SELECT group_id FROM group_member WHERE learner_id = OLD.learner_id)
          AND status = OLD.status AND exception_status = OLD.exception_status;
END;

-- A learner joining or leaving a group brings or takes their current memberships.
CREATE TRIGGER summary_group_member_insert AFTER INSERT ON group_member
BEGIN
    INSERT INTO summary_group (group_id, status, exception_status, memberships)
        SELECT NEW.group_id, status, exception_status, count(*) FROM assignment
        WHERE learner_id = NEW.learner_id AND unassigned_at IS NULL GROUP BY 2, 3
        ON CONFLICT DO UPDATE SET memberships = memberships + excluded.memberships;
END;

CREATE TRIGGER summary_group_member_delete AFTER DELETE ON group_member
BEGIN
    INSERT INTO summary_group (group_id, status, exception_status, memberships)
        SELECT OLD.group_id, status, exception_status, -count(*) FROM assignment
        WHERE learner_id = OLD.learner_id AND unassigned_at IS NULL GROUP BY 2, 3
        ON CONFLICT DO UPDATE SET memberships = memberships + excluded.memberships;
END;
