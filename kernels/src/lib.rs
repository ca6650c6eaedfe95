//! Compute kernels for Octet: fp32 and int8 convolution, GEMM, Winograd and
//! depthwise kernels behind one interface.
//!
//! Layout (in the spirit of tract-linalg):
//! - [`fp32`] and [`int8`] hold the operations the runtime calls. Each one is a
//!   "prepared" object (weights packed once at load time) with a `forward`.
//! - Micro-kernels are separated by architecture: [`generic`] (portable),
//!   `arm32` (armv7 `asm!`; the fp32 kernels' regular asm is rendered by
//!   `build.rs`), `arm64` (aarch64 intrinsics, `sdot`), `x86`
//!   (portable code recompiled for AVX2+FMA, AVX2 intrinsics, AVX-512 `asm!`).
//!   The architecture modules are compiled per target (`cfg`); which of their
//!   kernels run is decided once at run time, by one idiom for every family:
//! - **Kernel dispatch** ([`ops`]): each *family* (fp32 [`fp32::Fp32Kernels`],
//!   int8 [`int8::Int8Kernels`], 3×3 max pooling [`pooling::PoolKernels`],
//!   eltwise [`fp32::eltwise::EltwiseKernels`]) has *kernel objects*: tables
//!   of function pointers and layout constants, one per CPU family, each with
//!   a name and an availability predicate on the [`cpu`] features. The
//!   registry [`ops()`] starts from [`Ops::generic`] (the portable object of
//!   every family) and lets each platform module's `plug` override what the
//!   detected features allow. Operations take a kernel object (`*_with`,
//!   `with_kernels`) or use the registry's; tests enumerate
//!   [`KernelSet::available`] (portable first) and run each object against
//!   its portable twin. Kernel objects are built only in this crate, so one
//!   held outside it is a token that the CPU runs it: the safe functions
//!   that take one call its `unsafe` kernels without checking again.
//! - [`reference`] holds naive implementations that every fast path is tested
//!   against.
//!
//! To add kernels for a new ISA: write them in its architecture module, fill
//! a table of the family (`..` the portable or a related table for what it
//! does not replace), give it a predicate (a [`cpu::CpuFeatures`] field, set
//! by `cpu::detect`), and offer it in the module's `plug`. The family's test
//! suite (`kernels/tests/kernel_suites.rs`) then runs it against the
//! portable object wherever the CPU has the feature.
//!
//! Tensors are passed as [`Planes`] / [`PlanesMut`]: `c` planes of `h × w`
//! elements, plane `q` starting at `q * cstep` (ncnn's `Mat` layout).

pub mod activation;
pub mod cpu;
pub mod fp32;
pub mod generic;
pub mod int8;
pub mod ops;
pub mod parallel;
pub mod pooling;
pub mod reference;
pub mod tensor;

#[cfg(target_arch = "arm")]
pub mod arm32;
#[cfg(target_arch = "aarch64")]
pub mod arm64;
#[cfg(target_arch = "x86_64")]
pub mod x86;

pub use activation::Activation;
pub use ops::{ops, KernelSet, Ops};
pub use tensor::{Planes, PlanesMut};

/// Geometry of a 2-D convolution (the input is already padded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    pub in_c: usize,
    pub out_c: usize,
    pub kernel_w: usize,
    pub kernel_h: usize,
    pub stride_w: usize,
    pub stride_h: usize,
    pub dilation_w: usize,
    pub dilation_h: usize,
    pub group: usize,
}

impl ConvGeometry {
    /// A plain (group 1, dilation 1) convolution with a square kernel and stride.
    pub fn simple(in_c: usize, out_c: usize, kernel: usize, stride: usize) -> Self {
        ConvGeometry {
            in_c,
            out_c,
            kernel_w: kernel,
            kernel_h: kernel,
            stride_w: stride,
            stride_h: stride,
            dilation_w: 1,
            dilation_h: 1,
            group: 1,
        }
    }

    pub fn kernel_extent_w(&self) -> usize {
        self.dilation_w * (self.kernel_w - 1) + 1
    }

    pub fn kernel_extent_h(&self) -> usize {
        self.dilation_h * (self.kernel_h - 1) + 1
    }

    /// Output size for a padded input of `w × h`, or `None` if the kernel does not fit.
    pub fn output_size(&self, w: usize, h: usize) -> Option<(usize, usize)> {
        let ew = self.kernel_extent_w();
        let eh = self.kernel_extent_h();
        if w < ew || h < eh {
            return None;
        }
        Some(((w - ew) / self.stride_w + 1, (h - eh) / self.stride_h + 1))
    }

    pub fn maxk(&self) -> usize {
        self.kernel_w * self.kernel_h
    }

    /// Number of weights: `out_c × (in_c / group) × kh × kw`.
    pub fn weight_len(&self) -> usize {
        self.out_c * (self.in_c / self.group) * self.maxk()
    }

    /// Depthwise: one input and one output channel per group.
    pub fn is_depthwise(&self) -> bool {
        self.group > 1 && self.group == self.in_c && self.group == self.out_c
    }

    pub fn is_3x3_s1(&self) -> bool {
        self.kernel_w == 3
            && self.kernel_h == 3
            && self.stride_w == 1
            && self.stride_h == 1
            && self.dilation_w == 1
            && self.dilation_h == 1
    }

    pub fn is_1x1_s1(&self) -> bool {
        self.kernel_w == 1 && self.kernel_h == 1 && self.stride_w == 1 && self.stride_h == 1
    }

    /// Element offsets of the kernel taps inside a plane of width `w`
    /// (ncnn's `space_ofs`).
    pub fn tap_offsets(&self, w: usize) -> Vec<usize> {
        let mut ofs = Vec::with_capacity(self.maxk());
        for i in 0..self.kernel_h {
            for j in 0..self.kernel_w {
                ofs.push(i * self.dilation_h * w + j * self.dilation_w);
            }
        }
        ofs
    }
}
