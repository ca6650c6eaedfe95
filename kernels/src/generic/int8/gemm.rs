//! Portable int8 GEMM micro-kernel and the packing of both operands.
//!
//! The int8 GEMM computes `C[m][n] = Σ_k A[m][k] · B[k][n]` with A the weights
//! (`m` = output channel, `k` = input channel × kernel tap) and B the input
//! (im2col; `n` = output pixel). Both operands are packed in panels: A in
//! blocks of `mr` rows, B in blocks of `nr` columns, and inside a panel `k`
//! in groups of `g` consecutive values per row/column:
//!
//! ```text
//! A panel:  [k / g][row 0..mr][k % g]      B panel:  [k / g][col 0..nr][k % g]
//! ```
//!
//! `k` is zero-padded to a multiple of 16 and rows/columns to a multiple of
//! `mr`/`nr`, so kernels never see a partial panel. The layout follows the
//! instructions: armv7/aarch64 NEON multiply 8-byte halves of 16 consecutive
//! `k` (`vmull.s8` + `vmlal.s8` + `vpadal.s16`; [`GemmLayout::K16`]); `sdot`
//! multiplies groups of 4 `k` of 4 rows by 4 `k` of one column
//! ([`GemmLayout::DOT`]).

/// Panel shape of an int8 GEMM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GemmLayout {
    /// Rows (output channels) per A panel.
    pub mr: usize,
    /// Columns (output pixels) per B panel.
    pub nr: usize,
    /// Consecutive `k` values per row/column inside a panel.
    pub g: usize,
}

impl GemmLayout {
    /// 4×4 tiles, `k` in groups of 16 (portable and NEON `vmull.s8` kernels).
    pub const K16: GemmLayout = GemmLayout {
        mr: 4,
        nr: 4,
        g: 16,
    };
    /// 8×8 tiles, `k` in groups of 4 (aarch64 `sdot` kernel).
    pub const DOT: GemmLayout = GemmLayout { mr: 8, nr: 8, g: 4 };

    /// `k` rounded up to the padding every layout uses.
    pub fn padded_k(k: usize) -> usize {
        k.div_ceil(16) * 16
    }

    /// Offset of element (`row`, `k`) inside an A panel (also (`col`, `k`)
    /// inside a B panel with `nr` for `mr`).
    #[inline(always)]
    fn offset(rows: usize, g: usize, r: usize, k: usize) -> usize {
        (k / g) * rows * g + r * g + k % g
    }
}

/// Packs `m × k` row-major weights into A panels (see the module doc).
pub fn pack_a(layout: GemmLayout, w: &[i8], m: usize, k: usize) -> Vec<i8> {
    assert!(w.len() >= m * k);
    let kp = GemmLayout::padded_k(k);
    let blocks = m.div_ceil(layout.mr);
    let mut out = vec![0i8; blocks * layout.mr * kp];
    for row in 0..m {
        let panel = &mut out[(row / layout.mr) * layout.mr * kp..][..layout.mr * kp];
        let r = row % layout.mr;
        for (kk, &v) in w[row * k..(row + 1) * k].iter().enumerate() {
            panel[GemmLayout::offset(layout.mr, layout.g, r, kk)] = v;
        }
    }
    out
}

/// Where the columns of B come from: output pixel `n` = (`i`, `j`) of an
/// `outw`-wide map reads input plane `q` at `i·stride_h·w + j·stride_w +
/// tap_ofs[t]` for `k = q·taps + t`.
#[derive(Clone, Copy, Debug)]
pub struct Im2col<'a> {
    /// The input planes of this group.
    pub planes: crate::Planes<'a, i8>,
    pub outw: usize,
    pub stride_w: usize,
    pub stride_h: usize,
    /// Element offsets of the kernel taps ([`crate::ConvGeometry::tap_offsets`]).
    pub tap_ofs: &'a [usize],
}

impl Im2col<'_> {
    /// Rows of B (`k`).
    pub fn k(&self) -> usize {
        self.planes.c * self.tap_ofs.len()
    }
}

/// Packs columns `n0 .. n0 + nr` of the im2col matrix into one B panel of
/// `kp · nr` bytes (`dst`), zero-filling columns past `n_total` and `k`
/// past the real depth.
pub fn pack_b_panel(layout: GemmLayout, src: &Im2col, n0: usize, n_total: usize, dst: &mut [i8]) {
    let nr = layout.nr;
    let g = layout.g;
    let k = src.k();
    let kp = GemmLayout::padded_k(k);
    let dst = &mut dst[..kp * nr];
    dst.fill(0);
    let taps = src.tap_ofs.len();
    let w = src.planes.w;
    for c in 0..nr.min(n_total.saturating_sub(n0)) {
        let n = n0 + c;
        let (i, j) = (n / src.outw, n % src.outw);
        let base = i * src.stride_h * w + j * src.stride_w;
        for q in 0..src.planes.c {
            let plane = src.planes.plane(q);
            for (t, &o) in src.tap_ofs.iter().enumerate() {
                let kk = q * taps + t;
                dst[GemmLayout::offset(nr, g, c, kk)] = plane[base + o];
            }
        }
    }
}

/// Packs columns `n0 .. n0 + nr` of a 1×1 stride-1 convolution's B (plane `q`
/// element `n`) into one panel: the common case, without index arithmetic
/// per element.
pub fn pack_b_panel_1x1(
    layout: GemmLayout,
    planes: &crate::Planes<i8>,
    n0: usize,
    n_total: usize,
    dst: &mut [i8],
) {
    let nr = layout.nr;
    let g = layout.g;
    let k = planes.c;
    let kp = GemmLayout::padded_k(k);
    let dst = &mut dst[..kp * nr];
    let cols = nr.min(n_total.saturating_sub(n0));
    if cols < nr || k % g != 0 {
        dst.fill(0);
    }
    for (kb, block) in dst.chunks_exact_mut(nr * g).enumerate() {
        let k0 = kb * g;
        if k0 >= k {
            break;
        }
        let kn = g.min(k - k0);
        for kk in 0..kn {
            let row = &planes.data[(k0 + kk) * planes.cstep + n0..];
            for c in 0..cols {
                block[c * g + kk] = row[c];
            }
        }
    }
}

/// One `mr × nr` tile: `c[r·ldc + col] = Σ_k A(r, k) · B(col, k)` over
/// `kp` (padded) `k`, with wrapping int32 arithmetic like the NEON kernels.
pub fn gemm_tile(layout: GemmLayout, a: &[i8], b: &[i8], kp: usize, c: &mut [i32], ldc: usize) {
    let (mr, nr, g) = (layout.mr, layout.nr, layout.g);
    let a = &a[..mr * kp];
    let b = &b[..nr * kp];
    let mut acc = [[0i32; 8]; 8];
    for kb in 0..kp / g {
        let ab = &a[kb * mr * g..(kb + 1) * mr * g];
        let bb = &b[kb * nr * g..(kb + 1) * nr * g];
        for (r, acc_r) in acc.iter_mut().enumerate().take(mr) {
            let ar = &ab[r * g..(r + 1) * g];
            for (col, acc_rc) in acc_r.iter_mut().enumerate().take(nr) {
                let bc = &bb[col * g..(col + 1) * g];
                let s: i32 = ar.iter().zip(bc).map(|(&x, &y)| x as i32 * y as i32).sum();
                *acc_rc = acc_rc.wrapping_add(s);
            }
        }
    }
    for r in 0..mr {
        c[r * ldc..r * ldc + nr].copy_from_slice(&acc[r][..nr]);
    }
}
