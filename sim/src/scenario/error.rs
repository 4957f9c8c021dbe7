use std::path::PathBuf;

/// Why a scenario could not be loaded. Every variant names the file; `Invalid` also the line,
/// column and field, so the user can go straight to the mistake.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read: check the path and permissions.
    #[error("{}: cannot read: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A value is malformed, out of range, unknown, or refers to something that does not exist.
    #[error("{}:{line}:{column}: {field}: {message}", path.display())]
    Invalid { path: PathBuf, line: usize, column: usize, field: String, message: String },
}

/// Why a time written in a scenario or order file is refused: write it as the message says.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// Not a time of day `HH:MM` or `HH:MM:SS` between 00:00 and 24:00 (`text` as written).
    #[error("expected a time of day \"HH:MM\" or \"HH:MM:SS\" between 00:00 and 24:00, got {text:?}")]
    ClockTime { text: String },
    /// An order file's time that is neither minutes >= 0 nor a time of day.
    #[error("expected minutes >= 0 or \"HH:MM\", got {text:?}")]
    Minutes { text: String },
}

/// Why a warm-up period is refused ([`crate::Scenario::set_warmup`]): choose one shorter than
/// the horizon.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WarmupError {
    /// `hours` is negative, not a number, or not less than the horizon.
    #[error("warm-up must be at least 0 and less than the horizon ({horizon_h} h), got {hours}")]
    OutOfRange { hours: f64, horizon_h: f64 },
}

/// 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Converts a toml deserialisation error, recovering the field's path: the dotted keys toml
/// reports, with the index of the `[[array]]` table the error is in, and the unknown key if any.
pub(crate) fn from_toml(path: &std::path::Path, text: &str, err: toml::de::Error) -> ScenarioError {
    from_toml_at(path, text, err, "")
}

/// As [`from_toml`], for an error in the value at `prefix` (`disruption[1]`, `policy`; empty for
/// the document): its key path is `prefix` then the keys toml reports.
pub(crate) fn from_toml_at(path: &std::path::Path, text: &str, err: toml::de::Error, prefix: &str) -> ScenarioError {
    let offset = err.span().map_or(0, |s| s.start);
    let (line, column) = line_col(text, offset);
    // The key path is only printed when the error carries no input text.
    let mut bare = err.clone();
    bare.set_input(None);
    let rendered = bare.to_string();
    let keys: Vec<&str> = rendered
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("in `").and_then(|l| l.strip_suffix('`')))
        .map_or(Vec::new(), |k| k.split('.').collect());
    let mut field = prefix.to_string();
    for (i, key) in keys.iter().enumerate() {
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(key);
        // The index of an `[[array]]` table of the document; a value at a prefix knows its own.
        let header = format!("[[{}]]", keys[..=i].join("."));
        // Up to the end of the error's line: a missing key is reported at its table's header.
        let upto = text[offset.min(text.len())..].find('\n').map_or(text.len(), |n| offset + n);
        let tables = text[..upto].lines().filter(|l| l.trim() == header).count();
        if tables > 0 && prefix.is_empty() {
            field.push_str(&format!("[{}]", tables - 1));
        }
    }
    let mut message = err.message().trim().to_string();
    // toml's own words for a struct variant's unknown key, as serde says it elsewhere.
    if let Some((extra, known)) =
        message.strip_prefix("unexpected keys in table: ").and_then(|m| m.split_once(", available keys: "))
    {
        let extra = extra.split(", ").next().unwrap_or(extra);
        let known: Vec<String> = known.split(", ").map(|k| format!("`{k}`")).collect();
        message = format!("unknown field `{extra}`, expected one of {}", known.join(", "));
    }
    let named =
        ["unknown field `", "duplicate field `", "missing field `"].iter().find_map(|p| message.strip_prefix(p));
    if let Some(key) = named.and_then(|m| m.split('`').next())
        && !field.ends_with(&format!(".{key}"))
    {
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(key);
    }
    if field.is_empty() {
        field = "(document)".into();
    }
    ScenarioError::Invalid { path: path.to_path_buf(), line, column, field, message }
}
