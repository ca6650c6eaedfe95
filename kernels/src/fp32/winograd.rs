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
use super::scratch;
use super::sgemm::{copy_small, PackedA, SyncPtr};
use crate::{parallel, Activation, Planes, PlanesMut};

/// Buffer budget of one chunk of tiles (transformed input + GEMM output), in floats.
const CHUNK_FLOATS: usize = 256 * 1024;
/// Floats added to the stride between transform positions (one cache line).
const SKEW: usize = 16;

/// Where one tile reads (input) or writes (output) in a plane: the offset of
/// its top-left corner, and how many of its rows and columns are inside.
struct TileSlot {
    off: usize,
    rows: usize,
    cols: usize,
}

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
        let (m, t) = (self.variant.m(), self.variant.t());
        let tt = t * t;
        let (ntx, nty) = (outw.div_ceil(m), outh.div_ceil(m));
        let ntiles = ntx * nty;
        let nr = kern.nr;
        debug_assert!(nr % kern.lanes == 0 && kern.lanes <= 8);
        let k = self.in_c;
        let mpad = self.u[0].padded_rows();
        // Tiles per chunk: buffers within CHUNK_FLOATS, chunks of equal size (a
        // multiple of the lane groups), so no chunk is mostly padding.
        let nchunks = chunks(self.variant, ntiles, k, self.out_c, kern);
        let chunk = ntiles.div_ceil(nchunks).div_ceil(kern.lanes) * kern.lanes;
        // Buffer columns of the biggest chunk.
        let cols = Chunk::new(0, chunk, ntx, (outw, outh), kern).ntpad;
        // Position strides are padded by one cache line so the T² rows a transform
        // touches do not all map to the same L1 set (the unpadded strides are
        // often multiples of 4 KiB).
        let vbuf_len = tt * (k * cols + SKEW);
        let mbuf_len = tt * (mpad * cols + SKEW);
        // On maps at least one tile wide and high, the last tile of each row and
        // column is shifted back to end at the map's edge (overlapping its
        // neighbour, whose shared outputs it recomputes): every tile then reads
        // and writes whole blocks. Smaller maps are copied once into a
        // zero-bordered buffer on the tile grid, and their output tiles go
        // through a small buffer.
        let (gw, gh) = (ntx * m + 2, nty * m + 2);
        let grid_len = if (outw >= m && outh >= m) || (gw, gh) == (input.w, input.h) {
            0
        } else {
            k * gw * gh
        };
        scratch::with(vbuf_len + mbuf_len + grid_len, |buf| {
            let (vbuf, rest) = buf.split_at_mut(vbuf_len);
            let (mbuf, grid) = rest.split_at_mut(mbuf_len);
            let input = if grid_len == 0 {
                input
            } else {
                pad_to_grid(input, grid, gw, gh, threads)
            };
            let mut t0 = 0;
            while t0 < ntiles {
                let c = Chunk::new(t0, chunk.min(ntiles - t0), ntx, (outw, outh), kern);
                self.input_phase(kern, input, &c, vbuf, threads);
                self.gemm_phase(kern, &c, vbuf, mbuf, threads);
                self.output_phase(kern, &c, mbuf, output, act == Activation::Relu, threads);
                t0 += c.nt;
            }
        });
        if !matches!(act, Activation::None | Activation::Relu) {
            for p in output.planes_mut() {
                act.apply_slice(p);
            }
        }
    }

    /// Stride between transform positions in the transformed-input buffer.
    fn vq(&self, c: &Chunk) -> usize {
        self.in_c * c.ntpad + SKEW
    }

    /// Stride between transform positions in the product buffer.
    fn mq(&self, c: &Chunk) -> usize {
        self.u[0].padded_rows() * c.ntpad + SKEW
    }

    /// Input transform of a chunk of tiles (every tile a full T×T block of
    /// `input`), one task per input channel, into `[q][tile panel][channel][nr]`.
    #[inline(never)]
    fn input_phase(
        &self,
        kern: &Fp32Kernels,
        input: Planes<f32>,
        c: &Chunk,
        vbuf: &mut [f32],
        threads: usize,
    ) {
        let (m, t) = (self.variant.m(), self.variant.t());
        let (lanes, k) = (kern.lanes, self.in_c);
        let fin = kern.wino_in[self.variant.index()];
        let vq = self.vq(c);
        assert!(vbuf.len() >= t * t * vq);
        let inw = input.w;
        // Plane offset of every tile slot; dummy slots (up to the padded panel
        // width) repeat the last tile so the GEMM never reads stale columns.
        let offs: Vec<usize> = (0..c.ntpad)
            .map(|jj| {
                let j = c.t0 + jj.min(c.nt - 1);
                let (y0, x0) = c.origin(j, m);
                debug_assert!(y0 + t <= input.h && x0 + t <= inw);
                y0 * inw + x0
            })
            .collect();
        let vptr = SyncPtr(vbuf.as_mut_ptr());
        let transform_channel = |ch: usize| {
            let plane = input.plane(ch);
            let stride = [inw; 8];
            for (gi, group) in offs.chunks_exact(lanes).enumerate() {
                let mut src = [plane.as_ptr(); 8];
                for (l, &o) in group.iter().enumerate() {
                    src[l] = plane[o..].as_ptr();
                }
                let off = c.panel_offset(gi * lanes, k) + ch * c.width(gi * lanes);
                // SAFETY: each lane's source is a full T×T block of the plane (tile grid
                // within the input, asserted above in debug builds); lanes j..j+lanes of
                // channel ch at every position q lie in vbuf (t*t*vq ≤ len), and no other
                // task writes channel ch.
                unsafe { fin(&src, &stride, vptr.get().add(off), vq) };
            }
        };
        if threads <= 1 {
            (0..k).for_each(transform_channel);
        } else {
            use rayon::prelude::*;
            (0..k).into_par_iter().for_each(transform_channel);
        }
    }

    /// The T² GEMMs of a chunk, `M_q = U_q · V_q`, one task per position `q`;
    /// the bias goes in at `q = (1, 1)`.
    #[inline(never)]
    fn gemm_phase(
        &self,
        kern: &Fp32Kernels,
        c: &Chunk,
        vbuf: &[f32],
        mbuf: &mut [f32],
        threads: usize,
    ) {
        let t = self.variant.t();
        let k = self.in_c;
        let (vq, mq, ntpad) = (self.vq(c), self.mq(c), c.ntpad);
        let qbias = t + 1;
        // Column panels of the chunk: (first column, width, offset of the B panel).
        let mut cols = Vec::new();
        let mut j = 0;
        while j < ntpad {
            cols.push((j, c.width(j), c.panel_offset(j, k)));
            j += c.width(j);
        }
        let gemm_q = |q: usize, mq_buf: &mut [f32]| {
            let a = &self.u[q];
            let bias = if q == qbias { &self.bias } else { &self.zeros };
            let v = &vbuf[q * vq..(q + 1) * vq];
            assert!(v.len() >= k * ntpad && mq_buf.len() >= a.padded_rows() * ntpad);
            for panel in &a.panels {
                let ap = a.panel_data(panel).as_ptr();
                let bp = bias[panel.row..].as_ptr();
                let cp = mq_buf[panel.row * ntpad..].as_mut_ptr();
                let (f, fw) = (
                    kern.gemm_for(panel.mr, kern.nr),
                    kern.gemm_for(panel.mr, kern.lanes),
                );
                for &(j, w, boff) in &cols {
                    // SAFETY: the B panel of columns j..j+w = k rows of w floats inside v; the C
                    // tile (panel.mr padded rows × w, row stride ntpad) lies inside this position's
                    // block of mq_buf (both asserted above); bias holds padded_rows values.
                    unsafe {
                        (if w == kern.nr { f } else { fw })(
                            k,
                            ap,
                            v.as_ptr().add(boff),
                            w,
                            cp.add(j),
                            ntpad,
                            bp,
                            false,
                        )
                    };
                }
            }
        };
        parallel::for_each_chunk_mut(&mut mbuf[..t * t * mq], mq, threads, gemm_q);
    }

    /// Output transform of a chunk, one task per output channel; tiles that
    /// cross the right or bottom border go through a small buffer.
    #[inline(never)]
    fn output_phase(
        &self,
        kern: &Fp32Kernels,
        c: &Chunk,
        mbuf: &[f32],
        output: &mut PlanesMut<f32>,
        relu: bool,
        threads: usize,
    ) {
        let m = self.variant.m();
        let lanes = kern.lanes;
        let fout = kern.wino_out[self.variant.index()];
        let mq = self.mq(c);
        let (outw, outh) = (output.w, output.h);
        let slots: Vec<TileSlot> = (0..c.nt)
            .map(|jj| {
                let j = c.t0 + jj;
                let (y0, x0) = c.origin(j, m);
                TileSlot {
                    off: y0 * outw + x0,
                    rows: m.min(outh - y0),
                    cols: m.min(outw - x0),
                }
            })
            .collect();
        // Per group of lanes: each lane's offset in the plane, or None for a tile that
        // crosses the border (written to `edge`, then its inside part copied out).
        let groups: Vec<[Option<usize>; 8]> = slots
            .chunks(lanes)
            .map(|g| {
                core::array::from_fn(|l| match g.get(l) {
                    Some(s) if s.rows == m && s.cols == m => Some(s.off),
                    _ => None,
                })
            })
            .collect();
        let ntpad = c.ntpad;
        assert!(mbuf.len() >= (m + 2) * (m + 2) * mq);
        let mut planes = output.planes_mut();
        parallel::for_each_mut(&mut planes, threads, |oc, out| {
            // Only tiles of maps smaller than one tile use it; not zeroed (the
            // transform writes a whole m×m block before its inside is copied out).
            let mut edge = [core::mem::MaybeUninit::<f32>::uninit(); 36 * 8];
            let eb = edge.as_mut_ptr() as *mut f32;
            let ob = out.as_mut_ptr();
            assert!(out.len() >= outw * outh);
            for (gi, offs) in groups.iter().enumerate() {
                let mut dst = [eb; 8];
                let mut stride = [m; 8];
                for l in 0..lanes {
                    dst[l] = match offs[l] {
                        Some(o) => {
                            stride[l] = outw;
                            // SAFETY: an in-plane tile's m×m block lies inside `out` (its rows
                            // and columns are inside the map).
                            unsafe { ob.add(o) }
                        }
                        // SAFETY: lane l's 36-float slot of `edge`.
                        None => unsafe { eb.add(l * 36) },
                    };
                }
                let src = mbuf[oc * ntpad + gi * lanes..].as_ptr();
                // SAFETY: the product tiles of lanes gi*lanes.. at every position lie in mbuf
                // (asserted); each destination is an m×m block inside this output plane or `edge`.
                unsafe { fout(src, mq, &dst, &stride, relu) };
                if offs[..lanes].contains(&None) {
                    for (l, s) in slots[gi * lanes..].iter().take(lanes).enumerate() {
                        if offs[l].is_none() {
                            // SAFETY: the transform above wrote lane l's whole m×m block of `edge`.
                            let edge = unsafe { core::slice::from_raw_parts(eb, 36 * 8) };
                            for y in 0..s.rows {
                                copy_small(
                                    &mut out[s.off + y * outw..],
                                    &edge[l * 36 + y * m..],
                                    s.cols,
                                );
                            }
                        }
                    }
                }
            }
        });
    }
}

/// How many chunks of tiles a forward pass over `tiles` tiles makes (each
/// chunk's transformed input and products stay within `CHUNK_FLOATS`; the
/// transformed weights are read once per chunk).
pub fn chunks(
    variant: WinogradVariant,
    tiles: usize,
    in_c: usize,
    out_c: usize,
    kern: &Fp32Kernels,
) -> usize {
    let t = variant.t();
    let mpad: usize = super::sgemm::panel_plan(out_c, kern.mr, kern.mr_small)
        .iter()
        .sum();
    let per_tile = t * t * (in_c + mpad);
    let max_tiles = (CHUNK_FLOATS / per_tile.max(1)).max(kern.nr);
    tiles.div_ceil(max_tiles).max(1)
}

/// Columns the GEMM computes for `n` columns (tiles or pixels): full `nr`
/// panels, then `lanes`-wide ones when they cover the rest with less padding.
pub fn padded_columns(n: usize, kern: &Fp32Kernels) -> usize {
    Chunk::new(0, n, 1, (1, 1), kern).ntpad
}

/// One chunk of tiles: `nt` tiles from `t0`, `ntx` tiles per row of the map
/// (`w × h` outputs).
/// The GEMM reads them in `full` panels of `nr` tiles, then `narrow` panels
/// of `lanes` tiles (when what is left fits in fewer columns than a full
/// panel); `ntpad` columns in all.
struct Chunk {
    t0: usize,
    nt: usize,
    ntpad: usize,
    ntx: usize,
    w: usize,
    h: usize,
    nr: usize,
    lanes: usize,
    full: usize,
}

impl Chunk {
    fn new(t0: usize, nt: usize, ntx: usize, (w, h): (usize, usize), kern: &Fp32Kernels) -> Chunk {
        let (nr, lanes) = (kern.nr, kern.lanes);
        let mut full = nt / nr;
        let mut narrow = (nt % nr).div_ceil(lanes);
        if narrow * lanes >= nr {
            full += 1;
            narrow = 0;
        }
        Chunk {
            t0,
            nt,
            ntpad: full * nr + narrow * lanes,
            ntx,
            w,
            h,
            nr,
            lanes,
            full,
        }
    }

    /// Output row and column of tile `j`'s top-left corner: a multiple of `m`,
    /// except that on maps at least `m` wide (high) a tile that would cross the
    /// right (bottom) edge is moved back to end on it.
    fn origin(&self, j: usize, m: usize) -> (usize, usize) {
        let (y, x) = ((j / self.ntx) * m, (j % self.ntx) * m);
        let fit = |p: usize, size: usize| if size >= m { p.min(size - m) } else { p };
        (fit(y, self.h), fit(x, self.w))
    }

    /// Width of the panel holding tile slot `j`.
    fn width(&self, j: usize) -> usize {
        if j < self.full * self.nr {
            self.nr
        } else {
            self.lanes
        }
    }

    /// Offset, in a position's `k`-row packed block, of the panel column of
    /// tile slot `j` (row 0), as `[full panels: k × nr][narrow: k × lanes]`.
    fn panel_offset(&self, j: usize, k: usize) -> usize {
        let split = self.full * self.nr;
        if j < split {
            (j / self.nr) * k * self.nr + j % self.nr
        } else {
            split * k + ((j - split) / self.lanes) * k * self.lanes + (j - split) % self.lanes
        }
    }
}

/// Copies `input` into `grid` as planes of `gw × gh` (≥ the input), zero
/// beyond the input's right and bottom edges.
fn pad_to_grid<'a>(
    input: Planes<f32>,
    grid: &'a mut [f32],
    gw: usize,
    gh: usize,
    threads: usize,
) -> Planes<'a, f32> {
    let (w, h) = (input.w, input.h);
    let plane = gw * gh;
    parallel::for_each_chunk_mut(&mut grid[..input.c * plane], plane, threads, |ch, dst| {
        let src = input.plane(ch);
        for y in 0..h {
            dst[y * gw..y * gw + w].copy_from_slice(&src[y * w..(y + 1) * w]);
            dst[y * gw + w..(y + 1) * gw].fill(0.0);
        }
        dst[h * gw..].fill(0.0);
    });
    Planes::new(&grid[..input.c * plane], gw, gh, input.c, plane)
}
