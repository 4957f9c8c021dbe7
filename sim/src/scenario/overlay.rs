//! Overlays: a scenario that `extends` another and changes only what it names.
//!
//! The overlay's tables are merged into its base's, key by key; `[[disruption]]` entries are added
//! to the base's; any other value, arrays of tables included, replaces the base's, and so does an
//! inline table (`size = { dist = "fixed", value = 3 }`) or a table of another `kind` or `dist`
//! (a distribution or a policy is replaced whole, never mixed with the base's). The base may not
//! itself extend another file. Relative paths are resolved from the overlay's folder. An error in
//! the merged scenario is reported where its field is written: in the overlay if it sets it, else
//! in the base.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

use super::ScenarioError;
use super::de::span_of;
use super::error::{from_toml, line_col};

/// The merged scenario text, if `text` (read from `path`) extends a base.
pub(super) fn merged(path: &Path, text: &str) -> Result<Option<(String, Sources)>, ScenarioError> {
    let overlay: Table = toml::from_str(text).map_err(|e| from_toml(path, text, e))?;
    let Some(base_name) = overlay.get("extends") else { return Ok(None) };
    let at = |field: &str, message: String| locate(path, text, field).with_message(message);
    let Value::String(base_name) = base_name else {
        return Err(at("extends", "must be the path of the base scenario, a string".into()));
    };
    let base_path = path.parent().unwrap_or(Path::new("")).join(base_name);
    let base_bytes = super::read_input(&base_path, super::limits::TEXT_FILE_BYTES)
        .map_err(|e| at("extends", format!("cannot read {}: {e}", base_path.display())))?;
    let base_text = super::files::utf8(&base_path, base_bytes)?;
    let mut base: Table = toml::from_str(&base_text).map_err(|e| from_toml(&base_path, &base_text, e))?;
    if base.contains_key("extends") {
        return Err(
            locate(&base_path, &base_text, "extends").with_message("a base scenario may not extend another".into())
        );
    }
    let base_disruptions = base.get("disruption").and_then(Value::as_array).map_or(0, Vec::len);
    let mut overlay = overlay;
    overlay.remove("extends");
    let written = DeTable::parse(text).map_err(|e| from_toml(path, text, e))?;
    merge(&mut base, overlay, Some(written.get_ref()), text);
    let merged = toml::to_string(&base).expect("a table serialises");
    let sources =
        Sources { overlay: (path.to_path_buf(), text.to_string()), base: (base_path, base_text), base_disruptions };
    Ok(Some((merged, sources)))
}

/// Merges `overlay` into `base`; `written` is the overlay's table as parsed from `text`, to tell
/// inline tables from the others.
fn merge(base: &mut Table, overlay: Table, written: Option<&DeTable<'_>>, text: &str) {
    for (key, value) in overlay {
        let written = written.and_then(|w| w.get(key.as_str()));
        let inline = written.is_some_and(|w| text[w.span().start..].starts_with('{'));
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(o)) if !inline && same_tags(b, &o) => {
                let sub = written.and_then(|w| match w.get_ref() {
                    DeValue::Table(t) => Some(t),
                    _ => None,
                });
                merge(b, o, sub, text);
            }
            (Some(Value::Array(b)), Value::Array(o)) if key == "disruption" => b.extend(o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Whether `overlay` names no other `kind` or `dist` than `base`: else it is another thing, not a
/// change to it.
fn same_tags(base: &Table, overlay: &Table) -> bool {
    ["kind", "dist"].iter().all(|tag| overlay.get(*tag).is_none_or(|o| base.get(*tag) == Some(o)))
}

/// Where the merged scenario came from.
pub(super) struct Sources {
    overlay: (PathBuf, String),
    base: (PathBuf, String),
    base_disruptions: usize,
}

impl Sources {
    /// Moves an error found in the merged text to the file and line where its field is written.
    /// Errors in the files the scenario names (an order CSV, a plan) keep their own place.
    pub(super) fn relocate(&self, err: ScenarioError) -> ScenarioError {
        let (overlay_path, overlay_text) = &self.overlay;
        match &err {
            ScenarioError::Invalid { path, .. } if path == overlay_path => {}
            _ => return err,
        }
        let ScenarioError::Invalid { field, message, .. } = err else { unreachable!("matched above") };
        let (base_path, base_text) = &self.base;
        // Disruptions are numbered across both files: the base's first.
        let in_overlay = shift_disruption(&field, self.base_disruptions);
        if let Some(f) = in_overlay.as_deref().or(Some(field.as_str()).filter(|f| !f.starts_with("disruption[")))
            && let Some(e) = find(overlay_path, overlay_text, f)
        {
            return e.with_message(message);
        }
        if let Some(e) = find(base_path, base_text, &field) {
            return e.with_message(message);
        }
        locate(overlay_path, overlay_text, &field).with_message(message)
    }
}

/// `disruption[i]...` of the merged file as the overlay numbers it, if it is one of the overlay's.
fn shift_disruption(field: &str, base: usize) -> Option<String> {
    let rest = field.strip_prefix("disruption[")?;
    let (index, tail) = rest.split_once(']')?;
    let index: usize = index.parse().ok()?;
    (index >= base).then(|| format!("disruption[{}]{tail}", index - base))
}

/// The error at `field` in `text`, if the text writes that field.
fn find(path: &Path, text: &str, field: &str) -> Option<Located> {
    let doc = DeTable::parse(text).ok()?;
    let (line, column) = line_col(text, span_of(&doc, field)?.start);
    Some(Located { path: path.to_path_buf(), line, column, field: field.to_string() })
}

/// Line 1 of `path` when the field is not written anywhere (a missing one, say).
fn locate(path: &Path, text: &str, field: &str) -> Located {
    find(path, text, field).unwrap_or(Located {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
        field: field.to_string(),
    })
}

struct Located {
    path: PathBuf,
    line: usize,
    column: usize,
    field: String,
}

impl Located {
    fn with_message(self, message: String) -> ScenarioError {
        ScenarioError::Invalid { path: self.path, line: self.line, column: self.column, field: self.field, message }
    }
}
