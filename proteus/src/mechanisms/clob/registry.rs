//! Every order id the book has seen, with its owner and, while it rests, its arena handle.
//!
//! An id's answer never changes once it is done: that is what lets the book reject a reused id
//! and tell a cancel for an order that already finished (`TooLate`) from one for an id it never
//! saw (`UnknownOrder`), and a cancel by someone else (`NotOwner`) from both.
//!
//! Simulation ids are the agent id in the high 32 bits and the agent's own counter in the low 32
//! bits, so they are dense per high half. The registry exploits that: an id whose halves are
//! close to ids already seen lives in a plain table, `dense[high][low]` (8 bytes per id, cut
//! into pages of [`PAGE`] ids that are allocated once and never reallocate; two bounds checks,
//! a tag test and two loads per lookup, no hashing); any other id (a sparse or adversarial
//! numbering, e.g. from a replayed order file) goes to a hash map. Every id lives in exactly one
//! of the two, and a lookup consults both, so where an id went cannot change an answer. Neither
//! structure is iterated, so their layout cannot reach an output. The hasher is fixed and cheap:
//! ids are chosen by the simulation, not by an adversary, and a fixed hasher keeps the book free
//! of hidden randomness.
//!
//! **Memory does not grow with the run.** A page every slot of which the table has passed, with
//! no order resting, and whose seen ids all have one owner, is *folded* to a marker: the owner
//! and which of its ids were never seen (none, in the usual case). A folded page answers exactly
//! what the live one did: `Unknown` for an unseen id, `Closed { owner }` for a seen one, so
//! reject reasons are unchanged. Claiming a never-seen id of a folded page unfolds it first.
//! Pages are folded by [`OrderRegistry::compact`], which the book calls once at the end of each
//! request (never inside a lookup); the pages that may fold are queued as they become foldable
//! (their last resting order closed, or the table grew past them), so compaction costs nothing
//! when no page is due. What stays is 32 bytes per 256 ids seen, the live pages of orders still
//! resting, and the sparse map.

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    owner: AgentId,
    /// [`NIL`] once the order no longer rests; [`UNSEEN`] for a dense slot not claimed yet.
    handle: Handle,
}

impl Entry {
    fn rests(self) -> bool {
        self.handle != NIL && self.handle != UNSEEN
    }
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

/// log2 of the number of ids in one page of a [`Table`].
const PAGE_BITS: usize = 8;
const PAGE: usize = 1 << PAGE_BITS;
const WORDS: usize = PAGE / 64;

/// One page of a [`Table`].
enum Page {
    /// Every slot; `open` counts the slots whose order rests.
    Live { slots: Vec<Entry>, open: u32 },
    /// No order of the page rests and every seen id in it belongs to `owner`. `unseen`: bit
    /// `i` set if slot `i` was never claimed (`None`: every slot was).
    Folded {
        owner: AgentId,
        unseen: Option<Box<[u64; WORDS]>>,
    },
}

impl Page {
    #[inline]
    fn get(&self, i: usize) -> Option<Entry> {
        match self {
            Page::Live { slots, .. } => slots.get(i).copied(),
            Page::Folded { owner, unseen } => {
                let never = unseen
                    .as_ref()
                    .is_some_and(|u| u[i / 64] & (1 << (i % 64)) != 0);
                Some(if never {
                    UNSEEN_ENTRY
                } else {
                    Entry {
                        owner: *owner,
                        handle: NIL,
                    }
                })
            }
        }
    }

    /// The live slots of a folded page (every slot, as the page was when it folded).
    fn unfold(&mut self) {
        if let Page::Folded { owner, unseen } = self {
            let closed = Entry {
                owner: *owner,
                handle: NIL,
            };
            let slots = (0..PAGE)
                .map(|i| {
                    let never = unseen
                        .as_ref()
                        .is_some_and(|u| u[i / 64] & (1 << (i % 64)) != 0);
                    if never { UNSEEN_ENTRY } else { closed }
                })
                .collect();
            *self = Page::Live { slots, open: 0 };
        }
    }

    /// Folds a live page that is full, holds no resting order and whose seen ids have one
    /// owner; leaves any other page as it is.
    fn try_fold(&mut self) {
        let Page::Live { slots, open: 0 } = self else {
            return;
        };
        if slots.len() != PAGE {
            return;
        }
        let mut owner = None;
        let mut unseen = [0u64; WORDS];
        for (i, e) in slots.iter().enumerate() {
            if e.handle == UNSEEN {
                unseen[i / 64] |= 1 << (i % 64);
                continue;
            }
            debug_assert_eq!(e.handle, NIL, "a page with no open order");
            match owner {
                None => owner = Some(e.owner),
                Some(o) if o != e.owner => return,
                Some(_) => {}
            }
        }
        // A page of unseen slots only: any owner answers the same (no slot says `Closed`).
        let owner = owner.unwrap_or(AgentId(0));
        let unseen = (unseen != [0; WORDS]).then(|| Box::new(unseen));
        *self = Page::Folded { owner, unseen };
    }
}

/// One dense table, `dense[high]`: a growable array of entries indexed by the low half of an
/// id, cut into pages of [`PAGE`] entries. The first page grows like a `Vec` (a small table
/// costs what a `Vec` would); every later page is allocated once at its full size and filled as
/// ids arrive. So a large table never reallocates: growing it neither copies it nor touches
/// fresh memory for a copy, and only the slots in use have been written. Only a full page
/// (every page but the last) may be folded.
#[derive(Default)]
struct Table {
    /// Every page but the last holds exactly [`PAGE`] slots.
    pages: Vec<Page>,
    /// Number of slots, seen or not.
    len: usize,
}

impl Table {
    #[inline]
    fn get(&self, low: usize) -> Option<Entry> {
        self.pages
            .get(low >> PAGE_BITS)
            .and_then(|page| page.get(low & (PAGE - 1)))
    }

    /// Sets slot `low` (below the length) to `entry`. Returns whether its page may now fold.
    #[inline]
    fn set(&mut self, low: usize, entry: Entry) -> bool {
        let page = &mut self.pages[low >> PAGE_BITS];
        let i = low & (PAGE - 1);
        if let Page::Folded { .. } = page {
            if page.get(i) == Some(entry) {
                return false;
            }
            page.unfold();
        }
        let Page::Live { slots, open } = page else {
            unreachable!("unfolded above")
        };
        let slot = &mut slots[i];
        match (slot.rests(), entry.rests()) {
            (false, true) => *open += 1,
            (true, false) => *open -= 1,
            _ => {}
        }
        *slot = entry;
        *open == 0 && slots.len() == PAGE
    }

    /// Extends the table to `low + 1` slots (the new ones unseen) and sets slot `low`, which
    /// must not be below the current length, to a closed `entry`. Queues in `due` the pages
    /// of `dense[high]` this fills that may fold.
    #[inline]
    fn extend_to(&mut self, low: usize, entry: Entry, high: usize, due: &mut Vec<(u32, u32)>) {
        debug_assert!(!entry.rests());
        // The usual case: the next id in sequence, with room left in the last page.
        if low == self.len
            && let Some(Page::Live { slots, open }) = self.pages.last_mut()
            && slots.len() < slots.capacity().min(PAGE)
        {
            slots.push(entry);
            self.len += 1;
            if slots.len() == PAGE && *open == 0 {
                due.push((high as u32, (low >> PAGE_BITS) as u32));
            }
            return;
        }
        self.extend_slow(low, entry, high, due);
    }

    #[inline(never)]
    fn extend_slow(&mut self, low: usize, entry: Entry, high: usize, due: &mut Vec<(u32, u32)>) {
        debug_assert!(low >= self.len);
        while self.len <= low {
            let p = self.len >> PAGE_BITS;
            if p == self.pages.len() {
                // The first page starts empty and grows; later ones are allocated whole.
                let capacity = if p == 0 { 0 } else { PAGE };
                self.pages.push(Page::Live {
                    slots: Vec::with_capacity(capacity),
                    open: 0,
                });
            }
            // The page holding slot `len` is not full, so it is live.
            let Page::Live { slots, open } = &mut self.pages[p] else {
                unreachable!("only full pages fold")
            };
            let end = (low + 1 - (p << PAGE_BITS)).min(PAGE);
            if slots.capacity() < end {
                let capacity = end.max(2 * slots.capacity()).min(PAGE);
                slots.reserve_exact(capacity - slots.len());
            }
            slots.resize(end, UNSEEN_ENTRY);
            self.len = (p << PAGE_BITS) + end;
            if end == PAGE && *open == 0 {
                due.push((high as u32, p as u32));
            }
        }
        let Page::Live { slots, .. } = &mut self.pages[low >> PAGE_BITS] else {
            unreachable!("just extended")
        };
        slots[low & (PAGE - 1)] = entry;
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
    /// Pages `(high, page)` that may fold at the next [`Self::compact`] (possibly repeated,
    /// possibly no longer foldable: each is checked then).
    due: Vec<(u32, u32)>,
}

impl OrderRegistry {
    pub fn with_capacity(ids: usize) -> Self {
        let mut dense = Vec::new();
        if ids > 0 {
            let mut pages = Vec::with_capacity(ids.div_ceil(PAGE));
            pages.push(Page::Live {
                slots: Vec::with_capacity(ids.min(PAGE)),
                open: 0,
            });
            dense.push(Table { pages, len: 0 });
        }
        OrderRegistry {
            dense,
            ..OrderRegistry::default()
        }
    }

    /// The entry of a seen id, wherever it lives.
    #[inline]
    fn entry(&self, id: OrderId) -> Option<Entry> {
        let (high, low) = halves(id);
        if let Some(e) = self.dense.get(high).and_then(|t| t.get(low))
            && e.handle != UNSEEN
        {
            return Some(e);
        }
        if self.sparse.is_empty() {
            None
        } else {
            self.sparse.get(&id).copied()
        }
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
            if low < table.len {
                if table.set(low, entry) {
                    self.due.push((high as u32, (low >> PAGE_BITS) as u32));
                }
                return true;
            }
            if may_grow(table.len, low) {
                table.extend_to(low, entry, high, &mut self.due);
                return true;
            }
        }
        self.sparse.insert(id, entry);
        true
    }

    /// Sets the handle of a claimed id.
    #[inline]
    fn set_handle(&mut self, id: OrderId, handle: Handle) {
        let (high, low) = halves(id);
        if let Some(table) = self.dense.get_mut(high)
            && let Some(e) = table.get(low)
            && e.handle != UNSEEN
        {
            if table.set(low, Entry { handle, ..e }) {
                self.due.push((high as u32, (low >> PAGE_BITS) as u32));
            }
            return;
        }
        self.sparse.get_mut(&id).expect("a claimed id").handle = handle;
    }

    #[inline]
    pub fn open(&mut self, id: OrderId, handle: Handle) {
        self.set_handle(id, handle);
    }

    #[inline]
    pub fn close(&mut self, id: OrderId) {
        self.set_handle(id, NIL);
    }

    /// Folds the pages queued since the last call that can fold (see the module
    /// documentation). Changes no answer.
    #[inline]
    pub fn compact(&mut self) {
        if !self.due.is_empty() {
            self.compact_due();
        }
    }

    #[inline(never)]
    fn compact_due(&mut self) {
        for (high, p) in self.due.drain(..) {
            self.dense[high as usize].pages[p as usize].try_fold();
        }
    }

    /// Number of live (unfolded) pages in the dense tables.
    pub fn live_pages(&self) -> usize {
        self.dense
            .iter()
            .flat_map(|t| &t.pages)
            .filter(|p| matches!(p, Page::Live { .. }))
            .count()
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
    use proptest::prelude::*;

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

    /// What the registry must answer, kept in the most direct way.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Model {
        Closed(AgentId),
        Open(AgentId, Handle),
    }

    fn model_status(m: &std::collections::BTreeMap<u64, Model>, id: u64) -> IdStatus {
        match m.get(&id) {
            None => IdStatus::Unknown,
            Some(&Model::Closed(owner)) => IdStatus::Closed { owner },
            Some(&Model::Open(owner, handle)) => IdStatus::Open { owner, handle },
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        /// Claim id, and maybe open it.
        Claim(u64, u32, Option<u32>),
        /// Close (if it rests) the k-th id claimed so far (mod count).
        Close(usize),
        /// Reopen a closed id (as a crossing amend's rest does) by index.
        Reopen(usize, u32),
        Lookup(u64),
        Compact,
    }

    /// Ids mostly in sequence per agent (so pages fill and fold), some random ones in the same
    /// tables (gaps, never-used ids), some far away (the sparse map).
    fn id() -> impl Strategy<Value = u64> {
        prop_oneof![
            8 => (0u64..3, 0u64..700).prop_map(|(h, l)| h << 32 | l),
            1 => (0u64..3, 0u64..5_000).prop_map(|(h, l)| h << 32 | l),
            1 => any::<u64>(),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (id(), 0u32..4, proptest::option::weighted(0.3, 0u32..1_000))
                .prop_map(|(id, o, h)| Op::Claim(id, o, h)),
            4 => any::<usize>().prop_map(Op::Close),
            1 => (any::<usize>(), 0u32..1_000).prop_map(|(k, h)| Op::Reopen(k, h)),
            3 => id().prop_map(Op::Lookup),
            2 => Just(Op::Compact),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Folding pages changes no answer: the registry agrees with a `BTreeMap` over random
        /// claims, opens, closes and lookups, with compaction at random points (and after
        /// every operation in a second registry).
        #[test]
        fn registry_agrees_with_a_map(
            ops in proptest::collection::vec(op(), 1..3_000),
            sequential in proptest::collection::vec((0u64..3, 1u32..4), 0..4),
        ) {
            use std::collections::BTreeMap;
            let mut model: BTreeMap<u64, Model> = BTreeMap::new();
            let mut claimed: Vec<u64> = Vec::new();
            let mut lazy = OrderRegistry::default();
            let mut eager = OrderRegistry::with_capacity(16);
            // Long runs of sequential ids with each owner closing them: whole pages fold.
            let mut ops = ops;
            for (n, &(high, owner)) in sequential.iter().enumerate() {
                let at = ops.len() * n / sequential.len().max(1);
                let run: Vec<Op> = (0..600u64)
                    .flat_map(|low| {
                        [
                            Op::Claim(high << 32 | (1_000 + low), owner, Some(low as u32)),
                            Op::Close(usize::MAX),
                        ]
                    })
                    .collect();
                ops.splice(at..at, run);
            }
            for op in ops {
                match op {
                    Op::Claim(id, owner, open) => {
                        let owner = AgentId(owner);
                        let fresh = !model.contains_key(&id);
                        prop_assert_eq!(lazy.claim(OrderId(id), owner), fresh);
                        prop_assert_eq!(eager.claim(OrderId(id), owner), fresh);
                        if fresh {
                            model.insert(id, Model::Closed(owner));
                            claimed.push(id);
                            if let Some(h) = open {
                                lazy.open(OrderId(id), h);
                                eager.open(OrderId(id), h);
                                model.insert(id, Model::Open(owner, h));
                            }
                        }
                    }
                    Op::Close(k) => {
                        if claimed.is_empty() {
                            continue;
                        }
                        // usize::MAX: the last claimed id.
                        let id = claimed[k.min(claimed.len() - 1) % claimed.len()];
                        if let Some(&Model::Open(owner, _)) = model.get(&id) {
                            lazy.close(OrderId(id));
                            eager.close(OrderId(id));
                            model.insert(id, Model::Closed(owner));
                        }
                    }
                    Op::Reopen(k, h) => {
                        if claimed.is_empty() {
                            continue;
                        }
                        let id = claimed[k % claimed.len()];
                        if let Some(&Model::Closed(owner)) = model.get(&id) {
                            lazy.open(OrderId(id), h);
                            eager.open(OrderId(id), h);
                            model.insert(id, Model::Open(owner, h));
                        }
                    }
                    Op::Lookup(id) => {
                        prop_assert_eq!(lazy.status(OrderId(id)), model_status(&model, id));
                    }
                    Op::Compact => lazy.compact(),
                }
                eager.compact();
            }
            lazy.compact();
            for id in claimed.iter().copied().chain((0..3u64).flat_map(|h| (0..1_700).map(move |l| h << 32 | l))) {
                let want = model_status(&model, id);
                prop_assert_eq!(lazy.status(OrderId(id)), want);
                prop_assert_eq!(eager.status(OrderId(id)), want);
            }
        }
    }

    #[test]
    fn closed_pages_fold_and_unfold() {
        let mut r = OrderRegistry::default();
        // Owner 1 uses every id of pages 0-2 but leaves gaps in page 3 (ids that are multiples
        // of 5: 770, 775, ...); one order of page 1 stays open.
        for low in 0..4 * PAGE as u64 {
            if low >= 3 * PAGE as u64 && low % 5 == 0 {
                continue;
            }
            assert!(r.claim(OrderId(low), AgentId(1)));
            r.open(OrderId(low), low as Handle);
            if low != PAGE as u64 + 3 {
                r.close(OrderId(low));
            }
            r.compact();
        }
        // Page 4 started: page 3 (with gaps) folds too; pages 1 and 4 stay live.
        assert!(r.claim(OrderId(4 * PAGE as u64), AgentId(1)));
        r.compact();
        assert_eq!(r.live_pages(), 2);
        assert_eq!(r.status(OrderId(7)), IdStatus::Closed { owner: AgentId(1) });
        assert_eq!(r.status(OrderId(3 * PAGE as u64 + 2)), IdStatus::Unknown);
        assert_eq!(
            r.status(OrderId(3 * PAGE as u64 + 1)),
            IdStatus::Closed { owner: AgentId(1) }
        );
        assert!(!r.claim(OrderId(3 * PAGE as u64 + 1), AgentId(2)));
        // The last open order of page 1 closes: it folds at the next compaction.
        r.close(OrderId(PAGE as u64 + 3));
        r.compact();
        assert_eq!(r.live_pages(), 1);
        assert_eq!(
            r.status(OrderId(PAGE as u64 + 3)),
            IdStatus::Closed { owner: AgentId(1) }
        );
        // A never-used id of a folded page is claimed (by another owner): the page unfolds and,
        // with two owners, stays live.
        assert!(r.claim(OrderId(3 * PAGE as u64 + 7), AgentId(2)));
        r.compact();
        assert_eq!(r.live_pages(), 2);
        assert_eq!(
            r.status(OrderId(3 * PAGE as u64 + 7)),
            IdStatus::Closed { owner: AgentId(2) }
        );
        assert_eq!(
            r.status(OrderId(3 * PAGE as u64 + 6)),
            IdStatus::Closed { owner: AgentId(1) }
        );
        assert_eq!(r.status(OrderId(3 * PAGE as u64 + 12)), IdStatus::Unknown);
    }
}
