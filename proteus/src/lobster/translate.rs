//! From CLOB outputs to LOBSTER messages. Only what changes the visible book becomes a
//! message; see `docs/lobster.md` for the table.

use crate::core::{OrderId, SimTime};
use crate::lobster::{EventType, Message};
use crate::mechanisms::{Output, Price, Qty, RestingOrder, Side};
use std::collections::HashMap;

/// Tracks the resting orders the messages have put in the book (looked up, never iterated, so
/// the output order is the venue's).
#[derive(Clone, Debug, Default)]
pub struct Translator {
    resting: HashMap<OrderId, (Side, Price, Qty)>,
}

impl Translator {
    /// The messages of one request's `outputs`, in order. `venue_order` looks up an order in the
    /// venue *after* the request (for an amend that moved an order without trading).
    pub fn translate(
        &mut self,
        time: SimTime,
        outputs: &[Output],
        venue_order: impl Fn(OrderId) -> Option<RestingOrder>,
    ) -> Result<Vec<Message>, String> {
        let mut out = Vec::new();
        let mut moved: Option<OrderId> = None;
        let msg = |event, order, size, price, side| Message {
            time,
            event,
            order,
            size,
            price,
            side,
        };
        for o in outputs {
            match *o {
                Output::Accepted { .. } | Output::Rejected { .. } => {}
                Output::Fill(f) => {
                    let Some(entry) = self.resting.get_mut(&f.maker_order) else {
                        return Err(format!(
                            "fill against unknown resting order {}",
                            f.maker_order
                        ));
                    };
                    let (side, price, _) = *entry;
                    if price != f.price {
                        return Err(format!(
                            "fill of {} at {} rests at {price}",
                            f.maker_order, f.price
                        ));
                    }
                    entry.2 -= f.qty;
                    if entry.2 <= 0 {
                        self.resting.remove(&f.maker_order);
                    }
                    out.push(msg(
                        EventType::VisibleExecution,
                        f.maker_order,
                        f.qty,
                        f.price,
                        side,
                    ));
                }
                Output::Cancelled { id, qty, .. } => {
                    // Only a resting order leaves the visible book; the unfilled rest of an
                    // incoming order never joined it.
                    if let Some((side, price, open)) = self.resting.remove(&id) {
                        if qty != open {
                            return Err(format!("cancel of {id}: {qty} lots but {open} open"));
                        }
                        out.push(msg(EventType::Deletion, id, qty, price, side));
                    }
                }
                Output::Amended {
                    id,
                    price,
                    qty,
                    kept_priority,
                    ..
                } => {
                    let Some(&(side, old_price, open)) = self.resting.get(&id) else {
                        return Err(format!("amend of unknown resting order {id}"));
                    };
                    if kept_priority {
                        if qty < open {
                            out.push(msg(
                                EventType::PartialCancellation,
                                id,
                                open - qty,
                                price,
                                side,
                            ));
                            self.resting.insert(id, (side, price, qty));
                        }
                    } else {
                        // Losing priority is leaving the queue: a deletion, then the order
                        // joins again (below, or as `Rested` after trading on a cross).
                        self.resting.remove(&id);
                        out.push(msg(EventType::Deletion, id, open, old_price, side));
                        moved = Some(id);
                    }
                }
                Output::Rested {
                    id,
                    side,
                    price,
                    qty,
                    ..
                } => {
                    self.resting.insert(id, (side, price, qty));
                    out.push(msg(EventType::Submission, id, qty, price, side));
                    if moved == Some(id) {
                        moved = None;
                    }
                }
                Output::QuoteRequested { .. }
                | Output::QuoteReceived { .. }
                | Output::RfqTraded { .. }
                | Output::RfqNoTrade { .. } => {
                    return Err(format!("RFQ output {o:?} from a CLOB"));
                }
            }
        }
        // An amend that lost priority without crossing re-queues the order at its new terms.
        if let Some(id) = moved
            && let Some(o) = venue_order(id)
        {
            self.resting.insert(id, (o.side, o.price, o.qty));
            out.push(msg(EventType::Submission, id, o.qty, o.price, o.side));
        }
        Ok(out)
    }
}
