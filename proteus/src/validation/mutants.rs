//! Planted defects (`cargo xtask validate --mutants`): each is an ablation switch of an agent or a
//! venue that a researcher can also set in a scenario file, and each must make at least one line
//! of its case FAIL (watch or inconclusive does not count). A mutant that survives means the
//! suite would pass a simulator with that defect.

use serde::Serialize;

/// One planted defect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mutant {
    /// Glosten–Milgrom: the Bayesian dealer never updates its belief.
    GmDealerNeverLearns,
    /// Glosten–Milgrom: the Bayesian dealer updates as if a buy were a sell and vice versa.
    GmDealerWrongSide,
    /// Kyle: the dealers post twice the price impact they fit.
    KyleDealerLambdaDoubled,
    /// Kyle: the insider trades half its best-response intensity β.
    KyleInsiderHalfBeta,
    /// CLOB: a take that arrives after a cancel still executes against the cancelled order.
    ClobTakeBeatsCancel,
    /// FBA: the marginal price level is allocated by time priority, not pro rata.
    FbaTimeAtMargin,
    /// Avellaneda–Stoikov: the market maker's reservation price ignores its inventory.
    AsIgnoresInventory,
    /// Market case: the market makers' spread ignores adverse selection.
    MmIgnoresAdverseSelection,
}

impl Mutant {
    pub const ALL: [Mutant; 8] = [
        Mutant::GmDealerNeverLearns,
        Mutant::GmDealerWrongSide,
        Mutant::KyleDealerLambdaDoubled,
        Mutant::KyleInsiderHalfBeta,
        Mutant::ClobTakeBeatsCancel,
        Mutant::FbaTimeAtMargin,
        Mutant::AsIgnoresInventory,
        Mutant::MmIgnoresAdverseSelection,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mutant::GmDealerNeverLearns => "gm_dealer_never_learns",
            Mutant::GmDealerWrongSide => "gm_dealer_wrong_side",
            Mutant::KyleDealerLambdaDoubled => "kyle_dealer_lambda_doubled",
            Mutant::KyleInsiderHalfBeta => "kyle_insider_half_beta",
            Mutant::ClobTakeBeatsCancel => "clob_take_beats_cancel",
            Mutant::FbaTimeAtMargin => "fba_time_at_margin",
            Mutant::AsIgnoresInventory => "as_ignores_inventory",
            Mutant::MmIgnoresAdverseSelection => "mm_ignores_adverse_selection",
        }
    }

    /// The case that must catch it.
    pub fn case(self) -> &'static str {
        match self {
            Mutant::GmDealerNeverLearns | Mutant::GmDealerWrongSide => super::glosten_milgrom::CASE,
            Mutant::KyleDealerLambdaDoubled | Mutant::KyleInsiderHalfBeta => super::kyle::CASE,
            Mutant::ClobTakeBeatsCancel | Mutant::FbaTimeAtMargin => super::bcs::CASE,
            Mutant::AsIgnoresInventory => super::avellaneda_stoikov::CASE,
            Mutant::MmIgnoresAdverseSelection => super::market::CASE,
        }
    }

    /// The ablation switch, as a researcher would write it in a scenario file.
    pub fn switch(self) -> &'static str {
        match self {
            Mutant::GmDealerNeverLearns => "[agents.bayesian_dealer] learning = \"none\"",
            Mutant::GmDealerWrongSide => "[agents.bayesian_dealer] learning = \"inverted\"",
            Mutant::KyleDealerLambdaDoubled => "[agents.kyle_dealer] lambda_scale = 2.0",
            Mutant::KyleInsiderHalfBeta => "[agents.kyle_insider] beta_scale = 0.5",
            Mutant::ClobTakeBeatsCancel => {
                "[market] cancel_delay_ns = 200_000 (bcs: latency_min_ns + latency_gap_ns)"
            }
            Mutant::FbaTimeAtMargin => "[mechanism] rationing = \"time_priority\"",
            Mutant::AsIgnoresInventory => "[agents.market_maker] inventory_aversion = false",
            Mutant::MmIgnoresAdverseSelection => "[agents.market_maker] adverse_selection = false",
        }
    }

    pub fn by_name(name: &str) -> Option<Mutant> {
        Mutant::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// What one mutant did to its case.
#[derive(Clone, Debug, Serialize)]
pub struct MutantResult {
    pub mutant: Mutant,
    pub case: &'static str,
    pub switch: &'static str,
    /// Lines of the case that FAIL with the mutant switched on.
    pub failing_lines: usize,
    /// The first of them, as `point: quantity`.
    pub first_failing_line: Option<String>,
    pub caught: bool,
    /// Every line of the mutated run.
    pub lines: Vec<super::CaseResult>,
}

/// `validate --mutants`: every mutant, in order.
#[derive(Clone, Debug, Serialize)]
pub struct MutantReport {
    pub mode: super::Mode,
    pub mutants: Vec<MutantResult>,
}

impl MutantReport {
    pub fn caught(&self) -> usize {
        self.mutants.iter().filter(|m| m.caught).count()
    }

    /// The mutant table (Markdown).
    pub fn markdown(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::from(
            "| mutant | case | switch | failing lines | first failing line |\n|---|---|---|---|---|\n",
        );
        for m in &self.mutants {
            let _ = writeln!(
                s,
                "| {} | {} | `{}` | {} | {} |",
                m.mutant.name(),
                m.case,
                m.switch,
                m.failing_lines,
                m.first_failing_line.as_deref().unwrap_or("SURVIVED")
            );
        }
        s
    }
}

/// Runs every mutant (or only those of `case`) against its case in `mode`; the Holm family rule
/// applies exactly as in a plain run.
pub fn run_mutants(
    mode: super::Mode,
    case: Option<&str>,
    threads: usize,
) -> Result<MutantReport, super::ValidationError> {
    let mut mutants = Vec::new();
    for m in Mutant::ALL {
        if case.is_some_and(|c| c != m.case()) {
            continue;
        }
        let report = super::validate(&super::ValidateOptions {
            mode,
            case: Some(m.case().to_owned()),
            threads,
            points: None,
            mutant: Some(m),
        })?;
        let failing: Vec<&super::CaseResult> = report
            .results
            .iter()
            .filter(|r| r.verdict == super::Verdict::Fail)
            .collect();
        mutants.push(MutantResult {
            mutant: m,
            case: m.case(),
            switch: m.switch(),
            failing_lines: failing.len(),
            first_failing_line: failing
                .first()
                .map(|r| format!("{}: {}", r.point, r.quantity)),
            caught: !failing.is_empty(),
            lines: report.results,
        });
    }
    Ok(MutantReport { mode, mutants })
}
