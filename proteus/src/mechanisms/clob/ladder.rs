//! One side of the book: its price levels ordered from worst to best.
//!
//! The levels live in a `Vec` sorted so that the best price is the *last* element. Activity
//! concentrates at the touch, so the common operations (trade against the best level, drop it
//! when empty, add a level at or near the touch) touch the tail of the vector and shift few or no
//! elements; finding an arbitrary level is a binary search. Bids are sorted by ascending price,
//! asks by descending price; both are expressed as one ascending `rank` (price for bids, minus
//! price for asks) so the code is the same for both sides.

use super::arena::{Handle, OrderArena};
use super::level::PriceLevel;
use crate::mechanisms::types::{Price, Qty, Side};
use std::cmp::Ordering;

#[derive(Debug)]
pub(super) struct Ladder {
    /// +1 for bids, -1 for asks: `rank = price * sign`.
    sign: i64,
    /// Worst first, best last.
    levels: Vec<PriceLevel>,
}

impl Ladder {
    pub fn new(side: Side) -> Self {
        Ladder {
            sign: side.sign(),
            levels: Vec::new(),
        }
    }

    /// Larger is better for this side.
    fn rank(&self, price: Price) -> i64 {
        price * self.sign
    }

    /// Where the level at `price` is (`Ok`) or would be inserted (`Err`).
    ///
    /// Ranks strictly increase along the vector, by at least 1 per step, so a level `d` ranks
    /// below the best one is at least at index `len - 1 - d`; it is exactly there when the levels
    /// in between are all occupied, which is the common case near the touch. That index is
    /// probed first; otherwise the search walks the few levels at the touch, then bisects what
    /// is left above the lower bound.
    #[inline]
    fn search(&self, price: Price) -> Result<usize, usize> {
        const NEAR_TOUCH: usize = 4;
        let rank = self.rank(price);
        let len = self.levels.len();
        let Some(best) = self.levels.last() else {
            return Err(0);
        };
        let behind = self.rank(best.price) - rank;
        if behind < 0 {
            return Err(len);
        }
        // `behind` ≥ 0 here; a level further behind than the whole vector is bounded by 0.
        let lower = (len - 1).saturating_sub(usize::try_from(behind).unwrap_or(usize::MAX));
        match self.rank(self.levels[lower].price).cmp(&rank) {
            Ordering::Equal => return Ok(lower),
            Ordering::Greater => return Err(lower),
            Ordering::Less => {}
        }
        // levels[lower] ranks below `rank`: the answer is above `lower`.
        let near = len.saturating_sub(NEAR_TOUCH).max(lower + 1);
        for i in (near..len).rev() {
            match self.rank(self.levels[i].price).cmp(&rank) {
                Ordering::Equal => return Ok(i),
                Ordering::Less => return Err(i + 1),
                Ordering::Greater => {}
            }
        }
        let from = lower + 1;
        self.levels[from..near]
            .binary_search_by(|l| self.rank(l.price).cmp(&rank))
            .map(|i| i + from)
            .map_err(|i| i + from)
    }

    pub fn best(&self) -> Option<&PriceLevel> {
        self.levels.last()
    }

    pub fn best_mut(&mut self) -> Option<&mut PriceLevel> {
        self.levels.last_mut()
    }

    /// Removes the oldest order of the best level from the book and frees its slot, dropping the
    /// level if it empties. There must be a best level.
    pub fn pop_oldest_best(&mut self, arena: &mut OrderArena) {
        let level = self.levels.last_mut().expect("a best level");
        let h = level.head;
        level.unlink(arena, h);
        if level.is_empty() {
            self.levels.pop();
        }
        arena.remove(h);
    }

    /// Takes `by` lots off the oldest order of the best level, which keeps a positive quantity.
    pub fn reduce_oldest_best(&mut self, arena: &mut OrderArena, by: Qty) {
        let level = self.levels.last_mut().expect("a best level");
        let node = arena.get_mut(level.head);
        debug_assert!(by > 0 && by < node.qty);
        node.qty -= by;
        level.qty -= by;
    }

    /// Levels from best to worst.
    pub fn levels(&self) -> impl Iterator<Item = &PriceLevel> {
        self.levels.iter().rev()
    }

    /// Appends the stored order `h` at the back of the queue at its price, creating the level if
    /// needed.
    pub fn push(&mut self, arena: &mut OrderArena, h: Handle) {
        let price = arena.get(h).price;
        let i = match self.search(price) {
            Ok(i) => i,
            Err(i) => {
                self.levels.insert(i, PriceLevel::new(price));
                i
            }
        };
        self.levels[i].push_back(arena, h);
    }

    /// Unlinks the stored order `h` from its level, dropping the level if it empties. The node
    /// stays in the arena.
    pub fn unlink(&mut self, arena: &mut OrderArena, h: Handle) {
        let price = arena.get(h).price;
        let i = self
            .search(price)
            .expect("a resting order's price level exists");
        let level = &mut self.levels[i];
        level.unlink(arena, h);
        if level.is_empty() {
            self.levels.remove(i);
        }
    }

    /// Reduces the open quantity of the stored order `h` by `by`, in place (it keeps its queue
    /// position). The order must keep a positive quantity.
    pub fn reduce(&mut self, arena: &mut OrderArena, h: Handle, by: Qty) {
        let node = arena.get_mut(h);
        debug_assert!(by >= 0 && by < node.qty);
        node.qty -= by;
        let price = node.price;
        let i = self
            .search(price)
            .expect("a resting order's price level exists");
        self.levels[i].qty -= by;
    }
}
