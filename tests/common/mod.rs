//! What the command-line tests share: running the binary, and reading what it wrote.
#![allow(dead_code)] // each test binary uses its own share of these

use std::path::Path;
use std::process::{Command, Output};

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
