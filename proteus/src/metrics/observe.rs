//! The metrics of a run computed while it runs: a [`MetricsAccumulator`] as the simulation's
//! [`Observer`], so a run need not keep its fills, quotes or requests for its metrics (packs,
//! validation). Gives the same record as [`super::compute_with`] on the run's log: the
//! accumulator reads the market only at the end of an instant, and the simulation's fills come
//! in the venue's order (`tests/metrics/metrics.rs` checks every shipped scenario byte for byte).

use super::{MetricRecord, MetricsAccumulator, MetricsConfig, MetricsError};
use crate::core::{MechanismKind, SimTime};
use crate::info::NewsEvent;
use crate::mechanisms::Quote;
use crate::sim::{BatchRecord, FillRecord, Observer, RequestRecord, RfqRecord, RunLog};

/// Computes a run's metrics from its observations (give it to `sim::run_observed`, then call
/// [`MetricsObserver::finish`] with the log the run returned).
pub struct MetricsObserver {
    config: MetricsConfig,
    acc: Option<MetricsAccumulator>,
    error: Option<MetricsError>,
}

impl MetricsObserver {
    pub fn new(config: MetricsConfig) -> Self {
        MetricsObserver {
            config,
            acc: None,
            error: None,
        }
    }

    /// The run's metrics. Fails if the configuration is invalid, if the run never started, or
    /// if the log's final accounts are not what its fills add up to.
    pub fn finish(self, log: &RunLog) -> Result<MetricRecord, MetricsError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let acc = self.acc.ok_or_else(|| {
            MetricsError::InvalidConfig("the run never started its observer".into())
        })?;
        let record = acc.finish(log.horizon);
        super::check_accounts(log, &record)?;
        Ok(record)
    }

    fn acc(&mut self) -> Option<&mut MetricsAccumulator> {
        self.acc.as_mut()
    }
}

impl Observer for MetricsObserver {
    fn on_start(&mut self, log: &RunLog) {
        let initial = log.fundamental.first().map_or(0.0, |f| f.1);
        match MetricsAccumulator::new(self.config.clone(), &log.agents, initial) {
            Ok(mut acc) => {
                acc.set_inventory_limits(&log.inventory_limits);
                match log.mechanism {
                    MechanismKind::Rfq => acc.report_rfq(),
                    MechanismKind::Fba => acc.report_batches(),
                    MechanismKind::Clob => {}
                }
                self.acc = Some(acc);
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn on_fundamental(&mut self, time: SimTime, value: f64) {
        if let Some(a) = self.acc() {
            a.on_fundamental(time, value);
        }
    }

    fn on_news(&mut self, news: &NewsEvent) {
        if let Some(a) = self.acc() {
            a.on_news(news);
        }
    }

    fn on_quote(&mut self, time: SimTime, quote: Quote) {
        if let Some(a) = self.acc() {
            a.on_quote(time, quote);
        }
    }

    fn on_request(&mut self, request: &RequestRecord) {
        if let Some(a) = self.acc() {
            a.on_request(request);
        }
    }

    fn on_fill(&mut self, fill: &FillRecord) {
        if let Some(a) = self.acc() {
            a.on_fill(fill);
        }
    }

    fn on_batch(&mut self, batch: &BatchRecord) {
        if let Some(a) = self.acc() {
            a.on_batch(batch);
        }
    }

    fn on_rfq(&mut self, record: &RfqRecord) {
        if let Some(a) = self.acc() {
            a.on_rfq_complete(record);
        }
    }
}
