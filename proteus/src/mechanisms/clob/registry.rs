//! Every order id the book has seen, with its owner and, while it rests, its arena handle.
//!
//! Ids are never forgotten: that is what lets the book reject a reused id and tell a cancel for
//! an order that already finished (`TooLate`) from one for an id it never saw (`UnknownOrder`).
//! The map is only ever probed by key, never iterated, so its order cannot reach an output.
//! The hasher is a fixed multiplicative one: ids are chosen by the simulation, not by an
//! adversary, and a fixed hasher keeps lookups cheap and the book free of hidden randomness.

use super::arena::{Handle, NIL};
use crate::core::{AgentId, OrderId};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// What the registry knows about an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IdStatus {
    Unknown,
    /// Seen but not resting: filled, cancelled, expired, or rejected on arrival.
    Closed {
        owner: AgentId,
    },
    Open {
        owner: AgentId,
        handle: Handle,
    },
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    owner: AgentId,
    /// [`NIL`] once the order no longer rests.
    handle: Handle,
}

#[derive(Debug, Default)]
pub(super) struct OrderRegistry {
    ids: HashMap<OrderId, Entry, BuildHasherDefault<OrderIdHasher>>,
}

impl OrderRegistry {
    pub fn with_capacity(ids: usize) -> Self {
        OrderRegistry {
            ids: HashMap::with_capacity_and_hasher(ids, Default::default()),
        }
    }

    pub fn status(&self, id: OrderId) -> IdStatus {
        match self.ids.get(&id) {
            None => IdStatus::Unknown,
            Some(e) if e.handle == NIL => IdStatus::Closed { owner: e.owner },
            Some(e) => IdStatus::Open {
                owner: e.owner,
                handle: e.handle,
            },
        }
    }

    /// Records a new id as seen (not resting). Returns false, changing nothing, if it was seen
    /// before.
    pub fn claim(&mut self, id: OrderId, owner: AgentId) -> bool {
        match self.ids.entry(id) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Entry { owner, handle: NIL });
                true
            }
        }
    }

    pub fn open(&mut self, id: OrderId, handle: Handle) {
        self.ids.get_mut(&id).expect("a claimed id").handle = handle;
    }

    pub fn close(&mut self, id: OrderId) {
        self.ids.get_mut(&id).expect("a claimed id").handle = NIL;
    }
}

/// Hashes the `u64` inside an [`OrderId`] with one multiply and a fold of the high half, so that
/// sequential ids spread over both the low bits (bucket index) and high bits (control bytes).
#[derive(Default)]
pub(super) struct OrderIdHasher {
    hash: u64,
}

impl Hasher for OrderIdHasher {
    fn finish(&self) -> u64 {
        self.hash
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let h = (self.hash ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.hash = h ^ (h >> 32);
    }
}
