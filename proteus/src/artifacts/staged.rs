//! Files published into an existing folder all at once: written into a hidden staging folder
//! beside their destination, synced, then renamed into place, so that a failed write (a full
//! disk, a file-size limit, a kill) leaves the destination as it was. For outputs that are not a
//! bundle folder of their own (`validate`'s `validation.json` and `validation.csv`, which share
//! their folder with `mutants.json`; `bench.json`).
//!
//! The staging folder is named like a bundle's (`.NAME.staging-PID`), so
//! [`super::remove_stale_staging`] removes one a killed process left.

use super::IoError;
use super::bundle::{ArtifactError, remove_stale_staging};
use std::fs;
use std::path::{Path, PathBuf};

/// Files staged for one destination folder.
pub struct StagedFiles {
    staging: PathBuf,
    target: PathBuf,
    published: bool,
}

impl StagedFiles {
    /// Files to publish into the folder `dir` (created at publication if needed), staged in
    /// `.DIR.staging-PID` beside it.
    pub fn into_folder(dir: &Path) -> Result<Self, ArtifactError> {
        Self::stage(dir, dir.to_owned())
    }

    /// The one file `path`, staged in `.FILE.staging-PID` beside it: write it as
    /// `staging_dir().join(file name)`.
    pub fn for_file(path: &Path) -> Result<Self, ArtifactError> {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        Self::stage(path, parent)
    }

    fn stage(named: &Path, target: PathBuf) -> Result<Self, ArtifactError> {
        remove_stale_staging(named)?;
        let parent = match named.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(IoError::at("creating folder", &parent))?;
        let name = named
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging)
                .map_err(IoError::at("removing stale staging folder", &staging))?;
        }
        fs::create_dir(&staging).map_err(IoError::at("creating staging folder", &staging))?;
        Ok(StagedFiles {
            staging,
            target,
            published: false,
        })
    }

    /// The hidden folder to write the files into.
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// Stages the file `name` (a plain file name) with `bytes`; it appears at publication.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ArtifactError> {
        let plain = Path::new(name).file_name().is_some_and(|n| n == name);
        if !plain {
            return Err(ArtifactError::InvalidFileName(name.to_owned()));
        }
        let p = self.staging.join(name);
        fs::write(&p, bytes).map_err(IoError::at("writing", &p))?;
        Ok(())
    }

    /// Syncs every staged file, then renames each into the destination folder (in name order)
    /// and removes the staging folder. Returns the published paths.
    pub fn publish(mut self) -> Result<Vec<PathBuf>, ArtifactError> {
        let mut names: Vec<PathBuf> = fs::read_dir(&self.staging)
            .map_err(IoError::at("reading", &self.staging))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(IoError::at("reading", &self.staging))?;
        names.sort();
        for p in &names {
            fs::File::open(p)
                .and_then(|f| f.sync_all())
                .map_err(IoError::at("syncing", p))?;
        }
        fs::create_dir_all(&self.target).map_err(IoError::at("creating folder", &self.target))?;
        let mut published = Vec::new();
        for p in &names {
            let dest = self
                .target
                .join(p.file_name().expect("a staged file has a name"));
            fs::rename(p, &dest).map_err(IoError::at("publishing", &dest))?;
            published.push(dest);
        }
        fs::remove_dir(&self.staging).map_err(IoError::at("removing", &self.staging))?;
        self.published = true;
        Ok(published)
    }
}

impl Drop for StagedFiles {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        crate::artifacts::test_scratch(&format!("staged-{name}"))
    }

    #[test]
    fn only_plain_names_are_staged() {
        let root = tmp("names");
        let staged = StagedFiles::into_folder(&root.join("out")).unwrap();
        for bad in ["../x", "a/b", "", "."] {
            assert!(
                matches!(
                    staged.write(bad, b"x"),
                    Err(ArtifactError::InvalidFileName(_))
                ),
                "{bad:?}"
            );
        }
        staged.write("ok.json", b"{}").unwrap();
        let published = staged.publish().unwrap();
        assert_eq!(published, [root.join("out").join("ok.json")]);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn files_appear_together_or_not_at_all() {
        let root = tmp("folder");
        let dir = root.join("validation");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("a.json"), "old").unwrap();
        fs::write(dir.join("mutants.json"), "kept").unwrap();
        {
            let s = StagedFiles::into_folder(&dir).unwrap();
            fs::write(s.staging_dir().join("a.json"), "new").unwrap();
            // Dropped before publishing (an error on the way): nothing changes.
        }
        assert_eq!(fs::read_to_string(dir.join("a.json")).unwrap(), "old");
        let s = StagedFiles::into_folder(&dir).unwrap();
        fs::write(s.staging_dir().join("a.json"), "new").unwrap();
        fs::write(s.staging_dir().join("b.csv"), "x").unwrap();
        let published = s.publish().unwrap();
        assert_eq!(published, vec![dir.join("a.json"), dir.join("b.csv")]);
        assert_eq!(fs::read_to_string(dir.join("a.json")).unwrap(), "new");
        assert_eq!(
            fs::read_to_string(dir.join("mutants.json")).unwrap(),
            "kept"
        );
        let hidden = fs::read_dir(&root)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')
            })
            .count();
        assert_eq!(hidden, 0, "no staging folder left");
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_single_file_is_replaced_whole() {
        let root = tmp("file");
        let path = root.join("bench.json");
        fs::write(&path, "old").unwrap();
        let s = StagedFiles::for_file(&path).unwrap();
        fs::write(s.staging_dir().join("bench.json"), "new").unwrap();
        assert_eq!(s.publish().unwrap(), vec![path.clone()]);
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(&root).unwrap().count(), 1);
        fs::remove_dir_all(root).unwrap();
    }
}
