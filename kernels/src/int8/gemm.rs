//! int8 GEMM convolution: weights packed into A panels at load time, the
//! input packed (im2col) into B panels per call, a micro-kernel per
//! `mr × nr` tile ([`crate::generic::int8::gemm`] describes the layout), and
//! the output stage per output channel.

use super::kernels::Int8Kernels;
use super::quantize::{stage_with, StageOut};
use super::scratch::{self, Scratch};
use crate::generic::int8::gemm::{self as generic, GemmLayout, Im2col};
use crate::{parallel, Activation};

/// Runs one `mr × nr` tile with the micro-kernel of `kern` (whose layout the
/// panels must be in): `c[r·ldc + col]` for `r < mr`, `col < nr`.
#[inline]
pub fn gemm_tile(
    kern: &Int8Kernels,
    layout: GemmLayout,
    a: &[i8],
    b: &[i8],
    kp: usize,
    c: &mut [i32],
    ldc: usize,
) {
    assert_eq!(layout, kern.layout, "panels packed for another kernel");
    assert!(kp % 16 == 0 && kp > 0);
    assert!(a.len() >= layout.a_panel_bytes(kp) && b.len() >= layout.nr * kp);
    assert!(ldc >= layout.nr && c.len() >= (layout.mr - 1) * ldc + layout.nr);
    // SAFETY: `kern` is a token that this CPU runs its kernels (only the
    // registry and the enumeration hand kernel objects out); the asserts
    // above give the panel (int16 A for AVX2; corrections after the VNNI
    // one) and tile extents the kernel reads and writes.
    unsafe { (kern.gemm_tile)(a.as_ptr(), b.as_ptr(), kp, c.as_mut_ptr(), ldc) }
}

/// The first `cols` (1 ..= `nr`) columns of one tile (a matrix's last,
/// partial B panel): `c[r·ldc + j]` for `r < mr`, `j < cols`. Where `kern`
/// has a one-column kernel (armv7), one or two columns go through it
/// (ResNet-18's 7×7 maps leave one column of 49, for a whole 4×4 tile's
/// work); otherwise a tile into a temporary.
#[allow(clippy::too_many_arguments)]
pub fn gemm_columns(
    kern: &Int8Kernels,
    layout: GemmLayout,
    a: &[i8],
    b: &[i8],
    kp: usize,
    c: &mut [i32],
    ldc: usize,
    cols: usize,
) {
    let (mr, nr) = (layout.mr, layout.nr);
    assert!(cols >= 1 && cols <= nr && ldc >= cols);
    assert!(c.len() >= (mr - 1) * ldc + cols);
    if let Some(col) = kern.gemm_col {
        if cols <= 2 {
            assert_eq!(layout, kern.layout, "panels packed for another kernel");
            assert!(kp % 16 == 0 && kp > 0);
            assert!(a.len() >= 4 * kp && b.len() >= 4 * kp);
            for j in 0..cols {
                // SAFETY: `kern` is a token for this CPU; the asserts give
                // 4·kp bytes of A, the K16 B panel (4·kp bytes: column j's
                // groups at 16j + 64·block) and 4 rows of c at stride ldc
                // from column j < cols.
                unsafe {
                    col(
                        a.as_ptr(),
                        b[16 * j..].as_ptr(),
                        kp,
                        c[j..].as_mut_ptr(),
                        ldc,
                    )
                }
            }
            return;
        }
    }
    let mut tile = [0i32; 8 * 32];
    gemm_tile(kern, layout, a, b, kp, &mut tile, nr);
    for r in 0..mr {
        c[r * ldc..r * ldc + cols].copy_from_slice(&tile[r * nr..r * nr + cols]);
    }
}

/// Runs the tiles of `panels` consecutive B panels (`b`) against one A panel:
/// `c[r·ldc + nr·p + col]`.
#[allow(clippy::too_many_arguments)]
pub fn gemm_row(
    kern: &Int8Kernels,
    layout: GemmLayout,
    a: &[i8],
    b: &[i8],
    kp: usize,
    c: &mut [i32],
    ldc: usize,
    panels: usize,
) {
    if panels == 0 {
        return;
    }
    let nr = layout.nr;
    assert_eq!(layout, kern.layout, "panels packed for another kernel");
    assert!(kp % 16 == 0 && kp > 0);
    assert!(a.len() >= layout.mr * kp && b.len() >= panels * nr * kp);
    assert!(ldc >= panels * nr && c.len() >= (layout.mr - 1) * ldc + panels * nr);
    match kern.gemm_row {
        // SAFETY: `kern` is a token for this CPU; the asserts give the panel
        // and tile extents the kernel reads and writes.
        Some(row) => unsafe { row(a.as_ptr(), b.as_ptr(), kp, c.as_mut_ptr(), ldc, panels) },
        None => {
            for p in 0..panels {
                gemm_tile(
                    kern,
                    layout,
                    a,
                    &b[p * nr * kp..],
                    kp,
                    &mut c[p * nr..],
                    ldc,
                );
            }
        }
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
    /// Σ_k A[r][k] of every row (the sum a constant input gives, per unit).
    pub row_sums: Vec<i32>,
}

impl PackedA {
    pub fn new(layout: GemmLayout, w: &[i8], m: usize, k: usize) -> PackedA {
        PackedA {
            layout,
            m,
            kp: GemmLayout::padded_k(k),
            data: generic::pack_a(layout, w, m, k),
            row_sums: w[..m * k]
                .chunks(k.max(1))
                .map(|r| r.iter().map(|&x| x as i32).sum())
                .collect(),
        }
    }

    pub fn panel(&self, rb: usize) -> &[i8] {
        let len = self.layout.a_panel_bytes(self.kp);
        &self.data[rb * len..(rb + 1) * len]
    }
}

/// The NEON half of [`pack_b`] for one chunk of 8 columns (from `n0`, all
/// inside the matrix) of the k-major `b` (row stride `ld`, `k` rows) into
/// `dst` (two K16 panels, or one DOT panel, of `kp` depth): every whole
/// 16-`k` block by `block`, then the last, partial one through 16
/// zero-padded rows of 8. Returns the blocks written; [`pack_b`] packs the
/// rest portably. Always inlined, so that each platform's `PackChunkFn`
/// instance keeps its block kernel inline (a call per 128-byte block,
/// with the register saves of its `asm!`, would cost a third of the block).
///
/// `block(src, ld, dst, panel)` packs 16 rows of 8 bytes at `src` (stride
/// `ld`) into the 16-`k` block at `dst` of a chunk whose panels are `panel`
/// bytes apart: `16·nr` bytes at `dst` (and, for K16's two 4-column panels,
/// at `dst + panel`).
///
/// # Safety
/// `block` must run on this CPU and write only as described.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
#[cfg_attr(
    not(any(target_arch = "arm", target_arch = "aarch64")),
    allow(dead_code)
)]
pub(crate) unsafe fn pack_chunk_blocks(
    nr: usize,
    b: &[i8],
    ld: usize,
    k: usize,
    n0: usize,
    kp: usize,
    dst: &mut [i8],
    block: impl Fn(*const i8, usize, *mut i8, usize),
) -> usize {
    assert!(nr == 4 || nr == 8);
    let full_kb = k / 16;
    let pack = |b: &[i8], ld: usize, k0: usize, n0: usize, dst: &mut [i8], kb: usize| {
        assert!(b.len() >= (k0 + 15) * ld + n0 + 8 && dst.len() >= 8 * kp && 16 * kb < kp);
        // `block` writes 16·nr bytes at 16·nr·kb (and at + nr·kp when nr =
        // 4): within the chunk's 8·kp bytes as 16·(kb + 1) ≤ kp.
        block(
            b[k0 * ld + n0..].as_ptr(),
            ld,
            dst[16 * nr * kb..].as_mut_ptr(),
            nr * kp,
        )
    };
    for kb in 0..full_kb {
        pack(b, ld, 16 * kb, n0, dst, kb);
    }
    if k % 16 == 0 {
        return full_kb;
    }
    // The last, partial k-block: through 16 zero-padded rows of 8.
    let mut tmp = [0i8; 16 * 8];
    for (r, row) in tmp.chunks_exact_mut(8).take(k % 16).enumerate() {
        row.copy_from_slice(&b[(16 * full_kb + r) * ld + n0..][..8]);
    }
    pack(&tmp, 8, 0, 0, dst, full_kb);
    full_kb + 1
}

/// [`generic::strided_rows`] with `kern`'s stride-2 kernels: the rows whose
/// source holds `2·outw` bytes in one kernel call (a call per row of 7 to
/// 28 bytes, ResNet's stride-2 maps, cost more than its bytes), the others
/// row by row.
fn copy_strided_rows(
    kern: &Int8Kernels,
    from: &[i8],
    step: usize,
    out: &mut [i8],
    outw: usize,
    stride: usize,
) {
    let rows = out.len() / outw;
    let mut done = 0;
    if let Some(copy) = kern.copy_rows_stride2 {
        if stride == 2 && outw >= 8 && from.len() >= 2 * outw {
            done = ((from.len() - 2 * outw) / step + 1).min(rows);
            // SAFETY: `kern` is a token for this CPU; row i < done reads
            // from[i·step..][..2·outw] (within `from` by the choice of
            // `done`) and writes out[i·outw..][..outw] (done ≤ rows); done >
            // 0 as from has 2·outw.
            unsafe { copy(from.as_ptr(), step, out.as_mut_ptr(), outw, done) }
        }
    }
    for i in done..rows {
        copy_strided(
            kern,
            &from[i * step..],
            &mut out[i * outw..][..outw],
            stride,
        );
    }
}

/// `out[j] = from[j·stride]`, de-interleaving with `kern`'s kernel for
/// stride 2 (the row's tail too, through a temporary, when `from` has the
/// 16 bytes): the rows [`copy_strided_rows`] cannot give its row loop (a
/// map's last rows).
fn copy_strided(kern: &Int8Kernels, from: &[i8], out: &mut [i8], stride: usize) {
    let mut done = 0;
    if let (2, Some(copy)) = (stride, kern.copy_stride2) {
        let blocks = (out.len() / 8).min(from.len() / 16);
        if blocks > 0 {
            // SAFETY: `kern` is a token for this CPU; reads 16·blocks ≤
            // from.len() bytes, writes 8·blocks ≤ out.len().
            unsafe { copy(from.as_ptr(), out.as_mut_ptr(), blocks) }
            done = 8 * blocks;
        }
        if done < out.len() && from.len() >= done * 2 + 16 {
            let mut tmp = [0i8; 8];
            // SAFETY: as above, one block: 16 bytes from 2·done (checked),
            // 8 into tmp.
            unsafe { copy(from[2 * done..].as_ptr(), tmp.as_mut_ptr(), 1) }
            let n = out.len() - done;
            out[done..].copy_from_slice(&tmp[..n]);
            done = out.len();
        }
    }
    for (j, x) in out.iter_mut().enumerate().skip(done) {
        *x = from[j * stride];
    }
}

/// Packs the whole B of an im2col source (`n = outw·outh` output pixels)
/// into panels, in chunks of 8 columns (two K16 panels or one DOT panel).
/// 1×1 stride-1 sources are read in place (plane `q` is row `q`); others
/// are first written k-major by [`generic::im2col`].
pub(crate) fn pack_b(
    kern: &Int8Kernels,
    layout: GemmLayout,
    src: &Im2col,
    one_by_one: bool,
    outh: usize,
    threads: usize,
) -> Scratch<i8> {
    let n = src.outw * outh;
    let k = src.k();
    let kp = GemmLayout::padded_k(k);
    let owned;
    let (bk, ld): (&[i8], usize) = if one_by_one {
        (src.planes.data, src.planes.cstep)
    } else {
        // Every element is written: no zeroing needed.
        let mut m = scratch::take::<i8>(k * n);
        generic::im2col_with(
            src,
            outh,
            &mut m,
            &|from: &[i8], step: usize, out: &mut [i8], outw: usize, stride: usize| {
                copy_strided_rows(kern, from, step, out, outw, stride)
            },
        );
        owned = m;
        (&owned, n)
    };
    if let Some(panel) = kern.pack_b_panel {
        // One panel of `nr` columns per chunk, all of it by `kern`.
        let (nr, kp) = (layout.nr, GemmLayout::padded_k(k));
        let mut b = scratch::take::<i8>(n.div_ceil(nr) * nr * kp);
        parallel::for_each_chunk_mut(&mut b, nr * kp, threads, |pi, dst| {
            // SAFETY: `kern` is a token for this CPU; the packer asserts its
            // reads and writes.
            unsafe { panel(bk, ld, k, n, pi * nr, dst) }
        });
        return b;
    }
    // Every byte is written, padding included (as zeros).
    let mut b = scratch::take::<i8>(n.div_ceil(8) * 8 * kp);
    parallel::for_each_chunk_mut(&mut b, 8 * kp, threads, |ci, dst| {
        let n0 = 8 * ci;
        let full_kb = match kern.pack_b_chunk {
            // SAFETY: `kern` is a token for this CPU; the chunk's 8 columns
            // are inside the matrix (the packer asserts the rows).
            Some(chunk) if n0 + 8 <= n => unsafe { chunk(bk, ld, k, n0, kp, dst) },
            _ => 0,
        };
        for (pi, panel) in dst.chunks_exact_mut(layout.nr * kp).enumerate() {
            let c0 = n0 + pi * layout.nr;
            generic::pack_b_panel(layout, bk, ld, k, n, c0, full_kb, panel);
        }
    });
    b
}

/// The x86 form of [`pack_b`] for one B panel: columns `n0 .. n0 + nr` of
/// the k-major `bk` (`k` rows of `n`, stride `ld`) into `panel` (`nr·kp`
/// bytes), by 16-`k` blocks with `block(src, ld, dst)` (16 rows of `nr`
/// bytes at `src`, stride `ld`, into the `16·nr` bytes at `dst`); blocks
/// past the matrix's last row or column go through a zero-padded copy.
/// Always inlined, so that each platform's `PackPanelFn` keeps its block
/// packer inline.
///
/// # Safety
/// `block` must run on this CPU and read and write only as described.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) unsafe fn pack_panel_blocks(
    nr: usize,
    bk: &[i8],
    ld: usize,
    k: usize,
    n: usize,
    n0: usize,
    panel: &mut [i8],
    block: impl Fn(*const i8, usize, *mut i8),
) {
    assert!(nr <= 32 && n0 < n);
    let kp = GemmLayout::padded_k(k);
    let cols = nr.min(n - n0);
    let pack = |src: &[i8], ld: usize, dst: &mut [i8]| {
        assert!(src.len() >= 15 * ld + nr && dst.len() >= 16 * nr);
        block(src.as_ptr(), ld, dst.as_mut_ptr())
    };
    for kb in 0..kp / 16 {
        let rows = 16.min(k - 16 * kb);
        let dst = &mut panel[16 * nr * kb..];
        if cols == nr && rows == 16 {
            pack(&bk[16 * kb * ld + n0..], ld, dst);
        } else {
            let mut tmp = [0i8; 16 * 32];
            for (r, row) in tmp.chunks_exact_mut(nr).take(rows).enumerate() {
                row[..cols].copy_from_slice(&bk[(16 * kb + r) * ld + n0..][..cols]);
            }
            pack(&tmp, nr, dst);
        }
    }
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
    kern: &Int8Kernels,
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
    // Row blocks in one group per worker (a few more for balance), so each
    // group allocates its int32 scratch once.
    let nblocks = a.m.div_ceil(mr);
    let per_group = if threads <= 1 {
        nblocks
    } else {
        nblocks.div_ceil(4 * threads).max(1)
    };
    let mut groups: Vec<&mut [StageOut]> = outs.chunks_mut(mr * per_group).collect();
    parallel::for_each_mut(&mut groups, threads, |gi, group| {
        let mut c = scratch::take::<i32>(mr * n);
        for (bi, rows) in group.chunks_mut(mr).enumerate() {
            let rb = gi * per_group + bi;
            stage_block(kern, a, b, n, stage, rows, rb, &mut c);
        }
    });
}

/// One row block of [`gemm_rows`]: its tiles into `c` (`mr × n`), then the
/// output stage of each row.
#[allow(clippy::too_many_arguments)]
fn stage_block(
    kern: &Int8Kernels,
    a: &PackedA,
    b: &[i8],
    n: usize,
    stage: &Stage,
    rows: &mut [StageOut],
    rb: usize,
    c: &mut [i32],
) {
    let layout = a.layout;
    let (mr, nr, kp) = (layout.mr, layout.nr, a.kp);
    {
        let panel = a.panel(rb);
        let full = n / nr;
        gemm_row(kern, layout, panel, b, kp, c, n, full);
        if full * nr < n {
            let cols = n - full * nr;
            gemm_columns(
                kern,
                layout,
                panel,
                &b[full * nr * kp..],
                kp,
                &mut c[full * nr..],
                n,
                cols,
            );
        }
        for (r, out) in rows.iter_mut().enumerate() {
            let p = rb * mr + r;
            stage_with(
                kern,
                &c[r * n..(r + 1) * n],
                stage.mul[p],
                stage.bias[p],
                stage.act,
                out.reborrow(),
            );
        }
    }
}
