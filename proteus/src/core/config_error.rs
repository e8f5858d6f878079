//! The error every `validate(path)` of a configuration type returns.
//!
//! A configuration error names the full dotted path of the offending field (e.g.
//! `fundamental.jump_rate_per_s`), the value found and what is allowed, so that a user reading
//! it can fix the scenario file without reading code. The `require_*` functions are the range
//! checks shared by every configuration type; each takes the field's full path.

use std::fmt::Display;
use thiserror::Error;

/// Largest magnitude of a price-like quantity of a configuration (a value, a shift, a jump, a
/// half-spread, a volatility), in ticks: prices stay well inside the integer range of a
/// [`Price`](crate::mechanisms::Price) whatever the arithmetic on them.
pub const MAX_TICKS: f64 = 1e12;
/// Largest rate of a configuration's Poisson processes, per second.
pub const MAX_RATE_PER_S: f64 = 1e6;
/// Largest dimensionless coefficient (risk aversion, spread coefficients, lots per tick).
pub const MAX_COEFFICIENT: f64 = 1e6;
/// Longest echo of a user's value in an error message, in characters.
pub const MAX_ECHO_CHARS: usize = 80;

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
    /// The error for `value` at `path`; the value is echoed as [`echo`] cuts it.
    pub fn new(path: impl Into<String>, value: impl Display, allowed: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            value: echo(&plain_or_exponent(value.to_string())),
            allowed: allowed.into(),
        }
    }
}

/// A float's `Display` writes every digit (`1e300` as 301 characters): a plain decimal number
/// longer than any integer's 20 characters is shown in exponent form instead ([`number`]).
/// Integers (at most 20 characters) and text are left as they are.
fn plain_or_exponent(shown: String) -> String {
    let plain = shown
        .strip_prefix('-')
        .unwrap_or(&shown)
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.');
    match shown.parse::<f64>() {
        Ok(x) if plain && shown.len() > 20 => number(x),
        _ => shown,
    }
}

/// A user's text as an error message may quote it: control characters escaped (`\n`, `\u{0}`)
/// and at most [`MAX_ECHO_CHARS`] characters, a longer text cut with `…` and its length.
pub fn echo(text: &str) -> String {
    let total = text.chars().count();
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == MAX_ECHO_CHARS {
            out.push_str(&format!("… ({total} characters)"));
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A number as an error message shows it: plain (`-2.5`, `604800`, `NaN`, `inf`) unless it is so
/// large or so small that its digits would run on, then in exponent form (`1e19`, `-1e300`).
pub fn number(x: f64) -> String {
    let a = x.abs();
    if x.is_finite() && x != 0.0 && !(1e-6..1e16).contains(&a) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// A bound of a range as an error message states it: exponent form from a million up (`1e6`,
/// `-1e12`), plain below (`604800`, `0.5`).
fn bound(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// `value` must be in `[lo, hi]` (finite).
pub fn require_in(path: &str, value: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
    require(
        value.is_finite() && (lo..=hi).contains(&value),
        path,
        number(value),
        &format!("must be in [{}, {}]", bound(lo), bound(hi)),
    )
}

/// `value` must be in `(lo, hi]` (finite).
pub fn require_above_at_most(path: &str, value: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
    require(
        value.is_finite() && value > lo && value <= hi,
        path,
        number(value),
        &format!("must be in ({}, {}]", bound(lo), bound(hi)),
    )
}

/// A price-like quantity of either sign: in `[-MAX_TICKS, MAX_TICKS]`.
pub fn require_ticks(path: &str, value: f64) -> Result<(), ConfigError> {
    require_in(path, value, -MAX_TICKS, MAX_TICKS)
}

/// A price-like magnitude: in `[0, MAX_TICKS]`.
pub fn require_ticks_non_negative(path: &str, value: f64) -> Result<(), ConfigError> {
    require_in(path, value, 0.0, MAX_TICKS)
}

/// A price level (an initial or mean value): in `(0, MAX_TICKS]`.
pub fn require_price_level(path: &str, value: f64) -> Result<(), ConfigError> {
    require_above_at_most(path, value, 0.0, MAX_TICKS)
}

/// A Poisson rate: in `[0, MAX_RATE_PER_S]`.
pub fn require_rate(path: &str, value: f64) -> Result<(), ConfigError> {
    require_in(path, value, 0.0, MAX_RATE_PER_S)
}

/// A dimensionless coefficient: in `[0, MAX_COEFFICIENT]`.
pub fn require_coefficient(path: &str, value: f64) -> Result<(), ConfigError> {
    require_in(path, value, 0.0, MAX_COEFFICIENT)
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
    fn huge_floats_given_to_require_are_shown_in_exponent_form() {
        let e = require(
            false,
            "duration_s",
            1e300_f64,
            "must be in (0, 604800] seconds",
        );
        assert_eq!(
            e.unwrap_err().to_string(),
            "`duration_s` = 1e300: must be in (0, 604800] seconds"
        );
        let e = require(false, "x", -2.5e25_f64, "no").unwrap_err();
        assert_eq!(e.value, "-2.5e25");
        // Integers keep every digit.
        let e = require(false, "seed", u64::MAX, "no").unwrap_err();
        assert_eq!(e.value, "18446744073709551615");
        let e = require(false, "q", i64::MIN, "no").unwrap_err();
        assert_eq!(e.value, "-9223372036854775808");
    }

    #[test]
    fn ranges_and_numbers_read_naturally() {
        let e = require_price_level("fundamental.initial_ticks", 1e19).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`fundamental.initial_ticks` = 1e19: must be in (0, 1e12]"
        );
        let e = require_ticks("news.scheduled[0].shift_ticks", -1e300).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`news.scheduled[0].shift_ticks` = -1e300: must be in [-1e12, 1e12]"
        );
        assert_eq!(
            require_rate("r", f64::NAN).unwrap_err().to_string(),
            "`r` = NaN: must be in [0, 1e6]"
        );
        assert!(require_price_level("x", 1e12).is_ok());
        assert!(require_price_level("x", 0.0).is_err());
        assert!(require_ticks("x", -1e12).is_ok());
        assert!(require_coefficient("x", 1e6).is_ok());
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(604800.0), "604800");
        assert_eq!(number(1e-9), "1e-9");
        assert_eq!(number(f64::INFINITY), "inf");
    }

    #[test]
    fn echoed_values_are_cut_and_escaped() {
        assert_eq!(echo("fba:100ms"), "fba:100ms");
        assert_eq!(echo("a\nb\u{0}"), "a\\nb\\u{0}");
        let long = "x".repeat(500);
        let e = echo(&long);
        assert!(e.starts_with(&"x".repeat(80)), "{e}");
        assert!(e.ends_with("… (500 characters)"), "{e}");
        assert_eq!(
            ConfigError::new("id", "y".repeat(300), "must be short")
                .value
                .chars()
                .count(),
            80 + "… (300 characters)".chars().count()
        );
        // A plain number past an integer's 20 characters (a float's `Display` of 1e300) is
        // shown in exponent form rather than cut.
        assert_eq!(
            ConfigError::new("x", "1".repeat(300), "must be short").value,
            "1.1111111111111112e299"
        );
    }

    #[test]
    fn field_paths_join_with_dots() {
        assert_eq!(field_path("", "news"), "news");
        assert_eq!(field_path("news", "jump_size"), "news.jump_size");
    }
}
