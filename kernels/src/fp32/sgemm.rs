//! Packed single-precision GEMM driver: `C[m×n] = act(bias + A[m×k] · B[k×n])`.
//!
//! `A` (the weights) is packed once into panels of `mr` rows (k-major inside a
//! panel). `B` is read in panels of `nr` columns: straight from memory when
//! it is a dense matrix (a 1×1 convolution's input planes: row `p` is input
//! channel `p`), or packed per column block from its source (im2col of a
//! padded input, never materialised whole). Micro-kernels come from a
//! [`Fp32Kernels`] set and fuse bias and ReLU into their output stage.
//!
//! Loop order: column blocks (`B` block in L2) → A panels (one panel in L1)
//! → `nr`-column panels. Tasks are column blocks, split by row ranges when
//! there are more threads than blocks.

use super::kernels::Fp32Kernels;
use crate::{Activation, Planes};

/// Floats of `B` one column block may hold (256 KiB: half an L2 of the boards and of x86 cores).
const B_BLOCK_FLOATS: usize = 64 * 1024;

/// Rows `row..row + mr` packed at `data[off..off + mr * k]`.
#[derive(Clone, Copy, Debug)]
pub struct Panel {
    pub row: usize,
    pub mr: usize,
    pub off: usize,
}

/// Panel heights covering `m` rows with `mr`- and `mr_small`-row panels:
/// fewest padded rows, then fewest panels; big panels first.
pub fn panel_plan(m: usize, mr: usize, mr_small: usize) -> Vec<usize> {
    if m == 0 {
        return Vec::new();
    }
    let mut best = (usize::MAX, usize::MAX, 0, 0);
    for small in 0..=mr.div_ceil(mr_small) {
        let big = m.saturating_sub(small * mr_small).div_ceil(mr);
        let rows = big * mr + small * mr_small;
        if rows < m {
            continue;
        }
        let key = (rows - m, big + small, big, small);
        if (key.0, key.1) < (best.0, best.1) {
            best = key;
        }
    }
    let mut v = vec![mr; best.2];
    v.extend(std::iter::repeat_n(mr_small, best.3));
    v
}

/// `A` packed into panels for one kernel set.
#[derive(Clone, Debug)]
pub struct PackedA {
    pub m: usize,
    pub k: usize,
    pub panels: Vec<Panel>,
    data: Vec<f32>,
}

impl PackedA {
    /// Packs a row-major `m × k` matrix with row stride `lda`.
    pub fn pack(a: &[f32], m: usize, k: usize, lda: usize, kern: &Fp32Kernels) -> PackedA {
        Self::pack_with(m, k, kern, |i, p| a[i * lda + p])
    }

    /// Packs the `m × k` matrix whose element `(i, p)` is `get(i, p)`.
    pub fn pack_with(
        m: usize,
        k: usize,
        kern: &Fp32Kernels,
        get: impl Fn(usize, usize) -> f32,
    ) -> PackedA {
        let mut panels = Vec::new();
        let (mut row, mut off) = (0, 0);
        for mr in panel_plan(m, kern.mr, kern.mr_small) {
            panels.push(Panel { row, mr, off });
            row += mr;
            off += mr * k;
        }
        let mut data = vec![0f32; off];
        for p in &panels {
            let dst = &mut data[p.off..p.off + p.mr * k];
            for i in 0..p.mr.min(m - p.row) {
                for q in 0..k {
                    dst[q * p.mr + i] = get(p.row + i, q);
                }
            }
        }
        PackedA { m, k, panels, data }
    }

    /// Rows including the padding of the last panel.
    pub fn padded_rows(&self) -> usize {
        self.panels.last().map_or(0, |p| p.row + p.mr)
    }

    /// `bias` (or zeros) extended with zeros to [`Self::padded_rows`].
    pub fn pad_bias(&self, bias: Option<&[f32]>) -> Vec<f32> {
        let mut v = vec![0f32; self.padded_rows()];
        if let Some(b) = bias {
            v[..self.m].copy_from_slice(&b[..self.m]);
        }
        v
    }

    pub fn panel_data(&self, p: &Panel) -> &[f32] {
        &self.data[p.off..p.off + p.mr * self.k]
    }

    pub fn bytes(&self) -> usize {
        self.data.len() * 4
    }
}

/// Where the `k × n` right-hand matrix comes from.
#[derive(Clone, Copy, Debug)]
pub enum BSource<'a> {
    /// Row-major with row stride `ld` (row `p` at `data[p * ld..]`).
    Dense { data: &'a [f32], ld: usize },
    /// The transpose of a row-major matrix: `B[p][j] = data[j * ld + p]`.
    Transposed { data: &'a [f32], ld: usize },
    /// im2col of a padded input: row `p` is channel `first_channel + p / taps`
    /// shifted by `ofs[p % taps]`, column `j` is output pixel `j`.
    Im2col {
        input: Planes<'a, f32>,
        first_channel: usize,
        ofs: &'a [usize],
        outw: usize,
        stride_w: usize,
        stride_h: usize,
    },
}

impl BSource<'_> {
    /// Packs rows `0..k`, columns `j0..j0 + cols` (`cols ≤ nr`) as `k` rows of
    /// `nr` values, zero-padded on the right.
    fn pack_panel(&self, k: usize, nr: usize, j0: usize, cols: usize, out: &mut [f32]) {
        let out = &mut out[..k * nr];
        match *self {
            BSource::Dense { data, ld } => {
                for (p, d) in out.chunks_exact_mut(nr).enumerate() {
                    d[..cols].copy_from_slice(&data[p * ld + j0..p * ld + j0 + cols]);
                    d[cols..].fill(0.0);
                }
            }
            BSource::Transposed { data, ld } => {
                for (p, d) in out.chunks_exact_mut(nr).enumerate() {
                    for (jj, v) in d[..cols].iter_mut().enumerate() {
                        *v = data[(j0 + jj) * ld + p];
                    }
                    d[cols..].fill(0.0);
                }
            }
            BSource::Im2col {
                input,
                first_channel,
                ofs,
                outw,
                stride_w,
                stride_h,
            } => {
                let w = input.w;
                let taps = ofs.len();
                let pos = |j: usize| (j / outw) * stride_h * w + (j % outw) * stride_w;
                let base = pos(j0);
                // All columns on one output row: each B row is a (strided) run of the input.
                let one_row = (j0 % outw) + cols <= outw;
                let mut posv = [0usize; 64];
                for (jj, p) in posv.iter_mut().enumerate().take(cols) {
                    *p = pos(j0 + jj) - base;
                }
                for (p, d) in out.chunks_exact_mut(nr).enumerate() {
                    let c = first_channel + p / taps;
                    let start = c * input.cstep + base + ofs[p % taps];
                    if one_row && stride_w == 1 {
                        d[..cols].copy_from_slice(&input.data[start..start + cols]);
                    } else if one_row {
                        let src = &input.data[start..start + (cols - 1) * stride_w + 1];
                        for (jj, v) in d[..cols].iter_mut().enumerate() {
                            *v = src[jj * stride_w];
                        }
                    } else {
                        for (jj, v) in d[..cols].iter_mut().enumerate() {
                            *v = input.data[start + posv[jj]];
                        }
                    }
                    d[cols..].fill(0.0);
                }
            }
        }
    }
}

/// Raw pointer to C shared by tasks that write disjoint rectangles.
#[derive(Clone, Copy)]
pub(crate) struct SyncPtr(pub *mut f32);
// SAFETY: tasks write disjoint regions through it (each use documents its region), so no element is shared.
unsafe impl Send for SyncPtr {}
// SAFETY: see above.
unsafe impl Sync for SyncPtr {}

impl SyncPtr {
    // A method (not field access) so closures capture the whole Send+Sync wrapper.
    #[inline(always)]
    pub(crate) fn get(self) -> *mut f32 {
        self.0
    }
}

/// Calls the micro-kernel for `panel` on one `nr`-column B panel, writing
/// `cols` columns of the rows below `m` at `c` (row stride `ldc`).
///
/// # Safety
/// `b` must hold `k` rows of `nr` readable values with stride `ldb`; `c` must
/// be writable for the valid rows/columns; `bias` holds `panel.mr` values.
#[inline]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn run_tile(
    kern: &Fp32Kernels,
    a: &PackedA,
    panel: &Panel,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    cols: usize,
    bias: *const f32,
    act: Activation,
) {
    let f = if panel.mr == kern.mr {
        kern.gemm
    } else {
        kern.gemm_small
    };
    let relu = act == Activation::Relu;
    let rows = panel.mr.min(a.m - panel.row);
    let ap = a.panel_data(panel).as_ptr();
    if cols == kern.nr && rows == panel.mr {
        // SAFETY: full tile: all panel.mr rows and nr columns of C are valid (caller contract).
        unsafe { f(a.k, ap, b, ldb, c, ldc, bias, relu) };
        if !matches!(act, Activation::None | Activation::Relu) {
            for i in 0..rows {
                // SAFETY: row i of the tile, nr valid columns.
                let row = unsafe { std::slice::from_raw_parts_mut(c.add(i * ldc), cols) };
                act.apply_slice(row);
            }
        }
    } else {
        let mut tmp = [0f32; 16 * 32];
        assert!(panel.mr * kern.nr <= tmp.len());
        // SAFETY: tmp holds panel.mr rows of nr values.
        unsafe { f(a.k, ap, b, ldb, tmp.as_mut_ptr(), kern.nr, bias, relu) };
        for i in 0..rows {
            // SAFETY: only the valid `rows × cols` part of the tile is written (caller contract).
            let row = unsafe { std::slice::from_raw_parts_mut(c.add(i * ldc), cols) };
            row.copy_from_slice(&tmp[i * kern.nr..i * kern.nr + cols]);
            if !matches!(act, Activation::None | Activation::Relu) {
                act.apply_slice(row);
            }
        }
    }
}

/// `C = act(bias + A·B)` for `n` columns; `C` rows have stride `ldc` and
/// `bias` has [`PackedA::padded_rows`] values. `threads` workers of the
/// current rayon pool share the work (1: no worker is touched).
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    kern: &Fp32Kernels,
    a: &PackedA,
    b: &BSource,
    n: usize,
    c: &mut [f32],
    ldc: usize,
    bias: &[f32],
    act: Activation,
    threads: usize,
) {
    let (m, k) = (a.m, a.k);
    if m == 0 || n == 0 {
        return;
    }
    assert!(c.len() >= (m - 1) * ldc + n, "C too small");
    assert!(bias.len() >= a.padded_rows(), "bias too short");
    if let BSource::Dense { data, ld } = b {
        assert!(k == 0 || data.len() >= (k - 1) * ld + n, "B too small");
    }
    let nr = kern.nr;
    let nc = (B_BLOCK_FLOATS / k.max(1)) / nr * nr;
    let nc = nc.clamp(nr, n.div_ceil(nr) * nr);
    let col_blocks = n.div_ceil(nc);
    let npanels = a.panels.len();
    let row_groups = if threads > 1 && col_blocks < threads * 2 {
        (threads * 2).div_ceil(col_blocks).min(npanels)
    } else {
        1
    };
    let per_group = npanels.div_ceil(row_groups);
    let tasks = col_blocks * row_groups;
    let cptr = SyncPtr(c.as_mut_ptr());

    let run = |task: usize| {
        let (cb, rg) = (task % col_blocks, task / col_blocks);
        let j0 = cb * nc;
        let ncols = nc.min(n - j0);
        let (p0, p1) = (rg * per_group, ((rg + 1) * per_group).min(npanels));
        if p0 >= p1 {
            return;
        }
        let jpanels = ncols.div_ceil(nr);
        // B panels: dense full panels are read in place, the others packed into `buf`.
        enum Bp {
            InPlace(usize),
            Packed(usize),
        }
        let in_place = |cols: usize| matches!(b, BSource::Dense { .. }) && cols == nr;
        let packed = (0..jpanels)
            .filter(|&jp| !in_place(nr.min(ncols - jp * nr)))
            .count();
        let mut buf = vec![0f32; packed * k * nr];
        let mut bp = Vec::with_capacity(jpanels);
        let mut next = 0;
        for jp in 0..jpanels {
            let col = j0 + jp * nr;
            let cols = nr.min(ncols - jp * nr);
            if in_place(cols) {
                bp.push(Bp::InPlace(col));
            } else {
                b.pack_panel(k, nr, col, cols, &mut buf[next * k * nr..]);
                bp.push(Bp::Packed(next * k * nr));
                next += 1;
            }
        }
        for panel in &a.panels[p0..p1] {
            for (jp, src) in bp.iter().enumerate() {
                let col = j0 + jp * nr;
                let cols = nr.min(ncols - jp * nr);
                let (bptr, ldb) = match (src, b) {
                    (Bp::InPlace(c), BSource::Dense { data, ld }) => (data[*c..].as_ptr(), *ld),
                    (Bp::Packed(off), _) => (buf[*off..].as_ptr(), nr),
                    (Bp::InPlace(_), _) => unreachable!("only dense B is read in place"),
                };
                // SAFETY: B panel: k rows of nr values (in place: the size assert above covers
                // (k-1)*ld + col + nr ≤ len; packed: k*nr floats of buf). C: rows panel.row..
                // (< m) and columns col..col+cols (< n) of this task's disjoint rectangle;
                // bias has padded_rows values.
                unsafe {
                    run_tile(
                        kern,
                        a,
                        panel,
                        bptr,
                        ldb,
                        cptr.get().add(panel.row * ldc + col),
                        ldc,
                        cols,
                        bias.as_ptr().add(panel.row),
                        act,
                    )
                };
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
