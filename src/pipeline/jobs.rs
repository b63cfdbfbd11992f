//! Entries waiting for a parsing thread, the largest first.
//!
//! A directory's walk is much faster than parsing: it gets ahead and files wait. Taking the
//! largest first lets the parsing threads finish together rather than one of them parsing the
//! biggest log alone at the end (the longest-job-first rule of scheduling).

use std::collections::BinaryHeap;
use std::sync::{Condvar, Mutex, MutexGuard};

/// A queue of jobs between one producer and several takers.
pub(super) struct Jobs<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
}

struct State<T> {
    waiting: BinaryHeap<T>,
    /// No more jobs will come.
    closed: bool,
    /// Takers still taking; none left means a job pushed would never be taken.
    takers: usize,
}

impl<T: Ord> Jobs<T> {
    pub(super) fn new() -> Jobs<T> {
        Jobs {
            state: Mutex::new(State {
                waiting: BinaryHeap::new(),
                closed: false,
                takers: 0,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A taker that panicked holds no invariant of the queue half-done.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State<T>>) -> MutexGuard<'a, State<T>> {
        self.changed.wait(guard).unwrap_or_else(|e| e.into_inner())
    }

    /// Add `job` once fewer than `room` jobs wait; the job back when no taker is left.
    pub(super) fn push(&self, job: T, room: usize) -> Result<(), T> {
        let mut state = self.lock();
        while state.takers > 0 && state.waiting.len() >= room.max(1) {
            state = self.wait(state);
        }
        if state.takers == 0 {
            return Err(job);
        }
        state.waiting.push(job);
        drop(state);
        self.changed.notify_all();
        Ok(())
    }

    /// No more jobs: takers end once the waiting ones are taken.
    pub(super) fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// Count a taker in until the returned guard is dropped (also when its thread panics).
    pub(super) fn taker(&self) -> Taker<'_, T> {
        self.lock().takers += 1;
        Taker { jobs: self }
    }
}

/// A thread taking jobs.
pub(super) struct Taker<'a, T: Ord> {
    jobs: &'a Jobs<T>,
}

impl<T: Ord> Taker<'_, T> {
    /// The largest waiting job, waiting for one; `None` once the queue is closed and empty.
    pub(super) fn take(&self) -> Option<T> {
        let mut state = self.jobs.lock();
        loop {
            if let Some(job) = state.waiting.pop() {
                drop(state);
                self.jobs.changed.notify_all();
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state = self.jobs.wait(state);
        }
    }
}

impl<T: Ord> Drop for Taker<'_, T> {
    fn drop(&mut self) {
        let mut state = self.jobs.lock();
        state.takers = state.takers.saturating_sub(1);
        drop(state);
        self.jobs.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_first_and_all_taken() {
        let jobs = Jobs::new();
        let taker = jobs.taker();
        for n in [3, 9, 1, 5] {
            jobs.push(n, 8).unwrap();
        }
        jobs.close();
        let taken: Vec<i32> = std::iter::from_fn(|| taker.take()).collect();
        assert_eq!(taken, [9, 5, 3, 1]);
    }

    #[test]
    fn a_push_with_no_taker_left_fails_instead_of_waiting() {
        let jobs = Jobs::new();
        drop(jobs.taker());
        assert_eq!(jobs.push(1, 1), Err(1));
    }

    #[test]
    fn a_full_queue_holds_the_producer_until_a_job_is_taken() {
        let jobs = Jobs::new();
        let taken = std::thread::scope(|scope| {
            let taker = jobs.taker();
            let producer = scope.spawn(|| {
                for n in 0..100 {
                    jobs.push(n, 2).unwrap();
                }
                jobs.close();
            });
            let mut taken = Vec::new();
            while let Some(n) = taker.take() {
                taken.push(n);
            }
            producer.join().unwrap();
            taken
        });
        let mut sorted = taken.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    }
}
