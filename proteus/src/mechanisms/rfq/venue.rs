//! The RFQ venue: open requests, their dealers and the quotes received. The policies are
//! documented on the [module](super).

use super::{RfqConfig, RfqError};
use crate::core::{AgentId, OrderId};
use crate::mechanisms::types::{
    CancelReason, DealerQuote, Fill, Grid, NoTradeReason, Output, Price, QuoteRequest,
    RejectReason, Request, Side,
};
use std::collections::BTreeMap;

/// A request-for-quote venue.
#[derive(Debug)]
pub struct RfqVenue {
    config: RfqConfig,
    /// Tick and lot, from `config`: every size and price check.
    grid: Grid,
    /// Every id seen (requests and quotes) with the agent that used it.
    seen: BTreeMap<OrderId, AgentId>,
    requests: BTreeMap<OrderId, RfqState>,
}

#[derive(Clone, Debug)]
struct RfqState {
    request: QuoteRequest,
    dealers: Vec<AgentId>,
    /// Valid quotes in arrival order; emptied at close.
    quotes: Vec<DealerQuote>,
    open: bool,
}

/// The price a quote offers a client on `side`: its ask for a buyer, its bid for a seller.
fn price_for(quote: &DealerQuote, side: Side) -> Option<Price> {
    match side {
        Side::Buy => quote.ask,
        Side::Sell => quote.bid,
    }
}

impl RfqVenue {
    /// # Panics
    /// If `tick_size` or `lot_size` is not positive.
    pub fn new(config: RfqConfig) -> Self {
        let grid = config.grid();
        RfqVenue {
            config,
            grid,
            seen: BTreeMap::new(),
            requests: BTreeMap::new(),
        }
    }

    pub fn config(&self) -> &RfqConfig {
        &self.config
    }

    /// Dispatches any request: a `QuoteRequest` is opened with `dealers` (the simulator's
    /// choice for it), a `DealerQuote` recorded (`dealers` is not used), and order-book
    /// requests are rejected `UnsupportedRequest`.
    pub fn handle(
        &mut self,
        request: Request,
        dealers: &[AgentId],
        out: &mut Vec<Output>,
    ) -> Result<(), RfqError> {
        match request {
            Request::QuoteRequest(r) => self.open(r, dealers, out)?,
            Request::DealerQuote(q) => self.quote(q, out),
            Request::New(_) | Request::Cancel { .. } | Request::Amend { .. } => {
                out.push(Output::Rejected {
                    id: request.order_id(),
                    trader: request.trader(),
                    reason: RejectReason::UnsupportedRequest,
                })
            }
        }
        Ok(())
    }

    /// Opens `request` and routes it to `dealers`, in that order.
    pub fn open(
        &mut self,
        request: QuoteRequest,
        dealers: &[AgentId],
        out: &mut Vec<Output>,
    ) -> Result<(), RfqError> {
        for (i, &dealer) in dealers.iter().enumerate() {
            if dealer == request.trader {
                return Err(RfqError::ClientAmongDealers {
                    request: request.id,
                    client: dealer,
                });
            }
            if dealers[..i].contains(&dealer) {
                return Err(RfqError::DuplicateDealer {
                    request: request.id,
                    dealer,
                });
            }
        }
        if let Err(reason) = self.validate_request(&request) {
            out.push(Output::Rejected {
                id: request.id,
                trader: request.trader,
                reason,
            });
            return Ok(());
        }
        out.push(Output::Accepted {
            id: request.id,
            trader: request.trader,
        });
        let side = (!request.two_way).then_some(request.side);
        out.extend(dealers.iter().map(|&dealer| Output::QuoteRequested {
            request: request.id,
            client: request.trader,
            dealer,
            side,
            qty: request.qty,
        }));
        self.requests.insert(
            request.id,
            RfqState {
                request,
                dealers: dealers.to_vec(),
                quotes: Vec::new(),
                open: true,
            },
        );
        Ok(())
    }

    /// Records a dealer's quote, or rejects it.
    pub fn quote(&mut self, quote: DealerQuote, out: &mut Vec<Output>) {
        let client = match self.validate_quote(&quote) {
            Ok(client) => client,
            Err(reason) => {
                out.push(Output::Rejected {
                    id: quote.id,
                    trader: quote.trader,
                    reason,
                });
                return;
            }
        };
        self.requests
            .get_mut(&quote.request)
            .expect("a validated request")
            .quotes
            .push(quote);
        out.push(Output::Accepted {
            id: quote.id,
            trader: quote.trader,
        });
        out.push(Output::QuoteReceived {
            quote: quote.id,
            request: quote.request,
            client,
            dealer: quote.trader,
            bid: quote.bid,
            ask: quote.ask,
            qty: quote.qty,
        });
    }

    /// Ends the response window of `request`: the client takes the best quote for its side if it
    /// beats its limit; every other quote expires.
    pub fn close(&mut self, request: OrderId, out: &mut Vec<Output>) -> Result<(), RfqError> {
        let state = self
            .requests
            .get_mut(&request)
            .ok_or(RfqError::UnknownRequest(request))?;
        if !state.open {
            return Err(RfqError::AlreadyClosed(request));
        }
        state.open = false;
        let r = state.request;
        let quotes = std::mem::take(&mut state.quotes);
        let mut best: Option<(usize, Price)> = None;
        for (i, q) in quotes.iter().enumerate() {
            let price = price_for(q, r.side).expect("validated quotes carry the client's side");
            let better = match best {
                None => true,
                Some((_, b)) => price * r.side.sign() < b * r.side.sign(),
            };
            if better {
                best = Some((i, price));
            }
        }
        let beats_limit = |price: Price| match r.limit {
            None => true,
            Some(limit) => price * r.side.sign() <= limit * r.side.sign(),
        };
        let taken = match best {
            None => {
                out.push(Output::RfqNoTrade {
                    request,
                    client: r.trader,
                    reason: NoTradeReason::NoQuotes,
                });
                None
            }
            Some((_, price)) if !beats_limit(price) => {
                out.push(Output::RfqNoTrade {
                    request,
                    client: r.trader,
                    reason: NoTradeReason::LimitNotMet,
                });
                None
            }
            Some((i, price)) => {
                let q = quotes[i];
                out.push(Output::Fill(Fill {
                    taker_order: request,
                    maker_order: q.id,
                    taker: r.trader,
                    maker: q.trader,
                    taker_side: r.side,
                    price,
                    qty: r.qty,
                }));
                out.push(Output::RfqTraded {
                    request,
                    quote: q.id,
                    client: r.trader,
                    dealer: q.trader,
                    side: r.side,
                    price,
                    qty: r.qty,
                });
                Some(i)
            }
        };
        for (i, q) in quotes.iter().enumerate() {
            if Some(i) != taken {
                out.push(Output::Cancelled {
                    id: q.id,
                    trader: q.trader,
                    qty: q.qty,
                    reason: CancelReason::Expired,
                });
            }
        }
        Ok(())
    }

    /// Whether `request` was opened and has not closed yet.
    pub fn is_open(&self, request: OrderId) -> bool {
        self.requests.get(&request).is_some_and(|s| s.open)
    }

    /// The quotes received so far on an open request, in arrival order (empty once closed).
    pub fn quotes(&self, request: OrderId) -> &[DealerQuote] {
        self.requests
            .get(&request)
            .map_or(&[], |s| s.quotes.as_slice())
    }

    /// The dealers `request` was sent to, if it was opened.
    pub fn dealers(&self, request: OrderId) -> Option<&[AgentId]> {
        self.requests.get(&request).map(|s| s.dealers.as_slice())
    }

    fn claim(&mut self, id: OrderId, trader: AgentId) -> Result<(), RejectReason> {
        if self.seen.contains_key(&id) {
            return Err(RejectReason::DuplicateOrderId);
        }
        self.seen.insert(id, trader);
        Ok(())
    }

    fn validate_request(&mut self, r: &QuoteRequest) -> Result<(), RejectReason> {
        self.claim(r.id, r.trader)?;
        self.grid.check_qty(r.qty)?;
        if let Some(limit) = r.limit {
            self.grid.check_price(limit)?;
        }
        Ok(())
    }

    /// The client of the request quoted on, if the quote is valid.
    fn validate_quote(&mut self, q: &DealerQuote) -> Result<AgentId, RejectReason> {
        self.claim(q.id, q.trader)?;
        let state = self
            .requests
            .get(&q.request)
            .ok_or(RejectReason::UnknownOrder)?;
        if !state.dealers.contains(&q.trader) {
            return Err(RejectReason::NotAddressed);
        }
        if !state.open {
            return Err(RejectReason::TooLate);
        }
        if state.quotes.iter().any(|x| x.trader == q.trader) {
            return Err(RejectReason::DuplicateQuote);
        }
        let r = state.request;
        self.grid.check_qty(q.qty)?;
        if q.qty != r.qty {
            return Err(RejectReason::QuoteSizeMismatch);
        }
        let missing = if r.two_way {
            q.bid.is_none() || q.ask.is_none()
        } else {
            price_for(q, r.side).is_none()
        };
        if missing {
            return Err(RejectReason::MissingQuoteSide);
        }
        for price in [q.bid, q.ask].into_iter().flatten() {
            self.grid.check_price(price)?;
        }
        Ok(r.trader)
    }
}
