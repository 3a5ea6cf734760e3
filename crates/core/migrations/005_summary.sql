-- CertDesk store, schema 5: summary figures of the current memberships, kept up to date in
-- the transaction of every write, so the dashboard and the report counts read a few rows
-- instead of walking 1,000,000 memberships. A membership is current while its unassigned_at
-- is NULL. A UTC day is the instant divided by 86,400, rounded down.
--
-- The triggers below count inserted and deleted memberships and every change of an
-- exception. Updates of assignment are counted by their writers (membership/summary.rs):
-- a trigger on them would cost every single-row UPDATE of assignment a statement journal.

-- Current memberships by program, status and exception status.
CREATE TABLE summary_membership (
    program_id        INTEGER NOT NULL,
    status            TEXT    NOT NULL,
    exception_status  TEXT    NOT NULL,
    memberships       INTEGER NOT NULL,
    PRIMARY KEY (program_id, status, exception_status)
) WITHOUT ROWID;

-- Raised exceptions of current memberships, by program.
CREATE TABLE summary_exception (
    program_id  INTEGER PRIMARY KEY,
    raised      INTEGER NOT NULL
);

-- Current certified or window-open memberships by UTC day of expiry and program: the
-- expiries of any range of days (30, 60, 90 days ahead, the outlook's weeks) are a sum.
CREATE TABLE summary_expiry (
    day          INTEGER NOT NULL,
    program_id   INTEGER NOT NULL,
    memberships  INTEGER NOT NULL,
    PRIMARY KEY (day, program_id)
) WITHOUT ROWID;

-- Current active memberships not complete or certified, by UTC day of their due date and
-- program (the outlook's due dates).
CREATE TABLE summary_due (
    day          INTEGER NOT NULL,
    program_id   INTEGER NOT NULL,
    memberships  INTEGER NOT NULL,
    PRIMARY KEY (day, program_id)
) WITHOUT ROWID;

-- The figures of the store as it is.
INSERT INTO summary_membership (program_id, status, exception_status, memberships)
    SELECT program_id, status, exception_status, count(*) FROM assignment
    WHERE unassigned_at IS NULL GROUP BY 1, 2, 3;
INSERT INTO summary_exception (program_id, raised)
    SELECT a.program_id, count(*) FROM exception e JOIN assignment a ON a.id = e.assignment_id
    WHERE e.status = 'raised' AND a.unassigned_at IS NULL GROUP BY 1;
INSERT INTO summary_expiry (day, program_id, memberships)
    SELECT expires_at / 86400 - (expires_at % 86400 < 0), program_id, count(*) FROM assignment
    WHERE unassigned_at IS NULL AND status IN ('certified', 'window_open') AND expires_at IS NOT NULL
    GROUP BY 1, 2;
INSERT INTO summary_due (day, program_id, memberships)
    SELECT due_at / 86400 - (due_at % 86400 < 0), program_id, count(*) FROM assignment
    WHERE unassigned_at IS NULL AND active = 1 AND status NOT IN ('complete', 'certified')
      AND due_at IS NOT NULL
    GROUP BY 1, 2;

-- Memberships: a row counts in (program, status, exception status) while current.
-- (Updates: membership/summary.rs.)
CREATE TRIGGER summary_membership_insert AFTER INSERT ON assignment
WHEN NEW.unassigned_at IS NULL
BEGIN
    INSERT INTO summary_membership (program_id, status, exception_status, memberships)
        VALUES (NEW.program_id, NEW.status, NEW.exception_status, 1)
        ON CONFLICT DO UPDATE SET memberships = memberships + 1;
END;

CREATE TRIGGER summary_membership_delete AFTER DELETE ON assignment
WHEN OLD.unassigned_at IS NULL
BEGIN
    UPDATE summary_membership SET memberships = memberships - 1
        WHERE program_id = OLD.program_id AND status = OLD.status
          AND exception_status = OLD.exception_status;
END;

-- Expiries: a row counts on (day of expires_at, program) while current, certified or in its
-- window, and dated.
CREATE TRIGGER summary_expiry_insert AFTER INSERT ON assignment
WHEN NEW.unassigned_at IS NULL AND NEW.status IN ('certified', 'window_open')
  AND NEW.expires_at IS NOT NULL
BEGIN
    INSERT INTO summary_expiry (day, program_id, memberships)
        VALUES (NEW.expires_at / 86400 - (NEW.expires_at % 86400 < 0), NEW.program_id, 1)
        ON CONFLICT DO UPDATE SET memberships = memberships + 1;
END;

CREATE TRIGGER summary_expiry_delete AFTER DELETE ON assignment
WHEN OLD.unassigned_at IS NULL AND OLD.status IN ('certified', 'window_open')
  AND OLD.expires_at IS NOT NULL
BEGIN
    UPDATE summary_expiry SET memberships = memberships - 1
        WHERE day = OLD.expires_at / 86400 - (OLD.expires_at % 86400 < 0)
          AND program_id = OLD.program_id;
END;

-- Due dates: a row counts on (day of due_at, program) while current, active, not complete
-- or certified, and dated.
CREATE TRIGGER summary_due_insert AFTER INSERT ON assignment
WHEN NEW.unassigned_at IS NULL AND NEW.active = 1
  AND NEW.status NOT IN ('complete', 'certified') AND NEW.due_at IS NOT NULL
BEGIN
    INSERT INTO summary_due (day, program_id, memberships)
        VALUES (NEW.due_at / 86400 - (NEW.due_at % 86400 < 0), NEW.program_id, 1)
        ON CONFLICT DO UPDATE SET memberships = memberships + 1;
END;

CREATE TRIGGER summary_due_delete AFTER DELETE ON assignment
WHEN OLD.unassigned_at IS NULL AND OLD.active = 1
  AND OLD.status NOT IN ('complete', 'certified') AND OLD.due_at IS NOT NULL
BEGIN
    UPDATE summary_due SET memberships = memberships - 1
        WHERE day = OLD.due_at / 86400 - (OLD.due_at % 86400 < 0)
          AND program_id = OLD.program_id;
END;

-- Raised exceptions: an exception counts for its membership's program while it is raised
-- and the membership is current.
CREATE TRIGGER summary_exception_insert AFTER INSERT ON exception
WHEN NEW.status = 'raised'
BEGIN
    INSERT INTO summary_exception (program_id, raised)
        SELECT program_id, 1 FROM assignment WHERE id = NEW.assignment_id AND unassigned_at IS NULL
        ON CONFLICT DO UPDATE SET raised = raised + 1;
END;

CREATE TRIGGER summary_exception_update AFTER UPDATE OF status, assignment_id ON exception
WHEN (OLD.status = 'raised') <> (NEW.status = 'raised') OR OLD.assignment_id <> NEW.assignment_id
BEGIN
    UPDATE summary_exception SET raised = raised - 1
        WHERE OLD.status = 'raised' AND program_id = (
            SELECT program_id FROM assignment WHERE id = OLD.assignment_id AND unassigned_at IS NULL);
    INSERT INTO summary_exception (program_id, raised)
        SELECT program_id, 1 FROM assignment
        WHERE NEW.status = 'raised' AND id = NEW.assignment_id AND unassigned_at IS NULL
        ON CONFLICT DO UPDATE SET raised = raised + 1;
END;

CREATE TRIGGER summary_exception_delete AFTER DELETE ON exception
WHEN OLD.status = 'raised'
BEGIN
    UPDATE summary_exception SET raised = raised - 1 WHERE program_id = (
        SELECT program_id FROM assignment WHERE id = OLD.assignment_id AND unassigned_at IS NULL);
END;

-- A deleted membership takes its exceptions with it (ON DELETE CASCADE): they leave the
-- figures here, before the cascade, while the membership can still be found.
CREATE TRIGGER summary_exception_assignment_delete BEFORE DELETE ON assignment
WHEN OLD.unassigned_at IS NULL
BEGIN
    UPDATE summary_exception SET raised = raised - (
        SELECT count(*) FROM exception WHERE assignment_id = OLD.id AND status = 'raised')
        WHERE program_id = OLD.program_id;
END;
