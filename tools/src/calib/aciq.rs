//! ACIQ: clip at a multiple of a Gaussian's standard deviation estimated from
//! the range and the element count (ncnn2table's `compute_aciq_gaussian_clip`),
//! never above the observed maximum.

/// Clipping threshold for `n` samples whose absolute maximum is `absmax`.
pub fn gaussian_clip(absmax: f32, n: usize, bits: usize) -> f32 {
    const ALPHA: [f64; 8] = [
        0.0, 1.71063519, 2.15159277, 2.55913646, 2.93620062, 3.28691474, 3.6151146, 3.92403714,
    ];
    let gaussian_const = (0.5 * 0.35) * (1.0 + (std::f64::consts::PI * 4f64.ln()).sqrt());
    let n = n.max(2) as f64;
    let std = (absmax as f64 * 2.0 * gaussian_const) / (2.0 * n.ln()).sqrt();
    ((ALPHA[bits.clamp(1, 8) - 1] * std) as f32).min(absmax)
}

/// int8 scale `127 / threshold`, or `None` for an all-zero range.
pub fn scale(absmax: f32, n: usize) -> Option<f32> {
    if absmax <= 0.0 || !absmax.is_finite() {
        return None;
    }
    Some(127.0 / gaussian_clip(absmax, n, 8))
}

#[cfg(test)]
mod tests {
    #[test]
    fn clip_is_below_the_max_and_grows_with_fewer_samples() {
        let a = super::gaussian_clip(10.0, 1_000_000, 8);
        let b = super::gaussian_clip(10.0, 1_000, 8);
        assert!(a < b && b <= 10.0, "{a} {b}");
        // 3.924 · (10 · 2 · 0.540) / sqrt(2 ln 1e6) = 8.066
        assert!((a - 8.066).abs() < 0.01, "{a}");
        assert_eq!(super::scale(0.0, 100), None);
    }
}
