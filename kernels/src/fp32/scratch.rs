//! Per-thread scratch memory for the fp32 kernels' temporary buffers
//! (packed B panels, Winograd tiles): kept between calls, so a forward pass
//! neither allocates nor page-faults in fresh zeroed memory for them.

use std::cell::RefCell;

thread_local! {
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on `n` floats of this thread's scratch buffer. The contents are
/// whatever an earlier user left: callers write before they read. A nested call (the buffer is in use) gets a fresh one.
pub fn with<R>(n: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut v) => {
            if v.len() < n {
                v.resize(n, 0.0);
            }
            f(&mut v[..n])
        }
        Err(_) => f(&mut vec![0f32; n]),
    })
}
