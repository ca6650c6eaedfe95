//! KL-divergence threshold search (TensorRT's entropy calibration, "8-bit
//! Inference with TensorRT", as in the caffe-int8-convert-tools seed and
//! ncnn2table).
//!
//! The published tools differ in details; Octet's choices:
//! - **Histogram**: 2048 bins of `|x|` over `[0, absmax]`; exact zeros are
//!   skipped (as ncnn2table). The seed tool counts zeros into bin 0 and then
//!   drops bin 0 from the search, shifting every index by one; we keep bin 0
//!   and have no shift.
//! - **Threshold**: `i` counts the bins kept (`128 ≤ i < 2048`); the reference
//!   distribution `p` is bins `0..i` with all outliers folded into bin `i-1`;
//!   the threshold value is `(i + 0.5) · bin_width` and the scale
//!   `127 / threshold` (ncnn2table's formula).
//! - **Quantized distribution**: the `i` kept bins (without the outliers) are
//!   merged into 128 levels with *fractional* bin edges (level `j` covers
//!   `[j·i/128, (j+1)·i/128)`, a bin cut by an edge contributes in
//!   proportion), then each level's mass is spread back over the bins where
//!   `p` is non-zero, in proportion to their overlap with the level
//!   (TensorRT). The seed merges `i // 128` whole bins per level, gives the
//!   remainder to the last level, and (a bug) skips the very last bin when
//!   expanding; we do neither.
//! - **Divergence**: `KL(p‖q) = Σ p log(p/q)` over `p > 0`, both normalised;
//!   no epsilon smoothing is needed because `q > 0` wherever `p > 0`, except
//!   when the whole last level is empty but outliers were folded into it —
//!   then that threshold's divergence is infinite (rejected).

/// Histogram bins.
pub const BINS: usize = 2048;
/// int8 levels of the positive range.
pub const LEVELS: usize = 128;

/// Adds `|x|` of every non-zero value to a histogram over `[0, absmax]`.
pub fn accumulate(hist: &mut [u64], data: &[f32], absmax: f32) {
    if absmax <= 0.0 {
        return;
    }
    let k = BINS as f32 / absmax;
    for &v in data {
        if v != 0.0 {
            let idx = ((v.abs() * k) as usize).min(BINS - 1);
            hist[idx] += 1;
        }
    }
}

/// `[start, end)` overlap of bin `k` (`[k, k+1)`) with a real interval.
#[inline]
fn overlap(k: usize, start: f64, end: f64) -> f64 {
    let lo = (k as f64).max(start);
    let hi = ((k + 1) as f64).min(end);
    (hi - lo).max(0.0)
}

/// KL(p‖q) for keeping `i` bins of `hist`.
pub fn divergence(hist: &[u64], i: usize) -> f64 {
    let mut p: Vec<f64> = hist[..i].iter().map(|&v| v as f64).collect();
    let outliers: f64 = hist[i..].iter().map(|&v| v as f64).sum();
    p[i - 1] += outliers;
    let width = i as f64 / LEVELS as f64;
    let mut q = vec![0f64; i];
    for j in 0..LEVELS {
        let (start, end) = (j as f64 * width, (j + 1) as f64 * width);
        let (k0, k1) = (start.floor() as usize, (end.ceil() as usize).min(i));
        let mut mass = 0f64;
        let mut support = 0f64;
        for k in k0..k1 {
            let o = overlap(k, start, end);
            mass += o * hist[k] as f64;
            if p[k] > 0.0 {
                support += o;
            }
        }
        if support > 0.0 {
            for k in k0..k1 {
                if p[k] > 0.0 {
                    q[k] += overlap(k, start, end) * mass / support;
                }
            }
        }
    }
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    if sp == 0.0 || sq == 0.0 {
        return f64::INFINITY;
    }
    let mut kl = 0f64;
    for k in 0..i {
        if p[k] > 0.0 {
            if q[k] <= 0.0 {
                return f64::INFINITY;
            }
            let (pk, qk) = (p[k] / sp, q[k] / sq);
            kl += pk * (pk / qk).ln();
        }
    }
    kl
}

/// The number of bins `i` (128..2048) with the least divergence, or `None`
/// for an empty histogram.
pub fn threshold_bins(hist: &[u64]) -> Option<usize> {
    assert_eq!(hist.len(), BINS);
    if hist.iter().all(|&v| v == 0) {
        return None;
    }
    let mut best = (f64::INFINITY, BINS - 1);
    for i in LEVELS..BINS {
        let d = divergence(hist, i);
        if d < best.0 {
            best = (d, i);
        }
    }
    Some(best.1)
}

/// int8 scale from a histogram over `[0, absmax]`: `127 / ((i + 0.5)·absmax/2048)`.
pub fn scale(hist: &[u64], absmax: f32) -> Option<f32> {
    if absmax <= 0.0 || !absmax.is_finite() {
        return None;
    }
    let i = threshold_bins(hist)?;
    let threshold = (i as f64 + 0.5) * absmax as f64 / BINS as f64;
    Some((127.0 / threshold) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_data_keeps_everything() {
        // Values spread evenly over the whole range: clipping only hurts,
        // so the search keeps (nearly) all bins.
        let hist = vec![1000u64; BINS];
        let i = threshold_bins(&hist).unwrap();
        assert!(i >= BINS - 16, "{i}");
    }

    #[test]
    fn finds_the_known_optimum_of_a_two_part_distribution() {
        // Dense mass in the first 600 bins, four stray outliers far out: the
        // best threshold keeps exactly the dense part.
        let mut hist = vec![0u64; BINS];
        for (k, h) in hist.iter_mut().enumerate().take(600) {
            *h = 5000 + (k as u64 * 37) % 1000;
        }
        for k in [1500, 1700, 1900, 2047] {
            hist[k] = 1;
        }
        let i = threshold_bins(&hist).unwrap();
        assert!((600..=610).contains(&i), "{i}");
        // And its divergence is the minimum over every candidate.
        let d = divergence(&hist, i);
        assert!((LEVELS..BINS).all(|j| divergence(&hist, j) >= d));
    }

    #[test]
    fn exact_threshold_on_a_block_distribution() {
        // 256 equal bins then nothing: keeping exactly 256 bins makes q == p.
        let mut hist = vec![0u64; BINS];
        hist[..256].iter_mut().for_each(|h| *h = 100);
        assert_eq!(threshold_bins(&hist), Some(256));
        assert!(divergence(&hist, 256).abs() < 1e-12);
        let s = scale(&hist, 2048.0).unwrap();
        assert!((s - 127.0 / 256.5).abs() < 1e-6);
    }

    #[test]
    fn empty_or_zero_ranges_give_none() {
        assert_eq!(threshold_bins(&vec![0; BINS]), None);
        assert_eq!(scale(&vec![1; BINS], 0.0), None);
        assert_eq!(scale(&vec![1; BINS], f32::NAN), None);
    }

    #[test]
    fn accumulate_skips_zeros_and_clamps() {
        let mut h = vec![0u64; BINS];
        accumulate(&mut h, &[0.0, 1.0, -1.0, 0.5, 2.0], 1.0);
        assert_eq!(h[BINS - 1], 3);
        assert_eq!(h[BINS / 2], 1);
        assert_eq!(h.iter().sum::<u64>(), 4);
    }
}
