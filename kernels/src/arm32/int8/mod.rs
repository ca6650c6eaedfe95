//! armv7 NEON int8 kernels (`asm!`). Each is an `unsafe fn` whose contract
//! includes "the CPU has NEON"; they are reached only through
//! [`ARMV7_NEON_INT8`], which the registry holds only where NEON is detected.

pub mod depthwise;
pub mod gemm;
pub mod innerproduct;
pub mod pooling;
pub mod quantize;
pub mod winograd;

use crate::generic::int8::gemm::GemmLayout;
use crate::generic::int8::winograd::TileGrid;
use crate::int8::kernels::{Int8Kernels, GENERIC};

/// [`crate::int8::gemm::pack_chunk_blocks`] with [`gemm::pack_k16x8`]
/// inline (a call per 128-byte block would add its register saves to each).
///
/// # Safety
/// As [`crate::int8::kernels::PackChunkFn`]: the CPU has NEON.
unsafe fn pack_chunk(b: &[i8], ld: usize, k: usize, n0: usize, kp: usize, dst: &mut [i8]) -> usize {
    // SAFETY: NEON per the contract; pack_chunk_blocks gives each block the
    // 16 rows of 8 readable bytes and the 64 writable ones at d and d + panel.
    let block = |s: *const i8, ld: usize, d: *mut i8, panel: usize| unsafe {
        gemm::pack_k16x8(s, ld, d, panel)
    };
    // SAFETY: the block packer runs here (NEON) and writes as described.
    unsafe { crate::int8::gemm::pack_chunk_blocks(4, b, ld, k, n0, kp, dst, block) }
}

/// [`crate::int8::winograd::gemm16_12x4_loop`] with [`winograd::gemm16_12x4`].
///
/// # Safety
/// As [`crate::int8::kernels::Gemm16PairFn`]: the CPU has NEON.
#[allow(clippy::too_many_arguments)]
unsafe fn gemm16_12x4_positions(
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
    // SAFETY: NEON per the contract; per position the caller's asserts give
    // 6k int16 at u0 and u1, 4k at vp and 24 int32 at d0 and d1.
    let kernel = |u0, u1, vp, k, d0, d1| unsafe { winograd::gemm16_12x4(u0, u1, vp, k, d0, d1) };
    // SAFETY: the kernel runs here (NEON).
    unsafe {
        crate::int8::winograd::gemm16_12x4_loop(
            u, udelta, ustride, v, vstride, k, c0, c1, positions, kernel,
        )
    }
}

/// [`crate::int8::winograd::gather_chunks`] with the F(4,3) / F(2,3) chunk
/// kernels.
///
/// # Safety
/// The CPU has NEON.
unsafe fn gather(grid: &TileGrid, xp: &[i8], d: &mut [i8]) {
    let four = grid.m == 4;
    // SAFETY: NEON per the contract; gather_chunks asserts each chunk's
    // reads and writes.
    let chunk = |s: *const i8, wp: usize, dst: *mut i8, slots: usize| unsafe {
        if four {
            winograd::gather4(s, wp, dst, slots)
        } else {
            winograd::gather2(s, wp, dst, slots)
        }
    };
    // SAFETY: the chunk kernels run here (NEON).
    unsafe { crate::int8::winograd::gather_chunks(grid, xp, d, chunk) }
}

/// [`crate::int8::winograd::ungather_chunks`] into rows `ow` wide.
///
/// # Safety
/// The CPU has NEON.
unsafe fn ungather_into(grid: &TileGrid, y: &[i32], out: &mut [i32], ow: usize) {
    let four = grid.m == 4;
    // SAFETY: NEON per the contract; ungather_chunks asserts each chunk's
    // reads and writes.
    let chunk = |s: *const i32, slots: usize, dst: *mut i32, ow: usize| unsafe {
        if four {
            winograd::ungather4(s, slots, dst, ow)
        } else {
            winograd::ungather2(s, slots, dst, ow)
        }
    };
    // SAFETY: the chunk kernels run here (NEON).
    unsafe { crate::int8::winograd::ungather_chunks(grid, y, out, ow, chunk) }
}

/// # Safety
/// The CPU has NEON.
unsafe fn ungather(grid: &TileGrid, y: &[i32], out: &mut [i32]) {
    // SAFETY: NEON per the contract.
    unsafe { ungather_into(grid, y, out, grid.out_w()) }
}

/// armv7 NEON int8: 4×4 `vmull.s8`/`vmlal.s8`/`vpadal` GEMM (with a whole
/// row of tiles per call, and a one-column kernel), NEON B packing and
/// stride-2 im2col, quantization, inner product and depthwise rows, and the
/// Winograd transforms with 6-row (and 12 × 4) int16 GEMM tiles.
pub(crate) static ARMV7_NEON_INT8: Int8Kernels = Int8Kernels {
    name: "armv7-neon",
    runs_on: super::neon,
    layout: GemmLayout::K16,
    gemm_tile: gemm::gemm_4x4,
    gemm_row: Some(gemm::gemm_4xn),
    gemm_col: Some(gemm::gemm_4x1),
    pack_b_chunk: Some(pack_chunk),
    pack_b_panel: None,
    copy_stride2: Some(gemm::copy_stride2),
    copy_rows_stride2: Some(gemm::copy_rows_stride2),
    quantize: quantize::quantize,
    dequantize: quantize::dequantize,
    dequantize_i32: quantize::dequantize_i32,
    requantize_i32: quantize::requantize_i32,
    dot4: Some(innerproduct::dot4),
    dw3x3_rows: Some([depthwise::dw3x3s1_rows, depthwise::dw3x3s2_rows]),
    wino_rows: 6,
    wino_pairs: false,
    gemm16: [
        [Some(winograd::gemm16_4x4), Some(winograd::gemm16_4x8)],
        [Some(winograd::gemm16_6x4), Some(winograd::gemm16_6x8)],
    ],
    gemm16_12x4: Some(gemm16_12x4_positions),
    gather,
    input_transform: [winograd::input_transform2, winograd::input_transform4],
    input_transform_pair: None,
    output_transform: [winograd::output_transform2, winograd::output_transform4],
    ungather,
    ungather_cropped: Some(ungather_into),
    dot_product: false,
    ..GENERIC
};
