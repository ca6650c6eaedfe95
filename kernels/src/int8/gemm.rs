//! int8 GEMM convolution: weights packed into A panels at load time, the
//! input packed (im2col) into B panels per call, a micro-kernel per
//! `mr × nr` tile ([`crate::generic::int8::gemm`] describes the layout), and
//! the output stage per output channel.

use super::quantize::{stage_with, StageOut};
use super::Int8Isa;
use crate::generic::int8::gemm::{self as generic, GemmLayout, Im2col};
use crate::{parallel, Activation};

/// The panel layout the micro-kernel of `isa` reads.
pub fn layout_for(isa: Int8Isa) -> GemmLayout {
    match isa {
        Int8Isa::NeonDot => GemmLayout::DOT,
        _ => GemmLayout::K16,
    }
}

/// Runs one `mr × nr` tile with the micro-kernel of `isa` (whose layout the
/// panels must be in): `c[r·ldc + col]` for `r < mr`, `col < nr`.
#[inline]
pub fn gemm_tile(
    isa: Int8Isa,
    layout: GemmLayout,
    a: &[i8],
    b: &[i8],
    kp: usize,
    c: &mut [i32],
    ldc: usize,
) {
    assert_eq!(layout, layout_for(isa), "panels packed for another kernel");
    assert!(kp % 16 == 0 && kp > 0);
    assert!(a.len() >= layout.mr * kp && b.len() >= layout.nr * kp);
    assert!(ldc >= layout.nr && c.len() >= (layout.mr - 1) * ldc + layout.nr);
    match isa {
        #[cfg(target_arch = "arm")]
        // SAFETY: Neon is only selected when the CPU has NEON (Conv2dI8 and
        // the tests check `Int8Isa::is_available`); the asserts above give
        // the panel and tile extents the kernel reads and writes.
        Int8Isa::Neon => unsafe {
            crate::arm32::int8::gemm::gemm_4x4(a.as_ptr(), b.as_ptr(), kp, c.as_mut_ptr(), ldc)
        },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: NEON is architectural; the asserts give the extents.
        Int8Isa::Neon => unsafe {
            crate::arm64::int8::gemm::gemm_4x4(a.as_ptr(), b.as_ptr(), kp, c.as_mut_ptr(), ldc)
        },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: NeonDot is only selected when the CPU has dotprod; the
        // asserts give the extents.
        Int8Isa::NeonDot => unsafe {
            crate::arm64::int8::gemm::gemm_8x8_sdot(a.as_ptr(), b.as_ptr(), kp, c.as_mut_ptr(), ldc)
        },
        _ => generic::gemm_tile(layout, a, b, kp, c, ldc),
    }
}

/// Weights of one group packed into A panels.
#[derive(Clone, Debug)]
pub(crate) struct PackedA {
    pub layout: GemmLayout,
    /// Rows (output channels of the group).
    pub m: usize,
    /// Depth (input channels of the group × kernel taps) padded to 16.
    pub kp: usize,
    pub data: Vec<i8>,
}

impl PackedA {
    pub fn new(layout: GemmLayout, w: &[i8], m: usize, k: usize) -> PackedA {
        PackedA {
            layout,
            m,
            kp: GemmLayout::padded_k(k),
            data: generic::pack_a(layout, w, m, k),
        }
    }

    pub fn panel(&self, rb: usize) -> &[i8] {
        let len = self.layout.mr * self.kp;
        &self.data[rb * len..(rb + 1) * len]
    }
}

/// Packs the whole B of an im2col source (`n` output pixels) into panels.
pub(crate) fn pack_b(
    layout: GemmLayout,
    src: &Im2col,
    one_by_one: bool,
    n: usize,
    threads: usize,
) -> Vec<i8> {
    let kp = GemmLayout::padded_k(src.k());
    let panel = layout.nr * kp;
    let mut b = vec![0i8; n.div_ceil(layout.nr) * panel];
    parallel::for_each_chunk_mut(&mut b, panel, threads, |cb, dst| {
        if one_by_one {
            generic::pack_b_panel_1x1(layout, &src.planes, cb * layout.nr, n, dst);
        } else {
            generic::pack_b_panel(layout, src, cb * layout.nr, n, dst);
        }
    });
    b
}

/// Per-output-channel output stage parameters.
pub(crate) struct Stage<'a> {
    pub mul: &'a [f32],
    pub bias: &'a [f32],
    pub act: Activation,
}

/// `C = A · B` for the rows of `a` and the `n` columns packed in `b`, then
/// the output stage of row `r` into `outs[r]` (one per row of `a`).
pub(crate) fn gemm_rows(
    isa: Int8Isa,
    a: &PackedA,
    b: &[i8],
    n: usize,
    stage: &Stage,
    outs: &mut [StageOut],
    threads: usize,
) {
    let layout = a.layout;
    let (mr, nr, kp) = (layout.mr, layout.nr, a.kp);
    assert_eq!(outs.len(), a.m);
    assert!(b.len() >= n.div_ceil(nr) * nr * kp);
    let mut blocks: Vec<&mut [StageOut]> = outs.chunks_mut(mr).collect();
    parallel::for_each_mut(&mut blocks, threads, |rb, rows| {
        let panel = a.panel(rb);
        let mut c = vec![0i32; mr * n];
        let full = n / nr;
        for cb in 0..full {
            gemm_tile(
                isa,
                layout,
                panel,
                &b[cb * nr * kp..],
                kp,
                &mut c[cb * nr..],
                n,
            );
        }
        if full * nr < n {
            let mut tile = [0i32; 64];
            gemm_tile(isa, layout, panel, &b[full * nr * kp..], kp, &mut tile, nr);
            let cols = n - full * nr;
            for r in 0..mr {
                c[r * n + full * nr..r * n + n].copy_from_slice(&tile[r * nr..r * nr + cols]);
            }
        }
        for (r, out) in rows.iter_mut().enumerate() {
            let p = rb * mr + r;
            stage_with(
                isa,
                &c[r * n..(r + 1) * n],
                stage.mul[p],
                stage.bias[p],
                stage.act,
                out.reborrow(),
            );
        }
    });
}
