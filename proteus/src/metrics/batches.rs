//! Frequent-batch-auction statistics: how many batches, how many cleared, and the volume per
//! batch. Written only for batch-auction runs.

use super::record::MetricRecord;
use crate::sim::BatchRecord;

#[derive(Debug, Default)]
pub(crate) struct BatchStats {
    pub(crate) enabled: bool,
    batches: u64,
    cleared: u64,
    volume: i64,
}

impl BatchStats {
    pub(crate) fn on_batch(&mut self, b: &BatchRecord) {
        self.batches += 1;
        if b.outcome.volume > 0 {
            self.cleared += 1;
            self.volume += b.outcome.volume;
        }
    }

    pub(crate) fn write(&self, r: &mut MetricRecord) {
        if !self.enabled {
            return;
        }
        r.set("fba_batches", self.batches as f64);
        r.set("fba_batches_cleared", self.cleared as f64);
        r.set_ratio(
            "fba_cleared_share",
            self.cleared as f64,
            self.batches as f64,
            "no batch ended during the run",
        );
        r.set_ratio(
            "fba_volume_per_batch_lots",
            self.volume as f64,
            self.batches as f64,
            "no batch ended during the run",
        );
        r.set_ratio(
            "fba_volume_per_cleared_batch_lots",
            self.volume as f64,
            self.cleared as f64,
            "no batch traded",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::SimTime;
    use crate::mechanisms::BatchOutcome;

    fn batch(n: u64, volume: i64) -> BatchRecord {
        BatchRecord {
            time: SimTime(n * 100),
            outcome: BatchOutcome {
                batch: n,
                clearing_price: (volume > 0).then_some(100),
                volume,
                imbalance: 0,
                buy_interest: volume,
                sell_interest: volume,
            },
        }
    }

    #[test]
    fn counts_shares_and_volumes() {
        let mut s = BatchStats {
            enabled: true,
            ..Default::default()
        };
        // Four batches, two of which trade 3 and 5 lots: share 1/2, 8/4 = 2 lots per batch,
        // 8/2 = 4 lots per clearing batch.
        for (n, v) in [(0, 0), (1, 3), (2, 0), (3, 5)] {
            s.on_batch(&batch(n, v));
        }
        let mut r = MetricRecord::new();
        s.write(&mut r);
        assert_eq!(r.get("fba_batches"), Some(4.0));
        assert_eq!(r.get("fba_batches_cleared"), Some(2.0));
        assert_eq!(r.get("fba_cleared_share"), Some(0.5));
        assert_eq!(r.get("fba_volume_per_batch_lots"), Some(2.0));
        assert_eq!(r.get("fba_volume_per_cleared_batch_lots"), Some(4.0));
    }

    #[test]
    fn no_batch_traded_is_missing_not_nan() {
        let mut s = BatchStats {
            enabled: true,
            ..Default::default()
        };
        s.on_batch(&batch(0, 0));
        let mut r = MetricRecord::new();
        s.write(&mut r);
        assert_eq!(r.get("fba_cleared_share"), Some(0.0));
        assert_eq!(
            r.missing_reason("fba_volume_per_cleared_batch_lots"),
            Some("no batch traded")
        );
    }

    #[test]
    fn order_book_runs_write_nothing() {
        let mut r = MetricRecord::new();
        BatchStats::default().write(&mut r);
        assert_eq!(r.get("fba_batches"), None);
        assert_eq!(r.missing_reason("fba_batches"), None);
    }
}
