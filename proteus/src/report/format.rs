//! Fixed number formatting for reports: the same value always prints the same text, on every
//! machine (Rust's float formatting is exact and locale-free; no shortest-round-trip output).

/// A value for a table: integers without decimals (up to 1e15), everything else with four
/// decimals; `-0` prints as `0`. Non-finite values print as `n/a` (metrics never hold them).
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_owned();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let s = format!("{x:.4}");
    if s == "-0.0000" {
        "0.0000".to_owned()
    } else {
        s
    }
}

/// An axis tick label: at most `decimals` decimals, trailing zeros and a bare point removed.
pub fn tick(x: f64, decimals: usize) -> String {
    let mut s = format!("{x:.decimals$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" { "0".to_owned() } else { s }
}

/// Integer nanoseconds as seconds with nine decimals, exactly (no float rounding).
pub fn seconds_from_ns(ns: u64) -> String {
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_fixed() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-12.0), "-12");
        assert_eq!(number(0.1 + 0.2), "0.3000");
        assert_eq!(number(-0.00001), "0.0000");
        assert_eq!(number(f64::NAN), "n/a");
        assert_eq!(tick(2.50, 2), "2.5");
        assert_eq!(tick(-0.0001, 2), "0");
        assert_eq!(tick(10.0, 1), "10");
        assert_eq!(seconds_from_ns(1_500_000_001), "1.500000001");
    }
}
