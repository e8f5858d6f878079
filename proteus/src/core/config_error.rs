//! The error every `validate(path)` of a configuration type returns.
//!
//! A configuration error names the full dotted path of the offending field (e.g.
//! `fundamental.jump_rate_per_s`), the value found and what is allowed, so that a user reading
//! it can fix the scenario file without reading code. The `require_*` functions are the range
//! checks shared by every configuration type; each takes the field's full path.

use std::fmt::Display;
use thiserror::Error;

/// A configuration field holds a value outside its allowed range.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("`{path}` = {value}: {allowed}")]
pub struct ConfigError {
    /// Full dotted path of the field, e.g. `fundamental.jump_size.std`.
    pub path: String,
    /// The offending value as written by `Display` (floats: `NaN`, `inf`, `-1.5`).
    pub value: String,
    /// What the field accepts, e.g. `must be finite and >= 0`.
    pub allowed: String,
}

impl ConfigError {
    pub fn new(path: impl Into<String>, value: impl Display, allowed: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// Joins a parent path and a field name: `("fundamental", "step_ns")` → `fundamental.step_ns`;
/// an empty parent gives the field name alone.
pub fn field_path(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

/// Fails with `allowed` unless `ok`.
pub fn require(
    ok: bool,
    path: &str,
    value: impl Display,
    allowed: &str,
) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(ConfigError::new(path, value, allowed))
    }
}

/// `value` must be finite (any sign).
pub fn require_finite(path: &str, value: f64) -> Result<(), ConfigError> {
    require(value.is_finite(), path, value, "must be finite")
}

/// `value` must be finite and `>= 0`.
pub fn require_non_negative(path: &str, value: f64) -> Result<(), ConfigError> {
    require(
        value.is_finite() && value >= 0.0,
        path,
        value,
        "must be finite and >= 0",
    )
}

/// `value` must be finite and `> 0`.
pub fn require_positive(path: &str, value: f64) -> Result<(), ConfigError> {
    require(
        value.is_finite() && value > 0.0,
        path,
        value,
        "must be finite and > 0",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_path_value_and_range() {
        let e = require_non_negative("fundamental.jump_rate_per_s", -2.5).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`fundamental.jump_rate_per_s` = -2.5: must be finite and >= 0"
        );
        let e = require_positive("a.b", f64::NAN).unwrap_err();
        assert_eq!(e.to_string(), "`a.b` = NaN: must be finite and > 0");
        assert!(require_finite("x", f64::INFINITY).is_err());
        assert!(require_finite("x", -1e300).is_ok());
        assert!(require_positive("x", 0.0).is_err());
        assert!(require_non_negative("x", 0.0).is_ok());
    }

    #[test]
    fn field_paths_join_with_dots() {
        assert_eq!(field_path("", "news"), "news");
        assert_eq!(field_path("news", "jump_size"), "news.jump_size");
    }
}
