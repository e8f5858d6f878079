//! What lands on disk: the run bundle (`run_bundle`) and its documented format (`bundle_format`),
//! order replay (`replay`), the LOBSTER export (`lobster`), reports (`report`), packs (`packs`) and
//! scale-out shards (`shards`).

#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;

mod bundle_format;
mod lobster;
mod packs;
mod replay;
mod report;
mod run_bundle;
mod shards;
