//! Portable fp32 micro-kernels: plain Rust over fixed-size arrays, written so
//! LLVM keeps the accumulators in registers and vectorises the lanes. They are
//! the reference the architecture kernels are tested against, the kernels of
//! CPUs without a specialised set, and (recompiled with AVX2+FMA enabled, see
//! `crate::x86::fp32`) the x86-64 kernels.
//!
//! `FMA` selects `mul_add` (one rounding, one instruction where the CPU has
//! fused multiply-add) or a separate multiply and add: without hardware FMA,
//! `mul_add` is a slow library call.

pub mod pooling;
pub mod winograd;

use core::ptr;

/// `a + b * c`, fused when `FMA`.
#[inline(always)]
pub fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        b.mul_add(c, a)
    } else {
        a + b * c
    }
}

/// `max(v, 0)` that compiles to one `maxps`/`fmax` (NaN becomes 0, as `f32::max`).
#[inline(always)]
pub fn relu(v: f32) -> f32 {
    if v > 0.0 {
        v
    } else {
        0.0
    }
}

/// One `MR × NR` tile of `C = relu?(bias + A · B)`.
///
/// - `a`: `k` groups of `MR` values (a packed A panel, k-major);
/// - `b`: `k` rows of `NR` values, row `p` at `b + p * ldb`;
/// - `c`: `MR` rows of `NR` values, row `i` at `c + i * ldc` (overwritten);
/// - `bias`: `MR` values.
///
/// # Safety
/// All pointers must be valid for the extents above; `c` must not overlap the inputs.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_tile<const MR: usize, const NR: usize, const FMA: bool>(
    k: usize,
    a: *const f32,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    bias: *const f32,
    relu_out: bool,
) {
    let mut acc = [[0f32; NR]; MR];
    for (i, row) in acc.iter_mut().enumerate() {
        // SAFETY: the caller provides MR bias values.
        let bi = unsafe { *bias.add(i) };
        *row = [bi; NR];
    }
    let mut ap = a;
    let mut bp = b;
    for _ in 0..k {
        // SAFETY: row p of B holds NR values and A holds MR values per step (caller contract).
        let (av, bv) = unsafe {
            (
                ptr::read_unaligned(ap as *const [f32; MR]),
                ptr::read_unaligned(bp as *const [f32; NR]),
            )
        };
        // Indices, as in the formula; clippy 1.85 (the ARM lint) calls the `j` loop a
        // needless range loop, later clippy does not.
        #[allow(clippy::needless_range_loop)]
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] = madd::<FMA>(acc[i][j], av[i], bv[j]);
            }
        }
        // SAFETY: stays within (or one past) the caller's A and B extents.
        unsafe {
            ap = ap.add(MR);
            bp = bp.add(ldb);
        }
    }
    if relu_out {
        for row in acc.iter_mut() {
            for v in row.iter_mut() {
                *v = relu(*v);
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        // SAFETY: row i of the C tile holds NR values (caller contract).
        unsafe { ptr::write_unaligned(c.add(i * ldc) as *mut [f32; NR], *row) };
    }
}

/// Generates `unsafe fn` wrappers of [`gemm_tile`] with a concrete shape, for
/// the function-pointer tables of `crate::fp32::kernels`.
#[macro_export]
#[doc(hidden)]
macro_rules! gemm_tile_fn {
    ($(#[$attr:meta])* $name:ident, $mr:literal, $nr:literal, $fma:literal) => {
        $(#[$attr])*
        #[allow(clippy::too_many_arguments)]
        /// # Safety
        /// See [`crate::generic::fp32::gemm_tile`].
        pub unsafe fn $name(
            k: usize,
            a: *const f32,
            b: *const f32,
            ldb: usize,
            c: *mut f32,
            ldc: usize,
            bias: *const f32,
            relu_out: bool,
        ) {
            // SAFETY: same contract as this function's.
            unsafe {
                $crate::generic::fp32::gemm_tile::<$mr, $nr, $fma>(k, a, b, ldb, c, ldc, bias, relu_out)
            }
        }
    };
}

gemm_tile_fn!(gemm_6x8_generic, 6, 8, false);
gemm_tile_fn!(gemm_4x8_generic, 4, 8, false);
gemm_tile_fn!(gemm_8x12_generic, 8, 12, false);
gemm_tile_fn!(gemm_4x12_generic, 4, 12, false);
gemm_tile_fn!(gemm_6x16_generic, 6, 16, false);
gemm_tile_fn!(gemm_4x16_generic, 4, 16, false);
gemm_tile_fn!(gemm_12x16_generic, 12, 16, false);
gemm_tile_fn!(gemm_8x16_generic, 8, 16, false);
// Narrow kernels (as wide as the Winograd lane groups) for the last column panel.
gemm_tile_fn!(gemm_6x4_generic, 6, 4, false);
gemm_tile_fn!(gemm_4x4_generic, 4, 4, false);
gemm_tile_fn!(gemm_8x4_generic, 8, 4, false);
gemm_tile_fn!(gemm_6x8_narrow_generic, 6, 8, false);
gemm_tile_fn!(gemm_4x8_narrow_generic, 4, 8, false);
gemm_tile_fn!(gemm_12x8_generic, 12, 8, false);
gemm_tile_fn!(gemm_8x8_generic, 8, 8, false);

/// Dot product with independent partial sums so LLVM vectorises it.
#[inline(always)]
pub fn dot<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    const L: usize = 32;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; L];
    let mut ca = a.chunks_exact(L);
    let mut cb = b.chunks_exact(L);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..L {
            acc[i] = madd::<FMA>(acc[i], x[i], y[i]);
        }
    }
    let mut s = 0f32;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s = madd::<FMA>(s, *x, *y);
    }
    let mut w = L;
    while w > 1 {
        w /= 2;
        for i in 0..w {
            acc[i] += acc[i + w];
        }
    }
    s + acc[0]
}

/// `out[r] = bias[r] + w[r] · x`, one vectorised dot product per row.
///
/// `w` holds `out.len()` rows of `x.len()` values.
#[inline(always)]
pub fn gemv<const FMA: bool>(w: &[f32], x: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    let n = x.len();
    let rows = out.len();
    assert!(w.len() >= rows * n);
    for (r, o) in out.iter_mut().enumerate() {
        let s = dot::<FMA>(&w[r * n..(r + 1) * n], x);
        *o = s + bias.map_or(0.0, |b| b[r]);
    }
}

/// Depthwise 3×3 stride-1 convolution of one plane: `out` is `outh × outw`,
/// `src` rows have stride `w` (at least `outw + 2` wide, `outh + 2` rows).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn dw3x3s1<const FMA: bool>(
    src: &[f32],
    w: usize,
    k: &[f32; 9],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu_out: bool,
) {
    for i in 0..outh {
        let r0 = &src[i * w..i * w + outw + 2];
        let r1 = &src[(i + 1) * w..(i + 1) * w + outw + 2];
        let r2 = &src[(i + 2) * w..(i + 2) * w + outw + 2];
        let o = &mut out[i * outw..(i + 1) * outw];
        for j in 0..outw {
            let mut s = bias;
            s = madd::<FMA>(s, k[0], r0[j]);
            s = madd::<FMA>(s, k[1], r0[j + 1]);
            s = madd::<FMA>(s, k[2], r0[j + 2]);
            s = madd::<FMA>(s, k[3], r1[j]);
            s = madd::<FMA>(s, k[4], r1[j + 1]);
            s = madd::<FMA>(s, k[5], r1[j + 2]);
            s = madd::<FMA>(s, k[6], r2[j]);
            s = madd::<FMA>(s, k[7], r2[j + 1]);
            s = madd::<FMA>(s, k[8], r2[j + 2]);
            o[j] = if relu_out { relu(s) } else { s };
        }
    }
}

/// Depthwise 3×3 stride-2 convolution of one plane (see [`dw3x3s1`]; rows of
/// `src` are at least `2 * outw + 1` wide, `2 * outh + 1` rows).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn dw3x3s2<const FMA: bool>(
    src: &[f32],
    w: usize,
    k: &[f32; 9],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu_out: bool,
) {
    for i in 0..outh {
        let r0 = &src[2 * i * w..2 * i * w + 2 * outw + 1];
        let r1 = &src[(2 * i + 1) * w..(2 * i + 1) * w + 2 * outw + 1];
        let r2 = &src[(2 * i + 2) * w..(2 * i + 2) * w + 2 * outw + 1];
        let o = &mut out[i * outw..(i + 1) * outw];
        for j in 0..outw {
            let mut s = bias;
            s = madd::<FMA>(s, k[0], r0[2 * j]);
            s = madd::<FMA>(s, k[1], r0[2 * j + 1]);
            s = madd::<FMA>(s, k[2], r0[2 * j + 2]);
            s = madd::<FMA>(s, k[3], r1[2 * j]);
            s = madd::<FMA>(s, k[4], r1[2 * j + 1]);
            s = madd::<FMA>(s, k[5], r1[2 * j + 2]);
            s = madd::<FMA>(s, k[6], r2[2 * j]);
            s = madd::<FMA>(s, k[7], r2[2 * j + 1]);
            s = madd::<FMA>(s, k[8], r2[2 * j + 2]);
            o[j] = if relu_out { relu(s) } else { s };
        }
    }
}

/// Depthwise 5×5 convolution of one plane with stride `S` (1 or 2): `out`
/// is `outh × outw`, `src` rows have stride `w` (at least `S·(outw−1) + 5`
/// wide, `S·(outh−1) + 5` rows).
///
/// Each output is `bias` plus the 25 products added in tap order (row by
/// row, left to right), one rounding per multiply and per add unless `FMA`:
/// the armv7 NEON kernels (`vmla`, unfused) do the same operations in the
/// same order and so agree bit for bit. Blocks of 8 columns keep their sums
/// in a fixed-size array, which LLVM holds in vector registers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn dw5x5<const S: usize, const FMA: bool>(
    src: &[f32],
    w: usize,
    k: &[f32; 25],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu_out: bool,
) {
    const B: usize = 8;
    if outw == 0 {
        return;
    }
    let span = S * (outw - 1) + 5;
    for i in 0..outh {
        let rows: [&[f32]; 5] = core::array::from_fn(|dy| &src[(S * i + dy) * w..][..span]);
        let o = &mut out[i * outw..(i + 1) * outw];
        let mut j = 0;
        while j + B <= outw {
            let mut acc = [bias; B];
            for (dy, row) in rows.iter().enumerate() {
                for dx in 0..5 {
                    let kv = k[dy * 5 + dx];
                    let x = &row[S * j + dx..][..S * (B - 1) + 1];
                    for (l, a) in acc.iter_mut().enumerate() {
                        *a = madd::<FMA>(*a, kv, x[S * l]);
                    }
                }
            }
            if relu_out {
                for a in acc.iter_mut() {
                    *a = relu(*a);
                }
            }
            o[j..j + B].copy_from_slice(&acc);
            j += B;
        }
        for (j, o) in o.iter_mut().enumerate().skip(j) {
            let mut s = bias;
            for (dy, row) in rows.iter().enumerate() {
                for dx in 0..5 {
                    s = madd::<FMA>(s, k[dy * 5 + dx], row[S * j + dx]);
                }
            }
            *o = if relu_out { relu(s) } else { s };
        }
    }
}

/// Depthwise convolution of one plane, any kernel size, stride and dilation
/// (the shapes without a fast path): `k` holds `kh × kw` taps; output row
/// `i`, column `j` reads `src[(i·sh + ky·dh)·w + j·sw + kx·dw]`.
///
/// Row by row with the taps outer: each tap is one pass of
/// `out_row[j] += k · in_row[…]` over the output row (contiguous slices at
/// stride 1, which LLVM vectorises), so each output is still `bias` plus
/// the products in tap order, as a direct per-output loop computes it.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn depthwise_plane<const FMA: bool>(
    src: &[f32],
    w: usize,
    k: &[f32],
    (kw, kh): (usize, usize),
    (sw, sh): (usize, usize),
    (dw, dh): (usize, usize),
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu_out: bool,
) {
    if outw == 0 {
        return;
    }
    let span = sw * (outw - 1) + 1;
    for i in 0..outh {
        let o = &mut out[i * outw..(i + 1) * outw];
        o.fill(bias);
        for ky in 0..kh {
            let row = &src[(i * sh + ky * dh) * w..];
            for kx in 0..kw {
                let kv = k[ky * kw + kx];
                let x = &row[kx * dw..][..span];
                if sw == 1 {
                    for (o, x) in o.iter_mut().zip(x) {
                        *o = madd::<FMA>(*o, kv, *x);
                    }
                } else {
                    for (o, x) in o.iter_mut().zip(x.iter().step_by(sw)) {
                        *o = madd::<FMA>(*o, kv, *x);
                    }
                }
            }
        }
        if relu_out {
            for v in o.iter_mut() {
                *v = relu(*v);
            }
        }
    }
}
