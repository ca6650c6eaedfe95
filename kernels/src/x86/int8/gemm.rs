//! x86-64 int8 GEMM micro-kernels and B packers.
//!
//! - [`gemm_4x16_avx2`] ([`GemmLayout::AVX2`] panels): `vpmaddwd` on int16
//!   pairs, B sign-extended on load (`vpmovsxbw`), A stored as int16 so one
//!   `vpbroadcastd` gives a row's pair. Exact: |a·b| ≤ 127·128, and the sums
//!   wrap like the portable kernel's.
//! - [`gemm_6x32_vnni`] ([`GemmLayout::VNNI`] panels): AVX-512 VNNI
//!   `vpdpbusd` (unsigned × signed bytes, 4 products per int32 lane). B holds
//!   `x + 128`, so every lane sums `Σ (x + 128)·a`; starting from the A
//!   panel's correction `−128·Σ a` leaves `Σ x·a` modulo 2³², the portable
//!   result bit for bit (`vpdpbusd` does not saturate). `asm!`, because
//!   Rust 1.85 has no stable AVX-512 intrinsics; it uses zmm0–15 only (naming
//!   zmm16–31 needs the unstable `avx512f` target feature).
//!
//! [`GemmLayout::AVX2`]: crate::generic::int8::gemm::GemmLayout::AVX2
//! [`GemmLayout::VNNI`]: crate::generic::int8::gemm::GemmLayout::VNNI

use core::arch::asm;
use core::arch::x86_64::*;

/// `c[r·ldc + col] = Σ_k A(r, k) · B(col, k)` for a 4×16 tile of AVX2 panels.
///
/// # Safety
/// The CPU must have AVX2; `a` points to an AVX2 A panel (`2·4·kp` bytes:
/// int16 pairs), `b` to an AVX2 B panel (`16·kp` bytes), `kp` a multiple of
/// 2; `c` has 4 rows of 16 writable int32 at stride `ldc`.
#[target_feature(enable = "avx2")]
pub unsafe fn gemm_4x16_avx2(a: *const i8, b: *const i8, kp: usize, c: *mut i32, ldc: usize) {
    // SAFETY: pair j reads 16 bytes (4 rows × one int16 pair) of A at 16j
    // and 32 bytes of B at 32j, j < kp/2, inside the panels; the stores
    // write 4 rows of 16 int32 at c + r·ldc (the contract). AVX2 per the
    // contract.
    unsafe {
        let mut acc = [[_mm256_setzero_si256(); 2]; 4];
        for j in 0..kp / 2 {
            let pb = b.add(32 * j);
            let b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pb as *const __m128i));
            let b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pb.add(16) as *const __m128i));
            let pa = a.add(16 * j) as *const i32;
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let ar = _mm256_set1_epi32(pa.add(r).read_unaligned());
                acc_r[0] = _mm256_add_epi32(acc_r[0], _mm256_madd_epi16(b0, ar));
                acc_r[1] = _mm256_add_epi32(acc_r[1], _mm256_madd_epi16(b1, ar));
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            let row = c.add(r * ldc) as *mut __m256i;
            _mm256_storeu_si256(row, acc_r[0]);
            _mm256_storeu_si256(row.add(1), acc_r[1]);
        }
    }
}

/// `c[r·ldc + col] = Σ_k A(r, k) · B(col, k)` for a 6×32 tile of VNNI panels
/// (see the module doc): per 4 `k`, two 16-column B vectors and each row's
/// 4 bytes broadcast, 12 `vpdpbusd`.
///
/// # Safety
/// The CPU must have AVX-512F and AVX-512 VNNI; `a` points to a VNNI A panel
/// (`6·kp` bytes, then 6 int32 corrections), `b` to a VNNI B panel (`32·kp`
/// bytes), `kp` a positive multiple of 4; `c` has 6 rows of 32 writable
/// int32 at stride `ldc`.
pub unsafe fn gemm_6x32_vnni(a: *const i8, b: *const i8, kp: usize, c: *mut i32, ldc: usize) {
    debug_assert!(kp > 0 && kp % 4 == 0);
    // SAFETY: the corrections are read at a + 6·kp (24 bytes); the loop reads
    // kp/4 blocks of 24 bytes of A and 128 bytes of B, inside the panels; the
    // stores write 6 rows of 128 bytes at c + r·ldc (the contract). Only
    // zmm0–15 are touched (declared clobbered); vzeroupper restores the SSE
    // state. VNNI per the contract.
    unsafe {
        asm!(
            "vpbroadcastd zmm0, dword ptr [{corr}]",
            "vmovdqa64 zmm1, zmm0",
            "vpbroadcastd zmm2, dword ptr [{corr} + 4]",
            "vmovdqa64 zmm3, zmm2",
            "vpbroadcastd zmm4, dword ptr [{corr} + 8]",
            "vmovdqa64 zmm5, zmm4",
            "vpbroadcastd zmm6, dword ptr [{corr} + 12]",
            "vmovdqa64 zmm7, zmm6",
            "vpbroadcastd zmm8, dword ptr [{corr} + 16]",
            "vmovdqa64 zmm9, zmm8",
            "vpbroadcastd zmm10, dword ptr [{corr} + 20]",
            "vmovdqa64 zmm11, zmm10",
            "2:",
            "vmovdqu64 zmm12, zmmword ptr [{b}]",
            "vmovdqu64 zmm13, zmmword ptr [{b} + 64]",
            "vpbroadcastd zmm14, dword ptr [{a}]",
            "vpbroadcastd zmm15, dword ptr [{a} + 4]",
            "vpdpbusd zmm0, zmm12, zmm14",
            "vpdpbusd zmm1, zmm13, zmm14",
            "vpbroadcastd zmm14, dword ptr [{a} + 8]",
            "vpdpbusd zmm2, zmm12, zmm15",
            "vpdpbusd zmm3, zmm13, zmm15",
            "vpbroadcastd zmm15, dword ptr [{a} + 12]",
            "vpdpbusd zmm4, zmm12, zmm14",
            "vpdpbusd zmm5, zmm13, zmm14",
            "vpbroadcastd zmm14, dword ptr [{a} + 16]",
            "vpdpbusd zmm6, zmm12, zmm15",
            "vpdpbusd zmm7, zmm13, zmm15",
            "vpbroadcastd zmm15, dword ptr [{a} + 20]",
            "vpdpbusd zmm8, zmm12, zmm14",
            "vpdpbusd zmm9, zmm13, zmm14",
            "vpdpbusd zmm10, zmm12, zmm15",
            "vpdpbusd zmm11, zmm13, zmm15",
            "add {a}, 24",
            "add {b}, 128",
            "dec {k}",
            "jnz 2b",
            "vmovdqu64 zmmword ptr [{c}], zmm0",
            "vmovdqu64 zmmword ptr [{c} + 64], zmm1",
            "add {c}, {ldc}",
            "vmovdqu64 zmmword ptr [{c}], zmm2",
            "vmovdqu64 zmmword ptr [{c} + 64], zmm3",
            "add {c}, {ldc}",
            "vmovdqu64 zmmword ptr [{c}], zmm4",
            "vmovdqu64 zmmword ptr [{c} + 64], zmm5",
            "add {c}, {ldc}",
            "vmovdqu64 zmmword ptr [{c}], zmm6",
            "vmovdqu64 zmmword ptr [{c} + 64], zmm7",
            "add {c}, {ldc}",
            "vmovdqu64 zmmword ptr [{c}], zmm8",
            "vmovdqu64 zmmword ptr [{c} + 64], zmm9",
            "add {c}, {ldc}",
            "vmovdqu64 zmmword ptr [{c}], zmm10",
            "vmovdqu64 zmmword ptr [{c} + 64], zmm11",
            "vzeroupper",
            corr = in(reg) a.add(6 * kp),
            a = inout(reg) a => _,
            b = inout(reg) b => _,
            k = inout(reg) kp / 4 => _,
            c = inout(reg) c => _,
            ldc = in(reg) ldc * 4,
            out("zmm0") _, out("zmm1") _, out("zmm2") _, out("zmm3") _,
            out("zmm4") _, out("zmm5") _, out("zmm6") _, out("zmm7") _,
            out("zmm8") _, out("zmm9") _, out("zmm10") _, out("zmm11") _,
            out("zmm12") _, out("zmm13") _, out("zmm14") _, out("zmm15") _,
            options(nostack),
        );
    }
}

/// Packs one 16-`k` block of 16 columns of a k-major matrix into an AVX2 B
/// panel (`[k/2][col][2]`): interleaving the bytes of each pair of rows.
///
/// # Safety
/// `src + r·ld + 0..16` readable for `r < 16`; `dst + 0..256` writable.
pub unsafe fn pack_k16x16_pairs(src: *const i8, ld: usize, dst: *mut i8) {
    // SAFETY: reads 16 bytes of 16 rows spaced `ld`, writes 256 bytes at
    // dst (the contract); SSE2 is part of x86-64.
    unsafe {
        for j in 0..8 {
            let r0 = _mm_loadu_si128(src.add(2 * j * ld) as *const __m128i);
            let r1 = _mm_loadu_si128(src.add((2 * j + 1) * ld) as *const __m128i);
            let d = dst.add(32 * j) as *mut __m128i;
            _mm_storeu_si128(d, _mm_unpacklo_epi8(r0, r1));
            _mm_storeu_si128(d.add(1), _mm_unpackhi_epi8(r0, r1));
        }
    }
}

/// Packs one 16-`k` block of 32 columns of a k-major matrix into a VNNI B
/// panel (`[k/4][col][4]`, each byte `x ^ 0x80`): bytes of row pairs, then
/// halfwords of pair pairs, interleaved.
///
/// # Safety
/// `src + r·ld + 0..32` readable for `r < 16`; `dst + 0..512` writable.
pub unsafe fn pack_k16x32_biased_quads(src: *const i8, ld: usize, dst: *mut i8) {
    // SAFETY: reads 32 bytes of 16 rows spaced `ld`, writes 512 bytes at
    // dst (the contract); SSE2 is part of x86-64.
    unsafe {
        let bias = _mm_set1_epi8(i8::MIN);
        for j in 0..4 {
            for half in 0..2 {
                let row = |r: usize| {
                    _mm_loadu_si128(src.add((4 * j + r) * ld + 16 * half) as *const __m128i)
                };
                let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
                let p01 = [_mm_unpacklo_epi8(r0, r1), _mm_unpackhi_epi8(r0, r1)];
                let p23 = [_mm_unpacklo_epi8(r2, r3), _mm_unpackhi_epi8(r2, r3)];
                let d = dst.add(128 * j + 64 * half) as *mut __m128i;
                for h in 0..2 {
                    let lo = _mm_unpacklo_epi16(p01[h], p23[h]);
                    let hi = _mm_unpackhi_epi16(p01[h], p23[h]);
                    _mm_storeu_si128(d.add(2 * h), _mm_xor_si128(lo, bias));
                    _mm_storeu_si128(d.add(2 * h + 1), _mm_xor_si128(hi, bias));
                }
            }
        }
    }
}
