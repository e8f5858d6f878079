//! The event queue: a priority queue ordered by `(time, sequence)`.
//!
//! Architecture invariant: events with equal time pop in the order they were scheduled. The
//! sequence number is assigned by [`EventQueue::schedule`] and is the only tie-break, so the
//! order never depends on the payload, on allocation addresses or on hashing.
//!
//! Layout (for speed, not semantics; `docs/performance.md` has the profile that led here): a
//! *radix heap* of small keys, with the payloads in a slab indexed by slot and a free list.
//!
//! A radix heap works because the keys a discrete-event queue sees are monotone: every key
//! scheduled is larger than the last key popped (its time is clamped to `now`, and its sequence
//! number is larger than any before it). Write a key as the 128-bit number `time · 2^64 + seq`,
//! which orders exactly as `(time, seq)`, and let `last` be the last key popped. A key lives in
//! bucket `b = 128 − leading_zeros(key XOR last)`: the position of the highest bit where it
//! differs from `last`. Every key of a lower bucket is smaller than every key of a higher one
//! (both agree with `last` above the lower bucket's bit, where the higher one has a 1 and `last`
//! a 0). So the minimum is in the lowest non-empty bucket: pop finds it there, makes it `last`,
//! and moves that bucket's other keys to lower buckets (each key only ever moves down, at most
//! 128 times, in practice a few). Scheduling is a push onto a bucket's vector. Which bucket or
//! slot a key passes through never influences the order: the popped key is always the exact
//! minimum of `(time, seq)`, and `seq` is unique.

use super::time::SimTime;

/// An event as it leaves the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled<E> {
    pub time: SimTime,
    pub seq: u64,
    pub event: E,
}

#[derive(Clone, Copy, Debug)]
struct Key {
    time: SimTime,
    seq: u64,
    slot: u32,
}

impl Key {
    /// The key as one number that orders exactly as `(time, seq)`.
    #[inline]
    fn rank(&self) -> u128 {
        ((self.time.0 as u128) << 64) | self.seq as u128
    }
}

/// Buckets 0 (equal to `last`) to 128 (differs in the top bit).
const BUCKETS: usize = 129;

#[inline]
fn bucket(rank: u128, last: u128) -> usize {
    (128 - (rank ^ last).leading_zeros()) as usize
}

/// Deterministic discrete-event queue.
pub struct EventQueue<E> {
    buckets: Vec<Vec<Key>>,
    /// Bit `b` is set when bucket `b` (0..=127) is non-empty; bucket 128 in `top_nonempty`.
    nonempty: u128,
    top_nonempty: bool,
    /// The rank of the last popped key (0 before the first pop).
    last: u128,
    len: usize,
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
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            nonempty: 0,
            top_nonempty: false,
            last: 0,
            len: 0,
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
        self.push_key(Key { time, seq, slot });
        self.len += 1;
        seq
    }

    #[inline]
    fn push_key(&mut self, key: Key) {
        let b = bucket(key.rank(), self.last);
        self.buckets[b].push(key);
        if b < 128 {
            self.nonempty |= 1 << b;
        } else {
            self.top_nonempty = true;
        }
    }

    /// The lowest non-empty bucket.
    #[inline]
    fn lowest_bucket(&self) -> Option<usize> {
        if self.nonempty != 0 {
            Some(self.nonempty.trailing_zeros() as usize)
        } else if self.top_nonempty {
            Some(128)
        } else {
            None
        }
    }

    /// Removes and returns the earliest event, advancing `now` to its time.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        let b = self.lowest_bucket()?;
        if b > 0 {
            // Make the bucket's minimum the new `last` and spread the bucket below it; the
            // minimum itself lands in bucket 0.
            let mut keys = std::mem::take(&mut self.buckets[b]);
            if b < 128 {
                self.nonempty &= !(1 << b);
            } else {
                self.top_nonempty = false;
            }
            self.last = keys
                .iter()
                .map(Key::rank)
                .min()
                .expect("a non-empty bucket");
            for k in keys.drain(..) {
                self.push_key(k);
            }
            // Keep the emptied vector's allocation for the bucket.
            self.buckets[b] = keys;
        }
        // Ranks are unique, so bucket 0 holds exactly the key equal to `last`.
        let Key { time, seq, slot } = self.buckets[0].pop().expect("the minimum is in bucket 0");
        self.nonempty &= !1;
        self.len -= 1;
        let event = self.slots[slot as usize]
            .take()
            .expect("every key in the queue owns its slot");
        self.free.push(slot);
        self.now = time;
        Some(Scheduled { time, seq, event })
    }

    /// Time of the next event without removing it.
    pub fn peek_time(&self) -> Option<SimTime> {
        let b = self.lowest_bucket()?;
        self.buckets[b]
            .iter()
            .min_by_key(|k| k.rank())
            .map(|k| k.time)
    }

    /// Time of the last popped event.
    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
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
            scale in 0u32..40,
        ) {
            let mut q = EventQueue::new();
            let mut model: Vec<(u64, u64, usize)> = Vec::new();
            let mut now = 0;
            for (i, op) in ops.iter().enumerate() {
                match op {
                    Some(dt) => {
                        // Scaled delays reach the high bits of the time (high buckets).
                        let t = now + (dt << scale);
                        let seq = q.schedule(SimTime(t), i);
                        model.push((t, seq, i));
                    }
                    None => {
                        model.sort();
                        proptest::prop_assert_eq!(
                            q.peek_time(),
                            model.first().map(|m| SimTime(m.0))
                        );
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
