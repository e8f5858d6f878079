//! Metrics of seeded runs (`metrics`), their properties on generated run logs
//! (`metrics_properties`) and the coverage of the confidence intervals (`stats_coverage`).

#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;

mod metrics;
mod metrics_properties;
mod stats_coverage;
