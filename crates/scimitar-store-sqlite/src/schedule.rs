//! Which waiting read runs next: a fair share of the reader threads between tenants.
//!
//! Reads wait in one queue per lane (a tenant, or the store-wide lookups of tenants and
//! keys). Each time a thread is free, the lanes take turns, one read each (round robin),
//! and no lane runs on more than all the threads but one. So however many expensive reads
//! one tenant sends, a thread stays free for the others; and when several tenants fill
//! the pool, a waiting read starts once the lanes ahead of it in turn have each started
//! one, never behind the whole queue of another tenant.
//!
//! Sans-IO: no threads, locks or clocks here, so that tests drive it step by step.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// The waiting reads of every lane, and how many of each run (see the module's docs).
pub(crate) struct Scheduler<K, J> {
    threads: usize,
    running: usize,
    lanes: HashMap<K, Lane<J>>,
    /// The lanes with waiting reads, in the order of their next turns.
    turns: VecDeque<K>,
}

struct Lane<J> {
    waiting: VecDeque<J>,
    running: usize,
}

impl<J> Default for Lane<J> {
    fn default() -> Self {
        Self {
            waiting: VecDeque::new(),
            running: 0,
        }
    }
}

impl<K: Clone + Eq + Hash, J> Scheduler<K, J> {
    /// A scheduler for `threads` threads (at least one).
    pub(crate) fn new(threads: usize) -> Self {
        Self {
            threads: threads.max(1),
            running: 0,
            lanes: HashMap::new(),
            turns: VecDeque::new(),
        }
    }

    /// How many reads run at most at once.
    pub(crate) fn threads(&self) -> usize {
        self.threads
    }

    /// How many reads run now.
    #[cfg(any(test, feature = "test-hooks"))]
    pub(crate) fn running(&self) -> usize {
        self.running
    }

    /// Changes how many reads run at once (at least one); reads running beyond a smaller
    /// number go on, and no more start until they have ended.
    pub(crate) fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// The most reads of one lane that run at once: all threads but one, so that another
    /// lane always finds one (a single thread is shared by turns alone).
    pub(crate) fn share(&self) -> usize {
        self.threads.saturating_sub(1).max(1)
    }

    /// Queues `job` behind the other waiting reads of `lane`.
    pub(crate) fn push(&mut self, lane: K, job: J) {
        let queue = self.lanes.entry(lane.clone()).or_default();
        if queue.waiting.is_empty() {
            self.turns.push_back(lane);
        }
        queue.waiting.push_back(job);
    }

    /// The read a free thread runs next, if one may start: the first waiting read of the
    /// first lane in turn whose share is not taken; that lane's next turn comes after the
    /// other lanes'. Each read it gives must be [`finish`](Self::finish)ed.
    pub(crate) fn start(&mut self) -> Option<(K, J)> {
        if self.running >= self.threads {
            return None;
        }
        let share = self.share();
        let position = self.turns.iter().position(|lane| {
            self.lanes
                .get(lane)
                .is_some_and(|queue| queue.running < share)
        })?;
        let lane = self.turns.remove(position)?;
        let queue = self.lanes.get_mut(&lane)?;
        let job = queue.waiting.pop_front()?;
        queue.running += 1;
        self.running += 1;
        if !queue.waiting.is_empty() {
            self.turns.push_back(lane.clone());
        }
        Some((lane, job))
    }

    /// Notes that a read of `lane` that [`start`](Self::start) gave has ended.
    pub(crate) fn finish(&mut self, lane: &K) {
        let Some(queue) = self.lanes.get_mut(lane) else {
            return;
        };
        if queue.running == 0 {
            return;
        }
        queue.running -= 1;
        self.running -= 1;
        if queue.running == 0 && queue.waiting.is_empty() {
            self.lanes.remove(lane);
        }
    }

    /// Takes out every waiting read, for a pool that closes.
    pub(crate) fn drain(&mut self) -> Vec<J> {
        self.turns.clear();
        let mut drained = Vec::new();
        self.lanes.retain(|_, queue| {
            drained.extend(queue.waiting.drain(..));
            queue.running > 0
        });
        drained
    }
}

#[cfg(test)]
mod tests {
    use super::Scheduler;

    /// Starts reads until none may start; their (lane, job) pairs in order.
    fn start_all(scheduler: &mut Scheduler<&'static str, u32>) -> Vec<(&'static str, u32)> {
        std::iter::from_fn(|| scheduler.start()).collect()
    }

    #[test]
    fn one_lane_never_takes_the_last_thread() {
        let mut scheduler = Scheduler::new(4);
        for job in 0..10 {
            scheduler.push("heavy", job);
        }
        assert_eq!(
            start_all(&mut scheduler),
            [("heavy", 0), ("heavy", 1), ("heavy", 2)]
        );
        // The fourth thread is there for another tenant's lookup, at once.
        scheduler.push("light", 100);
        assert_eq!(start_all(&mut scheduler), [("light", 100)]);
        // All threads are busy now: nothing more starts, whoever asks.
        scheduler.push("other", 200);
        assert_eq!(scheduler.start(), None);
    }

    #[test]
    fn lanes_take_turns_whatever_their_queues() {
        let mut scheduler = Scheduler::new(3);
        for job in 0..5 {
            scheduler.push("a", job);
        }
        scheduler.push("b", 10);
        scheduler.push("b", 11);
        scheduler.push("c", 20);
        // One each, in the order the lanes came.
        assert_eq!(start_all(&mut scheduler), [("a", 0), ("b", 10), ("c", 20)]);
        scheduler.finish(&"a");
        assert_eq!(start_all(&mut scheduler), [("a", 1)]);
        scheduler.finish(&"c");
        assert_eq!(start_all(&mut scheduler), [("b", 11)]);
        scheduler.finish(&"b");
        scheduler.finish(&"b");
        // Only a is left: up to its share (two of three threads) at once.
        assert_eq!(start_all(&mut scheduler), [("a", 2)]);
        scheduler.finish(&"a");
        assert_eq!(start_all(&mut scheduler), [("a", 3)]);
    }

    #[test]
    fn a_late_lane_waits_for_one_turn_not_for_the_queue_ahead() {
        let mut scheduler = Scheduler::new(2);
        for job in 0..100 {
            scheduler.push("heavy", job);
        }
        scheduler.push("other", 1);
        assert_eq!(start_all(&mut scheduler), [("heavy", 0), ("other", 1)]);
        scheduler.push("late", 7);
        scheduler.finish(&"other");
        // heavy holds its share (one of two threads): the late lane goes first.
        assert_eq!(start_all(&mut scheduler), [("late", 7)]);
        scheduler.finish(&"heavy");
        assert_eq!(start_all(&mut scheduler), [("heavy", 1)]);
    }

    #[test]
    fn a_single_thread_is_shared_by_turns() {
        let mut scheduler = Scheduler::new(1);
        assert_eq!(scheduler.share(), 1);
        scheduler.push("a", 0);
        scheduler.push("a", 1);
        scheduler.push("b", 2);
        assert_eq!(start_all(&mut scheduler), [("a", 0)]);
        scheduler.finish(&"a");
        assert_eq!(start_all(&mut scheduler), [("b", 2)]);
        scheduler.finish(&"b");
        assert_eq!(start_all(&mut scheduler), [("a", 1)]);
    }

    #[test]
    fn fewer_threads_let_running_reads_end_first() {
        let mut scheduler = Scheduler::new(4);
        for job in 0..6 {
            scheduler.push(if job % 2 == 0 { "a" } else { "b" }, job);
        }
        assert_eq!(start_all(&mut scheduler).len(), 4);
        scheduler.set_threads(2);
        scheduler.finish(&"a");
        assert_eq!(scheduler.start(), None, "three still run, on two threads");
        scheduler.finish(&"b");
        scheduler.finish(&"a");
        assert_eq!(start_all(&mut scheduler), [("a", 4)]);
        assert_eq!(scheduler.threads(), 2);
        scheduler.set_threads(0);
        assert_eq!(scheduler.threads(), 1, "at least one thread");
    }

    #[test]
    fn closing_drains_the_waiting_reads_and_a_stray_finish_changes_nothing() {
        let mut scheduler = Scheduler::new(2);
        for job in 0..4 {
            scheduler.push("a", job);
        }
        assert_eq!(start_all(&mut scheduler), [("a", 0)]);
        scheduler.finish(&"nobody");
        let mut drained = scheduler.drain();
        drained.sort_unstable();
        assert_eq!(drained, [1, 2, 3]);
        assert_eq!(scheduler.start(), None);
        scheduler.finish(&"a");
        scheduler.finish(&"a");
        scheduler.push("b", 9);
        assert_eq!(start_all(&mut scheduler), [("b", 9)]);
    }
}
