//! int8 Winograd convolutions F(2,3) and F(4,3) for 3×3 stride-1 layers.
//!
//! Kernel transform to int16 at load time, input transform in int16, an
//! int16 × int16 → int32 GEMM per transform position (`vmlal.s16` on NEON),
//! the output transform in int32, then the usual dequantize / requantize
//! stage. The integer transforms are in [`crate::generic::int8::winograd`].
//!
//! # Why the results are exact (and when)
//!
//! Let `x` be the int8 input (|x| ≤ 128, any `i8`) and `w_p` the int8
//! weights of output channel `p` (|w| ≤ 127), and `y` an output value.
//! Then `|y| ≤ 128·‖w_p‖₁` (L1 norm over all `in_c × 9` weights of `p`).
//!
//! 1. *int16 stages never overflow*: |U| ≤ 144·127 = 18288 (F(4,3)) and
//!    |V| ≤ 100·128 = 12800, both below 32767, whatever `in_c` is; every
//!    product |U·V| ≤ 234 086 400 < 2³¹ is exact in int32.
//! 2. *int32 stages wrap, and that is harmless*: the sums over input
//!    channels and the output transform only add, subtract and multiply by
//!    integer constants, so computed modulo 2³² (wrapping, as `vmlal` and
//!    `wrapping_*` do) they yield `576·y mod 2³²` for F(4,3) — intermediate
//!    overflows cancel. (F(2,3): `4·y mod 2³²`.)
//! 3. *Recovering `y`*: `576 = 64·9`. With `9⁻¹ ≡ 0x38E38E39 (mod 2³²)`,
//!    `(576·y)·9⁻¹ ≡ 64·y (mod 2³²)`, and an arithmetic shift right by 6 of
//!    that 32-bit value returns `y` exactly when `64·y` fits int32, i.e.
//!    `−2²⁵ ≤ y < 2²⁵`. (F(2,3): `(4·y mod 2³²) >> 2 = y` for |y| < 2²⁹.)
//!    This is 64× more room than requiring `576·y` itself to fit int32.
//!
//! So F(4,3) is exact for output channel `p` when `128·‖w_p‖₁ < 2²⁵`, i.e.
//! `‖w_p‖₁ ≤ 262 143` ([`WINOGRAD43_MAX_L1`]); F(2,3) when
//! `‖w_p‖₁ ≤ 4 194 303`. In bit-widths and accumulation lengths (worst case
//! every |w| at its maximum, 9 taps per input channel):
//!
//! | weights | F(4,3) exact for `in_c` ≤ | F(2,3) exact for `in_c` ≤ |
//! |---|---|---|
//! | 8-bit, \|w\| ≤ 127 | 229 | 3669 |
//! | 7-bit, \|w\| ≤ 63 | 462 | 7397 |
//! | 6-bit, \|w\| ≤ 31 | 939 | 15033 |
//!
//! Real weights are far from worst case, so the rule is enforced per layer on
//! the actual L1 norms: [`winograd43_is_exact`] (which the calibration tool
//! calls to decide whether 8-bit weights suffice) and, when F(4,3) is asked
//! for but the check fails, [`crate::int8::Conv2dI8`] falls back to F(2,3)
//! (and reports it through `algo()`).

use super::gemm::Stage;
use super::quantize::{stage_with, StageOut};
use super::Int8Isa;
use crate::generic::int8::winograd::{self as generic, Lane16, Lane32, LANES};
use crate::{parallel, ConvGeometry, Planes};

/// Largest per-output-channel weight L1 norm for which F(4,3) is exact:
/// `128·‖w‖₁ < 2²⁵`.
pub const WINOGRAD43_MAX_L1: u64 = (1 << 25) / 128 - 1;
/// Largest per-output-channel weight L1 norm for which F(2,3) is exact:
/// `128·‖w‖₁ < 2²⁹`.
pub const WINOGRAD23_MAX_L1: u64 = (1 << 29) / 128 - 1;

/// Largest L1 norm of one output channel's weights (`weights` in ncnn order).
pub fn max_weight_l1(geom: &ConvGeometry, weights: &[i8]) -> u64 {
    if geom.out_c == 0 {
        return 0;
    }
    let per = weights.len() / geom.out_c;
    weights
        .chunks(per.max(1))
        .map(|c| {
            c.iter()
                .map(|&w| (w as i32).unsigned_abs() as u64)
                .sum::<u64>()
        })
        .max()
        .unwrap_or(0)
}

fn winograd_applies(geom: &ConvGeometry, weights: &[i8]) -> bool {
    geom.is_3x3_s1() && geom.group == 1 && weights.len() == geom.weight_len()
}

/// Whether the int8 Winograd F(4,3) kernel computes exact sums for this
/// layer: a 3×3 stride-1, ungrouped convolution whose every output channel
/// has `‖w_p‖₁ ≤` [`WINOGRAD43_MAX_L1`] (proof in the module doc), for any
/// int8 input. A calibration tool that wants F(4,3) can quantize weights to
/// fewer bits when this fails for 8-bit ones.
pub fn winograd43_is_exact(geom: &ConvGeometry, weights: &[i8]) -> bool {
    winograd_applies(geom, weights)
        && !weights.contains(&i8::MIN)
        && max_weight_l1(geom, weights) <= WINOGRAD43_MAX_L1
}

/// Whether the int8 Winograd F(2,3) kernel computes exact sums for this
/// layer (`‖w_p‖₁ ≤` [`WINOGRAD23_MAX_L1`]; true for 8-bit weights up to 3669
/// input channels).
pub fn winograd23_is_exact(geom: &ConvGeometry, weights: &[i8]) -> bool {
    winograd_applies(geom, weights)
        && !weights.contains(&i8::MIN)
        && max_weight_l1(geom, weights) <= WINOGRAD23_MAX_L1
}

/// Runs the int16 GEMM tile of `isa`: 4 output channels × `lanes` (4 or 8)
/// tiles over `k` (a positive multiple of 4) input channels.
pub fn gemm16_tile(isa: Int8Isa, u: &[i16], v: &[i16], k: usize, lanes: usize, c: &mut [i32]) {
    assert!(k > 0 && k % 4 == 0 && (lanes == 4 || lanes == 8));
    assert!(u.len() >= 4 * k && v.len() >= lanes * k && c.len() >= 4 * lanes);
    match isa {
        #[cfg(target_arch = "arm")]
        // SAFETY: Neon is only selected when the CPU has NEON; the asserts
        // give the extents the kernels read and write.
        Int8Isa::Neon => unsafe {
            if lanes == 8 {
                crate::arm32::int8::winograd::gemm16_4x8(u.as_ptr(), v.as_ptr(), k, c.as_mut_ptr())
            } else {
                crate::arm32::int8::winograd::gemm16_4x4(u.as_ptr(), v.as_ptr(), k, c.as_mut_ptr())
            }
        },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: NEON is architectural; the asserts give the extents.
        Int8Isa::Neon | Int8Isa::NeonDot => unsafe {
            if lanes == 8 {
                crate::arm64::int8::winograd::gemm16_4x8(u.as_ptr(), v.as_ptr(), k, c.as_mut_ptr())
            } else {
                crate::arm64::int8::winograd::gemm16_4x4(u.as_ptr(), v.as_ptr(), k, c.as_mut_ptr())
            }
        },
        _ => generic::gemm16_tile(u, v, k, lanes, c),
    }
}

/// A 3×3 stride-1 int8 convolution prepared for Winograd F(`m`,3).
#[derive(Clone, Debug)]
pub(crate) struct WinogradI8 {
    /// Output tile size: 2 or 4.
    m: usize,
    in_c: usize,
    /// `in_c` rounded up to a multiple of 4 (the GEMM's unrolling).
    kq: usize,
    out_c: usize,
    /// Transformed kernels, `[pos][out_c / 4][kq][4]`.
    u: Vec<i16>,
}

impl WinogradI8 {
    /// Transforms the weights (`out_c × in_c × 3 × 3`).
    pub fn new(m: usize, geom: &ConvGeometry, weights: &[i8]) -> WinogradI8 {
        assert!(m == 2 || m == 4);
        let t = m + 2;
        let positions = t * t;
        let (in_c, out_c) = (geom.in_c, geom.out_c);
        let kq = in_c.div_ceil(4) * 4;
        let pbn = out_c.div_ceil(4);
        let mut u = vec![0i16; positions * pbn * kq * 4];
        for p in 0..out_c {
            for q in 0..in_c {
                let g = &weights[(p * in_c + q) * 9..(p * in_c + q + 1) * 9];
                for (pos, v) in generic::kernel_transform(m, g).into_iter().enumerate() {
                    u[((pos * pbn + p / 4) * kq + q) * 4 + p % 4] = v;
                }
            }
        }
        WinogradI8 {
            m,
            in_c,
            kq,
            out_c,
            u,
        }
    }

    pub fn weight_bytes(&self) -> usize {
        self.u.len() * 2
    }

    /// Convolves the padded `input` into `outs` (one per output channel,
    /// `outw × outh` each) through the output `stage`.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        isa: Int8Isa,
        input: Planes<i8>,
        outw: usize,
        outh: usize,
        stage: &Stage,
        outs: &mut [StageOut],
        threads: usize,
    ) {
        let (m, kq) = (self.m, self.kq);
        let t = m + 2;
        let positions = t * t;
        let (tw, th) = (outw.div_ceil(m), outh.div_ceil(m));
        let tiles = tw * th;
        let nb = tiles.div_ceil(LANES);
        // The last block holds at most 4 tiles: give it 4 lanes.
        let lanes_of = |tb: usize| {
            if tb + 1 == nb && tiles - LANES * tb <= 4 {
                4
            } else {
                LANES
            }
        };
        let block = positions * kq * LANES;

        // Input transform: V[tb][pos][q][lane].
        let mut v = vec![0i16; nb * block];
        parallel::for_each_chunk_mut(&mut v, block, threads, |tb, vb| {
            let lanes = lanes_of(tb);
            let mut d = [[0i16; LANES]; 36];
            let mut vt = [[0i16; LANES]; 36];
            for q in 0..self.in_c {
                gather(&input, q, m, tw, tb * LANES, tiles, &mut d);
                generic::input_transform(t, &d[..positions], &mut vt[..positions]);
                for (pos, x) in vt[..positions].iter().enumerate() {
                    let at = (pos * kq + q) * lanes;
                    vb[at..at + lanes].copy_from_slice(&x[..lanes]);
                }
            }
        });

        // GEMM per position, output transform and stage, per block of 4
        // output channels.
        let pbn = self.out_c.div_ceil(4);
        let mut blocks: Vec<&mut [StageOut]> = outs.chunks_mut(4).collect();
        parallel::for_each_mut(&mut blocks, threads, |pb, outs| {
            let mut y = vec![0i32; outs.len() * outw * outh];
            let mut c = vec![0i32; positions * 4 * LANES];
            let mut mm = [[0i32; LANES]; 36];
            let mut yt = [[0i32; LANES]; 16];
            for tb in 0..nb {
                let lanes = lanes_of(tb);
                for pos in 0..positions {
                    let u = &self.u[(pos * pbn + pb) * kq * 4..][..kq * 4];
                    let vv = &v[tb * block + pos * kq * lanes..][..kq * lanes];
                    gemm16_tile(isa, u, vv, kq, lanes, &mut c[pos * 4 * LANES..]);
                }
                for r in 0..outs.len() {
                    for (pos, mp) in mm[..positions].iter_mut().enumerate() {
                        let src = &c[pos * 4 * LANES + r * lanes..][..lanes];
                        mp[..lanes].copy_from_slice(src);
                    }
                    generic::output_transform(m, &mm[..positions], &mut yt[..m * m]);
                    let yp = &mut y[r * outw * outh..(r + 1) * outw * outh];
                    scatter(
                        &yt,
                        m,
                        tw,
                        tb * LANES,
                        lanes.min(tiles - tb * LANES),
                        outw,
                        outh,
                        yp,
                    );
                }
            }
            for (r, out) in outs.iter_mut().enumerate() {
                let p = pb * 4 + r;
                let yp = &y[r * outw * outh..(r + 1) * outw * outh];
                stage_with(
                    isa,
                    yp,
                    stage.mul[p],
                    stage.bias[p],
                    stage.act,
                    out.reborrow(),
                );
            }
        });
    }
}

/// Gathers the `t × t` input patches of tiles `first .. first + 8` (those
/// below `tiles`) of plane `q` into `d[r·t + c][lane]`, zero outside the
/// input (only outputs that are discarded read those).
fn gather(
    input: &Planes<i8>,
    q: usize,
    m: usize,
    tw: usize,
    first: usize,
    tiles: usize,
    d: &mut [Lane16; 36],
) {
    let t = m + 2;
    let (w, h) = (input.w, input.h);
    let plane = input.plane(q);
    for lane in 0..LANES {
        let tile = first + lane;
        if tile >= tiles {
            for x in d[..t * t].iter_mut() {
                x[lane] = 0;
            }
            continue;
        }
        let (oy, ox) = ((tile / tw) * m, (tile % tw) * m);
        if oy + t <= h && ox + t <= w {
            for r in 0..t {
                let row = &plane[(oy + r) * w + ox..][..t];
                for (c, &x) in row.iter().enumerate() {
                    d[r * t + c][lane] = x as i16;
                }
            }
        } else {
            for r in 0..t {
                for c in 0..t {
                    let (y, x) = (oy + r, ox + c);
                    d[r * t + c][lane] = if y < h && x < w {
                        plane[y * w + x] as i16
                    } else {
                        0
                    };
                }
            }
        }
    }
}

/// Writes the `m × m` outputs `yt[i·m + j][lane]` of tiles `first ..
/// first + lanes` into the `outw × outh` plane `y`, clipping at its edges.
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
fn scatter(
    yt: &[Lane32; 16],
    m: usize,
    tw: usize,
    first: usize,
    lanes: usize,
    outw: usize,
    outh: usize,
    y: &mut [i32],
) {
    for lane in 0..lanes {
        let tile = first + lane;
        let (oy, ox) = ((tile / tw) * m, (tile % tw) * m);
        for i in 0..m.min(outh - oy) {
            let row = &mut y[(oy + i) * outw + ox..];
            for j in 0..m.min(outw - ox) {
                row[j] = yt[i * m + j][lane];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activation, ConvGeometry, Planes};

    /// Runs the F(`m`,3) kernel without the constructor's check.
    fn raw_sums(
        m: usize,
        isa: Int8Isa,
        g: &ConvGeometry,
        w: &[i8],
        x: &[i8],
        iw: usize,
        ih: usize,
    ) -> Vec<i32> {
        let (outw, outh) = g.output_size(iw, ih).unwrap();
        let wino = WinogradI8::new(m, g, w);
        let mut out = vec![0i32; g.out_c * outw * outh];
        let mut outs: Vec<StageOut> = out.chunks_mut(outw * outh).map(StageOut::I32).collect();
        let zeros = vec![0f32; g.out_c];
        let stage = Stage {
            mul: &zeros,
            bias: &zeros,
            act: Activation::None,
        };
        let planes = Planes::new(x, iw, ih, g.in_c, iw * ih);
        wino.forward(isa, planes, outw, outh, &stage, &mut outs, 1);
        out
    }

    /// The bound is tight: at `‖w‖₁ = MAX + 1` with worst-case inputs the true
    /// sum is 2²⁵, and the unchecked F(4,3) kernel returns −2²⁵; F(2,3) and
    /// F(4,3) at the bound are exact.
    #[test]
    fn winograd43_bound_is_tight() {
        let in_c = 230;
        let g = ConvGeometry::simple(in_c, 1, 3, 1);
        let neg = |l1: u64| -> Vec<i8> {
            let mut left = l1;
            (0..in_c * 9)
                .map(|_| {
                    let v = left.min(127);
                    left -= v;
                    -(v as i8)
                })
                .collect()
        };
        let x = vec![-128i8; in_c * 36];
        for isa in Int8Isa::available() {
            let at = raw_sums(4, isa, &g, &neg(WINOGRAD43_MAX_L1), &x, 6, 6);
            assert!(
                at.iter().all(|&s| s == 128 * WINOGRAD43_MAX_L1 as i32),
                "{isa:?}"
            );
            let past = neg(WINOGRAD43_MAX_L1 + 1);
            assert!(!winograd43_is_exact(&g, &past));
            let wrong = raw_sums(4, isa, &g, &past, &x, 6, 6);
            assert!(wrong.iter().all(|&s| s == -(1 << 25)), "{isa:?}: {wrong:?}");
            let right = raw_sums(2, isa, &g, &past, &x, 6, 6);
            assert!(right.iter().all(|&s| s == 1 << 25), "{isa:?}");
        }
    }
}
