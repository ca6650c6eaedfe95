//! Portable Winograd input and output transforms, F(6,3), F(4,3), F(2,3).
//!
//! The transforms work on "lanes = tiles": one vector holds the same element
//! of `L` different tiles, so every operation of the (short, fixed) transform
//! formulas is one vector operation, and the transformed input lands in the
//! GEMM's packed-B layout (`NR` consecutive tiles per row) with plain vector
//! stores. The formulas are written once, generic over [`Lanes`]; the
//! portable kernels instantiate them with arrays ([`Arr`]), the aarch64 ones
//! with NEON registers.
//!
//! Matrices (`Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A`) are those of Lavin & Gray with
//! interpolation points 0, ±1, ±2, ±½ (F(6,3)); for F(6,3) the ±½ columns of
//! `Aᵀ` are scaled by 32 and the matching rows of `G` by 1/32, which keeps
//! the output transform's constants small integers (as ncnn does).

use super::madd;

/// A vector of `L` fp32 lanes and the few operations the transforms need.
pub trait Lanes: Copy {
    const L: usize;
    fn splat(v: f32) -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, k: f32) -> Self;
    /// `self + b * k`.
    fn madd(self, b: Self, k: f32) -> Self;
    fn max0(self) -> Self;
    /// Lane `l` read from `*p[l].add(off[l])`.
    ///
    /// # Safety
    /// Every `p[l].add(off[l])` (for `l < L`) must be readable.
    unsafe fn gather(p: &[*const f32; 8], off: &[usize; 8]) -> Self;
    /// # Safety
    /// `p` must be readable for `L` values.
    unsafe fn load(p: *const f32) -> Self;
    /// # Safety
    /// `p` must be writable for `L` values.
    unsafe fn store(self, p: *mut f32);
    fn lane(self, l: usize) -> f32;
}

/// `L` lanes in a plain array (LLVM turns the lane loops into vector code).
#[derive(Clone, Copy, Debug)]
pub struct Arr<const L: usize, const FMA: bool>(pub [f32; L]);

impl<const L: usize, const FMA: bool> Lanes for Arr<L, FMA> {
    const L: usize = L;
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Arr([v; L])
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Arr(core::array::from_fn(|l| self.0[l] + o.0[l]))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Arr(core::array::from_fn(|l| self.0[l] - o.0[l]))
    }
    #[inline(always)]
    fn mul(self, k: f32) -> Self {
        Arr(core::array::from_fn(|l| self.0[l] * k))
    }
    #[inline(always)]
    fn madd(self, b: Self, k: f32) -> Self {
        Arr(core::array::from_fn(|l| madd::<FMA>(self.0[l], b.0[l], k)))
    }
    #[inline(always)]
    fn max0(self) -> Self {
        Arr(core::array::from_fn(|l| super::relu(self.0[l])))
    }
    #[inline(always)]
    unsafe fn gather(p: &[*const f32; 8], off: &[usize; 8]) -> Self {
        // SAFETY: the caller guarantees every lane's address is readable.
        Arr(core::array::from_fn(|l| unsafe { *p[l].add(off[l]) }))
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees L readable values.
        Arr(unsafe { core::ptr::read_unaligned(p as *const [f32; L]) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees L writable values.
        unsafe { core::ptr::write_unaligned(p as *mut [f32; L], self.0) }
    }
    #[inline(always)]
    fn lane(self, l: usize) -> f32 {
        self.0[l]
    }
}

/// One Winograd variant F(M, 3) with input tiles of `T = M + 2`.
pub trait Variant<const T: usize, const M: usize> {
    /// `Bᵀ d` for one column `d` of the input tile.
    fn bt<V: Lanes>(d: [V; T]) -> [V; T];
    /// `Aᵀ m` for one column `m` of the product tile.
    fn at<V: Lanes>(m: [V; T]) -> [V; M];
}

/// F(6,3): 8×8 input tiles, 6×6 outputs.
pub struct F63;
/// F(4,3): 6×6 input tiles, 4×4 outputs.
pub struct F43;
/// F(2,3): 4×4 input tiles, 2×2 outputs.
pub struct F23;

impl Variant<8, 6> for F63 {
    #[inline(always)]
    fn bt<V: Lanes>(d: [V; 8]) -> [V; 8] {
        let [d0, d1, d2, d3, d4, d5, d6, d7] = d;
        let r0 = d0.sub(d6).madd(d4.sub(d2), 5.25);
        let r7 = d7.sub(d1).madd(d3.sub(d5), 5.25);
        let t1 = d2.add(d6).madd(d4, -4.25);
        let t2 = d1.add(d5).madd(d3, -4.25);
        let t3 = d6.madd(d2, 0.25).madd(d4, -1.25);
        let t4 = d1.mul(0.5).madd(d3, -2.5).madd(d5, 2.0);
        let t5 = d6.madd(d2.madd(d4, -1.25), 4.0);
        let t6 = d1.mul(2.0).madd(d3, -2.5).madd(d5, 0.5);
        [
            r0,
            t1.add(t2),
            t1.sub(t2),
            t3.add(t4),
            t3.sub(t4),
            t5.add(t6),
            t5.sub(t6),
            r7,
        ]
    }
    #[inline(always)]
    fn at<V: Lanes>(m: [V; 8]) -> [V; 6] {
        let [m0, m1, m2, m3, m4, m5, m6, m7] = m;
        let (a, b) = (m1.add(m2), m1.sub(m2));
        let (c, d) = (m3.add(m4), m3.sub(m4));
        let (e, f) = (m5.add(m6), m5.sub(m6));
        [
            m0.add(a).add(c).madd(e, 32.0),
            b.madd(d, 2.0).madd(f, 16.0),
            a.madd(c, 4.0).madd(e, 8.0),
            b.madd(d, 8.0).madd(f, 4.0),
            a.madd(c, 16.0).madd(e, 2.0),
            m7.add(b).add(f).madd(d, 32.0),
        ]
    }
}

impl Variant<6, 4> for F43 {
    #[inline(always)]
    fn bt<V: Lanes>(d: [V; 6]) -> [V; 6] {
        let [d0, d1, d2, d3, d4, d5] = d;
        let (s12, f12) = (d1.add(d2), d1.sub(d2));
        let (f42, f31) = (d4.sub(d2), d3.sub(d1));
        [
            d4.madd(d0, 4.0).madd(d2, -5.0),
            d3.add(d4).madd(s12, -4.0),
            d4.sub(d3).madd(f12, 4.0),
            f42.madd(f31, 2.0),
            f42.madd(f31, -2.0),
            d5.madd(d1, 4.0).madd(d3, -5.0),
        ]
    }
    #[inline(always)]
    fn at<V: Lanes>(m: [V; 6]) -> [V; 4] {
        let [m0, m1, m2, m3, m4, m5] = m;
        let (a, b) = (m1.add(m2), m1.sub(m2));
        let (c, d) = (m3.add(m4), m3.sub(m4));
        [
            m0.add(a).add(c),
            b.madd(d, 2.0),
            a.madd(c, 4.0),
            m5.add(b).madd(d, 8.0),
        ]
    }
}

impl Variant<4, 2> for F23 {
    #[inline(always)]
    fn bt<V: Lanes>(d: [V; 4]) -> [V; 4] {
        let [d0, d1, d2, d3] = d;
        [d0.sub(d2), d1.add(d2), d2.sub(d1), d1.sub(d3)]
    }
    #[inline(always)]
    fn at<V: Lanes>(m: [V; 4]) -> [V; 2] {
        let [m0, m1, m2, m3] = m;
        [m0.add(m1).add(m2), m1.sub(m2).sub(m3)]
    }
}

/// Input transform of `V::L` tiles of one channel: tile `l` is the `T × T`
/// block at `src[l]` with row stride `stride[l]`; element `(y, x)` of the
/// transformed tile goes to `dst + (y * T + x) * q_stride + l`.
///
/// # Safety
/// The `L` source blocks must be readable and the destinations writable.
// Columns of one array and rows of another are filled together: indices read better.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
pub unsafe fn input_tiles<V: Lanes, W: Variant<T, M>, const T: usize, const M: usize>(
    src: &[*const f32; 8],
    stride: &[usize; 8],
    dst: *mut f32,
    q_stride: usize,
) {
    let mut tmp = [[V::splat(0.0); T]; T];
    for x in 0..T {
        let col: [V; T] = core::array::from_fn(|y| {
            let off = core::array::from_fn(|l| y * stride[l] + x);
            // SAFETY: (y, x) lies inside every lane's T × T block.
            unsafe { V::gather(src, &off) }
        });
        let r = W::bt(col);
        for y in 0..T {
            tmp[y][x] = r[y];
        }
    }
    for (y, row) in tmp.iter().enumerate() {
        let r = W::bt(*row);
        for (x, v) in r.iter().enumerate() {
            // SAFETY: position y*T+x < T*T rows of q_stride, each with L lanes (caller contract).
            unsafe { v.store(dst.add((y * T + x) * q_stride)) };
        }
    }
}

/// Output transform of `V::L` tiles of one output channel: element `q` of
/// the product tile (all lanes) is at `src + q * q_stride`; the `M × M`
/// result of lane `l` goes to `dst[l]` with row stride `dst_stride[l]`.
///
/// # Safety
/// The sources must be readable and the `L` destination blocks writable.
// Columns of one array and rows of another are filled together: indices read better.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
pub unsafe fn output_tiles<V: Lanes, W: Variant<T, M>, const T: usize, const M: usize>(
    src: *const f32,
    q_stride: usize,
    dst: &[*mut f32; 8],
    dst_stride: &[usize; 8],
    relu_out: bool,
) {
    let mut tmp = [[V::splat(0.0); T]; M];
    for x in 0..T {
        // SAFETY: T*T product elements of L lanes each are readable (caller contract).
        let col: [V; T] =
            core::array::from_fn(|y| unsafe { V::load(src.add((y * T + x) * q_stride)) });
        let r = W::at(col);
        for y in 0..M {
            tmp[y][x] = r[y];
        }
    }
    // Results in lanes-minor order first, then copied out tile by tile: a
    // per-lane extraction fused with the ReLU select compiles to branches.
    let mut res = [[0f32; 8]; 36];
    for (y, row) in tmp.iter().enumerate() {
        let r = W::at(*row);
        for (x, v) in r.iter().enumerate() {
            let v = if relu_out { v.max0() } else { *v };
            // SAFETY: res rows hold 8 ≥ L floats.
            unsafe { v.store(res[y * M + x].as_mut_ptr()) };
        }
    }
    for l in 0..V::L {
        for y in 0..M {
            // SAFETY: row y of lane l's M × M destination block (caller contract).
            let d = unsafe { core::slice::from_raw_parts_mut(dst[l].add(y * dst_stride[l]), M) };
            for (x, o) in d.iter_mut().enumerate() {
                *o = res[y * M + x][l];
            }
        }
    }
}

/// Input transform function: `(src, stride, dst, q_stride)`, see [`input_tiles`].
pub type WinoInFn = unsafe fn(&[*const f32; 8], &[usize; 8], *mut f32, usize);
/// Output transform function: `(src, q_stride, dst, dst_stride, relu)`, see [`output_tiles`].
pub type WinoOutFn = unsafe fn(*const f32, usize, &[*mut f32; 8], &[usize; 8], bool);

/// Generates concrete transform functions for one lane type.
#[macro_export]
#[doc(hidden)]
macro_rules! winograd_fns {
    ($(#[$attr:meta])* $lanes:ty, $in63:ident, $out63:ident, $in43:ident, $out43:ident, $in23:ident, $out23:ident) => {
        $crate::winograd_fns!(@one $(#[$attr])* $lanes, $in63, $out63, F63, 8, 6);
        $crate::winograd_fns!(@one $(#[$attr])* $lanes, $in43, $out43, F43, 6, 4);
        $crate::winograd_fns!(@one $(#[$attr])* $lanes, $in23, $out23, F23, 4, 2);
    };
    (@one $(#[$attr:meta])* $lanes:ty, $in:ident, $out:ident, $var:ident, $t:literal, $m:literal) => {
        $(#[$attr])*
        /// # Safety
        /// See [`crate::generic::fp32::winograd::input_tiles`].
        pub unsafe fn $in(src: &[*const f32; 8], stride: &[usize; 8], dst: *mut f32, q_stride: usize) {
            // SAFETY: same contract as this function's.
            unsafe {
                $crate::generic::fp32::winograd::input_tiles::<$lanes, $crate::generic::fp32::winograd::$var, $t, $m>(
                    src, stride, dst, q_stride,
                )
            }
        }
        $(#[$attr])*
        /// # Safety
        /// See [`crate::generic::fp32::winograd::output_tiles`].
        pub unsafe fn $out(src: *const f32, q_stride: usize, dst: &[*mut f32; 8], dst_stride: &[usize; 8], relu_out: bool) {
            // SAFETY: same contract as this function's.
            unsafe {
                $crate::generic::fp32::winograd::output_tiles::<$lanes, $crate::generic::fp32::winograd::$var, $t, $m>(
                    src, q_stride, dst, dst_stride, relu_out,
                )
            }
        }
    };
}

winograd_fns!(
    Arr<4, false>,
    input63_4_generic,
    output63_4_generic,
    input43_4_generic,
    output43_4_generic,
    input23_4_generic,
    output23_4_generic
);
winograd_fns!(
    Arr<8, false>,
    input63_8_generic,
    output63_8_generic,
    input43_8_generic,
    output43_8_generic,
    input23_8_generic,
    output23_8_generic
);
