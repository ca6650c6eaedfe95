//! Portable int8 Winograd F(2,3) and F(4,3) pieces: the kernel transform
//! (load time, shared by every implementation), and the definitions the NEON
//! kernels reproduce bit for bit: patch gather, input transform, int16 GEMM
//! tile, output transform and un-gather, each on blocks of 8 tiles.
//!
//! Integer forms (checked against direct convolution in the tests):
//!
//! - F(2,3): `U = G g Gᵀ` with `G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]` (2× the
//!   textbook matrix), `V = Bᵀ d B` with `Bᵀ = [[1,0,-1,0],[0,1,1,0],
//!   [0,-1,1,0],[0,1,0,-1]]`, and `Aᵀ (U ⊙ V) A = 4·y` with
//!   `Aᵀ = [[1,1,1,0],[0,1,-1,-1]]`.
//! - F(4,3) (ncnn's scaling): `G = [[6,0,0],[-4,-4,-4],[-4,4,-4],[1,2,4],
//!   [1,-2,4],[0,0,6]]` — 24× the textbook matrix with its last row divided
//!   by 4, i.e. `G = D·24·G₀` with `D = diag(1,1,1,1,1,¼)` — so
//!   `U = 576·D U₀ D`. Since `(D U₀ D) ⊙ V = D (U₀ ⊙ V) D`, using
//!   `A'ᵀ = A₀ᵀ D⁻¹` (the textbook `A₀ᵀ` with its last column ×4) gives
//!   `A'ᵀ (U ⊙ V) A' = 576·A₀ᵀ (U₀ ⊙ V) A₀ = 576·y`. With the textbook
//!   `Bᵀ = [[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],[0,-2,-1,2,1,0],
//!   [0,2,-1,-2,1,0],[0,4,0,-5,0,1]]` and
//!   `A'ᵀ = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,4]]`.
//!
//! Ranges (|x| ≤ 128, |w| ≤ 127): F(2,3) |V| ≤ 4·128 = 512, |U| ≤ 9·127 = 1143;
//! F(4,3) |V| ≤ 10·10·128 = 12800 (every intermediate of the two passes stays
//! below that), |U| ≤ 12·12·127 = 18288. All fit int16, and every product
//! |U·V| ≤ 18288·12800 < 2³¹. Sums over input channels and the output
//! transform use wrapping int32 arithmetic; see [`crate::int8::winograd`] for
//! why the result is still exact.

/// Tiles processed together (the lanes of the transforms and of the GEMM).
pub const LANES: usize = 8;

/// 8 tiles' values of one transform element.
pub type Lane16 = [i16; LANES];
pub type Lane32 = [i32; LANES];

/// The modular inverse of 9 modulo 2³² (9 · 0x38E38E39 = 2³³ + 1).
pub const INV9: i32 = 0x38E3_8E39;

/// Kernel transform of one 3×3 kernel (row-major `g`) for F(`m`,3):
/// `t × t` values, `t = m + 2`, row-major.
pub fn kernel_transform(m: usize, g: &[i8]) -> Vec<i16> {
    const G2: [[i32; 3]; 4] = [[2, 0, 0], [1, 1, 1], [1, -1, 1], [0, 0, 2]];
    const G4: [[i32; 3]; 6] = [
        [6, 0, 0],
        [-4, -4, -4],
        [-4, 4, -4],
        [1, 2, 4],
        [1, -2, 4],
        [0, 0, 6],
    ];
    let gm: &[[i32; 3]] = if m == 2 { &G2 } else { &G4 };
    let t = gm.len();
    // tmp = G · g  (t × 3), then U = tmp · Gᵀ (t × t).
    let mut tmp = vec![0i32; t * 3];
    for i in 0..t {
        for j in 0..3 {
            tmp[i * 3 + j] = (0..3).map(|k| gm[i][k] * g[k * 3 + j] as i32).sum();
        }
    }
    let mut u = vec![0i16; t * t];
    for i in 0..t {
        for j in 0..t {
            let v: i32 = (0..3).map(|k| tmp[i * 3 + k] * gm[j][k]).sum();
            u[i * t + j] = i16::try_from(v).expect("|U| ≤ 18288 for |w| ≤ 127");
        }
    }
    u
}

/// Patch layout shared by the gather, transform and un-gather passes.
///
/// Tiles are numbered row-major (`tile = ty·tw + tx`). The gather pass works
/// on chunks of 8 consecutive tiles of one tile row (so a NEON `vld4`/`vld2`
/// de-interleaves them) and stores every patch element `pos` of every tile
/// at `d[pos·slots + tile]`: per position, the tiles are contiguous. A row's
/// last chunk may spill past the row into the next row's slots, which the
/// next row then overwrites; `slots` leaves room for the last row's spill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileGrid {
    /// Output tile size (2 or 4); patches are `m + 2` square.
    pub m: usize,
    /// Tiles per row and per column.
    pub tw: usize,
    pub th: usize,
}

impl TileGrid {
    pub fn new(m: usize, outw: usize, outh: usize) -> TileGrid {
        TileGrid {
            m,
            tw: outw.div_ceil(m),
            th: outh.div_ceil(m),
        }
    }
    pub fn t(&self) -> usize {
        self.m + 2
    }
    pub fn positions(&self) -> usize {
        self.t() * self.t()
    }
    pub fn tiles(&self) -> usize {
        self.tw * self.th
    }
    /// Chunks of 8 tiles per tile row.
    pub fn chunks(&self) -> usize {
        self.tw.div_ceil(LANES)
    }
    /// Slots per position (tiles, the last row's spill, rounded to 8).
    pub fn slots(&self) -> usize {
        ((self.th - 1) * self.tw + LANES * self.chunks()).div_ceil(LANES) * LANES
    }
    /// Width of the zero-padded input rows the gather reads (every chunk's
    /// de-interleaving loads stay inside).
    pub fn padded_w(&self) -> usize {
        LANES * self.chunks() * self.m + 8
    }
    /// Rows of the zero-padded input.
    pub fn padded_h(&self) -> usize {
        self.th * self.m + 2
    }
    /// Width of the un-gathered output rows (whole chunks).
    pub fn out_w(&self) -> usize {
        LANES * self.chunks() * self.m
    }
}

/// Gathers the patches of one zero-padded input plane `xp` (`grid.padded_h()`
/// rows of `grid.padded_w()`) into `d[pos·slots + tile]`.
pub fn gather(grid: &TileGrid, xp: &[i8], d: &mut [i8]) {
    gather_inline(grid, xp, d)
}

/// [`gather`], always inlined (so a caller with more CPU features enabled
/// compiles its own copy).
#[inline(always)]
pub fn gather_inline(grid: &TileGrid, xp: &[i8], d: &mut [i8]) {
    let (m, t, wp, slots) = (grid.m, grid.t(), grid.padded_w(), grid.slots());
    for ty in 0..grid.th {
        for cx in 0..grid.chunks() {
            let slot0 = ty * grid.tw + LANES * cx;
            for r in 0..t {
                let row = &xp[(ty * m + r) * wp + LANES * cx * m..];
                for c in 0..t {
                    let dst = &mut d[(r * t + c) * slots + slot0..][..LANES];
                    for (l, x) in dst.iter_mut().enumerate() {
                        *x = row[l * m + c];
                    }
                }
            }
        }
    }
}

/// One 4-point F(2,3) input transform (`Bᵀ d`) on 8 lanes.
#[inline(always)]
fn bt4(d: [Lane16; 4]) -> [Lane16; 4] {
    let [d0, d1, d2, d3] = d;
    let mut r = [[0i16; LANES]; 4];
    for l in 0..LANES {
        r[0][l] = d0[l] - d2[l];
        r[1][l] = d1[l] + d2[l];
        r[2][l] = d2[l] - d1[l];
        r[3][l] = d1[l] - d3[l];
    }
    r
}

/// One 6-point F(4,3) input transform (`Bᵀ d`) on 8 lanes.
#[inline(always)]
fn bt6(d: [Lane16; 6]) -> [Lane16; 6] {
    let [d0, d1, d2, d3, d4, d5] = d;
    let mut r = [[0i16; LANES]; 6];
    for l in 0..LANES {
        r[0][l] = 4 * d0[l] - 5 * d2[l] + d4[l];
        r[1][l] = (d3[l] + d4[l]) - 4 * (d1[l] + d2[l]);
        r[2][l] = (d4[l] - d3[l]) + 4 * (d1[l] - d2[l]);
        r[3][l] = (d4[l] - d2[l]) + 2 * (d3[l] - d1[l]);
        r[4][l] = (d4[l] - d2[l]) - 2 * (d3[l] - d1[l]);
        r[5][l] = 4 * d1[l] - 5 * d3[l] + d5[l];
    }
    r
}

/// `Bᵀ` of F(`m`,3) on `t` lanes-vectors.
#[inline(always)]
fn bt(m: usize, x: &[Lane16]) -> [Lane16; 6] {
    let mut out = [[0i16; LANES]; 6];
    if m == 2 {
        out[..4].copy_from_slice(&bt4([x[0], x[1], x[2], x[3]]));
    } else {
        out = bt6([x[0], x[1], x[2], x[3], x[4], x[5]]);
    }
    out
}

/// Input transform `V = Bᵀ d B` of the 8 tiles whose patches start at
/// `d[0]` (element `pos` at `d[pos·slots ..][..8]`), into
/// `v[pos·vstride ..][..lanes]`.
pub fn input_transform(
    m: usize,
    d: &[i8],
    slots: usize,
    v: &mut [i16],
    vstride: usize,
    lanes: usize,
) {
    input_transform_inline(m, d, slots, v, vstride, lanes)
}

/// [`input_transform`], always inlined.
#[inline(always)]
pub fn input_transform_inline(
    m: usize,
    d: &[i8],
    slots: usize,
    v: &mut [i16],
    vstride: usize,
    lanes: usize,
) {
    let t = m + 2;
    let mut x = [[0i16; LANES]; 36];
    for (pos, xp) in x[..t * t].iter_mut().enumerate() {
        for (l, e) in xp.iter_mut().enumerate() {
            *e = d[pos * slots + l] as i16;
        }
    }
    // Columns: x[:, c] ← Bᵀ x[:, c].
    for c in 0..t {
        let col: [Lane16; 6] = core::array::from_fn(|r| x[(r % t) * t + c]);
        let o = bt(m, &col[..t]);
        for r in 0..t {
            x[r * t + c] = o[r];
        }
    }
    // Rows: v[r, :] = x[r, :] B.
    for r in 0..t {
        let o = bt(m, &x[r * t..(r + 1) * t]);
        for c in 0..t {
            v[(r * t + c) * vstride..][..lanes].copy_from_slice(&o[c][..lanes]);
        }
    }
}

/// `Aᵀ` of F(`m`,3) on `t` lane-vectors: `m` outputs (wrapping).
#[inline(always)]
fn at(m: usize, x: &[Lane32]) -> [Lane32; 4] {
    let mut o = [[0i32; LANES]; 4];
    for l in 0..LANES {
        if m == 2 {
            o[0][l] = x[0][l].wrapping_add(x[1][l]).wrapping_add(x[2][l]);
            o[1][l] = x[1][l].wrapping_sub(x[2][l]).wrapping_sub(x[3][l]);
        } else {
            let a = x[1][l].wrapping_add(x[2][l]);
            let b = x[1][l].wrapping_sub(x[2][l]);
            let c = x[3][l].wrapping_add(x[4][l]);
            let d = x[3][l].wrapping_sub(x[4][l]);
            o[0][l] = x[0][l].wrapping_add(a).wrapping_add(c);
            o[1][l] = b.wrapping_add(d.wrapping_mul(2));
            o[2][l] = a.wrapping_add(c.wrapping_mul(4));
            o[3][l] = b
                .wrapping_add(d.wrapping_mul(8))
                .wrapping_add(x[5][l].wrapping_mul(4));
        }
    }
    o
}

/// Output transform of 8 tiles of one output channel: the wrapping int32
/// sums `c[pos·cstride ..][..8]` to the exact outputs
/// `y[(i·m + j)·ystride ..][..8]`.
///
/// F(2,3) computes `4·y` and F(4,3) `576·y` modulo 2³²; dividing back is
/// exact when `|y| < 2²⁹` resp. `2²⁵` (see [`crate::int8::winograd`]):
/// `y = (4y mod 2³²) >> 2`, and `y = ((576y mod 2³²) · 9⁻¹ mod 2³²) >> 6`
/// because `576 · 9⁻¹ ≡ 64`.
pub fn output_transform(m: usize, c: &[i32], cstride: usize, y: &mut [i32], ystride: usize) {
    output_transform_inline(m, c, cstride, y, ystride)
}

/// [`output_transform`], always inlined.
#[inline(always)]
pub fn output_transform_inline(m: usize, c: &[i32], cstride: usize, y: &mut [i32], ystride: usize) {
    let t = m + 2;
    let mut x = [[0i32; LANES]; 36];
    for (pos, xp) in x[..t * t].iter_mut().enumerate() {
        xp.copy_from_slice(&c[pos * cstride..][..LANES]);
    }
    // Columns: tmp[:, c] = Aᵀ x[:, c]  (m × t).
    let mut tmp = [[0i32; LANES]; 24];
    for cc in 0..t {
        let col: [Lane32; 6] = core::array::from_fn(|r| x[(r % t) * t + cc]);
        let o = at(m, &col[..t]);
        for i in 0..m {
            tmp[i * t + cc] = o[i];
        }
    }
    // Rows, then the exact division.
    for i in 0..m {
        let o = at(m, &tmp[i * t..(i + 1) * t]);
        for j in 0..m {
            let dst = &mut y[(i * m + j) * ystride..][..LANES];
            // Indices, as in the formula; clippy 1.85 (the ARM lint) calls the `l` loop a
            // needless range loop, later clippy does not.
            #[allow(clippy::needless_range_loop)]
            for l in 0..LANES {
                dst[l] = if m == 2 {
                    o[j][l] >> 2
                } else {
                    o[j][l].wrapping_mul(INV9) >> 6
                };
            }
        }
    }
}

/// Un-gathers one channel's outputs `y[(i·m + j)·slots + tile]` into rows of
/// `grid.out_w()` (`grid.th·m` rows), whole chunks at a time.
pub fn ungather(grid: &TileGrid, y: &[i32], out: &mut [i32]) {
    ungather_inline(grid, y, out)
}

/// [`ungather`], always inlined.
#[inline(always)]
pub fn ungather_inline(grid: &TileGrid, y: &[i32], out: &mut [i32]) {
    let (m, slots, ow) = (grid.m, grid.slots(), grid.out_w());
    for ty in 0..grid.th {
        for cx in 0..grid.chunks() {
            let slot0 = ty * grid.tw + LANES * cx;
            for i in 0..m {
                let row = &mut out[(ty * m + i) * ow + LANES * cx * m..][..LANES * m];
                for j in 0..m {
                    let src = &y[(i * m + j) * slots + slot0..][..LANES];
                    for l in 0..LANES {
                        row[l * m + j] = src[l];
                    }
                }
            }
        }
    }
}

/// The int16 GEMM of one transform position for `rows` (at most 8) output
/// channels × `lanes` (4 or 8) tiles: `c[r·lanes + l] = Σ_q u[q·rows + r] ·
/// v[q·lanes + l]` over `k` (a multiple of 4) input channels, wrapping int32.
pub fn gemm16_tile_rows(u: &[i16], v: &[i16], k: usize, rows: usize, lanes: usize, c: &mut [i32]) {
    let u = &u[..rows * k];
    let v = &v[..lanes * k];
    let mut acc = [[0i32; LANES]; 8];
    for (uq, vq) in u.chunks_exact(rows).zip(v.chunks_exact(lanes)) {
        // Indices, as in the formula; clippy 1.85 (the ARM lint) calls the `l` loop a
        // needless range loop, later clippy does not.
        #[allow(clippy::needless_range_loop)]
        for r in 0..rows {
            for l in 0..lanes {
                acc[r][l] = acc[r][l].wrapping_add(uq[r] as i32 * vq[l] as i32);
            }
        }
    }
    for r in 0..rows {
        c[r * lanes..(r + 1) * lanes].copy_from_slice(&acc[r][..lanes]);
    }
}
