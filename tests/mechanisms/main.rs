//! The three venues on their own: the continuous limit order book (`clob`, and `clob_model`'s
//! property tests against a reference book), the frequent batch auction (`fba`, `fba_model`) and
//! the request-for-quote venue (`rfq`).

#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;

mod clob;
mod clob_model;
mod fba;
mod fba_model;
mod rfq;
