//! proptest strategies the model tests of the book and of the batch auction share.

use proptest::prelude::*;
use proteus::mechanisms::{Qty, Side, TimeInForce};

pub fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

/// A quantity: mostly 1 to 8 lots, sometimes zero or negative (to be rejected).
pub fn qty() -> impl Strategy<Value = Qty> {
    prop_oneof![12 => 1i64..=8, 1 => -2i64..=0]
}

/// A time in force, mostly good-till-cancelled.
pub fn tif() -> impl Strategy<Value = TimeInForce> {
    prop_oneof![
        5 => Just(TimeInForce::Gtc),
        1 => Just(TimeInForce::Ioc),
        1 => Just(TimeInForce::Fok),
        2 => Just(TimeInForce::PostOnly),
    ]
}
