-- CertDesk store, schema 10: certification dates are local calendar days (DOMAIN.md
-- section 3). Stores before this held the window opening and the expiry as instants (the
-- completion instant plus the periods, e.g. 14:32); now a window opens at the first second
-- of its local day and a certification expires after the last second of its expiry day.
--
-- The local day of an instant needs the learner's time-zone rules, which SQL does not
-- have: this migration only marks a store that holds such dates, and the engine's next
-- pass (membership/engine/calendar.rs) rewrites them once, to the same local dates, a batch
-- of memberships per transaction (the value is the last membership id done), and removes
-- the mark. A new or empty store is not marked.
INSERT INTO setting (key, value)
    SELECT 'engine.calendar_dates_pending', '0'
    WHERE EXISTS (SELECT 1 FROM assignment
                  WHERE window_opens_at IS NOT NULL OR expires_at IS NOT NULL)
       OR EXISTS (SELECT 1 FROM certification_record
                  WHERE window_opens_at IS NOT NULL OR expires_at IS NOT NULL)
    ON CONFLICT (key) DO NOTHING;
