//! `dtwin report`: report.html and report.md again, from the results saved in a folder.

use std::path::Path;

use anyhow::Result;

use crate::cli_common::UsageError;

/// Renders the report of the one result saved in `dir`.
pub fn report(dir: &Path) -> Result<()> {
    use reports::report;
    let saved = ["summary.json", "stress.json", "compare.json", "tune.json"];
    let found: Vec<&str> = saved.into_iter().filter(|f| dir.join(f).exists()).collect();
    let file = match found[..] {
        [one] => one,
        [] => return Err(UsageError(format!("{}: no saved results ({})", dir.display(), saved.join(", "))).into()),
        _ => {
            let m = format!("{}: several results ({}); keep one per folder", dir.display(), found.join(", "));
            return Err(UsageError(m).into());
        }
    };
    let path = dir.join(file);
    let bad = |e: reports::saved::ReadError| UsageError(e.to_string());
    let r = match file {
        "summary.json" => report::run(&reports::saved::read_summary(&path).map_err(bad)?),
        "tune.json" => report::tune(&reports::saved::read_tune(&path).map_err(bad)?),
        kind => report::matrix(kind.trim_end_matches(".json"), &reports::saved::read_matrix(&path).map_err(bad)?),
    };
    reports::write_together(dir, reports::report_files(r).into())?;
    println!("wrote report.html and report.md in {} from {file}", dir.display());
    Ok(())
}
