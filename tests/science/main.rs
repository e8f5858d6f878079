//! The science checks: the validation cases (`validation`), the realism measures (`realism`) and
//! the equilibrium solver (`equilibrium`).

#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;

mod equilibrium;
mod realism;
mod validation;
