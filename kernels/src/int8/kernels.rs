//! The int8 kernel family: [`Int8Kernels`], one table of micro-kernels per
//! CPU family (portable, armv7 NEON, aarch64 NEON and `sdot`, x86-64 AVX2
//! and AVX-512 VNNI), chosen once through the registry
//! ([`crate::ops()`]`.int8()`); the portable table lives here, the others in
//! the platform modules (`crate::arm32::int8`, `crate::arm64::int8`,
//! `crate::x86::int8`), which plug them in.
//!
//! Every entry is a function pointer of a type below, or a layout constant.
//! The operations of [`crate::int8`] (`gemm`, `winograd`, `depthwise`,
//! `quantize`, `innerproduct`) check the extents and call through the table:
//! the per-ISA choice of a kernel lives in that ISA's table rather than in a
//! `match` in every operation. An `Option` entry is a kernel only some ISAs
//! have; the operation then runs the portable code (or a portable strategy)
//! for the others.
//!
//! The entries sit at the granularity of the calls the kernels had when they
//! were selected by a `match`: where an `asm!` kernel is small and called in
//! a loop (a 16×8 B block, an 8-tile Winograd chunk), the table holds the
//! loop (monomorphised for that kernel from a shared `#[inline(always)]`
//! strategy, see `int8::gemm::pack_chunk_blocks`), so the kernel stays
//! inlined and no call (with its register saves) is added per block.
//!
//! Every function type is `unsafe`: calling one is sound when the CPU runs
//! the table it came from (the table is the token for that: see
//! [`crate::ops`]) and the pointers and slices have the extents the calling
//! operation asserts (named at each type).

use crate::cpu::CpuFeatures;
use crate::generic::int8::gemm::{self as ggemm, GemmLayout};
use crate::generic::int8::quantize as gq;
use crate::generic::int8::winograd::{self as gw, TileGrid, LANES};
use crate::ops::KernelSet;
use crate::{Activation, ConvGeometry};

/// `(a, b, kp, c, ldc)`: one `mr × nr` tile, [`crate::int8::gemm::gemm_tile`].
pub type TileFn = unsafe fn(*const i8, *const i8, usize, *mut i32, usize);
/// `(a, b, kp, c, ldc, panels)`: the tiles of `panels` consecutive B panels,
/// [`crate::int8::gemm::gemm_row`].
pub type RowFn = unsafe fn(*const i8, *const i8, usize, *mut i32, usize, usize);
/// `(b, ld, k, n0, kp, chunk) -> blocks`: the whole 16-`k` blocks (and a last
/// partial one) of the 8-column chunk from column `n0` of the k-major `b`;
/// returns how many blocks it wrote (`int8::gemm::pack_b`).
pub type PackChunkFn = unsafe fn(&[i8], usize, usize, usize, usize, &mut [i8]) -> usize;
/// `(b, ld, k, n, n0, panel)`: columns `n0 .. n0 + nr` of the k-major `k ×
/// n` matrix `b` into one whole x86 B panel (`int8::gemm::pack_b`).
pub type PackPanelFn = unsafe fn(&[i8], usize, usize, usize, usize, &mut [i8]);
/// `(src, dst, blocks)`: `dst[j] = src[2j]` for `j < 8·blocks`.
pub type CopyStride2Fn = unsafe fn(*const i8, *mut i8, usize);
/// `(src, step, dst, outw, rows)`: `dst[i·outw + j] = src[i·step + 2j]`.
pub type CopyRowsStride2Fn = unsafe fn(*const i8, usize, *mut i8, usize, usize);
/// [`crate::int8::quantize::quantize_with`].
pub type QuantizeFn = unsafe fn(&[f32], f32, &mut [i8]);
/// [`crate::int8::quantize::dequantize_with`] (`inv` = 1 / scale).
pub type DequantizeFn = unsafe fn(&[i8], f32, &mut [f32]);
/// [`crate::int8::quantize::dequantize_i32_with`].
pub type DequantizeI32Fn = unsafe fn(&[i32], f32, f32, Activation, &mut [f32]);
/// [`crate::int8::quantize::requantize_i32_with`].
pub type RequantizeI32Fn = unsafe fn(&[i32], f32, f32, Activation, f32, &mut [i8]);
/// `(w, ldw, x, kblocks, out)`: 4 rows' dot products over `16·kblocks`
/// inputs ([`crate::int8::innerproduct::dot_rows`]).
pub type Dot4Fn = unsafe fn(*const i8, usize, *const i8, usize, *mut i32);
/// `(w, n, x, out)`: every row's dot product.
pub type DotRowsFn = unsafe fn(&[i8], usize, &[i8], &mut [i32]);
/// `(src, w, k, out, ostride, blocks, rows)`: depthwise 3×3 rows of blocks
/// of 8 outputs ([`crate::int8::depthwise::depthwise_sums`]).
pub type DwRowsFn = unsafe fn(*const i8, usize, *const i8, *mut i32, usize, usize, usize);
/// `(plane, w, geometry, k, outw, sums)`: a depthwise channel's sums, tap by tap.
pub type DwSumsFn = unsafe fn(&[i8], usize, &ConvGeometry, &[i8], usize, &mut [i32]);
/// `(u, ustride, v, vstride, k, c, positions)`: int16 GEMM tiles of one
/// shape ([`crate::int8::winograd::gemm16_positions`]).
pub type Gemm16Fn = unsafe fn(*const i16, usize, *const i16, usize, usize, *mut i32, usize);
/// [`crate::int8::winograd::gemm16_12x4_positions`] after its asserts.
pub type Gemm16PairFn =
    unsafe fn(&[i16], usize, usize, &[i16], usize, usize, &mut [i32], &mut [i32], usize);
/// [`crate::int8::winograd::gather_with`].
pub type GatherFn = unsafe fn(&TileGrid, &[i8], &mut [i8]);
/// `(d, slots, v, vstride, lanes)`: [`crate::int8::winograd::input_transform_with`].
pub type InputTransformFn = unsafe fn(*const i8, usize, *mut i16, usize, usize);
/// [`crate::int8::winograd::input_transform_pair_with`].
pub type InputPairFn = unsafe fn(usize, &[i8], Option<&[i8]>, usize, &mut [i16], usize, usize);
/// `(c, cstride, y, ystride, halves)`: [`crate::int8::winograd::output_transform_with`]
/// (`halves`: how many 4-tile halves are needed, 1 or 2; a kernel may
/// transform both).
pub type OutputTransformFn = unsafe fn(*const i32, usize, *mut i32, usize, usize);
/// [`crate::int8::winograd::ungather_with`].
pub type UngatherFn = unsafe fn(&TileGrid, &[i32], &mut [i32]);
/// `(grid, y, out, outw)`: [`crate::int8::winograd::ungather_cropped_with`].
pub type UngatherCroppedFn = unsafe fn(&TileGrid, &[i32], &mut [i32], usize);

/// The int8 kernels of one CPU family (see the module doc; only this crate
/// builds one).
#[derive(Clone, Copy)]
pub struct Int8Kernels {
    pub(crate) name: &'static str,
    /// The availability predicate: every kernel below runs on a CPU with
    /// these features.
    pub(crate) runs_on: fn(&CpuFeatures) -> bool,

    // GEMM (`int8::gemm`).
    /// The panel layout the GEMM kernels read.
    pub(crate) layout: GemmLayout,
    pub(crate) gemm_tile: TileFn,
    /// A row of tiles in one call (`None`: a tile at a time).
    pub(crate) gemm_row: Option<RowFn>,
    /// One column of a tile (`b` at the column's first 16-`k` group), for a
    /// matrix's last 1 or 2 columns (`None`: a whole tile into a temporary).
    pub(crate) gemm_col: Option<TileFn>,
    /// Packs whole 8-column chunks of B (`None`: portable packing).
    pub(crate) pack_b_chunk: Option<PackChunkFn>,
    /// Packs whole x86 B panels (then `pack_b_chunk` is `None`).
    pub(crate) pack_b_panel: Option<PackPanelFn>,
    /// Stride-2 im2col rows (`None`: portable copies).
    pub(crate) copy_stride2: Option<CopyStride2Fn>,
    pub(crate) copy_rows_stride2: Option<CopyRowsStride2Fn>,

    // Quantization and the output stage (`int8::quantize`).
    pub(crate) quantize: QuantizeFn,
    pub(crate) dequantize: DequantizeFn,
    pub(crate) dequantize_i32: DequantizeI32Fn,
    pub(crate) requantize_i32: RequantizeI32Fn,

    // Inner product (`int8::innerproduct`).
    /// 4 rows × 16 inputs per step (`None`: `dot_rows` for every row).
    pub(crate) dot4: Option<Dot4Fn>,
    /// The rows `dot4` leaves (all rows without it).
    pub(crate) dot_rows: DotRowsFn,

    // Depthwise (`int8::depthwise`).
    /// 3×3 rows of blocks of 8, stride 1 and stride 2 (`None`: `dw_sums`).
    pub(crate) dw3x3_rows: Option<[DwRowsFn; 2]>,
    /// Every other shape.
    pub(crate) dw_sums: DwSumsFn,

    // Winograd (`int8::winograd`).
    /// Output channels per int16 GEMM tile: 4, or 6 (`gemm16[1]`).
    pub(crate) wino_rows: usize,
    /// Whether the int16 GEMM reads its operands pair-interleaved
    /// (`vpmaddwd`); then `input_transform_pair` is set.
    pub(crate) wino_pairs: bool,
    /// `[rows 4, rows 6][lanes 4, lanes 8]` (`None`: the portable tiles).
    pub(crate) gemm16: [[Option<Gemm16Fn>; 2]; 2],
    /// Two blocks of 6 rows × 4 tiles at once (`None`: the portable tiles).
    pub(crate) gemm16_12x4: Option<Gemm16PairFn>,
    pub(crate) gather: GatherFn,
    /// F(2,3), F(4,3).
    pub(crate) input_transform: [InputTransformFn; 2],
    pub(crate) input_transform_pair: Option<InputPairFn>,
    /// F(2,3), F(4,3).
    pub(crate) output_transform: [OutputTransformFn; 2],
    pub(crate) ungather: UngatherFn,
    /// Un-gathers straight into rows of the map's width (`None`: un-gather,
    /// then crop).
    pub(crate) ungather_cropped: Option<UngatherCroppedFn>,

    /// Whether the GEMM multiplies int8 by int8 products in one instruction
    /// (`sdot`, `vpdpbusd`): then GEMM beats Winograd's int16 multiplies
    /// ([`crate::int8::choose_int8_algo_for`]).
    pub(crate) dot_product: bool,
}

impl std::fmt::Debug for Int8Kernels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (int8, {}×{} tiles)",
            self.name, self.layout.mr, self.layout.nr
        )
    }
}

impl PartialEq for Int8Kernels {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
    }
}

impl Eq for Int8Kernels {}

impl Int8Kernels {
    /// The panel layout the GEMM micro-kernels read: weights packed for one
    /// kernel object run only on it.
    pub fn layout(&self) -> GemmLayout {
        self.layout
    }

    /// Whether the GEMM has an int8 dot-product instruction (aarch64 `sdot`,
    /// AVX-512 VNNI `vpdpbusd`).
    pub fn has_dot_product(&self) -> bool {
        self.dot_product
    }
}

impl KernelSet for Int8Kernels {
    fn name(&self) -> &'static str {
        self.name
    }

    fn runs_on(&self, f: &CpuFeatures) -> bool {
        (self.runs_on)(f)
    }

    /// The portable table (every int8 operation gives the same bytes on
    /// every table, whatever the layouts).
    fn portable_twin(&self) -> &'static Int8Kernels {
        &GENERIC
    }

    fn available() -> Vec<&'static Int8Kernels> {
        crate::ops::available()
    }
}

/// The portable GEMM tile in the [`GemmLayout::K16`] layout.
///
/// # Safety
/// `a`: a K16 A panel of `4·kp` bytes, `b`: a B panel of `4·kp`, `c`: 4
/// rows of 4 at stride `ldc` (what `int8::gemm::gemm_tile` asserts).
unsafe fn gemm_tile_k16(a: *const i8, b: *const i8, kp: usize, c: *mut i32, ldc: usize) {
    let l = GemmLayout::K16;
    // SAFETY: the extents of the contract.
    let (a, b, c) = unsafe {
        (
            std::slice::from_raw_parts(a, l.a_panel_bytes(kp)),
            std::slice::from_raw_parts(b, l.nr * kp),
            std::slice::from_raw_parts_mut(c, (l.mr - 1) * ldc + l.nr),
        )
    };
    ggemm::gemm_tile(l, a, b, kp, c, ldc)
}

/// The portable input transform of F(`M`,3).
///
/// # Safety
/// `d`: `(positions − 1)·slots + 8` bytes, `v`: `(positions − 1)·vstride +
/// lanes` values (what `int8::winograd::input_transform_with` asserts).
unsafe fn input_transform_portable<const M: usize>(
    d: *const i8,
    slots: usize,
    v: *mut i16,
    vstride: usize,
    lanes: usize,
) {
    let positions = (M + 2) * (M + 2);
    // SAFETY: the extents of the contract.
    let (d, v) = unsafe {
        (
            std::slice::from_raw_parts(d, (positions - 1) * slots + LANES),
            std::slice::from_raw_parts_mut(v, (positions - 1) * vstride + lanes),
        )
    };
    gw::input_transform(M, d, slots, v, vstride, lanes)
}

/// The portable output transform of F(`M`,3) (all 8 lanes).
///
/// # Safety
/// `c`: `(positions − 1)·cstride + 8` values, `y`: `(M² − 1)·ystride + 8`
/// (what `int8::winograd::output_transform_with` asserts).
unsafe fn output_transform_portable<const M: usize>(
    c: *const i32,
    cstride: usize,
    y: *mut i32,
    ystride: usize,
    _halves: usize,
) {
    let positions = (M + 2) * (M + 2);
    // SAFETY: the extents of the contract.
    let (c, y) = unsafe {
        (
            std::slice::from_raw_parts(c, (positions - 1) * cstride + LANES),
            std::slice::from_raw_parts_mut(y, (M * M - 1) * ystride + LANES),
        )
    };
    gw::output_transform(M, c, cstride, y, ystride)
}

fn dot_rows_portable(w: &[i8], n: usize, x: &[i8], out: &mut [i32]) {
    super::innerproduct::dot_rows_portable(w, n, x, out, 0)
}

fn dw_sums_portable(
    plane: &[i8],
    w: usize,
    g: &ConvGeometry,
    k: &[i8],
    outw: usize,
    sums: &mut [i32],
) {
    super::depthwise::depthwise_portable(plane, w, g, k, outw, sums)
}

/// The portable kernels: the reference every other table is tested against
/// (bit for bit), and the kernels of CPUs without a specialised table.
pub(crate) static GENERIC: Int8Kernels = Int8Kernels {
    name: "generic",
    runs_on: crate::fp32::kernels::everywhere,
    layout: GemmLayout::K16,
    gemm_tile: gemm_tile_k16,
    gemm_row: None,
    gemm_col: None,
    pack_b_chunk: None,
    pack_b_panel: None,
    copy_stride2: None,
    copy_rows_stride2: None,
    quantize: gq::quantize,
    dequantize: gq::dequantize,
    dequantize_i32: gq::dequantize_i32,
    requantize_i32: gq::requantize_i32,
    dot4: None,
    dot_rows: dot_rows_portable,
    dw3x3_rows: None,
    dw_sums: dw_sums_portable,
    wino_rows: 4,
    wino_pairs: false,
    gemm16: [[None; 2]; 2],
    gemm16_12x4: None,
    gather: gw::gather,
    input_transform: [input_transform_portable::<2>, input_transform_portable::<4>],
    input_transform_pair: None,
    output_transform: [
        output_transform_portable::<2>,
        output_transform_portable::<4>,
    ],
    ungather: gw::ungather,
    ungather_cropped: None,
    dot_product: false,
};
