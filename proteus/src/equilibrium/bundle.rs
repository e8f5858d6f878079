//! The equilibrium bundle: `payoffs.csv`, `equilibria.json`, `welfare.csv`,
//! `welfare_contrasts.csv`, `manifest.json` and `report.html` (`docs/equilibrium.md`).

use super::empirical::{EquilibriumError, Outcome, WELFARE_METRICS};
use crate::artifacts::tables::Column;
use crate::artifacts::{BundleWriter, FileDigest};
use crate::report::chart::{Colour, FONT, render_svg};
use crate::report::forest::{ForestPlot, ForestRow};
use crate::report::html::HtmlPage;
use crate::report::{Cell, Table};
use crate::stats::Summary;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub const EQUILIBRIUM_SCHEMA_VERSION: u32 = 1;

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

pub const CONTRAST_COLUMNS: [Column; 8] = [
    Column::text("mechanism"),
    Column::text("reference"),
    Column::text("metric"),
    Column::float("difference"),
    Column::float("std_error"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
    Column::int("pairs"),
];

#[derive(Serialize)]
struct PayoffRow<'a> {
    mechanism: &'a str,
    profile: &'a str,
    role: &'a str,
    strategy: &'a str,
    players: u32,
    full_profile: &'a str,
    payoff: Option<f64>,
    std_error: Option<f64>,
    ci95_low: Option<f64>,
    ci95_high: Option<f64>,
    repetitions: usize,
}

#[derive(Serialize)]
struct WelfareRow<'a> {
    mechanism: &'a str,
    equilibrium: usize,
    metric: &'a str,
    mean: Option<f64>,
    std_error: Option<f64>,
    ci95_low: Option<f64>,
    ci95_high: Option<f64>,
    runs: usize,
}

#[derive(Serialize)]
struct ContrastRow<'a> {
    mechanism: &'a str,
    reference: &'a str,
    metric: &'a str,
    difference: Option<f64>,
    std_error: Option<f64>,
    ci95_low: Option<f64>,
    ci95_high: Option<f64>,
    pairs: usize,
}

/// A paired contrast of one welfare metric: mechanism `m`'s first equilibrium against the
/// first mechanism's, run by run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contrast {
    pub mechanism: String,
    pub reference: String,
    pub metric: &'static str,
    pub summary: Summary,
}

/// The paired contrasts of every mechanism's first equilibrium against the first mechanism's
/// (module docs of `empirical`: welfare runs are paired across mechanisms).
pub fn contrasts(o: &Outcome) -> Vec<Contrast> {
    let first = |m: usize| {
        o.equilibria[m]
            .first()
            .filter(|e| !e.welfare_runs.is_empty())
    };
    let Some(reference) = first(0) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in 1..o.mechanisms.len() {
        let Some(treat) = first(m) else { continue };
        for (i, metric) in WELFARE_METRICS.iter().enumerate() {
            let d: Vec<f64> = treat
                .welfare_runs
                .iter()
                .zip(&reference.welfare_runs)
                .map(|(a, b)| a[i] - b[i])
                .filter(|x| x.is_finite())
                .collect();
            out.push(Contrast {
                mechanism: o.mechanisms[m].clone(),
                reference: o.mechanisms[0].clone(),
                metric,
                summary: Summary::of(&d).expect("finite by construction"),
            });
        }
    }
    out
}

/// A role's mixture as `{strategy: weight}` in strategy order.
fn named(o: &Outcome, mix: &[Vec<f64>]) -> Vec<serde_json::Value> {
    o.spec
        .roles
        .iter()
        .zip(mix)
        .map(|(role, x)| {
            let mut m = serde_json::Map::new();
            for (s, w) in role.strategies.iter().zip(x) {
                m.insert(s.name.clone(), serde_json::json!(w));
            }
            serde_json::json!({ "role": role.name, "mixture": m })
        })
        .collect()
}

/// `equilibria.json`.
pub fn equilibria_json(o: &Outcome) -> serde_json::Value {
    let mechanisms: Vec<serde_json::Value> = o
        .mechanisms
        .iter()
        .zip(&o.equilibria)
        .map(|(mech, eqs)| {
            let list: Vec<serde_json::Value> = eqs
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let welfare = e.welfare.as_ref().map(|w| {
                        let mut m = serde_json::Map::new();
                        for (name, s) in WELFARE_METRICS.iter().zip(w) {
                            m.insert((*name).to_owned(), serde_json::to_value(s).expect("plain"));
                        }
                        m
                    });
                    serde_json::json!({
                        "equilibrium": i,
                        "roles": named(o, &e.equilibrium.mixture),
                        "regret": e.equilibrium.regret,
                        "payoffs": e.equilibrium.payoffs,
                        "bootstrap": e.bootstrap,
                        "welfare": welfare,
                    })
                })
                .collect();
            serde_json::json!({ "mechanism": mech, "equilibria": list })
        })
        .collect();
    serde_json::json!({
        "game": o.spec.game,
        "scenario_id": o.scenario_id,
        "master_seed": o.seed,
        "repetitions": o.repetitions,
        "full_profiles_per_mechanism": o.profiles,
        "solver": o.solver,
        "mechanisms": mechanisms,
    })
}

#[derive(Serialize)]
struct Manifest<'a> {
    schema_version: u32,
    kind: &'static str,
    crate_version: &'static str,
    game: &'a super::spec::GameSpec,
    scenario_id: &'a str,
    master_seed: u64,
    mechanisms: &'a [String],
    repetitions: u64,
    seeds: &'static str,
    files: Vec<FileDigest>,
    derived: Vec<String>,
}

fn label(o: &Outcome, m: usize, e: usize) -> String {
    let eq = &o.equilibria[m][e].equilibrium;
    let parts: Vec<String> = o
        .spec
        .roles
        .iter()
        .zip(&eq.mixture)
        .map(|(role, x)| {
            let s: Vec<String> = role
                .strategies
                .iter()
                .zip(x)
                .filter(|(_, w)| **w > 5e-4)
                .map(|(s, w)| format!("{} {:.3}", s.name, w))
                .collect();
            format!("{}: {}", role.name, s.join(", "))
        })
        .collect();
    parts.join("; ")
}

/// The closing table: per mechanism and equilibrium, the mixture, regret and welfare with CIs.
pub fn text_table(o: &Outcome) -> String {
    let ci = |s: &Summary| match (s.mean.value(), s.ci95_low.value(), s.ci95_high.value()) {
        (Some(m), Some(l), Some(h)) => format!("{m:.3} [{l:.3}, {h:.3}]"),
        (Some(m), _, _) => format!("{m:.3}"),
        _ => "—".to_owned(),
    };
    let mut out = String::new();
    for (m, mech) in o.mechanisms.iter().enumerate() {
        out.push_str(&format!("{mech}:\n"));
        if o.equilibria[m].is_empty() {
            out.push_str("  no equilibrium found within tolerance\n");
        }
        for (e, r) in o.equilibria[m].iter().enumerate() {
            out.push_str(&format!(
                "  equilibrium {e}: {}\n    regret {:.3e}",
                label(o, m, e),
                r.equilibrium.regret
            ));
            if let Some(b) = &r.bootstrap {
                out.push_str(&format!(
                    " (bootstrap 95%: {:.3e} to {:.3e}, {} draws)",
                    b.regret.low, b.regret.high, b.draws
                ));
            }
            out.push('\n');
            if let Some(w) = &r.welfare {
                for (name, s) in WELFARE_METRICS.iter().zip(w) {
                    out.push_str(&format!("    {name:<28} {}\n", ci(s)));
                }
            }
        }
    }
    let cs = contrasts(o);
    if !cs.is_empty() {
        out.push_str("paired contrasts (first equilibrium of each mechanism):\n");
        for c in &cs {
            out.push_str(&format!(
                "  {} − {}  {:<28} {}\n",
                c.mechanism,
                c.reference,
                c.metric,
                ci(&c.summary)
            ));
        }
    }
    out
}

const PALETTE: [Colour; 6] = [
    Colour::BLUE,
    Colour::ORANGE,
    Colour::GREEN,
    Colour::RED,
    Colour::PURPLE,
    Colour::GREY,
];

/// One stacked bar per mechanism, equilibrium and role: the mixture's weights.
fn mixture_bars(o: &Outcome) -> Result<String, EquilibriumError> {
    let mut bars: Vec<(String, Vec<(String, f64)>)> = Vec::new();
    for (m, mech) in o.mechanisms.iter().enumerate() {
        for (e, r) in o.equilibria[m].iter().enumerate() {
            for (role, x) in o.spec.roles.iter().zip(&r.equilibrium.mixture) {
                bars.push((
                    format!("{mech} #{e} {}", role.name),
                    role.strategies
                        .iter()
                        .zip(x)
                        .map(|(s, w)| (s.name.clone(), *w))
                        .collect(),
                ));
            }
        }
    }
    let (w, row, left, top) = (900u32, 34u32, 230i32, 40i32);
    let h = top as u32 + 60 + row * bars.len().max(1) as u32;
    let span = (w as i32 - left - 30) as f64;
    render_svg("mixtures", w, h, |root| {
        let font = (FONT, 13).into_font();
        let style = TextStyle::from(font.clone()).color(&BLACK);
        root.draw(&Text::new(
            "Equilibrium mixtures (weight of each strategy)",
            (10, 12),
            style.clone(),
        ))
        .map_err(|e| e.to_string())?;
        let mut names: Vec<String> = Vec::new();
        for (i, (name, parts)) in bars.iter().enumerate() {
            let y = top + (i as i32) * row as i32;
            root.draw(&Text::new(
                name.clone(),
                (left - 8, y + 10),
                style.clone().pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(|e| e.to_string())?;
            let mut x = left as f64;
            for (s, wgt) in parts {
                let k = names.iter().position(|n| n == s).unwrap_or_else(|| {
                    names.push(s.clone());
                    names.len() - 1
                });
                let c = PALETTE[k % PALETTE.len()];
                let x1 = x + wgt * span;
                if x1 - x >= 0.5 {
                    root.draw(&Rectangle::new(
                        [(x.round() as i32, y), (x1.round() as i32, y + 22)],
                        RGBColor(c.0, c.1, c.2).filled(),
                    ))
                    .map_err(|e| e.to_string())?;
                }
                x = x1;
            }
        }
        let y = top + (bars.len() as i32) * row as i32 + 16;
        for (k, n) in names.iter().enumerate() {
            let c = PALETTE[k % PALETTE.len()];
            let x = left + (k as i32) * 130;
            root.draw(&Rectangle::new(
                [(x, y), (x + 14, y + 14)],
                RGBColor(c.0, c.1, c.2).filled(),
            ))
            .map_err(|e| e.to_string())?;
            root.draw(&Text::new(n.clone(), (x + 20, y + 2), style.clone()))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
    .map_err(|e| EquilibriumError::Plot(e.to_string()))
}

fn report_html(o: &Outcome) -> Result<String, EquilibriumError> {
    let mut page = HtmlPage::new(&format!("Equilibrium: {}", o.spec.game));
    page.paragraph(&format!(
        "Empirical game `{}` on scenario `{}` (seed {}), {} repetitions per profile and \
         mechanism, {} full-game profiles per mechanism (deviation-preserving reduction). \
         Payoffs are trading gains against the value at each fill, in ticks per second, minus \
         each strategy's cost. Method: docs/equilibrium.md.",
        o.spec.game, o.scenario_id, o.seed, o.repetitions, o.profiles
    ));
    page.section("equilibria", "Equilibria");
    let mut t = Table::new(
        "equilibria",
        &[
            "mechanism",
            "#",
            "mixture",
            "regret",
            "regret 95% (bootstrap)",
        ],
    );
    for (m, mech) in o.mechanisms.iter().enumerate() {
        for (e, r) in o.equilibria[m].iter().enumerate() {
            t.push(vec![
                Cell::text(mech.clone()),
                Cell::Number(e as f64),
                Cell::text(label(o, m, e)),
                Cell::Number(r.equilibrium.regret),
                match &r.bootstrap {
                    Some(b) => Cell::text(format!("{:.3e} to {:.3e}", b.regret.low, b.regret.high)),
                    None => Cell::Missing("no bootstrap".into()),
                },
            ]);
        }
    }
    page.table(&t);
    let svg = mixture_bars(o)?;
    page.figure(
        "mixtures",
        &svg,
        "Each bar is one equilibrium of one mechanism for one role; its segments are the \
         probabilities of the strategies.",
    );
    page.section("welfare", "Welfare at equilibrium");
    let mut t = Table::new(
        "welfare",
        &[
            "mechanism",
            "#",
            "metric",
            "mean",
            "95% CI low",
            "95% CI high",
            "runs",
        ],
    );
    let num = |x: Option<f64>, why: &str| x.map_or(Cell::Missing(why.to_owned()), Cell::Number);
    for (m, mech) in o.mechanisms.iter().enumerate() {
        for (e, r) in o.equilibria[m].iter().enumerate() {
            let Some(w) = &r.welfare else { continue };
            for (name, s) in WELFARE_METRICS.iter().zip(w) {
                t.push(vec![
                    Cell::text(mech.clone()),
                    Cell::Number(e as f64),
                    Cell::text(*name),
                    num(s.mean.value(), "no runs"),
                    num(s.ci95_low.value(), "n < 2"),
                    num(s.ci95_high.value(), "n < 2"),
                    Cell::Number(s.n as f64),
                ]);
            }
        }
    }
    page.table(&t);
    let cs = contrasts(o);
    if !cs.is_empty() {
        let rows = cs
            .iter()
            .filter_map(|c| {
                Some(ForestRow {
                    label: format!("{} − {}: {}", c.mechanism, c.reference, c.metric),
                    estimate: c.summary.mean.value()?,
                    interval: c.summary.ci95_low.value().zip(c.summary.ci95_high.value()),
                })
            })
            .collect();
        let plot = ForestPlot::new(
            "Welfare at equilibrium, paired across mechanisms",
            "difference (ticks per second; players for costly_players, lots per second for investor_lots_per_s)",
            rows,
        );
        let svg = plot
            .to_svg()
            .map_err(|e| EquilibriumError::Plot(e.to_string()))?;
        page.figure(
            "welfare",
            &svg,
            "Each row: a mechanism's first equilibrium minus the first mechanism's, over welfare \
             runs paired by repetition (the same investors, news and profile uniforms), with \
             its 95% Student-t interval.",
        );
    }
    page.section("payoffs", "Payoff table (reduced game)");
    let mut t = Table::new(
        "payoffs",
        &[
            "mechanism",
            "profile",
            "role",
            "strategy",
            "payoff",
            "std error",
        ],
    );
    for c in &o.payoffs {
        t.push(vec![
            Cell::text(c.mechanism.clone()),
            Cell::text(c.profile.clone()),
            Cell::text(c.role.clone()),
            Cell::text(c.strategy.clone()),
            num(c.summary.mean.value(), "no runs"),
            num(c.summary.se.value(), "n < 2"),
        ]);
    }
    page.table(&t);
    Ok(page.finish())
}

/// Writes the bundle into `out` atomically (nothing is left behind on error).
pub fn write_bundle(o: &Outcome, out: &Path, force: bool) -> Result<PathBuf, EquilibriumError> {
    let mut w = BundleWriter::create(out, force)?;
    w.write_csv(
        "payoffs.csv",
        &PAYOFF_COLUMNS,
        o.payoffs.iter().map(|c| PayoffRow {
            mechanism: &c.mechanism,
            profile: &c.profile,
            role: &c.role,
            strategy: &c.strategy,
            players: c.players,
            full_profile: &c.full_profile,
            payoff: c.summary.mean.value(),
            std_error: c.summary.se.value(),
            ci95_low: c.summary.ci95_low.value(),
            ci95_high: c.summary.ci95_high.value(),
            repetitions: c.summary.n,
        }),
    )?;
    w.write_json("equilibria.json", &equilibria_json(o))?;
    let mut rows = Vec::new();
    for (m, mech) in o.mechanisms.iter().enumerate() {
        for (e, r) in o.equilibria[m].iter().enumerate() {
            let Some(ws) = &r.welfare else { continue };
            for (metric, s) in WELFARE_METRICS.iter().zip(ws) {
                rows.push(WelfareRow {
                    mechanism: mech,
                    equilibrium: e,
                    metric,
                    mean: s.mean.value(),
                    std_error: s.se.value(),
                    ci95_low: s.ci95_low.value(),
                    ci95_high: s.ci95_high.value(),
                    runs: s.n,
                });
            }
        }
    }
    w.write_csv("welfare.csv", &WELFARE_COLUMNS, rows)?;
    let cs = contrasts(o);
    w.write_csv(
        "welfare_contrasts.csv",
        &CONTRAST_COLUMNS,
        cs.iter().map(|c| ContrastRow {
            mechanism: &c.mechanism,
            reference: &c.reference,
            metric: c.metric,
            difference: c.summary.mean.value(),
            std_error: c.summary.se.value(),
            ci95_low: c.summary.ci95_low.value(),
            ci95_high: c.summary.ci95_high.value(),
            pairs: c.summary.n,
        }),
    )?;
    let manifest = Manifest {
        schema_version: EQUILIBRIUM_SCHEMA_VERSION,
        kind: "equilibrium",
        crate_version: env!("CARGO_PKG_VERSION"),
        game: &o.spec,
        scenario_id: &o.scenario_id,
        master_seed: o.seed,
        mechanisms: &o.mechanisms,
        repetitions: o.repetitions,
        seeds: "proteus seed protocol v1 (docs/seed-protocol.md); payoff runs 0..repetitions, \
                welfare runs 2^32 + k (docs/equilibrium.md)",
        files: w.digests(),
        derived: vec!["report.html".to_owned()],
    };
    w.write_json("manifest.json", &manifest)?;
    let html = report_html(o)?;
    w.write_derived("report.html", html.as_bytes())?;
    Ok(w.commit()?)
}
