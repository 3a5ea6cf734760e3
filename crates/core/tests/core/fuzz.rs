//! A seeded mutation test of every importer and the template renderer: valid sample files
//! with bytes flipped, cut short, or quotes, a BOM, CR, NUL and huge numbers inserted. No
//! input may panic, and an import that is refused must have written nothing (the store's
//! rows are compared before and after). `CERTDESK_FUZZ_ITERS` sets the mutants per sample
//! (default 60: a few seconds); `CERTDESK_FUZZ_SEED` the seed (see docs/RELIABILITY.md).

use certdesk_core::notify::template::{render, Values};
use jiff::tz::TimeZone;

use crate::fixture::{store, t, Rng, COURSES};
use crate::lifecycle::FIRST_AID;

const INSERTS: &[&str] = &[
    "\"",
    "\u{feff}",
    "\r",
    "\0",
    "\n",
    ",",
    ";",
    "99999999999999999999",
    "-1",
    "9999-12-31",
    "99999 years",
    "%user_full_name%",
    "%",
    "{",
    "}",
    "]",
    "é",
    "=cmd|' /C calc'!A0",
];

fn mutate(rng: &mut Rng, sample: &str) -> Vec<u8> {
    let mut b = sample.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(4) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            1 => b.truncate(at),
            _ => {
                let ins = INSERTS[rng.below(INSERTS.len())].as_bytes();
                b.splice(at..at, ins.iter().copied());
            }
        }
    }
    b
}

fn iterations() -> usize {
    std::env::var("CERTDESK_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

fn seed() -> u64 {
    std::env::var("CERTDESK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_cafe)
}

/// Every row of the tables an import writes, as text.
fn snapshot(db: &certdesk_core::Db) -> Vec<String> {
    let r = db.reader().unwrap();
    let mut out = Vec::new();
    for table in [
        "learner",
        "manager_link",
        "learner_group",
        "group_member",
        "learner_date",
        "course",
        "program",
        "course_set",
        "assignment",
        "assignment_source",
        "course_completion",
        "course_set_course",
        "certification_settings",
        "event",
        "exception",
    ] {
        let mut stmt = r.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect();
                Ok(format!("{table}: {}", cells.join("|")))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

const LEARNERS: &str = "id_number,full_name,email,time_zone,managers,groups,date:hire_date
M1,Mia Manager,mia@x.org,Europe/Berlin,,Leaders,2020-01-01
L2,Lee Two,lee2@x.org,Asia/Tokyo,M1,Staff;Warehouse,2026-02-01
";
const ASSIGNMENTS: &str = "learner,group,program,due\nL1,,FA,2026-06-30\n,Staff,FA,\n";
const COMPLETIONS: &str =
    "learner,course,completed_at\nL1,FA101,2026-02-01\nL1,FA201,2026-02-02T10:00:00+01:00\n";
const ROSTER: &str = "id_number\nL1\n";

#[test]
fn mutated_imports_never_panic_and_a_refused_one_writes_nothing() {
    let (dir, db) = store(FIRST_AID, crate::fixture::ONE_LEARNER);
    let mut rng = Rng(seed());
    let now = t("2026-03-01");
    let path = dir.path().join("mutant");
    let (mut refused, mut imported) = (0, 0);
    for kind in 0..6 {
        let sample = [
            LEARNERS,
            COURSES,
            ASSIGNMENTS,
            COMPLETIONS,
            ROSTER,
            FIRST_AID,
        ][kind];
        for _ in 0..iterations() {
            let bytes = mutate(&mut rng, sample);
            std::fs::write(&path, &bytes).unwrap();
            let p = path.to_str().unwrap();
            let before = snapshot(&db);
            let mut w = db.writer().unwrap();
            use certdesk_core::api::{enrolment, imports, programs};
            let result = match kind {
                0 => imports::learners(&mut w, now, p).map(|_| ()),
                1 => imports::courses(&mut w, p).map(|_| ()),
                2 => imports::assignments(&mut w, now, p).map(|_| ()),
                3 => imports::completions(&mut w, now, p).map(|_| ()),
                4 => {
                    let fa = certdesk_core::names::program(w.conn(), "FA").unwrap();
                    enrolment::assign_roster(&mut w, now, fa, p, None).map(|_| ())
                }
                _ => programs::import(&mut w, &String::from_utf8_lossy(&bytes), now).map(|_| ()),
            };
            match result {
                Ok(()) => imported += 1,
                Err(e) => {
                    refused += 1;
                    assert_eq!(
                        snapshot(&db),
                        before,
                        "a refused import wrote: {e}\n{}",
                        String::from_utf8_lossy(&bytes)
                    );
                }
            }
        }
    }
    assert!(
        refused > 0 && imported > 0,
        "{refused} refused, {imported} imported"
    );
}

#[test]
fn mutated_templates_never_panic() {
    let mut rng = Rng(seed());
    let subject = "Due %due_date% for %program_full_name%";
    let body = "Hello %user_full_name% (%user_id_number%),\n%completion_criteria%\n%exception_list%\nExpires %expiry_date%";
    let v = Values {
        user_full_name: "=cmd|' /C calc'!A0\r\nBcc: x@y".into(),
        due_at: Some(i64::MAX / 4),
        expires_at: Some(-1),
        ..Values::default()
    };
    for _ in 0..iterations() * 10 {
        let s = String::from_utf8_lossy(&mutate(&mut rng, subject)).into_owned();
        let b = String::from_utf8_lossy(&mutate(&mut rng, body)).into_owned();
        let _ = render(&s, &b, &v, &TimeZone::UTC);
        let _ = certdesk_core::notify::validate_template("body", &b);
    }
}
