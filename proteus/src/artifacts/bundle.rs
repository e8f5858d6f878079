use super::IoError;
use super::tables::{self, Column, TableFormat};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ArtifactError {
    #[error("output folder {0} exists and is not empty (pass --force to replace it)")]
    OutputNotEmpty(PathBuf),
    #[error(
        "--force: output folder {0} is not a Proteus bundle (it holds no manifest.json of a \
         known kind, nor a shard plan), so it is not replaced; give a new or empty folder, or \
         remove it yourself"
    )]
    ForeignFolder(PathBuf),
    #[error("output path {0} exists and is not a folder")]
    OutputNotAFolder(PathBuf),
    #[error("invalid file name {0:?} inside a bundle (plain names only)")]
    InvalidFileName(String),
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("writing CSV {path}: {cause}")]
    Csv { path: PathBuf, cause: csv::Error },
    #[error(
        "--format parquet needs a build with the `parquet` feature: run `cargo xtask-parquet ...` \
         (or `cargo run -p xtask --features parquet -- ...`); nothing was written"
    )]
    ParquetUnavailable,
    #[error("writing Parquet {path}: {cause}")]
    Parquet { path: PathBuf, cause: String },
    #[error("writing JSON {path}: {cause}")]
    Json {
        path: PathBuf,
        cause: serde_json::Error,
    },
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A file written into a bundle: its name, size and SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileDigest {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Files being flushed to disk at once, at most (a writer of many files waits for the oldest).
const MAX_SYNCING: usize = 16;

/// Stages the files of one output folder and publishes them atomically.
pub struct BundleWriter {
    dest: PathBuf,
    staging: PathBuf,
    force: bool,
    files: Vec<FileDigest>,
    committed: bool,
    tables: TableFormat,
    /// The files written and not yet known to be on disk: each is flushed (`fsync`) on a thread
    /// of its own while the next one is made, and [`BundleWriter::commit`] waits for all of them
    /// before it publishes the folder.
    syncing: Vec<std::thread::JoinHandle<Result<(), IoError>>>,
}

impl BundleWriter {
    /// Prepares to write the folder `dest`. Refuses an existing non-empty `dest` unless `force`,
    /// before anything is written.
    pub fn create(dest: &Path, force: bool) -> Result<Self, ArtifactError> {
        check_destination(dest, force)?;
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(IoError::at("creating folder", &parent))?;
        remove_stale_staging(dest)?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging)
                .map_err(IoError::at("removing stale staging folder", &staging))?;
        }
        fs::create_dir(&staging).map_err(IoError::at("creating staging folder", &staging))?;
        Ok(BundleWriter {
            dest: dest.to_owned(),
            staging,
            force,
            files: Vec::new(),
            committed: false,
            tables: TableFormat::Csv,
            syncing: Vec::new(),
        })
    }

    /// Sets the formats of the tables written from now on ([`BundleWriter::write_csv`]). Refuses
    /// Parquet in a build without the `parquet` feature.
    pub fn set_tables(&mut self, format: TableFormat) -> Result<(), ArtifactError> {
        if format == TableFormat::Parquet && !tables::PARQUET_AVAILABLE {
            return Err(ArtifactError::ParquetUnavailable);
        }
        self.tables = format;
        Ok(())
    }

    /// Writes `bytes` as file `name` of the bundle and records its digest.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), ArtifactError> {
        self.write_file(name, bytes)?;
        self.files.retain(|d| d.name != name);
        self.files.push(FileDigest {
            name: name.to_owned(),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        });
        Ok(())
    }

    /// Writes a *derived* file (e.g. a report made from the other files): it is published with
    /// the bundle but not hashed, and not in [`BundleWriter::digests`].
    pub fn write_derived(&mut self, name: &str, bytes: &[u8]) -> Result<(), ArtifactError> {
        self.write_file(name, bytes)
    }

    /// The hidden folder the files are staged in until [`BundleWriter::commit`], for code that
    /// derives files from the ones already written.
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    fn write_file(&mut self, name: &str, bytes: &[u8]) -> Result<(), ArtifactError> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(ArtifactError::InvalidFileName(name.to_owned()));
        }
        let path = self.staging.join(name);
        let mut f = fs::File::create(&path).map_err(IoError::at("creating", &path))?;
        f.write_all(bytes).map_err(IoError::at("writing", &path))?;
        if self.syncing.len() >= MAX_SYNCING {
            let oldest = self.syncing.remove(0);
            oldest
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        }
        self.syncing.push(std::thread::spawn(move || {
            f.sync_all().map_err(IoError::at("syncing", &path))
        }));
        Ok(())
    }

    /// Waits until every file written is on disk; the first failure to flush one, if any.
    fn wait_synced(&mut self) -> Result<(), ArtifactError> {
        let mut first = Ok(());
        for handle in self.syncing.drain(..) {
            let done = handle
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            if first.is_ok() {
                first = done.map_err(ArtifactError::from);
            }
        }
        first
    }

    /// Serialises `rows` as CSV into file `name`, with the names of `columns` as its header, and,
    /// when the tables are Parquet too, the same rows into `NAME.parquet` with `columns`' types
    /// (`artifacts::tables`). Each row must serialise to one cell per column.
    pub fn write_csv<T: serde::Serialize>(
        &mut self,
        name: &str,
        columns: &[Column],
        rows: impl IntoIterator<Item = T>,
    ) -> Result<(), ArtifactError> {
        let path = self.staging.join(name);
        let bytes = tables::csv_bytes(columns, rows).map_err(|cause| ArtifactError::Csv {
            path: path.clone(),
            cause,
        })?;
        self.write(name, &bytes)?;
        if self.tables == TableFormat::Parquet {
            let twin = tables::parquet_name(name);
            let parquet = self.to_parquet(&twin, &bytes, columns)?;
            self.write(&twin, &parquet)?;
        }
        Ok(())
    }

    #[cfg(feature = "parquet")]
    fn to_parquet(
        &self,
        name: &str,
        csv_bytes: &[u8],
        columns: &[Column],
    ) -> Result<Vec<u8>, ArtifactError> {
        tables::csv_to_parquet(csv_bytes, columns).map_err(|cause| ArtifactError::Parquet {
            path: self.staging.join(name),
            cause,
        })
    }

    #[cfg(not(feature = "parquet"))]
    fn to_parquet(
        &self,
        _name: &str,
        _csv_bytes: &[u8],
        _columns: &[Column],
    ) -> Result<Vec<u8>, ArtifactError> {
        Err(ArtifactError::ParquetUnavailable)
    }

    /// Serialises `value` as pretty JSON (with a final newline) into file `name`.
    pub fn write_json<T: serde::Serialize>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<(), ArtifactError> {
        let mut bytes = serde_json::to_vec_pretty(value).map_err(|cause| ArtifactError::Json {
            path: self.staging.join(name),
            cause,
        })?;
        bytes.push(b'\n');
        self.write(name, &bytes)
    }

    /// Digests of the files written so far, sorted by name.
    pub fn digests(&self) -> Vec<FileDigest> {
        let mut v = self.files.clone();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// Publishes the bundle at its destination (replacing an old one when `force` was given).
    pub fn commit(mut self) -> Result<PathBuf, ArtifactError> {
        self.wait_synced()?;
        check_destination(&self.dest, self.force)?;
        if self.dest.exists() {
            // `.NAME.staging-PID.old`: named after this process, so that a kill between the
            // two renames leaves a folder `remove_stale_staging` recognises.
            let mut trash_name = self.staging.file_name().unwrap_or_default().to_owned();
            trash_name.push(".old");
            let trash = self.staging.with_file_name(trash_name);
            fs::rename(&self.dest, &trash).map_err(IoError::at("moving aside", &self.dest))?;
            fs::rename(&self.staging, &self.dest).map_err(IoError::at("publishing", &self.dest))?;
            fs::remove_dir_all(&trash).map_err(IoError::at("removing", &trash))?;
        } else {
            fs::rename(&self.staging, &self.dest).map_err(IoError::at("publishing", &self.dest))?;
        }
        self.committed = true;
        Ok(self.dest.clone())
    }
}

impl Drop for BundleWriter {
    fn drop(&mut self) {
        let _ = self.wait_synced();
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// A staging folder a writer of the same destination left behind: its process is gone (killed
/// during the write phase), so nothing would ever remove it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaleStaging {
    pub path: PathBuf,
    /// The process that staged it.
    pub pid: u32,
}

/// Removes the staging folders of `dest` (`.NAME.staging-PID`, and `.NAME.staging-PID.old`, the
/// replaced bundle a commit moves aside) whose process is no longer running, and says which.
/// A live process's folder (another writer at work, or this one) is kept. Called by
/// [`BundleWriter::create`]; the command line calls it first, to say what it removed.
pub fn remove_stale_staging(dest: &Path) -> Result<Vec<StaleStaging>, ArtifactError> {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let Some(name) = dest.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(Vec::new());
    };
    let prefix = format!(".{name}.staging-");
    let entries = match fs::read_dir(&parent) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(cause) => {
            return Err(ArtifactError::Io(IoError {
                action: "reading",
                path: parent,
                cause,
            }));
        }
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let Ok(pid) = rest.strip_suffix(".old").unwrap_or(rest).parse::<u32>() else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid) || !entry.path().is_dir() {
            continue;
        }
        let path = entry.path();
        fs::remove_dir_all(&path).map_err(IoError::at("removing stale staging folder", &path))?;
        removed.push(StaleStaging { path, pid });
    }
    removed.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(removed)
}

/// Whether process `pid` is running. On Linux, whether `/proc/PID` exists; elsewhere on Unix,
/// whether `kill -0 PID` succeeds; where neither can tell, it is taken as running (its folder
/// is kept).
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return proc.join(pid.to_string()).exists();
    }
    if cfg!(unix) {
        return std::process::Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(std::process::Stdio::null())
            .status()
            .map_or(true, |s| s.success());
    }
    true
}

/// Whether `dir` is a folder Proteus wrote, which `--force` may replace: it holds a
/// `manifest.json` of a known kind, or the JSON file of a shard plan (`shard-plan.json`) or of
/// an audit (`audit.json`).
pub fn is_proteus_output(dir: &Path) -> bool {
    let json = |name: &str| -> Option<serde_json::Value> {
        let bytes = super::read_limited(&dir.join(name), super::MAX_CONFIG_FILE_BYTES).ok()?;
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .filter(serde_json::Value::is_object)
    };
    if let Some(m) = json("manifest.json") {
        return m
            .get("kind")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|k| super::BundleKind::from_name(k).is_some());
    }
    json("shard-plan.json").is_some() || json("audit.json").is_some()
}

fn check_destination(dest: &Path, force: bool) -> Result<(), ArtifactError> {
    match fs::metadata(dest) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ArtifactError::Io(IoError {
            action: "inspecting",
            path: dest.to_owned(),
            cause: e,
        })),
        Ok(m) if !m.is_dir() => Err(ArtifactError::OutputNotAFolder(dest.to_owned())),
        Ok(_) => {
            let empty = fs::read_dir(dest)
                .map_err(IoError::at("reading", dest))?
                .next()
                .is_none();
            if empty {
                Ok(())
            } else if !force {
                Err(ArtifactError::OutputNotEmpty(dest.to_owned()))
            } else if is_proteus_output(dest) {
                Ok(())
            } else {
                Err(ArtifactError::ForeignFolder(dest.to_owned()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        crate::artifacts::test_scratch(&format!("bundle-{name}"))
    }

    #[test]
    fn commit_publishes_and_abandon_leaves_nothing() {
        let root = tmp("commit");
        let dest = root.join("out");
        let mut w = BundleWriter::create(&dest, false).unwrap();
        w.write("a.txt", b"abc").unwrap();
        assert!(!dest.exists(), "nothing is visible before commit");
        w.commit().unwrap();
        assert_eq!(fs::read(dest.join("a.txt")).unwrap(), b"abc");

        let other = root.join("other");
        {
            let mut w = BundleWriter::create(&other, false).unwrap();
            w.write("a.txt", b"abc").unwrap();
        }
        assert!(!other.exists());
        assert_eq!(
            fs::read_dir(&root).unwrap().count(),
            1,
            "no staging folder left behind"
        );
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn non_empty_destination_needs_force() {
        let root = tmp("force");
        let dest = root.join("out");
        fs::create_dir_all(&dest).unwrap();
        fs::write(dest.join("old.txt"), b"x").unwrap();
        assert!(matches!(
            BundleWriter::create(&dest, false),
            Err(ArtifactError::OutputNotEmpty(_))
        ));
        // --force replaces a Proteus bundle only, never a folder of someone else's files.
        assert!(matches!(
            BundleWriter::create(&dest, true),
            Err(ArtifactError::ForeignFolder(_))
        ));
        fs::write(dest.join("manifest.json"), br#"{"kind": "thesis"}"#).unwrap();
        assert!(BundleWriter::create(&dest, true).is_err());
        fs::write(dest.join("manifest.json"), br#"{"kind": "run"}"#).unwrap();
        let mut w = BundleWriter::create(&dest, true).unwrap();
        w.write("new.txt", b"y").unwrap();
        w.commit().unwrap();
        assert!(!dest.join("old.txt").exists());
        assert_eq!(fs::read(dest.join("new.txt")).unwrap(), b"y");
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn digest_is_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
