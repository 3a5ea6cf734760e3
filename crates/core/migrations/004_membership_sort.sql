-- The membership report sorted by one of the membership's own columns reads
-- (column, id) in order; these indexes serve that order for the current memberships, so a
-- page is read without sorting every row. The date expressions match membership.rs.
CREATE INDEX assignment_sort_due ON assignment (coalesce(due_at, 9223372036854775807), id)
    WHERE unassigned_at IS NULL;
CREATE INDEX assignment_sort_expires ON assignment (coalesce(expires_at, 9223372036854775807), id)
    WHERE unassigned_at IS NULL;
CREATE INDEX assignment_sort_window ON assignment (coalesce(window_opens_at, 9223372036854775807), id)
    WHERE unassigned_at IS NULL;
CREATE INDEX assignment_sort_exception ON assignment (exception_status, id)
    WHERE unassigned_at IS NULL;
-- The same orders within one program or certification, the report's most common filter.
CREATE INDEX assignment_program_sort_due
    ON assignment (program_id, coalesce(due_at, 9223372036854775807), id) WHERE unassigned_at IS NULL;
CREATE INDEX assignment_program_sort_expires
    ON assignment (program_id, coalesce(expires_at, 9223372036854775807), id) WHERE unassigned_at IS NULL;
CREATE INDEX assignment_program_sort_window
    ON assignment (program_id, coalesce(window_opens_at, 9223372036854775807), id) WHERE unassigned_at IS NULL;
