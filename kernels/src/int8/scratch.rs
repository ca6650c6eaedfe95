//! Per-thread pools of the int8 kernels' temporary buffers (im2col and packed
//! B, Winograd patches, transformed inputs and output tiles), kept between
//! calls so a forward pass does not zero-fill them again: on armv7 that
//! `memset` was 3.5% of SqueezeNet's int8 inference (22 MB per inference).
//!
//! A [`Scratch`] holds whatever an earlier user left (any bit pattern is a
//! valid integer): callers write before they read, or clear what must be
//! zero. Several can be live at once (each takes its own buffer); dropping
//! one returns its buffer to the pool of the thread that drops it.
//!
//! Whether a thread keeps buffers is its *retention*, set per scope by the
//! runtime for the net that runs ([`with_retention`]; a net's own worker
//! threads take it for good, [`set_thread_retention`]): a low-memory net
//! neither takes pooled buffers nor keeps any (each is zero-allocated and
//! freed), and leaves the pools of other nets on the same thread alone.

use std::cell::{Cell, RefCell};
use std::ops::{Deref, DerefMut};
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

thread_local! {
    /// Bytes this thread's pools hold.
    static HELD: Cell<usize> = const { Cell::new(0) };
    /// Whether buffers are taken from and returned to this thread's pools.
    static RETAIN: Cell<bool> = const { Cell::new(true) };
}

/// Runs `f` with this thread's retention set to `retain` (restored
/// afterwards, also on a panic).
pub fn with_retention<R>(retain: bool, f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = RETAIN.try_with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(RETAIN.with(|r| r.replace(retain)));
    f()
}

/// Sets this thread's retention from now on (a net's own worker threads).
pub fn set_thread_retention(retain: bool) {
    let _ = RETAIN.try_with(|r| r.set(retain));
}

/// Bytes this thread's pools hold for reuse.
pub fn retained_bytes() -> usize {
    HELD.try_with(|h| h.get()).unwrap_or(0)
}

fn retaining() -> bool {
    RETAIN.try_with(|r| r.get()).unwrap_or(false)
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
    if !retaining() {
        return Scratch {
            buf: vec![T::default(); len],
            len,
        };
    }
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
        if !retaining() {
            return;
        }
        let buf = std::mem::take(&mut self.buf);
        let bytes = bytes_of(&buf);
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

        // Without retention nothing is taken from or given to the pool;
        // with it again, the pooled buffer is still there.
        {
            let mut a = take::<i16>(64);
            a.fill(5);
        }
        let held = retained_bytes();
        assert!(held >= 128);
        with_retention(false, || {
            let mut a = take::<i16>(64);
            assert!(a.iter().all(|&v| v == 0), "a pooled buffer was taken");
            a.fill(6);
        });
        assert_eq!(retained_bytes(), held, "a buffer was kept");
        assert!(take::<i16>(64).iter().all(|&v| v == 5));
    }
}
