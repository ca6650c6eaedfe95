//! Interp: resizes the `h × w` planes of a blob — `0=resize_type` 1 nearest,
//! 2 bilinear, 3 bicubic (ncnn's A = −0.75 kernel); the size is
//! `3=output_height 4=output_width`, or when either is 0 the input's times
//! `1=height_scale 2=width_scale`, or with `5=dynamic_target_size=1` the
//! second input's `h × w`; `6=align_corner` maps corner to corner. A 2-D
//! blob is resized along `w` only; a 1-D blob becomes `w` channels of
//! `outh × outw`, each filled with its value (ncnn's "flattened" case).
//! Nearest keeps int8; bilinear and bicubic compute in fp32.
//!
//! The coordinate maths is ncnn's: source `x = (dx + ½)·s − ½` with
//! `s = w/outw` for a given or reference size and `1/width_scale` for a
//! size from the scale (PyPI ncnn 1.0.20261020), `dx·(w−1)/(outw−1)` with
//! align_corner; in double, then float; bilinear
//! clamps to the first / last pair; bicubic folds the taps that fall off the
//! border onto the edge ones. Nearest takes `⌊dx·w/outw⌋` with a given
//! output size or a reference blob (PyPI ncnn 1.0.20261020 does so for
//! the reference too) and `⌊dx/scale⌋` otherwise. Rows are resized once each (horizontal taps precomputed per output
//! column) and blended vertically, two or four rows at a time.

use octet_kernels::parallel;

use crate::error::LayerResult;
use crate::expression::ShapeExpr;
use crate::layer::{ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Interp {
    resize_type: i32,
    height_scale: f32,
    width_scale: f32,
    output_height: i32,
    output_width: i32,
    dynamic: bool,
    align_corner: bool,
    /// `9=`: the output `w[,h]` as a shape expression of the inputs.
    size_expr: Option<ShapeExpr>,
}

/// The source taps of every output position along one axis: `taps`
/// indices and weights per position.
struct Taps {
    n: usize,
    idx: Vec<usize>,
    wt: Vec<f32>,
}

/// The float source coordinate of output `dx` (ncnn's `fx`).
fn source_coord(dx: usize, scale: f64, align: bool) -> f32 {
    let f = if align {
        (dx as f64 * scale) as f32
    } else {
        ((dx as f64 + 0.5) * scale - 0.5) as f32
    };
    // align_corner with one output: ncnn's 0·∞ lands on the first sample.
    if f.is_finite() {
        f
    } else {
        0.0
    }
}

/// Source step per output step: corner to corner with align_corner, else
/// `1 / scale` when the size came from a scale factor, else `w / outw`.
fn axis_scale(w: usize, outw: usize, align: bool, factor: Option<f32>) -> f64 {
    if align {
        (w as f64 - 1.0) / (outw as f64 - 1.0)
    } else if let Some(f) = factor {
        1.0 / f64::from(f)
    } else {
        w as f64 / outw as f64
    }
}

fn clampi(i: i64, w: usize) -> usize {
    i.clamp(0, w as i64 - 1) as usize
}

fn linear_taps(w: usize, outw: usize, align: bool, factor: Option<f32>) -> Taps {
    let scale = axis_scale(w, outw, align, factor);
    let (mut idx, mut wt) = (Vec::with_capacity(outw * 2), Vec::with_capacity(outw * 2));
    let wi = w as i64;
    for dx in 0..outw {
        let mut fx = source_coord(dx, scale, align);
        let mut sx = fx.floor() as i64;
        fx -= sx as f32;
        if sx < 0 {
            sx = 0;
            fx = 0.0;
        }
        if sx >= wi - 1 {
            sx = wi - 2;
            fx = 1.0;
        }
        idx.extend([clampi(sx, w), clampi(sx + 1, w)]);
        wt.extend([1.0 - fx, fx]);
    }
    Taps { n: 2, idx, wt }
}

fn cubic_coeffs(fx: f32) -> [f32; 4] {
    const A: f32 = -0.75;
    let fx0 = fx + 1.0;
    let fx1 = fx;
    let fx2 = 1.0 - fx;
    let c0 = A * fx0 * fx0 * fx0 - 5.0 * A * fx0 * fx0 + 8.0 * A * fx0 - 4.0 * A;
    let c1 = (A + 2.0) * fx1 * fx1 * fx1 - (A + 3.0) * fx1 * fx1 + 1.0;
    let c2 = (A + 2.0) * fx2 * fx2 * fx2 - (A + 3.0) * fx2 * fx2 + 1.0;
    [c0, c1, c2, 1.0 - c0 - c1 - c2]
}

fn cubic_taps(w: usize, outw: usize, align: bool, factor: Option<f32>) -> Taps {
    let scale = axis_scale(w, outw, align, factor);
    let (mut idx, mut wt) = (Vec::with_capacity(outw * 4), Vec::with_capacity(outw * 4));
    let wi = w as i64;
    for dx in 0..outw {
        let mut fx = source_coord(dx, scale, align);
        let mut sx = fx.floor() as i64;
        fx -= sx as f32;
        let mut a = cubic_coeffs(fx);
        if sx <= -1 {
            sx = 1;
            a = [1.0 - a[3], a[3], 0.0, 0.0];
        }
        if sx == 0 {
            sx = 1;
            a = [a[0] + a[1], a[2], a[3], 0.0];
        }
        if sx == wi - 2 {
            sx = wi - 3;
            a = [0.0, a[0], a[1], a[2] + a[3]];
        }
        if sx >= wi - 1 {
            sx = wi - 3;
            a = [0.0, 0.0, a[0], 1.0 - a[0]];
        }
        for k in 0..4 {
            idx.push(clampi(sx - 1 + k, w));
        }
        wt.extend(a);
    }
    Taps { n: 4, idx, wt }
}

/// One source row resized horizontally.
fn hresize(src: &[f32], t: &Taps, out: &mut [f32]) {
    if t.n == 2 {
        for ((o, i), a) in out
            .iter_mut()
            .zip(t.idx.chunks_exact(2))
            .zip(t.wt.chunks_exact(2))
        {
            *o = src[i[0]] * a[0] + src[i[1]] * a[1];
        }
    } else {
        for ((o, i), a) in out
            .iter_mut()
            .zip(t.idx.chunks_exact(4))
            .zip(t.wt.chunks_exact(4))
        {
            *o = src[i[0]] * a[0] + src[i[1]] * a[1] + src[i[2]] * a[2] + src[i[3]] * a[3];
        }
    }
}

/// Resizes one `h × w` plane into `out` (`outh × outw`): each source row is
/// resized once into a ring of `taps` rows, then rows are blended.
fn resize_plane(src: &[f32], w: usize, xt: &Taps, yt: &Taps, outw: usize, out: &mut [f32]) {
    let n = yt.n;
    let mut ring: Vec<Vec<f32>> = vec![vec![0.0; outw]; n];
    let mut tag: Vec<Option<usize>> = vec![None; n];
    for (dy, orow) in out.chunks_exact_mut(outw).enumerate() {
        let rows = &yt.idx[dy * n..dy * n + n];
        let b = &yt.wt[dy * n..dy * n + n];
        for &r in rows {
            let slot = r % n;
            if tag[slot] != Some(r) {
                hresize(&src[r * w..r * w + w], xt, &mut ring[slot]);
                tag[slot] = Some(r);
            }
        }
        if n == 2 {
            let (r0, r1) = (&ring[rows[0] % 2], &ring[rows[1] % 2]);
            for ((o, &p), &q) in orow.iter_mut().zip(r0).zip(r1) {
                *o = p * b[0] + q * b[1];
            }
        } else {
            let (r0, r1) = (&ring[rows[0] % 4], &ring[rows[1] % 4]);
            let (r2, r3) = (&ring[rows[2] % 4], &ring[rows[3] % 4]);
            for ((((o, &p), &q), &r), &s) in orow.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3) {
                *o = p * b[0] + q * b[1] + r * b[2] + s * b[3];
            }
        }
    }
}

fn nearest_index(x: usize, s: f32, w: usize) -> usize {
    ((x as f32 * s) as i64).clamp(0, w as i64 - 1) as usize
}

fn nearest_plane<T: Copy>(src: &[T], w: usize, xi: &[usize], yi: &[usize], out: &mut [T]) {
    let outw = xi.len();
    for (orow, &y) in out.chunks_exact_mut(outw).zip(yi) {
        let row = &src[y * w..y * w + w];
        for (o, &x) in orow.iter_mut().zip(xi) {
            *o = row[x];
        }
    }
}

impl Interp {
    /// The taps along one axis; `factor` is the scale the size came from
    /// (`None`: a given or reference size).
    fn taps(&self, w: usize, outw: usize, factor: Option<f32>) -> Taps {
        if self.resize_type == 2 {
            linear_taps(w, outw, self.align_corner, factor)
        } else {
            cubic_taps(w, outw, self.align_corner, factor)
        }
    }

    /// The output size comes from the inputs (a reference blob or an
    /// expression), so the sampling steps are `w/outw`, not `1/scale`.
    fn sized_by_input(&self) -> bool {
        self.dynamic || self.size_expr.is_some()
    }

    fn factors(&self) -> (Option<f32>, Option<f32>) {
        let by_size = |given: i32| self.sized_by_input() || given != 0;
        (
            (!by_size(self.output_width)).then_some(self.width_scale),
            (!by_size(self.output_height)).then_some(self.height_scale),
        )
    }
}

impl Layer for Interp {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.resize_type = pd.get_int(0, 0)?;
        self.height_scale = pd.get_float(1, 1.0)?;
        self.width_scale = pd.get_float(2, 1.0)?;
        self.output_height = pd.get_int(3, 0)?;
        self.output_width = pd.get_int(4, 0)?;
        self.dynamic = pd.get_int(5, 0)? == 1;
        self.align_corner = pd.get_int(6, 0)? != 0;
        if !(0..=3).contains(&self.resize_type) {
            return Err(format!(
                "resize_type {} is not 1 (nearest), 2 (bilinear) or 3 (bicubic)",
                self.resize_type
            )
            .into());
        }
        self.size_expr = match pd.get_str(9)? {
            Some(text) => {
                let e = ShapeExpr::parse(text).map_err(|e| format!("param 9: {e}"))?;
                if e.len() > 2 {
                    return Err(format!("param 9 gives {} sizes, at most 2 (w, h)", e.len()).into());
                }
                Some(e)
            }
            None => None,
        };
        if self.output_height < 0 || self.output_width < 0 {
            return Err(format!(
                "output size {}×{} is negative",
                self.output_width, self.output_height
            )
            .into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let mut it = inputs.into_iter();
        let Some(mut m) = it.next() else {
            return Err("expects an input, got none".into());
        };
        let dims = m.dims();
        let (w, h) = if dims == 1 { (1, 1) } else { (m.w(), m.h()) };
        let (outw, outh) = if let Some(e) = &self.size_expr {
            let mut shapes = vec![[m.w(), m.h(), m.d(), m.c()].map(|v| v.max(1))];
            shapes.extend(
                it.as_slice()
                    .iter()
                    .map(|r| [r.w(), r.h(), r.d(), r.c()].map(|v| v.max(1))),
            );
            match *e.eval(&shapes)?.as_slice() {
                [w] => (i64::from(w), m.h() as i64),
                [w, h] => (i64::from(w), i64::from(h)),
                _ => return Err("param 9 gives no size".into()),
            }
        } else if self.dynamic {
            let r = it.next().ok_or(
                "dynamic_target_size=1 takes the output size from a second input; got one input",
            )?;
            (r.w() as i64, r.h() as i64)
        } else if self.output_width == 0 || self.output_height == 0 {
            (
                (w as f32 * self.width_scale) as i64,
                (h as f32 * self.height_scale) as i64,
            )
        } else {
            (i64::from(self.output_width), i64::from(self.output_height))
        };
        let too_big = |v: i64| v <= 0 || v > 1 << 24;
        if too_big(outw) || (dims != 2 && too_big(outh)) {
            return Err(format!(
                "output size {outw}×{outh} of the input {:?} is not positive (or too large)",
                m.shape()
            )
            .into());
        }
        let (outw, outh) = (outw as usize, outh as usize);
        let planes = if dims == 1 { m.w() } else { m.c() };
        let rows = if dims == 2 { m.h() } else { outh };
        outw.checked_mul(rows)
            .and_then(|v| v.checked_mul(planes))
            .filter(|&v| v <= 1 << 30)
            .ok_or_else(|| {
                format!(
                    "output size {outw}×{outh} of the input {:?} is too large",
                    m.shape()
                )
            })?;
        if dims == 1 {
            let mut out = crate::layer::region::alloc_like(&m, 3, [outw, outh, 1, m.w()]);
            let step = out.cstep();
            let plane = outw * outh;
            if m.is_int8() {
                let v = m.data_i8().to_vec();
                for (q, &x) in v.iter().enumerate() {
                    out.data_i8_mut()[q * step..q * step + plane].fill(x);
                }
            } else {
                let v = m.data().to_vec();
                for (q, &x) in v.iter().enumerate() {
                    out.channel_mut(q).fill(x);
                }
            }
            return Ok(vec![out]);
        }
        let outh = if dims == 2 { h } else { outh };
        if outw == w && outh == h {
            return Ok(vec![m]);
        }
        if self.resize_type == 0 {
            return Err("resize_type 0 does not resize; use 1, 2 or 3".into());
        }
        let threads = ctx.threads();
        let c = m.c();
        if self.resize_type == 1 {
            let ws = if self.output_width != 0 || self.sized_by_input() {
                w as f32 / outw as f32
            } else {
                1.0 / self.width_scale
            };
            let hs = if self.output_height != 0 || self.sized_by_input() {
                h as f32 / outh as f32
            } else {
                1.0 / self.height_scale
            };
            let xi: Vec<usize> = (0..outw).map(|x| nearest_index(x, ws, w)).collect();
            let yi: Vec<usize> = if dims == 2 {
                (0..h).collect()
            } else {
                (0..outh).map(|y| nearest_index(y, hs, h)).collect()
            };
            let mut out = crate::layer::region::alloc_like(&m, dims, [outw, outh, 1, c]);
            let (step, ostep, plane) = (m.cstep(), out.cstep(), outw * outh);
            if m.is_int8() {
                let (src, dst) = (m.data_i8(), out.data_i8_mut());
                for q in 0..c {
                    let s = &src[q * step..q * step + w * h];
                    nearest_plane(s, w, &xi, &yi, &mut dst[q * ostep..q * ostep + plane]);
                }
            } else {
                let mut planes = out.planes_mut();
                let mut planes = planes.planes_mut();
                let src = m.data();
                parallel::for_each_mut(&mut planes, threads, |q, o| {
                    let s = &src[q * step..q * step + w * h];
                    nearest_plane(s, w, &xi, &yi, &mut o[..plane]);
                });
            }
            return Ok(vec![out]);
        }
        if m.is_int8() {
            m = m.dequantize();
        }
        let (wf, hf) = self.factors();
        let xt = self.taps(w, outw, wf);
        let mut out = Mat::with_shape(dims, outw, outh, 1, c);
        let step = m.cstep();
        let src = m.data();
        if dims == 2 {
            let data = out.data_mut();
            for (y, orow) in data.chunks_exact_mut(outw).enumerate().take(h) {
                hresize(&src[y * w..y * w + w], &xt, orow);
            }
            return Ok(vec![out]);
        }
        let yt = self.taps(h, outh, hf);
        let plane = outw * outh;
        let mut planes = out.planes_mut();
        let mut planes = planes.planes_mut();
        parallel::for_each_mut(&mut planes, threads, |q, o| {
            let s = &src[q * step..q * step + w * h];
            resize_plane(s, w, &xt, &yt, outw, &mut o[..plane]);
        });
        Ok(vec![out])
    }

    fn int8_input(&self) -> Int8Input {
        if self.resize_type == 1 {
            Int8Input::PassThrough
        } else {
            Int8Input::Dequantize
        }
    }

    fn flops(&self, _inputs: &[Vec<usize>], output: &[usize]) -> u64 {
        let taps = match self.resize_type {
            2 => 4,
            3 => 16,
            _ => 0,
        };
        output.iter().product::<usize>() as u64 * taps
    }
}
