//! A scenario's experimental grid: which cells a baseline pack runs.
//!
//! ```toml
//! [grid]
//! informed_count = [0, 5, 10]     # overrides the count of the first `[agents.informed]` group
//! latency_scale = [0.5, 1.0, 2.0] # multiplies every latency parameter of every agent
//! reference = 1                   # the cell contrasts are made against (default 0)
//! ```
//!
//! Cells are the Cartesian product, `informed_count` outer and `latency_scale` inner, in the
//! order written. An axis left out keeps the scenario's own value (one level). The repetition
//! seed does not depend on the cell: repetition r of every cell draws the same fundamental path,
//! news and arrivals (common random numbers across cells as across mechanisms).

use super::Scenario;
use crate::artifacts::tables::Column;
use crate::core::config_error::{ConfigError, require};
use serde::{Deserialize, Serialize};

/// Most cells a grid (or a calibration's candidate or sensitivity grid) may hold.
pub const MAX_CELLS: usize = 1000;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridConfig {
    #[serde(default)]
    pub informed_count: Option<Vec<u32>>,
    #[serde(default)]
    pub latency_scale: Option<Vec<f64>>,
    #[serde(default)]
    pub reference: usize,
}

/// One cell of the grid: the values of each axis (`None`: the scenario's own).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Cell {
    pub informed_count: Option<u32>,
    pub latency_scale: Option<f64>,
}

/// The grid's factors as typed table columns, one per axis and named after it: the last columns
/// of a pack's `summary.csv`, `contrasts.csv` and `runs.csv` (`schema::pack_rows`), each empty where
/// the grid does not set the axis.
pub const FACTOR_COLUMNS: [Column; 2] = [
    Column::int("informed_count"),
    Column::float("latency_scale"),
];

impl Cell {
    /// No axis set: the scenario's own values (the one cell of a comparison, `base`).
    pub const BASE: Cell = Cell {
        informed_count: None,
        latency_scale: None,
    };

    /// A stable, human-readable label, e.g. `informed_count=5,latency_scale=1`.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.informed_count {
            parts.push(format!("informed_count={n}"));
        }
        if let Some(s) = self.latency_scale {
            parts.push(format!("latency_scale={s}"));
        }
        if parts.is_empty() {
            "base".to_owned()
        } else {
            parts.join(",")
        }
    }
}

impl GridConfig {
    pub fn validate(&self, path: &str, scenario: &Scenario) -> Result<(), ConfigError> {
        if let Some(v) = &self.informed_count {
            require(
                !v.is_empty(),
                &format!("{path}.informed_count"),
                "[]",
                "the grid has no cells: give at least one value",
            )?;
            require(
                scenario
                    .agents
                    .informed
                    .as_ref()
                    .is_some_and(|p| !p.groups.is_empty()),
                &format!("{path}.informed_count"),
                format!("{v:?}"),
                "needs an [agents.informed] population to vary",
            )?;
        }
        if let Some(v) = &self.latency_scale {
            require(
                !v.is_empty(),
                &format!("{path}.latency_scale"),
                "[]",
                "the grid has no cells: give at least one value",
            )?;
            for (i, x) in v.iter().enumerate() {
                require(
                    x.is_finite() && *x > 0.0 && *x <= 1000.0,
                    &format!("{path}.latency_scale[{i}]"),
                    x,
                    "must be in (0, 1000]",
                )?;
            }
        }
        // Counted before any cell is built: every cell of a pack clones the scenario (grid
        // included), so 10^5 cells would take tens of GB before the budget check could say no.
        let n = self
            .informed_count
            .as_ref()
            .map_or(1, Vec::len)
            .saturating_mul(self.latency_scale.as_ref().map_or(1, Vec::len));
        require(
            n <= MAX_CELLS,
            path,
            n,
            &format!(
                "the grid's cells (informed_count values × latency_scale values) must be at most \
                 {MAX_CELLS}"
            ),
        )?;
        require(
            self.reference < n,
            &format!("{path}.reference"),
            self.reference,
            &format!("must be a cell index in [0, {n})"),
        )
    }

    pub fn cells(&self) -> Vec<Cell> {
        let counts: Vec<Option<u32>> = match &self.informed_count {
            Some(v) => v.iter().copied().map(Some).collect(),
            None => vec![None],
        };
        let scales: Vec<Option<f64>> = match &self.latency_scale {
            Some(v) => v.iter().copied().map(Some).collect(),
            None => vec![None],
        };
        counts
            .iter()
            .flat_map(|&c| {
                scales.iter().map(move |&s| Cell {
                    informed_count: c,
                    latency_scale: s,
                })
            })
            .collect()
    }
}

impl Scenario {
    /// This scenario with `cell`'s values applied.
    pub fn for_cell(&self, cell: &Cell) -> Scenario {
        let mut sc = self.clone();
        if let (Some(n), Some(p)) = (cell.informed_count, sc.agents.informed.as_mut())
            && let Some(first) = p.groups.first_mut()
        {
            first.count = n;
        }
        if let Some(f) = cell.latency_scale {
            let a = &mut sc.agents;
            macro_rules! scale {
                ($role:ident) => {
                    for g in a.$role.iter_mut().flat_map(|p| p.groups.iter_mut()) {
                        g.latency = g.latency.scaled(f);
                    }
                };
            }
            scale!(market_maker);
            scale!(informed);
            scale!(noise);
            scale!(arbitrageur);
        }
        sc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::tables::ColumnType;

    #[test]
    fn factor_columns_are_the_axes() {
        // One column per axis of `[grid]`, named after it (every key but `reference`).
        let grid = serde_json::to_value(GridConfig::default()).unwrap();
        let axes: Vec<&str> = grid
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "reference")
            .collect();
        let mut names: Vec<&str> = FACTOR_COLUMNS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        assert_eq!(names, axes);
        let cell = serde_json::to_value(Cell::BASE).unwrap();
        let mut fields: Vec<&str> = cell
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(names, fields);
        assert_eq!(FACTOR_COLUMNS[0].ty, ColumnType::Int64);
        assert_eq!(FACTOR_COLUMNS[1].ty, ColumnType::Float64);
    }

    #[test]
    fn labels_name_the_set_axes() {
        let c = Cell {
            informed_count: Some(5),
            latency_scale: Some(1.0),
        };
        assert_eq!(c.label(), "informed_count=5,latency_scale=1");
        let c = Cell {
            informed_count: None,
            latency_scale: Some(0.5),
        };
        assert_eq!(c.label(), "latency_scale=0.5");
        assert_eq!(Cell::BASE.label(), "base");
    }
}
