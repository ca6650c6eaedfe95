//! x86-64 int8 kernels, reached through the kernel objects [`X86_AVX2_INT8`]
//! and [`X86_AVX512_VNNI_INT8`] (plugged into the registry by `crate::x86`);
//! calling any of them on a CPU without the features is undefined
//! behaviour, hence `unsafe`:
//!
//! - [`gemm`]: the GEMM micro-kernels (AVX2 `vpmaddwd`, AVX-512 VNNI
//!   `vpdpbusd` in `asm!`) and their B packers;
//! - [`quantize`]: AVX2 quantization and output stage;
//! - [`winograd`]: the int16 GEMM on channel pairs (AVX2 `vpmaddwd`, VNNI
//!   `vpdpwssd`), the pairing input transform, and the portable transforms
//!   compiled for AVX2;
//! - the portable depthwise and inner-product loops compiled for AVX2.
pub mod gemm;
pub mod quantize;
pub mod winograd;

use crate::generic::int8::gemm::GemmLayout;
use crate::generic::int8::winograd::LANES;
use crate::int8::kernels::{Int8Kernels, GENERIC};
use crate::ConvGeometry;

/// [`crate::int8::depthwise`]'s portable sums compiled for AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn depthwise_portable_avx2(
    plane: &[i8],
    w: usize,
    g: &ConvGeometry,
    k: &[i8],
    outw: usize,
    sums: &mut [i32],
) {
    crate::int8::depthwise::depthwise_portable(plane, w, g, k, outw, sums)
}

/// [`crate::int8::innerproduct::dot_rows`]'s portable dot products compiled
/// for AVX2 (LLVM turns them into `vpmaddwd` on sign-extended bytes).
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn dot_rows_avx2(w: &[i8], n: usize, x: &[i8], out: &mut [i32]) {
    crate::int8::innerproduct::dot_rows_portable(w, n, x, out, 0)
}

/// [`crate::int8::gemm::pack_panel_blocks`] with the AVX2 layout's packer.
///
/// # Safety
/// As [`crate::int8::kernels::PackPanelFn`] (SSE2 is part of x86-64).
unsafe fn pack_panel_pairs(bk: &[i8], ld: usize, k: usize, n: usize, n0: usize, panel: &mut [i8]) {
    // SAFETY: the packer reads 16 bytes of 16 rows spaced `ld` and writes
    // 256 bytes, what pack_panel_blocks asserts for nr = 16.
    let block = |s: *const i8, ld: usize, d: *mut i8| unsafe { gemm::pack_k16x16_pairs(s, ld, d) };
    // SAFETY: the block packer needs only SSE2.
    unsafe { crate::int8::gemm::pack_panel_blocks(16, bk, ld, k, n, n0, panel, block) }
}

/// [`crate::int8::gemm::pack_panel_blocks`] with the VNNI layout's packer.
///
/// # Safety
/// As [`crate::int8::kernels::PackPanelFn`] (SSE2 is part of x86-64).
unsafe fn pack_panel_quads(bk: &[i8], ld: usize, k: usize, n: usize, n0: usize, panel: &mut [i8]) {
    // SAFETY: the packer reads 32 bytes of 16 rows spaced `ld` and writes
    // 512 bytes, what pack_panel_blocks asserts for nr = 32.
    let block =
        |s: *const i8, ld: usize, d: *mut i8| unsafe { gemm::pack_k16x32_biased_quads(s, ld, d) };
    // SAFETY: the block packer needs only SSE2.
    unsafe { crate::int8::gemm::pack_panel_blocks(32, bk, ld, k, n, n0, panel, block) }
}

/// The x86 pair-interleaved int16 GEMM kernels for one tile width, the
/// type of `Int8Kernels::gemm16`.
macro_rules! gemm16_lanes {
    ($(#[$attr:meta])* $name:ident, $kernel:path, $lanes:literal) => {
        /// # Safety
        /// As the kernel's, with this number of lanes.
        $(#[$attr])*
        unsafe fn $name(
            u: *const i16,
            ustride: usize,
            v: *const i16,
            vstride: usize,
            k: usize,
            c: *mut i32,
            positions: usize,
        ) {
            // SAFETY: the caller's contract is the kernel's.
            unsafe { $kernel(u, ustride, v, vstride, k, $lanes, c, positions) }
        }
    };
}
gemm16_lanes!(
    #[target_feature(enable = "avx2")]
    gemm16_avx2_4,
    winograd::gemm16_pairs_avx2,
    4
);
gemm16_lanes!(
    #[target_feature(enable = "avx2")]
    gemm16_avx2_8,
    winograd::gemm16_pairs_avx2,
    8
);
gemm16_lanes!(gemm16_vnni_4, winograd::gemm16_pairs_vnni, 4);
gemm16_lanes!(gemm16_vnni_8, winograd::gemm16_pairs_vnni, 8);

/// [`winograd::output_transform_avx2`] of F(`M`,3) on the pointers of
/// `Int8Kernels::output_transform` (all 8 lanes).
///
/// # Safety
/// The CPU must have AVX2; `c`: `(positions − 1)·cstride + 8` values, `y`:
/// `(M² − 1)·ystride + 8` (what `int8::winograd::output_transform_with`
/// asserts).
#[target_feature(enable = "avx2")]
unsafe fn output_transform<const M: usize>(
    c: *const i32,
    cstride: usize,
    y: *mut i32,
    ystride: usize,
    _halves: usize,
) {
    let positions = (M + 2) * (M + 2);
    // SAFETY: the extents of the contract; AVX2 per the contract.
    unsafe {
        let c = std::slice::from_raw_parts(c, (positions - 1) * cstride + LANES);
        let y = std::slice::from_raw_parts_mut(y, (M * M - 1) * ystride + LANES);
        winograd::output_transform_avx2(M, c, cstride, y, ystride)
    }
}

fn avx2(f: &crate::cpu::CpuFeatures) -> bool {
    f.avx2_fma
}

fn avx512vnni(f: &crate::cpu::CpuFeatures) -> bool {
    f.avx512vnni && f.avx2_fma
}

/// x86-64 AVX2 int8: `vpmaddwd` GEMM on int16 A panels, the pair-interleaved
/// Winograd GEMM, AVX2 quantization, and the portable loops compiled for AVX2.
pub(crate) static X86_AVX2_INT8: Int8Kernels = Int8Kernels {
    name: "x86-avx2",
    runs_on: avx2,
    layout: GemmLayout::AVX2,
    gemm_tile: gemm::gemm_4x16_avx2,
    pack_b_panel: Some(pack_panel_pairs),
    quantize: quantize::quantize,
    dequantize: quantize::dequantize,
    dequantize_i32: quantize::dequantize_i32,
    requantize_i32: quantize::requantize_i32,
    dot_rows: dot_rows_avx2,
    dw_sums: depthwise_portable_avx2,
    wino_rows: 4,
    wino_pairs: true,
    gemm16: [[Some(gemm16_avx2_4), Some(gemm16_avx2_8)], [None, None]],
    gather: winograd::gather_avx2,
    input_transform_pair: Some(winograd::input_transform_pair_avx2),
    output_transform: [output_transform::<2>, output_transform::<4>],
    ungather: winograd::ungather_avx2,
    ..GENERIC
};

/// x86-64 AVX-512 VNNI int8: `vpdpbusd` GEMM (6×32 tiles) and `vpdpwssd`
/// Winograd GEMM, the AVX2 kernels for the rest. With an int8 dot product,
/// the GEMM also takes the layers Winograd would.
pub(crate) static X86_AVX512_VNNI_INT8: Int8Kernels = Int8Kernels {
    name: "x86-avx512-vnni",
    runs_on: avx512vnni,
    layout: GemmLayout::VNNI,
    gemm_tile: gemm::gemm_6x32_vnni,
    pack_b_panel: Some(pack_panel_quads),
    gemm16: [[Some(gemm16_vnni_4), Some(gemm16_vnni_8)], [None, None]],
    dot_product: true,
    ..X86_AVX2_INT8
};
