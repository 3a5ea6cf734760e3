//! The HR drop folder from the command line (issue 14 part 5): `settings drop-folder`,
//! `sync`, `hr-files [--report ID]` and `run`, all with `--json`; a rejected file reaches the
//! site administrators through `send`.

use std::path::Path;
use std::time::SystemTime;

use serde_json::Value;

use crate::cli;
use crate::engine::ok_json;
use crate::smtp_server::SmtpServer;

const NOW: &str = "2026-12-01T09:00:00Z";

/// Drops `name`, last changed a minute before [`NOW`].
fn put(folder: &Path, name: &str, content: &str) {
    let path = folder.join(name);
    std::fs::write(&path, content).unwrap();
    let at: jiff::Timestamp = NOW.parse().unwrap();
    let at = at - jiff::SignedDuration::from_secs(60);
    let f = std::fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(SystemTime::from(at)).unwrap();
}

fn store_with_folder() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite");
    let folder = dir.path().join("hr");
    std::fs::create_dir(&folder).unwrap();
    let set = ok_json(&db, &["settings", "drop-folder", folder.to_str().unwrap()]);
    assert_eq!(set["drop_folder"], folder.to_str().unwrap());
    (dir, db, folder)
}

#[test]
fn sync_imports_good_files_rejects_bad_ones_and_lists_them_with_their_reports() {
    let (_dir, db, folder) = store_with_folder();
    let srv = SmtpServer::start(&[]);
    let set = crate::smtp_set(&db, srv.port, &["--json"]);
    assert!(set.status.success(), "{set:?}");
    ok_json(
        &db,
        &[
            "admins",
            "add",
            "--name",
            "Ada Admin",
            "--email",
            "ada@x.org",
        ],
    );
    put(
        &folder,
        "learners.csv",
        "id_number,full_name,email\nH1,Hana One,h1@x.org\n",
    );
    put(
        &folder,
        "assignments-monday.csv",
        "learner,program\nH1,NOPE\nH9,NOPE\n",
    );
    let s = ok_json(&db, &["sync", "--now", NOW]);
    let files = s["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{s}");
    assert_eq!(files[0]["name"], "learners.csv");
    assert_eq!(files[0]["outcome"], "imported");
    assert_eq!(files[0]["moved_to"], "processed/learners.csv");
    assert_eq!(files[1]["outcome"], "rejected");
    assert_eq!(files[1]["problems"], 3);
    assert!(folder.join("rejected/assignments-monday.csv").exists());
    // The list, newest first, and the rejected file's report with every bad row.
    let list = ok_json(&db, &["hr-files"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let rejected = list.iter().find(|f| f["outcome"] == "rejected").unwrap();
    let id = rejected["id"].as_i64().unwrap().to_string();
    let report = ok_json(&db, &["hr-files", "--report", &id]);
    let text = report["report"].as_str().unwrap();
    for want in [
        "line 2: program 'NOPE' not found",
        "line 3: learner 'H9' not found",
        "line 3: program 'NOPE' not found",
    ] {
        assert!(text.contains(want), "{want} missing from {text}");
    }
    let beside = std::fs::read_to_string(folder.join("rejected/assignments-monday.csv.report.txt"));
    assert_eq!(beside.unwrap(), text);
    // The administrator gets one mail naming the file and the count.
    ok_json(&db, &["send", "--now", NOW]);
    let got = srv.wait_for(1);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt_tos, vec!["ada@x.org".to_string()]);
    assert_eq!(
        got[0].subject(),
        "CertDesk: HR file assignments-monday.csv rejected (3 problems)"
    );
    let log = ok_json(&db, &["log", "--trigger", "hr_file"]);
    assert_eq!(log["entries"].as_array().unwrap().len(), 1, "{log}");
    // Text output names each file.
    let out = cli(&db, &["hr-files"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("assignments-monday.csv (assignments) rejected"),
        "{text}"
    );
}

#[test]
fn run_takes_the_folder_first_and_an_unreachable_folder_is_a_clear_error() {
    let (dir, db, folder) = store_with_folder();
    put(
        &folder,
        "learners.csv",
        "id_number,full_name,email\nH1,Hana One,h1@x.org\n",
    );
    let run = ok_json(&db, &["run", "--now", NOW]);
    assert_eq!(run["hr_files"][0]["outcome"], "imported", "{run}");
    assert_eq!(run["hr_folder_error"], Value::Null);
    // The same content again: a duplicate, not imported twice.
    put(
        &folder,
        "learners.csv",
        "id_number,full_name,email\nH1,Hana One,h1@x.org\n",
    );
    let s = ok_json(&db, &["sync", "--now", NOW]);
    assert_eq!(s["files"][0]["outcome"], "duplicate");
    // The folder gone (an unmounted drive): sync fails with its kind; run goes on.
    std::fs::rename(&folder, dir.path().join("away")).unwrap();
    let out = cli(&db, &["--json", "sync", "--now", NOW]);
    assert!(!out.status.success());
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["kind"], "not_found");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("drop folder"));
    let run = ok_json(&db, &["run", "--now", NOW]);
    assert!(run["hr_folder_error"]
        .as_str()
        .unwrap()
        .contains("drop folder"));
    // Off: nothing to sync.
    let off = ok_json(&db, &["settings", "drop-folder", "--off"]);
    assert_eq!(off["drop_folder"], Value::Null);
    assert_eq!(ok_json(&db, &["sync", "--now", NOW])["folder"], Value::Null);
    let bad = cli(
        &db,
        &["--json", "settings", "drop-folder", "no/such/folder"],
    );
    assert!(!bad.status.success());
}
