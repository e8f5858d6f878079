//! Writing output folders (bundles) atomically, with a hash of every file.
//!
//! Architecture invariant: an output folder either appears complete or not at all. Files are
//! written into a hidden staging folder beside the destination, which is renamed into place only
//! when everything succeeded; on any error (or a panic) the staging folder is removed.

mod atomic;
mod bundle;
mod io_error;
pub mod manifest;
pub mod read;
mod staged;
pub mod tables;

pub use atomic::write_file_atomically;
pub use bundle::{
    ArtifactError, BundleWriter, FileDigest, StaleStaging, is_proteus_output, remove_stale_staging,
    sha256_hex,
};
pub use io_error::IoError;
pub use manifest::{AnyManifest, BundleKind, Manifest, NoTail};
pub use read::{MAX_CONFIG_FILE_BYTES, ReadLimitError, read_limited};
pub use staged::StagedFiles;
pub use tables::TableFormat;

/// A fresh, empty scratch folder for a unit test, `proteus-NAME-PID` in the system's temporary
/// folder (removed first if a previous run left it).
#[cfg(test)]
pub(crate) fn test_scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("proteus-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
