//! The fp32 micro-kernel sets, one per CPU family, chosen once at run time.
//!
//! A [`Fp32Kernels`] is a table of function pointers plus the shapes the
//! packing depends on (`mr`, `nr`, `lanes`): a prepared convolution packs its
//! weights for one set and keeps using it. Every architecture set has a
//! *portable twin* ([`Fp32Kernels::portable_twin`]): the same shapes with the
//! portable code, so tests run each kernel against the generic one on
//! identical packings.

use crate::cpu;
use crate::generic::fp32 as g;
use crate::generic::fp32::winograd::{self as gw, WinoInFn, WinoOutFn};

/// `(k, a, b, ldb, c, ldc, bias, relu)`: one `MR × NR` tile of
/// `C = relu?(bias + A·B)`, see [`crate::generic::fp32::gemm_tile`].
pub type GemmFn =
    unsafe fn(usize, *const f32, *const f32, usize, *mut f32, usize, *const f32, bool);
/// `(src, w, k, bias, out, outw, outh, relu)`: depthwise 3×3 of one plane,
/// see [`crate::generic::fp32::dw3x3s1`].
pub type DwFn = unsafe fn(&[f32], usize, &[f32; 9], f32, &mut [f32], usize, usize, bool);
/// `(w, x, bias, out)`: `out[r] = bias[r] + w[r]·x`, see [`crate::generic::fp32::gemv`].
pub type GemvFn = unsafe fn(&[f32], &[f32], Option<&[f32]>, &mut [f32]);
/// `(base, kofs, stride, dst)`: packs an `nr`-column im2col panel whose pixels
/// share one output row (row `p` = every `stride`-th float from `base + kofs[p]`).
pub type PackIm2colFn = unsafe fn(*const f32, &[usize], usize, *mut f32);

/// The fp32 kernels of one CPU family.
#[derive(Clone, Copy)]
pub struct Fp32Kernels {
    pub name: &'static str,
    /// Rows of the main GEMM micro-kernel (rows of a packed A panel).
    pub mr: usize,
    /// Rows of the small micro-kernel, for the last panels of a matrix.
    pub mr_small: usize,
    /// Columns of a GEMM tile (pixels or Winograd tiles; a packed B panel).
    pub nr: usize,
    pub gemm: GemmFn,
    pub gemm_small: GemmFn,
    /// Tiles per Winograd transform call (divides `nr`); also the width of
    /// the narrow micro-kernels below.
    pub lanes: usize,
    /// `mr × lanes` and `mr_small × lanes` kernels for a last column panel
    /// that is at most `lanes` wide (half the work of a padded full panel).
    pub gemm_narrow: GemmFn,
    pub gemm_narrow_small: GemmFn,
    /// Winograd input transforms, F(6,3), F(4,3), F(2,3).
    pub wino_in: [WinoInFn; 3],
    /// Winograd output transforms, F(6,3), F(4,3), F(2,3).
    pub wino_out: [WinoOutFn; 3],
    pub dw3x3s1: DwFn,
    pub dw3x3s2: DwFn,
    pub gemv: GemvFn,
    /// Packs full one-row im2col panels of stride 1 or 2 (`None`: portable code).
    pub pack_im2col: Option<PackIm2colFn>,
    /// Cost of the Winograd input and output transforms of one tile and one
    /// channel, F(6,3), F(4,3), F(2,3), in multiply-adds of this set's GEMM
    /// (measured; used by [`crate::fp32::conv::select_algo_for`]).
    pub wino_cost: [[u32; 2]; 3],
    /// Cost of streaming one weight from memory, in multiply-adds of this
    /// set's GEMM (Winograd's transformed weights are big; see
    /// [`crate::fp32::conv::select_algo_for`]).
    pub weight_read_cost: u32,
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

unsafe fn gemv_generic(w: &[f32], x: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    g::gemv::<false>(w, x, bias, out)
}

/// Portable 6×8 (4×8) GEMM, 4-lane transforms: the default set, and the twin of the armv7 set.
pub static GENERIC_6X8: Fp32Kernels = Fp32Kernels {
    name: "generic-6x8",
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
    gemv: gemv_generic,
    pack_im2col: None,
    wino_cost: [[600, 520], [380, 250], [115, 90]],
    weight_read_cost: 2,
};

/// Portable 8×12 (4×12), 4 lanes: the twin of the aarch64 set.
pub static GENERIC_8X12: Fp32Kernels = Fp32Kernels {
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
pub static GENERIC_6X16: Fp32Kernels = Fp32Kernels {
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

/// x86-64 with AVX2 + FMA: the portable kernels recompiled for 256-bit vectors.
#[cfg(target_arch = "x86_64")]
pub static X86_AVX2: Fp32Kernels = {
    use crate::x86::fp32 as x;
    Fp32Kernels {
        name: "x86-avx2-6x16",
        mr: 6,
        mr_small: 4,
        nr: 16,
        gemm: x::gemm_6x16_avx2,
        gemm_small: x::gemm_4x16_avx2,
        lanes: 8,
        gemm_narrow: x::gemm_6x8_avx2,
        gemm_narrow_small: x::gemm_4x8_avx2,
        wino_in: [x::input63_avx2, x::input43_avx2, x::input23_avx2],
        wino_out: [x::output63_avx2, x::output43_avx2, x::output23_avx2],
        dw3x3s1: x::dw3x3s1_avx2,
        dw3x3s2: x::dw3x3s2_avx2,
        gemv: x::gemv_avx2,
        pack_im2col: None,
        wino_cost: [[530, 530], [290, 290], [300, 300]],
        weight_read_cost: 4,
    }
};

/// x86-64 with AVX-512F: 12×16 (8×16) `asm!` GEMM micro-kernels, the AVX2 set for the rest.
#[cfg(target_arch = "x86_64")]
pub static X86_AVX512: Fp32Kernels = {
    use crate::x86::fp32::avx512 as z;
    Fp32Kernels {
        name: "x86-avx512-12x16",
        mr: 12,
        mr_small: 8,
        gemm: z::gemm_12x16_avx512,
        gemm_small: z::gemm_8x16_avx512,
        gemm_narrow: crate::x86::fp32::gemm_12x8_avx2,
        gemm_narrow_small: crate::x86::fp32::gemm_8x8_avx2,
        ..X86_AVX2
    }
};

/// Portable 12×16 (8×16), 8 lanes: the twin of the x86-64 AVX-512 set.
pub static GENERIC_12X16: Fp32Kernels = Fp32Kernels {
    name: "generic-12x16",
    mr: 12,
    mr_small: 8,
    gemm: g::gemm_12x16_generic,
    gemm_small: g::gemm_8x16_generic,
    gemm_narrow: g::gemm_12x8_generic,
    gemm_narrow_small: g::gemm_8x8_generic,
    ..GENERIC_6X16
};

/// armv7 NEON: `asm!` micro-kernels (6×8 / 4×8 GEMM, Winograd transforms, depthwise, GEMV).
#[cfg(target_arch = "arm")]
pub static ARMV7_NEON: Fp32Kernels = {
    use crate::arm32::fp32 as n;
    Fp32Kernels {
        name: "armv7-neon-6x8",
        gemm: n::gemm_6x8_neon,
        gemm_small: n::gemm_4x8_neon,
        gemm_narrow: n::gemm_6x4_neon,
        gemm_narrow_small: n::gemm_4x4_neon,
        wino_in: [n::input63_neon, n::input43_neon, n::input23_neon],
        wino_out: [n::output63_neon, n::output43_neon, n::output23_neon],
        dw3x3s1: n::dw3x3s1_neon,
        dw3x3s2: n::dw3x3s2_neon,
        gemv: n::gemv_neon,
        pack_im2col: Some(n::pack_im2col_8_neon),
        ..GENERIC_6X8
    }
};

/// aarch64 NEON: intrinsic micro-kernels (8×12 / 4×12 GEMM, Winograd
/// transforms), portable depthwise and GEMV with fused multiply-add.
#[cfg(target_arch = "aarch64")]
pub static AARCH64_NEON: Fp32Kernels = {
    use crate::arm64::fp32 as n;
    Fp32Kernels {
        name: "aarch64-neon-8x12",
        mr: 8,
        mr_small: 4,
        nr: 12,
        gemm: n::gemm_8x12_neon,
        gemm_small: n::gemm_4x12_neon,
        lanes: 4,
        gemm_narrow: n::gemm_8x4_neon,
        gemm_narrow_small: n::gemm_4x4_neon,
        wino_in: [n::input63_neon, n::input43_neon, n::input23_neon],
        wino_out: [n::output63_neon, n::output43_neon, n::output23_neon],
        dw3x3s1: n::dw3x3s1_fma,
        dw3x3s2: n::dw3x3s2_fma,
        gemv: n::gemv_fma,
        ..GENERIC_8X12
    }
};

impl Fp32Kernels {
    /// The micro-kernel for `mr` rows (`mr` or `mr_small`) and `width` columns (`nr` or `lanes`).
    pub fn gemm_for(&self, mr: usize, width: usize) -> GemmFn {
        match (mr == self.mr, width == self.nr) {
            (true, true) => self.gemm,
            (false, true) => self.gemm_small,
            (true, false) => self.gemm_narrow,
            (false, false) => self.gemm_narrow_small,
        }
    }

    /// The fastest set this CPU runs (portable under `OCTET_KERNELS=generic`).
    pub fn best() -> &'static Fp32Kernels {
        let f = cpu::features();
        #[cfg(target_arch = "arm")]
        if f.neon {
            return &ARMV7_NEON;
        }
        #[cfg(target_arch = "aarch64")]
        if f.neon {
            return &AARCH64_NEON;
        }
        #[cfg(target_arch = "x86_64")]
        if f.avx512f {
            return &X86_AVX512;
        }
        #[cfg(target_arch = "x86_64")]
        if f.avx2_fma {
            return &X86_AVX2;
        }
        let _ = f;
        &GENERIC_6X8
    }

    /// The portable set with this set's shapes (itself if it is portable).
    pub fn portable_twin(&self) -> &'static Fp32Kernels {
        [&GENERIC_6X8, &GENERIC_8X12, &GENERIC_6X16, &GENERIC_12X16]
            .into_iter()
            .find(|g| {
                g.mr == self.mr
                    && g.mr_small == self.mr_small
                    && g.nr == self.nr
                    && g.lanes == self.lanes
            })
            .expect("every kernel set has a portable twin")
    }

    /// Every set this CPU can run: the architecture sets it supports, then the portable ones.
    pub fn available() -> Vec<&'static Fp32Kernels> {
        let f = cpu::detect();
        let mut v: Vec<&'static Fp32Kernels> = Vec::new();
        #[cfg(target_arch = "arm")]
        if f.neon {
            v.push(&ARMV7_NEON);
        }
        #[cfg(target_arch = "aarch64")]
        if f.neon {
            v.push(&AARCH64_NEON);
        }
        #[cfg(target_arch = "x86_64")]
        if f.avx512f {
            v.push(&X86_AVX512);
        }
        #[cfg(target_arch = "x86_64")]
        if f.avx2_fma {
            v.push(&X86_AVX2);
        }
        let _ = f;
        v.extend([&GENERIC_6X8, &GENERIC_8X12, &GENERIC_6X16, &GENERIC_12X16]);
        v
    }

    /// True for the portable sets.
    pub fn is_portable(&self) -> bool {
        self.name.starts_with("generic")
    }
}
