//! Latency-arbitrage races as defined by Aquilina, Budish and O'Neill (2022), decided on
//! outcomes the same way under every mechanism with an order book.
//!
//! Rules (`docs/metrics.md`, "Latency-arbitrage races"):
//!
//! * **Signal and stale level.** Each public news published at τ with a non-zero shift makes
//!   one side of the book stale: the asks for good news (shift > 0), the bids for bad news. The
//!   **stale level** P is the best price of that side in the public quote at the end of instant
//!   τ (CLOB: the live book; FBA: the residual book published after the previous batch). No
//!   stale level (zero shift, that side empty, no book at all under RFQ): no race.
//! * **Race messages.** A message reaching the venue after τ belongs to the latest news only.
//!   It is *at the stale level* when it is
//!   - a **take**: a new order on the other side (a buy for good news) whose limit reaches P
//!     (buy: limit ≥ P; sell: limit ≤ P; market orders always), or an accepted amend of such
//!     an order to a price that reaches P;
//!   - a **cancel**: a cancel or amend of an order resting on the stale side at exactly P (its
//!     price just before the message). Rejections other than `too_late` take no part.
//! * **Window.** t₁ is the arrival of the first such message, if it comes within `start_limit`
//!   of τ (and before the next news). For each window W the race's messages are those arriving
//!   in [t₁, t₁ + W].
//! * **Outcomes**, on the first clearing after the message: a take *succeeds* if, at that
//!   clearing, its order executed at least one lot at a price no worse for it than P (a buy at
//!   ≤ P, a sell at ≥ P), and *fails* otherwise. CLOB: the clearing is the arrival itself (fills
//!   in which the order is the taker, at its arrival instant). FBA: the first batch end at or
//!   after the arrival (fills of that batch end in which the order is either party); messages
//!   of one batch are simultaneous for the venue, so only the batch outcome decides. A cancel
//!   succeeds if it was accepted (it removed the order before any clearing that would have
//!   filled it) and fails if rejected `too_late`. A take whose clearing is after the end of the
//!   run is left out.
//! * **Race** (per window): at least two distinct agents among the messages, at least one
//!   successful take and at least one failed message.
//! * **Volume and profit.** Race volume: the lots of the successful takes executed at prices
//!   no worse than P. Race profit against the fundamental: Σ d·(V_{t+H} − p)·q over them (t the
//!   fill time, d the taker's direction, V at T if t + H > T); the legacy mid-based profit uses
//!   m_{t+H} (the last mid at or before t + H; the price itself if no mid ever existed).
//! * **Tax.** Race profit / Σ p·q over all fills × 10⁴ (basis points of traded notional).
//!
//! To find the price a cancel aimed at, the resting orders' side and price are followed from
//! the requests and fills: registered when a new order can rest (CLOB: a non-immediate order
//! with open quantity after arrival; FBA: any accepted order, immediate ones until their first
//! batch end), moved by accepted amends, removed by a cancel, a `too_late` or `unknown_order`
//! rejection, or fills using up the open quantity (CLOB: as maker; FBA: as either party). An
//! order used up by fills (or an FBA immediate order expired at its batch end) keeps its price
//! for `start_limit` + the widest window, so a cancel that arrives too late still finds it.
//! Fills of an instant are applied when the instant closes, so the order of observations
//! within a nanosecond does not matter.

use super::market::MarketState;
use super::{MetricRecord, names};
use crate::core::{AgentId, Duration, OrderId, SimTime};
use crate::info::NewsEvent;
use crate::mechanisms::{Price, Qty, RejectReason, Side};
use crate::sim::{FillRecord, RequestKind, RequestRecord};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A resting order's side and price (`None`: a market order waiting for its batch).
#[derive(Clone, Copy, Debug)]
struct Resting {
    side: Side,
    price: Option<Price>,
    open: Qty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attempt {
    /// A take by `order` (its owner is the message's agent) on `side`.
    Take {
        order: OrderId,
        side: Side,
    },
    Cancel {
        success: bool,
    },
}

#[derive(Debug)]
struct Message {
    time: SimTime,
    agent: AgentId,
    attempt: Attempt,
    /// `None` until the take's clearing; cancels are decided on arrival.
    success: Option<bool>,
    /// The take's executions at prices no worse than the stale level: (fill time, price, qty).
    won: Vec<(SimTime, Price, Qty)>,
}

#[derive(Debug)]
struct NewsRace {
    news: SimTime,
    /// The side the news made stale; `None` for a zero shift.
    stale: Option<Side>,
    /// The stale level, read when instant τ closes.
    level: Option<Price>,
    level_read: bool,
    /// A later news was published: no more messages.
    superseded: bool,
    first: Option<SimTime>,
    messages: Vec<Message>,
}

impl NewsRace {
    fn reaches(&self, side: Side, price: Option<Price>) -> bool {
        let Some(level) = self.level else {
            return false;
        };
        match (side, price) {
            (_, None) => true,
            (Side::Buy, Some(p)) => p >= level,
            (Side::Sell, Some(p)) => p <= level,
        }
    }

    /// An execution price no worse for a taker on `side` than the stale level.
    fn no_worse(&self, side: Side, price: Price) -> bool {
        self.level.is_some_and(|level| match side {
            Side::Buy => price <= level,
            Side::Sell => price >= level,
        })
    }
}

/// A winning execution of a confirmed race, waiting for its horizon.
#[derive(Clone, Copy, Debug)]
struct Won {
    time: SimTime,
    direction: i64,
    price: Price,
    qty: Qty,
    /// Bit k set: part of a race at window k.
    windows: u32,
}

#[derive(Clone, Copy, Debug)]
struct FillLite {
    price: Price,
    qty: Qty,
    taker: AgentId,
    maker: AgentId,
    taker_order: OrderId,
    maker_order: OrderId,
}

pub(super) struct Races {
    /// Sorted, distinct.
    windows: Vec<Duration>,
    /// Index in `windows` of the window of the legacy names and the tax.
    main: usize,
    start_limit: Duration,
    horizon: Duration,
    /// Batch auction: takes are decided at batch ends.
    batched: bool,
    /// RFQ: no order book, so the race metrics are missing.
    no_book: bool,
    /// Batch ends not yet passed.
    batch_ends: BTreeSet<SimTime>,
    resting: BTreeMap<OrderId, Resting>,
    /// Orders used up by fills or expired, with when: kept in `resting` for `retention`, so a
    /// too-late cancel still finds the price it aimed at.
    dead: VecDeque<(SimTime, OrderId)>,
    /// Batch auction: immediate orders that expire at their first batch end.
    expiring: Vec<(SimTime, OrderId)>,
    open: Vec<NewsRace>,
    instant_fills: Vec<FillLite>,
    pending: Vec<Won>,
    races: Vec<u64>,
    volume: Vec<i64>,
    profit_true: Vec<f64>,
    /// Σ d·(2·m_{t+H}·q − 2·p·q) over the main window's executions: twice the legacy profit.
    profit_mid2: i128,
    notional: i128,
}

impl Races {
    pub fn new(
        windows: &[Duration],
        main: Duration,
        start_limit: Duration,
        horizon: Duration,
    ) -> Self {
        let mut all: Vec<Duration> = windows.to_vec();
        all.push(main);
        all.sort();
        all.dedup();
        let n = all.len();
        Races {
            main: all.iter().position(|w| *w == main).expect("pushed"),
            windows: all,
            start_limit,
            horizon,
            batched: false,
            no_book: false,
            batch_ends: BTreeSet::new(),
            resting: BTreeMap::new(),
            dead: VecDeque::new(),
            expiring: Vec::new(),
            open: Vec::new(),
            instant_fills: Vec::new(),
            pending: Vec::new(),
            races: vec![0; n],
            volume: vec![0; n],
            profit_true: vec![0.0; n],
            profit_mid2: 0,
            notional: 0,
        }
    }

    /// A batch auction: takes are decided at batch ends.
    pub fn set_batched(&mut self) {
        self.batched = true;
    }

    /// An RFQ run: there is no book to race on.
    pub fn set_no_book(&mut self) {
        self.no_book = true;
    }

    pub fn on_batch(&mut self, time: SimTime) {
        self.batch_ends.insert(time);
    }

    pub fn on_news(&mut self, news: &NewsEvent) {
        for r in &mut self.open {
            r.superseded = true;
        }
        let stale = if news.shift_ticks > 0.0 {
            Some(Side::Sell)
        } else if news.shift_ticks < 0.0 {
            Some(Side::Buy)
        } else {
            None
        };
        self.open.push(NewsRace {
            news: news.public_time,
            stale,
            level: None,
            level_read: false,
            superseded: false,
            first: None,
            messages: Vec::new(),
        });
    }

    /// How long a used-up order's price is kept: the longest a race message can come after
    /// the news.
    fn retention(&self) -> Duration {
        Duration(self.start_limit.0.saturating_add(self.largest_window().0))
    }

    fn largest_window(&self) -> Duration {
        *self.windows.last().expect("at least the main window")
    }

    /// The attempt `r` makes in `race`, if it is at the stale level.
    fn attempt(&self, race: &NewsRace, r: &RequestRecord) -> Option<Attempt> {
        let stale = race.stale?;
        let level = race.level?;
        let cancel_outcome = match r.rejected {
            None => Some(true),
            Some(RejectReason::TooLate) => Some(false),
            Some(_) => None,
        };
        match r.kind {
            k if k.is_new_order() => {
                let side = r.side?;
                (r.rejected.is_none() && side == stale.opposite() && race.reaches(side, r.price))
                    .then_some(Attempt::Take {
                        order: r.order,
                        side,
                    })
            }
            RequestKind::Cancel | RequestKind::Amend => {
                let target = self.resting.get(&r.order)?;
                if target.side == stale && target.price == Some(level) {
                    return cancel_outcome.map(|success| Attempt::Cancel { success });
                }
                (r.kind == RequestKind::Amend
                    && r.rejected.is_none()
                    && target.side == stale.opposite()
                    && race.reaches(target.side, r.price))
                .then_some(Attempt::Take {
                    order: r.order,
                    side: target.side,
                })
            }
            _ => None,
        }
    }

    pub fn on_request(&mut self, r: &RequestRecord) {
        let largest = self.largest_window();
        if let Some(race) = self.open.last()
            && !race.superseded
            && r.time > race.news
            && match race.first {
                None => r.time <= race.news.saturating_add(self.start_limit),
                Some(f) => r.time <= f.saturating_add(largest),
            }
            && let Some(attempt) = self.attempt(race, r)
        {
            let race = self.open.last_mut().expect("checked");
            race.first.get_or_insert(r.time);
            race.messages.push(Message {
                time: r.time,
                agent: r.agent,
                attempt,
                success: match attempt {
                    Attempt::Cancel { success } => Some(success),
                    Attempt::Take { .. } => None,
                },
                won: Vec::new(),
            });
        }
        self.track(r);
    }

    /// Follows the resting orders' side and price.
    fn track(&mut self, r: &RequestRecord) {
        match r.kind {
            k if k.is_new_order() => {
                let Some(side) = r.side else { return };
                if r.rejected.is_some() {
                    return;
                }
                let open = r.qty - r.filled_qty;
                let rests = if self.batched {
                    if k.is_immediate() {
                        self.expiring.push((r.time, r.order));
                    }
                    true
                } else {
                    !k.is_immediate()
                };
                if rests && open > 0 {
                    self.resting.insert(
                        r.order,
                        Resting {
                            side,
                            price: r.price,
                            open,
                        },
                    );
                }
            }
            RequestKind::Cancel | RequestKind::Amend => match r.rejected {
                None if r.kind == RequestKind::Amend => {
                    let open = r.qty - r.filled_qty;
                    if open <= 0 {
                        self.resting.remove(&r.order);
                    } else if let Some(o) = self.resting.get_mut(&r.order) {
                        o.price = r.price;
                        o.open = open;
                    }
                }
                None | Some(RejectReason::TooLate | RejectReason::UnknownOrder) => {
                    self.resting.remove(&r.order);
                }
                Some(_) => {}
            },
            _ => {}
        }
    }

    pub fn on_fill(&mut self, f: &FillRecord) {
        self.notional += f.price as i128 * f.qty as i128;
        self.instant_fills.push(FillLite {
            price: f.price,
            qty: f.qty,
            taker: f.taker,
            maker: f.maker,
            taker_order: f.taker_order,
            maker_order: f.maker_order,
        });
    }

    /// Everything that reads the end of instant `now`: stale levels, take outcomes, the
    /// resting orders' fills, and races whose messages are all in and decided.
    pub fn close_instant(&mut self, now: SimTime, market: &MarketState) {
        for race in &mut self.open {
            if !race.level_read && race.news == now {
                race.level_read = true;
                race.level = match race.stale {
                    Some(Side::Sell) => market.quote.ask.map(|(p, _)| p),
                    Some(Side::Buy) => market.quote.bid.map(|(p, _)| p),
                    None => None,
                };
            }
        }
        let fills = std::mem::take(&mut self.instant_fills);
        if !self.batched || self.batch_ends.contains(&now) {
            self.clear_at(now, &fills);
        }
        for f in &fills {
            let parties: &[OrderId] = if self.batched {
                &[f.taker_order, f.maker_order]
            } else {
                &[f.maker_order]
            };
            for id in parties {
                if let Some(o) = self.resting.get_mut(id)
                    && o.open > 0
                {
                    o.open -= f.qty;
                    if o.open <= 0 {
                        self.dead.push_back((now, *id));
                    }
                }
            }
        }
        self.instant_fills = fills;
        self.instant_fills.clear();
        let retention = self.retention();
        while let Some(&(died, id)) = self.dead.front()
            && died.saturating_add(retention) < now
        {
            self.dead.pop_front();
            self.resting.remove(&id);
        }
        self.close_ready(now.saturating_add(Duration(1)));
    }

    /// Carries the state over the gap before `to`: batch ends in it (instants with no
    /// observation, so no fill) clear nothing, and races that can take no more messages close.
    pub fn advance(&mut self, to: SimTime) {
        while let Some(&b) = self.batch_ends.first()
            && b < to
        {
            self.clear_at(b, &[]);
        }
        self.close_ready(to);
    }

    /// A clearing at `now` (every instant under CLOB, a batch end under FBA) with its fills:
    /// decides the takes due then.
    fn clear_at(&mut self, now: SimTime, fills: &[FillLite]) {
        let batched = self.batched;
        for race in &mut self.open {
            let level_side = |side: Side, p: Price| race.no_worse(side, p);
            let mut decided = Vec::new();
            for (i, m) in race.messages.iter().enumerate() {
                let Attempt::Take { order, side } = m.attempt else {
                    continue;
                };
                let due = if batched {
                    m.time <= now
                } else {
                    m.time == now
                };
                if m.success.is_some() || !due {
                    continue;
                }
                let won: Vec<_> = fills
                    .iter()
                    .filter(|f| {
                        (f.taker_order == order && f.taker == m.agent)
                            || (batched && f.maker_order == order && f.maker == m.agent)
                    })
                    .filter(|f| level_side(side, f.price))
                    .map(|f| (now, f.price, f.qty))
                    .collect();
                decided.push((i, won));
            }
            for (i, won) in decided {
                let m = &mut race.messages[i];
                m.success = Some(!won.is_empty());
                m.won = won;
            }
        }
        if batched {
            let (resting, dead) = (&mut self.resting, &mut self.dead);
            self.expiring.retain(|&(t, id)| {
                if t <= now {
                    if let Some(o) = resting.get_mut(&id)
                        && o.open > 0
                    {
                        o.open = 0;
                        dead.push_back((now, id));
                    }
                    false
                } else {
                    true
                }
            });
            while self.batch_ends.first().is_some_and(|&b| b <= now) {
                self.batch_ends.pop_first();
            }
        }
    }

    /// Closes the races that can take no more messages (none arrives before `until`) and whose
    /// takes are all decided.
    fn close_ready(&mut self, until: SimTime) {
        let (start_limit, largest) = (self.start_limit, self.largest_window());
        let mut k = 0;
        while k < self.open.len() {
            let r = &self.open[k];
            let intake_over = r.superseded
                || (r.level_read && r.level.is_none())
                || match r.first {
                    None => r.news.saturating_add(start_limit) < until,
                    Some(f) => f.saturating_add(largest) < until,
                };
            if intake_over && r.messages.iter().all(|m| m.success.is_some()) {
                let r = self.open.remove(k);
                self.close(r);
            } else {
                k += 1;
            }
        }
    }

    /// Evaluates a race at every window.
    fn close(&mut self, race: NewsRace) {
        let Some(first) = race.first else { return };
        let Some(stale) = race.stale else { return };
        let direction = stale.opposite().sign();
        let mut mask = 0u32;
        for (k, w) in self.windows.iter().enumerate() {
            let end = first.saturating_add(*w);
            let inside = || {
                race.messages
                    .iter()
                    .filter(move |m| m.time <= end && m.success.is_some())
            };
            let mut agents: Vec<AgentId> = inside().map(|m| m.agent).collect();
            agents.sort();
            agents.dedup();
            let won = inside()
                .any(|m| matches!(m.attempt, Attempt::Take { .. }) && m.success == Some(true));
            let lost = inside().any(|m| m.success == Some(false));
            if agents.len() >= 2 && won && lost {
                mask |= 1 << k;
                self.races[k] += 1;
                self.volume[k] += inside()
                    .flat_map(|m| m.won.iter())
                    .map(|&(_, _, q)| q)
                    .sum::<i64>();
            }
        }
        if mask == 0 {
            return;
        }
        for m in &race.messages {
            for &(time, price, qty) in &m.won {
                // Bits of the windows that hold this message.
                let holds = self
                    .windows
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| m.time <= first.saturating_add(**w))
                    .fold(0u32, |b, (k, _)| b | (1 << k));
                let windows = mask & holds;
                if windows != 0 {
                    self.pending.push(Won {
                        time,
                        direction,
                        price,
                        qty,
                        windows,
                    });
                }
            }
        }
    }

    /// At the end of the run: closes every race with what was decided.
    pub fn close_all(&mut self) {
        for mut r in std::mem::take(&mut self.open) {
            r.messages.retain(|m| m.success.is_some());
            self.close(r);
        }
    }

    fn value(&mut self, w: Won, market: &MarketState) {
        let (d, q) = (w.direction, w.qty);
        for k in 0..self.windows.len() {
            if w.windows & (1 << k) != 0 {
                self.profit_true[k] += d as f64 * (market.value - w.price as f64) * q as f64;
            }
        }
        if w.windows & (1 << self.main) != 0 {
            let reference2 = market.last_mid2.unwrap_or(2 * w.price) as i128;
            self.profit_mid2 += d as i128 * (reference2 - 2 * w.price as i128) * q as i128;
        }
    }

    /// Values the executions whose horizon falls before `to` with `market`.
    pub fn resolve_before(&mut self, to: SimTime, market: &MarketState) {
        let horizon = self.horizon;
        let mut i = 0;
        while i < self.pending.len() {
            let w = self.pending[i];
            if w.time.saturating_add(horizon) < to {
                self.pending.swap_remove(i);
                self.value(w, market);
            } else {
                i += 1;
            }
        }
    }

    pub fn resolve_all(&mut self, market: &MarketState) {
        for w in std::mem::take(&mut self.pending) {
            self.value(w, market);
        }
    }

    pub fn write(&self, r: &mut MetricRecord) {
        let legacy = [
            names::RACES.to_string(),
            "race_volume_lots".to_string(),
            names::race_profit(self.horizon),
            names::LATENCY_ARB_TAX.to_string(),
        ];
        let per_window = |w: &Duration| {
            [
                names::races_within(*w),
                names::race_volume_within(*w),
                names::race_profit_true_within(*w),
                names::latency_arb_tax_within(*w),
            ]
        };
        if self.no_book {
            let why = "no order book (RFQ), so no stale price level to race for";
            for name in legacy
                .into_iter()
                .chain(self.windows.iter().flat_map(per_window))
            {
                r.set_missing(name, why);
            }
            return;
        }
        let no_trades = "no trades";
        let notional = self.notional as f64;
        for (k, w) in self.windows.iter().enumerate() {
            let [races, volume, profit, tax] = per_window(w);
            r.set(races, self.races[k] as f64);
            r.set(volume, self.volume[k] as f64);
            r.set(profit, self.profit_true[k]);
            r.set_ratio(tax, self.profit_true[k] * 1e4, notional, no_trades);
        }
        let m = self.main;
        let [races, volume, profit, tax] = legacy;
        r.set(races, self.races[m] as f64);
        r.set(volume, self.volume[m] as f64);
        r.set(profit, self.profit_mid2 as f64 / 2.0);
        r.set_ratio(tax, self.profit_true[m] * 1e4, notional, no_trades);
    }
}
