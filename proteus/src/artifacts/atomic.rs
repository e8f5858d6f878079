//! Replacing one file atomically: a hidden temporary file in the same folder, synced, then
//! renamed over the target, so a reader sees the old file or the new one, never half of one,
//! and a failed write leaves neither a half-written target nor the temporary file behind.
//!
//! The one place Proteus writes a single file in place (report regeneration, pack checkpoints,
//! shard results); whole folders go through [`super::BundleWriter`].

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The temporary file beside `path` a write goes through: `.NAME.tmp-PID`.
fn temporary(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes `bytes` to `path` atomically (module docs). The folder must exist.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temporary(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = crate::artifacts::test_scratch("atomic");
        let target = dir.join("a.txt");
        write_file_atomically(&target, b"one").unwrap();
        write_file_atomically(&target, b"two").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
        // A folder that does not exist: an error, and nothing is left anywhere.
        let missing = dir.join("no-such-folder").join("b.txt");
        assert!(write_file_atomically(&missing, b"x").is_err());
        assert!(!missing.exists());
        // A target that is a folder: the rename fails and the temporary file is removed.
        fs::create_dir(dir.join("c")).unwrap();
        assert!(write_file_atomically(&dir.join("c"), b"x").is_err());
        assert!(!temporary(&dir.join("c")).exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
