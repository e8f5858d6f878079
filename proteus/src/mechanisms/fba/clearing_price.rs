//! The uniform clearing price of a batch, from the aggregate demand and supply curves. The rule
//! is stated on the [module](super).

use crate::mechanisms::types::{Price, Qty};
use std::collections::BTreeMap;

/// The price a batch clears at, with the volume that trades there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ClearingPrice {
    pub price: Price,
    /// `min(demand, supply)` at `price`; always positive.
    pub volume: Qty,
    /// Demand minus supply at `price` (positive: buyers are rationed).
    pub imbalance: Qty,
}

/// Demand and supply at every price of one stretch of the tick grid, `lo..=hi`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    lo: Price,
    hi: Price,
    demand: Qty,
    supply: Qty,
}

impl Piece {
    fn volume(&self) -> Qty {
        self.demand.min(self.supply)
    }
    fn abs_imbalance(&self) -> Qty {
        (self.demand - self.supply).abs()
    }
}

/// Finds the clearing price of the interest `buys` and `sells`, each given as
/// `(limit, open quantity)` with `None` for a market order, or `None` if nothing can trade.
pub(super) fn find(
    buys: impl IntoIterator<Item = (Option<Price>, Qty)>,
    sells: impl IntoIterator<Item = (Option<Price>, Qty)>,
    tick: Price,
    previous: Option<Price>,
) -> Option<ClearingPrice> {
    // Quantity at each limit price: (buy, sell).
    let mut levels: BTreeMap<Price, (Qty, Qty)> = BTreeMap::new();
    let (mut market_buy, mut market_sell) = (0, 0);
    for (limit, qty) in buys {
        match limit {
            None => market_buy += qty,
            Some(p) => levels.entry(p).or_default().0 += qty,
        }
    }
    for (limit, qty) in sells {
        match limit {
            None => market_sell += qty,
            Some(p) => levels.entry(p).or_default().1 += qty,
        }
    }
    if levels.is_empty() {
        // Market orders alone set no price; they trade at the previous one, if any.
        let price = previous?;
        let volume = market_buy.min(market_sell);
        return (volume > 0).then_some(ClearingPrice {
            price,
            volume,
            imbalance: market_buy - market_sell,
        });
    }
    let prices: Vec<Price> = levels.keys().copied().collect();
    // demand[i]: buy interest willing to pay prices[i]; supply[i]: sell interest accepting it.
    let mut demand = vec![market_buy; prices.len()];
    let mut acc = 0;
    for (i, (_, &(buy, _))) in levels.iter().enumerate().rev() {
        acc += buy;
        demand[i] += acc;
    }
    let mut supply = vec![market_sell; prices.len()];
    acc = 0;
    for (i, (_, &(_, sell))) in levels.iter().enumerate() {
        acc += sell;
        supply[i] += acc;
    }
    // Demand and supply are constant at each limit price and on each open gap between two
    // neighbouring ones, so these pieces cover every candidate price.
    let mut pieces = Vec::with_capacity(2 * prices.len());
    for i in 0..prices.len() {
        pieces.push(Piece {
            lo: prices[i],
            hi: prices[i],
            demand: demand[i],
            supply: supply[i],
        });
        if i + 1 < prices.len() && prices[i + 1] - prices[i] > tick {
            pieces.push(Piece {
                lo: prices[i] + tick,
                hi: prices[i + 1] - tick,
                demand: demand[i + 1],
                supply: supply[i],
            });
        }
    }
    let best = pieces
        .iter()
        .map(|p| (p.volume(), -p.abs_imbalance()))
        .max()
        .expect("at least one limit price");
    if best.0 == 0 {
        return None;
    }
    // The best pieces are contiguous: volume rises then falls with the price, and demand minus
    // supply never rises, so the optimal prices form one range.
    let mut optimal = pieces
        .iter()
        .filter(|p| (p.volume(), -p.abs_imbalance()) == best);
    let first = optimal.next().expect("the maximum is attained");
    let (lo, hi) = (first.lo, optimal.next_back().unwrap_or(first).hi);
    let price = match previous {
        Some(prev) => prev.clamp(lo, hi),
        None => lo + tick * ((hi - lo) / tick / 2),
    };
    let at = pieces
        .iter()
        .find(|p| p.lo <= price && price <= p.hi)
        .expect("the price lies on a piece");
    Some(ClearingPrice {
        price,
        volume: at.volume(),
        imbalance: at.demand - at.supply,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(p: Price, q: Qty) -> (Option<Price>, Qty) {
        (Some(p), q)
    }

    #[test]
    fn the_price_lies_on_a_gap_between_limits_when_that_is_nearest_the_previous() {
        // Buys 5@104, sells 5@100: volume 5 on 100..=104, imbalance 0 everywhere.
        let buys = [limit(104, 5)];
        let sells = [limit(100, 5)];
        let got = |prev| find(buys, sells, 1, prev).map(|c| c.price);
        assert_eq!(got(None), Some(102));
        assert_eq!(got(Some(103)), Some(103));
        assert_eq!(got(Some(90)), Some(100));
        assert_eq!(got(Some(200)), Some(104));
    }

    #[test]
    fn the_midpoint_rounds_down_to_the_tick() {
        // Range 100..=106 on a 2-tick grid: 100, 102, 104, 106; lower middle is 102.
        let c = find([limit(106, 5)], [limit(100, 5)], 2, None).unwrap();
        assert_eq!(c.price, 102);
        // Range 100..=104: middle is 102.
        let c = find([limit(104, 5)], [limit(100, 5)], 2, None).unwrap();
        assert_eq!(c.price, 102);
    }

    #[test]
    fn market_orders_alone_trade_at_the_previous_price_or_not_at_all() {
        let buys = [(None, 4)];
        let sells = [(None, 3)];
        assert_eq!(find(buys, sells, 1, None), None);
        assert_eq!(
            find(buys, sells, 1, Some(77)),
            Some(ClearingPrice {
                price: 77,
                volume: 3,
                imbalance: 1
            })
        );
    }

    #[test]
    fn no_cross_means_no_price() {
        assert_eq!(find([limit(99, 5)], [limit(100, 5)], 1, Some(100)), None);
        assert_eq!(find([limit(99, 5)], [], 1, None), None);
    }
}
