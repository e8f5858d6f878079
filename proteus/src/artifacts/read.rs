//! Reading a user's input file with a size bound, so that a path such as `/dev/zero` or a huge
//! file cannot exhaust memory: a regular file past the bound is refused by its size before it is
//! read; anything else (a device, a pipe) is read up to the bound and then refused.

use std::fs;
use std::io::{self, Read};
use std::path::Path;
use thiserror::Error;

/// Most bytes a configuration file (a scenario, a calibration) may hold: 16 MiB.
pub const MAX_CONFIG_FILE_BYTES: u64 = 16 << 20;

/// Why a bounded read failed.
#[derive(Debug, Error)]
pub enum ReadLimitError {
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The file holds more than `limit` bytes (only `limit` + 1 were read).
    #[error("it is larger than {limit} bytes ({} MiB), the most this file may hold", .limit >> 20)]
    TooLarge { limit: u64 },
}

/// The bytes of `path`, at most `limit` of them.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadLimitError> {
    let file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > limit {
        return Err(ReadLimitError::TooLarge { limit });
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadLimitError::TooLarge { limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_bound_and_refuses_past_it() {
        let dir = crate::artifacts::test_scratch("read");
        let p = dir.join("f");
        fs::write(&p, b"abcd").unwrap();
        assert_eq!(read_limited(&p, 4).unwrap(), b"abcd");
        assert!(matches!(
            read_limited(&p, 3),
            Err(ReadLimitError::TooLarge { limit: 3 })
        ));
        if Path::new("/dev/zero").exists() {
            assert!(matches!(
                read_limited(Path::new("/dev/zero"), 1 << 20),
                Err(ReadLimitError::TooLarge { .. })
            ));
        }
        assert!(matches!(
            read_limited(&dir.join("missing"), 3),
            Err(ReadLimitError::Io(_))
        ));
        fs::remove_dir_all(dir).unwrap();
    }
}
