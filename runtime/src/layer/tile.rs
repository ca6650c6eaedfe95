//! Tile: repeats the blob along axes — `2=repeats` (numpy's `tile`: the
//! last `n` axes; more repeats than axes add leading axes, up to 4-D), or
//! the old form `0=axis 1=tiles` (numpy axis). 1-D to 4-D; int8 stays int8.

use crate::error::LayerResult;
use crate::layer::region::{alloc_like, size4};
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Tile {
    axis: i32,
    tiles: usize,
    repeats: Vec<usize>,
}

fn tile<T: Copy>(
    src: &[T],
    sstep: usize,
    s: [usize; 4],
    dst: &mut [T],
    dstep: usize,
    o: [usize; 4],
) {
    let [w, h, d, c] = s;
    let [ow, oh, od, oc] = o;
    for q in 0..oc {
        for z in 0..od {
            for y in 0..oh {
                let si = (q % c) * sstep + ((z % d) * h + y % h) * w;
                let row = &src[si..si + w];
                let di = q * dstep + (z * oh + y) * ow;
                for chunk in dst[di..di + ow].chunks_exact_mut(w) {
                    chunk.copy_from_slice(row);
                }
            }
        }
    }
}

impl Layer for Tile {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.axis = pd.get_int(0, 0)?;
        let t = pd.get_int(1, 1)?;
        self.tiles = usize::try_from(t)
            .ok()
            .filter(|&t| t > 0)
            .ok_or_else(|| format!("tiles {t} is not positive"))?;
        let r = pd.get_ints(2)?;
        if r.len() > 4 {
            return Err(format!("repeats {r:?}: more than 4 axes").into());
        }
        self.repeats = r
            .iter()
            .map(|&x| usize::try_from(x).ok().filter(|&x| x > 0))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("repeats {r:?} must be positive"))?;
        if self.repeats.is_empty() && !(-4..4).contains(&self.axis) {
            return Err(format!("axis {} is not -4..3", self.axis).into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let dims = m.dims();
        // Repeats per letter (w, h, d, c).
        let mut rep = [1usize; 4];
        let n = self.repeats.len();
        if n == 0 {
            let letters: &[usize] = match dims {
                1 => &[0],
                2 => &[1, 0],
                3 => &[3, 1, 0],
                _ => &[3, 2, 1, 0],
            };
            let k = if self.axis < 0 {
                self.axis + dims as i32
            } else {
                self.axis
            };
            let k = usize::try_from(k)
                .ok()
                .filter(|&k| k < dims)
                .ok_or_else(|| {
                    format!(
                        "axis {} does not exist for the input {:?}",
                        self.axis,
                        m.shape()
                    )
                })?;
            rep[letters[k]] = self.tiles;
        } else {
            // The last n numpy axes; three of a 4-D blob are d, h, w.
            let letters: &[usize] = match (n, dims) {
                (1, _) => &[0],
                (2, _) => &[1, 0],
                (3, 4) => &[2, 1, 0],
                (3, _) => &[3, 1, 0],
                _ => &[3, 2, 1, 0],
            };
            for (&l, &r) in letters.iter().zip(&self.repeats) {
                rep[l] = r;
            }
        }
        let outdims = dims.max(n);
        if rep == [1; 4] && (n == 0 || n == dims) {
            return Ok(vec![m]);
        }
        let s = size4(&m);
        let mut o = [0usize; 4];
        for k in 0..4 {
            o[k] = s[k]
                .checked_mul(rep[k])
                .filter(|&v| v <= 1 << 30)
                .ok_or_else(|| {
                    format!("repeats {rep:?} make the input {:?} too large", m.shape())
                })?;
        }
        o.iter()
            .try_fold(1usize, |a, &v| a.checked_mul(v))
            .filter(|&t| t <= 1 << 30)
            .ok_or_else(|| format!("repeats {rep:?} make the input {:?} too large", m.shape()))?;
        let mut out = alloc_like(&m, outdims, o);
        let (sstep, dstep) = (m.cstep(), out.cstep());
        if m.is_int8() {
            tile(m.data_i8(), sstep, s, out.data_i8_mut(), dstep, o);
        } else {
            tile(m.data(), sstep, s, out.data_mut(), dstep, o);
        }
        Ok(vec![out])
    }

    fn int8_input(&self) -> Int8Input {
        Int8Input::PassThrough
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn flops(&self, _inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        0
    }
}
