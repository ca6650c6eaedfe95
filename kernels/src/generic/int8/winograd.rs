//! Portable pieces of the int8 Winograd convolutions F(2,3) and F(4,3):
//! kernel, input and output transforms (shared by every implementation; they
//! are lane-wise loops over 8 tiles that LLVM turns into NEON on ARM) and the
//! int16 GEMM tile the NEON kernels replace.
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

macro_rules! lanewise {
    ($out:ident = |$l:ident| $e:expr) => {
        for $l in 0..LANES {
            $out[$l] = $e;
        }
    };
}

/// One 4-point F(2,3) input transform (`Bᵀ d`) on 8 lanes.
#[inline(always)]
fn bt4(d: [&Lane16; 4]) -> [Lane16; 4] {
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
fn bt6(d: [&Lane16; 6]) -> [Lane16; 6] {
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

/// Input transform `V = Bᵀ d B` of `t × t` patches (`t` = 4 or 6) for 8
/// tiles at once: `d[r·t + c][lane]` in, `v[pos][lane]` out (row-major pos).
pub fn input_transform(t: usize, d: &[Lane16], v: &mut [Lane16]) {
    let mut tmp = [[0i16; LANES]; 36];
    // Columns: tmp[:, c] = Bᵀ d[:, c].
    for c in 0..t {
        if t == 4 {
            let r = bt4([&d[c], &d[4 + c], &d[8 + c], &d[12 + c]]);
            for (i, x) in r.into_iter().enumerate() {
                tmp[i * 4 + c] = x;
            }
        } else {
            let r = bt6([
                &d[c],
                &d[6 + c],
                &d[12 + c],
                &d[18 + c],
                &d[24 + c],
                &d[30 + c],
            ]);
            for (i, x) in r.into_iter().enumerate() {
                tmp[i * 6 + c] = x;
            }
        }
    }
    // Rows: v[r, :] = tmp[r, :] B.
    for r in 0..t {
        let row = &tmp[r * t..(r + 1) * t];
        let out = &mut v[r * t..(r + 1) * t];
        if t == 4 {
            out.copy_from_slice(&bt4([&row[0], &row[1], &row[2], &row[3]]));
        } else {
            out.copy_from_slice(&bt6([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]]));
        }
    }
}

/// Output transform of 8 tiles: `mm[pos][lane]` (wrapping int32 sums) to the
/// exact `m × m` outputs `y[r·m + c][lane]`.
///
/// F(2,3) computes `4·y` and F(4,3) `576·y` modulo 2³²; dividing back is
/// exact when `|y| < 2²⁹` resp. `2²⁵` (see [`crate::int8::winograd`]):
/// `y = (4y mod 2³²) >> 2`, and `y = ((576y mod 2³²) · 9⁻¹ mod 2³²) >> 6`
/// because `576 · 9⁻¹ ≡ 64`.
pub fn output_transform(m: usize, mm: &[Lane32], y: &mut [Lane32]) {
    let t = m + 2;
    let mut tmp = [[0i32; LANES]; 24];
    // Columns: tmp[:, c] = Aᵀ mm[:, c]  (m × t).
    for c in 0..t {
        let col = |r: usize| &mm[r * t + c];
        if m == 2 {
            let (m0, m1, m2, m3) = (col(0), col(1), col(2), col(3));
            let mut ta = [0i32; LANES];
            let mut tb = [0i32; LANES];
            lanewise!(ta = |l| m0[l].wrapping_add(m1[l]).wrapping_add(m2[l]));
            lanewise!(tb = |l| m1[l].wrapping_sub(m2[l]).wrapping_sub(m3[l]));
            tmp[c] = ta;
            tmp[t + c] = tb;
        } else {
            let (m0, m1, m2, m3, m4, m5) = (col(0), col(1), col(2), col(3), col(4), col(5));
            let o = out6(m0, m1, m2, m3, m4, m5);
            for (r, v) in o.into_iter().enumerate() {
                tmp[r * t + c] = v;
            }
        }
    }
    // Rows: y[r, :] = tmp[r, :] A  (m × m), then the exact division.
    for r in 0..m {
        let row = &tmp[r * t..(r + 1) * t];
        if m == 2 {
            let mut ya = [0i32; LANES];
            let mut yb = [0i32; LANES];
            lanewise!(ya = |l| row[0][l].wrapping_add(row[1][l]).wrapping_add(row[2][l]) >> 2);
            lanewise!(yb = |l| row[1][l].wrapping_sub(row[2][l]).wrapping_sub(row[3][l]) >> 2);
            y[r * 2] = ya;
            y[r * 2 + 1] = yb;
        } else {
            let o = out6(&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]);
            for (c, v) in o.into_iter().enumerate() {
                let mut e = [0i32; LANES];
                lanewise!(e = |l| v[l].wrapping_mul(INV9) >> 6);
                y[r * 4 + c] = e;
            }
        }
    }
}

/// `A'ᵀ` of F(4,3) applied to 6 values (8 lanes): 4 outputs.
#[inline(always)]
fn out6(
    m0: &Lane32,
    m1: &Lane32,
    m2: &Lane32,
    m3: &Lane32,
    m4: &Lane32,
    m5: &Lane32,
) -> [Lane32; 4] {
    let mut o = [[0i32; LANES]; 4];
    for l in 0..LANES {
        let a = m1[l].wrapping_add(m2[l]);
        let b = m1[l].wrapping_sub(m2[l]);
        let c = m3[l].wrapping_add(m4[l]);
        let d = m3[l].wrapping_sub(m4[l]);
        o[0][l] = m0[l].wrapping_add(a).wrapping_add(c);
        o[1][l] = b.wrapping_add(d.wrapping_mul(2));
        o[2][l] = a.wrapping_add(c.wrapping_mul(4));
        o[3][l] = b
            .wrapping_add(d.wrapping_mul(8))
            .wrapping_add(m5[l].wrapping_mul(4));
    }
    o
}

/// The int16 GEMM of one transform position for 4 output channels × `lanes`
/// (4 or 8) tiles: `c[r·lanes + l] = Σ_q u[q·4 + r] · v[q·lanes + l]` over
/// `k` (a multiple of 4) input channels, wrapping int32.
pub fn gemm16_tile(u: &[i16], v: &[i16], k: usize, lanes: usize, c: &mut [i32]) {
    let u = &u[..4 * k];
    let v = &v[..lanes * k];
    let mut acc = [[0i32; LANES]; 4];
    for (uq, vq) in u.chunks_exact(4).zip(v.chunks_exact(lanes)) {
        for r in 0..4 {
            for l in 0..lanes {
                acc[r][l] = acc[r][l].wrapping_add(uq[r] as i32 * vq[l] as i32);
            }
        }
    }
    for r in 0..4 {
        c[r * lanes..(r + 1) * lanes].copy_from_slice(&acc[r][..lanes]);
    }
}
