//! aarch64 int8 kernels: Advanced SIMD intrinsics, and `sdot` via `asm!` for
//! CPUs with the dot-product extension. Each is an `unsafe fn`; they are
//! reached only through [`AARCH64_NEON_INT8`] and [`AARCH64_DOT_INT8`],
//! which the registry holds only where their features are detected.

pub mod depthwise;
pub mod gemm;
pub mod innerproduct;
pub mod pooling;
pub mod quantize;
pub mod winograd;

use crate::generic::int8::gemm::GemmLayout;
use crate::generic::int8::winograd::TileGrid;
use crate::int8::kernels::{Int8Kernels, GENERIC};

/// [`crate::int8::gemm::pack_chunk_blocks`] with [`gemm::pack_k16x8`] inline.
///
/// # Safety
/// As [`crate::int8::kernels::PackChunkFn`].
unsafe fn pack_chunk_k16(
    b: &[i8],
    ld: usize,
    k: usize,
    n0: usize,
    kp: usize,
    dst: &mut [i8],
) -> usize {
    // SAFETY: pack_chunk_blocks gives each block the 16 rows of 8 readable
    // bytes and the 64 writable ones at d and d + panel (NEON is
    // architectural).
    let block = |s: *const i8, ld: usize, d: *mut i8, panel: usize| unsafe {
        gemm::pack_k16x8(s, ld, d, panel)
    };
    // SAFETY: the block packer writes as described.
    unsafe { crate::int8::gemm::pack_chunk_blocks(4, b, ld, k, n0, kp, dst, block) }
}

/// [`crate::int8::gemm::pack_chunk_blocks`] with [`gemm::pack_dot16x8`]
/// (one 8-column DOT panel per chunk) inline.
///
/// # Safety
/// As [`crate::int8::kernels::PackChunkFn`].
unsafe fn pack_chunk_dot(
    b: &[i8],
    ld: usize,
    k: usize,
    n0: usize,
    kp: usize,
    dst: &mut [i8],
) -> usize {
    // SAFETY: pack_chunk_blocks gives each block the 16 rows of 8 readable
    // bytes and 128 writable ones at d.
    let block =
        |s: *const i8, ld: usize, d: *mut i8, _: usize| unsafe { gemm::pack_dot16x8(s, ld, d) };
    // SAFETY: the block packer writes as described.
    unsafe { crate::int8::gemm::pack_chunk_blocks(8, b, ld, k, n0, kp, dst, block) }
}

/// [`crate::int8::winograd::gather_chunks`] with the F(4,3) / F(2,3) chunk
/// kernels.
///
/// # Safety
/// None beyond the slices' extents, which `gather_chunks` asserts.
unsafe fn gather(grid: &TileGrid, xp: &[i8], d: &mut [i8]) {
    let four = grid.m == 4;
    // SAFETY: gather_chunks asserts each chunk's reads and writes.
    let chunk = |s: *const i8, wp: usize, dst: *mut i8, slots: usize| unsafe {
        if four {
            winograd::gather4(s, wp, dst, slots)
        } else {
            winograd::gather2(s, wp, dst, slots)
        }
    };
    // SAFETY: the chunk kernels read and write as described.
    unsafe { crate::int8::winograd::gather_chunks(grid, xp, d, chunk) }
}

/// [`crate::int8::winograd::ungather_chunks`] into rows `ow` wide.
///
/// # Safety
/// None beyond the slices' extents, which `ungather_chunks` asserts.
unsafe fn ungather_into(grid: &TileGrid, y: &[i32], out: &mut [i32], ow: usize) {
    let m = grid.m;
    // SAFETY: ungather_chunks asserts each chunk's reads and writes.
    let chunk = |s: *const i32, slots: usize, dst: *mut i32, ow: usize| unsafe {
        winograd::ungather(m, s, slots, dst, ow)
    };
    // SAFETY: the chunk kernel reads and writes as described.
    unsafe { crate::int8::winograd::ungather_chunks(grid, y, out, ow, chunk) }
}

/// # Safety
/// As [`ungather_into`].
unsafe fn ungather(grid: &TileGrid, y: &[i32], out: &mut [i32]) {
    // SAFETY: as the contract.
    unsafe { ungather_into(grid, y, out, grid.out_w()) }
}

/// [`winograd::input_transform`] of F(`M`,3).
///
/// # Safety
/// As [`crate::int8::kernels::InputTransformFn`].
unsafe fn input_transform<const M: usize>(
    d: *const i8,
    slots: usize,
    v: *mut i16,
    vstride: usize,
    lanes: usize,
) {
    // SAFETY: the caller's contract is the kernel's.
    unsafe { winograd::input_transform(M, d, slots, v, vstride, lanes) }
}

/// [`winograd::output_transform`] of F(`M`,3) (all 8 lanes).
///
/// # Safety
/// As [`crate::int8::kernels::OutputTransformFn`].
unsafe fn output_transform<const M: usize>(
    c: *const i32,
    cstride: usize,
    y: *mut i32,
    ystride: usize,
    _halves: usize,
) {
    // SAFETY: the caller's contract is the kernel's.
    unsafe { winograd::output_transform(M, c, cstride, y, ystride) }
}

fn dotprod(f: &crate::cpu::CpuFeatures) -> bool {
    f.neon && f.dotprod
}

/// aarch64 Advanced SIMD int8: 4×4 GEMM (`smull`/`smlal`/`sadalp`), NEON B
/// packing and stride-2 im2col, quantization, inner product, depthwise rows
/// and the Winograd transforms with 4-row int16 GEMM tiles.
pub(crate) static AARCH64_NEON_INT8: Int8Kernels = Int8Kernels {
    name: "aarch64-neon",
    runs_on: super::neon,
    layout: GemmLayout::K16,
    gemm_tile: gemm::gemm_4x4,
    pack_b_chunk: Some(pack_chunk_k16),
    copy_stride2: Some(gemm::copy_stride2),
    copy_rows_stride2: Some(gemm::copy_rows_stride2),
    quantize: quantize::quantize,
    dequantize: quantize::dequantize,
    dequantize_i32: quantize::dequantize_i32,
    requantize_i32: quantize::requantize_i32,
    dot4: Some(innerproduct::dot4),
    dw3x3_rows: Some([depthwise::dw3x3s1_rows, depthwise::dw3x3s2_rows]),
    gemm16: [
        [Some(winograd::gemm16_4x4), Some(winograd::gemm16_4x8)],
        [None, None],
    ],
    gather,
    input_transform: [input_transform::<2>, input_transform::<4>],
    output_transform: [output_transform::<2>, output_transform::<4>],
    ungather,
    ungather_cropped: Some(ungather_into),
    ..GENERIC
};

/// aarch64 with the dot-product extension: the 8×8 `sdot` GEMM (DOT
/// layout), the NEON kernels for the rest; with an int8 dot product the
/// GEMM also takes the layers Winograd would.
pub(crate) static AARCH64_DOT_INT8: Int8Kernels = Int8Kernels {
    name: "aarch64-neon-dot",
    runs_on: dotprod,
    layout: GemmLayout::DOT,
    gemm_tile: gemm::gemm_8x8_sdot,
    pack_b_chunk: Some(pack_chunk_dot),
    dot_product: true,
    ..AARCH64_NEON_INT8
};
