//! The run bundle: one seeded run of a scenario written as a folder anyone can reproduce.
//!
//! Files: `manifest.json` (schema, crate version, resolved scenario, seeds, SHA-256 of every
//! data file), `fills.csv`, `quotes.csv` (every change of the venue's top of book),
//! `fundamental.csv`, `metrics.json` (the record of [`crate::metrics::compute`], defined in
//! `docs/metrics.md`), and `events.csv` on request. The report (`report.html` and its figures,
//! `docs/report.md`) is made from those files and listed in the manifest under `derived`,
//! unhashed.

use crate::artifacts::tables::Column;
use crate::artifacts::{ArtifactError, BundleKind, BundleWriter, TableFormat};
use crate::core::SimTime;
use crate::core::{AgentId, MechanismKind, RepetitionSeed, Role};
use crate::info::NewsEvent;
use crate::lobster::{self, LobsterConfig, LobsterError};
use crate::mechanisms::Quote;
use crate::metrics::MetricsObserver;
use crate::metrics::{self, MetricsError};
use crate::report::{self, RUN_REPORT_FILES, ReportError};
use crate::scenario::Scenario;
use crate::schema::{
    FillRow, FundamentalRow, LobsterRecord, QuoteRow, RunBody, RunManifest, RunSeeds, RunTail,
    SEED_PROTOCOL,
};
use crate::sim::{
    self, BatchRecord, FillRecord, Observer, RequestRecord, RfqRecord, RunLog, RunOptions,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Schema of the run bundle; bumped only on purpose, with a note in `docs/artifacts.md`.
pub const RUN_SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, Default)]
pub struct RunBundleOptions {
    /// Write `events.csv`, every message with its send and delivery time.
    pub events: bool,
    /// Replace a non-empty output folder.
    pub force: bool,
    /// Repetition index (0 for a single run).
    pub repetition: u64,
    /// Also write the LOBSTER message and order-book files with this many levels (CLOB only;
    /// `docs/lobster.md`).
    pub lobster: Option<usize>,
    /// The formats of the tables (CSV, or CSV and Parquet).
    pub tables: TableFormat,
}

/// What `cargo xtask run` prints.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    pub path: PathBuf,
    pub events_processed: u64,
    pub fills: usize,
    pub volume: i64,
    pub final_fundamental: f64,
}

/// The columns of `fills.csv` ([`crate::schema::FillRow`]).
pub use crate::schema::FILL_COLUMNS;

/// The columns of `quotes.csv` and `fundamental.csv` ([`crate::schema::QuoteRow`],
/// [`crate::schema::FundamentalRow`]).
pub use crate::schema::{FUNDAMENTAL_COLUMNS, QUOTE_COLUMNS};

#[derive(Serialize)]
struct EventRow {
    sent_ns: u64,
    delivered_ns: u64,
    agent: u32,
    role: &'static str,
    channel: &'static str,
    kind: &'static str,
    order_id: Option<u64>,
}
/// The columns of `events.csv` (`--events`).
pub const EVENT_COLUMNS: [Column; 7] = [
    Column::int("sent_ns"),
    Column::int("delivered_ns"),
    Column::int("agent"),
    Column::text("role"),
    Column::text("channel"),
    Column::text("kind"),
    Column::int("order_id"),
];

/// Why a run bundle could not be written.
#[derive(Debug, Error)]
pub enum RunBundleError {
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    #[error("computing the run's metrics: {0}")]
    Metrics(#[from] MetricsError),
    #[error("making the run's report: {0}")]
    Report(#[from] ReportError),
    #[error(transparent)]
    Lobster(#[from] LobsterError),
}

/// Runs `scenario` once and writes its bundle to `out`, atomically.
pub fn write_run_bundle(
    scenario: &Scenario,
    out: &Path,
    options: &RunBundleOptions,
) -> Result<RunSummary, RunBundleError> {
    let lobster_config = match options.lobster {
        None => None,
        Some(_) if scenario.mechanism.kind != MechanismKind::Clob => {
            return Err(LobsterError::NotClob(scenario.mechanism.label()).into());
        }
        Some(levels) if levels == 0 || levels > lobster::MAX_LEVELS => {
            return Err(LobsterError::Levels(levels).into());
        }
        Some(levels) => Some(LobsterConfig {
            levels,
            ..LobsterConfig::default()
        }),
    };
    // Refuse a non-empty destination before spending time on the run.
    let mut w = BundleWriter::create(out, options.force)?;
    w.set_tables(options.tables)?;
    let mut keep = BundleObserver::new();
    let run_options = RunOptions {
        record_messages: options.events,
        record_requests: lobster_config.is_some(),
    };
    // The metrics and the streams the bundle keeps are digested on a second thread while the
    // simulation goes on (the same observations in the same order, so the same bytes).
    let log = sim::on_own_thread(&mut keep, |observer| {
        sim::run_observed(scenario, options.repetition, run_options, observer)
    });
    let metrics = keep.metrics.finish(&log)?;
    let body = RunBody {
        scenario: scenario.clone(),
        seeds: RunSeeds {
            master_seed: scenario.seed,
            scenario_id: scenario.id.clone(),
            repetition: options.repetition,
            repetition_seed: RepetitionSeed::derive(
                scenario.seed,
                &scenario.id,
                options.repetition,
            )
            .0,
            protocol: SEED_PROTOCOL.to_owned(),
        },
    };
    let derived: Vec<String> = RUN_REPORT_FILES.iter().map(|s| (*s).to_owned()).collect();
    // The report is made from the data being written, as `cargo xtask report` would make it from
    // the files (`tests/bundles/report.rs` checks the bytes agree); re-reading the CSV files was a
    // fifth of the time of an rmsc04-like run. Its manifest gets the files' digests once they are
    // written; until then it has none, which the price path figure never reads.
    let mut run = report::RunFiles {
        manifest: RunManifest::new(
            BundleKind::Run,
            RUN_SCHEMA_VERSION,
            body,
            Vec::new(),
            Some(derived),
        ),
        metrics,
        fills: keep.fills,
        fundamental: keep.fundamental,
        quotes: keep.quotes,
    };
    // The price path figure, the report's costliest part, is drawn on a second thread while
    // this one writes the data files and the manifest.
    let staging = w.staging_dir().to_owned();
    let (price_path, manifest) = std::thread::scope(|s| {
        let figure = s.spawn(|| report::price_path_svg(&run, &staging));
        let manifest = write_data_files(&mut w, &log, &run, lobster_config, scenario);
        let figure = figure
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (figure, manifest)
    });
    run.manifest = manifest?;
    for (name, bytes) in report::run_report_with(&run, price_path?).files {
        w.write_derived(&name, &bytes)?;
    }
    let path = w.commit()?;
    Ok(RunSummary {
        path,
        events_processed: log.events_processed,
        fills: run.fills.len(),
        volume: run.fills.iter().map(|f| f.qty).sum(),
        final_fundamental: run.fundamental.last().map_or(0.0, |&(_, v)| v),
    })
}

/// The data files of a run bundle (fills, quotes, the fundamental, the optional message log and
/// LOBSTER files, the metrics) and then its manifest, which lists their digests; the manifest is
/// returned for the report.
fn write_data_files(
    w: &mut BundleWriter,
    log: &sim::RunLog,
    run: &report::RunFiles,
    lobster_config: Option<LobsterConfig>,
    scenario: &Scenario,
) -> Result<RunManifest, RunBundleError> {
    w.write_csv("fills.csv", &FILL_COLUMNS, &run.fills)?;
    w.write_csv("quotes.csv", &QUOTE_COLUMNS, &run.quotes)?;
    w.write_csv(
        "fundamental.csv",
        &FUNDAMENTAL_COLUMNS,
        run.fundamental
            .iter()
            .map(|&(time_ns, value_ticks)| FundamentalRow {
                time_ns,
                value_ticks,
            }),
    )?;
    if let Some(messages) = &log.messages {
        w.write_csv(
            "events.csv",
            &EVENT_COLUMNS,
            messages.iter().map(|m| EventRow {
                sent_ns: m.sent.0,
                delivered_ns: m.delivered.0,
                agent: m.agent.0,
                role: log.agents[m.agent.0 as usize].role.as_str(),
                channel: m.channel.as_str(),
                kind: m.kind.as_str(),
                order_id: m.order_id.map(|o| o.0),
            }),
        )?;
    }
    w.write_json("metrics.json", &run.metrics)?;
    let lobster = match lobster_config {
        None => None,
        Some(config) => {
            let requests = log.venue_log.as_deref().ok_or(LobsterError::NoVenueLog)?;
            let export = lobster::export(scenario.market, requests, config)?;
            let (message_file, orderbook_file) = export.file_names();
            w.write(&message_file, &export.message_csv())?;
            w.write(&orderbook_file, &export.orderbook_csv())?;
            Some(LobsterRecord {
                config,
                message_file,
                orderbook_file,
                format: "LOBSTER message and order-book files (docs/lobster.md)".to_owned(),
            })
        }
    };
    let mut manifest = run.manifest.clone();
    manifest.files = w.digests();
    manifest.tail = RunTail { lobster };
    w.write_json("manifest.json", &manifest)?;
    Ok(manifest)
}

fn quote_row(time: SimTime, q: &Quote) -> QuoteRow {
    QuoteRow {
        time_ns: time.0,
        bid_price: q.bid.map(|b| b.0),
        bid_qty: q.bid.map(|b| b.1),
        ask_price: q.ask.map(|a| a.0),
        ask_qty: q.ask.map(|a| a.1),
    }
}

/// What a run bundle keeps of its run: the streams it writes (fills, quotes, the fundamental), with
/// the metrics computed as the run goes (the same record as `metrics::compute` on the whole log,
/// `tests/metrics/metrics.rs`), so the venue requests and batch ends, which only the metrics read,
/// are never stored.
struct BundleObserver {
    metrics: MetricsObserver,
    /// Each agent's role, for the fills' taker and maker roles.
    roles: Vec<Role>,
    fills: Vec<FillRow>,
    quotes: Vec<QuoteRow>,
    /// `(time_ns, value in ticks from then on)`.
    fundamental: Vec<(u64, f64)>,
}

impl BundleObserver {
    fn new() -> Self {
        BundleObserver {
            metrics: MetricsObserver::new(metrics::MetricsConfig::default()),
            roles: Vec::new(),
            fills: Vec::new(),
            quotes: Vec::new(),
            fundamental: Vec::new(),
        }
    }
}

/// The streams are kept as the rows `fills.csv`, `quotes.csv` and `fundamental.csv` have them,
/// made as they come (on the observer's own thread, `sim::on_own_thread`).
impl Observer for BundleObserver {
    fn on_start(&mut self, log: &RunLog) {
        self.roles = log.agents.iter().map(|a| a.role).collect();
        self.fundamental = log.fundamental.iter().map(|(t, v)| (t.0, *v)).collect();
        self.metrics.on_start(log);
    }
    fn on_fundamental(&mut self, time: SimTime, value: f64) {
        self.fundamental.push((time.0, value));
        self.metrics.on_fundamental(time, value);
    }
    fn on_news(&mut self, news: &NewsEvent) {
        self.metrics.on_news(news);
    }
    fn on_quote(&mut self, time: SimTime, quote: Quote) {
        self.quotes.push(quote_row(time, &quote));
        self.metrics.on_quote(time, quote);
    }
    fn on_request(&mut self, request: &RequestRecord) {
        self.metrics.on_request(request);
    }
    fn on_fill(&mut self, fill: &FillRecord) {
        let role = |id: AgentId| self.roles.get(id.0 as usize).copied();
        self.fills.push(FillRow {
            time_ns: fill.time.0,
            price: fill.price,
            qty: fill.qty,
            taker_side: fill.taker_side,
            taker_agent: fill.taker.0,
            taker_role: role(fill.taker),
            maker_agent: fill.maker.0,
            maker_role: role(fill.maker),
            taker_order_id: fill.taker_order.0,
            maker_order_id: fill.maker_order.0,
        });
        self.metrics.on_fill(fill);
    }
    fn on_batch(&mut self, batch: &BatchRecord) {
        self.metrics.on_batch(batch);
    }
    fn on_rfq(&mut self, record: &RfqRecord) {
        self.metrics.on_rfq(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::tables::fast_and_csv_crate_bytes;

    #[test]
    fn event_rows_take_the_csv_fast_path() {
        let rows: Vec<EventRow> = (0..6)
            .map(|i: u64| EventRow {
                sent_ns: i * 10,
                delivered_ns: u64::MAX - i,
                agent: i as u32,
                role: ["market_maker", "noise"][i as usize % 2],
                channel: "market_data",
                kind: ["quote", "fill", "cancel"][i as usize % 3],
                order_id: i.is_multiple_of(2).then_some(i),
            })
            .collect();
        let (fast, csv) = fast_and_csv_crate_bytes(&EVENT_COLUMNS, &rows);
        assert_eq!(fast, Some(csv));
    }
}
