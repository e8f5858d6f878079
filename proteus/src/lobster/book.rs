//! The visible book as LOBSTER shows it: total size per price level on each side.

use crate::lobster::{EventType, LevelPair, Message};
use crate::mechanisms::{Price, Qty, Side};
use std::collections::BTreeMap;

/// LOBSTER's dummy price of an empty ask level (its size is 0).
pub const EMPTY_ASK_PRICE: i64 = 9_999_999_999;
/// LOBSTER's dummy price of an empty bid level (its size is 0).
pub const EMPTY_BID_PRICE: i64 = -9_999_999_999;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DepthBook {
    bids: BTreeMap<Price, Qty>,
    asks: BTreeMap<Price, Qty>,
}

impl DepthBook {
    /// Applies one message: a submission adds its size at its price, everything else removes it.
    pub fn apply(&mut self, m: &Message) {
        let side = match m.side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let delta = match m.event {
            EventType::Submission => m.size,
            EventType::PartialCancellation | EventType::Deletion | EventType::VisibleExecution => {
                -m.size
            }
        };
        let level = side.entry(m.price).or_insert(0);
        *level += delta;
        if *level == 0 {
            side.remove(&m.price);
        }
    }

    /// Up to `levels` levels of one side as `(price, size)`, best first.
    pub fn depth(&self, side: Side, levels: usize) -> Vec<(Price, Qty)> {
        match side {
            Side::Buy => self
                .bids
                .iter()
                .rev()
                .take(levels)
                .map(|(&p, &q)| (p, q))
                .collect(),
            Side::Sell => self
                .asks
                .iter()
                .take(levels)
                .map(|(&p, &q)| (p, q))
                .collect(),
        }
    }

    /// Exactly `levels` rows of (ask level, bid level), `None` past the book's depth.
    pub fn top(&self, levels: usize) -> Vec<LevelPair> {
        let (asks, bids) = (
            self.depth(Side::Sell, levels),
            self.depth(Side::Buy, levels),
        );
        (0..levels)
            .map(|i| (asks.get(i).copied(), bids.get(i).copied()))
            .collect()
    }
}
