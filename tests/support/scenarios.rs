//! Scenarios for tests: the default one shortened or under another mechanism, small calibration
//! grids, edits of scenario text, the TOML pieces of the hand-built markets, and what a run log
//! says of one agent.

use proteus::core::Role;
use proteus::mechanisms::RejectReason;
use proteus::scenario::{DEFAULT_SCENARIO_TOML, Scenario};
use proteus::sim::{MessageRecord, RequestRecord, RunLog};

/// The default scenario, `seconds` long.
pub fn short_default(seconds: f64) -> Scenario {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = seconds;
    sc
}

/// A scenario file shipped under `scenarios/`: `shipped("rmsc04-like.toml")`.
pub fn shipped(file: &str) -> Scenario {
    Scenario::load(&super::repo_path(&format!("scenarios/{file}")))
        .unwrap_or_else(|e| panic!("scenarios/{file}: {e}"))
}

/// `sc` under the mechanism of `spec` (`clob`, `fba:50ms`, `rfq:2`, ...).
pub fn with_mechanism(sc: &Scenario, spec: &str) -> Scenario {
    let mut s = sc.clone();
    s.mechanism = s.mechanism.with_spec(spec).unwrap();
    s
}

/// The default scenario, shortened to 5 s, with a small calibration grid (half-spreads of 1 and
/// 3 ticks, a quote size of 5) and the given repetitions, risk aversions and sensitivity axes:
/// fast enough for a pack test.
pub fn small_pack(
    repetitions: u64,
    risk_aversion: &[f64],
    sensitivity_informed_count: &[u32],
    sensitivity_latency_scale: &[f64],
) -> Scenario {
    let mut sc = short_default(5.0);
    let c = &mut sc.calibration;
    c.repetitions = repetitions;
    c.risk_aversion = risk_aversion.to_vec();
    c.half_spread_ticks = vec![1.0, 3.0];
    c.quote_size = vec![5];
    c.sensitivity_informed_count = sensitivity_informed_count.to_vec();
    c.sensitivity_latency_scale = sensitivity_latency_scale.to_vec();
    sc
}

/// `text` with `from` (which must occur exactly once) replaced by `to`.
pub fn edited(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from}");
    text.replace(from, to)
}

/// The default scenario's text with `from` (which must occur exactly once) replaced by `to`.
pub fn default_with(from: &str, to: &str) -> String {
    edited(DEFAULT_SCENARIO_TOML, from, to)
}

/// The error a scenario text is refused with; panics if it is accepted.
pub fn error_of(text: &str) -> String {
    match Scenario::from_toml(text, "my.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

// ---- TOML pieces of hand-built markets ----

/// A latency table of constant delays: `{ submit = ..., ack = ..., market_data = ... }`.
pub fn constant_latency(submit_ns: u64, ack_ns: u64, market_data_ns: u64) -> String {
    format!(
        "{{ submit = {{ kind = \"constant\", ns = {submit_ns} }}, ack = {{ kind = \"constant\", ns = {ack_ns} }}, market_data = {{ kind = \"constant\", ns = {market_data_ns} }} }}"
    )
}

/// A `[fundamental]` table that stays at `initial_ticks`: no diffusion, no jumps.
pub fn flat_fundamental(initial_ticks: f64) -> String {
    format!(
        "[fundamental]\nkind = \"jump_diffusion\"\ninitial_ticks = {initial_ticks:.1}\nsigma_ticks_per_sqrt_s = 0.0\njump_rate_per_s = 0.0\njump_size = {{ kind = \"fixed\", size = 0.0 }}\nstep_ns = 1_000_000_000\n"
    )
}

/// A `[news]` table with one public news at `time_ns` that moves the value by `shift_ticks`,
/// and no random news.
pub fn news_at(time_ns: u64, shift_ticks: f64) -> String {
    format!(
        "[news]\nrate_per_s = 0.0\njump_size = {{ kind = \"fixed\", size = 0.0 }}\nscheduled = [{{ time_ns = {time_ns}, shift_ticks = {shift_ticks:.1} }}]\n"
    )
}

/// The keys of a market maker that quotes exactly 2 ticks either side of the value: a fixed
/// half-spread, no inventory skew, no volatility term.
pub const FIXED_HALF_SPREAD_2: &str = "half_spread_ticks = 2.0
min_half_spread_ticks = 2.0
max_half_spread_ticks = 2.0
risk_aversion = 0.0
sigma_ticks_per_sqrt_s = 0.0
horizon_s = 0.0
";

/// One `[[agents.arbitrageur]]` that trades up to 5 lots on a 1-tick mispricing, with the given
/// latency table.
pub fn arbitrageur(latency: &str) -> String {
    format!(
        "[[agents.arbitrageur]]\ncount = 1\nthreshold_ticks = 1.0\nmax_size = 5\nlatency = {latency}\n"
    )
}

/// The latency race (`race`, seed 7, 2 s): a flat value of 10000, one public news at
/// `news_ns` moving it up 10 ticks, one market maker quoting 9998 / 10002 for `quote_size` with
/// the latency table `maker_latency`, and two arbitrageurs with the latency tables
/// `arbitrageur_latencies`.
pub fn latency_race(
    news_ns: u64,
    quote_size: u32,
    maker_latency: &str,
    arbitrageur_latencies: [&str; 2],
) -> Scenario {
    let text = format!(
        r#"
id = "race"
seed = 7
duration_s = 2.0
{fundamental}{news}[agents.market_maker]
count = 1
quote_size = {quote_size}
{FIXED_HALF_SPREAD_2}inventory_limit = 100
requote_interval_ns = 100_000_000_000
latency = {maker_latency}
{a0}{a1}"#,
        fundamental = flat_fundamental(10000.0),
        news = news_at(news_ns, 10.0),
        a0 = arbitrageur(arbitrageur_latencies[0]),
        a1 = arbitrageur(arbitrageur_latencies[1]),
    );
    Scenario::from_toml(&text, "race").unwrap()
}

// ---- what a run log says ----

/// The request messages of one agent, keyed by (role, index), in the log's order (the run must
/// record messages).
pub fn request_messages(log: &RunLog, role: Role, index: u32) -> Vec<&MessageRecord> {
    let id = log
        .agents
        .iter()
        .find(|a| a.role == role && a.index == index)
        .unwrap()
        .id;
    log.messages
        .as_ref()
        .unwrap()
        .iter()
        .filter(|m| m.agent == id && m.channel == "request")
        .collect()
}

/// Send times and arrival times of one agent's requests, keyed by (role, index).
pub fn requests_of(log: &RunLog, role: Role, index: u32) -> Vec<(u64, u64)> {
    request_messages(log, role, index)
        .into_iter()
        .map(|m| (m.sent.0, m.delivered.0))
        .collect()
}

/// The venue requests refused as off the tick or off the lot.
pub fn off_grid_rejects(log: &RunLog) -> Vec<&RequestRecord> {
    log.venue_requests
        .iter()
        .filter(|r| {
            matches!(
                r.rejected,
                Some(RejectReason::OffTick | RejectReason::OffLot)
            )
        })
        .collect()
}
