//! Reading the files a user names: plain files only, of bounded size, so that a path to a device
//! (`/dev/zero`), a FIFO or a runaway file is an error naming it instead of a hang or all the
//! machine's memory.

use std::io::Read;
use std::path::Path;

use super::ScenarioError;
use super::error::line_col;

/// The bytes of the plain file at `path`, at most `max_bytes` of them: anything else (a
/// directory, a device, a FIFO, which would block until someone writes to it) or a longer file
/// is an error, found before reading.
pub fn read_input(path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let what = if meta.is_dir() { "a folder" } else { "not a plain file" };
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, what));
    }
    let too_long = || {
        let m = format!("larger than the limit of {} MiB", max_bytes >> 20);
        std::io::Error::new(std::io::ErrorKind::FileTooLarge, m)
    };
    if meta.len() > max_bytes {
        return Err(too_long());
    }
    // Bounded again while reading: the file may grow (or be replaced) after its length was read.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?.take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_long());
    }
    Ok(bytes)
}

/// `bytes` read from `path` as text; an error names the line and column of the first byte that
/// is not UTF-8.
pub(crate) fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let (line, column) = line_col(std::str::from_utf8(&bytes[..valid]).expect("valid up to here"), valid);
        ScenarioError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            field: "(document)".into(),
            message: format!("not UTF-8 text: byte 0x{:02x}", bytes[valid]),
        }
    })
}

/// The text of the plain file at `path`, at most [`super::limits::TEXT_FILE_BYTES`] long.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    let bytes = read_input(path, super::limits::TEXT_FILE_BYTES)
        .map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    utf8(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_files_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "12345").unwrap();
        assert_eq!(read_input(&path, 5).unwrap(), b"12345");
        let err = read_input(&path, 4).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge, "{err}");
        let err = read_input(dir.path(), 100).unwrap_err();
        assert_eq!(err.to_string(), "a folder");
        let err = read_input(Path::new("/dev/zero"), 100).unwrap_err();
        assert_eq!(err.to_string(), "not a plain file");
    }

    #[test]
    fn text_that_is_not_utf8_names_line_and_column() {
        let err = utf8(Path::new("s.toml"), b"a = 1\nname = \"t\xff\"\n".to_vec()).unwrap_err();
        assert_eq!(err.to_string(), "s.toml:2:10: (document): not UTF-8 text: byte 0xff");
    }
}
