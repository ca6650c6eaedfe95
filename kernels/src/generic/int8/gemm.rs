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
//! ([`GemmLayout::DOT`]). The x86 kernels change the element form too
//! ([`PanelForm`]): AVX2's `vpmaddwd` multiplies int16 pairs, so its A panels
//! hold int16 ([`GemmLayout::AVX2`]); AVX-512 VNNI's `vpdpbusd` multiplies
//! unsigned by signed bytes, so its B panels hold `x + 128` and its A panels
//! end with the correction `−128·Σ_k A[r][k]` of each row
//! ([`GemmLayout::VNNI`]).

/// Panel shape of an int8 GEMM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GemmLayout {
    /// Rows (output channels) per A panel.
    pub mr: usize,
    /// Columns (output pixels) per B panel.
    pub nr: usize,
    /// Consecutive `k` values per row/column inside a panel.
    pub g: usize,
    /// How the values are stored.
    pub form: PanelForm,
}

/// Element form of the panels of a [`GemmLayout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelForm {
    /// A and B as the int8 values.
    Plain,
    /// A as little-endian int16 (2 bytes per element), B as int8.
    WideA,
    /// B as `x + 128` (the byte `x ^ 0x80`, read as unsigned); each A panel
    /// (int8) followed by `mr` little-endian int32 `−128·Σ_k A[r][k]`, so a
    /// kernel that starts its sums there gets `Σ_k A·x` exactly (mod 2³²).
    BiasedB,
}

impl GemmLayout {
    /// 4×4 tiles, `k` in groups of 16 (portable and NEON `vmull.s8` kernels).
    pub const K16: GemmLayout = GemmLayout {
        mr: 4,
        nr: 4,
        g: 16,
        form: PanelForm::Plain,
    };
    /// 8×8 tiles, `k` in groups of 4 (aarch64 `sdot` kernel).
    pub const DOT: GemmLayout = GemmLayout {
        mr: 8,
        nr: 8,
        g: 4,
        form: PanelForm::Plain,
    };
    /// 4×16 tiles, `k` in pairs, A as int16 (x86 AVX2 `vpmaddwd` kernel:
    /// one int16 pair of A broadcast against 8 columns' pairs of B).
    pub const AVX2: GemmLayout = GemmLayout {
        mr: 4,
        nr: 16,
        g: 2,
        form: PanelForm::WideA,
    };
    /// 6×32 tiles, `k` in groups of 4, B biased to unsigned (x86 AVX-512
    /// VNNI `vpdpbusd` kernel: 4 bytes of A broadcast against 16 columns'
    /// 4 bytes of B; 12 accumulators, the most that zmm0–15 leave room for).
    pub const VNNI: GemmLayout = GemmLayout {
        mr: 6,
        nr: 32,
        g: 4,
        form: PanelForm::BiasedB,
    };

    /// Bytes of one A panel of `kp` (padded) depth.
    pub fn a_panel_bytes(&self, kp: usize) -> usize {
        match self.form {
            PanelForm::Plain => self.mr * kp,
            PanelForm::WideA => 2 * self.mr * kp,
            PanelForm::BiasedB => self.mr * kp + 4 * self.mr,
        }
    }

    /// The byte a B panel holds for the value `x`.
    #[inline(always)]
    pub fn b_byte(&self, x: i8) -> i8 {
        match self.form {
            PanelForm::BiasedB => x ^ i8::MIN,
            _ => x,
        }
    }

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
    let len = layout.a_panel_bytes(kp);
    let mut out = vec![0i8; blocks * len];
    for row in 0..m {
        let panel = &mut out[(row / layout.mr) * len..][..len];
        let r = row % layout.mr;
        let weights = &w[row * k..(row + 1) * k];
        for (kk, &v) in weights.iter().enumerate() {
            let at = GemmLayout::offset(layout.mr, layout.g, r, kk);
            match layout.form {
                PanelForm::WideA => panel[2 * at..2 * at + 2]
                    .copy_from_slice(&(v as i16).to_le_bytes().map(|b| b as i8)),
                _ => panel[at] = v,
            }
        }
        if layout.form == PanelForm::BiasedB {
            let sum: i32 = weights.iter().map(|&v| v as i32).sum();
            let corr = sum.wrapping_mul(-128).to_le_bytes().map(|b| b as i8);
            panel[layout.mr * kp + 4 * r..][..4].copy_from_slice(&corr);
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

/// Writes the im2col matrix k-major: row `k` (`n = outw·outh` bytes) at
/// `dst[k·n..]`. Rows are contiguous copies for stride 1 and strided ones
/// otherwise.
pub fn im2col(src: &Im2col, outh: usize, dst: &mut [i8]) {
    im2col_with(src, outh, dst, &strided_rows)
}

/// `out[i·outw + j] = from[i·step + j·stride]` for the `out.len() / outw`
/// rows of `out`: one kernel tap's strided rows of the im2col matrix.
pub type StridedRows<'a> = dyn Fn(&[i8], usize, &mut [i8], usize, usize) + 'a;

/// The portable [`StridedRows`].
pub fn strided_rows(from: &[i8], step: usize, out: &mut [i8], outw: usize, stride: usize) {
    for (i, row) in out.chunks_exact_mut(outw).enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            *x = from[i * step + j * stride];
        }
    }
}

/// [`im2col`] with the strided copy supplied (all the rows of one tap in one
/// call), so NEON builds can de-interleave stride-2 rows.
pub fn im2col_with(src: &Im2col, outh: usize, dst: &mut [i8], strided: &StridedRows) {
    let (outw, w) = (src.outw, src.planes.w);
    let n = outw * outh;
    let taps = src.tap_ofs.len();
    for q in 0..src.planes.c {
        let plane = src.planes.plane(q);
        for (t, &o) in src.tap_ofs.iter().enumerate() {
            let rows = &mut dst[(q * taps + t) * n..][..n];
            if src.stride_w == 1 {
                for (i, out) in rows.chunks_exact_mut(outw).enumerate() {
                    out.copy_from_slice(&plane[i * src.stride_h * w + o..][..outw]);
                }
            } else {
                strided(&plane[o..], src.stride_h * w, rows, outw, src.stride_w);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
/// Packs columns `n0 .. n0 + nr` of the k-major `k × n` matrix `b` (row `kk`
/// at `b[kk·ld..]`) into one B panel of `kp·nr` bytes, zero-filling columns
/// past `n` and rows past `k`. Only k-blocks `kb0..` are written (the NEON
/// packers fill the earlier ones).
pub fn pack_b_panel(
    layout: GemmLayout,
    b: &[i8],
    ld: usize,
    k: usize,
    n: usize,
    n0: usize,
    kb0: usize,
    dst: &mut [i8],
) {
    let (nr, g) = (layout.nr, layout.g);
    let kp = GemmLayout::padded_k(k);
    let cols = nr.min(n.saturating_sub(n0));
    for kk in kb0 * 16..kp {
        for c in 0..nr {
            dst[GemmLayout::offset(nr, g, c, kk)] = layout.b_byte(if kk < k && c < cols {
                b[kk * ld + n0 + c]
            } else {
                0
            });
        }
    }
}

/// One `mr × nr` tile: `c[r·ldc + col] = Σ_k A(r, k) · B(col, k)` over
/// `kp` (padded) `k`, with wrapping int32 arithmetic like the NEON kernels.
pub fn gemm_tile(layout: GemmLayout, a: &[i8], b: &[i8], kp: usize, c: &mut [i32], ldc: usize) {
    assert_eq!(
        layout.form,
        PanelForm::Plain,
        "the portable tile reads int8 panels"
    );
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
