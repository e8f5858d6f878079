//! Writing a report file into an existing bundle folder atomically: a hidden temporary file in
//! the same folder, synced, then renamed over the target, so a reader sees the old file or the
//! new one, never half of one.

use crate::report::ReportError;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub(crate) fn atomic_write(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, ReportError> {
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let err = |cause| ReportError::Write {
        path: target.clone(),
        cause,
    };
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, &target)
    })();
    if let Err(cause) = result {
        let _ = fs::remove_file(&tmp);
        return Err(err(cause));
    }
    Ok(target)
}
