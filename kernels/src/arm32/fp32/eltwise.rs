//! armv7 NEON fp32 element-wise binary operations in place, 8 floats per
//! step (`vadd.f32` / `vmul.f32` / `vmax.f32` on two q registers). NEON
//! arithmetic is IEEE round-to-nearest except that subnormal inputs and
//! results are flushed to zero and `vmax` propagates NaN.

macro_rules! binary_x8 {
    ($name:ident, $op:literal, $what:literal) => {
        #[doc = concat!("`dst[i] = ", $what, "` for `i < 8·blocks`.")]
        ///
        /// # Safety
        /// The CPU must have NEON; `blocks > 0`; `dst` and `src` have
        /// `8·blocks` floats (readable; `dst` writable).
        pub unsafe fn $name(dst: *mut f32, src: *const f32, blocks: usize) {
            // SAFETY: block b reads and writes floats 8b..8b+8 of dst and
            // reads those of src, within the contract; NEON per the contract.
            unsafe {
                core::arch::asm!(
                    "1:",
                    "vld1.32 {{d0-d3}}, [{d}]",
                    "vld1.32 {{d4-d7}}, [{s}]!",
                    concat!($op, " q0, q0, q2"),
                    concat!($op, " q1, q1, q3"),
                    "vst1.32 {{d0-d3}}, [{d}]!",
                    "subs {n}, {n}, #1",
                    "bne 1b",
                    d = inout(reg) dst => _,
                    s = inout(reg) src => _,
                    n = inout(reg) blocks => _,
                    out("q0") _, out("q1") _, out("q2") _, out("q3") _,
                    options(nostack)
                );
            }
        }
    };
}

binary_x8!(add_x8, "vadd.f32", "dst[i] + src[i]");
binary_x8!(mul_x8, "vmul.f32", "dst[i] · src[i]");
binary_x8!(max_x8, "vmax.f32", "max(dst[i], src[i])");
