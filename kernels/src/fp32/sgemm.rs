//! Packed single-precision GEMM: `C[m×n] = act(bias + A[m×k] · B[k×n])`.
//!
//! `A` (the weights) is packed once into panels of `MR` rows; `B` is packed
//! per cache block into panels of `NR` columns, straight from its source, so a
//! convolution never materialises its im2col matrix.

use crate::Activation;

/// Rows per A panel of the portable micro-kernel.
pub const MR: usize = 4;
/// Columns per B panel of the portable micro-kernel.
pub const NR: usize = 8;
/// Depth of one K block (A and B panels of this depth stay in L1/L2).
const KC: usize = 256;
/// Columns of one B block.
const NC: usize = 512;

/// `A` packed into panels of `MR` rows, `k`-major inside a panel; the last
/// panel is zero-padded.
#[derive(Clone, Debug)]
pub struct PackedA {
    pub m: usize,
    pub k: usize,
    data: Vec<f32>,
}

impl PackedA {
    /// Packs a row-major `m × k` matrix with row stride `lda`.
    pub fn pack(a: &[f32], m: usize, k: usize, lda: usize) -> PackedA {
        let panels = m.div_ceil(MR);
        let mut data = vec![0f32; panels * MR * k];
        for t in 0..panels {
            let dst = &mut data[t * MR * k..(t + 1) * MR * k];
            for i in 0..MR {
                let row = t * MR + i;
                if row >= m {
                    break;
                }
                let src = &a[row * lda..row * lda + k];
                for (p, &v) in src.iter().enumerate() {
                    dst[p * MR + i] = v;
                }
            }
        }
        PackedA { m, k, data }
    }

    fn panel(&self, t: usize) -> &[f32] {
        &self.data[t * MR * self.k..(t + 1) * MR * self.k]
    }

    pub fn bytes(&self) -> usize {
        self.data.len() * 4
    }
}

/// Where the `k × n` right-hand matrix comes from.
pub trait BSource: Sync {
    /// Packs rows `k0..k0+kc`, columns `j0..j0+nc` into `NR`-column panels
    /// (`kc × NR` each, zero-padded on the right).
    fn pack(&self, k0: usize, kc: usize, j0: usize, nc: usize, out: &mut [f32]);
}

/// A dense row-major matrix with row stride `ld`.
pub struct DenseB<'a> {
    pub data: &'a [f32],
    pub ld: usize,
}

impl BSource for DenseB<'_> {
    fn pack(&self, k0: usize, kc: usize, j0: usize, nc: usize, out: &mut [f32]) {
        let panels = nc.div_ceil(NR);
        for t in 0..panels {
            let cols = NR.min(nc - t * NR);
            let dst = &mut out[t * kc * NR..(t + 1) * kc * NR];
            for p in 0..kc {
                let src = &self.data[(k0 + p) * self.ld + j0 + t * NR..][..cols];
                let d = &mut dst[p * NR..p * NR + NR];
                d[..cols].copy_from_slice(src);
                d[cols..].iter_mut().for_each(|v| *v = 0.0);
            }
        }
    }
}

/// Raw pointer to C shared by tasks that write disjoint rectangles.
#[derive(Clone, Copy)]
struct CPtr(*mut f32);
// SAFETY: every task writes a disjoint (row range × column range) of C, so no two threads touch the same element.
unsafe impl Send for CPtr {}
// SAFETY: see above; the pointer is only dereferenced inside disjoint rectangles.
unsafe impl Sync for CPtr {}

impl CPtr {
    // A method (not field access) so closures capture the whole Send+Sync wrapper.
    fn get(self) -> *mut f32 {
        self.0
    }
}

#[inline(always)]
fn micro_kernel(kc: usize, a: &[f32], b: &[f32], acc: &mut [[f32; NR]; MR]) {
    let a = &a[..kc * MR];
    let b = &b[..kc * NR];
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        for i in 0..MR {
            let ai = ap[i];
            for j in 0..NR {
                acc[i][j] += ai * bp[j];
            }
        }
    }
}

/// `C = act(bias + A·B)`; `C` rows have stride `ldc`. `threads` workers of the
/// current rayon pool share the work.
#[allow(clippy::too_many_arguments)]
pub fn sgemm<B: BSource>(
    a: &PackedA,
    b: &B,
    n: usize,
    c: &mut [f32],
    ldc: usize,
    bias: Option<&[f32]>,
    act: Activation,
    threads: usize,
) {
    let (m, k) = (a.m, a.k);
    if m == 0 || n == 0 {
        return;
    }
    assert!(c.len() >= (m - 1) * ldc + n, "C too small");
    if let Some(b) = bias {
        assert!(b.len() >= m);
    }
    let panels = m.div_ceil(MR);
    let col_blocks = n.div_ceil(NC);
    // Split rows too when there are fewer column blocks than threads.
    let row_groups = if threads > 1 && col_blocks < threads * 2 {
        (threads * 2).div_ceil(col_blocks).min(panels)
    } else {
        1
    };
    let panels_per_group = panels.div_ceil(row_groups);
    let tasks = col_blocks * row_groups;
    let cptr = CPtr(c.as_mut_ptr());
    let clen = c.len();

    let run = |task: usize| {
        let cb = task % col_blocks;
        let rg = task / col_blocks;
        let j0 = cb * NC;
        let nc = NC.min(n - j0);
        let t0 = rg * panels_per_group;
        let t1 = (t0 + panels_per_group).min(panels);
        if t0 >= t1 {
            return;
        }
        let npanels = nc.div_ceil(NR);
        let mut bpack = vec![0f32; KC.min(k.max(1)) * npanels * NR];
        let kblocks = k.div_ceil(KC).max(1);
        for kb in 0..kblocks {
            let k0 = kb * KC;
            let kc = KC.min(k - k0.min(k));
            let first = kb == 0;
            let last = kb + 1 == kblocks;
            if kc > 0 {
                b.pack(k0, kc, j0, nc, &mut bpack);
            }
            for t in t0..t1 {
                let ap = &a.panel(t)[k0 * MR..];
                for jp in 0..npanels {
                    let mut acc = [[0f32; NR]; MR];
                    micro_kernel(kc, ap, &bpack[jp * kc * NR..], &mut acc);
                    let cols = NR.min(nc - jp * NR);
                    for (i, acc_row) in acc.iter().enumerate() {
                        let row = t * MR + i;
                        if row >= m {
                            break;
                        }
                        let off = row * ldc + j0 + jp * NR;
                        debug_assert!(off + cols <= clen);
                        // SAFETY: (row, j0+jp*NR .. +cols) lies inside this task's rectangle, which no other task writes; bounds checked by the assert on c.len().
                        let dst =
                            unsafe { std::slice::from_raw_parts_mut(cptr.get().add(off), cols) };
                        let bv = bias.map_or(0.0, |b| b[row]);
                        for j in 0..cols {
                            let mut v = acc_row[j];
                            if first {
                                v += bv;
                            } else {
                                v += dst[j];
                            }
                            if last {
                                v = act.apply(v);
                            }
                            dst[j] = v;
                        }
                    }
                }
            }
        }
    };
    if threads <= 1 || tasks == 1 {
        (0..tasks).for_each(run);
    } else {
        use rayon::prelude::*;
        (0..tasks).into_par_iter().for_each(run);
    }
}
