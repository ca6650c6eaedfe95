//! A net's tensor memory (ncnn's blob allocator): byte accounting with a
//! high-water mark, reported by `octet bench` beside the OS's peak resident
//! memory, and a pool that recycles large fp32 buffers between layers and
//! runs.
//!
//! Each [`crate::Net`] owns an [`Allocator`]; the Mats its layers create
//! while it runs (on the calling thread or its worker threads) come from it
//! and go back to it, so two nets in one process neither share pooled
//! buffers nor see each other's bytes. Mats created outside any run (a
//! caller's input) are plain allocations, counted nowhere.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Buffers smaller than this go straight to the system allocator.
const POOL_MIN_LEN: usize = 16 * 1024;

/// Byte counters and the fp32 buffer pool of one net.
#[derive(Debug, Default)]
pub struct Allocator {
    current: AtomicUsize,
    peak: AtomicUsize,
    free: Mutex<Vec<Vec<f32>>>,
}

thread_local! {
    /// The allocator of the net running on this thread, if any.
    static CURRENT: RefCell<Option<Arc<Allocator>>> = const { RefCell::new(None) };
}

impl Allocator {
    pub fn new() -> Arc<Allocator> {
        Arc::new(Allocator::default())
    }

    /// Bytes of tensor buffers alive now (blobs and layer temporaries, not weights).
    pub fn current_bytes(&self) -> usize {
        self.current.load(Ordering::Relaxed)
    }

    /// Highest [`Allocator::current_bytes`] since the last [`Allocator::reset_peak`].
    pub fn peak_bytes(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// Restarts the high-water mark from the current usage.
    pub fn reset_peak(&self) {
        self.peak.store(self.current_bytes(), Ordering::Relaxed);
    }

    /// Bytes the pool holds for reuse.
    pub fn pooled_bytes(&self) -> usize {
        self.free
            .lock()
            .map_or(0, |f| f.iter().map(|b| b.capacity() * 4).sum())
    }

    pub(crate) fn add(&self, bytes: usize) {
        let now = self.current.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    pub(crate) fn sub(&self, bytes: usize) {
        self.current.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// A zero-filled buffer of `len`, reusing a pooled one of a close size.
    /// A fresh allocation of a few MB comes from the OS as untouched pages,
    /// and every first touch is a page fault; layer outputs of the same
    /// sizes come back every inference. The pool never holds more than
    /// keeps live + pooled bytes within the high-water mark already
    /// reached, so it does not raise peak memory.
    pub(crate) fn take_f32(&self, len: usize) -> Vec<f32> {
        if len >= POOL_MIN_LEN {
            if let Ok(mut free) = self.free.lock() {
                // Best fit among buffers at most 25% larger.
                let best = free
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.capacity() >= len && v.capacity() <= len + len / 4)
                    .min_by_key(|(_, v)| v.capacity())
                    .map(|(i, _)| i);
                if let Some(i) = best {
                    let mut v = free.swap_remove(i);
                    drop(free);
                    v.clear();
                    v.resize(len, 0.0);
                    return v;
                }
                // A fresh buffer is coming: drop pooled ones that would push
                // live + pooled past the high-water mark.
                let mut held: usize = free.iter().map(|b| b.capacity() * 4).sum();
                while !free.is_empty() && self.current_bytes() + held + len * 4 > self.peak_bytes()
                {
                    if let Some(b) = free.pop() {
                        held -= b.capacity() * 4;
                    }
                }
            }
        }
        vec![0.0; len]
    }

    pub(crate) fn give_f32(&self, v: Vec<f32>) {
        if v.capacity() < POOL_MIN_LEN {
            return;
        }
        if let Ok(mut free) = self.free.lock() {
            let held: usize = free.iter().map(|b| b.capacity() * 4).sum();
            if self.current_bytes() + held + v.capacity() * 4 <= self.peak_bytes() {
                free.push(v);
            }
        }
    }

    /// Runs `f` with this allocator serving the Mats created on this thread
    /// (the previous one is restored afterwards, also on a panic).
    pub fn scope<R>(self: &Arc<Self>, f: impl FnOnce() -> R) -> R {
        struct Restore(Option<Arc<Allocator>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let prev = self.0.take();
                let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
            }
        }
        let prev = CURRENT.with(|c| c.replace(Some(Arc::clone(self))));
        let _restore = Restore(prev);
        f()
    }

    /// Makes this allocator serve every Mat created on this thread from now
    /// on (a net's own worker threads).
    pub(crate) fn adopt_thread(self: &Arc<Self>) {
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = Some(Arc::clone(self)));
    }
}

/// The allocator of the net running on this thread.
pub(crate) fn current() -> Option<Arc<Allocator>> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}
