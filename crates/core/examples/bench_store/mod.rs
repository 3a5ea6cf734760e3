//! The store both benchmarks build (docs/BENCHMARKS.md): LEARNERS learners imported from
//! CSV, each a member of PROGRAMS certifications written set-based like a store after years
//! of use, and a program with a fixed past due date that raises an exception for everyone.

#[path = "../support/cpu_clock.rs"]
mod cpu_clock;

use std::path::Path;
use std::time::Instant;

use certdesk_core::{Db, Writer};
use jiff::Timestamp;

/// `[-- --learners N] [--programs N]` (or positional `[-- LEARNERS PROGRAMS]`), default
/// 100,000 and 10 (1,000,000 memberships).
pub fn args() -> (usize, usize) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
    };
    // Positional numbers are those not following a flag.
    let positional: Vec<usize> = args
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || !args[i - 1].starts_with("--"))
        .filter_map(|(_, a)| a.parse().ok())
        .collect();
    (
        flag("--learners")
            .or(positional.first().copied())
            .unwrap_or(100_000),
        flag("--programs")
            .or(positional.get(1).copied())
            .unwrap_or(10),
    )
}

/// Builds the store at `path`, reporting each step; returns it, its writer and the number
/// of memberships.
pub fn build(path: &Path, learners: usize, programs: usize, t0: Timestamp) -> (Db, Writer, i64) {
    let db = Db::open(path).unwrap();
    let mut w = db.writer().unwrap();

    // Courses and programs.
    let mut courses = String::from("short_name,full_name\nLONG,Long course\n");
    let mut json = String::from("{ \"programs\": [\n");
    for p in 0..programs {
        courses.push_str(&format!("C{p},Course {p}\nR{p},Refresher {p}\n"));
        json.push_str(&format!(
            "{{ \"short_name\": \"CERT{p}\", \"full_name\": \"Certification {p}\",
               \"certification\": {{ \"active\": \"1 year\", \"window\": \"1 month\", \"method\": \"completion_date\" }},
               \"certification_path\": [ {{ \"label\": \"Initial\", \"rule\": \"all\", \"courses\": [\"C{p}\"] }} ],
               \"recertification_path\": [ {{ \"label\": \"Refresher\", \"rule\": \"all\", \"courses\": [\"R{p}\"] }} ] }},\n"
        ));
    }
    json.push_str(
        "{ \"short_name\": \"BULK\", \"full_name\": \"Rushed program\",
           \"due\": { \"rule\": \"fixed\", \"date\": \"2026-06-01\" },
           \"certification_path\": [ { \"label\": \"Long\", \"rule\": \"all\", \"min_time\": \"40 hours\", \"courses\": [\"LONG\"] } ] }
        ] }",
    );
    w.write(|tx| certdesk_core::enrolment::records::courses(tx, courses.as_bytes()))
        .unwrap();
    certdesk_core::api::programs::import(&mut w, &json, t0).unwrap();

    // 1. Import learners from CSV.
    let mut csv =
        String::from("id_number,full_name,email,time_zone,managers,groups,date:hire_date\n");
    let zones = ["Europe/London", "America/New_York", "Asia/Tokyo", "UTC"];
    for i in 0..learners {
        let manager = if i >= 1000 {
            format!("E{:07}", i % 1000)
        } else {
            String::new()
        };
        csv.push_str(&format!(
            "E{i:07},Learner {i},l{i}@example.com,{},{manager},Team {},20{:02}-0{}-1{}\n",
            zones[i % 4],
            i % 50,
            10 + i % 15,
            1 + i % 9,
            i % 10
        ));
    }
    report("set-up (courses, programs, CSV text)", Instant::now(), "");
    let start = Instant::now();
    let s = w
        .write(|tx| certdesk_core::enrolment::learners::learners(tx, t0, csv.as_bytes()))
        .unwrap();
    report(
        "import learners (CSV)",
        start,
        &format!("{} learners created", s.created),
    );

    // 2. Memberships, written directly (set-based), like a store after years of use:
    //    80% certified (windows opening over the next year), 10% in their window (expiring
    //    over the next year), 10% not started.
    let start = Instant::now();
    let (n, t) = (programs as i64, t0.as_second());
    w.write(|tx| {
        tx.execute_batch(&format!(
            "INSERT INTO assignment (learner_id, program_id, assigned_at, status, cycle, completed_at,
                                     window_opens_at, expires_at, due_at)
             SELECT l.id, p.id, {t} - 800 * 86400,
                    CASE WHEN k < 80 THEN 'certified' WHEN k < 90 THEN 'window_open' ELSE 'not_started' END,
                    CASE WHEN k BETWEEN 80 AND 89 THEN 2 ELSE 1 END,
                    CASE WHEN k < 90 THEN e - 365 * 86400 END,
                    CASE WHEN k < 90 THEN e - 30 * 86400 END,
                    CASE WHEN k < 90 THEN e END,
                    CASE WHEN k < 90 THEN e END
             FROM (SELECT l.id AS id, p.id AS pid, (l.id * 7 + p.id * 13) % 100 AS k,
                          CASE WHEN (l.id * 7 + p.id * 13) % 100 < 80
                               THEN {t} + 30 * 86400 + 1 + (l.id * 7919 + p.id * 104729) % (365 * 86400)
                               ELSE {t} + 1 + (l.id * 7919 + p.id * 104729) % (365 * 86400) END AS e
                   FROM learner l CROSS JOIN program p WHERE p.kind = 'certification') x
             JOIN learner l ON l.id = x.id JOIN program p ON p.id = x.pid;
             INSERT INTO assignment_source (assignment_id, source, assigned_at)
               SELECT id, 'individual', assigned_at FROM assignment;
             INSERT INTO certification_record (assignment_id, cycle, path, state, started_at, completed_at,
                                               window_opens_at, expires_at)
               SELECT id, 1, CASE WHEN status = 'not_started' THEN 'certification' ELSE 'recertification' END,
                      CASE WHEN status = 'not_started' THEN 'newly_assigned' ELSE 'certified' END,
                      assigned_at, completed_at, window_opens_at, expires_at FROM assignment;
             INSERT INTO certification_record (assignment_id, cycle, path, state, started_at)
               SELECT id, 2, 'recertification', 'window_open', window_opens_at FROM assignment
               WHERE status = 'window_open';
             INSERT INTO course_completion (learner_id, course_id, completed_at)
               SELECT a.learner_id, csc.course_id, a.completed_at FROM assignment a
               JOIN course_set cs ON cs.program_id = a.program_id AND cs.path = 'certification'
               JOIN course_set_course csc ON csc.course_set_id = cs.id
               WHERE a.completed_at IS NOT NULL;
             ANALYZE;"
        ))?;
        Ok(())
    })
    .unwrap();
    let total: i64 = w
        .conn()
        .query_row("SELECT count(*) FROM assignment", [], |r| r.get(0))
        .unwrap();
    report(
        "write memberships (SQL)",
        start,
        &format!("{total} memberships, {n} certifications"),
    );
    (db, w, total)
}

/// Prints a step's wall time and the process's CPU time (user + system) since the last
/// report: the machine is shared, so the CPU time is the steadier figure.
pub fn report(what: &str, start: Instant, detail: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let cpu = cpu_ms();
    let spent = cpu.saturating_sub(LAST.swap(cpu, Ordering::Relaxed));
    println!(
        "{what:<36} {:>8.3} s wall {:>7.2} s cpu   {detail}",
        start.elapsed().as_secs_f64(),
        spent as f64 / 1000.0
    );
}

/// CPU time of this process in milliseconds ([`cpu_clock::cpu_secs`]).
pub fn cpu_ms() -> u64 {
    (cpu_clock::cpu_secs() * 1000.0) as u64
}
