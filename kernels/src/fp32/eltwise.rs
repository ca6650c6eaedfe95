//! fp32 element-wise binary operations in place (`dst = dst op src`), the
//! Eltwise layer's inner loops. The portable loops vectorise on x86 and
//! aarch64 but stay scalar on armv7 (LLVM does not vectorise fp32 there:
//! NEON is not IEEE; `f32::max` even calls libm's `fmaxf`), ~6 cost units
//! per element for a sum; the armv7 NEON loops take ~1.5. Their values are
//! the portable ones for normal numbers; subnormals flush to zero and `Max`
//! propagates NaN (ncnn's ARM Eltwise does the same).

use crate::cpu::CpuFeatures;
use crate::ops::KernelSet;

/// The operation of [`binary_in_place_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    // The discriminants index `EltwiseKernels::binary_x8`.
    Add = 0,
    Mul = 1,
    Max = 2,
}

/// `(dst, src, blocks)`: `dst[i] = dst[i] op src[i]` for `i < 8·blocks`.
pub type BinaryX8Fn = unsafe fn(*mut f32, *const f32, usize);

/// The element-wise kernels of one CPU family: SIMD blocks of 8 floats for
/// [`BinaryOp::Add`], `Mul` and `Max` (in that order), before the portable
/// loop finishes a slice (`None`: portable loops only, which LLVM
/// vectorises everywhere but on armv7). Only this crate builds one (see
/// [`crate::ops`]).
#[derive(Clone, Copy)]
pub struct EltwiseKernels {
    pub(crate) name: &'static str,
    pub(crate) runs_on: fn(&CpuFeatures) -> bool,
    pub(crate) binary_x8: Option<[BinaryX8Fn; 3]>,
}

/// The portable loops.
pub(crate) static GENERIC: EltwiseKernels = EltwiseKernels {
    name: "generic",
    runs_on: super::kernels::everywhere,
    binary_x8: None,
};

impl std::fmt::Debug for EltwiseKernels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (eltwise)", self.name)
    }
}

impl PartialEq for EltwiseKernels {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
    }
}

impl KernelSet for EltwiseKernels {
    fn name(&self) -> &'static str {
        self.name
    }

    fn runs_on(&self, f: &CpuFeatures) -> bool {
        (self.runs_on)(f)
    }

    fn portable_twin(&self) -> &'static EltwiseKernels {
        &GENERIC
    }

    fn available() -> Vec<&'static EltwiseKernels> {
        crate::ops::available()
    }
}

/// [`binary_in_place_with`] with the registry's element-wise kernels.
pub fn binary_in_place(op: BinaryOp, dst: &mut [f32], src: &[f32]) {
    binary_in_place_with(crate::ops().eltwise(), op, dst, src)
}

/// `dst[i] = dst[i] op src[i]`, by `kern`'s SIMD blocks where it has them,
/// the portable loop for the rest.
///
/// # Panics
/// If the slices differ in length.
pub fn binary_in_place_with(kern: &EltwiseKernels, op: BinaryOp, dst: &mut [f32], src: &[f32]) {
    assert_eq!(dst.len(), src.len());
    let mut done = 0;
    if let Some(x8) = kern.binary_x8 {
        let blocks = dst.len() / 8;
        if blocks > 0 {
            let f = x8[op as usize];
            // SAFETY: `kern` is a token that this CPU runs its kernels (only
            // the registry and the enumeration hand kernel objects out); both
            // slices hold 8·blocks floats.
            unsafe { f(dst.as_mut_ptr(), src.as_ptr(), blocks) }
            done = 8 * blocks;
        }
    }
    let (dst, src) = (&mut dst[done..], &src[done..]);
    match op {
        BinaryOp::Add => dst.iter_mut().zip(src).for_each(|(d, s)| *d += s),
        BinaryOp::Mul => dst.iter_mut().zip(src).for_each(|(d, s)| *d *= s),
        BinaryOp::Max => dst.iter_mut().zip(src).for_each(|(d, s)| *d = d.max(*s)),
    }
}
