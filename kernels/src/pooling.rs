//! The pooling kernel family ([`PoolKernels`]: the SIMD rows of 3×3 max
//! pooling, fp32 and int8), and the plane-level strategy shared by
//! [`crate::fp32::pooling`] and [`crate::int8::pooling`], which supply the
//! row kernel and the scratch buffer.

use crate::cpu::CpuFeatures;
use crate::ops::KernelSet;

/// `(r0, r1, r2, out, blocks)`: `blocks` × 4 fp32 outputs of a 3×3 max row
/// (see [`crate::fp32::pooling::max3x3_row_with`]).
pub type MaxRowF32Fn = unsafe fn(*const f32, *const f32, *const f32, *mut f32, usize);
/// `(r0, r1, r2, out, blocks)`: `blocks` × 16 int8 outputs of a 3×3 max row
/// (see [`crate::int8::pooling::max3x3_row_with`]).
pub type MaxRowI8Fn = unsafe fn(*const i8, *const i8, *const i8, *mut i8, usize);
/// `(r0, r1, r2, out)`: 8 int8 outputs of a 3×3 max row.
pub type Max8I8Fn = unsafe fn(*const i8, *const i8, *const i8, *mut i8);

/// The 3×3 max pooling rows of one CPU family: for stride 1 and stride 2
/// (index 0 and 1), the SIMD blocks a row runs before the portable loop
/// finishes it (`None`: portable code only). Only this crate builds one
/// (see [`crate::ops`]).
#[derive(Clone, Copy)]
pub struct PoolKernels {
    pub(crate) name: &'static str,
    pub(crate) runs_on: fn(&CpuFeatures) -> bool,
    /// fp32, 4 outputs per block.
    pub(crate) f32_x4: Option<[MaxRowF32Fn; 2]>,
    /// int8, 16 outputs per block.
    pub(crate) i8_x16: Option<[MaxRowI8Fn; 2]>,
    /// int8, one block of 8 outputs, after the 16-output blocks.
    pub(crate) i8_x8: Option<[Max8I8Fn; 2]>,
}

/// The portable rows (the slices loops of `crate::generic::*::pooling`).
pub(crate) static GENERIC: PoolKernels = PoolKernels {
    name: "generic",
    runs_on: crate::fp32::kernels::everywhere,
    f32_x4: None,
    i8_x16: None,
    i8_x8: None,
};

impl std::fmt::Debug for PoolKernels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (pooling)", self.name)
    }
}

impl PartialEq for PoolKernels {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
    }
}

impl KernelSet for PoolKernels {
    fn name(&self) -> &'static str {
        self.name
    }

    fn runs_on(&self, f: &CpuFeatures) -> bool {
        (self.runs_on)(f)
    }

    fn portable_twin(&self) -> &'static PoolKernels {
        &GENERIC
    }

    fn available() -> Vec<&'static PoolKernels> {
        crate::ops::available()
    }
}

/// Max over the 3×3 windows at stride `stride` (1 or 2, both directions) of
/// a plane `pw` wide (already padded): `outh` rows of `outw` into `out`.
///
/// Wide maps run `row(r0, r1, r2, out_row)` per output row. Narrow ones
/// (stride 1, or fewer than `long_row_below` outputs per row) would spend
/// most of each row in the scalar tail and call set-up, so they treat the
/// plane as one long row: output `(i, j)`'s window starts at input
/// `s·(i·pw + j)` in both cases, so "virtual output" `x = i·pw + j` for every
/// `x < (outh − 1)·pw + outw` is one row call over rows starting at `0`,
/// `pw` and `2·pw` (into a buffer from `with_scratch`); the `j ≥ outw` ones
/// are computed and dropped (they stay inside the plane).
///
/// # Panics
/// If `stride` is not 1 or 2, or the plane is smaller than the windows need.
#[allow(clippy::too_many_arguments)]
pub(crate) fn max3x3_plane<T: Copy>(
    plane: &[T],
    pw: usize,
    stride: usize,
    outw: usize,
    outh: usize,
    out: &mut [T],
    long_row_below: usize,
    with_scratch: impl FnOnce(usize, &mut dyn FnMut(&mut [T])),
    row: impl Fn(&[T], &[T], &[T], &mut [T]),
) {
    assert!(stride == 1 || stride == 2, "stride {stride}");
    if outw == 0 || outh == 0 {
        return;
    }
    assert!(pw >= stride * (outw - 1) + 3, "plane too narrow");
    assert!(
        plane.len() >= (stride * (outh - 1) + 3) * pw,
        "plane too short"
    );
    assert!(out.len() >= outw * outh);
    if stride == 1 || outw < long_row_below {
        let n = (outh - 1) * pw + outw;
        with_scratch(n, &mut |virt: &mut [T]| {
            row(plane, &plane[pw..], &plane[2 * pw..], &mut virt[..n]);
            for (i, orow) in out.chunks_exact_mut(outw).take(outh).enumerate() {
                orow.copy_from_slice(&virt[i * pw..i * pw + outw]);
            }
        });
    } else {
        for (i, orow) in out.chunks_exact_mut(outw).take(outh).enumerate() {
            let r = |k: usize| &plane[(i * stride + k) * pw..(i * stride + k + 1) * pw];
            row(r(0), r(1), r(2), orow);
        }
    }
}
