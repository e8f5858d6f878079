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

    /// Whether the price level `price` of `side` is among that side's `levels` best price
    /// levels: at or better than the `levels`-th best price, or anywhere when the side has fewer
    /// levels. (A level the book does not hold is judged by where it would be.) `levels` is at least 1.
    pub fn within(&self, side: Side, price: Price, levels: usize) -> bool {
        let nth = match side {
            Side::Buy => self.bids.keys().rev().nth(levels - 1),
            Side::Sell => self.asks.keys().nth(levels - 1),
        };
        match (nth, side) {
            (None, _) => true,
            (Some(&p), Side::Buy) => price >= p,
            (Some(&p), Side::Sell) => price <= p,
        }
    }

    /// The best price of `side`, if it has one.
    pub fn best(&self, side: Side) -> Option<Price> {
        match side {
            Side::Buy => self.bids.keys().next_back().copied(),
            Side::Sell => self.asks.keys().next().copied(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{OrderId, SimTime};

    fn submit(book: &mut DepthBook, side: Side, price: Price, size: Qty) {
        book.apply(&Message {
            time: SimTime(0),
            event: EventType::Submission,
            order: OrderId(1),
            size,
            price,
            side,
        });
    }

    #[test]
    fn within_counts_price_levels_from_the_best() {
        let mut book = DepthBook::default();
        // An empty side: any level would be the first.
        assert!(book.within(Side::Buy, 50, 1) && book.within(Side::Sell, 50, 1));
        for (p, q) in [(100, 5), (99, 1), (97, 2)] {
            submit(&mut book, Side::Buy, p, q);
        }
        for (p, q) in [(103, 1), (105, 4)] {
            submit(&mut book, Side::Sell, p, q);
        }
        // Bids 100, 99, 97: the 2 best are 100 and 99.
        assert!(book.within(Side::Buy, 100, 2) && book.within(Side::Buy, 99, 2));
        assert!(!book.within(Side::Buy, 97, 2));
        assert!(book.within(Side::Buy, 97, 3) && book.within(Side::Buy, 97, 4));
        // A level the book does not hold, by where it would be: 98 would be level 3.
        assert!(!book.within(Side::Buy, 98, 2) && book.within(Side::Buy, 98, 3));
        // Asks 103, 105: fewer than 3 levels, so every ask level is among the 3 best.
        assert!(book.within(Side::Sell, 103, 1) && !book.within(Side::Sell, 105, 1));
        assert!(book.within(Side::Sell, 200, 3));
        assert_eq!(
            (book.best(Side::Buy), book.best(Side::Sell)),
            (Some(100), Some(103))
        );
        assert_eq!(DepthBook::default().best(Side::Buy), None);
    }
}
