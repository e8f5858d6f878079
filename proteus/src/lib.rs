//! Proteus: a research harness for market-mechanism experiments.
//!
//! Start with `docs/architecture.md` at the repository root for the map of this crate.

pub mod agents;
pub mod artifacts;
pub mod core;
pub mod equilibrium;
pub mod execution;
pub mod experiments;
pub mod info;
pub mod lobster;
pub mod mechanisms;
pub mod metrics;
pub mod realism;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod schema;
pub mod sim;
pub mod stats;
pub mod validation;
