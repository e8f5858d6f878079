//! Every order id the book has seen, with its owner and, while it rests, its arena handle.
//!
//! Ids are never forgotten: that is what lets the book reject a reused id and tell a cancel for
//! an order that already finished (`TooLate`) from one for an id it never saw (`UnknownOrder`).
//! The map is only ever probed by key, never iterated, so its order cannot reach an output.
//! The hasher is fixed and cheap: ids are chosen by the simulation, not by an adversary, and a
//! fixed hasher keeps the book free of hidden randomness. Memory grows with the number of ids
//! ever seen (16 bytes and change per id).

use super::arena::{Handle, NIL};
use crate::core::{AgentId, OrderId};
use std::collections::HashMap;
use std::fmt;
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

#[derive(Default)]
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

/// Shows only the number of ids: printing the map would expose its iteration order.
impl fmt::Debug for OrderRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderRegistry")
            .field("ids_seen", &self.ids.len())
            .finish()
    }
}

/// Hashes the `u64` inside an [`OrderId`] so that ids issued in sequence land in neighbouring
/// buckets: the low bits of the hash (the bucket index) are the id's own low bits folded with
/// its higher bits, and the top seven bits (the tag the table compares first) are a
/// multiplicative mix. Simulations issue ids mostly in sequence, so recently created orders stay
/// close together in memory; ids that differ only in their high bits still spread out.
#[derive(Default)]
pub(super) struct OrderIdHasher {
    state: u64,
}

impl Hasher for OrderIdHasher {
    fn finish(&self) -> u64 {
        const TAG: u64 = 0x7F << 57;
        let s = self.state;
        let low = s ^ (s >> 24) ^ (s >> 48);
        let tag = s.wrapping_mul(0x9E37_79B9_7F4A_7C15) & TAG;
        (low & !TAG) | tag
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.state = self.state.rotate_left(5) ^ n;
    }
}
