//! Value parsers for the numeric flags: each states the flag's allowed range when a value is out
//! of it (or negative, or not a number), so that `--repetitions -1` says what it accepts instead
//! of clap's "unexpected argument". Flags that take them also set `allow_negative_numbers`, so a
//! negative value reaches the parser. Echoed values are cut to 80 characters, control bytes
//! escaped (`proteus::core::config_error::echo`).

use proteus::core::config_error::echo;
use proteus::experiments::pack::{MAX_REPETITIONS, max_threads};
use proteus::experiments::shard::MAX_SHARDS;

/// `text` as an integer in `[lo, hi]`, or a message stating that range.
fn integer_in(text: &str, lo: u64, hi: u64, what: &str) -> Result<u64, String> {
    let allowed = || {
        format!(
            "must be an integer in [{lo}, {hi}]{what} (got {})",
            echo(text)
        )
    };
    match text.trim().parse::<i128>() {
        Ok(v) if v >= i128::from(lo) && v <= i128::from(hi) => Ok(v as u64),
        _ => Err(allowed()),
    }
}

/// `--repetitions`: in `[1, MAX_REPETITIONS]`.
pub fn repetitions(text: &str) -> Result<u64, String> {
    integer_in(text, 1, MAX_REPETITIONS, "")
}

/// `--seed`: any u64.
pub fn seed(text: &str) -> Result<u64, String> {
    integer_in(text, 0, u64::MAX, "")
}

/// `--threads`: 0 (all cores) up to 4 × the cores this machine has.
pub fn threads(text: &str) -> Result<usize, String> {
    let max = max_threads();
    integer_in(
        text,
        0,
        max as u64,
        &format!(
            " (0: all cores; at most 4 x the {} available cores)",
            max / 4
        ),
    )
    .map(|v| v as usize)
}

/// `--max-events`: at least 1.
pub fn max_events(text: &str) -> Result<u64, String> {
    integer_in(text, 1, u64::MAX, "")
}

/// Refuses `estimate` past `max_events`; a pack past a tenth of its budget says what it
/// estimated (on stderr) before it starts.
pub fn check_budget(
    estimate: &proteus::experiments::budget::WorkEstimate,
    max_events: u64,
    pack: bool,
) -> anyhow::Result<()> {
    estimate.check(max_events)?;
    if pack && estimate.events() > max_events as f64 / 10.0 {
        eprintln!("{} (budget --max-events {max_events})", estimate.describe());
    }
    Ok(())
}

/// `--lobster-levels`: in `[1, proteus::lobster::MAX_LEVELS]`.
pub fn lobster_levels(text: &str) -> Result<usize, String> {
    integer_in(text, 1, proteus::lobster::MAX_LEVELS as u64, "").map(|v| v as usize)
}

/// `--shards`: in `[1, MAX_SHARDS]` (and at most the pack's runs, checked by the plan).
pub fn shards(text: &str) -> Result<usize, String> {
    integer_in(text, 1, MAX_SHARDS as u64, "").map(|v| v as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_stated() {
        assert_eq!(repetitions("30"), Ok(30));
        assert_eq!(
            repetitions("-1").unwrap_err(),
            "must be an integer in [1, 1000000] (got -1)"
        );
        assert!(repetitions("18446744073709551615").is_err());
        assert!(repetitions("1e3").is_err());
        assert_eq!(seed("18446744073709551615"), Ok(u64::MAX));
        assert!(
            seed("-1")
                .unwrap_err()
                .contains("[0, 18446744073709551615]")
        );
        assert_eq!(threads("0"), Ok(0));
        assert!(threads(&(max_threads() + 1).to_string()).is_err());
        assert_eq!(shards("100000"), Ok(100_000));
        let long = "9".repeat(200);
        assert!(shards(&long).unwrap_err().contains("(200 characters)"));
    }
}
