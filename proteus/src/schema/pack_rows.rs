//! Row types of the tables of pack bundles (`summary.csv`, `contrasts.csv`, `runs.csv`,
//! `calibration_candidates.csv`, `sensitivity.csv`) and of the equilibrium bundle (`payoffs.csv`,
//! `welfare.csv`, `welfare_contrasts.csv`), each with its columns. The pack writers
//! (`experiments::packs`, `equilibrium::bundle`) serialize these rows and the reports deserialize
//! the same types, so a column is named and typed once.
//!
//! A pack table's float is written by [`float_cell`] (a whole number keeps its decimal point, so
//! a column's type never depends on the data) and a missing value is an empty cell; the grid's
//! factors are the last columns of `summary.csv`, `contrasts.csv` and `runs.csv`, each typed and
//! empty where the grid does not vary that axis ([`FACTOR_COLUMNS`]).

use crate::artifacts::tables::{Column, float_cell};
use crate::scenario::{Cell, FACTOR_COLUMNS};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Serde helpers for a pack table's float cells ([`float_cell`]); reading is serde's own.
mod cell {
    use super::*;

    pub mod float {
        use super::*;

        pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&float_cell(*x))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
            f64::deserialize(d)
        }
    }

    pub mod opt_float {
        use super::*;

        pub fn serialize<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            match x {
                Some(x) => s.serialize_str(&float_cell(*x)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
            Option::<f64>::deserialize(d)
        }
    }
}

/// A row of `summary.csv`: one cell × mechanism × metric, over the repetitions where the metric
/// is present (`n`; `n_missing` runs lack it). The grid factors of `cell` come last.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    pub cell: String,
    pub mechanism: String,
    pub metric: String,
    pub n: u64,
    pub n_missing: u64,
    #[serde(with = "cell::opt_float")]
    pub mean: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub sd: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub se: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub ci95_low: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub ci95_high: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub min: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub max: Option<f64>,
    pub informed_count: Option<u32>,
    #[serde(with = "cell::opt_float")]
    pub latency_scale: Option<f64>,
}

/// The columns of `summary.csv`, in [`SummaryRow`]'s order.
pub const SUMMARY_COLUMNS: [Column; 14] = [
    Column::text("cell"),
    Column::text("mechanism"),
    Column::text("metric"),
    Column::int("n"),
    Column::int("n_missing"),
    Column::float("mean"),
    Column::float("sd"),
    Column::float("se"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
    Column::float("min"),
    Column::float("max"),
    FACTOR_COLUMNS[0],
    FACTOR_COLUMNS[1],
];

/// A row of `contrasts.csv`: one paired contrast (treatment `cell`/`mechanism` against the
/// reference arm) of one metric over `pairs` repetitions. The grid factors of the treatment
/// `cell` come last.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContrastRow {
    pub metric: String,
    pub cell: String,
    pub mechanism: String,
    pub reference_cell: String,
    pub reference_mechanism: String,
    pub pairs: u64,
    #[serde(with = "cell::opt_float")]
    pub mean_difference: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub ci95_low: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub ci95_high: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub p_value: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub p_holm: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub cohens_dz: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub hedges_g_av: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub variance_reduction: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub welch_ci95_low: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub welch_ci95_high: Option<f64>,
    pub informed_count: Option<u32>,
    #[serde(with = "cell::opt_float")]
    pub latency_scale: Option<f64>,
}

/// The columns of `contrasts.csv`, in [`ContrastRow`]'s order.
pub const CONTRAST_COLUMNS: [Column; 18] = [
    Column::text("metric"),
    Column::text("cell"),
    Column::text("mechanism"),
    Column::text("reference_cell"),
    Column::text("reference_mechanism"),
    Column::int("pairs"),
    Column::float("mean_difference"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
    Column::float("p_value"),
    Column::float("p_holm"),
    Column::float("cohens_dz"),
    Column::float("hedges_g_av"),
    Column::float("variance_reduction"),
    Column::float("welch_ci95_low"),
    Column::float("welch_ci95_high"),
    FACTOR_COLUMNS[0],
    FACTOR_COLUMNS[1],
];

/// A row of `runs.csv`: one run × metric, its value or why it is missing. The grid factors of
/// the run's cell come last.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    pub cell: String,
    pub mechanism: String,
    pub repetition: u64,
    pub metric: String,
    #[serde(with = "cell::opt_float")]
    pub value: Option<f64>,
    /// Why the run lacks the metric; empty (`None`) where it has it.
    pub missing_reason: Option<String>,
    pub informed_count: Option<u32>,
    #[serde(with = "cell::opt_float")]
    pub latency_scale: Option<f64>,
}

/// The columns of `runs.csv`, in [`RunRow`]'s order.
pub const RUN_COLUMNS: [Column; 8] = [
    Column::text("cell"),
    Column::text("mechanism"),
    Column::int("repetition"),
    Column::text("metric"),
    Column::float("value"),
    Column::text("missing_reason"),
    FACTOR_COLUMNS[0],
    FACTOR_COLUMNS[1],
];

/// The grid factors of a row of [`SummaryRow`], [`ContrastRow`] or [`RunRow`]: each axis's
/// value, `None` (an empty cell) where the grid does not set it.
pub fn factors(cell: &Cell) -> (Option<u32>, Option<f64>) {
    (cell.informed_count, cell.latency_scale)
}

/// A row of `calibration_candidates.csv`: one market-maker regime, its rank and its checks
/// (`checks_failed`: the failed checks' names joined by `;`, empty when it passes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CandidateRow {
    pub rank: u64,
    #[serde(with = "cell::float")]
    pub risk_aversion: f64,
    #[serde(with = "cell::float")]
    pub half_spread_ticks: f64,
    pub quote_size: i64,
    pub violations: u32,
    #[serde(with = "cell::opt_float")]
    pub mm_pnl_mean: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub mm_pnl_ci95_low: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub mm_pnl_ci95_high: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub quoted_spread_mean: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub quoted_spread_ci95_low: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub quoted_spread_ci95_high: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub mm_fill_rate_mean: Option<f64>,
    pub checks_failed: String,
}

/// The columns of `calibration_candidates.csv`, in [`CandidateRow`]'s order.
pub const CANDIDATE_COLUMNS: [Column; 13] = [
    Column::int("rank"),
    Column::float("risk_aversion"),
    Column::float("half_spread_ticks"),
    Column::int("quote_size"),
    Column::int("violations"),
    Column::float("mm_pnl_mean"),
    Column::float("mm_pnl_ci95_low"),
    Column::float("mm_pnl_ci95_high"),
    Column::float("quoted_spread_mean"),
    Column::float("quoted_spread_ci95_low"),
    Column::float("quoted_spread_ci95_high"),
    Column::float("mm_fill_rate_mean"),
    Column::text("checks_failed"),
];

/// A row of `sensitivity.csv`: one sensitivity cell × metric. The cell's grid factors come
/// first, with the names and types of a pack's factor columns ([`FACTOR_COLUMNS`]); a
/// sensitivity cell sets both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SensitivityRow {
    pub informed_count: u32,
    #[serde(with = "cell::float")]
    pub latency_scale: f64,
    pub metric: String,
    pub n: u64,
    #[serde(with = "cell::opt_float")]
    pub mean: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub ci95_low: Option<f64>,
    #[serde(with = "cell::opt_float")]
    pub ci95_high: Option<f64>,
}

/// The columns of `sensitivity.csv`, in [`SensitivityRow`]'s order.
pub const SENSITIVITY_COLUMNS: [Column; 7] = [
    FACTOR_COLUMNS[0],
    FACTOR_COLUMNS[1],
    Column::text("metric"),
    Column::int("n"),
    Column::float("mean"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
];

/// A row of the equilibrium bundle's `payoffs.csv`: one strategy's estimated payoff in one
/// profile (floats as serde writes them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PayoffRow {
    pub mechanism: String,
    pub profile: String,
    pub role: String,
    pub strategy: String,
    pub players: u32,
    pub full_profile: String,
    pub payoff: Option<f64>,
    pub std_error: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub repetitions: u64,
}

/// The columns of `payoffs.csv`, in [`PayoffRow`]'s order.
pub const PAYOFF_COLUMNS: [Column; 11] = [
    Column::text("mechanism"),
    Column::text("profile"),
    Column::text("role"),
    Column::text("strategy"),
    Column::int("players"),
    Column::text("full_profile"),
    Column::float("payoff"),
    Column::float("std_error"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
    Column::int("repetitions"),
];

/// A row of `welfare.csv`: one welfare metric of one equilibrium of one mechanism, over `runs`
/// welfare runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WelfareRow {
    pub mechanism: String,
    pub equilibrium: u64,
    pub metric: String,
    pub mean: Option<f64>,
    pub std_error: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub runs: u64,
}

/// The columns of `welfare.csv`, in [`WelfareRow`]'s order.
pub const WELFARE_COLUMNS: [Column; 8] = [
    Column::text("mechanism"),
    Column::int("equilibrium"),
    Column::text("metric"),
    Column::float("mean"),
    Column::float("std_error"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
    Column::int("runs"),
];

/// A row of `welfare_contrasts.csv`: a mechanism's first equilibrium against the reference
/// mechanism's, one welfare metric, paired over `pairs` runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WelfareContrastRow {
    pub mechanism: String,
    pub reference: String,
    pub metric: String,
    pub difference: Option<f64>,
    pub std_error: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub pairs: u64,
}

/// The columns of `welfare_contrasts.csv`, in [`WelfareContrastRow`]'s order.
pub const WELFARE_CONTRAST_COLUMNS: [Column; 8] = [
    Column::text("mechanism"),
    Column::text("reference"),
    Column::text("metric"),
    Column::float("difference"),
    Column::float("std_error"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
    Column::int("pairs"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::tables::csv_bytes;
    use serde::de::DeserializeOwned;
    use std::fmt::Debug;

    /// `row` written as its table (header from `columns`), the header serde derives from the
    /// row's fields, and the row read back.
    fn round_trip<T>(columns: &[Column], row: &T) -> String
    where
        T: Serialize + DeserializeOwned + PartialEq + Debug,
    {
        let bytes = csv_bytes(columns, [row]).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(row).unwrap();
        let serde_text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(
            text, serde_text,
            "the columns are the row's fields, in order"
        );
        let back: T = csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(&back, row);
        text.lines().nth(1).unwrap().to_owned()
    }

    #[test]
    fn pack_rows_are_their_columns_and_keep_float_types() {
        let base = factors(&Cell::BASE);
        let summary = SummaryRow {
            cell: "base".into(),
            mechanism: "clob".into(),
            metric: "volume".into(),
            n: 3,
            n_missing: 1,
            mean: Some(2.0),
            sd: Some(0.5),
            se: None,
            ci95_low: Some(-1.0),
            ci95_high: Some(1e20),
            min: Some(f64::INFINITY),
            max: Some(0.0),
            informed_count: base.0,
            latency_scale: base.1,
        };
        // Whole floats keep a decimal point; missing values and unset factors are empty.
        assert_eq!(
            round_trip(&SUMMARY_COLUMNS, &summary),
            "base,clob,volume,3,1,2.0,0.5,,-1.0,100000000000000000000.0,inf,0.0,,"
        );
        let (informed_count, latency_scale) = factors(&Cell {
            informed_count: Some(5),
            latency_scale: Some(1.0),
        });
        let contrast = ContrastRow {
            metric: "volume".into(),
            cell: "informed_count=5,latency_scale=1".into(),
            mechanism: "fba".into(),
            reference_cell: "base".into(),
            reference_mechanism: "clob".into(),
            pairs: 4,
            mean_difference: Some(1.0),
            ci95_low: None,
            ci95_high: Some(3.25),
            p_value: Some(0.5),
            p_holm: Some(1.0),
            cohens_dz: None,
            hedges_g_av: Some(-2.0),
            variance_reduction: Some(0.75),
            welch_ci95_low: Some(-4.0),
            welch_ci95_high: None,
            informed_count,
            latency_scale,
        };
        assert_eq!(
            round_trip(&CONTRAST_COLUMNS, &contrast),
            "volume,\"informed_count=5,latency_scale=1\",fba,base,clob,4,1.0,,3.25,0.5,1.0,,\
             -2.0,0.75,-4.0,,5,1.0"
        );
        let run = RunRow {
            cell: "base".into(),
            mechanism: "rfq".into(),
            repetition: 7,
            metric: "races".into(),
            value: None,
            missing_reason: Some("no_fills".into()),
            informed_count: None,
            latency_scale: Some(2.0),
        };
        assert_eq!(
            round_trip(&RUN_COLUMNS, &run),
            "base,rfq,7,races,,no_fills,,2.0"
        );
        let present = RunRow {
            value: Some(3.0),
            missing_reason: None,
            ..run
        };
        assert_eq!(
            round_trip(&RUN_COLUMNS, &present),
            "base,rfq,7,races,3.0,,,2.0"
        );
        let candidate = CandidateRow {
            rank: 1,
            risk_aversion: 0.0,
            half_spread_ticks: 2.0,
            quote_size: 10,
            violations: 0,
            mm_pnl_mean: Some(12.0),
            mm_pnl_ci95_low: Some(1.5),
            mm_pnl_ci95_high: None,
            quoted_spread_mean: Some(4.0),
            quoted_spread_ci95_low: Some(3.0),
            quoted_spread_ci95_high: Some(5.0),
            mm_fill_rate_mean: Some(0.25),
            checks_failed: "a;b".into(),
        };
        assert_eq!(
            round_trip(&CANDIDATE_COLUMNS, &candidate),
            "1,0.0,2.0,10,0,12.0,1.5,,4.0,3.0,5.0,0.25,a;b"
        );
        let sensitivity = SensitivityRow {
            informed_count: 2,
            latency_scale: 1.0,
            metric: "volume".into(),
            n: 5,
            mean: Some(8.0),
            ci95_low: None,
            ci95_high: Some(9.5),
        };
        assert_eq!(
            round_trip(&SENSITIVITY_COLUMNS, &sensitivity),
            "2,1.0,volume,5,8.0,,9.5"
        );
        // The factor columns are the grid's, with its names and types.
        assert_eq!(SUMMARY_COLUMNS[12..], FACTOR_COLUMNS);
        assert_eq!(CONTRAST_COLUMNS[16..], FACTOR_COLUMNS);
        assert_eq!(RUN_COLUMNS[6..], FACTOR_COLUMNS);
        assert_eq!(SENSITIVITY_COLUMNS[..2], FACTOR_COLUMNS);
    }

    #[test]
    fn equilibrium_rows_are_their_columns() {
        let payoff = PayoffRow {
            mechanism: "clob".into(),
            profile: "a:2".into(),
            role: "mm".into(),
            strategy: "a".into(),
            players: 2,
            full_profile: "mm:a:2".into(),
            payoff: Some(1.5),
            std_error: None,
            ci95_low: Some(-1.0),
            ci95_high: Some(4.0),
            repetitions: 8,
        };
        assert_eq!(
            round_trip(&PAYOFF_COLUMNS, &payoff),
            "clob,a:2,mm,a,2,mm:a:2,1.5,,-1.0,4.0,8"
        );
        let welfare = WelfareRow {
            mechanism: "fba".into(),
            equilibrium: 0,
            metric: "surplus".into(),
            mean: Some(2.0),
            std_error: Some(0.5),
            ci95_low: None,
            ci95_high: Some(3.0),
            runs: 4,
        };
        assert_eq!(
            round_trip(&WELFARE_COLUMNS, &welfare),
            "fba,0,surplus,2.0,0.5,,3.0,4"
        );
        let contrast = WelfareContrastRow {
            mechanism: "fba".into(),
            reference: "clob".into(),
            metric: "surplus".into(),
            difference: Some(-0.25),
            std_error: None,
            ci95_low: Some(-1.0),
            ci95_high: Some(0.5),
            pairs: 4,
        };
        assert_eq!(
            round_trip(&WELFARE_CONTRAST_COLUMNS, &contrast),
            "fba,clob,surplus,-0.25,,-1.0,0.5,4"
        );
    }
}
