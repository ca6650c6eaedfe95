//! Thread fan-out helpers. The runtime installs a rayon pool sized to the
//! user's thread count; kernels receive that count explicitly so that
//! `threads == 1` never touches a worker thread.

use rayon::prelude::*;

/// Runs `f(i, item)` for every item, on `threads` workers of the current rayon pool.
pub fn for_each_mut<T: Send, F>(items: &mut [T], threads: usize, f: F)
where
    F: Fn(usize, &mut T) + Sync + Send,
{
    if threads <= 1 || items.len() <= 1 {
        for (i, it) in items.iter_mut().enumerate() {
            f(i, it);
        }
    } else {
        items
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, it)| f(i, it));
    }
}

/// Runs `f(i)` for `i in 0..n` on `threads` workers, collecting results in order.
pub fn map_range<R: Send, F>(n: usize, threads: usize, f: F) -> Vec<R>
where
    F: Fn(usize) -> R + Sync + Send,
{
    if threads <= 1 || n <= 1 {
        (0..n).map(f).collect()
    } else {
        (0..n).into_par_iter().map(f).collect()
    }
}

/// Splits `data` into chunks of `chunk` elements and runs `f(chunk_index, chunk)`.
pub fn for_each_chunk_mut<T: Send, F>(data: &mut [T], chunk: usize, threads: usize, f: F)
where
    F: Fn(usize, &mut [T]) + Sync + Send,
{
    let chunk = chunk.max(1);
    if threads <= 1 || data.len() <= chunk {
        for (i, c) in data.chunks_mut(chunk).enumerate() {
            f(i, c);
        }
    } else {
        data.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    }
}
