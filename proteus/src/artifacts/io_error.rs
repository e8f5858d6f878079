//! The one I/O error of the crate's file handling: what was being done, to which path, and the
//! operating system's reason. Every error enum that touches files wraps it (`Io(IoError)`), so
//! the message reads the same wherever a read, write or removal fails.

use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A failed file operation: `{action} {path}: {cause}`, e.g. `writing out/fills.csv: No space
/// left on device (os error 28)`.
#[derive(Debug, Error)]
#[error("{action} {path}: {cause}")]
pub struct IoError {
    /// What was being done, as a verb phrase (`reading`, `removing checkpoint`).
    pub action: &'static str,
    pub path: PathBuf,
    pub cause: io::Error,
}

impl IoError {
    pub fn new(action: &'static str, path: impl Into<PathBuf>, cause: io::Error) -> IoError {
        IoError {
            action,
            path: path.into(),
            cause,
        }
    }

    /// A `map_err` adapter: `fs::read(p).map_err(IoError::at("reading", p))?`, where `?`
    /// converts the [`IoError`] into the caller's error.
    pub fn at<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> IoError + 'a {
        move |cause| IoError::new(action, path, cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_action_path_cause() {
        let e = IoError::new(
            "reading",
            "out/fills.csv",
            io::Error::new(io::ErrorKind::NotFound, "gone"),
        );
        assert_eq!(e.to_string(), "reading out/fills.csv: gone");
    }
}
