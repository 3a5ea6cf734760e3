-- CertDesk store, schema 6: the index review of issue 15. Every index left on `assignment`
-- is named by a query plan that tests/core/query_plans.rs checks; these six were used by
-- no query, and each cost a b-tree write per membership the engine, an assignment or an
-- exception action changes.

-- The candidate queries of the expiry and window-open rules filter on the status too, and
-- read (status, instant) in instant order: assignment_status_expires and
-- assignment_status_window (migration 2) serve them, as they serve the engine's two scans.
DROP INDEX IF EXISTS assignment_expires;
DROP INDEX IF EXISTS assignment_window;

-- Nothing filters on the exception status alone: the membership report reads
-- assignment_sort_exception (migration 4), the exception report the exception table.
DROP INDEX IF EXISTS assignment_exception;

-- The candidate queries start from the instants in range (assignment_due,
-- assignment_status_*) for every program of a rule group at once, never from one program;
-- the report's program filter reads assignment_program_status and assignment_program_sort_*.
DROP INDEX IF EXISTS assignment_program_due;
DROP INDEX IF EXISTS assignment_program_expires;
DROP INDEX IF EXISTS assignment_program_window;
