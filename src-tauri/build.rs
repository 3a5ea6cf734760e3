//! Grants the window exactly the commands `src/lib.rs` lists: the names are read from its
//! `collect_commands!` call, passed to tauri-build, and written to
//! `capabilities/main.json` (only when that changes, so a build leaves the tree clean).
//! A release build on Linux also puts the app's start-up code first ([`order_startup_code`]).

#[path = "command_list.rs"]
mod command_list;

fn main() {
    order_startup_code();
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=command_list.rs");
    let lib_rs = match std::fs::read_to_string("src/lib.rs") {
        Ok(text) => text,
        Err(e) => panic!("cannot read src/lib.rs: {e}"),
    };
    let names = command_list::command_names(&lib_rs);
    if names.is_empty() {
        panic!("no commands found in the collect_commands! list of src/lib.rs");
    }
    let json = command_list::capabilities_json(&names);
    let path = "capabilities/main.json";
    if std::fs::read_to_string(path).ok().as_deref() != Some(json.as_str()) {
        if let Err(e) = std::fs::write(path, &json) {
            panic!("cannot write {path}: {e}");
        }
    }
    // Anything not granted there is refused by Tauri.
    let names: Vec<&'static str> = names
        .into_iter()
        .map(|n| &*Box::leak(n.into_boxed_str()))
        .collect();
    let manifest = tauri_build::AppManifest::new().commands(Box::leak(names.into_boxed_slice()));
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build failed: {e:#}");
    }
}

/// Release builds for Linux x86-64 only, linked by rust-lld (the toolchain's default there):
/// the functions listed in `startup-functions.txt` (those the app runs from its start until
/// idle, traced by `scripts/startup-order.sh`) come first in the binary's code, so that they
/// fill a few adjacent pages rather than touch 200 blocks spread over 20 MB (the kernel maps
/// a binary's code 64 KiB around each page it faults in): 10 MB less memory in the app's
/// process (docs/BENCHMARKS.md, "The app's start-up code in one place").
fn order_startup_code() {
    println!("cargo:rerun-if-changed=startup-functions.txt");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("PROFILE") != "release"
        || var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ARCH") != "x86_64"
    {
        return;
    }
    let list = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join("startup-functions.txt");
    for arg in [
        format!("--symbol-ordering-file={}", list.display()),
        "--no-warn-symbol-ordering".to_string(),
    ] {
        println!("cargo:rustc-link-arg-bin=certdesk=-Xlinker");
        println!("cargo:rustc-link-arg-bin=certdesk={arg}");
    }
}
