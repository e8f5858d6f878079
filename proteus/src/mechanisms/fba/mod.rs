//! Frequent batch auction (Budish, Cramton and Shim 2015): orders accumulate in a sealed book
//! during a batch and clear at one uniform price at each batch end.
//!
//! [`BatchAuction`] is a pure state machine like the [CLOB](super::clob): the simulator calls
//! [`BatchAuction::handle`] for each request as it arrives and [`BatchAuction::clear`] at each
//! batch end (it schedules batch ends on its own clock, every τ). Nothing trades in `handle`.
//! What is published after a batch ([`BatchOutcome`], the book) is the leakage policy's choice.
//!
//! # Validation
//!
//! As in the CLOB, a failing request produces a single `Rejected` and has no other effect, the
//! first failure in this order is reported, and ids are burned on sight:
//!
//! * new order: `DuplicateOrderId`, `NonPositiveQty`, `OffLot`, then for limit orders
//!   `NonPositivePrice`, `OffTick`, `PostOnlyWouldCross`. (`FokCannotFill` is never used: a
//!   fill-or-kill order's fate is decided at the batch end.)
//! * cancel and amend: `UnknownOrder`, `NotOwner`, `TooLate` (filled, cancelled or expired at
//!   an earlier batch end, or rejected), then for amends `UnsupportedRequest` for a market
//!   order (it has no price to amend), `NonPositiveQty`, `OffLot`, `NonPositivePrice`, `OffTick`
//!   and `PostOnlyWouldCross`.
//! * RFQ requests: `UnsupportedRequest` (their id is not recorded).
//!
//! **Post-only in a batch** means "never crosses the book as it stood after the last clearing":
//! a post-only buy is rejected if its limit is at or above the best ask that remained resting
//! right after the last batch end (a sell: at or below the best bid); before the first clearing
//! nothing is rejected. The reference is that snapshot, not the live sealed book, so a reject
//! never reveals orders of the current batch. An amend of a post-only order that loses priority
//! is checked the same way. An accepted post-only order behaves as GTC.
//!
//! **Amends** follow the CLOB: the same price with the same or a smaller quantity keeps time
//! priority; a new price or a larger quantity loses it (a new time stamp). Amends never trade.
//! Any open limit order may be amended, IOC and FOK included, until the batch end.
//!
//! # Clearing price
//!
//! At a batch end every open order takes part: market orders at any price, limit orders at their
//! limits. At price `p`, demand `D(p)` is the open quantity of market buys and of limit buys
//! with limit ≥ `p`, supply `S(p)` that of market sells and of limit sells with limit ≤ `p`,
//! and the executable volume is `V(p) = min(D(p), S(p))`. The candidate prices are the
//! multiples of the tick from the lowest to the highest limit price in the book (both sides,
//! inclusive); no price outside every limit is chosen. The clearing price is the candidate that
//!
//! 1. maximises `V(p)`;
//! 2. among those, minimises the absolute imbalance `|D(p) − S(p)|`;
//! 3. among those (they form one range `lo..=hi`), is nearest to the previous clearing price,
//!    i.e. the previous price clamped to `lo..=hi`;
//! 4. before any batch has traded, is the middle of the range rounded down to the tick:
//!    `lo + tick × ⌊(hi − lo) / (2 × tick)⌋` (the lower middle tick when there are two).
//!
//! If the maximal volume is zero nothing trades and the batch has no clearing price. If the book
//! holds no limit order at all, market buys and sells trade at the previous clearing price, and
//! not at all before the first one.
//!
//! # Rationing
//!
//! The short side at the clearing price fills completely. The long side fills by price
//! priority: market orders first, then better limits; the first price level (market orders
//! count as one level) that cannot fill completely is the margin, and it shares what is left:
//!
//! * [`Rationing::ProRata`] (default): by open size, in whole lots, by largest remainder. With
//!   `R` lots left and orders of `q_i` lots (total `Q`) at the margin, order `i` first gets
//!   `⌊R·q_i/Q⌋` lots; the lots still unallocated go one each to the orders with the largest
//!   remainders `R·q_i mod Q`, equal remainders in time priority (earlier first). Each
//!   allocation is within one lot of its exact share `R·q_i/Q` and never above `q_i`.
//! * [`Rationing::TimePriority`]: earlier orders at the margin fill completely first.
//! * [`Rationing::ProRataLottery`] (`rationing = "pro_rata_lottery"`): as pro rata, but equal
//!   remainders are ordered by a lottery, the SplitMix64 finaliser of `batch·γ + order id + γ`
//!   (γ = 0x9E3779B97F4A7C15, `batch` the batch number from 0), the same whatever order the
//!   orders arrived in. With pro rata's time-priority ties, one-lot orders at the margin are
//!   all ties, so the order that reached the batch first wins every one of them and speed buys
//!   queue priority inside the batch; the lottery removes that (`cargo xtask equilibrium`'s
//!   BCS speed game, `docs/equilibrium.md`).
//!
//! Orders beyond the margin get nothing. With this price priority no crossed interest survives a
//! batch: after clearing, the best remaining bid is below the best remaining ask.
//!
//! **Fill-or-kill** orders take part like the others; if one's allocation is less than its whole
//! quantity, every such FOK order is withdrawn and the batch is cleared again without them,
//! until every remaining FOK order fills whole (each round removes at least one order, so this
//! ends). Withdrawn FOK orders expire whole; they are not brought back in later rounds.
//!
//! # Pairing into fills
//!
//! All fills of a batch are at the clearing price. Buyers and sellers with a positive allocation
//! are each walked in priority order (market orders, better limits, earlier stamps); the front
//! buyer and front seller trade the smaller of their remaining allocations, and whichever is
//! exhausted is passed. So a batch has at most `buyers + sellers − 1` fills. In a [`Fill`] the
//! **taker** is the order with the later time-priority stamp (it arrived later, or lost
//! priority by an amend later), the maker the earlier; `taker_side` is the taker's side.
//!
//! There is no self-trade prevention: a trader whose buy and sell both execute may be paired
//! with itself (the fill moves nothing between accounts).
//!
//! # Outputs, in order
//!
//! * new order: `Accepted` (the order is in the sealed book with its whole quantity).
//! * cancel: `Accepted`, `Cancelled{Requested}` with the open quantity.
//! * amend: `Accepted`, `Amended{price, qty, kept_priority}`.
//! * [`BatchAuction::clear`]: the `Fill`s in pairing order, then `Cancelled{Expired}` for the
//!   unfilled rest of every market, IOC and FOK order, in time-priority order. GTC and
//!   post-only rests persist to the next batch silently: the batch auction never emits
//!   `Rested`, since an owner knows its open quantity (accepted minus its own fills) and the
//!   outputs of a batch end are kept to what changed.
//!
//! # Quantity accounting
//!
//! As in the CLOB, for every order `submitted + amended up = filled + open + cancelled + amended
//! down`, and a rejected new order's quantity counts once as rejected.
//! `tests/mechanisms/fba_model.rs` checks this after every request and every batch end.
//!
//! [`Fill`]: crate::mechanisms::Fill

mod auction;
mod clearing_price;
mod pairing;
mod rationing;

pub use auction::BatchAuction;

use crate::core::{AgentId, OrderId};
use crate::mechanisms::types::{Grid, NewOrder, OrderKind, Price, Qty, Side};
use serde::{Deserialize, Serialize};

/// How the long side's margin shares the volume left for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rationing {
    /// In proportion to open size, in whole lots by largest remainder, ties by time priority.
    #[default]
    ProRata,
    /// Earlier orders first.
    TimePriority,
    /// As [`Rationing::ProRata`], but equal remainders are ordered by a lottery that does not
    /// depend on arrival: a hash of the batch number and the order id. Within a batch, reaching
    /// it first buys nothing (BCS's pro-rata with indivisible lots).
    ProRataLottery,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FbaConfig {
    /// Prices must be multiples of this (in ticks); also the grid of clearing prices.
    pub tick_size: Price,
    /// Quantities must be multiples of this (in lots); also the unit of rationing.
    pub lot_size: Qty,
    pub rationing: Rationing,
}

impl FbaConfig {
    /// The venue's tick and lot.
    ///
    /// # Panics
    /// If `tick_size` or `lot_size` is not positive.
    pub fn grid(&self) -> Grid {
        Grid::new(self.tick_size, self.lot_size)
    }
}

impl Default for FbaConfig {
    fn default() -> Self {
        FbaConfig {
            tick_size: 1,
            lot_size: 1,
            rationing: Rationing::default(),
        }
    }
}

/// An open order in the sealed book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchOrder {
    pub id: OrderId,
    pub trader: AgentId,
    pub side: Side,
    /// The order's kind as submitted, with the price of its last amend.
    pub kind: OrderKind,
    /// Open (unfilled) quantity.
    pub qty: Qty,
}

impl From<NewOrder> for BatchOrder {
    fn from(o: NewOrder) -> Self {
        BatchOrder {
            id: o.id,
            trader: o.trader,
            side: o.side,
            kind: o.kind,
            qty: o.qty,
        }
    }
}

/// What happened at one batch end. Who learns it is the leakage policy's choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchOutcome {
    /// The batch's index, from 0.
    pub batch: u64,
    /// `None` when nothing traded.
    pub clearing_price: Option<Price>,
    /// Lots executed (counted once, not once per side).
    pub volume: Qty,
    /// Demand minus supply at the clearing price (after any FOK withdrawals); 0 if nothing
    /// traded.
    pub imbalance: Qty,
    /// Open buy quantity in the book at the batch end, before clearing (market orders included).
    pub buy_interest: Qty,
    /// Open sell quantity in the book at the batch end, before clearing.
    pub sell_interest: Qty,
}
