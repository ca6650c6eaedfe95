//! int8 Winograd convolutions F(2,3) and F(4,3) for 3×3 stride-1 layers.
//!
//! Kernel transform to int16 at load time, input transform in int16, an
//! int16 × int16 → int32 GEMM per transform position (`vmlal.s16` on NEON),
//! the output transform in int32, then the usual dequantize / requantize
//! stage. The integer transforms are in [`crate::generic::int8::winograd`].
//!
//! # Why the results are exact (and when)
//!
//! Let `x` be the int8 input (|x| ≤ 128, any `i8`) and `w_p` the int8
//! weights of output channel `p` (|w| ≤ 127), and `y` an output value.
//! Then `|y| ≤ 128·‖w_p‖₁` (L1 norm over all `in_c × 9` weights of `p`).
//!
//! 1. *int16 stages never overflow*: |U| ≤ 144·127 = 18288 (F(4,3)) and
//!    |V| ≤ 100·128 = 12800, both below 32767, whatever `in_c` is; every
//!    product |U·V| ≤ 234 086 400 < 2³¹ is exact in int32.
//! 2. *int32 stages wrap, and that is harmless*: the sums over input
//!    channels and the output transform only add, subtract and multiply by
//!    integer constants, so computed modulo 2³² (wrapping, as `vmlal` and
//!    `wrapping_*` do) they yield `576·y mod 2³²` for F(4,3) — intermediate
//!    overflows cancel. (F(2,3): `4·y mod 2³²`.)
//! 3. *Recovering `y`*: `576 = 64·9`. With `9⁻¹ ≡ 0x38E38E39 (mod 2³²)`,
//!    `(576·y)·9⁻¹ ≡ 64·y (mod 2³²)`, and an arithmetic shift right by 6 of
//!    that 32-bit value returns `y` exactly when `64·y` fits int32, i.e.
//!    `−2²⁵ ≤ y < 2²⁵`. (F(2,3): `(4·y mod 2³²) >> 2 = y` for |y| < 2²⁹.)
//!    This is 64× more room than requiring `576·y` itself to fit int32.
//!
//! So F(4,3) is exact for output channel `p` when `128·‖w_p‖₁ < 2²⁵`, i.e.
//! `‖w_p‖₁ ≤ 262 143` ([`WINOGRAD43_MAX_L1`]); F(2,3) when
//! `‖w_p‖₁ ≤ 4 194 303`. In bit-widths and accumulation lengths (worst case
//! every |w| at its maximum, 9 taps per input channel):
//!
//! | weights | F(4,3) exact for `in_c` ≤ | F(2,3) exact for `in_c` ≤ |
//! |---|---|---|
//! | 8-bit, \|w\| ≤ 127 | 229 | 3669 |
//! | 7-bit, \|w\| ≤ 63 | 462 | 7397 |
//! | 6-bit, \|w\| ≤ 31 | 939 | 15033 |
//!
//! # Enforcement: accumulation segments
//!
//! The bound is enforced on the actual weights, per layer, by limiting the
//! *accumulation length*: [`accumulation_segments`] splits the input channels
//! (in groups of 4, the GEMM's unrolling) into consecutive segments such that
//! for every output channel `p` the L1 norm of its weights *within a segment*
//! is at most the maximum above. Each segment's partial output `y_S` is then
//! recovered exactly by steps 1–3 (|y_S| ≤ 128·‖w_{p,S}‖₁ < 2²⁵), and the
//! partial outputs are added in int32 — the same final int32 sum the GEMM
//! and the reference compute. One input channel contributes at most
//! 128·9·127 = 146 304 < 2²⁵, so a segment always holds at least 229 input
//! channels (8-bit worst case) and F(4,3) is exact for *every* layer with
//! 8-bit weights: no reduced-precision weights are needed. Typical weights
//! need one segment; each extra segment costs one more output transform per
//! tile (e.g. uniform random ±127 weights on 512 input channels: 2).
//! [`winograd43_is_exact`] reports whether F(4,3) is exact for a layer (true
//! for every 3×3 stride-1 ungrouped layer with weights in [-127, 127]) and
//! [`winograd43_segments`] how many segments it needs.

use super::conv::Border;
use super::gemm::Stage;
use super::kernels::Int8Kernels;
use super::quantize::{stage_with, StageOut};
use super::scratch;
use crate::generic::int8::winograd::{self as generic, TileGrid, LANES};
use crate::{parallel, ConvGeometry, Planes};

/// Largest per-output-channel weight L1 norm for which F(4,3) is exact:
/// `128·‖w‖₁ < 2²⁵`.
pub const WINOGRAD43_MAX_L1: u64 = (1 << 25) / 128 - 1;
/// Largest per-output-channel weight L1 norm for which F(2,3) is exact:
/// `128·‖w‖₁ < 2²⁹`.
pub const WINOGRAD23_MAX_L1: u64 = (1 << 29) / 128 - 1;

/// Largest L1 norm of one output channel's weights (`weights` in ncnn order).
pub fn max_weight_l1(geom: &ConvGeometry, weights: &[i8]) -> u64 {
    if geom.out_c == 0 {
        return 0;
    }
    let per = weights.len() / geom.out_c;
    weights
        .chunks(per.max(1))
        .map(|c| {
            c.iter()
                .map(|&w| (w as i32).unsigned_abs() as u64)
                .sum::<u64>()
        })
        .max()
        .unwrap_or(0)
}

fn winograd_applies(geom: &ConvGeometry, weights: &[i8]) -> bool {
    geom.is_3x3_s1() && geom.group == 1 && weights.len() == geom.weight_len()
}

/// Input-channel ranges F(`m`,3) accumulates separately (module doc): each
/// keeps every output channel's weight L1 norm within the exactness bound.
/// Boundaries are multiples of 4; the last range ends at `in_c` rounded up
/// to 4. `weights` must be a valid 3×3 layer's (`out_c × in_c × 9`).
pub fn accumulation_segments(m: usize, geom: &ConvGeometry, weights: &[i8]) -> Vec<(usize, usize)> {
    let limit = if m == 4 {
        WINOGRAD43_MAX_L1
    } else {
        WINOGRAD23_MAX_L1
    };
    let (in_c, out_c) = (geom.in_c, geom.out_c);
    let kq = in_c.div_ceil(4) * 4;
    let l1 = |p: usize, q0: usize, q1: usize| -> u64 {
        let q1 = q1.min(in_c);
        weights[(p * in_c + q0) * 9..(p * in_c + q1) * 9]
            .iter()
            .map(|&w| (w as i32).unsigned_abs() as u64)
            .sum()
    };
    let mut segments = Vec::new();
    let mut acc = vec![0u64; out_c];
    let mut start = 0;
    for q in (0..kq).step_by(4) {
        let group: Vec<u64> = (0..out_c).map(|p| l1(p, q, q + 4)).collect();
        if q > start && acc.iter().zip(&group).any(|(a, g)| a + g > limit) {
            segments.push((start, q));
            start = q;
            acc.fill(0);
        }
        acc.iter_mut().zip(&group).for_each(|(a, g)| *a += g);
    }
    segments.push((start, kq));
    segments
}

/// How many accumulation segments F(4,3) needs for this layer (1: the whole
/// input accumulates at once). Only meaningful where [`winograd43_is_exact`].
pub fn winograd43_segments(geom: &ConvGeometry, weights: &[i8]) -> usize {
    accumulation_segments(4, geom, weights).len()
}

/// Whether the int8 Winograd F(4,3) kernel computes exact sums for this
/// layer, for any int8 input: true for every 3×3 stride-1 ungrouped
/// convolution with weights in [-127, 127], since the accumulation is split
/// into segments within the bound (module doc). A calibration tool can keep
/// 8-bit weights for F(4,3) layers; [`winograd43_segments`] tells the cost.
pub fn winograd43_is_exact(geom: &ConvGeometry, weights: &[i8]) -> bool {
    winograd_applies(geom, weights) && !weights.contains(&i8::MIN)
}

/// Whether the int8 Winograd F(2,3) kernel computes exact sums for this
/// layer (as [`winograd43_is_exact`]; its bound is 16× larger, so it splits
/// only beyond 3669 input channels of worst-case weights).
pub fn winograd23_is_exact(geom: &ConvGeometry, weights: &[i8]) -> bool {
    winograd_applies(geom, weights) && !weights.contains(&i8::MIN)
}

/// Whether the int16 GEMM of `kern` reads its operands pair-interleaved: the
/// x86 kernels multiply pairs of input channels (`vpmaddwd`, `vpdpwssd`), so
/// there `U(q, r)` is stored at `8·(q/2) + 2r + q%2` and `V(q, l)` at
/// `2·lanes·(q/2) + 2l + q%2` instead of `4q + r` and `lanes·q + l`.
pub fn gemm16_pairs(kern: &Int8Kernels) -> bool {
    kern.wino_pairs
}

/// Runs the int16 GEMM tile of `kern`: 4 output channels × `lanes` (4 or 8)
/// tiles over `k` (a positive multiple of 4) input channels:
/// `c[r·lanes + l] = Σ_q u[4q + r] · v[lanes·q + l]` (wrapping; operands
/// pair-interleaved where [`gemm16_pairs`]).
pub fn gemm16_tile(
    kern: &Int8Kernels,
    u: &[i16],
    v: &[i16],
    k: usize,
    lanes: usize,
    c: &mut [i32],
) {
    let mut c32 = [0i32; 32];
    gemm16_positions(kern, 4, u, 4 * k, v, lanes * k, k, lanes, &mut c32, 1);
    c[..4 * lanes].copy_from_slice(&c32[..4 * lanes]);
}

/// How many output channels the int16 GEMM tile of `kern` computes at once:
/// 6 on armv7 NEON ([`crate::arm32::int8::winograd::gemm16_6x8`], fewer
/// operand loads per multiply; layers are cut into blocks of 6, with blocks
/// of 4 for the remainder, see [`output_blocks`]), 4 elsewhere.
pub fn gemm16_rows(kern: &Int8Kernels) -> usize {
    kern.wino_rows
}

/// Output channels in GEMM blocks `(first channel, rows)` for tiles of up to
/// `rows` channels (4 or 6): blocks of `rows`, then of 4 for the remainder,
/// the last block padded (its extra rows have zero kernels) when `out_c`
/// needs it. With 6, a remainder of 1 or 2 becomes one block fewer of 6 and
/// two of 4 (less padding), and 5 one more block of 6.
pub fn output_blocks(out_c: usize, rows: usize) -> Vec<(usize, usize)> {
    assert!(rows == 4 || rows == 6);
    let (mut sixes, fours) = if rows == 4 {
        (0, out_c.div_ceil(4))
    } else {
        let (a, r) = (out_c / 6, out_c % 6);
        match r {
            0 => (a, 0),
            1 | 2 if a > 0 => (a - 1, 2),
            1..=4 => (a, 1),
            _ => (a + 1, 0),
        }
    };
    let mut blocks = Vec::new();
    let mut start = 0;
    while sixes > 0 {
        blocks.push((start, 6));
        start += 6;
        sixes -= 1;
    }
    for _ in 0..fours {
        blocks.push((start, 4));
        start += 4;
    }
    blocks
}

/// The int16 GEMM tiles of `rows` (4, or 6 where [`gemm16_rows`] says so;
/// the portable kernel does both) output channels × `lanes` tiles for
/// `positions` positions: position `p` reads `u[p·ustride..]`,
/// `v[p·vstride..]` and writes `c[rows·8·p..][..rows·lanes]`
/// (`c[rows·8·p + r·lanes + l] = Σ_q u[rows·q + r] · v[lanes·q + l]`).
#[allow(clippy::too_many_arguments)]
pub fn gemm16_positions(
    kern: &Int8Kernels,
    rows: usize,
    u: &[i16],
    ustride: usize,
    v: &[i16],
    vstride: usize,
    k: usize,
    lanes: usize,
    c: &mut [i32],
    positions: usize,
) {
    assert!(k > 0 && k % 4 == 0 && (lanes == 4 || lanes == 8) && positions > 0);
    assert!(
        rows == 4 || (rows == 6 && !gemm16_pairs(kern)),
        "{rows} rows"
    );
    assert!(ustride >= rows * k && vstride >= lanes * k);
    assert!(u.len() >= (positions - 1) * ustride + rows * k);
    assert!(v.len() >= (positions - 1) * vstride + lanes * k);
    assert!(c.len() >= rows * LANES * (positions - 1) + rows * lanes);
    match kern.gemm16[rows / 6][lanes / 8] {
        // SAFETY: `kern` is a token that this CPU runs its kernels (only the
        // registry and the enumeration hand kernel objects out); the asserts
        // give the extents the kernel reads and writes (pair-interleaved
        // operands: 4 rows, asserted above).
        Some(kernel) => unsafe {
            kernel(
                u.as_ptr(),
                ustride,
                v.as_ptr(),
                vstride,
                k,
                c.as_mut_ptr(),
                positions,
            )
        },
        None => {
            assert!(!gemm16_pairs(kern), "no portable pair-interleaved tile");
            for p in 0..positions {
                generic::gemm16_tile_rows(
                    &u[p * ustride..],
                    &v[p * vstride..],
                    k,
                    rows,
                    lanes,
                    &mut c[rows * LANES * p..],
                );
            }
        }
    }
}

/// Groups of consecutive output-channel blocks `(first block, count)`: with
/// `pair`, consecutive 6-row blocks two at a time (see
/// [`gemm16_12x4_positions`]), otherwise one block each.
fn block_groups(pair: bool, blocks: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut groups = Vec::with_capacity(blocks.len());
    let mut b = 0;
    while b < blocks.len() {
        if pair && b + 1 < blocks.len() && blocks[b].1 == 6 && blocks[b + 1].1 == 6 {
            groups.push((b, 2));
            b += 2;
        } else {
            groups.push((b, 1));
            b += 1;
        }
    }
    groups
}

/// [`gemm16_positions`] for two blocks of 6 output channels and 4 tiles at
/// once: block 0 reads `u[p·ustride..]`, block 1 `u[p·ustride + udelta..]`,
/// and they write `c0` and `c1` as two calls with 6 rows would. On armv7
/// NEON one 12 × 4 kernel ([`crate::arm32::int8::winograd::gemm16_12x4`])
/// shares each tile load between the 12 rows: 6 × 4 tiles load 5 registers
/// per 12 multiply-accumulates, 12 × 4 load 8 per 24. Kernel objects without
/// it run the portable 6-row tiles.
#[allow(clippy::too_many_arguments)]
pub fn gemm16_12x4_positions(
    kern: &Int8Kernels,
    u: &[i16],
    udelta: usize,
    ustride: usize,
    v: &[i16],
    vstride: usize,
    k: usize,
    c0: &mut [i32],
    c1: &mut [i32],
    positions: usize,
) {
    assert!(k > 0 && k % 4 == 0 && positions > 0);
    assert!(udelta >= 6 * k && ustride >= udelta + 6 * k && vstride >= 4 * k);
    assert!(u.len() >= (positions - 1) * ustride + udelta + 6 * k);
    assert!(v.len() >= (positions - 1) * vstride + 4 * k);
    let clen = 6 * LANES * (positions - 1) + 6 * 4;
    assert!(c0.len() >= clen && c1.len() >= clen);
    match kern.gemm16_12x4 {
        // SAFETY: `kern` is a token for this CPU; the asserts give the extents
        // (per position 6k int16 at u and u + udelta, 4k at v, 24 int32 in
        // c0 and c1 at 48·p).
        Some(kernel) => unsafe { kernel(u, udelta, ustride, v, vstride, k, c0, c1, positions) },
        None => {
            let g = &super::kernels::GENERIC;
            gemm16_positions(g, 6, u, ustride, v, vstride, k, 4, c0, positions);
            gemm16_positions(g, 6, &u[udelta..], ustride, v, vstride, k, 4, c1, positions);
        }
    }
}

/// [`gemm16_12x4_positions`]'s loop over positions with a 12 × 4 kernel
/// `(u0, u1, v, k, c0, c1)`, after its asserts. Always inlined, so that a
/// platform's `Gemm16PairFn` keeps its kernel inline.
///
/// # Safety
/// `kernel` must run on this CPU; the extents are
/// [`gemm16_12x4_positions`]'s.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
#[cfg_attr(not(target_arch = "arm"), allow(dead_code))]
pub(crate) unsafe fn gemm16_12x4_loop(
    u: &[i16],
    udelta: usize,
    ustride: usize,
    v: &[i16],
    vstride: usize,
    k: usize,
    c0: &mut [i32],
    c1: &mut [i32],
    positions: usize,
    kernel: impl Fn(*const i16, *const i16, *const i16, usize, *mut i32, *mut i32),
) {
    for p in 0..positions {
        let u0 = u[p * ustride..].as_ptr();
        let u1 = u[p * ustride + udelta..].as_ptr();
        let vp = v[p * vstride..].as_ptr();
        let (d0, d1) = (c0[48 * p..].as_mut_ptr(), c1[48 * p..].as_mut_ptr());
        kernel(u0, u1, vp, k, d0, d1)
    }
}

/// Gathers the patches of one zero-padded input plane (see
/// [`generic::TileGrid`]).
pub fn gather_with(kern: &Int8Kernels, grid: &TileGrid, xp: &[i8], d: &mut [i8]) {
    let (wp, slots) = (grid.padded_w(), grid.slots());
    assert!(xp.len() >= grid.padded_h() * wp && d.len() >= grid.positions() * slots);
    // SAFETY: `kern` is a token for this CPU; the gather kernels take
    // slices (the NEON ones, `gather_chunks`, assert each chunk's extents).
    unsafe { (kern.gather)(grid, xp, d) }
}

/// [`gather_with`] by 8-tile chunks with `chunk(src, wp, dst, slots)` (NEON:
/// reads `t` rows of `wp` from `src`, the first `8m + 4` bytes of each, and
/// writes 8 bytes at each of the `t²` positions spaced `slots` from `dst`).
/// Always inlined, so that each platform's `GatherFn` keeps its chunk
/// kernel inline.
///
/// # Safety
/// `chunk` must run on this CPU and read and write only as described.
#[inline(always)]
#[cfg_attr(
    not(any(target_arch = "arm", target_arch = "aarch64")),
    allow(dead_code)
)]
pub(crate) unsafe fn gather_chunks(
    grid: &TileGrid,
    xp: &[i8],
    d: &mut [i8],
    chunk: impl Fn(*const i8, usize, *mut i8, usize),
) {
    let (m, t, wp, slots) = (grid.m, grid.t(), grid.padded_w(), grid.slots());
    assert!(d.len() >= grid.positions() * slots);
    for ty in 0..grid.th {
        for cx in 0..grid.chunks() {
            let slot0 = ty * grid.tw + LANES * cx;
            let src = &xp[ty * m * wp + LANES * cx * m..];
            // Chunk reads: t rows of `wp` from `src`, the first 4·8+4 (m =
            // 4) or 2·8+2 (m = 2) bytes of each; padded_w leaves room and
            // padded_h covers the rows.
            assert!(src.len() >= (t - 1) * wp + LANES * m + 4);
            assert!(slot0 + LANES <= slots);
            chunk(src.as_ptr(), wp, d[slot0..].as_mut_ptr(), slots)
        }
    }
}

/// Input transform of 8 tiles (see [`generic::input_transform`]).
pub fn input_transform_with(
    kern: &Int8Kernels,
    m: usize,
    d: &[i8],
    slots: usize,
    v: &mut [i16],
    vstride: usize,
    lanes: usize,
) {
    let positions = (m + 2) * (m + 2);
    assert!((m == 2 || m == 4) && (lanes == 4 || lanes == 8));
    assert!(d.len() >= (positions - 1) * slots + LANES);
    assert!(v.len() >= (positions - 1) * vstride + lanes);
    let kernel = kern.input_transform[m / 4];
    // SAFETY: `kern` is a token for this CPU; the asserts give the extents.
    unsafe { kernel(d.as_ptr(), slots, v.as_mut_ptr(), vstride, lanes) }
}

/// Input transform of 8 tiles of channels `q` (patches `d0`) and `q + 1`
/// (`d1`; `None` past the last channel) into pair-interleaved `v` (see
/// [`gemm16_pairs`]).
///
/// # Panics
/// If `kern` does not read pair-interleaved operands.
#[allow(clippy::too_many_arguments)]
pub fn input_transform_pair_with(
    kern: &Int8Kernels,
    m: usize,
    d0: &[i8],
    d1: Option<&[i8]>,
    slots: usize,
    v: &mut [i16],
    vstride: usize,
    lanes: usize,
) {
    let positions = (m + 2) * (m + 2);
    assert!((m == 2 || m == 4) && (lanes == 4 || lanes == 8));
    let patches = (positions - 1) * slots + LANES;
    assert!(d0.len() >= patches && d1.is_none_or(|d| d.len() >= patches));
    assert!(v.len() >= (positions - 1) * vstride + 2 * lanes);
    let kernel = kern
        .input_transform_pair
        .unwrap_or_else(|| panic!("{kern:?} reads unpaired int16 operands"));
    // SAFETY: `kern` is a token for this CPU; the asserts give the extents.
    unsafe { kernel(m, d0, d1, slots, v, vstride, lanes) }
}

/// Output transform of 8 tiles of one channel (see [`generic::output_transform`]),
/// of which the first `lanes` (4 or 8) are needed: with 4 (a map's last
/// block of at most 4 tiles; every block of a 7×7 map) armv7 skips the other
/// half, the other kernel objects transform all 8 (their extra lanes land in
/// slots past the last tile).
#[allow(clippy::too_many_arguments)]
pub fn output_transform_with(
    kern: &Int8Kernels,
    m: usize,
    c: &[i32],
    cstride: usize,
    y: &mut [i32],
    ystride: usize,
    lanes: usize,
) {
    let positions = (m + 2) * (m + 2);
    assert!((m == 2 || m == 4) && (lanes == 4 || lanes == 8));
    assert!(c.len() >= (positions - 1) * cstride + LANES);
    assert!(y.len() >= (m * m - 1) * ystride + LANES);
    let kernel = kern.output_transform[m / 4];
    // SAFETY: `kern` is a token for this CPU; the asserts give the extents.
    unsafe { kernel(c.as_ptr(), cstride, y.as_mut_ptr(), ystride, lanes / 4) }
}

/// Un-gathers one channel's outputs into rows of `grid.out_w()`.
pub fn ungather_with(kern: &Int8Kernels, grid: &TileGrid, y: &[i32], out: &mut [i32]) {
    let (m, slots, ow) = (grid.m, grid.slots(), grid.out_w());
    assert!(y.len() >= m * m * slots && out.len() >= grid.th * m * ow);
    // SAFETY: `kern` is a token for this CPU; the un-gather kernels take
    // slices (the NEON ones, `ungather_chunks`, assert each chunk's extents).
    unsafe { (kern.ungather)(grid, y, out) }
}

/// Un-gathers by 8-tile chunks with `chunk(src, slots, dst, ow)` (NEON: reads
/// 8 int32 at the `m²` positions spaced `slots` from `src`, writes `m` rows
/// of `8m` int32 spaced `ow` from `dst`) into rows `ow` wide: with `ow <
/// grid.out_w()` (the cropped form, see [`ungather_cropped_with`]) each tile
/// row's chunks go last to first. Always inlined, so that each platform's
/// `UngatherFn` keeps its chunk kernel inline.
///
/// # Safety
/// `chunk` must run on this CPU and read and write only as described.
#[inline(always)]
#[cfg_attr(
    not(any(target_arch = "arm", target_arch = "aarch64")),
    allow(dead_code)
)]
pub(crate) unsafe fn ungather_chunks(
    grid: &TileGrid,
    y: &[i32],
    out: &mut [i32],
    ow: usize,
    chunk: impl Fn(*const i32, usize, *mut i32, usize),
) {
    let (m, slots) = (grid.m, grid.slots());
    assert!(y.len() >= m * m * slots);
    let cropped = ow < grid.out_w();
    for ty in 0..grid.th {
        for c in 0..grid.chunks() {
            let cx = if cropped { grid.chunks() - 1 - c } else { c };
            let slot0 = ty * grid.tw + LANES * cx;
            let o = (ty * m) * ow + LANES * cx * m;
            assert!(slot0 + LANES <= slots && o + (m - 1) * ow + LANES * m <= out.len());
            // Reads 8 int32 at m² positions spaced `slots` from slot0 (<
            // m²·slots by the asserts), writes m rows of 8m int32 spaced ow
            // (in bounds by the assert).
            chunk(y[slot0..].as_ptr(), slots, out[o..].as_mut_ptr(), ow)
        }
    }
}

/// Length [`ungather_cropped_with`] needs for maps `outw` wide: the last
/// row's chunks reach `grid.out_w()` past its start.
pub fn cropped_len(grid: &TileGrid, outw: usize) -> usize {
    (grid.th * grid.m - 1) * outw + grid.out_w()
}

/// [`ungather_with`] into rows of `outw` (the map's width, at most
/// `grid.out_w()`): `out[i·outw + j]` for `i < outh`, `j < outw` are the
/// map's outputs (the rest of `out`, at least [`cropped_len`], is scratch).
///
/// The NEON chunk kernels write their whole rows at stride `outw`: a tile
/// row's last chunk runs past its rows' ends into the following rows, so
/// each tile row's chunks go last to first, and every byte past a row's end
/// lands on an output that a later chunk (this tile row's first ones, or
/// the next tile row) writes again. Cropping with a copy instead cost a
/// `memcpy` call per row. Elsewhere: un-gather, then crop.
pub fn ungather_cropped_with(
    kern: &Int8Kernels,
    grid: &TileGrid,
    y: &[i32],
    out: &mut [i32],
    outw: usize,
) {
    let (m, slots, ow) = (grid.m, grid.slots(), grid.out_w());
    assert!(outw <= ow && outw > ow.saturating_sub(LANES * m));
    assert!(y.len() >= m * m * slots && out.len() >= cropped_len(grid, outw));
    if let Some(kernel) = kern.ungather_cropped {
        // SAFETY: `kern` is a token for this CPU; the kernels take slices
        // (`ungather_chunks` asserts each chunk's extents).
        return unsafe { kernel(grid, y, out, outw) };
    }
    if ow == outw {
        ungather_with(kern, grid, y, out);
        return;
    }
    let mut full = scratch::take::<i32>(grid.th * m * ow);
    ungather_with(kern, grid, y, &mut full);
    for (row, src) in out.chunks_exact_mut(outw).zip(full.chunks_exact(ow)) {
        row.copy_from_slice(&src[..outw]);
    }
}

/// A 3×3 stride-1 int8 convolution prepared for Winograd F(`m`,3).
#[derive(Clone, Debug)]
pub(crate) struct WinogradI8 {
    /// Output tile size: 2 or 4.
    m: usize,
    in_c: usize,
    /// `in_c` rounded up to a multiple of 4 (the GEMM's unrolling).
    kq: usize,
    out_c: usize,
    /// Input-channel ranges accumulated separately ([`accumulation_segments`]).
    segments: Vec<(usize, usize)>,
    /// Output-channel blocks of the GEMM ([`output_blocks`]).
    blocks: Vec<(usize, usize)>,
    /// Output channels with the blocks' padding (the sum of their sizes).
    ocp: usize,
    /// Transformed kernels, `[pos][block][kq][rows]` (pair-interleaved,
    /// `[pos][block][kq / 2][4][2]`, where [`gemm16_pairs`]); a position
    /// holds `ocp·kq` values, block `(start, rows)` from `start·kq`.
    u: Vec<i16>,
    /// The operand form the kernels were prepared for.
    pairs: bool,
}

impl WinogradI8 {
    /// Transforms the weights (`out_c × in_c × 3 × 3`) for the kernels of `kern`.
    pub fn new(m: usize, geom: &ConvGeometry, weights: &[i8], kern: &Int8Kernels) -> WinogradI8 {
        let pairs = gemm16_pairs(kern);
        assert!(m == 2 || m == 4);
        let t = m + 2;
        let positions = t * t;
        let (in_c, out_c) = (geom.in_c, geom.out_c);
        let kq = in_c.div_ceil(4) * 4;
        let blocks = output_blocks(out_c, gemm16_rows(kern));
        let ocp: usize = blocks.iter().map(|b| b.1).sum();
        let mut u = vec![0i16; positions * ocp * kq];
        for &(start, rows) in &blocks {
            for p in start..(start + rows).min(out_c) {
                let r = p - start;
                for q in 0..in_c {
                    let g = &weights[(p * in_c + q) * 9..(p * in_c + q + 1) * 9];
                    for (pos, v) in generic::kernel_transform(m, g).into_iter().enumerate() {
                        let base = (pos * ocp + start) * kq;
                        let at = if pairs {
                            base + q / 2 * 2 * rows + r * 2 + q % 2
                        } else {
                            base + q * rows + r
                        };
                        u[at] = v;
                    }
                }
            }
        }
        WinogradI8 {
            m,
            in_c,
            kq,
            out_c,
            segments: accumulation_segments(m, geom, weights),
            blocks,
            ocp,
            u,
            pairs,
        }
    }

    pub fn weight_bytes(&self) -> usize {
        self.u.len() * 2
    }

    /// Convolves the padded `input` into `outs` (one per output channel,
    /// `outw × outh` each) through the output `stage`.
    ///
    /// Three passes, each parallel: gather every input plane's patches
    /// (tile-contiguous int8), input-transform blocks of 8 tiles into
    /// `V[block][pos][q][lane]` (int16), then per block of 4 output channels
    /// the int16 GEMM of each position, the output transform into
    /// tile-contiguous int32, the un-gather into rows and the output stage.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        kern: &Int8Kernels,
        input: Planes<i8>,
        border: Border,
        outw: usize,
        outh: usize,
        stage: &Stage,
        outs: &mut [StageOut],
        threads: usize,
    ) {
        let (m, kq) = (self.m, self.kq);
        assert_eq!(
            self.pairs,
            gemm16_pairs(kern),
            "kernels prepared for another kernel object"
        );
        let grid = TileGrid::new(m, outw, outh);
        let positions = grid.positions();
        let slots = grid.slots();
        let tiles = grid.tiles();
        let nb = tiles.div_ceil(LANES);
        // The last block holds at most 4 tiles: give it 4 lanes.
        let lanes_of = |tb: usize| {
            if tb + 1 == nb && tiles - LANES * tb <= 4 {
                4
            } else {
                LANES
            }
        };

        // Pass 1: patches of every input plane, d[q][pos][slot].
        let (wp, hp) = (grid.padded_w(), grid.padded_h());
        let dlen = positions * slots;
        // Scratch buffers are not zeroed: past the input's edge the padded
        // plane holds stale values, which only reach outputs past the
        // output's edge (each output reads the 3×3 inputs under it), and
        // slots past the last tile are never un-gathered. The int8 values,
        // whatever they are, keep every transform within its proven bound.
        let mut d = scratch::take::<i8>(self.in_c * dlen);
        // The input with its border: every output reads only its 3×3
        // inputs, so the bordered map (at most wp × hp, as the grid covers
        // the outputs) is all that must be written.
        let (w, h, b) = (input.w, input.h, border);
        let (pw, ph) = (b.left + w + b.right, b.top + h + b.bottom);
        assert!(pw <= wp && ph <= hp, "{pw}×{ph} input for a {wp}×{hp} grid");
        parallel::for_each_chunk_mut(&mut d, dlen, threads, |q, dq| {
            let mut xp = scratch::take::<i8>(wp * hp);
            let plane = input.plane(q);
            if !b.is_empty() {
                // One fill of the rows, not two per row for the edges: with
                // a border of 1 those would be two memset calls per row.
                xp[..ph * wp].fill(b.value);
            }
            let rows = xp[b.top * wp..].chunks_exact_mut(wp).take(h);
            for (row, src) in rows.zip(plane.chunks_exact(w)) {
                row[b.left..b.left + w].copy_from_slice(src);
            }
            gather_with(kern, &grid, &xp, dq);
        });

        // Pass 2: input transform, V[tb][pos][q][lane].
        let block = positions * kq * LANES;
        // Channels in_c..kq are never written: their kernels are zero.
        let mut v = scratch::take::<i16>(nb * block);
        parallel::for_each_chunk_mut(&mut v, block, threads, |tb, vb| {
            let lanes = lanes_of(tb);
            let dq = |q: usize| &d[q * dlen + tb * LANES..(q + 1) * dlen];
            if self.pairs {
                // Channel q's lanes at 2l, q + 1's at 2l + 1: the pair's block
                // starts where channel q's would.
                for q in (0..self.in_c).step_by(2) {
                    let d1 = (q + 1 < self.in_c).then(|| dq(q + 1));
                    let vq = &mut vb[q * lanes..];
                    input_transform_pair_with(kern, m, dq(q), d1, slots, vq, kq * lanes, lanes);
                }
            } else {
                for q in 0..self.in_c {
                    input_transform_with(
                        kern,
                        m,
                        dq(q),
                        slots,
                        &mut vb[q * lanes..],
                        kq * lanes,
                        lanes,
                    );
                }
            }
        });

        // Pass 3: GEMM per position, output transform, un-gather and stage,
        // per group of output-channel blocks: one block, or on maps of at most
        // 4 tiles two blocks of 6 for the 12 × 4 kernel where there is one
        // (armv7; bigger maps keep single blocks, more tasks for the threads).
        let pair = kern.gemm16_12x4.is_some() && nb == 1 && lanes_of(0) == 4;
        let groups = block_groups(pair, &self.blocks);
        let mut work: Vec<&mut [StageOut]> = Vec::with_capacity(groups.len());
        let mut rest = outs;
        for &(b0, count) in &groups {
            let (start, _) = self.blocks[b0];
            let (last_start, last_rows) = self.blocks[b0 + count - 1];
            let chans = (last_start + last_rows).min(self.out_c) - start;
            let (head, tail) = rest.split_at_mut(chans);
            work.push(head);
            rest = tail;
        }
        parallel::for_each_mut(&mut work, threads, |gi, outs| {
            let (b0, count) = groups[gi];
            let group = &self.blocks[b0..b0 + count];
            let start = group[0].0;
            let ylen = m * m * slots;
            let mut yt = scratch::take::<i32>(outs.len() * ylen);
            // One sums buffer per block: c[b][rows·8·p + r·lanes + l].
            let clen = positions * 6 * LANES;
            let mut c = scratch::take::<i32>(count * clen);
            let mut part = [0i32; 16 * LANES];
            for tb in 0..nb {
                let lanes = lanes_of(tb);
                for (si, &(q0, q1)) in self.segments.iter().enumerate() {
                    let k = q1 - q0;
                    let vv = &v[tb * block + q0 * lanes..];
                    if count == 2 && lanes == 4 {
                        let u = &self.u[start * kq + q0 * 6..];
                        let (c0, c1) = c.split_at_mut(clen);
                        gemm16_12x4_positions(
                            kern,
                            u,
                            6 * kq,
                            self.ocp * kq,
                            vv,
                            kq * lanes,
                            k,
                            c0,
                            c1,
                            positions,
                        );
                    } else {
                        for (&(bs, rows), cb) in group.iter().zip(c.chunks_exact_mut(clen)) {
                            // Segments start at multiples of 4, so pairs stay whole.
                            let u = &self.u[bs * kq + q0 * rows..];
                            gemm16_positions(
                                kern,
                                rows,
                                u,
                                self.ocp * kq,
                                vv,
                                kq * lanes,
                                k,
                                lanes,
                                cb,
                                positions,
                            );
                        }
                    }
                    for r in 0..outs.len() {
                        let (bi, rr) = (r / 6, r % 6);
                        let rows = group[bi].1;
                        let cb = &c[bi * clen..];
                        // With 4 lanes the upper 4 (where an ISA transforms
                        // them) read the next channel's sums: harmless, they
                        // land in slots past the last tile, never un-gathered
                        // into the map.
                        let y = &mut yt[r * ylen + tb * LANES..(r + 1) * ylen];
                        let cr = &cb[rr * lanes..];
                        if si == 0 {
                            output_transform_with(kern, m, cr, rows * LANES, y, slots, lanes);
                        } else {
                            // A later segment: its exact partial outputs add in.
                            output_transform_with(
                                kern,
                                m,
                                cr,
                                rows * LANES,
                                &mut part,
                                LANES,
                                lanes,
                            );
                            for (o, pp) in part.chunks_exact(LANES).take(m * m).enumerate() {
                                let dst = &mut y[o * slots..][..lanes];
                                dst.iter_mut()
                                    .zip(pp)
                                    .for_each(|(d, &x)| *d = d.wrapping_add(x));
                            }
                        }
                    }
                }
            }
            let mut y = scratch::take::<i32>(cropped_len(&grid, outw));
            for (r, out) in outs.iter_mut().enumerate() {
                ungather_cropped_with(kern, &grid, &yt[r * ylen..(r + 1) * ylen], &mut y, outw);
                let p = start + r;
                stage_with(
                    kern,
                    &y[..outw * outh],
                    stage.mul[p],
                    stage.bias[p],
                    stage.act,
                    out.reborrow(),
                );
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activation, ConvGeometry, KernelSet, Planes};

    /// Runs the F(`m`,3) kernel, in one accumulation when `single`.
    #[allow(clippy::too_many_arguments)]
    fn raw_sums(
        m: usize,
        single: bool,
        kern: &Int8Kernels,
        g: &ConvGeometry,
        w: &[i8],
        x: &[i8],
        iw: usize,
        ih: usize,
    ) -> Vec<i32> {
        let (outw, outh) = g.output_size(iw, ih).unwrap();
        let mut wino = WinogradI8::new(m, g, w, kern);
        if single {
            wino.segments = vec![(0, wino.kq)];
        }
        let mut out = vec![0i32; g.out_c * outw * outh];
        let mut outs: Vec<StageOut> = out.chunks_mut(outw * outh).map(StageOut::I32).collect();
        let zeros = vec![0f32; g.out_c];
        let stage = Stage {
            mul: &zeros,
            bias: &zeros,
            act: Activation::None,
        };
        let planes = Planes::new(x, iw, ih, g.in_c, iw * ih);
        wino.forward(
            kern,
            planes,
            Border::default(),
            outw,
            outh,
            &stage,
            &mut outs,
            1,
        );
        out
    }

    /// The bound is tight: at `‖w‖₁ = MAX + 1` with worst-case inputs the true
    /// sum is 2²⁵, and F(4,3) in one accumulation returns −2²⁵; split into
    /// segments (as the constructor does) it is exact, as are F(2,3) and
    /// F(4,3) at the bound.
    #[test]
    fn winograd43_bound_is_tight() {
        let in_c = 230;
        let g = ConvGeometry::simple(in_c, 1, 3, 1);
        let neg = |l1: u64| -> Vec<i8> {
            let mut left = l1;
            (0..in_c * 9)
                .map(|_| {
                    let v = left.min(127);
                    left -= v;
                    -(v as i8)
                })
                .collect()
        };
        let x = vec![-128i8; in_c * 36];
        for kern in Int8Kernels::available() {
            let at = raw_sums(4, true, kern, &g, &neg(WINOGRAD43_MAX_L1), &x, 6, 6);
            assert!(
                at.iter().all(|&s| s == 128 * WINOGRAD43_MAX_L1 as i32),
                "{kern:?}"
            );
            let past = neg(WINOGRAD43_MAX_L1 + 1);
            assert_eq!(winograd43_segments(&g, &past), 2);
            let wrong = raw_sums(4, true, kern, &g, &past, &x, 6, 6);
            assert!(
                wrong.iter().all(|&s| s == -(1 << 25)),
                "{kern:?}: {wrong:?}"
            );
            let split = raw_sums(4, false, kern, &g, &past, &x, 6, 6);
            assert!(split.iter().all(|&s| s == 1 << 25), "{kern:?}");
            let right = raw_sums(2, true, kern, &g, &past, &x, 6, 6);
            assert!(right.iter().all(|&s| s == 1 << 25), "{kern:?}");
        }
    }
}
