//! The streaming accumulator: observations in, one [`MetricRecord`] out.
//!
//! Time advances in instants (nanoseconds). Observations of one instant may come in any order
//! across kinds; the market state is read only when the instant closes, i.e. when the first
//! observation of a later instant (or `finish`) arrives. Between two instants the state is
//! constant, so time-weighted integrals, grid samples and horizon marks falling in the gap are
//! all read from the state at the end of the earlier instant.

use super::activity::Activity;
use super::batches::BatchStats;
use super::efficiency::{GridVolatility, NewsIncorporation, PriceError, TradePriceError};
use super::impact::{FillMark, HorizonImpact};
use super::market::{MarketState, mid2};
use super::neutral::{InventoryLimitShare, NoiseSpread, Sniping};
use super::pnl::Ledger;
use super::races::Races;
use super::record::MetricRecord;
use super::rfq::RfqStats;
use super::spreads::{EffectiveSpread, QuotedSpread};
use super::{MetricsConfig, MetricsError};
use crate::core::SimTime;
use crate::info::NewsEvent;
use crate::mechanisms::Quote;
use crate::sim::{AgentInfo, BatchRecord, FillRecord, InventoryLimit, RequestRecord, RfqRecord};

/// Computes every metric of one run from its observations, fed in non-decreasing time order.
///
/// Memory is bounded by the agents, the fills of the last horizon, and the news and race
/// windows still open; never by the length of the run.
pub struct MetricsAccumulator {
    config: MetricsConfig,
    now: SimTime,
    market: MarketState,
    quoted: QuotedSpread,
    effective: EffectiveSpread,
    impact: Vec<HorizonImpact>,
    price_error: PriceError,
    trade_error: TradePriceError,
    news: NewsIncorporation,
    volatility: Vec<GridVolatility>,
    ledger: Ledger,
    activity: Activity,
    races: Races,
    sniping: Sniping,
    noise_spread: NoiseSpread,
    limit_share: InventoryLimitShare,
    agents: Vec<AgentInfo>,
    rfq: RfqStats,
    batches: BatchStats,
}

impl MetricsAccumulator {
    /// An accumulator at time zero: empty book, fundamental `initial_fundamental`.
    /// `agents[i].id` must be `i`.
    pub fn new(
        config: MetricsConfig,
        agents: &[AgentInfo],
        initial_fundamental: f64,
    ) -> Result<Self, MetricsError> {
        config.validate()?;
        Ok(MetricsAccumulator {
            now: SimTime::ZERO,
            market: MarketState {
                quote: Quote::default(),
                mid2: None,
                last_mid2: None,
                value: initial_fundamental,
            },
            quoted: QuotedSpread::default(),
            effective: EffectiveSpread::default(),
            impact: config
                .horizons
                .iter()
                .map(|&h| HorizonImpact::new(h))
                .collect(),
            price_error: PriceError::default(),
            trade_error: TradePriceError::default(),
            news: NewsIncorporation::default(),
            volatility: config
                .volatility_intervals
                .iter()
                .map(|&g| GridVolatility::new(g))
                .collect(),
            ledger: Ledger::new(agents, config.horizons.len()),
            activity: Activity::new(agents),
            races: Races::new(
                &config.race_windows,
                config.race_window,
                config.race_start_limit,
                config.race_profit_horizon,
            ),
            sniping: Sniping::new(agents, config.sniping_horizon),
            noise_spread: NoiseSpread::new(agents),
            limit_share: InventoryLimitShare::new(agents),
            agents: agents.to_vec(),
            rfq: RfqStats::default(),
            batches: BatchStats::default(),
            config,
        })
    }

    /// The fundamental changed to `value` at `time`.
    pub fn on_fundamental(&mut self, time: SimTime, value: f64) {
        self.at(time);
        self.market.value = value;
    }

    /// A news event became public.
    pub fn on_news(&mut self, news: &NewsEvent) {
        self.at(news.public_time);
        self.news.on_news(news.public_time);
        self.races.on_news(news);
    }

    /// The venue's top of book changed to `quote` at `time`.
    pub fn on_quote(&mut self, time: SimTime, quote: Quote) {
        self.at(time);
        self.market.quote = quote;
        self.market.mid2 = mid2(&quote);
        if self.market.mid2.is_some() {
            self.market.last_mid2 = self.market.mid2;
        }
    }

    /// A request reached the venue (with how it came out).
    pub fn on_request(&mut self, request: &RequestRecord) {
        self.at(request.time);
        self.activity.on_request(request);
        self.races.on_request(request);
        self.noise_spread.on_request(request);
    }

    /// Reports the RFQ metrics even if no request for quote arrives (an RFQ run). Without this
    /// they are reported only once an [`RfqRecord`] has been seen, so order-book runs do not
    /// list them.
    pub fn report_rfq(&mut self) {
        self.rfq.enabled = true;
        self.races.set_no_book();
        self.noise_spread.set_deferred_fills();
    }

    /// The market makers' inventory rules (`RunLog::inventory_limits`), for
    /// `mm_time_at_inventory_limit_share`. Call before the first observation; without it that
    /// metric is missing.
    pub fn set_inventory_limits(&mut self, limits: &[InventoryLimit]) {
        self.limit_share.set_limits(&self.agents, limits);
    }

    /// Reports the batch-auction metrics (a batch-auction run), even if no batch ended.
    pub fn report_batches(&mut self) {
        self.batches.enabled = true;
        self.races.set_batched();
        self.noise_spread.set_deferred_fills();
    }

    /// A batch end of a batch auction. Batch statistics are totals over the run, so batch ends
    /// may come in any order relative to the other observations.
    pub fn on_batch(&mut self, batch: &BatchRecord) {
        self.batches.on_batch(batch);
        self.races.on_batch(batch.time);
    }

    /// A request for quote, complete (its quotes and outcome), at the time it reached the venue.
    /// Records come in the order requests arrived.
    pub fn on_rfq(&mut self, record: &RfqRecord) {
        self.at(record.time);
        self.rfq.on_rfq(record);
    }

    /// A request for quote, complete, delivered after the run's last observation (as
    /// `sim::Observer::on_rfq` delivers them), in the order requests arrived. The RFQ
    /// statistics are integer totals of the records alone, so they come out as [`Self::on_rfq`]
    /// would have made them at each request's arrival.
    pub fn on_rfq_complete(&mut self, record: &RfqRecord) {
        self.rfq.on_rfq(record);
    }

    /// An execution. Fills of one instant must come in the order the venue made them.
    pub fn on_fill(&mut self, fill: &FillRecord) {
        self.at(fill.time);
        let mark = FillMark::of(fill);
        self.effective.on_fill(&mark);
        self.trade_error.on_fill(&mark);
        self.ledger.on_fill(&mark);
        self.activity.on_fill(&mark);
        self.races.on_fill(fill);
        self.sniping.on_fill(&mark);
        self.noise_spread.on_fill(&mark, fill);
        self.limit_share.on_fill(&mark);
        for h in &mut self.impact {
            h.on_fill(mark);
        }
    }

    /// Closes the run at `end` (its horizon) and writes the record. Marks whose horizon falls
    /// after `end` are taken at `end`.
    ///
    /// # Panics
    /// If `end` is before the last observation.
    pub fn finish(mut self, end: SimTime) -> MetricRecord {
        self.at(end);
        self.close_instant();
        for v in &mut self.volatility {
            v.sample_at_end(end, &self.market);
        }
        self.races.close_all();
        self.races.resolve_all(&self.market);
        self.sniping.resolve_all(&self.market);
        for (k, h) in self.impact.iter_mut().enumerate() {
            let ledger = &mut self.ledger;
            h.resolve_all(end, &self.market, |m, mid2_h| {
                ledger.on_marked(k, m, mid2_h)
            });
        }

        let mut r = MetricRecord::new();
        let value = self.market.value;
        self.activity.write(&mut r);
        self.quoted.write(&mut r, end);
        self.effective.write(&mut r);
        for h in &self.impact {
            h.write(&mut r);
        }
        self.price_error.write(&mut r);
        self.trade_error.write(&mut r);
        self.news.write(&mut r);
        for v in &self.volatility {
            v.write(&mut r);
        }
        self.ledger.write(&mut r, value, &self.config.horizons, end);
        self.races.write(&mut r);
        self.sniping.write(&mut r);
        self.noise_spread.write(&mut r);
        self.limit_share.write(&mut r, end);
        self.rfq.write(&mut r);
        self.batches.write(&mut r);
        r
    }

    fn at(&mut self, time: SimTime) {
        assert!(
            time >= self.now,
            "metrics observation at {time} after one at {}",
            self.now
        );
        if time > self.now {
            self.close_instant();
            self.advance(time);
            self.now = time;
        }
    }

    /// Everything that reads the state at the end of the current instant.
    fn close_instant(&mut self) {
        self.news.close_instant(self.now, &self.market);
        self.trade_error.close_instant(&self.market);
        self.noise_spread.close_instant(&self.market);
        self.races.close_instant(self.now, &self.market);
    }

    /// Carries the state at the end of `now` over `[now, to)`.
    fn advance(&mut self, to: SimTime) {
        let dt = to - self.now;
        self.quoted.integrate(&self.market, dt);
        self.price_error.integrate(&self.market, dt);
        self.ledger.integrate(dt);
        self.limit_share.integrate(dt);
        for v in &mut self.volatility {
            v.sample_before(to, &self.market);
        }
        self.races.advance(to);
        self.races.resolve_before(to, &self.market);
        self.sniping.resolve_before(to, &self.market);
        for (k, h) in self.impact.iter_mut().enumerate() {
            let ledger = &mut self.ledger;
            h.resolve_before(to, &self.market, |m, mid2_h| ledger.on_marked(k, m, mid2_h));
        }
    }
}
