//! Strategic comparison of mechanisms by empirical game-theoretic analysis (EGTA;
//! `cargo xtask equilibrium`, `docs/equilibrium.md`).
//!
//! * [`game`]: role-symmetric games given by a payoff table, deviation payoffs and regret.
//! * [`solve`]: their role-symmetric mixed equilibria (replicator dynamics, support
//!   enumeration, a regret check).
//! * [`spec`]: the strategies file (roles, players, strategies as named populations).
//! * [`empirical`]: profiles simulated on common random numbers, deviation-preserving
//!   reduction, equilibria with bootstraps, welfare at equilibrium.
//! * [`shard`]: the payoff runs split into shards for a Slurm job array, and merged.
//! * [`bundle`]: the bundle and its report.

pub mod bundle;
pub mod empirical;
pub mod game;
pub mod shard;
pub mod solve;
pub mod spec;

pub use empirical::{EquilibriumError, GameOptions, Outcome, analyse, analyse_game};
pub use game::{Game, GameError, Mixture, Profile, RoleSpec};
pub use solve::{Equilibrium, SolverOptions, equilibria};
pub use spec::{BaseScenario, GameSpec};

/// The built-in game: the BCS speed race (`scenarios/equilibrium/bcs_speed.toml`).
pub const DEFAULT_STRATEGIES_FILE: &str = "scenarios/equilibrium/bcs_speed.toml";
pub const DEFAULT_STRATEGIES: &str = include_str!("../../../scenarios/equilibrium/bcs_speed.toml");
/// Its base scenario.
pub const DEFAULT_SCENARIO_FILE: &str = "scenarios/equilibrium/bcs_speed_scenario.toml";
pub const DEFAULT_SCENARIO: &str =
    include_str!("../../../scenarios/equilibrium/bcs_speed_scenario.toml");
