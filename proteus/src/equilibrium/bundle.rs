//! The equilibrium bundle: `payoffs.csv`, `equilibria.json`, `welfare.csv`,
//! `welfare_contrasts.csv`, `manifest.json` and `report.html` (`docs/equilibrium.md`).

use super::empirical::{EquilibriumError, Outcome, Percentiles, WELFARE_METRICS};
use crate::artifacts::{BundleKind, BundleWriter, Manifest};
use crate::schema::{
    EquilibriaDoc, EquilibriumBootstrap, EquilibriumEntry, MechanismEquilibria, PayoffRow,
    PercentileInterval, RoleMixture, SolverSettings, WelfareContrastRow, WelfareRow,
    WelfareSummary,
};
pub use crate::schema::{
    PAYOFF_COLUMNS, WELFARE_COLUMNS, WELFARE_CONTRAST_COLUMNS as CONTRAST_COLUMNS,
};
use crate::stats::Summary;
use serde::Serialize;
use std::path::{Path, PathBuf};

pub const EQUILIBRIUM_SCHEMA_VERSION: u32 = 1;

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

/// A role's mixture as `{strategy: weight}`, per role.
fn named(o: &Outcome, mix: &[Vec<f64>]) -> Vec<RoleMixture> {
    o.spec
        .roles
        .iter()
        .zip(mix)
        .map(|(role, x)| RoleMixture {
            mixture: role
                .strategies
                .iter()
                .zip(x)
                .map(|(s, w)| (s.name.clone(), *w))
                .collect(),
            role: role.name.clone(),
        })
        .collect()
}

fn interval(p: &Percentiles) -> PercentileInterval {
    PercentileInterval {
        high: p.high,
        low: p.low,
    }
}

/// `equilibria.json` ([`EquilibriaDoc`]).
pub fn equilibria_doc(o: &Outcome) -> EquilibriaDoc {
    let mechanisms = o
        .mechanisms
        .iter()
        .zip(&o.equilibria)
        .map(|(mech, eqs)| MechanismEquilibria {
            equilibria: eqs
                .iter()
                .enumerate()
                .map(|(i, e)| EquilibriumEntry {
                    bootstrap: e.bootstrap.as_ref().map(|b| EquilibriumBootstrap {
                        draws: b.draws,
                        mixture: b
                            .mixture
                            .iter()
                            .map(|role| role.iter().map(interval).collect())
                            .collect(),
                        regret: interval(&b.regret),
                        solved: b.solved,
                    }),
                    equilibrium: i as u64,
                    payoffs: e.equilibrium.payoffs.clone(),
                    regret: e.equilibrium.regret,
                    roles: named(o, &e.equilibrium.mixture),
                    welfare: e.welfare.as_ref().map(|w| {
                        WELFARE_METRICS
                            .iter()
                            .zip(w)
                            .map(|(name, s)| ((*name).to_owned(), WelfareSummary::from(s)))
                            .collect()
                    }),
                })
                .collect(),
            mechanism: mech.clone(),
        })
        .collect();
    EquilibriaDoc {
        full_profiles_per_mechanism: o.profiles as u64,
        game: o.spec.game.clone(),
        master_seed: o.seed,
        mechanisms,
        repetitions: o.repetitions,
        scenario_id: o.scenario_id.clone(),
        solver: SolverSettings {
            iterations: o.solver.iterations as u64,
            max_supports: o.solver.max_supports as u64,
            random_starts: o.solver.random_starts as u64,
            seed: o.solver.seed,
            tolerance: o.solver.tolerance,
        },
    }
}

/// The body of an equilibrium bundle's manifest (the frame: [`crate::schema::Manifest`]).
#[derive(Serialize)]
struct EquilibriumBody<'a> {
    game: &'a super::spec::GameSpec,
    scenario_id: &'a str,
    master_seed: u64,
    mechanisms: &'a [String],
    repetitions: u64,
    seeds: &'static str,
}

fn label(o: &Outcome, m: usize, e: usize) -> String {
    let names: Vec<(&str, Vec<&str>)> = o
        .spec
        .roles
        .iter()
        .map(|r| {
            let s = r.strategies.iter().map(|s| s.name.as_str()).collect();
            (r.name.as_str(), s)
        })
        .collect();
    crate::report::equilibrium_report::mixture_label(
        &names,
        &o.equilibria[m][e].equilibrium.mixture,
    )
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
            if let Some(b) = &r.bootstrap {
                // The mixture's bootstrap interval (the nearest equilibrium of each resampled
                // game), for the strategies in the support.
                for ((role, x), ci) in o
                    .spec
                    .roles
                    .iter()
                    .zip(&r.equilibrium.mixture)
                    .zip(&b.mixture)
                {
                    let parts: Vec<String> = role
                        .strategies
                        .iter()
                        .zip(x)
                        .zip(ci)
                        .filter(|((_, w), c)| **w > 5e-4 || c.high > 5e-4)
                        .map(|((s, _), c)| format!("{} [{:.3}, {:.3}]", s.name, c.low, c.high))
                        .collect();
                    out.push_str(&format!(
                        "    {} mixture 95% ({} of {} draws solved): {}\n",
                        role.name,
                        b.solved,
                        b.draws,
                        parts.join(", ")
                    ));
                }
            }
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

/// Writes the bundle into `out` atomically (nothing is left behind on error).
pub fn write_bundle(o: &Outcome, out: &Path, force: bool) -> Result<PathBuf, EquilibriumError> {
    let mut w = BundleWriter::create(out, force)?;
    w.write_csv(
        "payoffs.csv",
        &PAYOFF_COLUMNS,
        o.payoffs.iter().map(|c| PayoffRow {
            mechanism: c.mechanism.clone(),
            profile: c.profile.clone(),
            role: c.role.clone(),
            strategy: c.strategy.clone(),
            players: c.players,
            full_profile: c.full_profile.clone(),
            payoff: c.summary.mean.value(),
            std_error: c.summary.se.value(),
            ci95_low: c.summary.ci95_low.value(),
            ci95_high: c.summary.ci95_high.value(),
            repetitions: c.summary.n as u64,
        }),
    )?;
    w.write_json("equilibria.json", &equilibria_doc(o))?;
    let mut rows = Vec::new();
    for (m, mech) in o.mechanisms.iter().enumerate() {
        for (e, r) in o.equilibria[m].iter().enumerate() {
            let Some(ws) = &r.welfare else { continue };
            for (metric, s) in WELFARE_METRICS.iter().zip(ws) {
                rows.push(WelfareRow {
                    mechanism: mech.clone(),
                    equilibrium: e as u64,
                    metric: (*metric).to_owned(),
                    mean: s.mean.value(),
                    std_error: s.se.value(),
                    ci95_low: s.ci95_low.value(),
                    ci95_high: s.ci95_high.value(),
                    runs: s.n as u64,
                });
            }
        }
    }
    w.write_csv("welfare.csv", &WELFARE_COLUMNS, rows)?;
    let cs = contrasts(o);
    w.write_csv(
        "welfare_contrasts.csv",
        &CONTRAST_COLUMNS,
        cs.iter().map(|c| WelfareContrastRow {
            mechanism: c.mechanism.clone(),
            reference: c.reference.clone(),
            metric: c.metric.to_owned(),
            difference: c.summary.mean.value(),
            std_error: c.summary.se.value(),
            ci95_low: c.summary.ci95_low.value(),
            ci95_high: c.summary.ci95_high.value(),
            pairs: c.summary.n as u64,
        }),
    )?;
    let body = EquilibriumBody {
        game: &o.spec,
        scenario_id: &o.scenario_id,
        master_seed: o.seed,
        mechanisms: &o.mechanisms,
        repetitions: o.repetitions,
        seeds: "proteus seed protocol v1 (docs/seed-protocol.md); payoff runs 0..repetitions, \
                welfare runs 2^32 + k (docs/equilibrium.md)",
    };
    let derived = crate::report::EQUILIBRIUM_REPORT_FILES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let manifest: Manifest<_> = Manifest::new(
        BundleKind::Equilibrium,
        EQUILIBRIUM_SCHEMA_VERSION,
        body,
        w.digests(),
        Some(derived),
    );
    w.write_json("manifest.json", &manifest)?;
    // The report is made from the staged files, as `cargo xtask report` remakes it.
    for (name, bytes) in crate::report::build_equilibrium_report(w.staging_dir())?.files {
        w.write_derived(&name, &bytes)?;
    }
    Ok(w.commit()?)
}
