//! aarch64 int8 GEMM micro-kernels: Advanced SIMD for [`GemmLayout::K16`]
//! panels (`smull` + `smlal2` + `sadalp`, the armv7 scheme: two products of
//! |x| ≤ 128, |w| ≤ 127 per int16 lane stay below 32767) and `sdot` for
//! [`GemmLayout::DOT`] panels.
//!
//! [`GemmLayout::K16`]: crate::generic::int8::gemm::GemmLayout::K16
//! [`GemmLayout::DOT`]: crate::generic::int8::gemm::GemmLayout::DOT

use core::arch::aarch64::*;

/// `c[r·ldc + col] = Σ_k A(r, k) · B(col, k)` for a 4×4 tile of K16 panels.
///
/// # Safety
/// `a` and `b` point to K16 panels of `kp` (a multiple of 16) `k`, i.e.
/// `4·kp` readable bytes each; `c` has 4 rows of 4 writable int32 at stride
/// `ldc`.
pub unsafe fn gemm_4x4(a: *const i8, b: *const i8, kp: usize, c: *mut i32, ldc: usize) {
    // SAFETY: block kb reads a[64kb..64kb+64] and b[64kb..64kb+64], within
    // the 4·kp bytes of each panel; stores are 4 rows of 4 int32 at c + r·ldc.
    unsafe {
        let mut acc = [[vdupq_n_s32(0); 4]; 4];
        for kb in 0..kp / 16 {
            let pa = a.add(64 * kb);
            let pb = b.add(64 * kb);
            let ar = [
                vld1q_s8(pa),
                vld1q_s8(pa.add(16)),
                vld1q_s8(pa.add(32)),
                vld1q_s8(pa.add(48)),
            ];
            for (col, acc_col) in (0..4).zip(0..4) {
                let bc = vld1q_s8(pb.add(16 * col));
                for r in 0..4 {
                    let p = vmull_s8(vget_low_s8(ar[r]), vget_low_s8(bc));
                    let p = vmlal_high_s8(p, ar[r], bc);
                    acc[r][acc_col] = vpadalq_s16(acc[r][acc_col], p);
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            let row = vpaddq_s32(
                vpaddq_s32(acc_r[0], acc_r[1]),
                vpaddq_s32(acc_r[2], acc_r[3]),
            );
            vst1q_s32(c.add(r * ldc), row);
        }
    }
}

/// `c[r·ldc + col] = Σ_k A(r, k) · B(col, k)` for an 8×8 tile of DOT panels
/// with `sdot`: per 4 `k`, 16 `sdot` (each 4 rows × one column) for 256 MACs.
///
/// # Safety
/// The CPU must have the dot-product extension; `a` and `b` point to DOT
/// panels of `kp` (a positive multiple of 4) `k`, i.e. `8·kp` readable bytes
/// each; `c` has 8 rows of 8 writable int32 at stride `ldc`.
pub unsafe fn gemm_8x8_sdot(a: *const i8, b: *const i8, kp: usize, c: *mut i32, ldc: usize) {
    debug_assert!(kp > 0 && kp % 4 == 0);
    // SAFETY: the loop reads kp/4 blocks of 32 bytes from each panel (8·kp
    // bytes, in bounds per the contract); the stores write 8 rows of 32 bytes
    // at c + r·ldc (writable per the contract); dotprod per the contract.
    unsafe {
        core::arch::asm!(
            ".arch_extension dotprod",
            "movi v16.4s, #0", "movi v17.4s, #0", "movi v18.4s, #0", "movi v19.4s, #0",
            "movi v20.4s, #0", "movi v21.4s, #0", "movi v22.4s, #0", "movi v23.4s, #0",
            "movi v24.4s, #0", "movi v25.4s, #0", "movi v26.4s, #0", "movi v27.4s, #0",
            "movi v28.4s, #0", "movi v29.4s, #0", "movi v30.4s, #0", "movi v31.4s, #0",
            "1:",
            "ld1 {{v0.16b, v1.16b}}, [{a}], #32",
            "ld1 {{v2.16b, v3.16b}}, [{b}], #32",
            "sdot v16.4s, v0.16b, v2.4b[0]",
            "sdot v17.4s, v0.16b, v2.4b[1]",
            "sdot v18.4s, v0.16b, v2.4b[2]",
            "sdot v19.4s, v0.16b, v2.4b[3]",
            "sdot v20.4s, v0.16b, v3.4b[0]",
            "sdot v21.4s, v0.16b, v3.4b[1]",
            "sdot v22.4s, v0.16b, v3.4b[2]",
            "sdot v23.4s, v0.16b, v3.4b[3]",
            "sdot v24.4s, v1.16b, v2.4b[0]",
            "sdot v25.4s, v1.16b, v2.4b[1]",
            "sdot v26.4s, v1.16b, v2.4b[2]",
            "sdot v27.4s, v1.16b, v2.4b[3]",
            "sdot v28.4s, v1.16b, v3.4b[0]",
            "sdot v29.4s, v1.16b, v3.4b[1]",
            "sdot v30.4s, v1.16b, v3.4b[2]",
            "sdot v31.4s, v1.16b, v3.4b[3]",
            "subs {k}, {k}, #1",
            "b.ne 1b",
            // v(16+c) holds rows 0–3 of column c, v(24+c) rows 4–7: transpose
            // each 4×4 block so that every register is a row segment.
            "trn1 v0.4s, v16.4s, v17.4s", "trn2 v1.4s, v16.4s, v17.4s",
            "trn1 v2.4s, v18.4s, v19.4s", "trn2 v3.4s, v18.4s, v19.4s",
            "trn1 v16.2d, v0.2d, v2.2d", "trn1 v17.2d, v1.2d, v3.2d",
            "trn2 v18.2d, v0.2d, v2.2d", "trn2 v19.2d, v1.2d, v3.2d",
            "trn1 v0.4s, v20.4s, v21.4s", "trn2 v1.4s, v20.4s, v21.4s",
            "trn1 v2.4s, v22.4s, v23.4s", "trn2 v3.4s, v22.4s, v23.4s",
            "trn1 v20.2d, v0.2d, v2.2d", "trn1 v21.2d, v1.2d, v3.2d",
            "trn2 v22.2d, v0.2d, v2.2d", "trn2 v23.2d, v1.2d, v3.2d",
            "trn1 v0.4s, v24.4s, v25.4s", "trn2 v1.4s, v24.4s, v25.4s",
            "trn1 v2.4s, v26.4s, v27.4s", "trn2 v3.4s, v26.4s, v27.4s",
            "trn1 v24.2d, v0.2d, v2.2d", "trn1 v25.2d, v1.2d, v3.2d",
            "trn2 v26.2d, v0.2d, v2.2d", "trn2 v27.2d, v1.2d, v3.2d",
            "trn1 v0.4s, v28.4s, v29.4s", "trn2 v1.4s, v28.4s, v29.4s",
            "trn1 v2.4s, v30.4s, v31.4s", "trn2 v3.4s, v30.4s, v31.4s",
            "trn1 v28.2d, v0.2d, v2.2d", "trn1 v29.2d, v1.2d, v3.2d",
            "trn2 v30.2d, v0.2d, v2.2d", "trn2 v31.2d, v1.2d, v3.2d",
            // rows 0–3: v16..v19 (cols 0–3) and v20..v23 (cols 4–7); rows 4–7: v24.. / v28..
            "stp q16, q20, [{c}]", "add {c}, {c}, {ldc}",
            "stp q17, q21, [{c}]", "add {c}, {c}, {ldc}",
            "stp q18, q22, [{c}]", "add {c}, {c}, {ldc}",
            "stp q19, q23, [{c}]", "add {c}, {c}, {ldc}",
            "stp q24, q28, [{c}]", "add {c}, {c}, {ldc}",
            "stp q25, q29, [{c}]", "add {c}, {c}, {ldc}",
            "stp q26, q30, [{c}]", "add {c}, {c}, {ldc}",
            "stp q27, q31, [{c}]",
            a = inout(reg) a => _,
            b = inout(reg) b => _,
            k = inout(reg) kp / 4 => _,
            c = inout(reg) c => _,
            ldc = in(reg) ldc * 4,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _,
            out("v16") _, out("v17") _, out("v18") _, out("v19") _,
            out("v20") _, out("v21") _, out("v22") _, out("v23") _,
            out("v24") _, out("v25") _, out("v26") _, out("v27") _,
            out("v28") _, out("v29") _, out("v30") _, out("v31") _,
            options(nostack)
        );
    }
}

/// Packs one 16-`k` block of 8 columns of a k-major matrix into K16 panels
/// (columns 0–3 at `dst`, 4–7 at `dst + panel`): per group of 4 rows,
/// `zip1/zip2` on bytes then on halfwords give 4-byte column units, and
/// `st4` on 32-bit lanes writes two whole columns at a time.
///
/// # Safety
/// `src + r·ld + 0..8` readable for `r < 16`; `dst + 0..64` and
/// `dst + panel + 0..64` writable.
pub unsafe fn pack_k16x8(src: *const i8, ld: usize, dst: *mut i8, panel: usize) {
    // SAFETY: reads 8 bytes from 16 rows spaced `ld`, writes 64 bytes at dst
    // and at dst + panel, in bounds per the contract.
    unsafe {
        let row = |r: usize| vld1_s8(src.add(r * ld));
        // units[g][p]: 4-byte units of column pair p (0..4) of group g.
        let mut units = [[vdup_n_s32(0); 4]; 4];
        for (g, u) in units.iter_mut().enumerate() {
            let (r0, r1, r2, r3) = (row(4 * g), row(4 * g + 1), row(4 * g + 2), row(4 * g + 3));
            let a_lo = vreinterpret_s16_s8(vzip1_s8(r0, r1));
            let a_hi = vreinterpret_s16_s8(vzip2_s8(r0, r1));
            let b_lo = vreinterpret_s16_s8(vzip1_s8(r2, r3));
            let b_hi = vreinterpret_s16_s8(vzip2_s8(r2, r3));
            u[0] = vreinterpret_s32_s16(vzip1_s16(a_lo, b_lo));
            u[1] = vreinterpret_s32_s16(vzip2_s16(a_lo, b_lo));
            u[2] = vreinterpret_s32_s16(vzip1_s16(a_hi, b_hi));
            u[3] = vreinterpret_s32_s16(vzip2_s16(a_hi, b_hi));
        }
        for p in 0..4 {
            let at = if p < 2 {
                dst.add(32 * p)
            } else {
                dst.add(panel + 32 * (p - 2))
            };
            let x = int32x2x4_t(units[0][p], units[1][p], units[2][p], units[3][p]);
            vst4_s32(at as *mut i32, x);
        }
    }
}

/// Packs one 16-`k` block of 8 columns into a DOT panel: per 4 rows, `st4`
/// on bytes interleaves them into each column's 4 consecutive `k`.
///
/// # Safety
/// `src + r·ld + 0..8` readable for `r < 16`; `dst + 0..128` writable.
pub unsafe fn pack_dot16x8(src: *const i8, ld: usize, dst: *mut i8) {
    // SAFETY: reads 8 bytes from 16 rows spaced `ld`, writes 128 bytes at dst.
    unsafe {
        for g in 0..4 {
            let r = |j: usize| vld1_s8(src.add((4 * g + j) * ld));
            vst4_s8(dst.add(32 * g), int8x8x4_t(r(0), r(1), r(2), r(3)));
        }
    }
}

/// `dst[j] = src[2j]` for `j < 8·blocks` (`ld2` de-interleaving 16 bytes).
///
/// # Safety
/// `src + 0..16·blocks` readable, `dst + 0..8·blocks` writable.
pub unsafe fn copy_stride2(src: *const i8, dst: *mut i8, blocks: usize) {
    // SAFETY: block i reads src[16i..16i+16] and writes dst[8i..8i+8].
    unsafe {
        for i in 0..blocks {
            let v = vld2_s8(src.add(16 * i));
            vst1_s8(dst.add(8 * i), v.0);
        }
    }
}

/// `dst[i·outw + j] = src[i·step + 2j]` for `rows` rows: per row the blocks
/// of 8 with `ld2`, then one block ending at the row's end (overlapping the
/// last one, or repeating it when `outw` is a multiple of 8).
///
/// # Safety
/// `outw ≥ 8`; `src + i·step + 0..2·outw` readable and `dst + i·outw +
/// 0..outw` writable for `i < rows`.
pub unsafe fn copy_rows_stride2(
    src: *const i8,
    step: usize,
    dst: *mut i8,
    outw: usize,
    rows: usize,
) {
    debug_assert!(outw >= 8);
    // SAFETY: row i reads src[i·step..][..2·outw] (the last block ends at
    // 2·outw) and writes dst[i·outw..][..outw], within the contract.
    unsafe {
        for i in 0..rows {
            let (s, d) = (src.add(i * step), dst.add(i * outw));
            for b in 0..outw / 8 {
                vst1_s8(d.add(8 * b), vld2_s8(s.add(16 * b)).0);
            }
            vst1_s8(d.add(outw - 8), vld2_s8(s.add(2 * (outw - 8))).0);
        }
    }
}
