//! Course sets: completion rules, THEN / AND / OR, total minimum time, course set due dates.

use std::collections::HashMap;

use certdesk_core::program::{CompletionRule as R, CourseSet, Operator as Op, Path};

fn set(id: i64, rule: R, next: Option<Op>, courses: &[i64], min_hours: i64) -> CourseSet {
    CourseSet {
        id,
        label: format!("set {id}"),
        rule,
        min_time_secs: min_hours * 3600,
        next,
        courses: courses.to_vec(),
    }
}

/// (rule, courses, completions, expected completion).
type RuleCase<'a> = (R, &'a [i64], &'a [(i64, i64)], Option<i64>);
/// (operators, completions, expected completion, what).
type OpCase<'a> = (&'a [Option<Op>], &'a [(i64, i64)], Option<i64>, &'a str);

fn done(pairs: &[(i64, i64)]) -> HashMap<i64, i64> {
    pairs.iter().copied().collect()
}

#[test]
fn each_completion_rule() {
    let start = 0;
    let cases: &[RuleCase] = &[
        (R::All, &[1, 2], &[(1, 10), (2, 20)], Some(20)),
        (R::All, &[1, 2], &[(1, 10)], None),
        (R::Any, &[1, 2], &[(2, 15)], Some(15)),
        (R::Any, &[1, 2], &[(2, 15), (1, 12)], Some(12)),
        (R::Any, &[1, 2], &[], None),
        (R::AtLeast(2), &[1, 2, 3], &[(1, 5), (3, 9)], Some(9)),
        (
            R::AtLeast(2),
            &[1, 2, 3],
            &[(1, 5), (3, 9), (2, 7)],
            Some(7),
        ),
        (R::AtLeast(2), &[1, 2, 3], &[(1, 5)], None),
        (R::Optional, &[1], &[], Some(0)),
        // Completions of courses outside the set do not count.
        (R::All, &[1], &[(9, 3)], None),
    ];
    for (rule, courses, completions, want) in cases {
        let path = Path {
            sets: vec![set(1, *rule, None, courses, 0)],
        };
        let got = path.evaluate(start, &done(completions)).completed_at;
        assert_eq!(got, *want, "{rule:?} of {courses:?} with {completions:?}");
    }
}

#[test]
fn operators_and_binds_tighter_than_or_and_then_orders_groups() {
    // Sets 1..=4 each hold course with the same id, rule all.
    let p = |ops: &[Option<Op>]| Path {
        sets: ops
            .iter()
            .enumerate()
            .map(|(i, op)| set(i as i64 + 1, R::All, *op, &[i as i64 + 1], 0))
            .collect(),
    };
    use Op::*;
    let cases: &[OpCase] = &[
        (
            &[Some(And), Some(Or), None],
            &[(3, 30)],
            Some(30),
            "(1 AND 2) OR 3: 3 alone",
        ),
        (
            &[Some(And), Some(Or), None],
            &[(1, 10)],
            None,
            "(1 AND 2) OR 3: 1 alone",
        ),
        (
            &[Some(And), Some(Or), None],
            &[(1, 10), (2, 20)],
            Some(20),
            "(1 AND 2) OR 3: 1 and 2",
        ),
        (
            &[Some(Or), Some(And), None],
            &[(2, 20)],
            None,
            "1 OR (2 AND 3): 2 alone",
        ),
        (
            &[Some(Or), Some(And), None],
            &[(1, 10)],
            Some(10),
            "1 OR (2 AND 3): 1 alone",
        ),
        (
            &[Some(Or), Some(And), None],
            &[(2, 20), (3, 5)],
            Some(20),
            "1 OR (2 AND 3): 2 and 3",
        ),
        (
            &[Some(Or), Some(And), None],
            &[(1, 50), (2, 20), (3, 5)],
            Some(20),
            "earliest term wins",
        ),
        (&[Some(Then), None], &[(2, 20)], None, "1 THEN 2: 2 alone"),
        (
            &[Some(Then), None],
            &[(1, 10), (2, 20)],
            Some(20),
            "1 THEN 2",
        ),
        (
            &[Some(Then), None],
            &[(1, 30), (2, 20)],
            Some(30),
            "2 done first counts when 1 completes",
        ),
        (
            &[Some(Then), Some(Or), None],
            &[(1, 10), (3, 15)],
            Some(15),
            "1 THEN (2 OR 3)",
        ),
        (
            &[Some(Then), Some(Or), None],
            &[(2, 10), (3, 15)],
            None,
            "1 THEN (2 OR 3): 1 missing",
        ),
        (
            &[Some(Or), Some(Then), Some(And), None],
            &[(2, 5), (3, 7), (4, 9)],
            Some(9),
            "(1 OR 2) THEN (3 AND 4)",
        ),
        (
            &[Some(Or), Some(Then), Some(And), None],
            &[(2, 5), (3, 7)],
            None,
            "(1 OR 2) THEN (3 AND 4): 4 missing",
        ),
    ];
    for (ops, completions, want, what) in cases {
        let got = p(ops).evaluate(0, &done(completions)).completed_at;
        assert_eq!(got, *want, "{what}");
    }
}

#[test]
fn total_minimum_time_is_the_largest_per_then_group_summed() {
    let path = Path {
        sets: vec![
            set(1, R::All, Some(Op::And), &[1], 2),
            set(2, R::All, Some(Op::Then), &[2], 3),
            set(3, R::All, Some(Op::Or), &[3], 1),
            set(4, R::All, None, &[4], 4),
        ],
    };
    assert_eq!(path.total_min_secs(), (3 + 4) * 3600);
    assert_eq!(Path::default().total_min_secs(), 0);
}

#[test]
fn course_set_due_dates_follow_the_current_group() {
    let path = Path {
        sets: vec![
            set(1, R::All, Some(Op::Then), &[1], 2),
            set(2, R::All, Some(Op::Then), &[2], 1),
            set(3, R::All, None, &[3], 0),
        ],
    };
    let start = 1000;
    // Nothing done: only the first group is current, due start + 2 h.
    let p = path.evaluate(start, &done(&[]));
    assert_eq!(p.sets[0].current_at, Some(start));
    assert_eq!(p.sets[0].due_at, Some(start + 7200));
    assert_eq!(p.sets[1].current_at, None);
    assert!(!p.started);
    // Group 1 done at 5000: group 2 current from then, due an hour later.
    let p = path.evaluate(start, &done(&[(1, 5000)]));
    assert_eq!(p.sets[0].completed_at, Some(5000));
    assert_eq!(p.sets[1].current_at, Some(5000));
    assert_eq!(p.sets[1].due_at, Some(5000 + 3600));
    assert!(p.started);
    // A group without minimum time has no due date.
    let p = path.evaluate(start, &done(&[(1, 5000), (2, 6000)]));
    assert_eq!(p.sets[2].current_at, Some(6000));
    assert_eq!(p.sets[2].due_at, None);
    // A completion before the path became current counts from the moment it did.
    let p = path.evaluate(start, &done(&[(1, 10), (2, 20), (3, 30)]));
    assert_eq!(p.completed_at, Some(start));
}
