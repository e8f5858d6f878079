//! The seeded simulator end to end: latency races, determinism and accounting (`sim`), RFQ runs
//! (`rfq_sim`), order flow (`order_flow`), the random streams and seed protocol (`random_streams`,
//! `seed_protocol`) and the same market under each mechanism (`parity`).

#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;

mod order_flow;
mod parity;
mod random_streams;
mod rfq_sim;
mod seed_protocol;
mod sim;
