//! The CI policy gate (examples/ci/): the workflow builds each side from its own commit through
//! gate.sh, and the toolchain is pinned. The gate itself against two commits is
//! examples/ci/test-gate.sh (two builds: too slow here), run by .ci/run.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[test]
fn the_toolchain_is_pinned_to_the_workspaces_rust_version() {
    let pin: toml::Table = toml::from_str(&read("rust-toolchain.toml")).unwrap();
    let toolchain = pin["toolchain"].as_table().unwrap();
    let channel = toolchain["channel"].as_str().unwrap();
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let rust_version = manifest["workspace"]["package"]["rust-version"].as_str().unwrap();
    assert_eq!(channel.split('.').count(), 3, "a version, not a moving channel: {channel}");
    assert!(channel.starts_with(&format!("{rust_version}.")), "{channel} is not rust-version {rust_version}");
    let components: Vec<&str> = toolchain["components"].as_array().unwrap().iter().filter_map(|c| c.as_str()).collect();
    assert!(components.contains(&"rustfmt") && components.contains(&"clippy"), "{components:?}");
}

#[test]
fn the_workflow_runs_gate_sh_on_the_base_and_the_pull_requests_commits() {
    let yml = read("examples/ci/policy-gate.yml");
    assert!(!yml.contains('\t'), "YAML indents with spaces only");
    assert!(yml.lines().any(|l| l == "on: pull_request"), "{yml}");
    assert!(yml.contains("fetch-depth: 0"), "the base branch must be fetched");
    assert!(yml.contains("BASE_REF: ${{ github.base_ref }}"), "{yml}");
    let run = yml.lines().find(|l| l.trim().starts_with("run: examples/ci/gate.sh")).expect("a step calls gate.sh");
    assert!(run.contains(r#""$(git rev-parse "origin/$BASE_REF")" "$(git rev-parse HEAD)""#), "{run}");
    // Nothing is built or run outside gate.sh: the old workflow built the pull request alone and
    // ran the baseline with it, which passes any change to the Rust policy code.
    assert!(!yml.contains("cargo ") && !yml.contains("dtwin run"), "{yml}");
    for uses in yml.lines().filter_map(|l| l.split("uses: ").nth(1)) {
        let version = uses.split('@').nth(1).unwrap_or("");
        assert!(version.starts_with('v') && version[1..].starts_with(|c: char| c.is_ascii_digit()), "{uses}");
    }
    assert!(yml.contains("actions/cache@v"), "a cargo cache");
    assert!(yml.contains("out/gate/gate.xml") && yml.contains("if: always()"), "JUnit uploaded even on failure");
}

#[test]
fn ci_runs_the_gate_test_and_the_scripts_are_executable() {
    for script in ["examples/ci/gate.sh", "examples/ci/test-gate.sh"] {
        assert!(executable(&root().join(script)), "{script} is missing or not executable");
    }
    assert!(read(".ci/run").lines().any(|l| l.trim() == "examples/ci/test-gate.sh"), ".ci/run must call test-gate.sh");
}

#[test]
fn gate_sh_refuses_what_it_cannot_judge_with_exit_2_before_building() {
    let gate = |args: &[&str]| {
        Command::new(root().join("examples/ci/gate.sh")).args(args).current_dir(root()).output().unwrap()
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let help = gate(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("gate.sh [OPTIONS] BASE_REV CAND_REV [OUT]"), "{}", text(&help.stdout));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gate");
    std::fs::create_dir_all(out.join("base")).unwrap();
    std::fs::write(out.join("gate.xml"), "stale").unwrap();
    let out_arg = out.to_str().unwrap();
    for (args, message) in [
        (&["no-such-revision", "HEAD", out_arg][..], "gate.sh: "),
        (&["HEAD"][..], "gate.sh: usage: gate.sh [OPTIONS] BASE_REV CAND_REV [OUT]"),
        (&["--frobnicate", "HEAD", "HEAD"][..], "gate.sh: unknown option --frobnicate"),
        (&["HEAD", "HEAD", "-r"][..], "gate.sh: -r needs a value"),
    ] {
        let o = gate(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).starts_with(message), "{args:?}: {}", text(&o.stderr));
    }
    // An earlier run's results are gone, so CI cannot upload them as this run's.
    assert!(!out.join("base").exists() && !out.join("gate.xml").exists());
}
