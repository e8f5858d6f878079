//! The event queue: a min-heap ordered by `(time, sequence)`.
//!
//! Architecture invariant: events with equal time pop in the order they were scheduled. The
//! sequence number is assigned by [`EventQueue::schedule`] and is the only tie-break, so the
//! order never depends on the payload, on allocation addresses or on hashing.
//!
//! Layout (for speed, not semantics): the heap holds only small keys `(time, seq, slot)`, and the
//! payloads sit in a slab indexed by `slot`, with a free list. Sifting a key moves 24 bytes
//! instead of a whole 88-byte entry; the queue was the largest single cost of the event loop in
//! the profile (`docs/performance.md`). Which slot a payload lands in never influences the order:
//! keys compare on `(time, seq)` only, and `seq` is unique.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An event as it leaves the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled<E> {
    pub time: SimTime,
    pub seq: u64,
    pub event: E,
}

#[derive(Clone, Copy)]
struct Key {
    time: SimTime,
    seq: u64,
    slot: u32,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    // BinaryHeap is a max-heap: reverse so the earliest (time, seq) is on top.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// Deterministic discrete-event queue.
pub struct EventQueue<E> {
    heap: BinaryHeap<Key>,
    /// Payloads by slot; `None` marks a free slot (listed in `free`).
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    pub fn with_capacity(cap: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(cap),
            slots: Vec::with_capacity(cap),
            free: Vec::with_capacity(cap),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// Schedules `event` at `time`. Scheduling in the past (before the last popped event) is a
    /// logic error of the caller; it is clamped to `now` so causality is never violated.
    pub fn schedule(&mut self, time: SimTime, event: E) -> u64 {
        let time = time.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len())
                    .expect("fewer than 2^32 events pending at once");
                self.slots.push(Some(event));
                slot
            }
        };
        self.heap.push(Key { time, seq, slot });
        seq
    }

    /// Removes and returns the earliest event, advancing `now` to its time.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        let Key { time, seq, slot } = self.heap.pop()?;
        let event = self.slots[slot as usize]
            .take()
            .expect("every key in the heap owns its slot");
        self.free.push(slot);
        self.now = time;
        Some(Scheduled { time, seq, event })
    }

    /// Time of the next event without removing it.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Time of the last popped event.
    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Number of events ever scheduled.
    pub fn scheduled_count(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_scheduling_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), "b1");
        q.schedule(SimTime(5), "a");
        q.schedule(SimTime(10), "b2");
        q.schedule(SimTime(10), "b3");
        q.schedule(SimTime(7), "c");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|s| s.event).collect();
        assert_eq!(order, ["a", "c", "b1", "b2", "b3"]);
    }

    #[test]
    fn now_advances_and_past_events_are_clamped() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(100), 1);
        assert_eq!(q.pop().unwrap().time, SimTime(100));
        q.schedule(SimTime(50), 2);
        let e = q.pop().unwrap();
        assert_eq!((e.time, e.event), (SimTime(100), 2));
        assert_eq!(q.now(), SimTime(100));
    }

    proptest::proptest! {
        #[test]
        fn pops_sorted_by_time_then_seq(times in proptest::collection::vec(0u64..20, 0..200)) {
            let mut q = EventQueue::new();
            for (i, t) in times.iter().enumerate() {
                q.schedule(SimTime(*t), i);
            }
            let mut expected: Vec<(u64, usize)> = times.iter().copied().zip(0..).collect();
            expected.sort();
            let got: Vec<(u64, usize)> =
                std::iter::from_fn(|| q.pop()).map(|s| (s.time.0, s.event)).collect();
            proptest::prop_assert_eq!(got, expected);
        }

        /// Slots are reused as events pop; the order must still be `(time, seq)`, as a sorted
        /// reference model says, whatever the interleaving of schedules and pops.
        #[test]
        fn interleaved_schedules_and_pops_match_a_sorted_model(
            ops in proptest::collection::vec(proptest::option::of(0u64..50), 0..400),
        ) {
            let mut q = EventQueue::new();
            let mut model: Vec<(u64, u64, usize)> = Vec::new();
            let mut now = 0;
            for (i, op) in ops.iter().enumerate() {
                match op {
                    Some(dt) => {
                        let t = now + dt;
                        let seq = q.schedule(SimTime(t), i);
                        model.push((t, seq, i));
                    }
                    None => {
                        model.sort();
                        let want = (!model.is_empty()).then(|| model.remove(0));
                        let got = q.pop().map(|s| (s.time.0, s.seq, s.event));
                        proptest::prop_assert_eq!(got, want);
                        if let Some((t, _, _)) = got {
                            now = t;
                        }
                    }
                }
                proptest::prop_assert_eq!(q.len(), model.len());
            }
        }
    }
}
