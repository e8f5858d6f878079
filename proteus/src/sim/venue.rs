//! The venue of a run: one of the mechanisms, behind one face for the event loop. An RFQ venue
//! has no book (no best bid or ask, no resting orders).

use crate::agents::{BookDepth, DEPTH_LEVELS};
use crate::core::OrderId;
use crate::mechanisms::{BatchAuction, BatchOutcome, Clob, Output, Price, Qty, Request, RfqVenue};

pub enum Venue {
    Clob(Clob),
    Fba(BatchAuction),
    Rfq(RfqVenue),
}

impl Venue {
    /// Hands `request` to the venue. A quote request is opened with no dealers here: the event
    /// loop opens RFQs itself (`RfqVenue::open`) with the dealers it chose.
    pub fn handle(&mut self, request: Request, out: &mut Vec<Output>) {
        match self {
            Venue::Clob(v) => v.handle(request, out),
            Venue::Fba(v) => v.handle(request, out),
            Venue::Rfq(v) => v
                .handle(request, &[], out)
                .expect("no dealer list can be wrong when it is empty"),
        }
    }

    /// Clears a batch (batch auctions only).
    pub fn clear(&mut self, out: &mut Vec<Output>) -> Option<BatchOutcome> {
        match self {
            Venue::Fba(v) => Some(v.clear(out)),
            Venue::Clob(_) | Venue::Rfq(_) => None,
        }
    }

    pub fn best_bid(&self) -> Option<(Price, Qty)> {
        match self {
            Venue::Clob(v) => v.best_bid(),
            Venue::Fba(v) => v.best_bid(),
            Venue::Rfq(_) => None,
        }
    }

    pub fn best_ask(&self) -> Option<(Price, Qty)> {
        match self {
            Venue::Clob(v) => v.best_ask(),
            Venue::Fba(v) => v.best_ask(),
            Venue::Rfq(_) => None,
        }
    }

    /// The book aggregated by price, [`DEPTH_LEVELS`] levels per side (empty under RFQ).
    pub fn depth(&self) -> BookDepth {
        use crate::mechanisms::Side::{Buy, Sell};
        match self {
            Venue::Clob(v) => BookDepth::from_levels(v.levels(Buy), v.levels(Sell)),
            Venue::Fba(v) => {
                BookDepth::from_levels(v.depth(Buy, DEPTH_LEVELS), v.depth(Sell, DEPTH_LEVELS))
            }
            Venue::Rfq(_) => BookDepth::default(),
        }
    }

    /// Open quantity of a resting order.
    pub fn open_qty(&self, id: OrderId) -> Option<Qty> {
        match self {
            Venue::Clob(v) => v.order(id).map(|o| o.qty),
            Venue::Fba(v) => v.order(id).map(|o| o.qty),
            Venue::Rfq(_) => None,
        }
    }
}
