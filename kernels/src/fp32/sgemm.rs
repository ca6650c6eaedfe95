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
//! → `nr`-column panels; a last panel of at most `lanes` columns uses the
//! set's narrow kernels. Tiles at the bottom or right edge go through a small
//! buffer. Tasks are column blocks, split by row ranges when there are more
//! threads than blocks. [`sgemm_window`] writes `C` rows as 2-D windows (the
//! interior of output planes).

use super::kernels::{Fp32Kernels, GemmFn};
use super::scratch;
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
    /// im2col of a padded input: row `p` starts at `input.data[kofs[p]]` (its
    /// channel plane plus its kernel tap's offset), column `j` is output
    /// pixel `j` (`outw` per row, strides in input pixels).
    Im2col {
        input: Planes<'a, f32>,
        kofs: &'a [usize],
        outw: usize,
        stride_w: usize,
        stride_h: usize,
    },
}

impl BSource<'_> {
    /// Packs rows `0..k`, columns `j0..j0 + cols` (`cols ≤ nr`) as `k` rows of
    /// `nr` values, zero-padded on the right.
    fn pack_panel(
        &self,
        k: usize,
        nr: usize,
        j0: usize,
        cols: usize,
        out: &mut [f32],
        kern: &Fp32Kernels,
    ) {
        if let (
            Some(pack),
            BSource::Im2col {
                input,
                kofs,
                outw,
                stride_w,
                stride_h,
            },
        ) = (kern.pack_im2col, self)
        {
            let one_row = (j0 % outw) + cols <= *outw;
            if nr == kern.nr && cols == nr && one_row && *stride_w <= 2 {
                let base = (j0 / outw) * stride_h * input.w + (j0 % outw) * stride_w;
                let span = (nr - 1) * stride_w + 1;
                let last = kofs[..k].iter().max().map_or(0, |&m| m + base + span);
                assert!(last <= input.data.len() && out.len() >= k * nr);
                // SAFETY: every row's taps lie in the input (checked just above) and out holds
                // k * nr floats; the kernel set was chosen for this CPU.
                unsafe {
                    pack(
                        input.data[base..].as_ptr(),
                        &kofs[..k],
                        *stride_w,
                        out.as_mut_ptr(),
                    )
                };
                return;
            }
        }
        // The common panel widths get a copy loop of known length (no memcpy call per row).
        match nr {
            4 => self.pack_panel_n::<4>(k, j0, cols, out),
            8 => self.pack_panel_n::<8>(k, j0, cols, out),
            12 => self.pack_panel_n::<12>(k, j0, cols, out),
            16 => self.pack_panel_n::<16>(k, j0, cols, out),
            _ => unimplemented!("panel width {nr}"),
        }
    }

    #[inline(always)]
    fn pack_panel_n<const NR: usize>(&self, k: usize, j0: usize, cols: usize, out: &mut [f32]) {
        let out = &mut out[..k * NR];
        match *self {
            BSource::Dense { data, ld } => {
                for (p, d) in out.chunks_exact_mut(NR).enumerate() {
                    let src = &data[p * ld + j0..p * ld + j0 + cols];
                    for (jj, v) in d.iter_mut().enumerate() {
                        *v = if jj < cols { src[jj] } else { 0.0 };
                    }
                }
            }
            BSource::Transposed { data, ld } => {
                for (p, d) in out.chunks_exact_mut(NR).enumerate() {
                    for (jj, v) in d.iter_mut().enumerate() {
                        *v = if jj < cols {
                            data[(j0 + jj) * ld + p]
                        } else {
                            0.0
                        };
                    }
                }
            }
            BSource::Im2col {
                input,
                kofs,
                outw,
                stride_w,
                stride_h,
            } => {
                let w = input.w;
                let data = input.data;
                let pos = |j: usize| (j / outw) * stride_h * w + (j % outw) * stride_w;
                let base = pos(j0);
                // All columns on one output row: each B row is a (strided) run of the input.
                let one_row = (j0 % outw) + cols <= outw;
                if one_row && cols == NR && stride_w <= 2 {
                    let span = (NR - 1) * stride_w + 1;
                    for (d, &ko) in out.chunks_exact_mut(NR).zip(&kofs[..k]) {
                        let src = &data[ko + base..ko + base + span];
                        let d: &mut [f32; NR] = d.try_into().expect("NR-wide chunk");
                        if stride_w == 1 {
                            d.copy_from_slice(&src[..NR]);
                        } else {
                            for (jj, v) in d.iter_mut().enumerate() {
                                *v = src[2 * jj];
                            }
                        }
                    }
                } else {
                    let mut posv = [0usize; NR];
                    for (jj, p) in posv.iter_mut().enumerate().take(cols) {
                        *p = pos(j0 + jj);
                    }
                    for (d, &ko) in out.chunks_exact_mut(NR).zip(&kofs[..k]) {
                        for (jj, v) in d.iter_mut().enumerate() {
                            *v = if jj < cols { data[ko + posv[jj]] } else { 0.0 };
                        }
                    }
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

/// Copies the first `n` (≤ 16) values: small fixed-size copies instead of a
/// `memcpy` call per row of an edge tile.
#[inline(always)]
pub(crate) fn copy_small(dst: &mut [f32], src: &[f32], n: usize) {
    macro_rules! fixed {
        ($($n:literal)*) => {
            match n {
                $($n => dst[..$n].copy_from_slice(&src[..$n]),)*
                _ => dst[..n].copy_from_slice(&src[..n]),
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

/// An edge tile: the micro-kernel writes `mr × nr` into a buffer, and the
/// `rows × cols` that exist are copied to `c` (row stride `ldc`).
///
/// # Safety
/// `b` must hold `k` rows of `nr` readable values with stride `ldb`, `a` a
/// packed panel of `mr` rows, `bias` `mr` values; `c` must be writable for
/// `rows` rows of `cols` values.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn edge_tile(
    f: GemmFn,
    k: usize,
    mr: usize,
    nr: usize,
    a: *const f32,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    bias: *const f32,
    relu: bool,
) {
    // Not zeroed: the kernel writes the whole mr × nr tile before anything reads it.
    let mut tmp = [core::mem::MaybeUninit::<f32>::uninit(); 16 * 16];
    assert!(mr * nr <= tmp.len() && rows <= mr && cols <= nr);
    // SAFETY: tmp holds mr rows of nr values; inputs per the caller's contract.
    unsafe { f(k, a, b, ldb, tmp.as_mut_ptr() as *mut f32, nr, bias, relu) };
    // SAFETY: the first mr * nr elements were initialised by the kernel just above.
    let tmp = unsafe { core::slice::from_raw_parts(tmp.as_ptr() as *const f32, mr * nr) };
    for i in 0..rows {
        // SAFETY: row i of the valid part of the tile (caller contract).
        let row = unsafe { core::slice::from_raw_parts_mut(c.add(i * ldc), cols) };
        copy_small(row, &tmp[i * nr..], cols);
    }
}

/// Columns of one block of B (whose `k` rows stay in L2 while every A panel passes over it).
fn block_columns(n: usize, k: usize, nr: usize) -> usize {
    let nc = (B_BLOCK_FLOATS / k.max(1)) / nr * nr;
    nc.clamp(nr, n.div_ceil(nr) * nr)
}

/// How many column blocks (passes over A) a GEMM of `n` columns and depth `k` makes.
pub fn column_blocks(n: usize, k: usize, kern: &Fp32Kernels) -> usize {
    n.div_ceil(block_columns(n, k, kern.nr))
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
    sgemm_window(kern, a, b, n, c, ldc, (n.max(1), n), bias, act, threads)
}

/// [`sgemm`] whose `C` rows are 2-D windows: column `j` of row `i` is at
/// `c[i * ldc + (j / w) * rs + j % w]` for `window = (w, rs)` (the interior
/// of an output plane). Tiles that straddle two window rows are written
/// piecewise.
#[allow(clippy::too_many_arguments)]
pub fn sgemm_window(
    kern: &Fp32Kernels,
    a: &PackedA,
    b: &BSource,
    n: usize,
    c: &mut [f32],
    ldc: usize,
    window: (usize, usize),
    bias: &[f32],
    act: Activation,
    threads: usize,
) {
    let (m, k) = (a.m, a.k);
    if m == 0 || n == 0 {
        return;
    }
    let (cw, crs) = window;
    assert!(cw > 0 && (n <= cw || crs >= cw), "window rows overlap");
    let coff = move |j: usize| (j / cw) * crs + j % cw;
    assert!(c.len() > (m - 1) * ldc + coff(n - 1), "C too small");
    assert!(bias.len() >= a.padded_rows(), "bias too short");
    if let BSource::Dense { data, ld } = b {
        assert!(k == 0 || data.len() >= (k - 1) * ld + n, "B too small");
    }
    let (nr, lanes) = (kern.nr, kern.lanes);
    let nc = block_columns(n, k, nr);
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
    let relu = act == Activation::Relu;
    let other_act = !matches!(act, Activation::None | Activation::Relu);

    let run = |task: usize| {
        let (cb, rg) = (task % col_blocks, task / col_blocks);
        let j0 = cb * nc;
        let ncols = nc.min(n - j0);
        let (p0, p1) = (rg * per_group, ((rg + 1) * per_group).min(npanels));
        if p0 >= p1 {
            return;
        }
        // Column panels (first column, valid columns, width): full `nr` panels,
        // and a last panel `lanes` wide when that covers what is left.
        let mut jpanels = Vec::with_capacity(ncols.div_ceil(nr));
        let mut col = j0;
        while col < j0 + ncols {
            let rem = j0 + ncols - col;
            let (cols, width) = if rem >= nr {
                (nr, nr)
            } else if rem <= lanes {
                (rem, lanes)
            } else {
                (rem, nr)
            };
            jpanels.push((col, cols, width));
            col += cols;
        }
        // Dense full panels are read in place, the others packed into `buf`.
        let in_place =
            |cols: usize, width: usize| matches!(b, BSource::Dense { .. }) && cols == width;
        let packed_len: usize = jpanels
            .iter()
            .filter(|&&(_, cols, width)| !in_place(cols, width))
            .map(|&(_, _, width)| k * width)
            .sum();
        scratch::with(packed_len, |buf| {
            // (pointer, row stride) of each B panel.
            let mut offs = Vec::with_capacity(jpanels.len());
            let mut next = 0;
            for &(col, cols, width) in &jpanels {
                if in_place(cols, width) {
                    offs.push(None);
                } else {
                    b.pack_panel(k, width, col, cols, &mut buf[next..], kern);
                    offs.push(Some(next));
                    next += k * width;
                }
            }
            let bptrs: Vec<(*const f32, usize)> = offs
                .iter()
                .zip(&jpanels)
                .map(|(off, &(col, _, width))| match (off, b) {
                    (None, BSource::Dense { data, ld }) => (data[col..].as_ptr(), *ld),
                    (Some(o), _) => (buf[*o..].as_ptr(), width),
                    (None, _) => unreachable!("only dense B is read in place"),
                })
                .collect();
            for panel in &a.panels[p0..p1] {
                let rows = panel.mr.min(m - panel.row);
                let ap = a.panel_data(panel).as_ptr();
                let bias_p = bias[panel.row..].as_ptr();
                // SAFETY: row panel.row < m of C (asserted size).
                let crow = unsafe { cptr.get().add(panel.row * ldc) };
                for (&(bptr, ldb), &(col, cols, width)) in bptrs.iter().zip(&jpanels) {
                    let f = kern.gemm_for(panel.mr, width);
                    // SAFETY: B panel: k rows of `width` values (in place: the size assert
                    // above covers (k-1)*ld + col + width ≤ len; packed: k*width floats of
                    // buf). C: rows panel.row.. (< m), columns col..col+cols (< n) of this
                    // task's disjoint rectangle (mapped through the window; size asserted);
                    // bias has padded_rows values.
                    unsafe {
                        if col % cw + cols <= cw {
                            let c = crow.add(coff(col));
                            if cols == width && rows == panel.mr {
                                f(k, ap, bptr, ldb, c, ldc, bias_p, relu);
                            } else {
                                edge_tile(
                                    f, k, panel.mr, width, ap, bptr, ldb, c, ldc, rows, cols,
                                    bias_p, relu,
                                );
                            }
                            if other_act {
                                for i in 0..rows {
                                    act.apply_slice(std::slice::from_raw_parts_mut(
                                        c.add(i * ldc),
                                        cols,
                                    ));
                                }
                            }
                        } else {
                            // The tile straddles window rows: computed into a buffer (fully
                            // written by the kernel), then each piece copied to its row.
                            let mut tile = [core::mem::MaybeUninit::<f32>::uninit(); 16 * 16];
                            assert!(panel.mr * width <= tile.len());
                            let t = tile.as_mut_ptr() as *mut f32;
                            f(k, ap, bptr, ldb, t, width, bias_p, relu);
                            let mut start = 0;
                            while start < cols {
                                let j = col + start;
                                let len = (cw - j % cw).min(cols - start);
                                for i in 0..rows {
                                    let dst = std::slice::from_raw_parts_mut(
                                        crow.add(i * ldc + coff(j)),
                                        len,
                                    );
                                    dst.copy_from_slice(std::slice::from_raw_parts(
                                        t.add(i * width + start),
                                        len,
                                    ));
                                    if other_act {
                                        act.apply_slice(dst);
                                    }
                                }
                                start += len;
                            }
                        }
                    }
                }
            }
        })
    };
    if threads <= 1 || tasks == 1 {
        (0..tasks).for_each(run);
    } else {
        use rayon::prelude::*;
        (0..tasks).into_par_iter().for_each(run);
    }
}
