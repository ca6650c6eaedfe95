//! Byte accounting of tensor buffers: the runtime's own high-water mark,
//! reported by `octet bench` beside the OS's peak resident memory.

use std::sync::atomic::{AtomicUsize, Ordering};

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn add(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

pub(crate) fn sub(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

/// Bytes of tensor buffers alive now (blobs and workspaces, not weights).
pub fn current_bytes() -> usize {
    CURRENT.load(Ordering::Relaxed)
}

/// Highest [`current_bytes`] since the last [`reset_peak`].
pub fn peak_bytes() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Restarts the high-water mark from the current usage.
pub fn reset_peak() {
    PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// A workspace buffer counted in the high-water mark while it lives.
pub struct Workspace<T: Copy + Default> {
    data: Vec<T>,
}

impl<T: Copy + Default> Workspace<T> {
    pub fn new(len: usize) -> Self {
        add(len * std::mem::size_of::<T>());
        Workspace {
            data: vec![T::default(); len],
        }
    }
}

impl<T: Copy + Default> std::ops::Deref for Workspace<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.data
    }
}

impl<T: Copy + Default> std::ops::DerefMut for Workspace<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.data
    }
}

impl<T: Copy + Default> Drop for Workspace<T> {
    fn drop(&mut self) {
        sub(self.data.len() * std::mem::size_of::<T>());
    }
}
