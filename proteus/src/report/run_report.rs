//! The report of one run: the scenario summary (from `manifest.json`), what happened (from the
//! CSV files), the price path against the fundamental with trades and quotes, the metrics table
//! with the reasons of missing metrics, and PnL by role.

use crate::core::MechanismKind;
use crate::mechanisms::Side;
use crate::report::format;
use crate::report::{
    Cell, Colour, HtmlPage, LineChart, ReportError, ReportFiles, RunFiles, Series, Table,
};
use crate::scenario::{MechanismSettings, Scenario};
use crate::schema::Manifest;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The files a run report writes into its bundle, in writing order (figures, then the page).
pub const RUN_REPORT_FILES: [&str; 2] = ["price_path.svg", "report.html"];

/// Builds the report of the run bundle in `dir` from its files alone.
pub fn build_run_report(dir: &Path) -> Result<ReportFiles, ReportError> {
    run_report_of(&RunFiles::load(dir)?, dir)
}

/// The report of a run bundle's contents already in memory (`dir` names the bundle in errors). A
/// bundle being written passes its data here rather than re-reading the files it just wrote;
/// `tests/bundles/report.rs` checks that `cargo xtask report` on the bundle gives the same bytes.
pub fn run_report_of(run: &RunFiles, dir: &Path) -> Result<ReportFiles, ReportError> {
    let price_path = price_path_svg(run, dir)?;
    Ok(run_report_with(run, price_path))
}

/// The run report's price path figure (`price_path.svg`). It reads the streams and the
/// scenario's horizon only, never the manifest's file digests, so a bundle being written can draw
/// it while it writes the files the digests are of.
pub fn price_path_svg(run: &RunFiles, dir: &Path) -> Result<String, ReportError> {
    let horizon_ns = run.horizon_ns().ok_or_else(|| ReportError::Malformed {
        path: dir.join("manifest.json"),
        why: "no `scenario.duration_s`".to_owned(),
    })?;
    Ok(price_path(run, horizon_ns).to_svg()?)
}

/// The run report from its price path figure ([`price_path_svg`]) and the rest of `run`.
pub fn run_report_with(run: &RunFiles, price_path_svg: String) -> ReportFiles {
    let page = page(run, &price_path_svg);
    ReportFiles {
        files: vec![
            (RUN_REPORT_FILES[0].to_owned(), price_path_svg.into_bytes()),
            (RUN_REPORT_FILES[1].to_owned(), page.into_bytes()),
        ],
    }
}

fn secs(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// Mid and best bid and ask as steps, the fundamental as a step, trades as points.
pub(crate) fn price_path(run: &RunFiles, horizon_ns: u64) -> LineChart {
    let end = secs(horizon_ns);
    let mut chart = LineChart::new(
        "Price path against the fundamental",
        "time (s)",
        "price (ticks)",
    );
    chart.x_range = Some((0.0, end.max(1e-9)));
    // Each series straight from the rows, no intermediate lists.
    let side = |f: fn(&crate::report::QuoteRow) -> Option<f64>| {
        run.quotes.iter().map(move |q| (secs(q.time_ns), f(q)))
    };
    let bid = side(|q| q.bid_price.map(|p| p as f64));
    let ask = side(|q| q.ask_price.map(|p| p as f64));
    let mid = side(|q| Some((q.bid_price? + q.ask_price?) as f64 / 2.0));
    let fundamental = run.fundamental.iter().map(|&(t, v)| (secs(t), Some(v)));
    let trades = |side: Side| -> Vec<(f64, f64)> {
        run.fills
            .iter()
            .filter(|f| f.taker_side == side)
            .map(|f| (secs(f.time_ns), f.price as f64))
            .collect()
    };
    chart.series = vec![
        Series::step("fundamental", Colour::GREEN, 2, fundamental, end),
        Series::step("mid", Colour::GREY, 1, mid, end),
        Series::step("best bid", Colour::BLUE, 2, bid, end),
        Series::step("best ask", Colour::RED, 2, ask, end),
        Series::points(
            "trade, buyer-initiated",
            Colour::ORANGE,
            2,
            trades(Side::Buy),
        ),
        Series::points(
            "trade, seller-initiated",
            Colour::PURPLE,
            2,
            trades(Side::Sell),
        ),
    ];
    chart
}

pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

/// A typed value as the report writes it: as its JSON form (numbers as the manifest writes
/// them, strings unquoted, `None` as a dash).
pub(crate) fn show<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).map_or_else(|_| "—".to_owned(), |v| text(&v))
}

pub(crate) fn mechanism(m: &MechanismSettings) -> String {
    match m.kind {
        MechanismKind::Fba => format!(
            "frequent batch auction, batch every {} ms, {} rationing",
            format::number(m.batch_interval_ns as f64 / 1e6),
            show(&m.rationing)
        ),
        MechanismKind::Rfq => format!("request for quote, {} dealers", m.rfq_dealers),
        MechanismKind::Clob => "continuous limit order book".to_owned(),
    }
}

/// Agents per `[agents]` key, keys in alphabetical order, keys with no agents left out.
pub(crate) fn agent_counts(scenario: &Scenario) -> String {
    let mut by_key: BTreeMap<&str, u64> = BTreeMap::new();
    for (key, _, ids) in scenario.group_ranges() {
        *by_key.entry(key).or_insert(0) += u64::from(ids.end - ids.start);
    }
    let parts: Vec<String> = by_key
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .map(|(key, n)| format!("{n} {key}"))
        .collect();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The resolved scenario as the report's details show it: pretty JSON, keys in alphabetical
/// order at every level.
pub(crate) fn resolved_scenario(scenario: &Scenario) -> Option<String> {
    let v = serde_json::to_value(scenario).ok()?;
    serde_json::to_string_pretty(&v).ok()
}

fn summary_table(run: &RunFiles) -> Table {
    let m = &run.manifest;
    let (sc, seeds) = (&m.body.scenario, &m.body.seeds);
    let mut t = Table::new("scenario", &["", ""]);
    let mut row = |k: &str, v: String| {
        t.push(vec![Cell::text(k), Cell::Text(v)]);
    };
    row("scenario", sc.id.clone());
    row("mechanism", mechanism(&sc.mechanism));
    row("duration", format!("{} s", show(&sc.duration_s)));
    row("master seed", seeds.master_seed.to_string());
    row("repetition", seeds.repetition.to_string());
    row("repetition seed", seeds.repetition_seed.to_string());
    row(
        "market",
        format!(
            "tick size {}, lot size {}, self-trade prevention {}",
            sc.market.tick_size,
            sc.market.lot_size,
            show(&sc.market.self_trade)
        ),
    );
    row(
        "fundamental",
        format!(
            "{}, starting at {} ticks",
            sc.fundamental.kind_name(),
            show(&sc.fundamental.initial_ticks())
        ),
    );
    row("agents", agent_counts(sc));
    row(
        "Proteus",
        format!("{} (bundle schema {})", m.crate_version, m.schema_version),
    );
    t
}

fn activity_table(run: &RunFiles) -> Table {
    let mut t = Table::new("activity", &["", ""]);
    let volume: i64 = run.fills.iter().map(|f| f.qty).sum();
    let two_sided = run
        .quotes
        .iter()
        .filter(|q| q.bid_price.is_some() && q.ask_price.is_some())
        .count();
    t.push(vec![
        Cell::text("fills"),
        Cell::Number(run.fills.len() as f64),
    ]);
    t.push(vec![
        Cell::text("volume (lots)"),
        Cell::Number(volume as f64),
    ]);
    t.push(vec![
        Cell::text("top-of-book changes (two-sided after the change)"),
        Cell::Text(format!("{} ({two_sided})", run.quotes.len())),
    ]);
    t.push(vec![
        Cell::text("fundamental change points"),
        Cell::Number(run.fundamental.len() as f64),
    ]);
    match (run.fills.first(), run.fills.last()) {
        (Some(a), Some(b)) => t.push(vec![
            Cell::text("first and last trade"),
            Cell::Text(format!(
                "{} ticks at {} s, {} ticks at {} s",
                a.price,
                format::seconds_from_ns(a.time_ns),
                b.price,
                format::seconds_from_ns(b.time_ns)
            )),
        ]),
        _ => t.push(vec![
            Cell::text("first and last trade"),
            Cell::Missing("no trades".into()),
        ]),
    };
    t
}

fn metrics_table(run: &RunFiles) -> Table {
    let mut t = Table::new("metrics", &["metric", "value"]);
    let mut names: Vec<&String> = run
        .metrics
        .metrics
        .keys()
        .chain(run.metrics.missing.keys())
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let cell = match (run.metrics.metrics.get(name), run.metrics.missing.get(name)) {
            (Some(v), _) => Cell::Number(*v),
            (None, Some(why)) => Cell::Missing(why.clone()),
            (None, None) => unreachable!("the name comes from one of the maps"),
        };
        t.push(vec![Cell::Text(name.clone()), cell]);
    }
    t
}

fn pnl_table(run: &RunFiles) -> Table {
    let mut by_role: BTreeMap<&str, (u64, i64, f64)> = BTreeMap::new();
    for a in &run.metrics.pnl_by_agent {
        let e = by_role.entry(a.role.as_str()).or_default();
        e.0 += 1;
        e.1 += a.position;
        e.2 += a.pnl_ticks;
    }
    let mut t = Table::new(
        "pnl",
        &[
            "role",
            "agents",
            "net position (lots)",
            "PnL (ticks × lots)",
        ],
    );
    for (role, (n, pos, pnl)) in by_role {
        t.push(vec![
            Cell::text(role),
            Cell::Number(n as f64),
            Cell::Number(pos as f64),
            Cell::Number(pnl),
        ]);
    }
    t
}

pub(crate) fn files_table<B, T>(manifest: &Manifest<B, T>) -> Table {
    let mut t = Table::new("files", &["file", "bytes", "SHA-256"]);
    for f in &manifest.files {
        t.push(vec![
            Cell::Text(f.name.clone()),
            Cell::Number(f.bytes as f64),
            Cell::Text(f.sha256.clone()),
        ]);
    }
    t
}

fn page(run: &RunFiles, price_path_svg: &str) -> String {
    let sc = &run.manifest.body.scenario;
    let mut p = HtmlPage::new(&format!(
        "Run report: scenario {} under {}",
        sc.id,
        show(&sc.mechanism.kind)
    ));
    p.note(
        "Made from this bundle's files alone (manifest.json, metrics.json, fills.csv, \
         quotes.csv, fundamental.csv), after checking them against the manifest's SHA-256. \
         Regenerate with `cargo xtask report DIR`.",
    );
    p.section("scenario", "Scenario").table(&summary_table(run));
    if let Some(resolved) = resolved_scenario(sc) {
        p.details("The resolved scenario (manifest.json)", &resolved);
    }
    p.section("activity", "What happened")
        .table(&activity_table(run));
    p.section("price-path", "Price path").figure(
        "price_path",
        price_path_svg,
        "Best bid and ask and their mid as step functions of the venue's top of book \
         (quotes.csv), the fundamental value (fundamental.csv), and every trade at its price, \
         coloured by the side that initiated it (fills.csv). Lines are drawn at screen \
         resolution: each pixel column keeps its first, lowest, highest and last point. \
         Also in price_path.svg.",
    );
    p.section("metrics", "Metrics").table(&metrics_table(run));
    p.note(
        "Definitions, units and the reasons a metric can be missing: docs/metrics.md. The name \
         gives the unit: _ticks, _lots, _s, a bare count or a ratio.",
    );
    p.section("pnl", "Profit and loss by role")
        .table(&pnl_table(run));
    p.note("Marked to the final fundamental; money in ticks × lots (docs/metrics.md).");
    p.section("files", "Files")
        .table(&files_table(&run.manifest));
    p.finish()
}
