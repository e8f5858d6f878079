//! Every order id the book has seen, with its owner and, while it rests, its arena handle.
//!
//! Ids are never forgotten: that is what lets the book reject a reused id and tell a cancel for
//! an order that already finished (`TooLate`) from one for an id it never saw (`UnknownOrder`).
//!
//! Simulation ids are the agent id in the high 32 bits and the agent's own counter in the low 32
//! bits, so they are dense per high half. The registry exploits that: an id whose halves are
//! close to ids already seen lives in a plain table, `dense[high][low]` (8 bytes per id, kept in
//! fixed pages so that it never reallocates; two bounds checks and two loads per lookup, no
//! hashing); any other id (a sparse or adversarial
//! numbering, e.g. from a replayed order file) goes to a hash map. Every id lives in exactly one
//! of the two, and a lookup consults both, so where an id went cannot change an answer. Neither
//! structure is iterated, so their layout cannot reach an output. The hasher is fixed and cheap:
//! ids are chosen by the simulation, not by an adversary, and a fixed hasher keeps the book free
//! of hidden randomness. Memory grows with the number of ids ever seen.

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

/// The `handle` of a dense slot whose id has not been seen. The arena never hands it out
/// (see [`super::arena::MAX_HANDLE`]).
const UNSEEN: Handle = NIL - 1;

#[derive(Clone, Copy, Debug)]
struct Entry {
    owner: AgentId,
    /// [`NIL`] once the order no longer rests; [`UNSEEN`] for a dense slot not claimed yet.
    handle: Handle,
}

const UNSEEN_ENTRY: Entry = Entry {
    owner: AgentId(0),
    handle: UNSEEN,
};

/// Whether index `i` may extend a dense table of length `len`: the table at most doubles (plus a
/// constant), so the unseen slots it holds are bounded by the ids it has seen.
fn may_grow(len: usize, i: usize) -> bool {
    i <= 2 * len + 1024
}

fn halves(id: OrderId) -> (usize, usize) {
    ((id.0 >> 32) as usize, (id.0 & 0xFFFF_FFFF) as usize)
}

/// log2 of the number of entries in one page of a [`Table`].
const PAGE_BITS: usize = 12;
const PAGE: usize = 1 << PAGE_BITS;

/// One dense table, `dense[high]`: a growable array of entries indexed by the low half of an
/// id, cut into pages of [`PAGE`] entries. The first page grows like a `Vec` (a small table
/// costs what a `Vec` would); every later page is allocated once at its full size and filled as
/// ids arrive. So a large table never reallocates: growing it neither copies it nor touches
/// fresh memory for a copy, and only the slots in use have been written.
#[derive(Default)]
struct Table {
    /// Every page but the last holds exactly [`PAGE`] slots.
    pages: Vec<Vec<Entry>>,
    /// Number of slots, seen or not.
    len: usize,
}

impl Table {
    #[inline]
    fn get(&self, low: usize) -> Option<&Entry> {
        self.pages
            .get(low >> PAGE_BITS)
            .and_then(|page| page.get(low & (PAGE - 1)))
    }

    #[inline]
    fn get_mut(&mut self, low: usize) -> Option<&mut Entry> {
        self.pages
            .get_mut(low >> PAGE_BITS)
            .and_then(|page| page.get_mut(low & (PAGE - 1)))
    }

    /// Extends the table to `low + 1` slots (the new ones unseen) and sets slot `low`, which
    /// must not be below the current length.
    #[inline]
    fn extend_to(&mut self, low: usize, entry: Entry) {
        // The usual case: the next id in sequence, with room left in the last page.
        if low == self.len
            && let Some(page) = self.pages.last_mut()
            && page.len() < page.capacity().min(PAGE)
        {
            page.push(entry);
            self.len += 1;
            return;
        }
        self.extend_slow(low, entry);
    }

    #[inline(never)]
    fn extend_slow(&mut self, low: usize, entry: Entry) {
        debug_assert!(low >= self.len);
        while self.len <= low {
            let p = self.len >> PAGE_BITS;
            if p == self.pages.len() {
                // The first page starts empty and grows; later ones are allocated whole.
                let capacity = if p == 0 { 0 } else { PAGE };
                self.pages.push(Vec::with_capacity(capacity));
            }
            let page = &mut self.pages[p];
            let end = (low + 1 - (p << PAGE_BITS)).min(PAGE);
            if page.capacity() < end {
                let capacity = end.max(2 * page.capacity()).min(PAGE);
                page.reserve_exact(capacity - page.len());
            }
            page.resize(end, UNSEEN_ENTRY);
            self.len = (p << PAGE_BITS) + end;
        }
        self.pages[low >> PAGE_BITS][low & (PAGE - 1)] = entry;
    }
}

#[derive(Default)]
pub(super) struct OrderRegistry {
    /// `dense[high][low]`, see the module documentation.
    dense: Vec<Table>,
    /// Ids that did not fit the dense table when they were claimed.
    sparse: HashMap<OrderId, Entry, BuildHasherDefault<OrderIdHasher>>,
    /// Number of ids seen.
    seen: usize,
}

impl OrderRegistry {
    pub fn with_capacity(ids: usize) -> Self {
        let mut dense = Vec::new();
        if ids > 0 {
            let mut pages = Vec::with_capacity(ids.div_ceil(PAGE));
            pages.push(Vec::with_capacity(ids.min(PAGE)));
            dense.push(Table { pages, len: 0 });
        }
        OrderRegistry {
            dense,
            sparse: HashMap::default(),
            seen: 0,
        }
    }

    /// The entry of a seen id, wherever it lives.
    #[inline]
    fn entry(&self, id: OrderId) -> Option<&Entry> {
        let (high, low) = halves(id);
        if let Some(e) = self.dense.get(high).and_then(|t| t.get(low))
            && e.handle != UNSEEN
        {
            return Some(e);
        }
        if self.sparse.is_empty() {
            None
        } else {
            self.sparse.get(&id)
        }
    }

    #[inline]
    fn entry_mut(&mut self, id: OrderId) -> Option<&mut Entry> {
        let (high, low) = halves(id);
        if let Some(e) = self.dense.get(high).and_then(|t| t.get(low))
            && e.handle != UNSEEN
        {
            return self.dense[high].get_mut(low);
        }
        self.sparse.get_mut(&id)
    }

    #[inline]
    pub fn status(&self, id: OrderId) -> IdStatus {
        match self.entry(id) {
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
        if self.entry(id).is_some() {
            return false;
        }
        self.seen += 1;
        let entry = Entry { owner, handle: NIL };
        let (high, low) = halves(id);
        if high < self.dense.len() || may_grow(self.dense.len(), high) {
            if high >= self.dense.len() {
                self.dense.resize_with(high + 1, Table::default);
            }
            let table = &mut self.dense[high];
            if let Some(slot) = table.get_mut(low) {
                *slot = entry;
                return true;
            }
            if may_grow(table.len, low) {
                table.extend_to(low, entry);
                return true;
            }
        }
        self.sparse.insert(id, entry);
        true
    }

    #[inline]
    pub fn open(&mut self, id: OrderId, handle: Handle) {
        self.entry_mut(id).expect("a claimed id").handle = handle;
    }

    #[inline]
    pub fn close(&mut self, id: OrderId) {
        self.entry_mut(id).expect("a claimed id").handle = NIL;
    }
}

/// Shows only the number of ids: printing the tables would expose the hash map's order.
impl fmt::Debug for OrderRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderRegistry")
            .field("ids_seen", &self.seen)
            .finish()
    }
}

/// Hashes the `u64` inside an [`OrderId`] so that ids issued in sequence land in neighbouring
/// buckets: the low bits of the hash (the bucket index) are the id's own low bits folded with
/// its higher bits, and the top seven bits (the tag the table compares first) are a
/// multiplicative mix. Ids that differ only in their high bits still spread out.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_ids_behave_alike() {
        let mut r = OrderRegistry::default();
        let ids = [
            0u64,
            1,
            5,
            1 << 32 | 1,
            7 << 32 | 3,
            1 << 40,
            u64::MAX,
            2_000,
            2,
        ];
        for (n, &id) in ids.iter().enumerate() {
            let owner = AgentId(n as u32);
            assert_eq!(r.status(OrderId(id)), IdStatus::Unknown);
            assert!(r.claim(OrderId(id), owner));
            assert!(!r.claim(OrderId(id), AgentId(99)));
            assert_eq!(r.status(OrderId(id)), IdStatus::Closed { owner });
            r.open(OrderId(id), n as Handle);
            assert_eq!(
                r.status(OrderId(id)),
                IdStatus::Open {
                    owner,
                    handle: n as Handle
                }
            );
        }
        // Unclaimed ids inside a grown dense table are unknown.
        assert_eq!(r.status(OrderId(3)), IdStatus::Unknown);
        assert_eq!(r.status(OrderId(4 << 32)), IdStatus::Unknown);
        // An id that went to the sparse map stays there even once the dense table reaches it.
        assert!(r.sparse.contains_key(&OrderId(2_000)));
        for low in (6..3_000).filter(|&low| low != 2_000) {
            assert!(r.claim(OrderId(low), AgentId(1)));
        }
        assert!(!r.claim(OrderId(2_000), AgentId(1)));
        assert!(!r.claim(OrderId(5), AgentId(1)));
        for &id in &ids {
            r.close(OrderId(id));
            assert!(matches!(r.status(OrderId(id)), IdStatus::Closed { .. }));
        }
        assert!(!r.sparse.is_empty());
    }

    #[test]
    fn dense_tables_span_pages() {
        let mut r = OrderRegistry::default();
        // In sequence across several pages, then with gaps that open new pages.
        let mut ids: Vec<u64> = (0..3 * PAGE as u64 + 7).collect();
        ids.extend([4 * PAGE as u64 + 1, 5 * PAGE as u64 - 1, 5 * PAGE as u64]);
        ids.extend((0..2 * PAGE as u64 + 3).map(|low| 3 << 32 | low));
        for (n, &id) in ids.iter().enumerate() {
            assert_eq!(r.status(OrderId(id)), IdStatus::Unknown);
            assert!(r.claim(OrderId(id), AgentId(n as u32 % 7)));
            if n % 3 == 0 {
                r.open(OrderId(id), n as Handle);
            }
        }
        assert!(r.sparse.is_empty());
        for (n, &id) in ids.iter().enumerate() {
            let owner = AgentId(n as u32 % 7);
            let want = if n % 3 == 0 {
                IdStatus::Open {
                    owner,
                    handle: n as Handle,
                }
            } else {
                IdStatus::Closed { owner }
            };
            assert_eq!(r.status(OrderId(id)), want);
            assert!(!r.claim(OrderId(id), AgentId(99)));
        }
        for low in [
            3 * PAGE as u64 + 7,
            4 * PAGE as u64,
            5 * PAGE as u64 - 2,
            5 * PAGE as u64 + 1,
        ] {
            assert_eq!(r.status(OrderId(low)), IdStatus::Unknown);
        }
        assert_eq!(
            r.status(OrderId((3 << 32) | (2 * PAGE as u64 + 3))),
            IdStatus::Unknown
        );
        // A gap inside an existing page is claimed in place.
        assert!(r.claim(OrderId(4 * PAGE as u64), AgentId(5)));
        assert_eq!(
            r.status(OrderId(4 * PAGE as u64)),
            IdStatus::Closed { owner: AgentId(5) }
        );
    }
}
