//! Hostile input: exports that are safe to open in a spreadsheet, and imports that refuse
//! what they cannot make sense of with its line.

use std::io::Read;

use certdesk_core::report::export::{export_memberships, ExportFormat};
use certdesk_core::report::membership::MembershipQuery;

use crate::fixture::{assign, store, t};
use crate::lifecycle::FIRST_AID;

const FORMULA: &str = "=cmd|' /C calc'!A0";

#[test]
fn exports_neutralise_cells_a_spreadsheet_would_run() {
    let learners = format!(
        "id_number,full_name,email\n@L1,\"{}\",a@x.org\n+L2,-2+3,b@x.org\nL3,Plain Name,c@x.org\n",
        FORMULA.replace('"', "\"\"")
    );
    let (dir, db) = store(FIRST_AID, &learners);
    assign(&db, "2026-01-10T09:00:00Z", "FA", &["@L1", "+L2", "L3"]);
    let r = db.reader().unwrap();
    let q = MembershipQuery::default();
    let now = t("2026-01-11");

    let csv_path = dir.path().join("m.csv");
    export_memberships(
        &r,
        &q,
        csv_path.to_str(),
        ExportFormat::Csv,
        now,
        &mut |_, _| {},
    )
    .unwrap();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let cells: Vec<(String, String)> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    assert!(
        cells.contains(&("'@L1".into(), format!("'{FORMULA}"))),
        "{text}"
    );
    assert!(cells.contains(&("'+L2".into(), "'-2+3".into())), "{text}");
    assert!(
        cells.contains(&("L3".into(), "Plain Name".into())),
        "{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with('=') || l.contains(",=")),
        "no cell starts with '=': {text}"
    );

    let xlsx_path = dir.path().join("m.xlsx");
    export_memberships(
        &r,
        &q,
        xlsx_path.to_str(),
        ExportFormat::Xlsx,
        now,
        &mut |_, _| {},
    )
    .unwrap();
    let mut book = zip::ZipArchive::new(std::fs::File::open(&xlsx_path).unwrap()).unwrap();
    let mut sheet = String::new();
    book.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(!sheet.contains("<f>"), "no formula cell: {sheet}");
    // The name is kept as text, exactly (XML-escaped).
    assert!(
        sheet.contains("=cmd|&apos; /C calc&apos;!A0") || sheet.contains("=cmd|' /C calc'!A0"),
        "{sheet}"
    );
}

fn import_learners(
    db: &certdesk_core::Db,
    dir: &std::path::Path,
    csv: &str,
) -> certdesk_core::Result<certdesk_core::import::ImportSummary> {
    let path = dir.join("learners.csv");
    std::fs::write(&path, csv).unwrap();
    certdesk_core::api::imports::learners(
        &mut db.writer().unwrap(),
        t("2026-03-01"),
        path.to_str().unwrap(),
    )
}

#[test]
fn imports_name_the_quote_count_past_a_hundred_problems_and_refuse_far_dates() {
    let (dir, db) = crate::temp_db();
    let quote = "id_number,full_name,email\nL1,Lee,a@x.org\nL2,\"Lee Two,b@x.org\nL3,Lee,c@x.org\n";
    let msg = import_learners(&db, dir.path(), quote)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("line 3: a quote (\") opened on this line is never closed"),
        "{msg}"
    );

    let mut many = String::from("id_number,full_name,email\n");
    for i in 0..250 {
        many.push_str(&format!("L{i},Name,not-an-email\n"));
    }
    let msg = import_learners(&db, dir.path(), &many)
        .unwrap_err()
        .to_string();
    assert_eq!(msg.matches("is not an email address").count(), 100, "{msg}");
    assert!(msg.contains("and 150 more problems"), "{msg}");

    let far = "id_number,full_name,email,date:hire_date\nL1,Lee,a@x.org,9999-12-31\n";
    let msg = import_learners(&db, dir.path(), far)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("line 2: hire_date '9999-12-31' is out of range (years 1900 to 2200)"),
        "{msg}"
    );
    let count: i64 = db
        .reader()
        .unwrap()
        .query_row("SELECT count(*) FROM learner", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 0, "nothing written");
}

#[test]
fn programs_json_with_a_bom_is_read_and_far_periods_are_refused_with_their_line() {
    let (_dir, db) = store(FIRST_AID, crate::fixture::ONE_LEARNER);
    let bom = format!("\u{feff}{}", FIRST_AID.replace("\"FA\"", "\"FB\""));
    certdesk_core::api::programs::import(&mut db.writer().unwrap(), &bom, t("2026-03-01")).unwrap();
    let far = r#"{ "programs": [
  { "short_name": "FAR", "full_name": "Far",
    "due": { "rule": "relative", "after": "99999 years", "event": "assignment" },
    "certification_path": [ { "label": "A", "rule": "all", "courses": ["FA101"] } ] },
  { "short_name": "LATE", "full_name": "Late", "due": { "rule": "fixed", "date": "9999-12-31" },
    "certification_path": [ { "label": "A", "rule": "all", "courses": ["FA101"] } ] }
] }"#;
    let msg = certdesk_core::api::programs::import(&mut db.writer().unwrap(), far, t("2026-03-01"))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("line 2: FAR due.after: '99999 years' is too long (at most 100 years)"),
        "{msg}"
    );
    assert!(
        msg.contains("line 5: LATE due.date: '9999-12-31' is out of range"),
        "{msg}"
    );
}
