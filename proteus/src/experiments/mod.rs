//! Experiments: what the command line runs. For now, a single seeded run written as a bundle.

pub mod audit;
pub mod budget;
pub mod calibrate;
pub mod execution;
pub mod golden;
pub mod pack;
pub mod packs;
mod run_bundle;
pub mod shard;
pub mod summary;

pub use run_bundle::{
    EVENT_COLUMNS, FILL_COLUMNS, FUNDAMENTAL_COLUMNS, QUOTE_COLUMNS, RUN_SCHEMA_VERSION,
    RunBundleError, RunBundleOptions, RunSummary, write_run_bundle,
};
