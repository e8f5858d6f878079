//! The resource budget: a command estimates the events of everything it will run before it runs
//! anything (`Scenario::event_estimate`, summed over a pack's runs and phases) and refuses a
//! total past `--max-events`, naming the fields that drive the estimate and the estimate itself.
//!
//! The default budget, [`DEFAULT_MAX_EVENTS`] = 2e8 events, is sized for a 24 GiB machine: one
//! run peaks at about [`BYTES_PER_EVENT`] bytes per estimated event (measured 85–100 B), so a run
//! at the budget needs about 20 GB. A pack holds one run per thread at a time and its total is
//! at least its largest run times its threads in flight, so the same budget on its total also
//! bounds its memory (conservatively) and its time (release builds process about two million
//! events per second per thread).

use super::calibrate::{search_plan, sensitivity_plan};
use super::pack::PackPlan;
use crate::scenario::{EventEstimate, MechanismSettings, Scenario, events_label};
use thiserror::Error;

/// The default `--max-events`.
pub const DEFAULT_MAX_EVENTS: u64 = 200_000_000;
/// Peak memory of one run per estimated event, in bytes (rounded up from measurements).
pub const BYTES_PER_EVENT: f64 = 100.0;

/// What a command will run: its runs and estimated events, phase by phase, and its largest run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkEstimate {
    /// `(phase, runs, events)`.
    pub phases: Vec<(String, u64, f64)>,
    /// The estimate of the run with the most events (its terms name the driving fields).
    pub largest: EventEstimate,
}

impl WorkEstimate {
    /// One run of `scenario`.
    pub fn of_run(scenario: &Scenario) -> Self {
        let largest = scenario.event_estimate();
        WorkEstimate {
            phases: vec![("run".to_owned(), 1, largest.total())],
            largest,
        }
    }

    /// Every run of `plan`, as phase `phase`.
    pub fn of_plan(phase: &str, plan: &PackPlan) -> Self {
        let mut w = WorkEstimate::default();
        let mut events = 0.0;
        for sc in plan.scenarios.iter().flatten() {
            let e = sc.event_estimate();
            events += e.total() * plan.repetitions as f64;
            if e.total() > w.largest.total() {
                w.largest = e;
            }
        }
        w.phases.push((phase.to_owned(), plan.run_count(), events));
        w
    }

    /// This estimate and `other`'s phases after it.
    pub fn then(mut self, other: WorkEstimate) -> Self {
        self.phases.extend(other.phases);
        if other.largest.total() > self.largest.total() {
            self.largest = other.largest;
        }
        self
    }

    pub fn runs(&self) -> u64 {
        self.phases.iter().map(|p| p.1).sum()
    }

    pub fn events(&self) -> f64 {
        self.phases.iter().map(|p| p.2).sum()
    }

    /// `estimated 3.2e7 events in 556 runs (calibration: 216 runs, 2.0e7 events; ...)`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "estimated {} events in {} run{}",
            events_label(self.events()),
            self.runs(),
            if self.runs() == 1 { "" } else { "s" }
        );
        if self.phases.len() > 1 {
            let parts: Vec<String> = self
                .phases
                .iter()
                .map(|(p, r, e)| format!("{p}: {r} runs, {} events", events_label(*e)))
                .collect();
            s.push_str(&format!(" ({})", parts.join("; ")));
        }
        s
    }

    /// Refuses an estimate past `max_events`.
    pub fn check(&self, max_events: u64) -> Result<(), BudgetError> {
        if self.events() <= max_events as f64 {
            return Ok(());
        }
        let drivers = self
            .largest
            .drivers()
            .iter()
            .map(|t| format!("{}: {} events", t.drivers, events_label(t.events)))
            .collect::<Vec<_>>()
            .join("; ");
        Err(BudgetError {
            estimate: self.describe(),
            max_events,
            largest: events_label(self.largest.total()),
            largest_memory: bytes_label(self.largest.total() * BYTES_PER_EVENT),
            drivers,
        })
    }
}

/// A command whose estimated events pass the budget.
#[derive(Clone, Debug, Error, PartialEq)]
#[error(
    "{estimate}: past the budget --max-events {max_events} (default 2e8, sized for a 24 GiB \
     machine). Its largest run is {largest} events, about {largest_memory} of memory at \
     100 bytes an event, driven by: {drivers}. Lower those fields (or the repetitions), or \
     raise --max-events if this machine has the memory and the time; nothing was run or written"
)]
pub struct BudgetError {
    pub estimate: String,
    pub max_events: u64,
    pub largest: String,
    pub largest_memory: String,
    pub drivers: String,
}

/// `bytes` as a message shows it: `20 GB`, `30 TB`, `1.8e17 bytes`.
fn bytes_label(bytes: f64) -> String {
    let units = [(1e15, "PB"), (1e12, "TB"), (1e9, "GB"), (1e6, "MB")];
    match units.iter().find(|(u, _)| bytes >= *u) {
        Some((u, name)) if bytes < 1e18 => format!("{:.0} {name}", bytes / u),
        Some(_) => format!("{bytes:.1e} bytes"),
        None => "1 MB or less".to_owned(),
    }
}

/// `calibrate`: the search, then the sensitivity grid (estimated with the first candidate: a
/// regime changes no rate).
pub fn calibration_estimate(scenario: &Scenario) -> WorkEstimate {
    let search = WorkEstimate::of_plan("calibration", &search_plan(scenario));
    let first = scenario.calibration.candidates()[0];
    let (_, sensitivity) = sensitivity_plan(scenario, &first);
    search.then(WorkEstimate::of_plan("sensitivity", &sensitivity))
}

/// `baseline`: its grid × `repetitions`, after the calibration when `calibrating`.
pub fn baseline_estimate(scenario: &Scenario, repetitions: u64, calibrating: bool) -> WorkEstimate {
    let cells = scenario.grid.cells();
    let plan = PackPlan {
        cell_labels: cells.iter().map(|c| c.label()).collect(),
        mechanism_labels: vec![scenario.mechanism.label()],
        scenarios: cells.iter().map(|c| vec![scenario.for_cell(c)]).collect(),
        repetitions,
    };
    let grid = WorkEstimate::of_plan("baseline", &plan);
    if calibrating {
        calibration_estimate(scenario).then(grid)
    } else {
        grid
    }
}

/// `compare`: `repetitions` under each mechanism.
pub fn compare_estimate(
    scenario: &Scenario,
    mechanisms: &[MechanismSettings],
    repetitions: u64,
) -> WorkEstimate {
    let plan = PackPlan {
        cell_labels: vec!["base".to_owned()],
        mechanism_labels: mechanisms.iter().map(MechanismSettings::label).collect(),
        scenarios: vec![
            mechanisms
                .iter()
                .map(|m| Scenario {
                    mechanism: *m,
                    ..scenario.clone()
                })
                .collect(),
        ],
        repetitions,
    };
    WorkEstimate::of_plan("compare", &plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info::FundamentalConfig;

    #[test]
    fn the_default_packs_are_within_the_default_budget() {
        let sc = Scenario::default_scenario();
        let b = baseline_estimate(&sc, 30, true);
        assert_eq!(b.runs(), 27 * 8 + 20 * 8 + 6 * 30);
        assert!(b.check(DEFAULT_MAX_EVENTS).is_ok(), "{}", b.describe());
        let c = compare_estimate(&sc, &[sc.mechanism], 30);
        assert!(c.check(DEFAULT_MAX_EVENTS).is_ok());
        assert!(c.check(1000).is_err());
    }

    #[test]
    fn a_refusal_names_the_driving_fields_and_the_estimate() {
        let mut sc = Scenario::default_scenario();
        if let FundamentalConfig::JumpDiffusion { step_ns, .. } = &mut sc.fundamental {
            *step_ns = 1;
        }
        let e = WorkEstimate::of_run(&sc)
            .check(DEFAULT_MAX_EVENTS)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "estimated 3.0e11 events in 1 run: past the budget --max-events 200000000"
            ),
            "{e}"
        );
        assert!(
            e.contains("driven by: duration_s / fundamental.step_ns (= 1): 3.0e11 events"),
            "{e}"
        );
        assert!(e.contains("about 30 TB of memory"), "{e}");
        assert_eq!(bytes_label(2e10), "20 GB");
        assert_eq!(bytes_label(1.8e17), "180 PB");
        assert_eq!(bytes_label(2e20), "2.0e20 bytes");
    }
}
