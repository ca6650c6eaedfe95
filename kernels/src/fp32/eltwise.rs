//! fp32 element-wise operations in place: binary (`dst = dst op src`), the
//! Eltwise layer's inner loops, and the unary Sigmoid and Swish of the
//! activation layers and fused activations. The portable loops vectorise on x86 and
//! aarch64 but stay scalar on armv7 (LLVM does not vectorise fp32 there:
//! NEON is not IEEE; `f32::max` even calls libm's `fmaxf`), ~6 cost units
//! per element for a sum; the armv7 NEON loops take ~1.5. Their values are
//! the portable ones for normal numbers; subnormals flush to zero and `Max`
//! propagates NaN (ncnn's ARM Eltwise does the same).

use crate::cpu::CpuFeatures;
use crate::ops::KernelSet;

/// The operation of [`binary_in_place_with`] and [`binary_scalar_in_place_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    // The discriminants index `EltwiseKernels::binary_x8` and `binary_scalar_x8`.
    Add = 0,
    Mul = 1,
    Max = 2,
    /// `dst − src`.
    Sub = 3,
    Min = 4,
}

impl BinaryOp {
    pub const ALL: [BinaryOp; 5] = [
        BinaryOp::Add,
        BinaryOp::Mul,
        BinaryOp::Max,
        BinaryOp::Sub,
        BinaryOp::Min,
    ];

    #[inline(always)]
    fn apply(self, a: f32, b: f32) -> f32 {
        match self {
            BinaryOp::Add => a + b,
            BinaryOp::Mul => a * b,
            BinaryOp::Max => a.max(b),
            BinaryOp::Sub => a - b,
            BinaryOp::Min => a.min(b),
        }
    }
}

/// `(dst, src, blocks)`: `dst[i] = dst[i] op src[i]` for `i < 8·blocks`.
pub type BinaryX8Fn = unsafe fn(*mut f32, *const f32, usize);

/// `(dst, s, blocks)`: `dst[i] = dst[i] op s` for `i < 8·blocks`.
pub type BinaryScalarX8Fn = unsafe fn(*mut f32, f32, usize);

/// The operation of [`unary_in_place_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    // The discriminants index `EltwiseKernels::unary_x4`.
    /// `1 / (1 + e^−x)`.
    Sigmoid = 0,
    /// `x / (1 + e^−x)`.
    Swish = 1,
}

/// `(data, blocks)`: `data[i] = op(data[i])` for `i < 4·blocks`.
pub type UnaryX4Fn = unsafe fn(*mut f32, usize);

/// `(data, blocks, [a, b, lo, hi])`: `data[i] = clamp(data[i]·a + b, lo,
/// hi)`, times `data[i]` in the second of the pair, for `i < 4·blocks`.
pub type AffineClampX4Fn = unsafe fn(*mut f32, usize, &[f32; 4]);

/// The element-wise kernels of one CPU family: SIMD blocks of 8 floats for
/// [`BinaryOp::Add`], `Mul` and `Max` (in that order), before the portable
/// loop finishes a slice (`None`: portable loops only, which LLVM
/// vectorises everywhere but on armv7). Only this crate builds one (see
/// [`crate::ops`]).
#[derive(Clone, Copy)]
pub struct EltwiseKernels {
    pub(crate) name: &'static str,
    pub(crate) runs_on: fn(&CpuFeatures) -> bool,
    pub(crate) binary_x8: Option<[BinaryX8Fn; 5]>,
    /// The same with a scalar second operand (BinaryOp's per-channel and
    /// scalar broadcasts, e.g. a squeeze-excitation block's multiply).
    pub(crate) binary_scalar_x8: Option<[BinaryScalarX8Fn; 5]>,
    /// SIMD blocks of 4 floats for [`UnaryOp::Sigmoid`] and `Swish`.
    pub(crate) unary_x4: Option<[UnaryX4Fn; 2]>,
    /// SIMD blocks of 4 floats for [`affine_clamp_in_place_with`] without
    /// and with the multiplication by x.
    pub(crate) affine_clamp_x4: Option<[AffineClampX4Fn; 2]>,
}

/// The portable loops.
pub(crate) static GENERIC: EltwiseKernels = EltwiseKernels {
    name: "generic",
    runs_on: super::kernels::everywhere,
    binary_x8: None,
    binary_scalar_x8: None,
    unary_x4: None,
    affine_clamp_x4: None,
};

impl std::fmt::Debug for EltwiseKernels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (eltwise)", self.name)
    }
}

impl PartialEq for EltwiseKernels {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
    }
}

impl KernelSet for EltwiseKernels {
    fn name(&self) -> &'static str {
        self.name
    }

    fn runs_on(&self, f: &CpuFeatures) -> bool {
        (self.runs_on)(f)
    }

    fn portable_twin(&self) -> &'static EltwiseKernels {
        &GENERIC
    }

    fn available() -> Vec<&'static EltwiseKernels> {
        crate::ops::available()
    }
}

/// [`binary_in_place_with`] with the registry's element-wise kernels.
pub fn binary_in_place(op: BinaryOp, dst: &mut [f32], src: &[f32]) {
    binary_in_place_with(crate::ops().eltwise(), op, dst, src)
}

/// `dst[i] = dst[i] op src[i]`, by `kern`'s SIMD blocks where it has them,
/// the portable loop for the rest.
///
/// # Panics
/// If the slices differ in length.
pub fn binary_in_place_with(kern: &EltwiseKernels, op: BinaryOp, dst: &mut [f32], src: &[f32]) {
    assert_eq!(dst.len(), src.len());
    let mut done = 0;
    if let Some(x8) = kern.binary_x8 {
        let blocks = dst.len() / 8;
        if blocks > 0 {
            let f = x8[op as usize];
            // SAFETY: `kern` is a token that this CPU runs its kernels (only
            // the registry and the enumeration hand kernel objects out); both
            // slices hold 8·blocks floats.
            unsafe { f(dst.as_mut_ptr(), src.as_ptr(), blocks) }
            done = 8 * blocks;
        }
    }
    let (dst, src) = (&mut dst[done..], &src[done..]);
    // One loop per operation (the match outside) so each vectorises.
    macro_rules! each {
        ($($op:ident),*) => {
            match op {
                $(BinaryOp::$op => dst
                    .iter_mut()
                    .zip(src)
                    .for_each(|(d, s)| *d = BinaryOp::$op.apply(*d, *s)),)*
            }
        };
    }
    each!(Add, Mul, Max, Sub, Min);
}

/// [`binary_scalar_in_place_with`] with the registry's element-wise kernels.
pub fn binary_scalar_in_place(op: BinaryOp, dst: &mut [f32], s: f32) {
    binary_scalar_in_place_with(crate::ops().eltwise(), op, dst, s)
}

/// `dst[i] = dst[i] op s`, by `kern`'s SIMD blocks where it has them, the
/// portable loop for the rest (the same values, as [`binary_in_place_with`]).
pub fn binary_scalar_in_place_with(kern: &EltwiseKernels, op: BinaryOp, dst: &mut [f32], s: f32) {
    let mut done = 0;
    if let Some(x8) = kern.binary_scalar_x8 {
        let blocks = dst.len() / 8;
        if blocks > 0 {
            // SAFETY: `kern` is a token that this CPU runs its kernels; `dst`
            // holds 8·blocks floats.
            unsafe { x8[op as usize](dst.as_mut_ptr(), s, blocks) }
            done = 8 * blocks;
        }
    }
    let dst = &mut dst[done..];
    macro_rules! each {
        ($($op:ident),*) => {
            match op {
                $(BinaryOp::$op => dst.iter_mut().for_each(|d| *d = BinaryOp::$op.apply(*d, s)),)*
            }
        };
    }
    each!(Add, Mul, Max, Sub, Min);
}

/// Coefficients of ncnn's `exp_ps` (Cephes' `expf`): `e^x = 2^n · e^r`,
/// `n = round(x·log2 e)`, `r = x − n·ln 2` (ln 2 split in two for
/// precision), `e^r ≈ 1 + r + r²·P(r)`.
pub const EXP_LOG2E: f32 = std::f32::consts::LOG2_E;
pub const EXP_LN2_HI: f32 = 0.693_359_4;
pub const EXP_LN2_LO: f32 = -2.121_944_4e-4;
pub const EXP_P: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    0.166_666_65,
    0.5,
];
/// `x + 1.5·2²³ − 1.5·2²³` rounds `|x| < 2²²` to the nearest integer
/// without a libm call (round-to-nearest arithmetic, as NEON's).
pub const EXP_ROUND_MAGIC: f32 = 12_582_912.0;
/// The range where `n` stays within a normal float's exponent (−126 …
/// 127): beyond it `e^x` saturates at these ends (`e^−87` ≈ 1.6e−38,
/// `e^88` ≈ 1.7e38), which Sigmoid and Swish cannot tell from 0 and ∞.
pub const EXP_MIN_X: f32 = -87.0;
pub const EXP_MAX_X: f32 = 88.0;

/// `e^x` for Sigmoid and Swish: ~1 ulp inside [`EXP_MIN_X`, `EXP_MAX_X`],
/// clamped outside. Branch-free and libm-free, so a loop over a slice
/// vectorises (x86, aarch64); the armv7 NEON blocks do the same operations
/// in the same order.
#[inline(always)]
pub fn exp_clamped(x: f32) -> f32 {
    let x = x.clamp(EXP_MIN_X, EXP_MAX_X);
    let t = x * EXP_LOG2E + EXP_ROUND_MAGIC;
    let n = t - EXP_ROUND_MAGIC;
    let r = x - n * EXP_LN2_HI - n * EXP_LN2_LO;
    let mut y = EXP_P[0];
    for p in &EXP_P[1..] {
        y = y * r + p;
    }
    let y = y * (r * r) + r + 1.0;
    // n ∈ [−126, 127] sits in t's low mantissa bits (t = 1.5·2²³ + n):
    // integer arithmetic on them vectorises, `n as i32` (saturating) does
    // not. n + 127 is a normal float's exponent field.
    let pow2n = f32::from_bits(
        t.to_bits()
            .wrapping_sub(EXP_ROUND_MAGIC.to_bits())
            .wrapping_add(127)
            << 23,
    );
    y * pow2n
}

#[inline(always)]
pub(crate) fn unary(op: UnaryOp, x: f32) -> f32 {
    let d = 1.0 + exp_clamped(-x);
    match op {
        UnaryOp::Sigmoid => 1.0 / d,
        UnaryOp::Swish => x / d,
    }
}

/// [`unary_in_place_with`] with the registry's element-wise kernels.
pub fn unary_in_place(op: UnaryOp, data: &mut [f32]) {
    unary_in_place_with(crate::ops().eltwise(), op, data)
}

/// `data[i] = op(data[i])` by `kern`'s SIMD blocks where it has them, the
/// portable loop for the rest. Results are within 4e-7 relative (+1e-30
/// absolute: NEON flushes subnormals) of the exact function and of the
/// portable loop (the NEON blocks take the reciprocal by two Newton steps).
pub fn unary_in_place_with(kern: &EltwiseKernels, op: UnaryOp, data: &mut [f32]) {
    let mut done = 0;
    if let Some(x4) = kern.unary_x4 {
        let blocks = data.len() / 4;
        if blocks > 0 {
            // SAFETY: `kern` is a token that this CPU runs its kernels (only
            // the registry and the enumeration hand kernel objects out);
            // `data` holds 4·blocks floats.
            unsafe { x4[op as usize](data.as_mut_ptr(), blocks) }
            done = 4 * blocks;
        }
    }
    // Two loops, not a match per element, so each vectorises.
    let rest = &mut data[done..];
    match op {
        UnaryOp::Sigmoid => rest
            .iter_mut()
            .for_each(|v| *v = unary(UnaryOp::Sigmoid, *v)),
        UnaryOp::Swish => rest.iter_mut().for_each(|v| *v = unary(UnaryOp::Swish, *v)),
    }
}

/// [`affine_clamp_in_place_with`] with the registry's element-wise kernels.
pub fn affine_clamp_in_place(data: &mut [f32], p: [f32; 4], times_x: bool) {
    affine_clamp_in_place_with(crate::ops().eltwise(), data, p, times_x)
}

/// `data[i] = clamp(data[i]·a + b, lo, hi)` (`p = [a, b, lo, hi]`), times
/// `data[i]` when `times_x`: Clip (a = 1, b = 0), HardSigmoid (0 … 1) and
/// HardSwish (0 … 1, times x) in one branch-free form. The SIMD blocks do
/// the same operations, so the same bits (but NEON's flushed subnormals).
pub fn affine_clamp_in_place_with(
    kern: &EltwiseKernels,
    data: &mut [f32],
    p: [f32; 4],
    times_x: bool,
) {
    let mut done = 0;
    if let Some(x4) = kern.affine_clamp_x4 {
        let blocks = data.len() / 4;
        if blocks > 0 {
            // SAFETY: `kern` is a token that this CPU runs its kernels;
            // `data` holds 4·blocks floats.
            unsafe { x4[times_x as usize](data.as_mut_ptr(), blocks, &p) }
            done = 4 * blocks;
        }
    }
    let [a, b, lo, hi] = p;
    let rest = &mut data[done..];
    // max then min, not `clamp` (which panics when lo > hi): ncnn's Clip
    // gives hi then, as this does.
    if times_x {
        rest.iter_mut()
            .for_each(|v| *v *= (*v * a + b).max(lo).min(hi));
    } else {
        rest.iter_mut()
            .for_each(|v| *v = (*v * a + b).max(lo).min(hi));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_clamped_is_accurate() {
        let mut worst = 0f64;
        let mut x = EXP_MIN_X;
        while x <= EXP_MAX_X {
            let want = (x as f64).exp();
            let got = exp_clamped(x) as f64;
            worst = worst.max(((got - want) / want).abs());
            x += 0.0137;
        }
        assert!(worst < 2.5e-7, "worst relative error {worst:e}");
        assert_eq!(exp_clamped(0.0), 1.0);
        assert_eq!(exp_clamped(-1000.0), exp_clamped(EXP_MIN_X));
        assert_eq!(exp_clamped(1000.0), exp_clamped(EXP_MAX_X));
        assert!(exp_clamped(EXP_MAX_X).is_finite() && exp_clamped(EXP_MIN_X) > 0.0);
    }

    #[test]
    fn clip_with_min_above_max_gives_max_as_ncnn() {
        let mut v = [-3.0, 0.5, 7.0];
        affine_clamp_in_place_with(&GENERIC, &mut v, [1.0, 0.0, 2.0, 1.0], false);
        assert_eq!(v, [1.0, 1.0, 1.0]);
    }

    #[test]
    fn sigmoid_and_swish_are_accurate() {
        for i in -2000..2000 {
            let x = i as f32 * 0.05;
            let s = 1.0 / (1.0 + (-(x as f64)).exp());
            let mut v = [x, x];
            unary_in_place_with(&GENERIC, UnaryOp::Sigmoid, &mut v[..1]);
            unary_in_place_with(&GENERIC, UnaryOp::Swish, &mut v[1..]);
            assert!(
                (v[0] as f64 - s).abs() <= 4e-7 * s + 1e-30,
                "sigmoid({x}) = {}",
                v[0]
            );
            let w = x as f64 * s;
            assert!(
                (v[1] as f64 - w).abs() <= 4e-7 * w.abs() + 1e-30,
                "swish({x}) = {}",
                v[1]
            );
        }
    }
}
