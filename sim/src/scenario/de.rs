//! Deserialising from the parsed document so that every error keeps its key's position.
//!
//! serde buffers an internally tagged enum (`kind = "weather"` beside the variant's fields) before
//! it reads it, and toml's positions are lost in the buffer: errors in `[[disruption]]`,
//! `[policy]` or a policy file would all point at the table, or at line 1. So tagged tables are
//! rewritten as externally tagged ones (`{ weather = { ... } }`), which toml reads directly, with
//! the positions of the original keys.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::ScenarioError;
use super::error::from_toml_at;

/// Deserialises `value`; errors are named `prefix.KEY` and placed where toml found them.
pub(super) fn value<'a, T: Deserialize<'a>>(
    path: &Path,
    text: &str,
    value: Spanned<DeValue<'a>>,
    prefix: &str,
) -> Result<T, ScenarioError> {
    T::deserialize(ValueDeserializer::from(value)).map_err(|e| from_toml_at(path, text, e, prefix))
}

/// `{ tag = "name", rest... }` as `{ name = { rest... } }`, keeping every span; `name` takes the span
/// of the tag's value, so that an unknown variant points at it. `None` when the value is not a
/// table or has no string `tag`: the error says which.
pub(super) fn untag<'a>(
    value: Spanned<DeValue<'a>>,
    tag: &str,
) -> Result<Spanned<DeValue<'a>>, (Range<usize>, String)> {
    let span = value.span();
    let DeValue::Table(mut table) = value.into_inner() else {
        return Err((span, format!("must be a table with `{tag}`")));
    };
    let Some(name) = table.remove(tag) else {
        return Err((span, format!("missing field `{tag}`")));
    };
    let name_span = name.span();
    let DeValue::String(name) = name.into_inner() else {
        return Err((name_span, format!("`{tag}` must be a string")));
    };
    let mut outer = DeTable::new();
    outer.insert(Spanned::new(name_span, name), Spanned::new(span.clone(), DeValue::Table(table)));
    Ok(Spanned::new(span, DeValue::Table(outer)))
}

/// The position of `field` (`site[0].location`, `disruption[1].polygon[2]`) in the document: its
/// key for a table entry, its value for an array element; `None` when the file does not write it.
pub(crate) fn span_of(doc: &Spanned<DeTable<'_>>, field: &str) -> Option<Range<usize>> {
    let mut span = doc.span();
    let mut value: Option<&DeValue<'_>> = None;
    let mut table = doc.get_ref();
    for segment in segments(field) {
        let next = match (segment, value) {
            (Segment::Key(k), None) | (Segment::Key(k), Some(DeValue::Table(_))) => {
                let (key, v) = table.get_key_value(k)?;
                span = key.span();
                v
            }
            (Segment::Index(i), Some(DeValue::Array(a))) => {
                let v = a.get(i)?;
                span = v.span();
                v
            }
            _ => return None,
        };
        value = Some(next.get_ref());
        if let DeValue::Table(t) = next.get_ref() {
            table = t;
        }
    }
    Some(span)
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `site[0].load_fixed_min` -> site, 0, load_fixed_min.
fn segments(field: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in field.split('.') {
        let (key, indexes) = part.split_once('[').map_or((part, ""), |(k, rest)| (k, rest));
        out.push(Segment::Key(key));
        for i in indexes.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = i.trim_end_matches(']').parse() {
                out.push(Segment::Index(i));
            }
        }
    }
    out
}
