//! aarch64 NEON int16 GEMM tiles of the int8 Winograd convolutions
//! (`smlal`/`smlal2` by element; wrapping int32 accumulators).

use core::arch::aarch64::*;

/// The int16 GEMM tiles of `positions` transform positions (see the armv7
/// kernel of the same name): for position `p`, `c[32p + r·8 + l] =
/// Σ_{q<k} u_p[4q + r] · v_p[8q + l]` with `u_p = u + p·ustride`,
/// `v_p = v + p·vstride`.
///
/// # Safety
/// `u_p + 0..4k` and `v_p + 0..8k` readable, `c + 0..32·positions` writable.
pub unsafe fn gemm16_4x8(
    u: *const i16,
    ustride: usize,
    v: *const i16,
    vstride: usize,
    k: usize,
    c: *mut i32,
    positions: usize,
) {
    // SAFETY: position p, step q reads u_p[4q..4q+4] and v_p[8q..8q+8]
    // (q < k) and stores c[32p..32p+32].
    unsafe {
        for p in 0..positions {
            let (u, v, c) = (u.add(p * ustride), v.add(p * vstride), c.add(32 * p));
            let mut lo = [vdupq_n_s32(0); 4];
            let mut hi = [vdupq_n_s32(0); 4];
            for q in 0..k {
                let uq = vld1_s16(u.add(4 * q));
                let vq = vld1q_s16(v.add(8 * q));
                let vl = vget_low_s16(vq);
                lo[0] = vmlal_lane_s16::<0>(lo[0], vl, uq);
                hi[0] = vmlal_high_lane_s16::<0>(hi[0], vq, uq);
                lo[1] = vmlal_lane_s16::<1>(lo[1], vl, uq);
                hi[1] = vmlal_high_lane_s16::<1>(hi[1], vq, uq);
                lo[2] = vmlal_lane_s16::<2>(lo[2], vl, uq);
                hi[2] = vmlal_high_lane_s16::<2>(hi[2], vq, uq);
                lo[3] = vmlal_lane_s16::<3>(lo[3], vl, uq);
                hi[3] = vmlal_high_lane_s16::<3>(hi[3], vq, uq);
            }
            for r in 0..4 {
                vst1q_s32(c.add(8 * r), lo[r]);
                vst1q_s32(c.add(8 * r + 4), hi[r]);
            }
        }
    }
}

/// [`gemm16_4x8`] for 4 tiles: `c[32p + r·4 + l]`.
///
/// # Safety
/// `u_p + 0..4k` and `v_p + 0..4k` readable, `c + 32p + 0..16` writable.
pub unsafe fn gemm16_4x4(
    u: *const i16,
    ustride: usize,
    v: *const i16,
    vstride: usize,
    k: usize,
    c: *mut i32,
    positions: usize,
) {
    // SAFETY: position p, step q reads u_p[4q..4q+4] and v_p[4q..4q+4]
    // (q < k) and stores c[32p..32p+16].
    unsafe {
        for p in 0..positions {
            let (u, v, c) = (u.add(p * ustride), v.add(p * vstride), c.add(32 * p));
            let mut acc = [vdupq_n_s32(0); 4];
            for q in 0..k {
                let uq = vld1_s16(u.add(4 * q));
                let vq = vld1_s16(v.add(4 * q));
                acc[0] = vmlal_lane_s16::<0>(acc[0], vq, uq);
                acc[1] = vmlal_lane_s16::<1>(acc[1], vq, uq);
                acc[2] = vmlal_lane_s16::<2>(acc[2], vq, uq);
                acc[3] = vmlal_lane_s16::<3>(acc[3], vq, uq);
            }
            for (r, a) in acc.iter().enumerate() {
                vst1q_s32(c.add(4 * r), *a);
            }
        }
    }
}

/// Gathers one chunk of 8 tiles of F(4,3) patches (see the armv7
/// `gather4`): `ld4` de-interleaves each patch row into columns 0–3, a second
/// `ld4` 4 bytes on gives columns 4–5.
///
/// # Safety
/// `src + r·wp + 0..36` readable for `r < 6`; `dst + pos·slots + 0..8`
/// writable for `pos < 36`.
pub unsafe fn gather4(src: *const i8, wp: usize, dst: *mut i8, slots: usize) {
    // SAFETY: reads 32 bytes at src + r·wp and at src + r·wp + 4 (36 in
    // bounds), writes 8 bytes at dst + (6r + c)·slots.
    unsafe {
        for r in 0..6 {
            let a = vld4_s8(src.add(r * wp));
            let b = vld4_s8(src.add(r * wp + 4));
            let cols = [a.0, a.1, a.2, a.3, b.0, b.1];
            for (c, v) in cols.into_iter().enumerate() {
                vst1_s8(dst.add((r * 6 + c) * slots), v);
            }
        }
    }
}

/// [`gather4`] for F(2,3): 4 patch rows, `ld2` at 0 and 2 bytes on.
///
/// # Safety
/// `src + r·wp + 0..18` readable for `r < 4`; `dst + pos·slots + 0..8`
/// writable for `pos < 16`.
pub unsafe fn gather2(src: *const i8, wp: usize, dst: *mut i8, slots: usize) {
    // SAFETY: reads 16 bytes at src + r·wp and src + r·wp + 2, writes 8
    // bytes at dst + (4r + c)·slots.
    unsafe {
        for r in 0..4 {
            let a = vld2_s8(src.add(r * wp));
            let b = vld2_s8(src.add(r * wp + 2));
            for (c, v) in [a.0, a.1, b.0, b.1].into_iter().enumerate() {
                vst1_s8(dst.add((r * 4 + c) * slots), v);
            }
        }
    }
}

/// The F(4,3) `Bᵀ` on 6 int16 vectors (the factorisation of the armv7 kernel).
#[inline(always)]
unsafe fn bt6(x: [int16x8_t; 6]) -> [int16x8_t; 6] {
    // SAFETY: register operations only.
    unsafe {
        let [d0, d1, d2, d3, d4, d5] = x;
        let e = vsubq_s16(d0, d2);
        let c = vsubq_s16(d4, d2);
        let f = vsubq_s16(d3, d1);
        let g = vsubq_s16(d5, d3);
        let h = vaddq_s16(d3, d4);
        let i = vaddq_s16(d1, d2);
        let j = vsubq_s16(d4, d3);
        let k = vsubq_s16(d1, d2);
        let f2 = vshlq_n_s16::<1>(f);
        [
            vmlaq_n_s16(c, e, 4),
            vmlsq_n_s16(h, i, 4),
            vmlaq_n_s16(j, k, 4),
            vaddq_s16(c, f2),
            vsubq_s16(c, f2),
            vmlsq_n_s16(g, f, 4),
        ]
    }
}

/// The F(2,3) `Bᵀ` on 4 int16 vectors.
#[inline(always)]
unsafe fn bt4(x: [int16x8_t; 4]) -> [int16x8_t; 4] {
    // SAFETY: register operations only.
    unsafe {
        let [d0, d1, d2, d3] = x;
        [
            vsubq_s16(d0, d2),
            vaddq_s16(d1, d2),
            vsubq_s16(d2, d1),
            vsubq_s16(d1, d3),
        ]
    }
}

/// F(`m`,3) input transform of 8 tiles: int8 patches `d + pos·slots` to int16
/// `v + pos·vstride` (`lanes` = 8 or 4 values).
///
/// # Safety
/// `m` is 2 or 4; `d + pos·slots + 0..8` readable and `v + pos·vstride +
/// 0..lanes` writable for `pos < (m+2)²`.
pub unsafe fn input_transform(
    m: usize,
    d: *const i8,
    slots: usize,
    v: *mut i16,
    vstride: usize,
    lanes: usize,
) {
    // SAFETY: reads 8 bytes at d + pos·slots and writes `lanes` int16 at
    // v + pos·vstride for pos < t², in bounds per the contract.
    unsafe {
        let t = m + 2;
        let mut x = [vdupq_n_s16(0); 36];
        for (pos, xp) in x[..t * t].iter_mut().enumerate() {
            *xp = vmovl_s8(vld1_s8(d.add(pos * slots)));
        }
        let tr = |col: &[int16x8_t]| -> [int16x8_t; 6] {
            if m == 4 {
                bt6([col[0], col[1], col[2], col[3], col[4], col[5]])
            } else {
                let o = bt4([col[0], col[1], col[2], col[3]]);
                [o[0], o[1], o[2], o[3], o[0], o[0]]
            }
        };
        for c in 0..t {
            let col: [int16x8_t; 6] =
                core::array::from_fn(|r| if r < t { x[r * t + c] } else { x[0] });
            let o = tr(&col);
            for r in 0..t {
                x[r * t + c] = o[r];
            }
        }
        for r in 0..t {
            let o = tr(&x[r * t..(r + 1) * t]);
            for (c, &val) in o.iter().enumerate().take(t) {
                let p = v.add((r * t + c) * vstride);
                if lanes == 8 {
                    vst1q_s16(p, val);
                } else {
                    vst1_s16(p, vget_low_s16(val));
                }
            }
        }
    }
}

/// The F(`m`,3) `Aᵀ` (last column ×4 for F(4,3)) on int32 vectors: `m` outputs.
#[inline(always)]
unsafe fn at(m: usize, x: &[int32x4_t]) -> [int32x4_t; 4] {
    // SAFETY: register operations only.
    unsafe {
        if m == 2 {
            let o0 = vaddq_s32(vaddq_s32(x[0], x[1]), x[2]);
            let o1 = vsubq_s32(vsubq_s32(x[1], x[2]), x[3]);
            [o0, o1, o0, o0]
        } else {
            let a = vaddq_s32(x[1], x[2]);
            let b = vsubq_s32(x[1], x[2]);
            let c = vaddq_s32(x[3], x[4]);
            let e = vsubq_s32(x[3], x[4]);
            let e2 = vshlq_n_s32::<1>(e);
            [
                vaddq_s32(vaddq_s32(x[0], a), c),
                vaddq_s32(b, e2),
                vmlaq_n_s32(a, c, 4),
                vmlaq_n_s32(vmlaq_n_s32(b, e2, 4), x[5], 4),
            ]
        }
    }
}

/// F(`m`,3) output transform of 8 tiles: wrapping int32 sums
/// `c + pos·cstride` to exact outputs `y + k·ystride` (see
/// [`crate::generic::int8::winograd::output_transform`]).
///
/// # Safety
/// `m` is 2 or 4; `c + pos·cstride + 0..8` readable for `pos < (m+2)²`,
/// `y + k·ystride + 0..8` writable for `k < m²`.
pub unsafe fn output_transform(
    m: usize,
    c: *const i32,
    cstride: usize,
    y: *mut i32,
    ystride: usize,
) {
    // SAFETY: reads 4 int32 at c + pos·cstride + 4h, writes 4 int32 at
    // y + k·ystride + 4h (h < 2), in bounds per the contract.
    unsafe {
        let t = m + 2;
        for h in 0..2 {
            let mut x = [vdupq_n_s32(0); 36];
            for (pos, xp) in x[..t * t].iter_mut().enumerate() {
                *xp = vld1q_s32(c.add(pos * cstride + 4 * h));
            }
            let mut tmp = [vdupq_n_s32(0); 24];
            for cc in 0..t {
                let col: [int32x4_t; 6] =
                    core::array::from_fn(|r| if r < t { x[r * t + cc] } else { x[0] });
                let o = at(m, &col);
                for i in 0..m {
                    tmp[i * t + cc] = o[i];
                }
            }
            for i in 0..m {
                let o = at(m, &tmp[i * t..(i + 1) * t]);
                for (j, &val) in o.iter().enumerate().take(m) {
                    let out = if m == 2 {
                        vshrq_n_s32::<2>(val)
                    } else {
                        vshrq_n_s32::<6>(vmulq_n_s32(val, crate::generic::int8::winograd::INV9))
                    };
                    vst1q_s32(y.add((i * m + j) * ystride + 4 * h), out);
                }
            }
        }
    }
}

/// Un-gathers one chunk of 8 tiles: `y + (i·m + j)·slots` (8 lanes each) to
/// `m` rows `out + i·ow` of `8m` int32, interleaving with `st4`/`st2`.
/// Rows are stored in increasing order (the stores may alias, so the
/// compiler keeps their order): when `ow < 8m` a later row wins, which
/// [`crate::int8::winograd::ungather_cropped_with`] relies on.
///
/// # Safety
/// `m` is 2 or 4; `y + k·slots + 0..8` readable for `k < m²`,
/// `out + i·ow + 0..8m` writable for `i < m`.
pub unsafe fn ungather(m: usize, y: *const i32, slots: usize, out: *mut i32, ow: usize) {
    // SAFETY: reads 8 int32 at y + k·slots, writes 8m int32 per row.
    unsafe {
        for i in 0..m {
            let ld = |j: usize, h: usize| vld1q_s32(y.add((i * m + j) * slots + 4 * h));
            let row = out.add(i * ow);
            if m == 4 {
                vst4q_s32(row, int32x4x4_t(ld(0, 0), ld(1, 0), ld(2, 0), ld(3, 0)));
                vst4q_s32(
                    row.add(16),
                    int32x4x4_t(ld(0, 1), ld(1, 1), ld(2, 1), ld(3, 1)),
                );
            } else {
                vst2q_s32(row, int32x4x2_t(ld(0, 0), ld(1, 0)));
                vst2q_s32(row.add(8), int32x4x2_t(ld(0, 1), ld(1, 1)));
            }
        }
    }
}
