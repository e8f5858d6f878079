//! The public top-of-book feed, as a history of publications, so each agent can see the quote
//! as it was when the feed reached it (publication time plus its market-data latency).

use crate::agents::Quote;
use crate::core::{Duration, SimTime};
use std::collections::VecDeque;

/// Publications older than this behind the newest are dropped: no agent lags the feed longer.
pub const MAX_LAG: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct QuoteBoard {
    history: VecDeque<(SimTime, Quote)>,
}

impl QuoteBoard {
    /// Records `quote` as published at `time` (non-decreasing across calls).
    pub fn publish(&mut self, time: SimTime, quote: Quote) {
        if self.history.back().is_some_and(|(_, q)| *q == quote) {
            return;
        }
        self.history.push_back((time, quote));
        let keep_after = SimTime(time.0.saturating_sub(MAX_LAG.0));
        // Keep the newest publication at or before the cut-off: it is still what a lagging
        // agent sees.
        while self.history.len() > 1 && self.history[1].0 <= keep_after {
            self.history.pop_front();
        }
    }

    /// The quote an agent sees at `now` with feed lag `lag`: the last one published at or before
    /// `now − lag` (an empty quote before the first publication).
    pub fn seen(&self, now: SimTime, lag: Duration) -> Quote {
        let Some(cutoff) = now.0.checked_sub(lag.0) else {
            return Quote::default();
        };
        let n = self.history.partition_point(|(t, _)| t.0 <= cutoff);
        if n == 0 {
            Quote::default()
        } else {
            self.history[n - 1].1
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
    fn agents_see_the_quote_as_of_their_lag() {
        let mut b = QuoteBoard::default();
        b.publish(SimTime(100), q(10));
        b.publish(SimTime(200), q(11));
        assert_eq!(b.seen(SimTime(250), Duration(10)), q(11));
        assert_eq!(b.seen(SimTime(250), Duration(60)), q(10));
        assert_eq!(b.seen(SimTime(250), Duration(200)), Quote::default());
        assert_eq!(b.seen(SimTime(5), Duration(10)), Quote::default());
    }

    #[test]
    fn old_history_is_pruned_but_the_last_old_quote_stays() {
        let mut b = QuoteBoard::default();
        for i in 0..1000 {
            b.publish(SimTime(i * 1_000_000_000), q(i as i64));
        }
        assert!(b.history.len() <= 62, "{}", b.history.len());
        let now = SimTime(999_000_000_000);
        assert_eq!(b.seen(now, MAX_LAG), q(939));
    }
}
