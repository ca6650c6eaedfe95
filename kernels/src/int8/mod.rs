//! int8 kernels: quantization, and prepared int8 convolution and inner
//! product (int8 inputs and weights, int32 accumulation, output dequantized
//! to fp32 or requantized to int8).
//!
//! Every kernel has a portable implementation (`crate::generic::int8`) and,
//! on ARM, NEON ones (`crate::arm32::int8`, `crate::arm64::int8`), on x86-64
//! AVX2 and AVX-512 VNNI ones (`crate::x86::int8`), that give bit-identical
//! results. [`Int8Isa`] names the implementation; the prepared
//! operations pick [`Int8Isa::detect`] unless told otherwise, so tests can run
//! every available path on the same data.

pub mod conv;
pub mod depthwise;
pub mod gemm;
pub mod innerproduct;
pub mod pooling;
pub mod quantize;
pub mod scratch;
pub mod winograd;

pub use conv::{choose_int8_algo, choose_int8_algo_for, Border, Conv2dI8, Int8Algo, Int8Output};
pub use innerproduct::InnerProductI8;
pub use winograd::{winograd43_is_exact, winograd43_segments};

/// Which implementation of the int8 micro-kernels runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Int8Isa {
    /// Portable Rust (the reference for the others).
    Generic,
    /// armv7 NEON (`asm!`) or aarch64 Advanced SIMD (intrinsics).
    Neon,
    /// aarch64 with the dot-product extension (`sdot`, `asm!`).
    NeonDot,
    /// x86-64 AVX2 (intrinsics; `vpmaddwd` on sign-extended int8).
    Avx2,
    /// x86-64 AVX-512 VNNI (`asm!`: `vpdpbusd`, `vpdpwssd`), with the AVX2
    /// kernels wherever VNNI does not help.
    Avx512Vnni,
}

impl Int8Isa {
    /// The fastest implementation this CPU runs ([`crate::cpu::features`], so
    /// `OCTET_KERNELS=generic` selects [`Int8Isa::Generic`]).
    pub fn detect() -> Int8Isa {
        let f = crate::cpu::features();
        if f.dotprod && cfg!(target_arch = "aarch64") {
            Int8Isa::NeonDot
        } else if f.neon && cfg!(any(target_arch = "arm", target_arch = "aarch64")) {
            Int8Isa::Neon
        } else if f.avx512vnni && cfg!(target_arch = "x86_64") {
            Int8Isa::Avx512Vnni
        } else if f.avx2_fma && cfg!(target_arch = "x86_64") {
            Int8Isa::Avx2
        } else {
            Int8Isa::Generic
        }
    }

    /// Whether this implementation can run here (compiled in and supported
    /// by the CPU, ignoring `OCTET_KERNELS`).
    pub fn is_available(self) -> bool {
        let f = detected();
        match self {
            Int8Isa::Generic => true,
            Int8Isa::Neon => f.neon && cfg!(any(target_arch = "arm", target_arch = "aarch64")),
            Int8Isa::NeonDot => f.dotprod && cfg!(target_arch = "aarch64"),
            Int8Isa::Avx2 => f.avx2_fma && cfg!(target_arch = "x86_64"),
            Int8Isa::Avx512Vnni => f.avx512vnni && cfg!(target_arch = "x86_64"),
        }
    }

    /// One of the ARM NEON implementations.
    pub fn is_neon(self) -> bool {
        matches!(self, Int8Isa::Neon | Int8Isa::NeonDot)
    }

    /// One of the x86-64 implementations (all of which include AVX2).
    pub fn is_x86(self) -> bool {
        matches!(self, Int8Isa::Avx2 | Int8Isa::Avx512Vnni)
    }

    /// Every implementation that runs here, portable first.
    pub fn available() -> Vec<Int8Isa> {
        [
            Int8Isa::Generic,
            Int8Isa::Neon,
            Int8Isa::NeonDot,
            Int8Isa::Avx2,
            Int8Isa::Avx512Vnni,
        ]
        .into_iter()
        .filter(|i| i.is_available())
        .collect()
    }
}

/// The CPU's features, detected once (`crate::cpu::detect` reads the auxiliary
/// vector on every call, too slow for a per-call check).
fn detected() -> crate::cpu::CpuFeatures {
    static DETECTED: std::sync::OnceLock<crate::cpu::CpuFeatures> = std::sync::OnceLock::new();
    *DETECTED.get_or_init(crate::cpu::detect)
}
