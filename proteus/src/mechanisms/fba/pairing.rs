//! Turning the two sides' allocations into [`Fill`]s. The rule is stated on the
//! [module](super).

use crate::core::{AgentId, OrderId};
use crate::mechanisms::types::{Fill, Output, Price, Qty, Side};

/// One order's allocation in a batch.
#[derive(Clone, Copy, Debug)]
pub(super) struct Allocation {
    pub id: OrderId,
    pub trader: AgentId,
    pub side: Side,
    /// Time-priority stamp: larger arrived (or lost priority) later.
    pub stamp: u64,
    pub qty: Qty,
}

/// Walks the buyers and the sellers, each in priority order, matching the front buyer with the
/// front seller for the smaller of their remaining allocations; every fill is at `price` and
/// its taker is the order with the later stamp. Both sides must sum to the same volume.
pub(super) fn pair(buys: &[Allocation], sells: &[Allocation], price: Price, out: &mut Vec<Output>) {
    let mut buys = buys.iter().filter(|a| a.qty > 0).copied().peekable();
    let mut sells = sells.iter().filter(|a| a.qty > 0).copied().peekable();
    while let (Some(b), Some(s)) = (buys.peek_mut(), sells.peek_mut()) {
        let qty = b.qty.min(s.qty);
        let (taker, maker) = if b.stamp > s.stamp {
            (*b, *s)
        } else {
            (*s, *b)
        };
        out.push(Output::Fill(Fill {
            taker_order: taker.id,
            maker_order: maker.id,
            taker: taker.trader,
            maker: maker.trader,
            taker_side: taker.side,
            price,
            qty,
        }));
        b.qty -= qty;
        s.qty -= qty;
        if b.qty == 0 {
            buys.next();
        }
        if s.qty == 0 {
            sells.next();
        }
    }
    debug_assert!(
        buys.next().is_none() && sells.next().is_none(),
        "the sides' allocations differ"
    );
}
