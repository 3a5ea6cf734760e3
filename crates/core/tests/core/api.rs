//! Rules the api entry points hold for every client (the desktop and the CLI alike).

use certdesk_core::api;
use certdesk_core::exception::action::{ExceptionAction, Selection};
use certdesk_core::{ErrorKind, ManualClock};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::temp_db;

fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

#[test]
fn backups_and_restores_need_a_full_path() {
    let (dir, db) = temp_db();
    let e = api::store::backup(&db, "backup.sqlite").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(!std::path::Path::new("backup.sqlite").exists());
    let e = api::store::restore(&db, "backup.sqlite", jiff::Timestamp::UNIX_EPOCH).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    let full = dir.path().join("backup.sqlite");
    let s = api::store::backup(&db, full.to_str().unwrap()).unwrap();
    assert_eq!(s.path, full.display().to_string());
}

#[test]
fn an_exception_action_on_an_unknown_id_is_not_found_and_writes_nothing() {
    let (_dir, db) = temp_db();
    certdesk_core::demo::create_demo(&mut db.writer().unwrap(), now()).unwrap();
    let raised = api::exceptions::list_all(&db.reader().unwrap(), None).unwrap();
    let real = raised.first().map(|x| x.id).unwrap();
    let sel = Selection {
        ids: vec![real, 99_999_999],
        ..Default::default()
    };
    let mut w = db.writer().unwrap();
    let e = api::exceptions::preview(&mut w, &sel, ExceptionAction::Dismiss).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = api::exceptions::apply(
        &mut w,
        now(),
        &sel,
        ExceptionAction::Dismiss,
        &mut |_, _| {},
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("99999999"));
    let after = api::exceptions::list_all(&db.reader().unwrap(), None).unwrap();
    assert_eq!(after.len(), raised.len(), "nothing was dismissed");
}

#[test]
fn an_instant_needs_its_offset_or_is_a_bare_date() {
    let utc = TimeZone::UTC;
    let parse = |s| certdesk_core::time::parse_instant(s, &utc);
    assert_eq!(
        parse("2027-01-10T09:00:00Z").unwrap().to_string(),
        "2027-01-10T09:00:00Z"
    );
    assert_eq!(
        parse("2027-01-10T09:00:00+01:00").unwrap().to_string(),
        "2027-01-10T08:00:00Z"
    );
    assert_eq!(
        parse("2027-01-10").unwrap().to_string(),
        "2027-01-10T00:00:00Z"
    );
    let e = parse("2027-01-10T09:00:00").unwrap_err();
    assert!(e.to_string().contains("no UTC offset"), "{e}");
    assert!(parse("10/01/2027").is_err());
}

#[test]
fn settings_round_trip_and_refuse_out_of_range_intervals() {
    let (_dir, db) = temp_db();
    let mut w = db.writer().unwrap();
    assert_eq!(api::settings::set_run_interval(&mut w, 15).unwrap(), 15);
    assert_eq!(
        api::settings::run_interval(&db.reader().unwrap()).unwrap(),
        15
    );
    assert_eq!(
        api::settings::set_run_interval(&mut w, 0)
            .unwrap_err()
            .kind(),
        ErrorKind::Invalid
    );
    assert!(!api::settings::set_close_to_tray(&mut w, false).unwrap());
    assert!(!api::settings::close_to_tray(&db.reader().unwrap()).unwrap());
    let tick = api::scheduler::run_now(&db, &ManualClock::new(now())).unwrap();
    assert!(tick.send.is_none(), "no SMTP configured: nothing sent");
}
