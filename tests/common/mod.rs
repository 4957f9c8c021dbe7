//! What the command-line tests share: running the binary, and reading what it wrote.
#![allow(dead_code)] // each test binary uses its own share of these

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// tiny's two shifts with three drivers each instead of five (an overlay replaces tiny's whole
/// list of `[[drivers]]`).
pub const FEWER_DRIVERS: &str = "[[drivers]]\nsite = \"depot\"\ncount = 3\nshift = [\"05:30\", \"14:00\"]\novertime_max_min = 90\n\n[[drivers]]\nsite = \"depot\"\ncount = 3\nshift = [\"13:00\", \"21:30\"]\novertime_max_min = 90\n";

/// A scenario derived from the shipped `base` (a path from the repository root) as a user derives
/// one: the overlay `dir/name` holding `extends = "<base, absolute>"` and then `overlay`, which
/// states only what changes (docs/scenario.md, "overlays"). Keys before its first `[table]` are
/// the scenario's own.
pub fn overlay(dir: &Path, name: &str, base: &str, overlay: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join(base).canonicalize().unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("extends = {}\n{overlay}", toml::Value::from(base.to_str().unwrap()))).unwrap();
    path
}

/// The shipped `base` (which extends no other) as a single file `dir/name` (its keys in TOML's
/// sorted order), each top-level table or list of tables of `tables` replacing the base's: for a
/// file that extends nothing, whose errors are placed without an overlay's help (an overlay places
/// one at its key, a single file at its value). Panics if the base has no such table.
pub fn single_file(dir: &Path, name: &str, base: &str, tables: &str) -> PathBuf {
    let read = |text: &str| text.parse::<toml::Table>().unwrap();
    let mut scenario = read(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(base)).unwrap());
    assert!(!scenario.contains_key("extends"), "{base} extends another");
    for (key, value) in read(tables) {
        assert!(scenario.insert(key.clone(), value).is_some(), "{base} has no {key}");
    }
    let path = dir.join(name);
    std::fs::write(&path, toml::to_string(&scenario).unwrap()).unwrap();
    path
}

/// Runs `dtwin ARGS` in the repository root.
pub fn dtwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dtwin")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}
