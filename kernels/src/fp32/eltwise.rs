//! fp32 element-wise binary operations in place (`dst = dst op src`), the
//! Eltwise layer's inner loops. The portable loops vectorise on x86 and
//! aarch64 but stay scalar on armv7 (LLVM does not vectorise fp32 there:
//! NEON is not IEEE; `f32::max` even calls libm's `fmaxf`), ~6 cost units
//! per element for a sum; the armv7 NEON loops take ~1.5. Their values are
//! the portable ones for normal numbers; subnormals flush to zero and `Max`
//! propagates NaN (ncnn's ARM Eltwise does the same).

/// The operation of [`binary_in_place_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Mul,
    Max,
}

/// [`binary_in_place_with`] on NEON where the CPU has it.
pub fn binary_in_place(op: BinaryOp, dst: &mut [f32], src: &[f32]) {
    binary_in_place_with(crate::cpu::features().neon, op, dst, src)
}

/// `dst[i] = dst[i] op src[i]`, with the armv7 NEON loops when `neon` (and
/// this is an armv7 build whose CPU has NEON), else the portable ones.
///
/// # Panics
/// If the slices differ in length.
#[cfg_attr(not(target_arch = "arm"), allow(unused_variables))]
pub fn binary_in_place_with(neon: bool, op: BinaryOp, dst: &mut [f32], src: &[f32]) {
    assert_eq!(dst.len(), src.len());
    #[allow(unused_mut)]
    let mut done = 0;
    #[cfg(target_arch = "arm")]
    if neon && crate::cpu::features().neon && dst.len() >= 8 {
        use crate::arm32::fp32::eltwise as k;
        let blocks = dst.len() / 8;
        let (d, s) = (dst.as_mut_ptr(), src.as_ptr());
        // SAFETY: the CPU has NEON (checked above); both slices hold
        // 8·blocks floats.
        unsafe {
            match op {
                BinaryOp::Add => k::add_x8(d, s, blocks),
                BinaryOp::Mul => k::mul_x8(d, s, blocks),
                BinaryOp::Max => k::max_x8(d, s, blocks),
            }
        }
        done = 8 * blocks;
    }
    let (dst, src) = (&mut dst[done..], &src[done..]);
    match op {
        BinaryOp::Add => dst.iter_mut().zip(src).for_each(|(d, s)| *d += s),
        BinaryOp::Mul => dst.iter_mut().zip(src).for_each(|(d, s)| *d *= s),
        BinaryOp::Max => dst.iter_mut().zip(src).for_each(|(d, s)| *d = d.max(*s)),
    }
}
