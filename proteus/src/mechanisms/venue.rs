//! The venue of a run: one of the mechanisms, behind one face for the event loop
//! ([`Venue`]), built from a [`MechanismConfig`] that describes exactly one mechanism. An RFQ
//! venue has no book (no best bid or ask, no resting orders).

use super::quote::{BookDepth, DEPTH_LEVELS};
use super::{
    BatchAuction, BatchOutcome, Clob, ClobConfig, FbaConfig, Output, Price, Qty, Request,
    RfqConfig, RfqVenue,
};
use crate::core::{Duration, MechanismKind, OrderId};

/// The mechanism of a run with its parameters, and only its own: the venue's configuration and
/// what the event loop needs to drive it (τ, the RFQ round). A scenario's `[mechanism]` table
/// (`scenario::MechanismSettings`) holds the parameters of every mechanism and builds this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MechanismConfig {
    /// A continuous limit order book.
    Clob(ClobConfig),
    /// A frequent batch auction that clears every `batch_interval` (τ), the first time at τ.
    Fba {
        config: FbaConfig,
        batch_interval: Duration,
    },
    /// Request for quote: each request goes to `dealers` market makers, who have `window` to
    /// answer; `two_way` asks for two-way quotes, hiding the client's side.
    Rfq { config: RfqConfig, round: RfqRound },
}

/// How the event loop runs an RFQ request: how many dealers it asks and how long they have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RfqRound {
    /// Dealers asked per request.
    pub dealers: u32,
    /// How long dealers have to answer, from the request's arrival at the venue.
    pub window: Duration,
    /// Whether clients ask for two-way quotes.
    pub two_way: bool,
}

impl MechanismConfig {
    pub fn kind(&self) -> MechanismKind {
        match self {
            MechanismConfig::Clob(_) => MechanismKind::Clob,
            MechanismConfig::Fba { .. } => MechanismKind::Fba,
            MechanismConfig::Rfq { .. } => MechanismKind::Rfq,
        }
    }

    /// τ, under a batch auction.
    pub fn batch_interval(&self) -> Option<Duration> {
        match *self {
            MechanismConfig::Fba { batch_interval, .. } => Some(batch_interval),
            MechanismConfig::Clob(_) | MechanismConfig::Rfq { .. } => None,
        }
    }

    /// The RFQ round, under RFQ.
    pub fn rfq_round(&self) -> Option<RfqRound> {
        match *self {
            MechanismConfig::Rfq { round, .. } => Some(round),
            MechanismConfig::Clob(_) | MechanismConfig::Fba { .. } => None,
        }
    }
}

pub enum Venue {
    Clob(Clob),
    Fba(BatchAuction),
    Rfq(RfqVenue),
}

impl Venue {
    /// The venue `config` describes, empty.
    ///
    /// # Panics
    /// If its tick or lot size is not positive.
    pub fn new(config: &MechanismConfig) -> Venue {
        match *config {
            MechanismConfig::Clob(c) => Venue::Clob(Clob::new(c)),
            MechanismConfig::Fba { config, .. } => Venue::Fba(BatchAuction::new(config)),
            MechanismConfig::Rfq { config, .. } => Venue::Rfq(RfqVenue::new(config)),
        }
    }

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
        use super::Side::{Buy, Sell};
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
