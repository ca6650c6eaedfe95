//! Winograd transforms with AVX2 intrinsics, 8 tiles per call.
//!
//! The portable transforms (lanes = tiles) gather every input element of 8
//! tiles one by one, and LLVM keeps that half scalar. Here each tile's rows
//! are loaded as vectors (lanes = columns), the first pass runs per tile, and
//! an 8×8 register transpose turns "tile × column" into "column × tile" for
//! the second pass, whose results are stored as whole vectors into the
//! packed-B layout. The output transform ends with the opposite transpose
//! and stores each tile's rows. The transform formulas themselves are the
//! shared ones of [`crate::generic::fp32::winograd`], instantiated with
//! [`Y8`].

use core::arch::x86_64::*;

use crate::generic::fp32::winograd::{Lanes, Variant, F23, F43, F63};

/// Eight fp32 lanes in a `__m256`. Values of this type only exist inside the
/// `#[target_feature(enable = "avx2,fma")]` functions of this module, which
/// run only on CPUs with AVX2 and FMA.
#[derive(Clone, Copy)]
pub struct Y8(__m256);

// SAFETY (for every intrinsic call in this impl): a Y8 only exists inside this module's
// AVX2+FMA functions, which are only called on CPUs with AVX2 and FMA, and every method
// is inlined into them.
impl Lanes for Y8 {
    const L: usize = 8;
    #[inline(always)]
    fn splat(v: f32) -> Self {
        // SAFETY: see the impl comment.
        Y8(unsafe { _mm256_set1_ps(v) })
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        Y8(unsafe { _mm256_add_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        Y8(unsafe { _mm256_sub_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn mul(self, k: f32) -> Self {
        // SAFETY: see the impl comment.
        Y8(unsafe { _mm256_mul_ps(self.0, _mm256_set1_ps(k)) })
    }
    #[inline(always)]
    fn madd(self, b: Self, k: f32) -> Self {
        // SAFETY: see the impl comment.
        Y8(unsafe { _mm256_fmadd_ps(b.0, _mm256_set1_ps(k), self.0) })
    }
    #[inline(always)]
    fn max0(self) -> Self {
        // SAFETY: see the impl comment.
        Y8(unsafe { _mm256_max_ps(self.0, _mm256_setzero_ps()) })
    }
    #[inline(always)]
    unsafe fn gather(p: &[*const f32; 8], off: &[usize; 8]) -> Self {
        // SAFETY: the caller guarantees every lane address is readable.
        let v: [f32; 8] = core::array::from_fn(|l| unsafe { *p[l].add(off[l]) });
        // SAFETY: v holds 8 floats; see the impl comment.
        unsafe { Self::load(v.as_ptr()) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable floats.
        Y8(unsafe { _mm256_loadu_ps(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 8 writable floats.
        unsafe { _mm256_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    fn lane(self, l: usize) -> f32 {
        let mut v = [0f32; 8];
        // SAFETY: v holds 8 floats.
        unsafe { self.store(v.as_mut_ptr()) };
        v[l]
    }
}

/// `r[i][j]` → `out[j][i]` for an 8×8 block held in 8 vectors.
#[inline(always)]
unsafe fn transpose8(r: [Y8; 8]) -> [Y8; 8] {
    // SAFETY: AVX shuffles on register values; caller runs with AVX2.
    unsafe {
        let t0 = _mm256_unpacklo_ps(r[0].0, r[1].0);
        let t1 = _mm256_unpackhi_ps(r[0].0, r[1].0);
        let t2 = _mm256_unpacklo_ps(r[2].0, r[3].0);
        let t3 = _mm256_unpackhi_ps(r[2].0, r[3].0);
        let t4 = _mm256_unpacklo_ps(r[4].0, r[5].0);
        let t5 = _mm256_unpackhi_ps(r[4].0, r[5].0);
        let t6 = _mm256_unpacklo_ps(r[6].0, r[7].0);
        let t7 = _mm256_unpackhi_ps(r[6].0, r[7].0);
        let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        [
            Y8(_mm256_permute2f128_ps::<0x20>(s0, s4)),
            Y8(_mm256_permute2f128_ps::<0x20>(s1, s5)),
            Y8(_mm256_permute2f128_ps::<0x20>(s2, s6)),
            Y8(_mm256_permute2f128_ps::<0x20>(s3, s7)),
            Y8(_mm256_permute2f128_ps::<0x31>(s0, s4)),
            Y8(_mm256_permute2f128_ps::<0x31>(s1, s5)),
            Y8(_mm256_permute2f128_ps::<0x31>(s2, s6)),
            Y8(_mm256_permute2f128_ps::<0x31>(s3, s7)),
        ]
    }
}

/// Loads `N` (8, 6, 4 or 2) floats into the low lanes; the others are zero.
#[inline(always)]
unsafe fn load_n<const N: usize>(p: *const f32) -> Y8 {
    // SAFETY: the caller guarantees N readable floats; only those are read.
    unsafe {
        match N {
            8 => Y8(_mm256_loadu_ps(p)),
            6 => {
                let lo = _mm_loadu_ps(p);
                let hi = _mm_castpd_ps(_mm_load_sd(p.add(4) as *const f64));
                Y8(_mm256_insertf128_ps::<1>(_mm256_castps128_ps256(lo), hi))
            }
            4 => Y8(_mm256_castps128_ps256(_mm_loadu_ps(p))),
            _ => Y8(_mm256_castps128_ps256(_mm_castpd_ps(_mm_load_sd(
                p as *const f64,
            )))),
        }
    }
}

/// Stores the low `N` (6, 4 or 2) lanes.
#[inline(always)]
unsafe fn store_n<const N: usize>(p: *mut f32, v: Y8) {
    // SAFETY: the caller guarantees N writable floats; only those are written.
    unsafe {
        let lo = _mm256_castps256_ps128(v.0);
        match N {
            6 => {
                _mm_storeu_ps(p, lo);
                _mm_store_sd(
                    p.add(4) as *mut f64,
                    _mm_castps_pd(_mm256_extractf128_ps::<1>(v.0)),
                );
            }
            4 => _mm_storeu_ps(p, lo),
            _ => _mm_store_sd(p as *mut f64, _mm_castps_pd(lo)),
        }
    }
}

/// See [`crate::generic::fp32::winograd::input_tiles`] (8 lanes).
// Columns of one array and rows of another are filled together: indices read better.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn input_tiles<W: Variant<T, M>, const T: usize, const M: usize>(
    src: &[*const f32; 8],
    stride: &[usize; 8],
    dst: *mut f32,
    q_stride: usize,
) {
    // SAFETY: runs inside the AVX2+FMA callers below.
    let zero = Y8::splat(0.0);
    // First pass per tile (lanes = columns): tmp[y][tile].
    let mut tmp = [[zero; 8]; T];
    for l in 0..8 {
        // SAFETY: tile l's T×T block is readable (caller contract).
        let rows: [Y8; T] =
            core::array::from_fn(|y| unsafe { load_n::<T>(src[l].add(y * stride[l])) });
        let r = W::bt(rows);
        for y in 0..T {
            tmp[y][l] = r[y];
        }
    }
    for (y, row) in tmp.iter().enumerate() {
        // SAFETY: register transpose under AVX2.
        let cols = unsafe { transpose8(*row) };
        let c: [Y8; T] = core::array::from_fn(|x| cols[x]);
        let r = W::bt(c);
        for (x, v) in r.iter().enumerate() {
            // SAFETY: position y*T+x of the destination holds 8 lanes (caller contract).
            unsafe { v.store(dst.add((y * T + x) * q_stride)) };
        }
    }
}

/// See [`crate::generic::fp32::winograd::output_tiles`] (8 lanes).
// Columns of one array and rows of another are filled together: indices read better.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn output_tiles<W: Variant<T, M>, const T: usize, const M: usize>(
    src: *const f32,
    q_stride: usize,
    dst: &[*mut f32; 8],
    dst_stride: &[usize; 8],
    relu_out: bool,
) {
    let zero = Y8::splat(0.0);
    let mut tmp = [[zero; T]; M];
    for x in 0..T {
        // SAFETY: all T² product positions of 8 lanes are readable (caller contract).
        let col: [Y8; T] =
            core::array::from_fn(|y| unsafe { Y8::load(src.add((y * T + x) * q_stride)) });
        let r = W::at(col);
        for y in 0..M {
            tmp[y][x] = r[y];
        }
    }
    for (y, row) in tmp.iter().enumerate() {
        let r = W::at(*row);
        let mut v = [zero; 8];
        for x in 0..M {
            v[x] = if relu_out { r[x].max0() } else { r[x] };
        }
        // SAFETY: register transpose under AVX2.
        let t = unsafe { transpose8(v) };
        for l in 0..8 {
            // SAFETY: row y of tile l's M×M destination block (caller contract).
            unsafe { store_n::<M>(dst[l].add(y * dst_stride[l]), t[l]) };
        }
    }
}

macro_rules! avx2_fns {
    ($in:ident, $out:ident, $var:ident, $t:literal, $m:literal) => {
        /// # Safety
        /// The CPU must have AVX2 and FMA; see [`crate::generic::fp32::winograd::input_tiles`].
        #[target_feature(enable = "avx2,fma")]
        pub unsafe fn $in(
            src: &[*const f32; 8],
            stride: &[usize; 8],
            dst: *mut f32,
            q_stride: usize,
        ) {
            // SAFETY: same contract as this function's.
            unsafe { input_tiles::<$var, $t, $m>(src, stride, dst, q_stride) }
        }
        /// # Safety
        /// The CPU must have AVX2 and FMA; see [`crate::generic::fp32::winograd::output_tiles`].
        #[target_feature(enable = "avx2,fma")]
        pub unsafe fn $out(
            src: *const f32,
            q_stride: usize,
            dst: &[*mut f32; 8],
            dst_stride: &[usize; 8],
            relu_out: bool,
        ) {
            // SAFETY: same contract as this function's.
            unsafe { output_tiles::<$var, $t, $m>(src, q_stride, dst, dst_stride, relu_out) }
        }
    };
}

avx2_fns!(input63_avx2, output63_avx2, F63, 8, 6);
avx2_fns!(input43_avx2, output43_avx2, F43, 6, 4);
avx2_fns!(input23_avx2, output23_avx2, F23, 4, 2);
