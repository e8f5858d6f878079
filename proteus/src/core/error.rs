use thiserror::Error;

/// Errors of the deterministic core.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CoreError {
    #[error(
        "invalid stream name {0:?}: expected one or more '/'-separated segments of [a-z0-9_.-]"
    )]
    InvalidStreamName(String),
}
