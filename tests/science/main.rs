//! The science checks: the validation cases (`validation`), the realism measures (`realism`) and
//! the equilibrium solver (`equilibrium`).

mod equilibrium;
mod realism;
mod validation;
