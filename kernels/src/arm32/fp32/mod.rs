//! armv7 (Cortex-A7/A17) NEON fp32 micro-kernels: `asm!` blocks, since
//! stable Rust has no armv7 NEON intrinsics. Used only through the
//! `ARMV7_NEON` fp32 kernel set, which `crate::arm32::plug` offers to the
//! registry (`crate::ops`) when the CPU has NEON.
//!
//! The kernels are written for the cost that matters on these cores (and
//! that `cross/insncount.sh` measures): few instructions, 128-bit NEON
//! arithmetic, and as few 64-bit register loads/stores per multiply-add as
//! the 16 q registers allow.
//!
//! Their asm is regular (unrolled loops, register lists that follow the tile
//! shape, one transform formula used by several passes), so most of it is
//! generated: `kernels/build.rs` renders it from `kernels/build/arm32_fp32.rs`
//! and its templates into `$OUT_DIR`, included below — edit those, not the
//! output. The GEMM micro-kernels and Winograd transforms are generated whole
//! (one template each, instantiated per tile shape or transform); the
//! depthwise kernels' asm comes as macros used by their hand-written Rust
//! here; `gemv_neon` and `pack_im2col_8_neon` are hand-written.

pub mod eltwise;
pub mod pooling;

use core::arch::asm;

// gemm_6x8_neon, gemm_4x8_neon, gemm_6x4_neon, gemm_4x4_neon.
include!(concat!(env!("OUT_DIR"), "/arm32_fp32_gemm.rs"));

// input63_neon, input43_neon, input23_neon, output63_neon, output43_neon,
// output23_neon.
include!(concat!(env!("OUT_DIR"), "/arm32_fp32_winograd.rs"));

// The macros dw3x3s1_asm! and dw3x3s2_asm!: the asm of the two depthwise
// kernels below, with and without ReLU.
include!(concat!(env!("OUT_DIR"), "/arm32_fp32_dw3x3.rs"));

// The macros dw5x5s1_asm! and dw5x5s2_asm!, likewise for the 5×5 kernels.
include!(concat!(env!("OUT_DIR"), "/arm32_fp32_dw5x5.rs"));

/// Depthwise 3×3 stride 1 of one plane on armv7 NEON: two output rows per
/// step (the two middle input rows feed both), 8 then 4 columns per step
/// (taps by lane, inputs loaded at offsets 0, 1, 2), the last columns in
/// plain Rust. Same contract as [`crate::generic::fp32::dw3x3s1`].
///
/// # Safety
/// The CPU must have NEON.
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw3x3s1_neon(
    src: &[f32],
    w: usize,
    k: &[f32; 9],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    assert!(src.len() >= (outh + 1) * w + outw + 2 && w >= outw + 2 && out.len() >= outw * outh);
    let mut kb = [0f32; 12];
    kb[..9].copy_from_slice(k);
    kb[9] = bias;
    let (n8, n4) = (outw / 8, (outw % 8) / 4);
    let done = n8 * 8 + n4 * 4;
    // Output row of the dummy partner of an odd last row (allocated only then).
    let mut spare = if outh % 2 == 1 {
        vec![0f32; outw]
    } else {
        Vec::new()
    };
    let mut i = 0;
    while i < outh {
        // An odd last row pairs with a dummy one: input row i + 3 repeats i + 2,
        // output row i + 1 goes to `spare`.
        let pair = i + 1 < outh;
        let r: [*const f32; 4] =
            core::array::from_fn(|d| src[(i + d.min(if pair { 3 } else { 2 })) * w..].as_ptr());
        let o0 = out[i * outw..].as_mut_ptr();
        let o1 = if pair {
            out[(i + 1) * outw..].as_mut_ptr()
        } else {
            spare.as_mut_ptr()
        };
        // SAFETY: rows i..i+3 (clamped to the plane) hold ≥ outw + 2 floats and the 8/4-column
        // blocks read columns < done + 2 ≤ outw + 2 of them; the outputs rows hold outw floats
        // (asserted above). Every NEON register used is declared clobbered.
        unsafe {
            dw3x3s1_asm!(relu;
                wp = inout(reg) kb.as_ptr() => _,
                r0 = inout(reg) r[0] => _,
                r1 = inout(reg) r[1] => _,
                r2 = inout(reg) r[2] => _,
                r3 = inout(reg) r[3] => _,
                o0 = inout(reg) o0 => _,
                o1 = inout(reg) o1 => _,
                n8 = inout(reg) n8 => _,
                n4 = in(reg) n4,
                out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _, out("q5") _, out("q6") _,
                out("q7") _, out("q8") _, out("q9") _, out("q10") _, out("q11") _, out("q12") _,
                out("q13") _, out("q14") _, out("q15") _,
                options(nostack),
            )
        }
        for row in i..(i + 2).min(outh) {
            for j in done..outw {
                let mut s = bias;
                for dy in 0..3 {
                    for dx in 0..3 {
                        s += k[dy * 3 + dx] * src[(row + dy) * w + j + dx];
                    }
                }
                out[row * outw + j] = if relu { s.max(0.0) } else { s };
            }
        }
        i += 2;
    }
}

/// Depthwise 3×3 stride 2 of one plane on armv7 NEON: 8 then 4 columns per
/// step, the even and odd input columns split by `vld2`, the last columns in
/// plain Rust. Same contract as [`crate::generic::fp32::dw3x3s2`].
///
/// # Safety
/// The CPU must have NEON.
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw3x3s2_neon(
    src: &[f32],
    w: usize,
    k: &[f32; 9],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    assert!(src.len() > 2 * outh * w + 2 * outw && w > 2 * outw && out.len() >= outw * outh);
    let mut kb = [0f32; 12];
    kb[..9].copy_from_slice(k);
    kb[9] = bias;
    let (n8, n4) = (outw / 8, (outw % 8) / 4);
    let done = n8 * 8 + n4 * 4;
    for i in 0..outh {
        let r: [*const f32; 3] = core::array::from_fn(|d| src[(2 * i + d) * w..].as_ptr());
        let o0 = out[i * outw..].as_mut_ptr();
        // SAFETY: input rows 2i..2i+2 hold ≥ 2*outw + 1 floats; the blocks read columns
        // ≤ 2*done ≤ 2*outw of them; the output row holds outw floats (asserted above).
        // Every NEON register used is declared clobbered.
        unsafe {
            dw3x3s2_asm!(relu;
                wp = inout(reg) kb.as_ptr() => _,
                r0 = inout(reg) r[0] => _,
                r1 = inout(reg) r[1] => _,
                r2 = inout(reg) r[2] => _,
                o0 = inout(reg) o0 => _,
                n8 = inout(reg) n8 => _,
                n4 = in(reg) n4,
                out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _, out("q5") _, out("q6") _,
                out("q7") _, out("q8") _, out("q9") _, out("q10") _, out("q11") _, out("q12") _,
                out("q13") _, out("q14") _, out("q15") _,
                options(nostack),
            )
        }
        for j in done..outw {
            let mut s = bias;
            for dy in 0..3 {
                for dx in 0..3 {
                    s += k[dy * 3 + dx] * src[(2 * i + dy) * w + 2 * j + dx];
                }
            }
            out[i * outw + j] = if relu { s.max(0.0) } else { s };
        }
    }
}

/// Output `(row, j)` of a 5×5 depthwise convolution with stride `S`, in the
/// portable kernel's order (bias, then the taps row by row): the columns the
/// NEON blocks leave over.
#[inline(always)]
fn dw5x5_one<const S: usize>(
    src: &[f32],
    w: usize,
    k: &[f32; 25],
    bias: f32,
    row: usize,
    j: usize,
    relu: bool,
) -> f32 {
    let mut s = bias;
    for dy in 0..5 {
        for dx in 0..5 {
            s += k[dy * 5 + dx] * src[(S * row + dy) * w + S * j + dx];
        }
    }
    if relu {
        crate::generic::fp32::relu(s)
    } else {
        s
    }
}

/// The taps then the bias, as the 5×5 kernels load them into d0..d12.
fn dw5x5_weights(k: &[f32; 25], bias: f32) -> [f32; 26] {
    let mut kb = [0f32; 26];
    kb[..25].copy_from_slice(k);
    kb[25] = bias;
    kb
}

/// Depthwise 5×5 stride 1 of one plane on armv7 NEON: two output rows per
/// step (four of their six input rows are shared), 8 then 4 columns per step
/// (taps by lane; each input row loaded once per step, its windows at offsets
/// 1..3 by `vext`), the last columns in plain Rust. Same operations in the same
/// order as [`crate::generic::fp32::dw5x5`] (`vmla` does not fuse), hence the
/// same results.
///
/// # Safety
/// The CPU must have NEON.
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw5x5s1_neon(
    src: &[f32],
    w: usize,
    k: &[f32; 25],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    if outw == 0 || outh == 0 {
        return;
    }
    assert!(src.len() >= (outh + 3) * w + outw + 4 && w >= outw + 4 && out.len() >= outw * outh);
    let kb = dw5x5_weights(k, bias);
    let blocks = 2 * (outw / 8) + (outw % 8) / 4;
    let done = outw / 4 * 4;
    // Output row of the dummy partner of an odd last row (allocated only then).
    let mut spare = if outh % 2 == 1 {
        vec![0f32; outw]
    } else {
        Vec::new()
    };
    let mut i = 0;
    while i < outh {
        // An odd last row pairs with a dummy one: input row i + 5 repeats i + 4,
        // output row i + 1 goes to `spare`.
        let pair = i + 1 < outh;
        let r: [*const f32; 6] =
            core::array::from_fn(|d| src[(i + d.min(if pair { 5 } else { 4 })) * w..].as_ptr());
        let o0 = out[i * outw..].as_mut_ptr();
        let o1 = if pair {
            out[(i + 1) * outw..].as_mut_ptr()
        } else {
            spare.as_mut_ptr()
        };
        // SAFETY: rows i..i+5 (clamped to the plane) hold ≥ outw + 4 floats and the blocks
        // read columns < done + 4 ≤ outw + 4 of them; the output rows hold outw floats
        // (asserted above). Every NEON register used is declared clobbered.
        unsafe {
            dw5x5s1_asm!(relu;
                wp = inout(reg) kb.as_ptr() => _,
                r0 = inout(reg) r[0] => _,
                r1 = inout(reg) r[1] => _,
                r2 = inout(reg) r[2] => _,
                r3 = inout(reg) r[3] => _,
                r4 = inout(reg) r[4] => _,
                r5 = inout(reg) r[5] => _,
                o0 = inout(reg) o0 => _,
                o1 = inout(reg) o1 => _,
                n = inout(reg) blocks => _,
                out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _, out("q5") _, out("q6") _,
                out("q7") _, out("q8") _, out("q9") _, out("q10") _, out("q11") _, out("q12") _,
                out("q13") _, out("q14") _, out("q15") _,
                options(nostack),
            )
        }
        for row in i..(i + 2).min(outh) {
            for j in done..outw {
                out[row * outw + j] = dw5x5_one::<1>(src, w, k, bias, row, j, relu);
            }
        }
        i += 2;
    }
}

/// Depthwise 5×5 stride 2 of one plane on armv7 NEON: 8 then 4 columns per
/// step, the even and odd input columns split by `vld2` (the windows one
/// column further by `vext`), the last columns in plain Rust. Same results as
/// [`crate::generic::fp32::dw5x5`] (see [`dw5x5s1_neon`]).
///
/// # Safety
/// The CPU must have NEON.
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw5x5s2_neon(
    src: &[f32],
    w: usize,
    k: &[f32; 25],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    if outw == 0 || outh == 0 {
        return;
    }
    assert!(
        src.len() >= (2 * outh + 2) * w + 2 * outw + 3
            && w >= 2 * outw + 3
            && out.len() >= outw * outh
    );
    let kb = dw5x5_weights(k, bias);
    let blocks = 2 * (outw / 8) + (outw % 8) / 4;
    let done = outw / 4 * 4;
    for i in 0..outh {
        let r: [*const f32; 5] = core::array::from_fn(|d| src[(2 * i + d) * w..].as_ptr());
        let o0 = out[i * outw..].as_mut_ptr();
        // SAFETY: input rows 2i..2i+4 hold ≥ 2*outw + 3 floats; the blocks read columns
        // ≤ 2*done + 2 ≤ 2*outw + 2 of them; the output row holds outw floats (asserted
        // above). Every NEON register used is declared clobbered.
        unsafe {
            dw5x5s2_asm!(relu;
                wp = inout(reg) kb.as_ptr() => _,
                r0 = inout(reg) r[0] => _,
                r1 = inout(reg) r[1] => _,
                r2 = inout(reg) r[2] => _,
                r3 = inout(reg) r[3] => _,
                r4 = inout(reg) r[4] => _,
                o0 = inout(reg) o0 => _,
                n = inout(reg) blocks => _,
                out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _, out("q5") _, out("q6") _,
                out("q7") _, out("q8") _, out("q9") _, out("q10") _, out("q11") _, out("q12") _,
                out("q13") _, out("q14") _, out("q15") _,
                options(nostack),
            )
        }
        for j in done..outw {
            out[i * outw + j] = dw5x5_one::<2>(src, w, k, bias, i, j, relu);
        }
    }
}

/// `out[r] = bias[r] + w[r]·x` on armv7 NEON: four rows per pass over `x`
/// (8 inputs per step), the leftover rows and inputs in plain Rust. Same
/// contract as [`crate::generic::fp32::gemv`].
///
/// # Safety
/// The CPU must have NEON.
pub unsafe fn gemv_neon(w: &[f32], x: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    let n = x.len();
    let rows = out.len();
    assert!(w.len() >= rows * n);
    let n8 = n / 8;
    let mut r = 0;
    while r + 4 <= rows {
        let mut sums = [0f32; 4];
        let wr: [*const f32; 4] = core::array::from_fn(|i| w[(r + i) * n..].as_ptr());
        if n8 > 0 {
            // SAFETY: reads n8*8 ≤ n floats of x and of each of the four rows (asserted),
            // writes the 4 sums. Every NEON register used is declared clobbered.
            unsafe {
                asm!(
                    "vmov.i32 q8, #0",
                    "vmov.i32 q9, #0",
                    "vmov.i32 q10, #0",
                    "vmov.i32 q11, #0",
                    "2:",
                    "vld1.32 {{d0-d3}}, [{x}]!",
                    "vld1.32 {{d4-d7}}, [{w0}]!",
                    "vld1.32 {{d8-d11}}, [{w1}]!",
                    "vmla.f32 q8, q2, q0",
                    "vmla.f32 q8, q3, q1",
                    "vld1.32 {{d12-d15}}, [{w2}]!",
                    "vmla.f32 q9, q4, q0",
                    "vmla.f32 q9, q5, q1",
                    "vld1.32 {{d4-d7}}, [{w3}]!",
                    "vmla.f32 q10, q6, q0",
                    "vmla.f32 q10, q7, q1",
                    "vmla.f32 q11, q2, q0",
                    "vmla.f32 q11, q3, q1",
                    "subs {n8}, {n8}, #1",
                    "bne 2b",
                    "vpadd.f32 d16, d16, d17",
                    "vpadd.f32 d18, d18, d19",
                    "vpadd.f32 d20, d20, d21",
                    "vpadd.f32 d22, d22, d23",
                    "vpadd.f32 d16, d16, d18",
                    "vpadd.f32 d17, d20, d22",
                    "vst1.32 {{d16-d17}}, [{s}]",
                    x = inout(reg) x.as_ptr() => _,
                    w0 = inout(reg) wr[0] => _,
                    w1 = inout(reg) wr[1] => _,
                    w2 = inout(reg) wr[2] => _,
                    w3 = inout(reg) wr[3] => _,
                    n8 = inout(reg) n8 => _,
                    s = in(reg) sums.as_mut_ptr(),
                    out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _, out("q5") _,
                    out("q6") _, out("q7") _, out("q8") _, out("q9") _, out("q10") _, out("q11") _,
                    options(nostack),
                );
            }
        }
        for (i, s) in sums.iter_mut().enumerate() {
            let row = &w[(r + i) * n..(r + i + 1) * n];
            for j in n8 * 8..n {
                *s += row[j] * x[j];
            }
            out[r + i] = *s + bias.map_or(0.0, |b| b[r + i]);
        }
        r += 4;
    }
    for (i, o) in out.iter_mut().enumerate().skip(r) {
        let row = &w[i * n..(i + 1) * n];
        *o = row.iter().zip(x).map(|(a, b)| a * b).sum::<f32>() + bias.map_or(0.0, |b| b[i]);
    }
}

/// Packs one 8-column im2col panel whose pixels lie on one output row, with
/// horizontal stride 1 or 2: row `p` of the panel is the 8 floats at
/// `base + kofs[p]` (every `stride`-th one). `vld1` for stride 1, `vld2` to
/// split off the even columns for stride 2.
///
/// # Safety
/// The CPU must have NEON; every `base + kofs[p]` must be readable for
/// `7 * stride + 1` floats (the 8 taps), and `dst` writable for `kofs.len() * 8`.
pub unsafe fn pack_im2col_8_neon(base: *const f32, kofs: &[usize], stride: usize, dst: *mut f32) {
    let k = kofs.len();
    if k == 0 {
        return;
    }
    // SAFETY: reads floats 0..8 (stride 1) or 0..15 (stride 2) after each row start — the
    // span of its 8 taps — and writes k * 8 floats to dst. Every NEON register used is
    // declared clobbered.
    unsafe {
        if stride == 1 {
            asm!(
                "2:",
                "ldr {t}, [{ko}], #4",
                "add {t}, {base}, {t}, lsl #2",
                "vld1.32 {{d0-d3}}, [{t}]",
                "vst1.32 {{d0-d3}}, [{dst}]!",
                "subs {k}, {k}, #1",
                "bne 2b",
                ko = inout(reg) kofs.as_ptr() => _,
                base = in(reg) base,
                t = out(reg) _,
                dst = inout(reg) dst => _,
                k = inout(reg) k => _,
                out("q0") _, out("q1") _,
                options(nostack),
            );
        } else {
            // The even floats 0..14: vld2 of floats 0..8 gives 0, 2, 4, 6 (first
            // register); vld2 of floats 7..15 gives 8, 10, 12, 14 (second register)
            // without reading past float 14, the last tap.
            asm!(
                "2:",
                "ldr {t}, [{ko}], #4",
                "add {t}, {base}, {t}, lsl #2",
                "vld2.32 {{d0-d3}}, [{t}]",
                "add {t}, {t}, #28",
                "vld2.32 {{d4-d7}}, [{t}]",
                "vst1.32 {{d0-d1}}, [{dst}]!",
                "vst1.32 {{d6-d7}}, [{dst}]!",
                "subs {k}, {k}, #1",
                "bne 2b",
                ko = inout(reg) kofs.as_ptr() => _,
                base = in(reg) base,
                t = out(reg) _,
                dst = inout(reg) dst => _,
                k = inout(reg) k => _,
                out("q0") _, out("q1") _, out("q2") _, out("q3") _,
                options(nostack),
            );
        }
    }
}
