//! The journal of a search, `tune.jsonl`: a header line saying which search it is, then a line
//! per finished candidate, so an interrupted search resumes where it stopped.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sim::KPIS;

use super::search::{ParamRange, Search};
use crate::ExperimentError;

/// The journal's name in the search's folder.
pub const JOURNAL: &str = "tune.jsonl";

/// What identifies a search: a journal is resumed only by the same search.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The scenarios' hashes, hex.
    pub scenarios: Vec<String>,
    /// The policy searched, as configured.
    pub policy: serde_json::Value,
    pub params: Vec<ParamRange>,
    pub search: Search,
    pub samples: u32,
    pub seed: u64,
    pub replications: u32,
    #[serde(default)]
    pub warmup_h: f64,
}

/// A journal line: one candidate's parameter values and, per replication, every KPI's mean over
/// the scenarios.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Its index among the search's candidates.
    pub candidate: usize,
    pub values: Vec<f64>,
    /// `kpis[r][k]`: replication `r`, KPI `k` (of `sim::KPIS`). Undefined values (NaN) are
    /// written as `null`.
    #[serde(deserialize_with = "reports::nullable_rows")]
    pub kpis: Vec<Vec<f64>>,
}

/// An open journal: the candidates it holds, appended to as more are measured.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: std::fs::File,
    /// The candidates measured, in the order they finished.
    pub done: Vec<Measured>,
    /// A torn last line (an interrupted write) was cut off the file.
    pub torn: bool,
}

impl Journal {
    /// Opens the journal [`JOURNAL`] in `dir` for the search `header` with candidates `cands`:
    /// resumed when it holds the same search, else started afresh (`dir` created if missing). A
    /// journal of another search is kept unless `force`.
    pub fn open(dir: &Path, header: &Header, cands: &[Vec<f64>], force: bool) -> Result<Journal, ExperimentError> {
        let path = &dir.join(JOURNAL);
        let (done, torn) = resume(path, header, cands, force)?;
        std::fs::create_dir_all(dir).map_err(|source| ExperimentError::File {
            action: "creating",
            path: dir.to_path_buf(),
            source,
        })?;
        let file = if done.is_empty() {
            let creating = |source| ExperimentError::File { action: "creating", path: path.to_path_buf(), source };
            let mut f = std::fs::File::create(path).map_err(creating)?;
            f.write_all(format!("{}\n", serde_json::to_string(header)?).as_bytes())?;
            f
        } else {
            std::fs::OpenOptions::new().append(true).open(path)?
        };
        Ok(Journal { path: path.to_path_buf(), file, done, torn })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a measured candidate, in one write, so an interruption tears at most this line.
    pub fn append(&mut self, line: Measured) -> Result<(), ExperimentError> {
        self.file.write_all(format!("{}\n", serde_json::to_string(&line)?).as_bytes())?;
        self.file.flush()?;
        self.done.push(line);
        Ok(())
    }
}

/// Candidates already done by the same search in `journal`, each checked against the search
/// (`cands`, the header's replications), and whether a torn last line (an interrupted write: no
/// newline at its end) was cut off the file, so the next candidate is appended after the last
/// good line. Another search's journal is kept unless `force`.
fn resume(
    journal: &Path,
    header: &Header,
    cands: &[Vec<f64>],
    force: bool,
) -> Result<(Vec<Measured>, bool), ExperimentError> {
    let Ok(text) = std::fs::read_to_string(journal) else { return Ok((Vec::new(), false)) };
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    let mut lines = text[..complete].lines();
    // Not even the header was written whole: nothing to resume.
    let Some(first) = lines.next() else { return Ok((Vec::new(), false)) };
    let same = serde_json::from_str::<Header>(first).ok().is_some_and(|h| h == *header);
    if !same {
        if force {
            return Ok((Vec::new(), false));
        }
        return Err(ExperimentError::OtherSearch { journal: journal.to_path_buf() });
    }
    let mut done: Vec<Measured> = Vec::new();
    for (i, line) in lines.enumerate() {
        let place = format!("{}:{}", journal.display(), i + 2);
        let d: Measured = serde_json::from_str(line)
            .map_err(|e| ExperimentError::JournalLine { place: place.clone(), message: e.to_string() })?;
        check_done(&d, cands, header.replications, &done).map_err(|(field, message)| ExperimentError::JournalLine {
            place: place.clone(),
            message: format!("{field}: {message}"),
        })?;
        done.push(d);
    }
    let torn = complete < text.len();
    if torn {
        let file = std::fs::OpenOptions::new().write(true).open(journal);
        file.and_then(|f| f.set_len(complete as u64)).map_err(|source| ExperimentError::File {
            action: "truncating",
            path: journal.to_path_buf(),
            source,
        })?;
    }
    Ok((done, torn))
}

/// A journal line fits the search: a candidate of it, not done before, with its values, a row
/// per replication and a finite value per KPI in each.
fn check_done(
    d: &Measured,
    cands: &[Vec<f64>],
    replications: u32,
    before: &[Measured],
) -> Result<(), (String, String)> {
    let bad = |field: &str, message: String| Err((field.to_string(), message));
    let Some(values) = cands.get(d.candidate) else {
        return bad(
            "candidate",
            format!("{} is not a candidate of this search (0 to {})", d.candidate, cands.len() - 1),
        );
    };
    if before.iter().any(|b| b.candidate == d.candidate) {
        return bad("candidate", format!("{} appears twice", d.candidate));
    }
    if d.values != *values {
        return bad(
            "values",
            format!("{:?} are not candidate {}'s values in this search, {values:?}", d.values, d.candidate),
        );
    }
    if d.kpis.len() != replications as usize {
        return bad("kpis", format!("{} replications, the search has {replications}", d.kpis.len()));
    }
    for (r, row) in d.kpis.iter().enumerate() {
        if row.len() != KPIS.len() {
            return bad(&format!("kpis[{r}]"), format!("{} values, expected one per KPI ({})", row.len(), KPIS.len()));
        }
        if let Some(k) = row.iter().position(|x| !x.is_nan() && !reports::saved::usable(*x)) {
            return bad(&format!("kpis[{r}][{k}]"), format!("{} is not a finite number", row[k]));
        }
    }
    Ok(())
}
