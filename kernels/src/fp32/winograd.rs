//! Winograd convolution F(6,3), F(4,3), F(2,3) for 3×3 stride-1 dilation-1
//! kernels.
//!
//! - Kernel transform, once in [`Winograd::new`]: `U = G g Gᵀ` (in f64) for
//!   every (output, input) channel pair; the `T²` matrices `U_q` (out × in)
//!   are packed for the GEMM micro-kernels. They take `T²/9` times the
//!   memory of the 3×3 weights (64/9 for F(6,3)), counted in `weight_bytes`.
//! - Per chunk of tiles (sized so its buffers stay in L2):
//!   1. input transform `V = Bᵀ d B` of every (channel, tile), written
//!      straight into the GEMM's packed-B layout `[q][tile panel][channel][nr]`;
//!   2. `T²` GEMMs over channels, `M_q = U_q · V_q` (the batched tile GEMM),
//!      with the bias added at `q = (1, 1)`: column 1 of every `Aᵀ` is all
//!      ones, so a constant there reaches every output of the tile;
//!   3. output transform `Y = Aᵀ M A` with fused ReLU, written to the output
//!      planes (tiles that cross the right or bottom border go through a
//!      small buffer).

use super::kernels::Fp32Kernels;
use super::sgemm::{PackedA, SyncPtr};
use crate::{parallel, Activation, Planes, PlanesMut};

/// Buffer budget of one chunk of tiles (transformed input + GEMM output), in floats.
const CHUNK_FLOATS: usize = 256 * 1024;
/// Floats added to the stride between transform positions (one cache line).
const SKEW: usize = 16;

/// Which F(m, 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WinogradVariant {
    F63,
    F43,
    F23,
}

impl WinogradVariant {
    /// Output tile size `m`.
    pub fn m(self) -> usize {
        match self {
            WinogradVariant::F63 => 6,
            WinogradVariant::F43 => 4,
            WinogradVariant::F23 => 2,
        }
    }

    /// Input tile size `T = m + 2`.
    pub fn t(self) -> usize {
        self.m() + 2
    }

    fn index(self) -> usize {
        match self {
            WinogradVariant::F63 => 0,
            WinogradVariant::F43 => 1,
            WinogradVariant::F23 => 2,
        }
    }

    /// The kernel transform matrix `G` (`T × 3`), row-major.
    fn g(self) -> Vec<f64> {
        match self {
            WinogradVariant::F63 => vec![
                1.0,
                0.0,
                0.0,
                -2.0 / 9.0,
                -2.0 / 9.0,
                -2.0 / 9.0,
                -2.0 / 9.0,
                2.0 / 9.0,
                -2.0 / 9.0,
                1.0 / 90.0,
                1.0 / 45.0,
                2.0 / 45.0,
                1.0 / 90.0,
                -1.0 / 45.0,
                2.0 / 45.0,
                1.0 / 45.0,
                1.0 / 90.0,
                1.0 / 180.0,
                1.0 / 45.0,
                -1.0 / 90.0,
                1.0 / 180.0,
                0.0,
                0.0,
                1.0,
            ],
            WinogradVariant::F43 => vec![
                1.0 / 4.0,
                0.0,
                0.0,
                -1.0 / 6.0,
                -1.0 / 6.0,
                -1.0 / 6.0,
                -1.0 / 6.0,
                1.0 / 6.0,
                -1.0 / 6.0,
                1.0 / 24.0,
                1.0 / 12.0,
                1.0 / 6.0,
                1.0 / 24.0,
                -1.0 / 12.0,
                1.0 / 6.0,
                0.0,
                0.0,
                1.0,
            ],
            WinogradVariant::F23 => {
                vec![1.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, 0.0, 0.0, 1.0]
            }
        }
    }
}

/// Prepared Winograd weights for one kernel set.
#[derive(Clone, Debug)]
pub struct Winograd {
    pub variant: WinogradVariant,
    pub in_c: usize,
    pub out_c: usize,
    /// `U_q` for `q = y * T + x`.
    u: Vec<PackedA>,
    bias: Vec<f32>,
    zeros: Vec<f32>,
}

/// `U = G g Gᵀ` of one 3×3 kernel (`T × T`, row-major).
pub fn transform_kernel(variant: WinogradVariant, g: &[f32]) -> Vec<f32> {
    let t = variant.t();
    let gm = variant.g();
    // tmp = G g  (T × 3)
    let mut tmp = vec![0f64; t * 3];
    for i in 0..t {
        for j in 0..3 {
            tmp[i * 3 + j] = (0..3).map(|k| gm[i * 3 + k] * g[k * 3 + j] as f64).sum();
        }
    }
    let mut u = vec![0f32; t * t];
    for i in 0..t {
        for j in 0..t {
            u[i * t + j] = (0..3).map(|k| tmp[i * 3 + k] * gm[j * 3 + k]).sum::<f64>() as f32;
        }
    }
    u
}

impl Winograd {
    /// `weights`: `out_c × in_c × 3 × 3` (ncnn order).
    pub fn new(
        variant: WinogradVariant,
        weights: &[f32],
        bias: Option<&[f32]>,
        out_c: usize,
        in_c: usize,
        kern: &Fp32Kernels,
    ) -> Winograd {
        assert_eq!(weights.len(), out_c * in_c * 9);
        let t = variant.t();
        let tt = t * t;
        // All transformed kernels, [oc][ic][q].
        let mut all = vec![0f32; out_c * in_c * tt];
        for (dst, g) in all.chunks_exact_mut(tt).zip(weights.chunks_exact(9)) {
            dst.copy_from_slice(&transform_kernel(variant, g));
        }
        let u: Vec<PackedA> = (0..tt)
            .map(|q| PackedA::pack_with(out_c, in_c, kern, |o, i| all[(o * in_c + i) * tt + q]))
            .collect();
        let bias = u[0].pad_bias(bias);
        let zeros = vec![0f32; bias.len()];
        Winograd {
            variant,
            in_c,
            out_c,
            u,
            bias,
            zeros,
        }
    }

    pub fn weight_bytes(&self) -> usize {
        self.u.iter().map(|a| a.bytes()).sum::<usize>() + self.bias.len() * 4
    }

    /// Runs on a padded input (`output` is `(in_w - 2) × (in_h - 2)`).
    pub fn forward(
        &self,
        kern: &Fp32Kernels,
        input: Planes<f32>,
        output: &mut PlanesMut<f32>,
        act: Activation,
        threads: usize,
    ) {
        let (outw, outh) = (output.w, output.h);
        let m = self.variant.m();
        let t = self.variant.t();
        let tt = t * t;
        let (ntx, nty) = (outw.div_ceil(m), outh.div_ceil(m));
        let ntiles = ntx * nty;
        let (nr, lanes) = (kern.nr, kern.lanes);
        debug_assert!(nr % lanes == 0 && lanes <= 8);
        let k = self.in_c;
        let mpad = self.u[0].padded_rows();
        // Tiles per chunk: a multiple of nr, buffers within CHUNK_FLOATS.
        let per_tile = tt * (k + mpad);
        let chunk =
            ((CHUNK_FLOATS / per_tile.max(1)) / nr * nr).clamp(nr, ntiles.div_ceil(nr) * nr);
        // Position strides are padded by one cache line so the T² rows a transform
        // touches do not all map to the same L1 set (the unpadded strides are
        // often multiples of 4 KiB).
        let vbuf_len = tt * (k * chunk + SKEW);
        let mbuf_len = tt * (mpad * chunk + SKEW);
        let mut vbuf = vec![0f32; vbuf_len];
        let mut mbuf = vec![0f32; mbuf_len];
        let relu = act == Activation::Relu;
        let fin = kern.wino_in[self.variant.index()];
        let fout = kern.wino_out[self.variant.index()];
        let (inw, inh) = (input.w, input.h);

        let mut t0 = 0;
        while t0 < ntiles {
            let nt = chunk.min(ntiles - t0);
            let ntpad = nt.div_ceil(nr) * nr;
            let vq = k * ntpad + SKEW; // stride between positions in vbuf
            let mq = mpad * ntpad + SKEW; // stride between positions in mbuf
            let groups = nt.div_ceil(lanes);

            // 1. Input transform, one task per input channel.
            let vptr = SyncPtr(vbuf.as_mut_ptr());
            let transform_channel = |c: usize| {
                let plane = input.plane(c);
                let mut edge = [[0f32; 64]; 8];
                for gi in 0..groups {
                    let mut src = [plane.as_ptr(); 8];
                    let mut stride = [inw; 8];
                    for l in 0..lanes {
                        let j = t0 + (gi * lanes + l).min(nt - 1);
                        let (y0, x0) = ((j / ntx) * m, (j % ntx) * m);
                        if y0 + t <= inh && x0 + t <= inw {
                            src[l] = plane[y0 * inw + x0..].as_ptr();
                        } else {
                            let e = &mut edge[l];
                            e.fill(0.0);
                            for y in 0..t.min(inh - y0) {
                                let w = t.min(inw - x0);
                                e[y * t..y * t + w]
                                    .copy_from_slice(&plane[(y0 + y) * inw + x0..][..w]);
                            }
                            src[l] = e.as_ptr();
                            stride[l] = t;
                        }
                    }
                    let j = gi * lanes;
                    let off = (j / nr) * k * nr + c * nr + j % nr;
                    // SAFETY: each lane's source is a full T×T block (in the plane or in `edge`);
                    // the destination lanes j..j+lanes of channel c at every position q lie in
                    // vbuf (tt*k*ntpad ≤ len) and no other task writes channel c.
                    unsafe { fin(&src, &stride, vptr.get().add(off), vq) };
                }
            };
            if threads <= 1 {
                (0..k).for_each(transform_channel);
            } else {
                use rayon::prelude::*;
                (0..k).into_par_iter().for_each(transform_channel);
            }

            // 2. The T² GEMMs: M_q = U_q · V_q.
            let qbias = t + 1;
            let gemm_q = |q: usize, mq_buf: &mut [f32]| {
                let a = &self.u[q];
                let bias = if q == qbias { &self.bias } else { &self.zeros };
                let v = &vbuf[q * vq..(q + 1) * vq];
                for panel in &a.panels {
                    for jp in 0..ntpad / nr {
                        // SAFETY: B panel jp = k rows of nr floats inside v; the C tile (panel.mr
                        // padded rows × nr) lies inside this position's mpad × ntpad block.
                        unsafe {
                            (if panel.mr == kern.mr {
                                kern.gemm
                            } else {
                                kern.gemm_small
                            })(
                                k,
                                a.panel_data(panel).as_ptr(),
                                v[jp * k * nr..].as_ptr(),
                                nr,
                                mq_buf[panel.row * ntpad + jp * nr..].as_mut_ptr(),
                                ntpad,
                                bias[panel.row..].as_ptr(),
                                false,
                            )
                        };
                    }
                }
            };
            parallel::for_each_chunk_mut(&mut mbuf[..tt * mq], mq, threads, gemm_q);

            // 3. Output transform, one task per output channel.
            let mbuf_ref = &mbuf;
            let mut planes = output.planes_mut();
            parallel::for_each_mut(&mut planes, threads, |oc, out| {
                let mut edge = [0f32; 36 * 8];
                let eb = edge.as_mut_ptr();
                for gi in 0..groups {
                    let mut dst = [eb; 8];
                    let mut stride = [m; 8];
                    let mut is_edge = [false; 8];
                    for l in 0..lanes {
                        let jj = gi * lanes + l;
                        if jj >= nt {
                            // SAFETY: lane l's 36-float slot of `edge`.
                            dst[l] = unsafe { eb.add(l * 36) };
                            continue;
                        }
                        let j = t0 + jj;
                        let (y0, x0) = ((j / ntx) * m, (j % ntx) * m);
                        if y0 + m <= outh && x0 + m <= outw {
                            dst[l] = out[y0 * outw + x0..].as_mut_ptr();
                            stride[l] = outw;
                        } else {
                            // SAFETY: lane l's 36-float slot of `edge`.
                            dst[l] = unsafe { eb.add(l * 36) };
                            is_edge[l] = true;
                        }
                    }
                    let src = mbuf_ref[oc * ntpad + gi * lanes..].as_ptr();
                    // SAFETY: the product tile of lanes gi*lanes.. (all tt positions) lies in
                    // mbuf; each destination is an m×m block inside this output plane or `edge`.
                    unsafe { fout(src, mq, &dst, &stride, relu) };
                    for l in 0..lanes {
                        if is_edge[l] {
                            let j = t0 + gi * lanes + l;
                            let (y0, x0) = ((j / ntx) * m, (j % ntx) * m);
                            let w = m.min(outw - x0);
                            for y in 0..m.min(outh - y0) {
                                out[(y0 + y) * outw + x0..][..w]
                                    .copy_from_slice(&edge[l * 36 + y * m..][..w]);
                            }
                        }
                    }
                }
            });
            t0 += nt;
        }
        if !matches!(act, Activation::None | Activation::Relu) {
            for p in output.planes_mut() {
                act.apply_slice(p);
            }
        }
    }
}
