//! The report of an equilibrium bundle (`cargo xtask equilibrium`, `docs/equilibrium.md`), made
//! from the bundle's files alone: `manifest.json` (the strategies, in their order),
//! `equilibria.json`, `welfare.csv`, `welfare_contrasts.csv` and `payoffs.csv`. The bundle
//! writer calls it on the staged files, and `cargo xtask report DIR` regenerates it.

use crate::report::bundle::{check_all, csv_rows, read_checked, read_manifest};
use crate::report::chart::{Colour, FONT, e, render_svg};
use crate::report::forest::{ForestPlot, ForestRow};
use crate::report::html::HtmlPage;
use crate::report::{Cell, ReportError, ReportFiles, Table};
use crate::schema::{
    AnyManifest, BundleKind, EquilibriaDoc, PayoffRow, WelfareContrastRow as ContrastRow,
    WelfareRow,
};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Deserialize;
use std::path::Path;

/// The files a report adds to an equilibrium bundle.
pub const EQUILIBRIUM_REPORT_FILES: [&str; 1] = ["report.html"];

/// One role of the game: its name and strategies in order.
struct RoleNames {
    name: String,
    strategies: Vec<String>,
}

/// One equilibrium: per role, the weights in strategy order.
struct Eq {
    mechanism: String,
    index: u64,
    weights: Vec<Vec<f64>>,
    regret: f64,
    regret_ci: Option<(f64, f64)>,
}

fn malformed(dir: &Path, file: &str, why: impl Into<String>) -> ReportError {
    ReportError::Malformed {
        path: dir.join(file),
        why: why.into(),
    }
}

/// The part of an equilibrium manifest's `game` the report reads: role and strategy names.
#[derive(Deserialize)]
struct GameNames {
    roles: Vec<RoleEntry>,
}

#[derive(Deserialize)]
struct RoleEntry {
    name: String,
    strategies: Vec<StrategyEntry>,
}

#[derive(Deserialize)]
struct StrategyEntry {
    name: String,
}

fn roles(dir: &Path, manifest: &AnyManifest) -> Result<Vec<RoleNames>, ReportError> {
    let game = manifest
        .body
        .get("game")
        .ok_or_else(|| malformed(dir, "manifest.json", "no `game`"))?;
    let game = GameNames::deserialize(game)
        .map_err(|e| malformed(dir, "manifest.json", format!("`game`: {e}")))?;
    Ok(game
        .roles
        .into_iter()
        .map(|r| RoleNames {
            name: r.name,
            strategies: r.strategies.into_iter().map(|s| s.name).collect(),
        })
        .collect())
}

/// The equilibria of `equilibria.json`, each role's weights in the manifest's strategy order.
fn equilibria(
    dir: &Path,
    data: &EquilibriaDoc,
    roles: &[RoleNames],
) -> Result<Vec<Eq>, ReportError> {
    let mut out = Vec::new();
    for m in &data.mechanisms {
        for e in &m.equilibria {
            let at = |why: String| {
                malformed(
                    dir,
                    "equilibria.json",
                    format!("{} equilibrium {}: {why}", m.mechanism, e.equilibrium),
                )
            };
            if e.roles.len() != roles.len() {
                return Err(at(format!(
                    "{} roles, the manifest's game has {}",
                    e.roles.len(),
                    roles.len()
                )));
            }
            let weights = roles
                .iter()
                .zip(&e.roles)
                .map(|(r, v)| {
                    r.strategies
                        .iter()
                        .map(|s| {
                            v.mixture.get(s).copied().ok_or_else(|| {
                                at(format!("role `{}` has no weight for `{s}`", r.name))
                            })
                        })
                        .collect()
                })
                .collect::<Result<_, _>>()?;
            out.push(Eq {
                mechanism: m.mechanism.clone(),
                index: e.equilibrium,
                weights,
                regret: e.regret,
                regret_ci: e.bootstrap.as_ref().map(|b| (b.regret.low, b.regret.high)),
            });
        }
    }
    Ok(out)
}

fn label(roles: &[RoleNames], eq: &Eq) -> String {
    let names: Vec<(&str, Vec<&str>)> = roles
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.strategies.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    mixture_label(&names, &eq.weights)
}

/// A mixture as text, `role: strategy 0.250, other 0.750; role2: ...`, leaving out strategies of
/// weight below 5e-4 (the report's table and the command's closing table).
pub(crate) fn mixture_label(roles: &[(&str, Vec<&str>)], weights: &[Vec<f64>]) -> String {
    roles
        .iter()
        .zip(weights)
        .map(|((name, strategies), x)| {
            let s: Vec<String> = strategies
                .iter()
                .zip(x)
                .filter(|(_, w)| **w > 5e-4)
                .map(|(s, w)| format!("{s} {w:.3}"))
                .collect();
            format!("{name}: {}", s.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

const PALETTE: [Colour; 6] = [
    Colour::BLUE,
    Colour::ORANGE,
    Colour::GREEN,
    Colour::RED,
    Colour::PURPLE,
    Colour::GREY,
];

/// One stacked bar per mechanism, equilibrium and role: the mixture's weights, a colour per
/// strategy.
fn mixture_bars(roles: &[RoleNames], eqs: &[Eq]) -> Result<String, ReportError> {
    let mut bars: Vec<(String, Vec<(String, f64)>)> = Vec::new();
    for eq in eqs {
        for (r, x) in roles.iter().zip(&eq.weights) {
            bars.push((
                format!("{} #{} {}", eq.mechanism, eq.index, r.name),
                r.strategies
                    .iter()
                    .cloned()
                    .zip(x.iter().copied())
                    .collect(),
            ));
        }
    }
    let names: Vec<String> = roles.iter().flat_map(|r| r.strategies.clone()).collect();
    let (w, row, left, top) = (900u32, 34i32, 230i32, 40i32);
    let h = (top + 60 + row * bars.len().max(1) as i32) as u32;
    let span = f64::from(w as i32 - left - 30);
    Ok(render_svg("mixtures", w, h, |root| {
        let style = TextStyle::from((FONT, 13).into_font()).color(&BLACK);
        root.draw(&Text::new(
            "Equilibrium mixtures (probability of each strategy)",
            (10, 12),
            style.clone(),
        ))
        .map_err(e)?;
        for (i, (name, parts)) in bars.iter().enumerate() {
            let y = top + i as i32 * row;
            root.draw(&Text::new(
                name.clone(),
                (left - 8, y + 11),
                style.clone().pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(e)?;
            let mut x = f64::from(left);
            for (s, wgt) in parts {
                let k = names.iter().position(|n| n == s).unwrap_or(0);
                let c = PALETTE[k % PALETTE.len()];
                let x1 = x + wgt.max(0.0) * span;
                if x1 - x >= 0.5 {
                    root.draw(&Rectangle::new(
                        [(x.round() as i32, y), (x1.round() as i32, y + 22)],
                        RGBColor(c.0, c.1, c.2).filled(),
                    ))
                    .map_err(e)?;
                }
                x = x1;
            }
        }
        let y = top + bars.len() as i32 * row + 16;
        for (k, n) in names.iter().enumerate() {
            let c = PALETTE[k % PALETTE.len()];
            let x = left + k as i32 * 130;
            root.draw(&Rectangle::new(
                [(x, y), (x + 14, y + 14)],
                RGBColor(c.0, c.1, c.2).filled(),
            ))
            .map_err(e)?;
            root.draw(&Text::new(n.clone(), (x + 20, y + 2), style.clone()))
                .map_err(e)?;
        }
        Ok(())
    })?)
}

fn num(x: Option<f64>, why: &str) -> Cell {
    x.map_or(Cell::Missing(why.to_owned()), Cell::Number)
}

/// The report of the equilibrium bundle in `dir` (module docs).
pub fn build_equilibrium_report(dir: &Path) -> Result<ReportFiles, ReportError> {
    let manifest: AnyManifest = read_manifest(dir)?;
    if manifest.kind != BundleKind::Equilibrium {
        return Err(malformed(
            dir,
            "manifest.json",
            format!("`kind` is \"{}\", expected \"equilibrium\"", manifest.kind),
        ));
    }
    check_all(dir, &manifest)?;
    let roles = roles(dir, &manifest)?;
    let data: EquilibriaDoc =
        serde_json::from_slice(&read_checked(dir, &manifest, "equilibria.json")?)
            .map_err(|err| malformed(dir, "equilibria.json", err.to_string()))?;
    let eqs = equilibria(dir, &data, &roles)?;
    let welfare: Vec<WelfareRow> = csv_rows(dir, &manifest, "welfare.csv")?;
    let contrasts: Vec<ContrastRow> = csv_rows(dir, &manifest, "welfare_contrasts.csv")?;
    let payoffs: Vec<PayoffRow> = csv_rows(dir, &manifest, "payoffs.csv")?;

    let game = &data.game;
    let mut page = HtmlPage::new(&format!("Equilibrium: {game}"));
    page.paragraph(&format!(
        "Empirical game `{game}` on scenario `{}` (seed {}), {} repetitions per profile and \
         mechanism, {} full-game profiles per mechanism. Payoffs are trading gains against \
         the value in force at each fill, in ticks per second, minus each strategy's cost. \
         Method: docs/equilibrium.md.",
        data.scenario_id, data.master_seed, data.repetitions, data.full_profiles_per_mechanism,
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
    for eq in &eqs {
        t.push(vec![
            Cell::text(eq.mechanism.clone()),
            Cell::Number(eq.index as f64),
            Cell::text(label(&roles, eq)),
            Cell::Number(eq.regret),
            match eq.regret_ci {
                Some((lo, hi)) => Cell::text(format!("{lo:.3e} to {hi:.3e}")),
                None => Cell::Missing("no bootstrap".into()),
            },
        ]);
    }
    page.table(&t);
    page.figure(
        "mixtures",
        &mixture_bars(&roles, &eqs)?,
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
    for w in &welfare {
        t.push(vec![
            Cell::text(w.mechanism.clone()),
            Cell::Number(w.equilibrium as f64),
            Cell::text(w.metric.clone()),
            num(w.mean, "no runs"),
            num(w.ci95_low, "n < 2"),
            num(w.ci95_high, "n < 2"),
            Cell::Number(w.runs as f64),
        ]);
    }
    page.table(&t);
    let rows: Vec<ForestRow> = contrasts
        .iter()
        .filter_map(|c| {
            Some(ForestRow {
                label: format!("{} − {}: {}", c.mechanism, c.reference, c.metric),
                estimate: c.difference?,
                interval: c.ci95_low.zip(c.ci95_high),
            })
        })
        .collect();
    if !rows.is_empty() {
        let plot = ForestPlot::new(
            "Welfare at equilibrium, paired across mechanisms",
            "difference (ticks per second; players for costly_players, lots per second for \
             investor_lots_per_s)",
            rows,
        );
        page.figure(
            "welfare",
            &plot.to_svg()?,
            "Each row: a mechanism's first equilibrium minus the first mechanism's, over welfare \
             runs paired by repetition (the same investors, news and profile uniforms), with its \
             95% Student-t interval.",
        );
    }
    page.section("payoffs", "Payoff table");
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
    for p in &payoffs {
        t.push(vec![
            Cell::text(p.mechanism.clone()),
            Cell::text(p.profile.clone()),
            Cell::text(p.role.clone()),
            Cell::text(p.strategy.clone()),
            num(p.payoff, "no runs"),
            num(p.std_error, "n < 2"),
        ]);
    }
    page.table(&t);
    Ok(ReportFiles {
        files: vec![(
            EQUILIBRIUM_REPORT_FILES[0].to_owned(),
            page.finish().into_bytes(),
        )],
    })
}
