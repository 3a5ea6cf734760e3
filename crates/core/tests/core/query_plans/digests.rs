//! Composing manager digests a few managers per transaction (migration 016): each
//! transaction finds one manager's pending items by the index on (manager, frequency,
//! digest moment), not by reading every pending item again, and the list of managers with
//! digests due comes from the same index in order, without a sort.

use certdesk_core::scheduler;

use super::capture::{capture_writes, find, squeeze, uses};
use crate::notify::digest_chunks::{teams, COMPOSE_AT};
use crate::notify::t;

#[test]
fn each_digest_transaction_reads_its_managers_items_by_index() {
    let fx = teams();
    let mut w = fx.db.writer().unwrap();
    let plans = capture_writes(&mut w, |w| {
        let r = scheduler::run(w, t(COMPOSE_AT)).unwrap();
        assert_eq!(r.notifications.digests, 12);
    });
    uses(
        &plans,
        &["FROM digest_item d", "WHERE d.manager_id = ?1 AND d.frequency = ?2"],
        "SEARCH d USING INDEX digest_item_pending_manager (manager_id=? AND frequency=? AND digest_at<?)",
    );
    let planned = find(&plans, &["GROUP BY manager_id, frequency"]);
    for p in planned {
        assert!(
            p.plan
                .iter()
                .any(|l| l.contains("digest_item_pending_manager"))
                && !p.plan.iter().any(|l| l.contains("TEMP B-TREE")),
            "{}\n    {}",
            squeeze(&p.sql),
            p.plan.join("\n    ")
        );
    }
}
