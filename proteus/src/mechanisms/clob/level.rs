//! One price level: a FIFO queue of resting orders at the same price, in time priority.
//!
//! The queue is intrusive: the level holds only its head and tail handles and the orders link
//! to each other inside the [`OrderArena`], so appending, popping the head and unlinking any
//! order are all O(1). The level also keeps its total open quantity so that the top of book is
//! read without walking the queue.

use super::arena::{Handle, NIL, OrderArena};
use crate::mechanisms::types::{Price, Qty};

#[derive(Clone, Copy, Debug)]
pub(super) struct PriceLevel {
    pub price: Price,
    /// Sum of the open quantity of the orders in the queue.
    pub qty: Qty,
    /// Oldest order: the next to trade.
    pub head: Handle,
    pub tail: Handle,
}

impl PriceLevel {
    pub fn new(price: Price) -> Self {
        PriceLevel {
            price,
            qty: 0,
            head: NIL,
            tail: NIL,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.head == NIL
    }

    /// Appends `h` at the back of the queue (lowest time priority).
    pub fn push_back(&mut self, arena: &mut OrderArena, h: Handle) {
        let tail = self.tail;
        let node = arena.get_mut(h);
        debug_assert_eq!(node.price, self.price);
        node.prev = tail;
        node.next = NIL;
        self.qty += node.qty;
        if tail == NIL {
            self.head = h;
        } else {
            arena.get_mut(tail).next = h;
        }
        self.tail = h;
    }

    /// Removes `h`, wherever it is in the queue.
    pub fn unlink(&mut self, arena: &mut OrderArena, h: Handle) {
        let (prev, next, qty) = {
            let node = arena.get(h);
            (node.prev, node.next, node.qty)
        };
        if prev == NIL {
            self.head = next;
        } else {
            arena.get_mut(prev).next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            arena.get_mut(next).prev = prev;
        }
        let node = arena.get_mut(h);
        node.prev = NIL;
        node.next = NIL;
        self.qty -= qty;
    }

    /// The orders of the queue, oldest first.
    pub fn iter<'a>(&self, arena: &'a OrderArena) -> LevelIter<'a> {
        LevelIter {
            arena,
            at: self.head,
        }
    }
}

pub(super) struct LevelIter<'a> {
    arena: &'a OrderArena,
    at: Handle,
}

impl<'a> Iterator for LevelIter<'a> {
    type Item = &'a super::arena::OrderNode;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at == NIL {
            return None;
        }
        let node = self.arena.get(self.at);
        self.at = node.next;
        Some(node)
    }
}
