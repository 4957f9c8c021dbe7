//! Results written whole or not at all: files staged out of sight, synced, then renamed into
//! place together ([`Staged`]).

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file or folder could not be written. `path` names it; the OS error is the source (so an
/// error chain prints it once).
#[derive(Debug, thiserror::Error)]
#[error("{path}")]
pub struct WriteError {
    pub path: String,
    pub source: std::io::Error,
}

impl WriteError {
    fn at(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
        move |source| WriteError { path: path.display().to_string(), source }
    }
}

/// Staging folders beside a destination folder `NAME` are `.NAME.dtwin-staging.PID`; inside it
/// (when the folder beside cannot be used) `.dtwin-staging.PID`; a staged file `NAME` is
/// `.NAME.dtwin-staging.PID` beside it. A write removes those an interrupted one left.
pub(crate) const STAGING: &str = ".dtwin-staging.";

/// Files written completely, somewhere they are not seen, and moved into place by
/// [`Staged::commit`]. Dropped without a commit (an error, or a panic), it removes what it
/// wrote and the folders it created. A process killed before the commit leaves its staging
/// beside the destination, never in it, and the next write to the same destination removes it.
#[must_use = "nothing is in place until commit"]
pub struct Staged {
    /// Renames done by the commit, in order.
    moves: Vec<(PathBuf, PathBuf)>,
    /// Files removed after the renames (results of an earlier write not written this time).
    stale: Vec<PathBuf>,
    /// The staging folder or file, removed after the commit or when dropped.
    staging: PathBuf,
    /// Folders created for the staging, innermost last: removed (if empty) unless committed.
    created: Vec<PathBuf>,
    committed: bool,
}

impl Staged {
    /// Stages `files` (name, contents) for folder `dir`. When `dir` does not exist, the commit
    /// renames the staging folder to `dir`, so it appears with every file in it or not at all;
    /// when it does, each file is renamed into it. Names in `kind` (the files this kind of result
    /// may hold) not among `files` are removed by the commit: they belonged to earlier results.
    pub fn folder(dir: &Path, files: Vec<(String, Vec<u8>)>, kind: &[&str]) -> Result<Staged, WriteError> {
        let exists = match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => true,
            Ok(_) => return Err(WriteError::at(dir)(std::io::Error::from(std::io::ErrorKind::NotADirectory))),
            Err(_) => false,
        };
        let real = if exists { dir.canonicalize().map_err(WriteError::at(dir))? } else { dir.to_path_buf() };
        let (Some(name), Some(parent)) = (real.file_name(), real.parent()) else {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a folder for results");
            return Err(WriteError::at(dir)(e));
        };
        let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
        let beside = format!(".{}{STAGING}", name.to_string_lossy());
        let created = create_missing(parent)?;
        let mut staged =
            Staged { moves: Vec::new(), stale: Vec::new(), staging: PathBuf::new(), created, committed: false };
        remove_staging(parent, &beside);
        if exists {
            remove_staging(&real, STAGING);
        }
        let pid = std::process::id();
        // Beside the folder: a rename from there into it stays on one file system, unless the
        // folder is a mount point (or its parent is not writable): then inside it, hidden.
        let mut staging = parent.join(format!("{beside}{pid}"));
        let mut made = (!exists || same_device(parent, &real)).then(|| std::fs::create_dir(&staging));
        if exists && !matches!(made, Some(Ok(()))) {
            staging = real.join(format!("{STAGING}{pid}"));
            made = Some(std::fs::create_dir(&staging));
        }
        // Errors name what the user asked for, not the staging.
        made.expect("tried one place at least").map_err(WriteError::at(dir))?;
        staged.staging = staging.clone();
        for (file, bytes) in &files {
            write_synced(&staging.join(file), bytes).map_err(|e| WriteError::at(&dir.join(file))(e.source))?;
        }
        if exists {
            staged.moves = files.iter().map(|(f, _)| (staging.join(f), real.join(f))).collect();
            staged.stale = kind.iter().filter(|k| !files.iter().any(|(f, _)| f == *k)).map(|k| real.join(k)).collect();
        } else {
            staged.moves = vec![(staging, real)];
        }
        Ok(staged)
    }

    /// Stages `bytes` for file `path`, whose folder must exist.
    pub fn file(path: &Path, bytes: &[u8]) -> Result<Staged, WriteError> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let Some(name) = path.file_name() else {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name");
            return Err(WriteError::at(path)(e));
        };
        let prefix = format!(".{}{STAGING}", name.to_string_lossy());
        remove_staging(dir, &prefix);
        let staging = dir.join(format!("{prefix}{}", std::process::id()));
        let staged = Staged {
            moves: vec![(staging.clone(), path.to_path_buf())],
            stale: Vec::new(),
            staging: staging.clone(),
            created: Vec::new(),
            committed: false,
        };
        write_synced(&staging, bytes).map_err(|e| WriteError::at(path)(e.source))?;
        Ok(staged)
    }

    /// Moves the staged files into place and removes stale ones.
    pub fn commit(mut self) -> Result<(), WriteError> {
        for (from, to) in &self.moves {
            std::fs::rename(from, to).map_err(WriteError::at(to))?;
        }
        for path in &self.stale {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(WriteError::at(path)(e)),
                _ => {}
            }
        }
        self.committed = true;
        // A folder staged for files moved into an existing folder is empty now.
        let _ = std::fs::remove_dir(&self.staging);
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let _ = if self.staging.is_dir() {
            std::fs::remove_dir_all(&self.staging)
        } else {
            std::fs::remove_file(&self.staging)
        };
        for dir in self.created.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Creates `dir` and its missing parents, returning those it created, outermost first.
fn create_missing(dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
    let missing: Vec<PathBuf> =
        dir.ancestors().take_while(|a| !a.as_os_str().is_empty() && !a.exists()).map(Path::to_path_buf).collect();
    let mut created = Vec::new();
    for d in missing.into_iter().rev() {
        if let Err(e) = std::fs::create_dir(&d) {
            for c in created.iter().rev() {
                let _ = std::fs::remove_dir(c);
            }
            return Err(WriteError::at(&d)(e));
        }
        created.push(d);
    }
    Ok(created)
}

/// Removes what interrupted writes left in `dir`: entries named `prefix` and a process id.
fn remove_staging(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else { continue };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let _ = if e.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(e.path())
        } else {
            std::fs::remove_file(e.path())
        };
    }
}

#[cfg(unix)]
fn same_device(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_device(_: &Path, _: &Path) -> bool {
    true
}

/// Writes a new file and syncs it to disk (like any new file: 0666 less the umask).
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = WriteError::at(path);
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create_new(path)?;
        f.write_all(bytes)?;
        f.sync_all()
    };
    write().map_err(err)
}

/// Writes `bytes` to `path` atomically: staged beside it, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    Staged::file(path, bytes)?.commit()
}

/// Writes files into `dir` (created if missing) so that none is replaced before all are fully
/// written.
pub fn write_together(dir: &Path, files: Vec<(String, Vec<u8>)>) -> Result<(), WriteError> {
    Staged::folder(dir, files, &[])?.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn results_are_readable_by_others_like_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        write_atomic(&path, b"{}").unwrap();
        std::fs::write(dir.path().join("plain"), b"{}").unwrap();
        let mode = |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().permissions().mode();
        assert_eq!(mode("x.json"), mode("plain"), "as a plain write under the same umask, not 0600");
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        n.sort();
        n
    }

    fn one(name: &str, bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        vec![(name.to_string(), bytes.to_vec())]
    }

    #[test]
    fn a_write_killed_before_its_commit_leaves_nothing_in_the_folder_and_the_next_clears_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        // Killed after staging: no destructor runs.
        std::mem::forget(Staged::folder(&out, one("a.json", b"1"), &[]).unwrap());
        assert!(!out.exists(), "a new folder appears only with its files");
        let left = names(dir.path());
        assert!(left.len() == 1 && left[0].starts_with(".out.dtwin-staging."), "{left:?}");
        write_together(&out, one("a.json", b"2")).unwrap();
        assert_eq!(names(dir.path()), ["out"], "the next write clears the staging beside");
        // Into a folder that exists: staged beside it too, never in it.
        std::mem::forget(Staged::folder(&out, one("a.json", b"3"), &[]).unwrap());
        assert_eq!(names(&out), ["a.json"]);
        assert_eq!(std::fs::read(out.join("a.json")).unwrap(), b"2");
        write_together(&out, one("a.json", b"4")).unwrap();
        assert_eq!(
            (names(dir.path()), std::fs::read(out.join("a.json")).unwrap()),
            (vec!["out".into()], b"4".to_vec())
        );
        // A single file: staged beside it, cleared by the next write of it.
        let file = dir.path().join("f.txt");
        std::mem::forget(Staged::file(&file, b"x").unwrap());
        assert!(!file.exists());
        write_atomic(&file, b"y").unwrap();
        assert_eq!(names(dir.path()), ["f.txt", "out"]);
    }

    #[test]
    fn a_write_given_up_removes_its_staging_and_the_folders_it_created() {
        let dir = tempfile::tempdir().unwrap();
        drop(Staged::folder(&dir.path().join("a/b/out"), one("a.json", b"1"), &[]).unwrap());
        assert_eq!(names(dir.path()), Vec::<String>::new());
        // A failure on the way (a file name no file system takes) does the same.
        let long = "x".repeat(300);
        assert!(write_together(&dir.path().join("c/out"), one(&long, b"1")).is_err());
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn files_of_the_kind_not_written_again_are_removed_as_stale() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let both = vec![("a".to_string(), b"1".to_vec()), ("b".to_string(), b"1".to_vec())];
        Staged::folder(&out, both, &["a", "b"]).unwrap().commit().unwrap();
        std::fs::write(out.join("mine"), b"").unwrap();
        Staged::folder(&out, one("a", b"2"), &["a", "b"]).unwrap().commit().unwrap();
        assert_eq!(names(&out), ["a", "mine"]);
    }
}
