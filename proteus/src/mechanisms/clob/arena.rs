//! Storage for resting orders: a slab of [`OrderNode`]s addressed by dense [`Handle`]s.
//!
//! A node carries its own `prev`/`next` links so that a [`PriceLevel`](super::level::PriceLevel)
//! is an intrusive FIFO over the arena: unlinking an order is O(1) and nothing is allocated per
//! order once the slab has grown. Freed slots are chained through `next` and reused first.

use crate::core::{AgentId, OrderId};
use crate::mechanisms::types::{Price, Qty, Side};

/// Index of a node in the [`OrderArena`].
pub(super) type Handle = u32;

/// "No node": the end of a list, or the end of the free chain.
pub(super) const NIL: Handle = Handle::MAX;

/// The largest handle the arena hands out; the values above it are sentinels ([`NIL`], and the
/// registry's "unseen" mark).
pub(super) const MAX_HANDLE: Handle = Handle::MAX - 2;

#[derive(Clone, Copy, Debug)]
pub(super) struct OrderNode {
    pub id: OrderId,
    pub trader: AgentId,
    pub side: Side,
    /// Remembered so that an amend that would cross is rejected like the original order.
    pub post_only: bool,
    pub price: Price,
    /// Open (unfilled) quantity.
    pub qty: Qty,
    pub prev: Handle,
    pub next: Handle,
}

#[derive(Debug)]
pub(super) struct OrderArena {
    nodes: Vec<OrderNode>,
    free_head: Handle,
    live: usize,
}

impl OrderArena {
    pub fn with_capacity(orders: usize) -> Self {
        OrderArena {
            nodes: Vec::with_capacity(orders),
            free_head: NIL,
            live: 0,
        }
    }

    /// Stores `node` (its links are reset) and returns its handle.
    pub fn insert(&mut self, mut node: OrderNode) -> Handle {
        node.prev = NIL;
        node.next = NIL;
        self.live += 1;
        if self.free_head != NIL {
            let h = self.free_head;
            self.free_head = self.nodes[h as usize].next;
            self.nodes[h as usize] = node;
            h
        } else {
            let h = Handle::try_from(self.nodes.len())
                .ok()
                .filter(|&h| h <= MAX_HANDLE)
                .expect("more than u32::MAX - 2 resting orders");
            self.nodes.push(node);
            h
        }
    }

    /// Frees the slot of `h` and returns the node it held. The node must already be unlinked
    /// from its price level.
    pub fn remove(&mut self, h: Handle) -> OrderNode {
        let node = self.nodes[h as usize];
        self.nodes[h as usize].next = self.free_head;
        self.free_head = h;
        self.live -= 1;
        node
    }

    pub fn get(&self, h: Handle) -> &OrderNode {
        &self.nodes[h as usize]
    }

    pub fn get_mut(&mut self, h: Handle) -> &mut OrderNode {
        &mut self.nodes[h as usize]
    }

    /// Number of live (resting) orders.
    pub fn len(&self) -> usize {
        self.live
    }
}
