//! The fp32 kernel family: micro-kernel sets, one per CPU family, chosen
//! once at run time through the registry ([`crate::ops()`]`.fp32()`).
//!
//! A [`Fp32Kernels`] is a table of function pointers plus the shapes the
//! packing depends on (`mr`, `nr`, `lanes`): a prepared convolution packs its
//! weights for one set and keeps using it. The portable sets live here; each
//! platform module (`crate::arm32`, `crate::arm64`, `crate::x86`) holds its
//! own and plugs them into the registry. Every architecture set has a
//! *portable twin* ([`KernelSet::portable_twin`]): the same shapes with the
//! portable code, so tests run each kernel against the generic one on
//! identical packings.
//!
//! The fields are crate-private and the sets are crate-private statics: a
//! `&'static Fp32Kernels` outside this crate comes from the registry or from
//! [`KernelSet::available`], so it runs on this CPU, and the safe functions
//! that take one ([`crate::fp32::Conv2dF32::with_kernels`], …) call its
//! `unsafe` micro-kernels without checking again.

use crate::cpu::CpuFeatures;
use crate::generic::fp32 as g;
use crate::generic::fp32::winograd::{self as gw, WinoInFn, WinoOutFn};
use crate::ops::KernelSet;

/// `(k, a, b, ldb, c, ldc, bias, relu)`: one `MR × NR` tile of
/// `C = relu?(bias + A·B)`, see [`crate::generic::fp32::gemm_tile`].
pub type GemmFn =
    unsafe fn(usize, *const f32, *const f32, usize, *mut f32, usize, *const f32, bool);
/// `(src, w, k, bias, out, outw, outh, relu)`: depthwise 3×3 of one plane,
/// see [`crate::generic::fp32::dw3x3s1`].
pub type DwFn = unsafe fn(&[f32], usize, &[f32; 9], f32, &mut [f32], usize, usize, bool);
/// `(src, w, k, bias, out, outw, outh, relu)`: depthwise 5×5 of one plane,
/// see [`crate::generic::fp32::dw5x5`].
pub type Dw5Fn = unsafe fn(&[f32], usize, &[f32; 25], f32, &mut [f32], usize, usize, bool);
/// `(w, x, bias, out)`: `out[r] = bias[r] + w[r]·x`, see [`crate::generic::fp32::gemv`].
pub type GemvFn = unsafe fn(&[f32], &[f32], Option<&[f32]>, &mut [f32]);
/// `(base, kofs, stride, dst)`: packs an `nr`-column im2col panel whose pixels
/// share one output row (row `p` = every `stride`-th float from `base + kofs[p]`).
pub type PackIm2colFn = unsafe fn(*const f32, &[usize], usize, *mut f32);

/// The fp32 kernels of one CPU family (see the module doc: only this crate
/// builds one).
#[derive(Clone, Copy)]
pub struct Fp32Kernels {
    pub(crate) name: &'static str,
    /// The availability predicate: every kernel below runs on a CPU with
    /// these features.
    pub(crate) runs_on: fn(&CpuFeatures) -> bool,
    /// Rows of the main GEMM micro-kernel (rows of a packed A panel).
    pub(crate) mr: usize,
    /// Rows of the small micro-kernel, for the last panels of a matrix.
    pub(crate) mr_small: usize,
    /// Columns of a GEMM tile (pixels or Winograd tiles; a packed B panel).
    pub(crate) nr: usize,
    pub(crate) gemm: GemmFn,
    pub(crate) gemm_small: GemmFn,
    /// Tiles per Winograd transform call (divides `nr`); also the width of
    /// the narrow micro-kernels below.
    pub(crate) lanes: usize,
    /// `mr × lanes` and `mr_small × lanes` kernels for a last column panel
    /// that is at most `lanes` wide (half the work of a padded full panel).
    pub(crate) gemm_narrow: GemmFn,
    pub(crate) gemm_narrow_small: GemmFn,
    /// Winograd input transforms, F(6,3), F(4,3), F(2,3).
    pub(crate) wino_in: [WinoInFn; 3],
    /// Winograd output transforms, F(6,3), F(4,3), F(2,3).
    pub(crate) wino_out: [WinoOutFn; 3],
    pub(crate) dw3x3s1: DwFn,
    pub(crate) dw3x3s2: DwFn,
    pub(crate) dw5x5s1: Dw5Fn,
    pub(crate) dw5x5s2: Dw5Fn,
    pub(crate) gemv: GemvFn,
    /// Packs full one-row im2col panels of stride 1 or 2 (`None`: portable code).
    pub(crate) pack_im2col: Option<PackIm2colFn>,
    /// Cost of the Winograd input and output transforms of one tile and one
    /// channel, F(6,3), F(4,3), F(2,3), in multiply-adds of this set's GEMM
    /// (measured; used by [`crate::fp32::conv::select_algo_for`]).
    pub(crate) wino_cost: [[u32; 2]; 3],
    /// Cost of streaming one weight from memory, in multiply-adds of this
    /// set's GEMM (Winograd's transformed weights are big; see
    /// [`crate::fp32::conv::select_algo_for`]).
    pub(crate) weight_read_cost: u32,
}

impl std::fmt::Debug for Fp32Kernels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}x{} / {}x{}, {} lanes)",
            self.name, self.mr, self.nr, self.mr_small, self.nr, self.lanes
        )
    }
}

impl PartialEq for Fp32Kernels {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
    }
}

#[allow(clippy::too_many_arguments)]
unsafe fn dw3x3s1_generic(
    src: &[f32],
    w: usize,
    k: &[f32; 9],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw3x3s1::<false>(src, w, k, bias, out, outw, outh, relu)
}

#[allow(clippy::too_many_arguments)]
unsafe fn dw3x3s2_generic(
    src: &[f32],
    w: usize,
    k: &[f32; 9],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw3x3s2::<false>(src, w, k, bias, out, outw, outh, relu)
}

#[allow(clippy::too_many_arguments)]
unsafe fn dw5x5s1_generic(
    src: &[f32],
    w: usize,
    k: &[f32; 25],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw5x5::<1, false>(src, w, k, bias, out, outw, outh, relu)
}

#[allow(clippy::too_many_arguments)]
unsafe fn dw5x5s2_generic(
    src: &[f32],
    w: usize,
    k: &[f32; 25],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw5x5::<2, false>(src, w, k, bias, out, outw, outh, relu)
}

unsafe fn gemv_generic(w: &[f32], x: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    g::gemv::<false>(w, x, bias, out)
}

/// The predicate of the portable sets: they run everywhere.
pub(crate) fn everywhere(_: &CpuFeatures) -> bool {
    true
}

/// Portable 6×8 (4×8) GEMM, 4-lane transforms: the default set, and the twin of the armv7 set.
pub(crate) static GENERIC_6X8: Fp32Kernels = Fp32Kernels {
    name: "generic-6x8",
    runs_on: everywhere,
    mr: 6,
    mr_small: 4,
    nr: 8,
    gemm: g::gemm_6x8_generic,
    gemm_small: g::gemm_4x8_generic,
    lanes: 4,
    gemm_narrow: g::gemm_6x4_generic,
    gemm_narrow_small: g::gemm_4x4_generic,
    wino_in: [
        gw::input63_4_generic,
        gw::input43_4_generic,
        gw::input23_4_generic,
    ],
    wino_out: [
        gw::output63_4_generic,
        gw::output43_4_generic,
        gw::output23_4_generic,
    ],
    dw3x3s1: dw3x3s1_generic,
    dw3x3s2: dw3x3s2_generic,
    dw5x5s1: dw5x5s1_generic,
    dw5x5s2: dw5x5s2_generic,
    gemv: gemv_generic,
    pack_im2col: None,
    wino_cost: [[600, 520], [380, 250], [115, 90]],
    weight_read_cost: 2,
};

/// Portable 8×12 (4×12), 4 lanes: the twin of the aarch64 set.
pub(crate) static GENERIC_8X12: Fp32Kernels = Fp32Kernels {
    name: "generic-8x12",
    mr: 8,
    mr_small: 4,
    nr: 12,
    gemm: g::gemm_8x12_generic,
    gemm_small: g::gemm_4x12_generic,
    lanes: 4,
    gemm_narrow: g::gemm_8x4_generic,
    gemm_narrow_small: g::gemm_4x4_generic,
    ..GENERIC_6X8
};

/// Portable 6×16 (4×16), 8 lanes: the twin of the x86-64 AVX2 set.
pub(crate) static GENERIC_6X16: Fp32Kernels = Fp32Kernels {
    name: "generic-6x16",
    mr: 6,
    mr_small: 4,
    nr: 16,
    gemm: g::gemm_6x16_generic,
    gemm_small: g::gemm_4x16_generic,
    lanes: 8,
    gemm_narrow: g::gemm_6x8_narrow_generic,
    gemm_narrow_small: g::gemm_4x8_narrow_generic,
    wino_in: [
        gw::input63_8_generic,
        gw::input43_8_generic,
        gw::input23_8_generic,
    ],
    wino_out: [
        gw::output63_8_generic,
        gw::output43_8_generic,
        gw::output23_8_generic,
    ],
    ..GENERIC_6X8
};

/// Portable 12×16 (8×16), 8 lanes: the twin of the x86-64 AVX-512 set.
pub(crate) static GENERIC_12X16: Fp32Kernels = Fp32Kernels {
    name: "generic-12x16",
    mr: 12,
    mr_small: 8,
    gemm: g::gemm_12x16_generic,
    gemm_small: g::gemm_8x16_generic,
    gemm_narrow: g::gemm_12x8_generic,
    gemm_narrow_small: g::gemm_8x8_generic,
    ..GENERIC_6X16
};

/// The portable sets, the first the registry's default.
pub(crate) const PORTABLE: [&Fp32Kernels; 4] =
    [&GENERIC_6X8, &GENERIC_8X12, &GENERIC_6X16, &GENERIC_12X16];

impl Fp32Kernels {
    /// Rows of the main GEMM micro-kernel (rows of a packed A panel).
    pub fn mr(&self) -> usize {
        self.mr
    }

    /// Rows of the small micro-kernel, for the last panels of a matrix.
    pub fn mr_small(&self) -> usize {
        self.mr_small
    }

    /// Columns of a GEMM tile (a packed B panel).
    pub fn nr(&self) -> usize {
        self.nr
    }

    /// Tiles per Winograd transform call.
    pub fn lanes(&self) -> usize {
        self.lanes
    }

    /// The micro-kernel for `mr` rows (`mr` or `mr_small`) and `width` columns (`nr` or `lanes`).
    pub(crate) fn gemm_for(&self, mr: usize, width: usize) -> GemmFn {
        match (mr == self.mr, width == self.nr) {
            (true, true) => self.gemm,
            (false, true) => self.gemm_small,
            (true, false) => self.gemm_narrow,
            (false, false) => self.gemm_narrow_small,
        }
    }
}

impl KernelSet for Fp32Kernels {
    fn name(&self) -> &'static str {
        self.name
    }

    fn runs_on(&self, f: &CpuFeatures) -> bool {
        (self.runs_on)(f)
    }

    fn portable_twin(&self) -> &'static Fp32Kernels {
        PORTABLE
            .into_iter()
            .find(|g| {
                g.mr == self.mr
                    && g.mr_small == self.mr_small
                    && g.nr == self.nr
                    && g.lanes == self.lanes
            })
            .expect("every kernel set has a portable twin")
    }

    fn available() -> Vec<&'static Fp32Kernels> {
        crate::ops::available()
    }
}
