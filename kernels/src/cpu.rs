//! CPU features, detected once at run time, that pick the kernels (through
//! the registry, [`crate::ops`]: each kernel object's availability predicate
//! reads a [`CpuFeatures`]).
//!
//! - armv7: NEON, from the ELF auxiliary vector (`AT_HWCAP`, `HWCAP_NEON`).
//!   Stable Rust has no armv7 NEON intrinsics or feature detection, so the
//!   armv7 kernels are `asm!` blocks and this check guards them.
//! - aarch64: NEON is architectural; `dotprod` (`sdot`) is detected.
//! - x86-64: AVX2 and FMA, for the portable kernels compiled a second time
//!   with those features enabled; AVX-512F for the fp32 GEMM micro-kernel
//!   (an `asm!` block: Rust 1.85 has no stable AVX-512 intrinsics);
//!   AVX-512 VNNI (+BW, VL) for the int8 `vpdpbusd`/`vpdpwssd` kernels.
//!
//! `OCTET_KERNELS=generic` in the environment forces the portable kernels
//! everywhere (to compare, or to work around a suspected kernel bug);
//! `OCTET_KERNELS=avx2` hides AVX-512 (to measure or test what an AVX2-only
//! x86 machine runs).

use std::sync::OnceLock;

/// What the running CPU offers to Octet's kernels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuFeatures {
    /// armv7 or aarch64 Advanced SIMD.
    pub neon: bool,
    /// aarch64 `sdot`/`udot` (ARMv8.2 dotprod).
    pub dotprod: bool,
    /// x86-64 AVX2 + FMA.
    pub avx2_fma: bool,
    /// x86-64 AVX-512 Foundation (with AVX2 + FMA).
    pub avx512f: bool,
    /// x86-64 AVX-512 VNNI with BW and VL (with AVX-512F): `vpdpbusd` and
    /// `vpdpwssd` on zmm and ymm registers, for the int8 kernels.
    pub avx512vnni: bool,
}

static FEATURES: OnceLock<CpuFeatures> = OnceLock::new();

/// The features in effect (detected once; all false under
/// `OCTET_KERNELS=generic`, no AVX-512 under `OCTET_KERNELS=avx2`).
pub fn features() -> CpuFeatures {
    *FEATURES.get_or_init(|| match std::env::var("OCTET_KERNELS").as_deref() {
        Ok("generic") => CpuFeatures::default(),
        Ok("avx2") => CpuFeatures {
            avx512f: false,
            avx512vnni: false,
            ..detect()
        },
        _ => detect(),
    })
}

/// [`detect`], once: the features kernel objects' availability predicates
/// are checked against (`detect` reads the auxiliary vector on every call,
/// too slow for a per-call check).
pub(crate) fn detected() -> CpuFeatures {
    static DETECTED: OnceLock<CpuFeatures> = OnceLock::new();
    *DETECTED.get_or_init(detect)
}

/// The features of this CPU, ignoring `OCTET_KERNELS`.
pub fn detect() -> CpuFeatures {
    #[allow(unused_mut)]
    let mut f = CpuFeatures::default();
    #[cfg(target_arch = "aarch64")]
    {
        f.neon = true;
        f.dotprod = std::arch::is_aarch64_feature_detected!("dotprod");
    }
    #[cfg(target_arch = "arm")]
    {
        f.neon = arm_hwcap_neon();
    }
    #[cfg(target_arch = "x86_64")]
    {
        f.avx2_fma = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        f.avx512f = f.avx2_fma && std::arch::is_x86_feature_detected!("avx512f");
        f.avx512vnni = f.avx512f
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512vnni");
    }
    f
}

/// `HWCAP_NEON` from `/proc/self/auxv` (32-bit little-endian pairs of type, value).
#[cfg(target_arch = "arm")]
fn arm_hwcap_neon() -> bool {
    const AT_HWCAP: u32 = 16;
    const HWCAP_NEON: u32 = 1 << 12;
    let Ok(auxv) = std::fs::read("/proc/self/auxv") else {
        return false;
    };
    auxv.chunks_exact(8)
        .map(|c| {
            (
                u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
            )
        })
        .find(|&(t, _)| t == AT_HWCAP)
        .is_some_and(|(_, v)| v & HWCAP_NEON != 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn detection_matches_the_build_target() {
        let f = super::detect();
        if cfg!(target_arch = "aarch64") || cfg!(target_arch = "arm") {
            // Every board Octet targets (and qemu's cortex-a7 / max) has NEON.
            assert!(f.neon);
        } else {
            assert!(!f.neon && !f.dotprod);
        }
    }
}
