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
