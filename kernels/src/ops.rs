//! The kernel registry: one kernel object per family, chosen once for the
//! running CPU (in the style of tract-linalg's `Ops`).
//!
//! A *family* is a set of kernels that are chosen together because they
//! share data layouts or are only worth having together: [`Fp32Kernels`]
//! (fp32 GEMM, Winograd, depthwise, GEMV), [`Int8Kernels`] (int8 GEMM,
//! Winograd, depthwise, inner product, quantization), [`PoolKernels`] (3×3
//! max pooling rows, fp32 and int8) and [`EltwiseKernels`] (fp32 element-wise
//! operations). A *kernel object* of a family is a table of function
//! pointers and layout constants for one CPU family, with a name and an
//! availability predicate ([`KernelSet::runs_on`]).
//!
//! How a registry is filled: [`Ops::generic`] holds the portable object of
//! every family; then each platform module (`arm32`, `arm64`, `x86`) has a
//! `plug(&mut Ops, &CpuFeatures)` that offers its objects, in increasing
//! order of preference, through `Ops::offer`, which keeps an object only if
//! its predicate holds for the features. [`ops()`] is the registry for
//! [`cpu::features`] (so `OCTET_KERNELS=generic` / `avx2` apply), built once.
//!
//! Why this is sound: the ISA-specific kernels are `unsafe` to call (an
//! instruction the CPU lacks is undefined behaviour). Kernel objects cannot
//! be built outside this crate (private fields, crate-private statics), so a
//! `&'static` kernel object held outside the crate came from [`ops()`] or
//! from [`KernelSet::available`], both of which only hand out objects whose
//! predicate holds for the detected CPU. The object is a token: every safe
//! function that takes one may run its kernels without checking again.

use std::sync::OnceLock;

use crate::cpu::{self, CpuFeatures};
use crate::fp32::eltwise::EltwiseKernels;
use crate::fp32::kernels::{self as fp32k, Fp32Kernels};
use crate::int8::kernels::{self as int8k, Int8Kernels};
use crate::pooling::PoolKernels;

/// What every kernel object has, whatever its family.
pub trait KernelSet: std::fmt::Debug + Sync + 'static {
    /// A short name (`"armv7-neon"`, `"generic"`, …); portable objects'
    /// names start with `generic`.
    fn name(&self) -> &'static str;

    /// The availability predicate: whether a CPU with features `f` runs
    /// every kernel of this object.
    fn runs_on(&self, f: &CpuFeatures) -> bool;

    /// Whether this CPU runs it ([`cpu::detect`], ignoring `OCTET_KERNELS`).
    fn is_available(&self) -> bool {
        self.runs_on(&cpu::detected())
    }

    /// Whether it runs on every CPU (needs no feature at all).
    fn is_portable(&self) -> bool {
        self.runs_on(&CpuFeatures::default())
    }

    /// The portable object with this object's data layouts (itself if it is
    /// portable): the reference a test compares it with on the same data.
    fn portable_twin(&self) -> &'static Self;

    /// Every object of the family that this CPU runs (ignoring
    /// `OCTET_KERNELS`), the portable ones first.
    fn available() -> Vec<&'static Self>
    where
        Self: Sized;
}

/// How [`Ops`] reaches a family's slot and list (crate-private, so that only
/// this crate can put a kernel object into a registry).
pub(crate) trait Family: KernelSet + Sized {
    fn slot(ops: &mut Ops) -> &mut &'static Self;
    fn offered(ops: &mut Ops) -> &mut Vec<&'static Self>;
    fn list(ops: &Ops) -> &[&'static Self];
}

/// The registry: one kernel object per family.
#[derive(Debug)]
pub struct Ops {
    fp32: &'static Fp32Kernels,
    int8: &'static Int8Kernels,
    pooling: &'static PoolKernels,
    eltwise: &'static EltwiseKernels,
    /// Every object offered to this registry, kept or not, portable ones
    /// first: what this build has compiled in, for [`KernelSet::available`].
    offered: Offered,
}

#[derive(Debug, Default)]
struct Offered {
    fp32: Vec<&'static Fp32Kernels>,
    int8: Vec<&'static Int8Kernels>,
    pooling: Vec<&'static PoolKernels>,
    eltwise: Vec<&'static EltwiseKernels>,
}

macro_rules! family {
    ($t:ty, $field:ident) => {
        impl Family for $t {
            fn slot(ops: &mut Ops) -> &mut &'static Self {
                &mut ops.$field
            }
            fn offered(ops: &mut Ops) -> &mut Vec<&'static Self> {
                &mut ops.offered.$field
            }
            fn list(ops: &Ops) -> &[&'static Self] {
                &ops.offered.$field
            }
        }
    };
}
family!(Fp32Kernels, fp32);
family!(Int8Kernels, int8);
family!(PoolKernels, pooling);
family!(EltwiseKernels, eltwise);

impl Ops {
    /// The portable kernel object of every family.
    pub fn generic() -> Ops {
        let mut ops = Ops {
            fp32: &fp32k::GENERIC_6X8,
            int8: &int8k::GENERIC,
            pooling: &crate::pooling::GENERIC,
            eltwise: &crate::fp32::eltwise::GENERIC,
            offered: Offered::default(),
        };
        // The fp32 family has one portable object per architecture set's
        // shapes (their twins); the registry keeps the first.
        ops.offered.fp32.extend(fp32k::PORTABLE);
        ops.offered.int8.push(ops.int8);
        ops.offered.pooling.push(ops.pooling);
        ops.offered.eltwise.push(ops.eltwise);
        ops
    }

    /// The portable objects overridden by what the platform module plugs in
    /// for `f`. Crate-private: `f` must not claim a feature the CPU lacks
    /// ([`cpu::features`] and [`cpu::detect`] never do).
    pub(crate) fn for_features(f: &CpuFeatures) -> Ops {
        #[allow(unused_mut)]
        let mut ops = Ops::generic();
        #[cfg(target_arch = "arm")]
        crate::arm32::plug(&mut ops, f);
        #[cfg(target_arch = "aarch64")]
        crate::arm64::plug(&mut ops, f);
        #[cfg(target_arch = "x86_64")]
        crate::x86::plug(&mut ops, f);
        let _ = f;
        ops
    }

    /// Offers `k` to the registry: it replaces the family's object if its
    /// predicate holds for `f` (so a platform's `plug` offers its objects
    /// from the least to the most preferred), and is listed either way.
    pub(crate) fn offer<K: Family>(&mut self, f: &CpuFeatures, k: &'static K) {
        if k.runs_on(f) {
            *K::slot(self) = k;
        }
        K::offered(self).push(k);
    }

    /// The fp32 convolution, GEMM and inner-product kernels.
    pub fn fp32(&self) -> &'static Fp32Kernels {
        self.fp32
    }

    /// The int8 convolution, inner-product and quantization kernels.
    pub fn int8(&self) -> &'static Int8Kernels {
        self.int8
    }

    /// The 3×3 max pooling rows (fp32 and int8).
    pub fn pooling(&self) -> &'static PoolKernels {
        self.pooling
    }

    /// The fp32 element-wise operations.
    pub fn eltwise(&self) -> &'static EltwiseKernels {
        self.eltwise
    }
}

/// The registry for this CPU ([`cpu::features`]: portable kernels only
/// under `OCTET_KERNELS=generic`, no AVX-512 under `OCTET_KERNELS=avx2`),
/// built at the first call.
pub fn ops() -> &'static Ops {
    static OPS: OnceLock<Ops> = OnceLock::new();
    OPS.get_or_init(|| Ops::for_features(&cpu::features()))
}

/// The registry for every feature this CPU has ([`cpu::detect`], ignoring
/// `OCTET_KERNELS`): its lists are what [`KernelSet::available`] filters.
fn detected_ops() -> &'static Ops {
    static OPS: OnceLock<Ops> = OnceLock::new();
    OPS.get_or_init(|| Ops::for_features(&cpu::detected()))
}

/// [`KernelSet::available`] of a family: the objects compiled into this
/// build (portable first) that pass their predicate on this CPU.
pub(crate) fn available<K: Family>() -> Vec<&'static K> {
    K::list(detected_ops())
        .iter()
        .copied()
        .filter(|k| k.is_available())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every feature: only for reading which objects a registry would keep
    /// (none of their kernels is run here).
    const ALL: CpuFeatures = CpuFeatures {
        neon: true,
        dotprod: true,
        avx2_fma: true,
        avx512f: true,
        avx512vnni: true,
    };

    #[test]
    fn generic_holds_only_portable_kernels() {
        let g = Ops::generic();
        assert!(g.fp32().is_portable() && g.fp32().name() == "generic-6x8");
        assert!(g.int8().is_portable() && g.pooling().is_portable() && g.eltwise().is_portable());
        assert!(g.offered.fp32.iter().all(|k| k.is_portable()));
        assert!(g.offered.int8.iter().all(|k| k.is_portable()));
        assert!(g.offered.pooling.iter().all(|k| k.is_portable()));
        assert!(g.offered.eltwise.iter().all(|k| k.is_portable()));
        // No features: the platforms plug nothing in.
        let none = Ops::for_features(&CpuFeatures::default());
        assert!(none.fp32().is_portable() && none.int8().is_portable());
        assert!(none.pooling().is_portable() && none.eltwise().is_portable());
    }

    /// Whatever the features, each family's object passes its predicate on
    /// them, and the registry keeps the last (most preferred) object offered
    /// that does.
    #[test]
    fn registries_keep_the_preferred_object_whose_predicate_holds() {
        fn check<K: Family>(ops: &mut Ops, f: &CpuFeatures) {
            let kept = *K::slot(ops);
            assert!(kept.runs_on(f), "{kept:?}");
            let best = K::list(ops)
                .iter()
                .rev()
                .find(|k| !k.is_portable() && k.runs_on(f));
            match best {
                Some(b) => assert!(std::ptr::eq(*b, kept), "{f:?}: {kept:?}, not {b:?}"),
                None => assert!(kept.is_portable(), "{f:?}: {kept:?}"),
            }
        }
        let mut combos = vec![CpuFeatures::default(), ALL, cpu::detect(), cpu::features()];
        combos.push(CpuFeatures {
            avx512f: false,
            avx512vnni: false,
            dotprod: false,
            ..ALL
        });
        for f in combos {
            let mut ops = Ops::for_features(&f);
            check::<Fp32Kernels>(&mut ops, &f);
            check::<Int8Kernels>(&mut ops, &f);
            check::<PoolKernels>(&mut ops, &f);
            check::<EltwiseKernels>(&mut ops, &f);
        }
        // With every feature, every architecture's best object is plugged.
        let best = Ops::for_features(&ALL);
        let arch = cfg!(any(
            target_arch = "arm",
            target_arch = "aarch64",
            target_arch = "x86_64"
        ));
        assert_eq!(!best.fp32().is_portable(), arch);
        assert_eq!(!best.int8().is_portable(), arch);
    }

    /// The tables' entries agree with their layouts (what the operations
    /// rely on when they pick a strategy from an entry).
    #[test]
    fn int8_tables_are_consistent() {
        use crate::generic::int8::gemm::{GemmLayout, PanelForm};
        for k in &Ops::for_features(&ALL).offered.int8 {
            let l = k.layout;
            assert!(k.wino_rows == 4 || k.wino_rows == 6, "{k:?}");
            if k.wino_pairs {
                assert!(
                    k.input_transform_pair.is_some() && k.wino_rows == 4,
                    "{k:?}"
                );
                assert!(
                    k.gemm16[0].iter().all(|g| g.is_some()),
                    "{k:?}: no portable pair tiles"
                );
                assert!(k.gemm16[1].iter().all(|g| g.is_none()), "{k:?}");
                assert!(k.gemm16_12x4.is_none(), "{k:?}");
            }
            if k.gemm16_12x4.is_some() {
                assert_eq!(k.wino_rows, 6, "{k:?}");
            }
            assert!(
                k.pack_b_chunk.is_none() || k.pack_b_panel.is_none(),
                "{k:?}"
            );
            if k.pack_b_panel.is_some() {
                assert!(l == GemmLayout::AVX2 || l == GemmLayout::VNNI, "{k:?}");
            } else {
                // The chunk packer and the portable one write int8 panels.
                assert_eq!(l.form, PanelForm::Plain, "{k:?}");
                assert!(l == GemmLayout::K16 || l == GemmLayout::DOT, "{k:?}");
            }
            if k.gemm_col.is_some() || k.gemm_row.is_some() {
                assert_eq!(l, GemmLayout::K16, "{k:?}");
            }
            assert_eq!(
                k.dot_product,
                l == GemmLayout::DOT || l == GemmLayout::VNNI,
                "{k:?}"
            );
        }
    }

    /// Every fp32 set has a portable twin of its shapes.
    #[test]
    fn fp32_sets_have_twins() {
        for k in &Ops::for_features(&ALL).offered.fp32 {
            let t = k.portable_twin();
            assert!(
                t.is_portable()
                    && (t.mr, t.mr_small, t.nr, t.lanes) == (k.mr, k.mr_small, k.nr, k.lanes)
            );
        }
    }
}
