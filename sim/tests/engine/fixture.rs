//! Scenarios derived from the shipped ones, the way a user derives them: an overlay that
//! `extends` the shipped file and states only what changes (docs/scenario.md, "overlays").
//!
//! An overlay cannot miss what it changes: a key it sets is the key it names, and a key the base
//! does not take is an error at load. What an overlay cannot say — that a key or table is gone —
//! [`single_file`] says on the parsed file, and panics if the key is not there.
//!
//! Overlay text follows TOML's rule: keys before the first `[table]` are the scenario's own
//! (`horizon_h`, an inline `policy = { ... }`); after it they belong to that table. An array of
//! tables (`[[drivers]]`) is replaced whole, so an overlay changing one element states them all.

use std::path::{Path, PathBuf};

use sim::{Scenario, ScenarioError};
use toml::{Table, Value};

use crate::repo;

pub const TINY: &str = "scenarios/tiny.toml";

/// tiny's policy replaced by `carrier_overflow`, which tenders urgent orders to the carrier.
pub const OVERFLOW: &str = "[policy]\nkind = \"carrier_overflow\"\nmax_price = 60\n";

/// tiny's two shifts with three drivers each instead of five.
pub const FEWER_DRIVERS: &str = "[[drivers]]\nsite = \"depot\"\ncount = 3\nshift = [\"05:30\", \"14:00\"]\novertime_max_min = 90\n\n[[drivers]]\nsite = \"depot\"\ncount = 3\nshift = [\"13:00\", \"21:30\"]\novertime_max_min = 90\n";

/// A scenario file written to a fresh folder (removed when this is dropped); files it names by
/// relative paths are looked for beside it.
pub struct Derived {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Derived {
    /// `overlay` over the shipped scenario `base` (a path from the repository root): the file
    /// `overlay.toml` holding `extends = "<base, absolute>"` and then `overlay`.
    pub fn overlay(base: &str, overlay: &str) -> Derived {
        let base = repo(base).canonicalize().unwrap_or_else(|e| panic!("{base}: {e}"));
        let base = base.to_str().expect("a UTF-8 path");
        Derived::write("overlay.toml", &format!("extends = {}\n{overlay}", Value::from(base)))
    }

    /// `text` as the whole scenario file `name`.
    pub fn write(name: &str, text: &str) -> Derived {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        Derived { dir, path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder the file is in, for the files it names.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The file as written.
    pub fn text(&self) -> String {
        std::fs::read_to_string(&self.path).unwrap()
    }

    /// Loads the file as `Scenario::load` does.
    pub fn load(&self) -> Result<Scenario, ScenarioError> {
        Scenario::load(&self.path)
    }

    /// The scenario; panics with the error if it does not load.
    pub fn scenario(&self) -> Scenario {
        self.load().unwrap_or_else(|e| panic!("{e}\n{}", self.text()))
    }

    /// The error it loads with; panics if it loads.
    pub fn error(&self) -> ScenarioError {
        match self.load() {
            Ok(_) => panic!("accepted:\n{}", self.text()),
            Err(e) => e,
        }
    }
}

/// tiny with `overlay`.
pub fn tiny(overlay: &str) -> Scenario {
    Derived::overlay(TINY, overlay).scenario()
}

/// The error tiny with `overlay` gives.
pub fn tiny_error(overlay: &str) -> ScenarioError {
    Derived::overlay(TINY, overlay).error()
}

/// The shipped scenario `base` (which extends no other) as a single file, `scenario.toml` (its keys
/// in TOML's sorted order), without the keys at `removed` (field names: `carrier[0].name`,
/// `fleet`) and then with the tables of `added` (tables it lacks, or more `[[entries]]`). For
/// what an overlay cannot say — a key gone — or be: a file that extends nothing. Panics if a
/// removed key is not there or an added table is.
pub fn single_file(base: &str, added: &str, removed: &[&str]) -> Derived {
    let mut table = parsed(base);
    assert!(!table.contains_key("extends"), "{base} extends another: the written file would lose its base");
    for path in removed {
        let (parent, key) = path.rsplit_once('.').map_or((None, *path), |(p, k)| (Some(p), k));
        let parent = match parent {
            None => &mut table,
            Some(p) => walk(&mut table, p).as_table_mut().unwrap_or_else(|| panic!("{base}: {p} is not a table")),
        };
        assert!(parent.remove(key).is_some(), "{base} has no {path}");
    }
    let added: Table = toml::from_str(added).unwrap_or_else(|e| panic!("{e}"));
    for (key, value) in added {
        match (table.get_mut(&key), value) {
            (None, value) => {
                table.insert(key, value);
            }
            (Some(Value::Array(entries)), Value::Array(more)) => entries.extend(more),
            _ => panic!("{base} has {key} already: remove it first"),
        }
    }
    Derived::write("scenario.toml", &toml::to_string(&table).unwrap())
}

/// The value at `path` (a field name, as in [`single_file`]) in the shipped scenario `base`; panics
/// if there is none.
pub fn value(base: &str, path: &str) -> Value {
    walk(&mut parsed(base), path).clone()
}

fn parsed(base: &str) -> Table {
    toml::from_str(&std::fs::read_to_string(repo(base)).unwrap()).unwrap_or_else(|e| panic!("{base}: {e}"))
}

/// The value at `path` (`a.b[2].c`); panics naming the path if it is not there.
fn walk<'t>(table: &'t mut Table, path: &str) -> &'t mut Value {
    let missing = || -> ! { panic!("no {path} in the scenario") };
    let mut segments = path.split('.');
    let (key, indexes) = split_index(segments.next().unwrap());
    let mut value = table.get_mut(key).unwrap_or_else(|| missing());
    let mut indexes = indexes;
    loop {
        for i in indexes {
            value = value.as_array_mut().and_then(|a| a.get_mut(i)).unwrap_or_else(|| missing());
        }
        let Some(segment) = segments.next() else { return value };
        let (key, next) = split_index(segment);
        value = value.as_table_mut().and_then(|t| t.get_mut(key)).unwrap_or_else(|| missing());
        indexes = next;
    }
}

/// `name[1][2]` as ("name", [1, 2]).
fn split_index(segment: &str) -> (&str, Vec<usize>) {
    let (key, rest) = segment.split_once('[').map_or((segment, ""), |(k, r)| (k, r));
    let indexes = rest.split('[').filter(|s| !s.is_empty()).map(|s| s.trim_end_matches(']').parse().unwrap()).collect();
    (key, indexes)
}

#[test]
#[should_panic(expected = "scenarios/tiny.toml has no carrier[0].nam")]
fn removing_a_key_that_is_not_there_panics() {
    single_file(TINY, "", &["carrier[0].nam"]);
}

#[test]
#[should_panic(expected = "scenarios/tiny.toml has policy already")]
fn adding_a_table_that_is_there_panics() {
    single_file(TINY, "[policy]\nkind = \"nearest_vehicle\"\n", &[]);
}

#[test]
#[should_panic(expected = "no orders.destinations.radius in the scenario")]
fn reading_a_value_that_is_not_there_panics() {
    value(TINY, "orders.destinations.radius");
}

#[test]
fn a_single_file_is_the_base_less_what_it_removes_plus_what_it_adds() {
    let tiny = crate::load(TINY);
    let s = single_file(TINY, "[[fleet]]\nsite = \"depot\"\ntype = \"van\"\ncount = 2\n", &["carrier"]).scenario();
    assert_eq!((s.carriers.len(), s.vehicles.len()), (0, tiny.vehicles.len() + 2));
    assert_eq!(value(TINY, "drivers[1].shift[0]").as_str(), Some("13:00"));
}
