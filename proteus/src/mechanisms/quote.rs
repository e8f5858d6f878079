//! What a venue shows of its book: the top ([`Quote`]) and the levels by price ([`BookDepth`]).
//! Which of it an agent sees, and when, is the leakage policy's choice (the simulator's feed).

use crate::mechanisms::types::{Price, Qty, Side};

/// The top of the book as published on the public feed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Quote {
    pub bid: Option<(Price, Qty)>,
    pub ask: Option<(Price, Qty)>,
}

impl Quote {
    /// Mid price in ticks when both sides exist.
    pub fn mid(&self) -> Option<f64> {
        match (self.bid, self.ask) {
            (Some((b, _)), Some((a, _))) => Some((b + a) as f64 / 2.0),
            _ => None,
        }
    }
}

/// How many price levels per side the public book shows ([`BookDepth`]).
pub const DEPTH_LEVELS: usize = 5;

/// The visible book aggregated by price: up to [`DEPTH_LEVELS`] levels per side, best first.
/// Under the CLOB it is the live book (an agent's `AgentCtx::depth`); under FBA the residual book as published
/// after the last batch (nothing of the sealed book during a batch); empty under RFQ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BookDepth {
    bids: [(Price, Qty); DEPTH_LEVELS],
    asks: [(Price, Qty); DEPTH_LEVELS],
    n_bids: u8,
    n_asks: u8,
}

impl BookDepth {
    /// No levels on either side (the `Default`).
    pub const EMPTY: BookDepth = BookDepth {
        bids: [(0, 0); DEPTH_LEVELS],
        asks: [(0, 0); DEPTH_LEVELS],
        n_bids: 0,
        n_asks: 0,
    };

    /// A depth view from levels given best first; levels beyond [`DEPTH_LEVELS`] are dropped.
    pub fn from_levels(
        bids: impl IntoIterator<Item = (Price, Qty)>,
        asks: impl IntoIterator<Item = (Price, Qty)>,
    ) -> BookDepth {
        let mut d = BookDepth::default();
        for (slot, level) in d.bids.iter_mut().zip(bids) {
            *slot = level;
            d.n_bids += 1;
        }
        for (slot, level) in d.asks.iter_mut().zip(asks) {
            *slot = level;
            d.n_asks += 1;
        }
        d
    }

    /// Bid levels, best (highest) first.
    pub fn bids(&self) -> &[(Price, Qty)] {
        &self.bids[..self.n_bids as usize]
    }

    /// Ask levels, best (lowest) first.
    pub fn asks(&self) -> &[(Price, Qty)] {
        &self.asks[..self.n_asks as usize]
    }

    /// The levels of `side`, best first.
    pub fn side(&self, side: Side) -> &[(Price, Qty)] {
        match side {
            Side::Buy => self.bids(),
            Side::Sell => self.asks(),
        }
    }

    /// The top of book this depth implies.
    pub fn top(&self) -> Quote {
        Quote {
            bid: self.bids().first().copied(),
            ask: self.asks().first().copied(),
        }
    }
}
