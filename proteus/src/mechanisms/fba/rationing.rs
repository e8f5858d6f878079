//! How the executed volume is shared among one side's orders: price priority, then the marginal
//! price level rationed pro-rata or by time. The rule is stated on the [module](super).

use super::Rationing;
use crate::mechanisms::types::{Price, Qty};

/// One order of a side as rationing sees it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Claim {
    /// `None` for a market order (the best price tier).
    pub limit: Option<Price>,
    pub qty: Qty,
    /// Its lottery number at the margin ([`Rationing::ProRataLottery`]; unused otherwise).
    pub lottery: u64,
}

/// The lottery number of order `order` in batch `batch`: the SplitMix64 finaliser of both, so
/// that it is unrelated to arrival order.
pub(super) fn lottery(batch: u64, order: u64) -> u64 {
    let mut z = batch
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(order)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Shares `volume` among `claims`, which must be eligible at the clearing price and sorted by
/// priority (market orders first, then better limits first, then earlier first). Returns one
/// allocation per claim, in the same order; each is a multiple of `lot` and at most the claim.
///
/// # Panics
/// If `volume` exceeds the claims' total.
pub(super) fn allocate(claims: &[Claim], volume: Qty, lot: Qty, rule: Rationing) -> Vec<Qty> {
    let mut alloc = vec![0; claims.len()];
    let mut left = volume;
    let mut start = 0;
    while start < claims.len() && left > 0 {
        let limit = claims[start].limit;
        let end = start
            + claims[start..]
                .iter()
                .take_while(|c| c.limit == limit)
                .count();
        let tier = &claims[start..end];
        let total: Qty = tier.iter().map(|c| c.qty).sum();
        if total <= left {
            for (a, c) in alloc[start..end].iter_mut().zip(tier) {
                *a = c.qty;
            }
            left -= total;
        } else {
            let shares = match rule {
                Rationing::ProRata => pro_rata(tier, left, lot, false),
                Rationing::ProRataLottery => pro_rata(tier, left, lot, true),
                Rationing::TimePriority => time_priority(tier, left),
            };
            alloc[start..end].copy_from_slice(&shares);
            left = 0;
        }
        start = end;
    }
    assert_eq!(left, 0, "volume {volume} exceeds the claims {claims:?}");
    alloc
}

/// Largest remainder in whole lots: each order first gets the whole lots of its exact share
/// `left × qty / total`; the lots still unallocated go one each to the largest remainders, ties
/// to the earlier order (the tier is in time order), or to the lower lottery number when
/// `lottery` is set.
fn pro_rata(tier: &[Claim], left: Qty, lot: Qty, lottery: bool) -> Vec<Qty> {
    let lots = i128::from(left / lot);
    let total = i128::from(tier.iter().map(|c| c.qty / lot).sum::<Qty>());
    let mut shares = Vec::with_capacity(tier.len());
    let mut remainders = Vec::with_capacity(tier.len());
    let mut given = 0;
    for (i, c) in tier.iter().enumerate() {
        let exact = lots * i128::from(c.qty / lot);
        let whole = exact / total;
        given += whole;
        shares.push(whole);
        remainders.push((exact % total, i));
    }
    // Largest remainder first; equal remainders in time order, or by lottery number.
    remainders.sort_by_key(|&(r, i)| {
        let tie = if lottery { tier[i].lottery } else { 0 };
        (std::cmp::Reverse(r), tie, i)
    });
    for &(_, i) in remainders.iter().take((lots - given) as usize) {
        shares[i] += 1;
    }
    shares
        .into_iter()
        .map(|s| Qty::try_from(s).expect("a share fits its claim") * lot)
        .collect()
}

/// Earlier orders fill completely first.
fn time_priority(tier: &[Claim], mut left: Qty) -> Vec<Qty> {
    tier.iter()
        .map(|c| {
            let q = c.qty.min(left);
            left -= q;
            q
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(limit: Price, qty: Qty) -> Claim {
        Claim {
            limit: Some(limit),
            qty,
            lottery: 0,
        }
    }

    #[test]
    fn better_prices_fill_first_and_the_margin_is_shared_by_largest_remainder() {
        // 10 to share: the market order (3) and the 101 level (2) fill, 5 left for 100: 4, 4, 2.
        // Exact shares 2, 2, 1 -> no remainder.
        let claims = [
            Claim {
                limit: None,
                qty: 3,
                lottery: 0,
            },
            at(101, 2),
            at(100, 4),
            at(100, 4),
            at(100, 2),
        ];
        assert_eq!(
            allocate(&claims, 10, 1, Rationing::ProRata),
            vec![3, 2, 2, 2, 1]
        );
        // 4 left for the 100 level: exact 1.6, 1.6, 0.8 -> 1, 1, 0 plus 2 lots to the largest
        // remainders (0.8 first, then the earlier of the two 0.6s).
        assert_eq!(
            allocate(&claims, 9, 1, Rationing::ProRata),
            vec![3, 2, 2, 1, 1]
        );
        assert_eq!(
            allocate(&claims, 9, 1, Rationing::TimePriority),
            vec![3, 2, 4, 0, 0]
        );
    }

    #[test]
    fn pro_rata_counts_in_lots() {
        // Lot 5: 3 lots and 1 lot share 2 lots: exact 1.5 and 0.5 -> 1 and 0, the lot left to
        // the earlier order (equal remainders of 0.5).
        let claims = [at(100, 15), at(100, 5)];
        assert_eq!(allocate(&claims, 10, 5, Rationing::ProRata), vec![10, 0]);
        let claims = [at(100, 5), at(100, 15)];
        assert_eq!(allocate(&claims, 10, 5, Rationing::ProRata), vec![5, 5]);
        // 3 lots: exact 2.25 and 0.75 -> 2 and 0, the lot left to the larger remainder.
        let claims = [at(100, 15), at(100, 5)];
        assert_eq!(allocate(&claims, 15, 5, Rationing::ProRata), vec![10, 5]);
    }

    /// Five one-lot orders at the margin share one lot: under pro rata the earliest always
    /// wins; under the lottery the winner is the same whatever the arrival order, and over
    /// many batches each order wins about a fifth of them.
    #[test]
    fn the_lottery_ignores_arrival_order_and_is_fair() {
        let claims = |batch: u64, ids: &[u64]| -> Vec<Claim> {
            ids.iter()
                .map(|&id| Claim {
                    limit: Some(100),
                    qty: 1,
                    lottery: lottery(batch, id),
                })
                .collect()
        };
        let winner = |batch: u64, ids: &[u64], rule| {
            let a = allocate(&claims(batch, ids), 1, 1, rule);
            assert_eq!(a.iter().sum::<Qty>(), 1);
            ids[a.iter().position(|&q| q == 1).unwrap()]
        };
        let ids = [11, 12, 13, 14, 15];
        let reversed = [15, 14, 13, 12, 11];
        let mut wins = [0u32; 5];
        for batch in 0..5_000 {
            assert_eq!(winner(batch, &ids, Rationing::ProRata), 11);
            assert_eq!(winner(batch, &reversed, Rationing::ProRata), 15);
            let w = winner(batch, &ids, Rationing::ProRataLottery);
            assert_eq!(w, winner(batch, &reversed, Rationing::ProRataLottery));
            wins[(w - 11) as usize] += 1;
        }
        // Binomial(5000, 0.2): mean 1000, sd 28; 1000 ± 150 is over 5 sd.
        for w in wins {
            assert!((850..=1150).contains(&w), "{wins:?}");
        }
        // Unequal remainders still go by size: the lottery only breaks ties. 1 and 3 lots
        // share 3: exact 0.75 and 2.25, the lot left to the larger remainder (0.75), in every
        // batch.
        for batch in 0..100 {
            let mut c = claims(batch, &[1, 2]);
            c[1].qty = 3;
            assert_eq!(allocate(&c, 3, 1, Rationing::ProRataLottery), vec![1, 2]);
        }
    }
}
