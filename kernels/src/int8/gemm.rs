//! int8 GEMM convolution: weights packed into A panels at load time, the
//! input packed (im2col) into B panels per call, a micro-kernel per
//! `mr × nr` tile ([`crate::generic::int8::gemm`] describes the layout), and
//! the output stage per output channel.

use super::quantize::{stage_with, StageOut};
use super::scratch::{self, Scratch};
use super::Int8Isa;
use crate::generic::int8::gemm::{self as generic, GemmLayout, Im2col};
use crate::{parallel, Activation};

/// The panel layout the micro-kernel of `isa` reads.
pub fn layout_for(isa: Int8Isa) -> GemmLayout {
    match isa {
        Int8Isa::NeonDot => GemmLayout::DOT,
        Int8Isa::Avx2 => GemmLayout::AVX2,
        Int8Isa::Avx512Vnni => GemmLayout::VNNI,
        Int8Isa::Generic | Int8Isa::Neon => GemmLayout::K16,
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
    assert!(a.len() >= layout.a_panel_bytes(kp) && b.len() >= layout.nr * kp);
    assert!(ldc >= layout.nr && c.len() >= (layout.mr - 1) * ldc + layout.nr);
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: Avx2 is only selected when the CPU has AVX2 (Conv2dI8 and
        // the tests check `Int8Isa::is_available`); the asserts above give
        // the panel (int16 A: 2·4·kp bytes) and tile extents.
        Int8Isa::Avx2 => unsafe {
            crate::x86::int8::gemm::gemm_4x16_avx2(a.as_ptr(), b.as_ptr(), kp, c.as_mut_ptr(), ldc)
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: Avx512Vnni is only selected when the CPU has AVX-512 VNNI;
        // the asserts give the panel (6·kp bytes and 6 corrections) and
        // tile extents.
        Int8Isa::Avx512Vnni => unsafe {
            crate::x86::int8::gemm::gemm_6x32_vnni(a.as_ptr(), b.as_ptr(), kp, c.as_mut_ptr(), ldc)
        },
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

/// The first `cols` (1 ..= `nr`) columns of one tile (a matrix's last,
/// partial B panel): `c[r·ldc + j]` for `r < mr`, `j < cols`. On armv7 one
/// or two columns go through a one-column kernel (ResNet-18's 7×7 maps
/// leave one column of 49, for a whole 4×4 tile's work); otherwise a tile
/// into a temporary.
#[allow(clippy::too_many_arguments)]
pub fn gemm_columns(
    isa: Int8Isa,
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
    #[cfg(target_arch = "arm")]
    if isa == Int8Isa::Neon && cols <= 2 {
        assert_eq!(layout, layout_for(isa), "panels packed for another kernel");
        assert!(kp % 16 == 0 && kp > 0);
        assert!(a.len() >= 4 * kp && b.len() >= 4 * kp);
        for j in 0..cols {
            // SAFETY: NEON per Int8Isa; the asserts give 4·kp bytes of A, the
            // K16 B panel (4·kp bytes: column j's groups at 16j + 64·block)
            // and 4 rows of c at stride ldc from column j < cols.
            unsafe {
                crate::arm32::int8::gemm::gemm_4x1(
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
    let mut tile = [0i32; 8 * 32];
    gemm_tile(isa, layout, a, b, kp, &mut tile, nr);
    for r in 0..mr {
        c[r * ldc..r * ldc + cols].copy_from_slice(&tile[r * nr..r * nr + cols]);
    }
}

/// Runs the tiles of `panels` consecutive B panels (`b`) against one A panel:
/// `c[r·ldc + nr·p + col]`.
#[allow(clippy::too_many_arguments)]
pub fn gemm_row(
    isa: Int8Isa,
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
    assert_eq!(layout, layout_for(isa), "panels packed for another kernel");
    assert!(kp % 16 == 0 && kp > 0);
    assert!(a.len() >= layout.mr * kp && b.len() >= panels * nr * kp);
    assert!(ldc >= panels * nr && c.len() >= (layout.mr - 1) * ldc + panels * nr);
    match isa {
        #[cfg(target_arch = "arm")]
        // SAFETY: Neon is only selected when the CPU has NEON; the asserts
        // give the panel and tile extents the kernel reads and writes.
        Int8Isa::Neon => unsafe {
            crate::arm32::int8::gemm::gemm_4xn(
                a.as_ptr(),
                b.as_ptr(),
                kp,
                c.as_mut_ptr(),
                ldc,
                panels,
            )
        },
        _ => {
            for p in 0..panels {
                gemm_tile(isa, layout, a, &b[p * nr * kp..], kp, &mut c[p * nr..], ldc);
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

/// Packs 16 rows × 8 columns of the k-major matrix `b` (from row `k0`,
/// column `n0`, row stride `ld`) into the panels of `dst` (one chunk of 8
/// columns: two K16 panels or one DOT panel of `kp` depth), at k-block
/// `kb`. NEON only.
#[cfg_attr(
    not(any(target_arch = "arm", target_arch = "aarch64")),
    allow(unused_variables)
)]
#[allow(clippy::too_many_arguments)]
fn pack_block_neon(
    isa: Int8Isa,
    b: &[i8],
    ld: usize,
    k0: usize,
    n0: usize,
    kp: usize,
    dst: &mut [i8],
    kb: usize,
) {
    assert!(b.len() >= (k0 + 15) * ld + n0 + 8 && dst.len() >= 8 * kp && 16 * kb < kp);
    let src = b[k0 * ld + n0..].as_ptr();
    match isa {
        #[cfg(target_arch = "arm")]
        // SAFETY: NEON per Int8Isa; reads 16 rows of 8 bytes (assert above),
        // writes 64 bytes at kb·64 in each of the chunk's two 4·kp panels.
        Int8Isa::Neon => unsafe {
            crate::arm32::int8::gemm::pack_k16x8(src, ld, dst[kb * 64..].as_mut_ptr(), 4 * kp)
        },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: as above (NEON is architectural).
        Int8Isa::Neon => unsafe {
            crate::arm64::int8::gemm::pack_k16x8(src, ld, dst[kb * 64..].as_mut_ptr(), 4 * kp)
        },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: reads 16 rows of 8 bytes, writes 128 bytes at kb·128 of the
        // 8·kp DOT panel.
        Int8Isa::NeonDot => unsafe {
            crate::arm64::int8::gemm::pack_dot16x8(src, ld, dst[kb * 128..].as_mut_ptr())
        },
        _ => unreachable!("no NEON packer for {isa:?}"),
    }
}

/// [`generic::strided_rows`] with NEON for stride 2: the rows whose source
/// holds `2·outw` bytes in one kernel call (a call per row of 7 to
/// 28 bytes, ResNet's stride-2 maps, cost more than its bytes), the others
/// row by row.
fn copy_strided_rows(
    isa: Int8Isa,
    from: &[i8],
    step: usize,
    out: &mut [i8],
    outw: usize,
    stride: usize,
) {
    let rows = out.len() / outw;
    #[allow(unused_mut)]
    let mut done = 0;
    #[cfg(any(target_arch = "arm", target_arch = "aarch64"))]
    if stride == 2 && isa.is_neon() && outw >= 8 && from.len() >= 2 * outw {
        done = ((from.len() - 2 * outw) / step + 1).min(rows);
        #[cfg(target_arch = "arm")]
        use crate::arm32::int8::gemm::copy_rows_stride2;
        #[cfg(target_arch = "aarch64")]
        use crate::arm64::int8::gemm::copy_rows_stride2;
        // SAFETY: NEON per Int8Isa; row i < done reads from[i·step..][..2·outw]
        // (within `from` by the choice of `done`) and writes
        // out[i·outw..][..outw] (done ≤ rows); done > 0 as from has 2·outw.
        unsafe { copy_rows_stride2(from.as_ptr(), step, out.as_mut_ptr(), outw, done) }
    }
    for i in done..rows {
        copy_strided(isa, &from[i * step..], &mut out[i * outw..][..outw], stride);
    }
}

/// `out[j] = from[j·stride]`, de-interleaving with NEON for stride 2 (the
/// row's tail too, through a temporary, when `from` has the 16 bytes): the
/// rows [`copy_strided_rows`] cannot give its row loop (a map's last rows).
fn copy_strided(isa: Int8Isa, from: &[i8], out: &mut [i8], stride: usize) {
    let mut done = 0;
    if stride == 2 && isa.is_neon() {
        let blocks = (out.len() / 8).min(from.len() / 16);
        if blocks > 0 {
            stride2_neon(isa, from, &mut out[..8 * blocks], blocks);
            done = 8 * blocks;
        }
        if done < out.len() && from.len() >= done * 2 + 16 {
            let mut tmp = [0i8; 8];
            stride2_neon(isa, &from[2 * done..], &mut tmp, 1);
            let n = out.len() - done;
            out[done..].copy_from_slice(&tmp[..n]);
            done = out.len();
        }
    }
    for (j, x) in out.iter_mut().enumerate().skip(done) {
        *x = from[j * stride];
    }
}

/// `out[j] = from[2j]` for `j < 8·blocks` with the NEON kernel of `isa`.
#[cfg_attr(
    not(any(target_arch = "arm", target_arch = "aarch64")),
    allow(unused_variables)
)]
fn stride2_neon(isa: Int8Isa, from: &[i8], out: &mut [i8], blocks: usize) {
    assert!(blocks > 0 && from.len() >= 16 * blocks && out.len() >= 8 * blocks);
    match isa {
        #[cfg(target_arch = "arm")]
        // SAFETY: NEON per Int8Isa; reads 16·blocks ≤ from.len() bytes,
        // writes 8·blocks ≤ out.len() bytes (assert).
        Int8Isa::Neon => unsafe {
            crate::arm32::int8::gemm::copy_stride2(from.as_ptr(), out.as_mut_ptr(), blocks)
        },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: as above (NEON is architectural).
        Int8Isa::Neon | Int8Isa::NeonDot => unsafe {
            crate::arm64::int8::gemm::copy_stride2(from.as_ptr(), out.as_mut_ptr(), blocks)
        },
        _ => unreachable!("no NEON copy for {isa:?}"),
    }
}

/// Packs the whole B of an im2col source (`n = outw·outh` output pixels)
/// into panels, in chunks of 8 columns (two K16 panels or one DOT panel).
/// 1×1 stride-1 sources are read in place (plane `q` is row `q`); others
/// are first written k-major by [`generic::im2col`].
pub(crate) fn pack_b(
    isa: Int8Isa,
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
                copy_strided_rows(isa, from, step, out, outw, stride)
            },
        );
        owned = m;
        (&owned, n)
    };
    if isa.is_x86() {
        return pack_b_x86(layout, bk, ld, k, n, threads);
    }
    let neon = isa.is_neon();
    // Every byte is written, padding included (as zeros).
    let mut b = scratch::take::<i8>(n.div_ceil(8) * 8 * kp);
    parallel::for_each_chunk_mut(&mut b, 8 * kp, threads, |ci, dst| {
        let n0 = 8 * ci;
        let full_cols = neon && n0 + 8 <= n;
        let mut full_kb = if full_cols { k / 16 } else { 0 };
        for kb in 0..full_kb {
            pack_block_neon(isa, bk, ld, 16 * kb, n0, kp, dst, kb);
        }
        if full_cols && k % 16 != 0 {
            // The last, partial k-block: through 16 zero-padded rows of 8.
            let mut tmp = [0i8; 16 * 8];
            for (r, row) in tmp.chunks_exact_mut(8).take(k % 16).enumerate() {
                row.copy_from_slice(&bk[(16 * full_kb + r) * ld + n0..][..8]);
            }
            pack_block_neon(isa, &tmp, 8, 0, 0, kp, dst, full_kb);
            full_kb += 1;
        }
        for (pi, panel) in dst.chunks_exact_mut(layout.nr * kp).enumerate() {
            let c0 = n0 + pi * layout.nr;
            generic::pack_b_panel(layout, bk, ld, k, n, c0, full_kb, panel);
        }
    });
    b
}

/// [`pack_b`] for the x86 layouts: one panel of `nr` columns per chunk, by
/// 16-`k` blocks with the SSE2 packer; blocks past the matrix's last row or
/// column go through a zero-padded copy.
fn pack_b_x86(
    layout: GemmLayout,
    bk: &[i8],
    ld: usize,
    k: usize,
    n: usize,
    threads: usize,
) -> Scratch<i8> {
    let (nr, kp) = (layout.nr, GemmLayout::padded_k(k));
    let mut b = scratch::take::<i8>(n.div_ceil(nr) * nr * kp);
    parallel::for_each_chunk_mut(&mut b, nr * kp, threads, |pi, panel| {
        let n0 = pi * nr;
        let cols = nr.min(n - n0);
        for kb in 0..kp / 16 {
            let rows = 16.min(k - 16 * kb);
            let dst = &mut panel[16 * nr * kb..];
            if cols == nr && rows == 16 {
                pack_block_x86(layout, &bk[16 * kb * ld + n0..], ld, dst);
            } else {
                let mut tmp = [0i8; 16 * 32];
                for (r, row) in tmp.chunks_exact_mut(nr).take(rows).enumerate() {
                    row[..cols].copy_from_slice(&bk[(16 * kb + r) * ld + n0..][..cols]);
                }
                pack_block_x86(layout, &tmp, nr, dst);
            }
        }
    });
    b
}

/// Packs 16 rows × `nr` columns of the k-major `src` (row stride `ld`) into
/// one 16-`k` block (`16·nr` bytes) of an x86 B panel.
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
fn pack_block_x86(layout: GemmLayout, src: &[i8], ld: usize, dst: &mut [i8]) {
    let nr = layout.nr;
    assert!(src.len() >= 15 * ld + nr && dst.len() >= 16 * nr);
    match layout {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of x86-64; reads 16 bytes at 16 rows spaced
        // `ld`, writes 256 bytes (asserts above, nr = 16).
        GemmLayout::AVX2 => unsafe {
            crate::x86::int8::gemm::pack_k16x16_pairs(src.as_ptr(), ld, dst.as_mut_ptr())
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, 32 bytes of 16 rows read, 512 bytes written (nr = 32).
        GemmLayout::VNNI => unsafe {
            crate::x86::int8::gemm::pack_k16x32_biased_quads(src.as_ptr(), ld, dst.as_mut_ptr())
        },
        _ => unreachable!("no x86 packer for {layout:?}"),
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
            stage_block(isa, a, b, n, stage, rows, rb, &mut c);
        }
    });
}

/// One row block of [`gemm_rows`]: its tiles into `c` (`mr × n`), then the
/// output stage of each row.
#[allow(clippy::too_many_arguments)]
fn stage_block(
    isa: Int8Isa,
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
        gemm_row(isa, layout, panel, b, kp, c, n, full);
        if full * nr < n {
            let cols = n - full * nr;
            gemm_columns(
                isa,
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
                isa,
                &c[r * n..(r + 1) * n],
                stage.mul[p],
                stage.bias[p],
                stage.act,
                out.reborrow(),
            );
        }
    }
}
