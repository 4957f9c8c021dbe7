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

/// 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Converts a toml deserialisation error, recovering the dotted key path of the field.
pub(crate) fn from_toml(path: &std::path::Path, text: &str, err: toml::de::Error) -> ScenarioError {
    let (line, column) = err.span().map_or((1, 1), |s| line_col(text, s.start));
    // The key path is only printed when the error carries no input text.
    let mut bare = err.clone();
    bare.set_input(None);
    let rendered = bare.to_string();
    let field = rendered
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("in `").and_then(|l| l.strip_suffix('`')))
        .unwrap_or("(document)")
        .to_string();
    ScenarioError::Invalid { path: path.to_path_buf(), line, column, field, message: err.message().trim().to_string() }
}
