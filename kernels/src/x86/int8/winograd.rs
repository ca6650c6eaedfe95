//! x86-64 int8 Winograd pieces.
//!
//! The int16 GEMM multiplies channel *pairs*: `vpmaddwd` (AVX2) and
//! `vpdpwssd` (AVX-512 VNNI) sum `u[q]·v[q] + u[q+1]·v[q+1]` per int32 lane.
//! So on x86 the transformed kernels are stored `[q/2][row][2]` and the
//! transformed inputs `[q/2][lane][2]` (see
//! [`crate::int8::winograd::gemm16_pairs`]); the pair sum wraps exactly like
//! two wrapping adds (its one overflow, four −32768s, gives 2³¹ mod 2³²).
//!
//! The transforms, gather and un-gather are the portable code compiled with
//! AVX2 enabled (their lanes are whole vectors); the input transform runs two
//! channels at once and interleaves them.

use core::arch::asm;
use core::arch::x86_64::*;

use crate::generic::int8::winograd::{self as generic, TileGrid, LANES};

/// [`generic::gather`] compiled for AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn gather_avx2(grid: &TileGrid, xp: &[i8], d: &mut [i8]) {
    generic::gather_inline(grid, xp, d)
}

/// [`generic::output_transform`] compiled for AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn output_transform_avx2(
    m: usize,
    c: &[i32],
    cstride: usize,
    y: &mut [i32],
    ystride: usize,
) {
    generic::output_transform_inline(m, c, cstride, y, ystride)
}

/// [`generic::ungather`] compiled for AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn ungather_avx2(grid: &TileGrid, y: &[i32], out: &mut [i32]) {
    generic::ungather_inline(grid, y, out)
}

/// Input transform of 8 tiles of channels `q` (patches `d0`) and `q + 1`
/// (`d1`, or zeros), interleaved: lane `l` of position `pos` goes to
/// `v[pos·vstride + 2l]` (channel `q`) and `v[pos·vstride + 2l + 1]`.
///
/// # Safety
/// The CPU must have AVX2; `lanes` is 4 or 8; `d0`, `d1` hold
/// `(t²−1)·slots + 8` patch bytes and `v` `(t²−1)·vstride + 2·lanes`
/// values (`t = m + 2`).
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn input_transform_pair_avx2(
    m: usize,
    d0: &[i8],
    d1: Option<&[i8]>,
    slots: usize,
    v: &mut [i16],
    vstride: usize,
    lanes: usize,
) {
    let positions = (m + 2) * (m + 2);
    let mut t0 = [0i16; 36 * LANES];
    let mut t1 = [0i16; 36 * LANES];
    generic::input_transform_inline(m, d0, slots, &mut t0, LANES, LANES);
    if let Some(d1) = d1 {
        generic::input_transform_inline(m, d1, slots, &mut t1, LANES, LANES);
    }
    assert!(v.len() >= (positions - 1) * vstride + 2 * lanes);
    // SAFETY: position p reads t0/t1[8p..8p+8] (p < 36) and writes
    // 2·lanes values at v[p·vstride..], in bounds by the assert; AVX2 per
    // the contract.
    unsafe {
        for p in 0..positions {
            let x0 = _mm_loadu_si128(t0.as_ptr().add(LANES * p) as *const __m128i);
            let x1 = _mm_loadu_si128(t1.as_ptr().add(LANES * p) as *const __m128i);
            let dst = v.as_mut_ptr().add(p * vstride) as *mut __m128i;
            _mm_storeu_si128(dst, _mm_unpacklo_epi16(x0, x1));
            if lanes == LANES {
                _mm_storeu_si128(dst.add(1), _mm_unpackhi_epi16(x0, x1));
            }
        }
    }
}

/// The int16 GEMM of `positions` transform positions for 4 output channels
/// × `lanes` (4 or 8) tiles on pair-interleaved operands:
/// `c[32p + r·lanes + l] = Σ_q U(q, r) · V(q, l)` with `U(q, r)` at
/// `u[p·ustride + 8·(q/2) + 2r + q%2]` and `V(q, l)` at
/// `v[p·vstride + 2·lanes·(q/2) + 2l + q%2]`, over `k` (even) channels.
///
/// # Safety
/// The CPU must have AVX2; `u + p·ustride + 0..4k` and `v + p·vstride +
/// 0..lanes·k` readable and `c + 32p + 0..4·lanes` writable for every
/// `p < positions`.
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm16_pairs_avx2(
    u: *const i16,
    ustride: usize,
    v: *const i16,
    vstride: usize,
    k: usize,
    lanes: usize,
    c: *mut i32,
    positions: usize,
) {
    // SAFETY: pair j reads 8 int16 of U at 8j and 2·lanes int16 of V at
    // 2·lanes·j (j < k/2), writes 4·lanes int32 at c + 32p: the contract.
    unsafe {
        for p in 0..positions {
            let (up, vp, cp) = (u.add(p * ustride), v.add(p * vstride), c.add(32 * p));
            if lanes == LANES {
                let mut acc = [_mm256_setzero_si256(); 4];
                for j in 0..k / 2 {
                    let vv = _mm256_loadu_si256(vp.add(16 * j) as *const __m256i);
                    let uj = up.add(8 * j) as *const i32;
                    for (r, a) in acc.iter_mut().enumerate() {
                        let ur = _mm256_set1_epi32(uj.add(r).read_unaligned());
                        *a = _mm256_add_epi32(*a, _mm256_madd_epi16(vv, ur));
                    }
                }
                for (r, a) in acc.iter().enumerate() {
                    _mm256_storeu_si256(cp.add(8 * r) as *mut __m256i, *a);
                }
            } else {
                let mut acc = [_mm_setzero_si128(); 4];
                for j in 0..k / 2 {
                    let vv = _mm_loadu_si128(vp.add(8 * j) as *const __m128i);
                    let uj = up.add(8 * j) as *const i32;
                    for (r, a) in acc.iter_mut().enumerate() {
                        let ur = _mm_set1_epi32(uj.add(r).read_unaligned());
                        *a = _mm_add_epi32(*a, _mm_madd_epi16(vv, ur));
                    }
                }
                for (r, a) in acc.iter().enumerate() {
                    _mm_storeu_si128(cp.add(4 * r) as *mut __m128i, *a);
                }
            }
        }
    }
}

/// [`gemm16_pairs_avx2`] with AVX-512 VNNI `vpdpwssd` (EVEX, AVX-512VL) on
/// ymm registers (`lanes` 8) or xmm (`lanes` 4), the U pairs broadcast
/// straight from memory: per channel pair one V load and 4 `vpdpwssd`, no
/// separate add. Even and odd pairs go to separate accumulators (8 chains,
/// summed at the end) so the loop is not bound by `vpdpwssd`'s latency.
///
/// # Safety
/// The CPU must have AVX-512F, VL and VNNI; `k` a positive multiple of 4;
/// extents as in [`gemm16_pairs_avx2`].
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm16_pairs_vnni(
    u: *const i16,
    ustride: usize,
    v: *const i16,
    vstride: usize,
    k: usize,
    lanes: usize,
    c: *mut i32,
    positions: usize,
) {
    debug_assert!(k > 0 && k % 4 == 0 && (lanes == 4 || lanes == 8));
    for p in 0..positions {
        let (up, vp, cp) = (
            u.wrapping_add(p * ustride),
            v.wrapping_add(p * vstride),
            c.wrapping_add(32 * p),
        );
        if lanes == LANES {
            // SAFETY: the loop reads k/4 blocks of 32 bytes of U and 64 bytes
            // of V from the position's operands and stores 4 rows of 32 bytes
            // at c + 32p: the contract. Only ymm0-9 are touched (declared
            // clobbered); vzeroupper restores the SSE state.
            unsafe {
                asm!(
                    "vpxor ymm0, ymm0, ymm0",
                    "vpxor ymm1, ymm1, ymm1",
                    "vpxor ymm2, ymm2, ymm2",
                    "vpxor ymm3, ymm3, ymm3",
                    "vpxor ymm4, ymm4, ymm4",
                    "vpxor ymm5, ymm5, ymm5",
                    "vpxor ymm6, ymm6, ymm6",
                    "vpxor ymm7, ymm7, ymm7",
                    "2:",
                    "vmovdqu ymm8, ymmword ptr [{v}]",
                    "vmovdqu ymm9, ymmword ptr [{v} + 32]",
                    "vpdpwssd ymm0, ymm8, dword ptr [{u}]{{1to8}}",
                    "vpdpwssd ymm1, ymm8, dword ptr [{u} + 4]{{1to8}}",
                    "vpdpwssd ymm2, ymm8, dword ptr [{u} + 8]{{1to8}}",
                    "vpdpwssd ymm3, ymm8, dword ptr [{u} + 12]{{1to8}}",
                    "vpdpwssd ymm4, ymm9, dword ptr [{u} + 16]{{1to8}}",
                    "vpdpwssd ymm5, ymm9, dword ptr [{u} + 20]{{1to8}}",
                    "vpdpwssd ymm6, ymm9, dword ptr [{u} + 24]{{1to8}}",
                    "vpdpwssd ymm7, ymm9, dword ptr [{u} + 28]{{1to8}}",
                    "add {u}, 32",
                    "add {v}, 64",
                    "dec {n}",
                    "jnz 2b",
                    "vpaddd ymm0, ymm0, ymm4",
                    "vpaddd ymm1, ymm1, ymm5",
                    "vpaddd ymm2, ymm2, ymm6",
                    "vpaddd ymm3, ymm3, ymm7",
                    "vmovdqu ymmword ptr [{c}], ymm0",
                    "vmovdqu ymmword ptr [{c} + 32], ymm1",
                    "vmovdqu ymmword ptr [{c} + 64], ymm2",
                    "vmovdqu ymmword ptr [{c} + 96], ymm3",
                    "vzeroupper",
                    u = inout(reg) up => _,
                    v = inout(reg) vp => _,
                    n = inout(reg) k / 4 => _,
                    c = in(reg) cp,
                    out("ymm0") _, out("ymm1") _, out("ymm2") _, out("ymm3") _, out("ymm4") _,
                    out("ymm5") _, out("ymm6") _, out("ymm7") _, out("ymm8") _, out("ymm9") _,
                    options(nostack),
                );
            }
        } else {
            // SAFETY: as above with 4 lanes: k/4 blocks of 32 bytes of U and
            // 32 bytes of V read, 4 rows of 16 bytes stored at c + 32p; only
            // xmm0-9 are touched (declared clobbered).
            unsafe {
                asm!(
                    "vpxor xmm0, xmm0, xmm0",
                    "vpxor xmm1, xmm1, xmm1",
                    "vpxor xmm2, xmm2, xmm2",
                    "vpxor xmm3, xmm3, xmm3",
                    "vpxor xmm4, xmm4, xmm4",
                    "vpxor xmm5, xmm5, xmm5",
                    "vpxor xmm6, xmm6, xmm6",
                    "vpxor xmm7, xmm7, xmm7",
                    "2:",
                    "vmovdqu xmm8, xmmword ptr [{v}]",
                    "vmovdqu xmm9, xmmword ptr [{v} + 16]",
                    "vpdpwssd xmm0, xmm8, dword ptr [{u}]{{1to4}}",
                    "vpdpwssd xmm1, xmm8, dword ptr [{u} + 4]{{1to4}}",
                    "vpdpwssd xmm2, xmm8, dword ptr [{u} + 8]{{1to4}}",
                    "vpdpwssd xmm3, xmm8, dword ptr [{u} + 12]{{1to4}}",
                    "vpdpwssd xmm4, xmm9, dword ptr [{u} + 16]{{1to4}}",
                    "vpdpwssd xmm5, xmm9, dword ptr [{u} + 20]{{1to4}}",
                    "vpdpwssd xmm6, xmm9, dword ptr [{u} + 24]{{1to4}}",
                    "vpdpwssd xmm7, xmm9, dword ptr [{u} + 28]{{1to4}}",
                    "add {u}, 32",
                    "add {v}, 32",
                    "dec {n}",
                    "jnz 2b",
                    "vpaddd xmm0, xmm0, xmm4",
                    "vpaddd xmm1, xmm1, xmm5",
                    "vpaddd xmm2, xmm2, xmm6",
                    "vpaddd xmm3, xmm3, xmm7",
                    "vmovdqu xmmword ptr [{c}], xmm0",
                    "vmovdqu xmmword ptr [{c} + 16], xmm1",
                    "vmovdqu xmmword ptr [{c} + 32], xmm2",
                    "vmovdqu xmmword ptr [{c} + 48], xmm3",
                    u = inout(reg) up => _,
                    v = inout(reg) vp => _,
                    n = inout(reg) k / 4 => _,
                    c = in(reg) cp,
                    out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _, out("xmm4") _,
                    out("xmm5") _, out("xmm6") _, out("xmm7") _, out("xmm8") _, out("xmm9") _,
                    options(nostack),
                );
            }
        }
    }
}
