//! A calibration's `calibration.json` as types ([`Calibration`]): written by
//! `experiments::calibrate` and read back by the pack report, so a field is named once. (A
//! `--calibration FILE` given by a user is read more leniently, for its `selected` regime only,
//! by `experiments::calibrate::load_selected_regime`.)

use crate::artifacts::BundleKind;
use crate::scenario::MarketMakerRegime;
use crate::stats::Summary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checks {
    pub mm_pnl_not_significantly_negative: bool,
    pub quoted_spread_in_band: bool,
    pub mm_fill_rate_in_band: bool,
    pub quoted_spread_ci_narrow: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    pub rank: usize,
    pub label: String,
    pub regime: MarketMakerRegime,
    pub mm_pnl_ticks: Summary,
    pub quoted_spread_ticks: Summary,
    pub mm_fill_rate: Summary,
    pub checks: Checks,
    pub violations: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SensitivityCell {
    pub informed_count: u32,
    pub latency_scale: f64,
    pub metrics: BTreeMap<String, Summary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub schema_version: u32,
    pub kind: BundleKind,
    pub scenario_id: String,
    pub objective: String,
    pub informed_count: u32,
    pub repetitions: u64,
    pub selected: MarketMakerRegime,
    pub rationale: String,
    pub candidates: Vec<CandidateScore>,
    pub sensitivity: Vec<SensitivityCell>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The golden calibration's `calibration.json` reads as [`Calibration`] and writes back the
    /// same document, and a golden run's `metrics.json` as the metric record: the types the
    /// reports read are the writers' own, field for field.
    #[test]
    fn golden_documents_round_trip_through_their_types() {
        fn round_trip<T: Serialize + serde::de::DeserializeOwned>(text: &str) {
            let typed: T = serde_json::from_str(text).expect("the document reads as its type");
            let want: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_value(&typed).unwrap(), want);
        }
        round_trip::<Calibration>(include_str!(
            "../../../golden/calibration-default-short/calibration.json"
        ));
        round_trip::<crate::metrics::MetricRecord>(include_str!(
            "../../../golden/run-clob-default-10s/metrics.json"
        ));
    }
}
