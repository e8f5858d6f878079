//! The output fields a venue produces, each subject to the leakage policy.

use super::wire::Channel;
use crate::core::MechanismKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One kind of information a venue emits. Which mechanisms produce it: [`Field::applies_to`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// A fill of the agent's own order (all mechanisms).
    OwnFill,
    /// Acknowledgement or reject of the agent's own request (all mechanisms).
    OwnAck,
    /// Price and quantity of every trade, without identities (CLOB, FBA).
    TradePrint,
    /// Best bid and offer with their sizes (CLOB, FBA's resting book).
    TopOfBook,
    /// Size at every price level (CLOB, FBA's resting book).
    Depth,
    /// The uniform price of a batch (FBA).
    ClearingPrice,
    /// The volume executed in a batch (FBA).
    ClearingVolume,
    /// A batch's aggregate demand and supply curves (FBA).
    AggregateCurves,
    /// That a client requests a quote, and the deadline to answer (RFQ).
    RfqRequest,
    /// The side of a request; hiding it makes every request two-way (RFQ).
    RfqSide,
    /// The size of a request (RFQ).
    RfqSize,
    /// That a request ended in a trade (RFQ).
    RfqTradeHappened,
    /// The price of an RFQ trade (RFQ).
    RfqTradePrice,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::OwnFill,
        Field::OwnAck,
        Field::TradePrint,
        Field::TopOfBook,
        Field::Depth,
        Field::ClearingPrice,
        Field::ClearingVolume,
        Field::AggregateCurves,
        Field::RfqRequest,
        Field::RfqSide,
        Field::RfqSize,
        Field::RfqTradeHappened,
        Field::RfqTradePrice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::OwnFill => "own_fill",
            Field::OwnAck => "own_ack",
            Field::TradePrint => "trade_print",
            Field::TopOfBook => "top_of_book",
            Field::Depth => "depth",
            Field::ClearingPrice => "clearing_price",
            Field::ClearingVolume => "clearing_volume",
            Field::AggregateCurves => "aggregate_curves",
            Field::RfqRequest => "rfq_request",
            Field::RfqSide => "rfq_side",
            Field::RfqSize => "rfq_size",
            Field::RfqTradeHappened => "rfq_trade_happened",
            Field::RfqTradePrice => "rfq_trade_price",
        }
    }

    /// Whether mechanism `kind` ever produces this field.
    pub fn applies_to(self, kind: MechanismKind) -> bool {
        use MechanismKind::{Clob, Fba, Rfq};
        match self {
            Field::OwnFill | Field::OwnAck => true,
            Field::TradePrint | Field::TopOfBook | Field::Depth => matches!(kind, Clob | Fba),
            Field::ClearingPrice | Field::ClearingVolume | Field::AggregateCurves => kind == Fba,
            Field::RfqRequest
            | Field::RfqSide
            | Field::RfqSize
            | Field::RfqTradeHappened
            | Field::RfqTradePrice => kind == Rfq,
        }
    }

    /// The channel that carries the field to a viewer: reports addressed to particular agents
    /// (own fills and acks, an RFQ's request and outcome to its dealers) travel on
    /// [`Channel::Ack`]; everything published travels on [`Channel::MarketData`].
    pub fn channel(self) -> Channel {
        match self {
            Field::OwnFill
            | Field::OwnAck
            | Field::RfqRequest
            | Field::RfqSide
            | Field::RfqSize
            | Field::RfqTradeHappened => Channel::Ack,
            Field::TradePrint
            | Field::TopOfBook
            | Field::Depth
            | Field::ClearingPrice
            | Field::ClearingVolume
            | Field::AggregateCurves
            | Field::RfqTradePrice => Channel::MarketData,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_matches_serde_names_and_all_is_complete_and_sorted() {
        for f in Field::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
        assert!(Field::ALL.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Field::ALL.len(), Field::RfqTradePrice as usize + 1);
    }

    #[test]
    fn fields_per_mechanism() {
        let of = |k| {
            Field::ALL
                .into_iter()
                .filter(|f| f.applies_to(k))
                .map(Field::as_str)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            of(MechanismKind::Clob),
            ["own_fill", "own_ack", "trade_print", "top_of_book", "depth"]
        );
        assert_eq!(
            of(MechanismKind::Fba),
            [
                "own_fill",
                "own_ack",
                "trade_print",
                "top_of_book",
                "depth",
                "clearing_price",
                "clearing_volume",
                "aggregate_curves"
            ]
        );
        assert_eq!(
            of(MechanismKind::Rfq),
            [
                "own_fill",
                "own_ack",
                "rfq_request",
                "rfq_side",
                "rfq_size",
                "rfq_trade_happened",
                "rfq_trade_price"
            ]
        );
    }
}
