//! Grants the window exactly the commands `src/lib.rs` lists: the names are read from its
//! `collect_commands!` call, passed to tauri-build, and written to
//! `capabilities/main.json` (only when that changes, so a build leaves the tree clean).

#[path = "command_list.rs"]
mod command_list;

fn main() {
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
