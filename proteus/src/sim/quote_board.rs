//! The public feed, as a history of publications, so each agent can see the market as it was
//! when the feed reached it (publication time plus its market-data latency).
//!
//! The feed carries the top of book and the last trade price (a CLOB trade print, or a batch
//! auction's clearing price). Whether an agent may see each is the leakage policy's decision,
//! applied when the agent reads.

use crate::core::{Duration, SimTime};
use crate::mechanisms::{BookDepth, Quote};
use crate::mechanisms::{Price, Qty};
use std::collections::VecDeque;

/// Publications older than this behind the newest are dropped: no agent lags the feed longer.
pub const MAX_LAG: Duration = Duration::from_secs(60);

/// What the feed shows at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeedState {
    pub quote: Quote,
    /// The book by price level; its top is `quote`.
    pub depth: BookDepth,
    pub last_price: Option<Price>,
    /// The size of the last print: the lots one request executed (CLOB), a batch's volume
    /// (FBA), an RFQ trade's size.
    pub last_volume: Option<Qty>,
    /// Volume traded since the start of the run, by the side of the order that took: (buys,
    /// sells), up to the last print; seen with `last_volume`.
    pub traded: (Qty, Qty),
}

/// The feed before its first publication.
const EMPTY: FeedState = FeedState {
    quote: Quote {
        bid: None,
        ask: None,
    },
    depth: BookDepth::EMPTY,
    last_price: None,
    last_volume: None,
    traded: (0, 0),
};

#[derive(Debug, Default)]
pub struct QuoteBoard {
    history: VecDeque<(SimTime, FeedState)>,
}

impl QuoteBoard {
    fn latest(&self) -> FeedState {
        self.history.back().map(|(_, s)| *s).unwrap_or_default()
    }

    /// Publishes a new top of book at `time` (with no deeper levels).
    pub fn publish(&mut self, time: SimTime, quote: Quote) {
        self.publish_book(time, BookDepth::from_levels(quote.bid, quote.ask));
    }

    /// Publishes the book by price level at `time`; its top becomes the published quote.
    pub fn publish_book(&mut self, time: SimTime, depth: BookDepth) {
        let state = FeedState {
            quote: depth.top(),
            depth,
            ..self.latest()
        };
        self.push(time, state);
    }

    /// Publishes a trade (or clearing) price at `time`.
    pub fn publish_price(&mut self, time: SimTime, price: Price) {
        let state = FeedState {
            last_price: Some(price),
            ..self.latest()
        };
        self.push(time, state);
    }

    /// Publishes a trade print, or a batch's clearing price and volume, at `time`, with the
    /// volume traded so far by the taking side, `traded` = (buys, sells).
    pub fn publish_trade(&mut self, time: SimTime, price: Price, volume: Qty, traded: (Qty, Qty)) {
        let state = FeedState {
            last_price: Some(price),
            last_volume: Some(volume),
            traded,
            ..self.latest()
        };
        self.push(time, state);
    }

    /// Publication times must not decrease; a later-published state that would land before the
    /// newest one (a longer publication delay on another field) is stamped at the newest time.
    fn push(&mut self, time: SimTime, state: FeedState) {
        if self.history.back().is_some_and(|(_, s)| *s == state) {
            return;
        }
        let time = self.history.back().map_or(time, |(t, _)| time.max(*t));
        self.history.push_back((time, state));
        let keep_after = SimTime(time.0.saturating_sub(MAX_LAG.0));
        // Keep the newest publication at or before the cut-off: it is still what a lagging
        // agent sees.
        while self.history.len() > 1 && self.history[1].0 <= keep_after {
            self.history.pop_front();
        }
    }

    /// How many publications are at or before `cutoff` (the history is sorted by time). The same
    /// answer as `partition_point`, found by galloping back from the newest publication: agents'
    /// lags are short next to the 60 s the history spans, so the answer is usually among the last
    /// few entries, and this was a visible cost in the profile (`docs/performance.md`).
    fn published_by(&self, cutoff: u64) -> usize {
        let at_or_before = |i: usize| self.history[i].0.0 <= cutoff;
        // Invariant: every index >= hi is after the cutoff.
        let mut hi = self.history.len();
        let mut step = 1;
        let mut lo = 0;
        while step <= hi {
            let i = hi - step;
            if at_or_before(i) {
                lo = i + 1;
                break;
            }
            hi = i;
            step *= 2;
        }
        // The answer is in lo..=hi: binary search there.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if at_or_before(mid) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// What an agent sees at `now` with feed lag `lag`: the last state published at or before
    /// `now − lag` (an empty state before the first publication).
    pub fn seen(&self, now: SimTime, lag: Duration) -> &FeedState {
        let Some(cutoff) = now.0.checked_sub(lag.0) else {
            return &EMPTY;
        };
        let n = self.published_by(cutoff);
        if n == 0 {
            &EMPTY
        } else {
            &self.history[n - 1].1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(bid: i64) -> Quote {
        Quote {
            bid: Some((bid, 1)),
            ask: Some((bid + 2, 1)),
        }
    }

    #[test]
    fn agents_see_the_feed_as_of_their_lag() {
        let mut b = QuoteBoard::default();
        b.publish(SimTime(100), q(10));
        b.publish(SimTime(200), q(11));
        b.publish_price(SimTime(220), 12);
        assert_eq!(b.seen(SimTime(250), Duration(10)).quote, q(11));
        assert_eq!(b.seen(SimTime(250), Duration(10)).last_price, Some(12));
        assert_eq!(b.seen(SimTime(250), Duration(40)).last_price, None);
        assert_eq!(b.seen(SimTime(250), Duration(60)).quote, q(10));
        assert_eq!(*b.seen(SimTime(250), Duration(200)), FeedState::default());
        assert_eq!(super::EMPTY, FeedState::default());
        assert_eq!(*b.seen(SimTime(5), Duration(10)), FeedState::default());
    }

    proptest::proptest! {
        #[test]
        fn galloping_search_agrees_with_partition_point(
            gaps in proptest::collection::vec(0u64..5, 0..300),
            cutoff in 0u64..800,
        ) {
            let mut b = QuoteBoard::default();
            let mut t = 0;
            for (i, g) in gaps.iter().enumerate() {
                t += g;
                // Distinct states, so every publication is kept (equal times allowed).
                b.history.push_back((SimTime(t), FeedState { quote: q(i as i64), depth: Default::default(), last_price: None, last_volume: None, traded: (0, 0) }));
            }
            let want = b.history.partition_point(|(t, _)| t.0 <= cutoff);
            proptest::prop_assert_eq!(b.published_by(cutoff), want);
        }
    }

    #[test]
    fn old_history_is_pruned_but_the_last_old_state_stays() {
        let mut b = QuoteBoard::default();
        for i in 0..1000 {
            b.publish(SimTime(i * 1_000_000_000), q(i as i64));
        }
        assert!(b.history.len() <= 62, "{}", b.history.len());
        let now = SimTime(999_000_000_000);
        assert_eq!(b.seen(now, MAX_LAG).quote, q(939));
    }
}
