//! aarch64 NEON fp32 micro-kernels with `core::arch::aarch64` intrinsics
//! (NEON is architectural on aarch64, so no run-time check is needed):
//!
//! - GEMM 8×12 (24 accumulators, `fmla` by lane) and 4×12, 8×4, 4×4;
//! - Winograd transforms over 4 tiles per call: the shared formulas of
//!   [`crate::generic::fp32::winograd`] on `float32x4_t`, with `ld4`
//!   transposes between the passes and `st4`/`st2` single-lane stores;
//! - depthwise and GEMV: the portable kernels with fused multiply-add,
//!   which LLVM vectorises on aarch64 (its NEON is IEEE-exact, unlike armv7's).

pub mod pooling;

use core::arch::aarch64::*;

use crate::generic::fp32 as g;
use crate::generic::fp32::winograd::{Lanes, Variant, F23, F43, F63};

/// One `MR × NR` tile (`NR` a multiple of 4) with `fmla` by lane: the A
/// values of a step are loaded as `MR / 4` vectors and used lane by lane.
///
/// # Safety
/// As [`crate::generic::fp32::gemm_tile`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_tile_neon<const MR: usize, const NV: usize>(
    k: usize,
    a: *const f32,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    bias: *const f32,
    relu: bool,
) {
    // SAFETY: all loads and stores stay within the caller's extents (MR×k A values,
    // k rows of 4·NV B values, MR bias values, MR rows of 4·NV C values).
    unsafe {
        let mut acc = [[vdupq_n_f32(0.0); NV]; MR];
        for (i, row) in acc.iter_mut().enumerate() {
            *row = [vdupq_n_f32(*bias.add(i)); NV];
        }
        let (mut ap, mut bp) = (a, b);
        for _ in 0..k {
            let bv: [float32x4_t; NV] = core::array::from_fn(|j| vld1q_f32(bp.add(4 * j)));
            for q in 0..MR / 4 {
                let av = vld1q_f32(ap.add(4 * q));
                // Indices, as in the formula; clippy 1.85 (the ARM lint) calls the `j` loop a
                // needless range loop, later clippy does not.
                #[allow(clippy::needless_range_loop)]
                for j in 0..NV {
                    acc[4 * q][j] = vfmaq_laneq_f32::<0>(acc[4 * q][j], bv[j], av);
                    acc[4 * q + 1][j] = vfmaq_laneq_f32::<1>(acc[4 * q + 1][j], bv[j], av);
                    acc[4 * q + 2][j] = vfmaq_laneq_f32::<2>(acc[4 * q + 2][j], bv[j], av);
                    acc[4 * q + 3][j] = vfmaq_laneq_f32::<3>(acc[4 * q + 3][j], bv[j], av);
                }
            }
            ap = ap.add(MR);
            bp = bp.add(ldb);
        }
        let zero = vdupq_n_f32(0.0);
        for (i, row) in acc.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                let v = if relu { vmaxq_f32(*v, zero) } else { *v };
                vst1q_f32(c.add(i * ldc + 4 * j), v);
            }
        }
    }
}

macro_rules! neon_gemm {
    ($name:ident, $mr:literal, $nv:literal) => {
        /// See [`crate::generic::fp32::gemm_tile`] (`NR` = 4 × the vectors per row).
        ///
        /// # Safety
        /// As [`crate::generic::fp32::gemm_tile`].
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name(
            k: usize,
            a: *const f32,
            b: *const f32,
            ldb: usize,
            c: *mut f32,
            ldc: usize,
            bias: *const f32,
            relu: bool,
        ) {
            // SAFETY: same contract as this function's.
            unsafe { gemm_tile_neon::<$mr, $nv>(k, a, b, ldb, c, ldc, bias, relu) }
        }
    };
}

neon_gemm!(gemm_8x12_neon, 8, 3);
neon_gemm!(gemm_4x12_neon, 4, 3);
neon_gemm!(gemm_8x4_neon, 8, 1);
neon_gemm!(gemm_4x4_neon, 4, 1);

/// Four fp32 lanes in a NEON register.
#[derive(Clone, Copy)]
pub struct Q4(float32x4_t);

// SAFETY (every intrinsic in this impl): NEON is part of aarch64; the pointer methods
// are `unsafe` and their callers guarantee the extents.
impl Lanes for Q4 {
    const L: usize = 4;
    #[inline(always)]
    fn splat(v: f32) -> Self {
        // SAFETY: see the impl comment.
        Q4(unsafe { vdupq_n_f32(v) })
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        Q4(unsafe { vaddq_f32(self.0, o.0) })
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        Q4(unsafe { vsubq_f32(self.0, o.0) })
    }
    #[inline(always)]
    fn mul(self, k: f32) -> Self {
        // SAFETY: see the impl comment.
        Q4(unsafe { vmulq_n_f32(self.0, k) })
    }
    #[inline(always)]
    fn madd(self, b: Self, k: f32) -> Self {
        // SAFETY: see the impl comment.
        Q4(unsafe { vfmaq_n_f32(self.0, b.0, k) })
    }
    #[inline(always)]
    fn max0(self) -> Self {
        // SAFETY: see the impl comment.
        Q4(unsafe { vmaxq_f32(self.0, vdupq_n_f32(0.0)) })
    }
    #[inline(always)]
    unsafe fn gather(p: &[*const f32; 8], off: &[usize; 8]) -> Self {
        // SAFETY: the caller guarantees each lane's address is readable.
        let v: [f32; 4] = core::array::from_fn(|l| unsafe { *p[l].add(off[l]) });
        // SAFETY: v holds 4 floats.
        unsafe { Self::load(v.as_ptr()) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable floats.
        Q4(unsafe { vld1q_f32(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 4 writable floats.
        unsafe { vst1q_f32(p, self.0) }
    }
    #[inline(always)]
    fn lane(self, l: usize) -> f32 {
        let mut v = [0f32; 4];
        // SAFETY: v holds 4 floats.
        unsafe { self.store(v.as_mut_ptr()) };
        v[l]
    }
}

/// Input transform of 4 tiles: first pass per tile and per 4-column chunk
/// (lanes = columns; for `T = 6` the chunks are columns 0..4 and 2..6),
/// results parked so that `ld4` reads them back with lanes = tiles, second
/// pass, stores into the packed-B layout. See
/// [`crate::generic::fp32::winograd::input_tiles`].
// Columns of one array and rows of another are filled together: indices read better.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn input_tiles<W: Variant<T, M>, const T: usize, const M: usize>(
    src: &[*const f32; 8],
    stride: &[usize; 8],
    dst: *mut f32,
    q_stride: usize,
) {
    let chunks: &[usize] = match T {
        8 => &[0, 4],
        6 => &[0, 2],
        _ => &[0],
    };
    let h = chunks.len();
    // tmp[r][chunk][tile][4 columns]
    let mut tmp = [0f32; 8 * 2 * 16];
    for l in 0..4 {
        for (ci, &x0) in chunks.iter().enumerate() {
            // SAFETY: rows of tile l's T×T block, columns x0..x0+4 ≤ T (caller contract).
            let rows: [Q4; T] =
                core::array::from_fn(|y| unsafe { Q4::load(src[l].add(y * stride[l] + x0)) });
            let r = W::bt(rows);
            for (y, v) in r.iter().enumerate() {
                // SAFETY: slot (y, ci, l) of tmp (T*h*16 ≤ 256 floats).
                unsafe { v.store(tmp.as_mut_ptr().add(((y * h + ci) * 4 + l) * 4)) };
            }
        }
    }
    for y in 0..T {
        // SAFETY: ld4 of 16 floats per chunk inside tmp; NEON is part of aarch64.
        let cols: [Q4; T] = unsafe {
            let c0 = vld4q_f32(tmp.as_ptr().add(y * h * 16));
            match T {
                8 => {
                    let c1 = vld4q_f32(tmp.as_ptr().add(y * h * 16 + 16));
                    core::array::from_fn(
                        |x| Q4([c0.0, c0.1, c0.2, c0.3, c1.0, c1.1, c1.2, c1.3][x]),
                    )
                }
                6 => {
                    // Second chunk = columns 2..6: keep its columns 4 and 5.
                    let c1 = vld4q_f32(tmp.as_ptr().add(y * h * 16 + 16));
                    core::array::from_fn(
                        |x| Q4([c0.0, c0.1, c0.2, c0.3, c1.2, c1.3, c1.3, c1.3][x]),
                    )
                }
                _ => core::array::from_fn(|x| Q4([c0.0, c0.1, c0.2, c0.3][x])),
            }
        };
        let r = W::bt(cols);
        for (x, v) in r.iter().enumerate() {
            // SAFETY: position y*T+x of the destination holds 4 lanes (caller contract).
            unsafe { v.store(dst.add((y * T + x) * q_stride)) };
        }
    }
}

/// Output transform of 4 tiles: both passes with lanes = tiles, then each
/// tile's rows stored with single-lane `st4`/`st2`. See
/// [`crate::generic::fp32::winograd::output_tiles`].
// Columns of one array and rows of another are filled together: indices read better.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn output_tiles<W: Variant<T, M>, const T: usize, const M: usize>(
    src: *const f32,
    q_stride: usize,
    dst: &[*mut f32; 8],
    dst_stride: &[usize; 8],
    relu: bool,
) {
    let zero = Q4::splat(0.0);
    let mut tmp = [[zero; T]; M];
    for x in 0..T {
        // SAFETY: the T² product positions of 4 lanes are readable (caller contract).
        let col: [Q4; T] =
            core::array::from_fn(|y| unsafe { Q4::load(src.add((y * T + x) * q_stride)) });
        let r = W::at(col);
        for y in 0..M {
            tmp[y][x] = r[y];
        }
    }
    for (y, row) in tmp.iter().enumerate() {
        let r = W::at(*row);
        let v: [float32x4_t; M] =
            core::array::from_fn(|x| if relu { r[x].max0().0 } else { r[x].0 });
        // SAFETY: row y of each tile's M×M destination block (caller contract); the lane
        // stores write M consecutive floats each.
        unsafe {
            macro_rules! st {
                ($l:literal) => {{
                    let p = dst[$l].add(y * dst_stride[$l]);
                    match M {
                        6 => {
                            vst4q_lane_f32::<$l>(p, float32x4x4_t(v[0], v[1], v[2], v[3]));
                            vst2q_lane_f32::<$l>(p.add(4), float32x4x2_t(v[4], v[5]));
                        }
                        4 => vst4q_lane_f32::<$l>(p, float32x4x4_t(v[0], v[1], v[2], v[3])),
                        _ => vst2q_lane_f32::<$l>(p, float32x4x2_t(v[0], v[1])),
                    }
                }};
            }
            st!(0);
            st!(1);
            st!(2);
            st!(3);
        }
    }
}

macro_rules! neon_wino {
    ($in:ident, $out:ident, $var:ident, $t:literal, $m:literal) => {
        /// See [`crate::generic::fp32::winograd::input_tiles`] (4 lanes).
        ///
        /// # Safety
        /// As [`crate::generic::fp32::winograd::input_tiles`].
        pub unsafe fn $in(
            src: &[*const f32; 8],
            stride: &[usize; 8],
            dst: *mut f32,
            q_stride: usize,
        ) {
            // SAFETY: same contract as this function's.
            unsafe { input_tiles::<$var, $t, $m>(src, stride, dst, q_stride) }
        }
        /// See [`crate::generic::fp32::winograd::output_tiles`] (4 lanes).
        ///
        /// # Safety
        /// As [`crate::generic::fp32::winograd::output_tiles`].
        pub unsafe fn $out(
            src: *const f32,
            q_stride: usize,
            dst: &[*mut f32; 8],
            dst_stride: &[usize; 8],
            relu: bool,
        ) {
            // SAFETY: same contract as this function's.
            unsafe { output_tiles::<$var, $t, $m>(src, q_stride, dst, dst_stride, relu) }
        }
    };
}

neon_wino!(input63_neon, output63_neon, F63, 8, 6);
neon_wino!(input43_neon, output43_neon, F43, 6, 4);
neon_wino!(input23_neon, output23_neon, F23, 4, 2);

/// Depthwise 3×3 stride 1: the portable kernel with fused multiply-add.
///
/// # Safety
/// None beyond the slice checks of [`crate::generic::fp32::dw3x3s1`]; `unsafe` for the table type.
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw3x3s1_fma(
    src: &[f32],
    w: usize,
    k: &[f32; 9],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw3x3s1::<true>(src, w, k, bias, out, outw, outh, relu)
}

/// Depthwise 3×3 stride 2: the portable kernel with fused multiply-add.
///
/// # Safety
/// None beyond the slice checks of [`crate::generic::fp32::dw3x3s2`]; `unsafe` for the table type.
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw3x3s2_fma(
    src: &[f32],
    w: usize,
    k: &[f32; 9],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw3x3s2::<true>(src, w, k, bias, out, outw, outh, relu)
}

/// Depthwise 5×5 stride 1: the portable kernel with fused multiply-add (LLVM
/// vectorises its 8-column blocks into `fmla`).
///
/// # Safety
/// None beyond the slice checks of [`crate::generic::fp32::dw5x5`]; `unsafe` for the table type.
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw5x5s1_fma(
    src: &[f32],
    w: usize,
    k: &[f32; 25],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw5x5::<1, true>(src, w, k, bias, out, outw, outh, relu)
}

/// Depthwise 5×5 stride 2: the portable kernel with fused multiply-add.
///
/// # Safety
/// None beyond the slice checks of [`crate::generic::fp32::dw5x5`]; `unsafe` for the table type.
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw5x5s2_fma(
    src: &[f32],
    w: usize,
    k: &[f32; 25],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw5x5::<2, true>(src, w, k, bias, out, outw, outh, relu)
}

/// GEMV: the portable kernel with fused multiply-add.
///
/// # Safety
/// None beyond the slice checks of [`crate::generic::fp32::gemv`]; `unsafe` for the table type.
pub unsafe fn gemv_fma(w: &[f32], x: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    g::gemv::<true>(w, x, bias, out)
}
