//! The market as the metrics see it at one instant: the state every metric part reads and
//! only the accumulator writes. Its own module, below the parts and the accumulator, so the
//! parts depend on it and the accumulator depends on the parts, with no circle.

use crate::agents::Quote;

/// The market as the accumulator sees it at the end of the current instant.
#[derive(Clone, Copy, Debug)]
pub(super) struct MarketState {
    pub quote: Quote,
    /// Twice the mid (bid + ask, exact half-ticks) when both sides exist now.
    pub mid2: Option<i64>,
    /// Twice the last mid that existed at or before now: the mid "at" a time when the book is
    /// momentarily one-sided.
    pub last_mid2: Option<i64>,
    /// The fundamental value, in ticks.
    pub value: f64,
}

/// Twice the mid of `quote` (exact), when both sides exist.
pub(super) fn mid2(quote: &Quote) -> Option<i64> {
    match (quote.bid, quote.ask) {
        (Some((b, _)), Some((a, _))) => Some(b + a),
        _ => None,
    }
}
