//! Per-thread pools of the int8 kernels' temporary buffers (im2col and packed
//! B, Winograd patches, transformed inputs and output tiles), kept between
//! calls so a forward pass does not zero-fill them again: on armv7 that
//! `memset` was 3.5% of SqueezeNet's int8 inference (22 MB per inference).
//!
//! A [`Scratch`] holds whatever an earlier user left (any bit pattern is a
//! valid integer): callers write before they read, or clear what must be
//! zero. Several can be live at once (each takes its own buffer); dropping
//! one returns its buffer to the pool of the thread that drops it, unless
//! the pool would then hold more than [`set_retained_limit`] bytes (the
//! runtime's low-memory option sets 0: nothing is kept between uses).

use std::cell::{Cell, RefCell};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::LocalKey;

/// Element types with a pool.
pub trait Pooled: Copy + Default + 'static {
    #[doc(hidden)]
    fn pool() -> &'static LocalKey<RefCell<Vec<Vec<Self>>>>;
}

macro_rules! pooled {
    ($t:ty, $name:ident) => {
        thread_local! {
            static $name: RefCell<Vec<Vec<$t>>> = const { RefCell::new(Vec::new()) };
        }
        impl Pooled for $t {
            fn pool() -> &'static LocalKey<RefCell<Vec<Vec<$t>>>> {
                &$name
            }
        }
    };
}

static RETAINED_LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

thread_local! {
    /// Bytes this thread's pools hold.
    static HELD: Cell<usize> = const { Cell::new(0) };
}

/// Most bytes each thread's pools keep between uses (process-wide; default
/// unlimited). 0 frees every buffer when its [`Scratch`] is dropped.
pub fn set_retained_limit(bytes: usize) {
    RETAINED_LIMIT.store(bytes, Ordering::Relaxed);
}

fn bytes_of<T>(v: &[T]) -> usize {
    std::mem::size_of_val(v)
}

pooled!(i8, POOL_I8);
pooled!(i16, POOL_I16);
pooled!(i32, POOL_I32);

/// A pooled buffer whose first `len` elements are in use.
pub struct Scratch<T: Pooled> {
    buf: Vec<T>,
    len: usize,
}

/// Takes a buffer of `len` elements from this thread's pool: the smallest
/// one that is large enough, else the largest one grown (only the growth is
/// zero-filled), else a new one. Best fit keeps each buffer near the size of
/// the use it serves, so the pool holds about the largest simultaneous need.
pub fn take<T: Pooled>(len: usize) -> Scratch<T> {
    let pooled = T::pool().with(|p| {
        let mut p = p.borrow_mut();
        let fit = p
            .iter()
            .enumerate()
            .filter(|(_, b)| b.len() >= len)
            .min_by_key(|(_, b)| b.len())
            .map(|(i, _)| i);
        let pick = fit.or_else(|| {
            p.iter()
                .enumerate()
                .max_by_key(|(_, b)| b.len())
                .map(|(i, _)| i)
        });
        pick.map(|i| p.swap_remove(i))
    });
    if let Some(b) = &pooled {
        let _ = HELD.try_with(|h| h.set(h.get().saturating_sub(bytes_of(b))));
    }
    let mut buf = pooled.unwrap_or_default();
    if buf.len() < len {
        buf.resize(len, T::default());
    }
    Scratch { buf, len }
}

impl<T: Pooled> Deref for Scratch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.buf[..self.len]
    }
}

impl<T: Pooled> DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.buf[..self.len]
    }
}

impl<T: Pooled> Drop for Scratch<T> {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        let bytes = bytes_of(&buf);
        let held = HELD.try_with(|h| h.get()).unwrap_or(usize::MAX);
        if held.saturating_add(bytes) > RETAINED_LIMIT.load(Ordering::Relaxed) {
            return;
        }
        // During thread teardown the pool may be gone: then the buffer is
        // simply freed.
        let _ = T::pool().try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                p.push(buf);
                let _ = HELD.try_with(|h| h.set(h.get() + bytes));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_live_ones_are_distinct() {
        {
            let mut a = take::<i32>(100);
            a.fill(7);
        }
        // The same buffer comes back with its old contents, not zeroed.
        let mut a = take::<i32>(50);
        assert_eq!(a.len(), 50);
        assert!(a.iter().all(|&v| v == 7));
        // A second live buffer is another allocation.
        let mut b = take::<i32>(50);
        b.fill(1);
        a.fill(2);
        assert!(b.iter().all(|&v| v == 1));
        drop(a);
        drop(b);
        // Growing keeps the old part and zero-fills the rest.
        let c = take::<i32>(200);
        assert_eq!(c.len(), 200);
        assert!(c[100..].iter().all(|&v| v == 0));

        // The limit is process-wide, so it is checked here, in the same test
        // (tests run in parallel), with i16 buffers this thread has not used.
        {
            let mut a = take::<i16>(64);
            a.fill(5);
        }
        assert!(take::<i16>(64).iter().all(|&v| v == 5));
        set_retained_limit(0);
        {
            let mut a = take::<i16>(64);
            a.fill(6);
        }
        let fresh = take::<i16>(64);
        set_retained_limit(usize::MAX);
        assert!(fresh.iter().all(|&v| v == 0), "a freed buffer came back");
    }
}
