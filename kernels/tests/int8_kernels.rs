//! The int8 micro-kernels called directly: each implementation's GEMM tile
//! (vmull/vmlal/vpadal, sdot) and Winograd int16 tile against the portable
//! one and a naive product, on the same packed panels.

mod int8_common;

use int8_common::Rng;
use octet_kernels::generic::int8::gemm::{pack_a, pack_b_panel, GemmLayout};
use octet_kernels::int8::gemm::{gemm_columns, gemm_row, gemm_tile};
use octet_kernels::int8::winograd::{
    gemm16_12x4_positions, gemm16_pairs, gemm16_positions, gemm16_rows, gemm16_tile, output_blocks,
};
use octet_kernels::int8::Int8Kernels;
use octet_kernels::KernelSet;

/// A (`mr × k` weights) and B (`k` planes of `n` pixels, a 1×1 im2col):
/// random, or saturated (±127 weights against 127 / −128 inputs) when `sat`.
fn gemm_operands(rng: &mut Rng, mr: usize, k: usize, n: usize, sat: bool) -> (Vec<i8>, Vec<i8>) {
    if sat {
        let a = (0..mr * k).map(|i| if i % 3 == 0 { -127 } else { 127 });
        let b = (0..k * n).map(|i| if i % 3 == 0 { 127 } else { -128 });
        (a.collect(), b.collect())
    } else {
        (rng.i8s(mr * k, -127, 127), rng.i8s(k * n, -128, 127))
    }
}

#[test]
fn gemm_tiles_match_a_naive_product() {
    let mut rng = Rng(21);
    for kern in Int8Kernels::available() {
        let layout = kern.layout();
        let (mr, nr) = (layout.mr, layout.nr);
        for (k, sat) in [
            (1, false),
            (16, false),
            (17, true),
            (48, false),
            (160, true),
            (300, false),
        ] {
            let (a, b) = gemm_operands(&mut rng, mr, k, nr, sat);
            let pa = pack_a(layout, &a, mr, k);
            let kp = GemmLayout::padded_k(k);
            let mut pb = vec![0i8; nr * kp];
            pack_b_panel(layout, &b, nr, k, nr, 0, 0, &mut pb);
            let ldc = nr + 5;
            let mut c = vec![7i32; mr * ldc];
            gemm_tile(kern, layout, &pa, &pb, kp, &mut c, ldc);
            for r in 0..mr {
                for col in 0..nr {
                    let e: i32 = (0..k)
                        .map(|kk| a[r * k + kk] as i32 * b[kk * nr + col] as i32)
                        .sum();
                    assert_eq!(c[r * ldc + col], e, "{kern:?} k {k} ({r},{col})");
                }
                // Columns past the tile are untouched.
                assert!(
                    c[r * ldc + nr..(r + 1) * ldc].iter().all(|&v| v == 7),
                    "{kern:?}"
                );
            }
        }
    }
}

/// The first 1 ..= nr columns of a tile (a matrix's last, partial panel; the
/// armv7 one-column kernel for 1 and 2) against a naive product, leaving
/// the other columns alone.
#[test]
fn gemm_partial_panels_match_a_naive_product() {
    let mut rng = Rng(25);
    for kern in Int8Kernels::available() {
        let layout = kern.layout();
        let (mr, nr) = (layout.mr, layout.nr);
        for (k, sat) in [
            (5, false),
            (16, true),
            (33, false),
            (2304, false),
            (160, true),
        ] {
            for cols in 1..=nr {
                let (a, b) = gemm_operands(&mut rng, mr, k, cols, sat);
                let pa = pack_a(layout, &a, mr, k);
                let kp = GemmLayout::padded_k(k);
                let mut pb = vec![0i8; nr * kp];
                pack_b_panel(layout, &b, cols, k, cols, 0, 0, &mut pb);
                let ldc = cols + 3;
                let mut c = vec![7i32; mr * ldc];
                gemm_columns(kern, layout, &pa, &pb, kp, &mut c, ldc, cols);
                for r in 0..mr {
                    for col in 0..cols {
                        let e: i32 = (0..k)
                            .map(|kk| a[r * k + kk] as i32 * b[kk * cols + col] as i32)
                            .sum();
                        assert_eq!(
                            c[r * ldc + col],
                            e,
                            "{kern:?} k {k} cols {cols} ({r},{col})"
                        );
                    }
                    assert!(
                        c[r * ldc + cols..(r + 1) * ldc].iter().all(|&v| v == 7),
                        "{kern:?} k {k} cols {cols}"
                    );
                }
            }
        }
    }
}

/// A row of tiles (the kernels that loop over B panels themselves, as the
/// armv7 one does, with its `kp = 16` variant keeping A in registers)
/// against a naive product, leaving the columns past the last panel alone.
#[test]
fn gemm_rows_match_a_naive_product() {
    let mut rng = Rng(22);
    for kern in Int8Kernels::available() {
        let layout = kern.layout();
        let (mr, nr) = (layout.mr, layout.nr);
        for (k, panels, sat) in [
            (3, 1, false),
            (16, 5, false),
            (16, 3, true),
            (27, 4, false),
            (32, 2, true),
            (64, 3, false),
        ] {
            let n = panels * nr;
            let a: Vec<i8> = if sat {
                (0..mr * k)
                    .map(|i| if i % 5 == 0 { -127 } else { 127 })
                    .collect()
            } else {
                rng.i8s(mr * k, -127, 127)
            };
            let b: Vec<i8> = if sat {
                (0..k * n)
                    .map(|i| if i % 7 == 0 { 127 } else { -128 })
                    .collect()
            } else {
                rng.i8s(k * n, -128, 127)
            };
            let pa = pack_a(layout, &a, mr, k);
            let kp = GemmLayout::padded_k(k);
            let mut pb = vec![0i8; n * kp];
            for (p, panel) in pb.chunks_exact_mut(nr * kp).enumerate() {
                pack_b_panel(layout, &b, n, k, n, p * nr, 0, panel);
            }
            let ldc = n + 3;
            let mut c = vec![-9i32; mr * ldc];
            gemm_row(kern, layout, &pa, &pb, kp, &mut c, ldc, panels);
            for r in 0..mr {
                for col in 0..n {
                    let e: i32 = (0..k)
                        .map(|kk| a[r * k + kk] as i32 * b[kk * n + col] as i32)
                        .sum();
                    assert_eq!(c[r * ldc + col], e, "{kern:?} k {k} ({r},{col})");
                }
                assert!(
                    c[r * ldc + n..(r + 1) * ldc].iter().all(|&v| v == -9),
                    "{kern:?} k {k}"
                );
            }
        }
    }
}

/// `x` (`k` rows of `width` values, from `x[0]`, then anything) in the form
/// the int16 GEMM of `kern` reads: unchanged, or rows paired
/// (`[k/2][width][2]`) where [`gemm16_pairs`].
fn gemm16_operand(kern: &Int8Kernels, x: &[i16], k: usize, width: usize) -> Vec<i16> {
    let mut out = x.to_vec();
    if gemm16_pairs(kern) {
        for q in 0..k {
            for i in 0..width {
                out[(q / 2) * 2 * width + 2 * i + q % 2] = x[q * width + i];
            }
        }
    }
    out
}

#[test]
fn winograd_tiles_match_the_portable_one_with_wrapping() {
    let mut rng = Rng(22);
    for kern in Int8Kernels::available() {
        for lanes in [4, 8] {
            for k in [4, 8, 64, 260] {
                // Full int16 range: sums of products wrap, as the exactness
                // argument requires of every implementation.
                let u: Vec<i16> = (0..4 * k).map(|_| rng.next_u64() as i16).collect();
                let v: Vec<i16> = (0..lanes * k).map(|_| rng.next_u64() as i16).collect();
                let mut c = vec![0i32; 4 * lanes];
                let mut e = vec![0i32; 4 * lanes];
                let (ui, vi) = (
                    gemm16_operand(kern, &u, k, 4),
                    gemm16_operand(kern, &v, k, lanes),
                );
                gemm16_tile(kern, &ui, &vi, k, lanes, &mut c);
                for r in 0..4 {
                    for l in 0..lanes {
                        e[r * lanes + l] = (0..k).fold(0i32, |s, q| {
                            s.wrapping_add(u[q * 4 + r] as i32 * v[q * lanes + l] as i32)
                        });
                    }
                }
                assert_eq!(c, e, "{kern:?} lanes {lanes} k {k}");
            }
        }
    }
}

/// Transformed kernels `u` and inputs `v` of `positions` positions: within
/// F(4,3)'s bounds (|U| ≤ 12·12·127 = 18288, |V| ≤ 10·10·128 = 12800),
/// or over the whole int16 range when `wrap` (sums of products wrap, as the
/// exactness argument requires every implementation to).
fn winograd_operands(
    rng: &mut Rng,
    positions: usize,
    ustride: usize,
    vstride: usize,
    wrap: bool,
) -> (Vec<i16>, Vec<i16>) {
    let mut val = |bound: i64| {
        if wrap {
            rng.next_u64() as i16
        } else {
            rng.int(-bound, bound) as i16
        }
    };
    let u = (0..positions * ustride).map(|_| val(18288)).collect();
    let v = (0..positions * vstride).map(|_| val(12800)).collect();
    (u, v)
}

/// Over several positions, for every tile height the ISA has (4 output
/// channels, and 6 where `gemm16_rows` says so; the portable kernel does
/// both), on bounded Winograd values and on full-range ones that wrap.
#[test]
fn winograd_tiles_over_positions_follow_the_strides() {
    let mut rng = Rng(23);
    for kern in Int8Kernels::available() {
        let heights: &[usize] = if gemm16_pairs(kern) { &[4] } else { &[4, 6] };
        assert!(heights.contains(&gemm16_rows(kern)));
        for &rows in heights {
            for lanes in [4, 8] {
                for (k, positions, wrap) in [(4, 3, false), (12, 5, false), (260, 2, true)] {
                    let (ustride, vstride) = (rows * k + 8, lanes * k + 4 * lanes);
                    let (u, v) = winograd_operands(&mut rng, positions, ustride, vstride, wrap);
                    let mut c = vec![-1i32; rows * 8 * positions];
                    let (mut ui, mut vi) = (u.clone(), v.clone());
                    for p in 0..positions {
                        let up = gemm16_operand(kern, &u[p * ustride..], k, rows);
                        ui[p * ustride..][..rows * k].copy_from_slice(&up[..rows * k]);
                        let vp = gemm16_operand(kern, &v[p * vstride..], k, lanes);
                        vi[p * vstride..][..lanes * k].copy_from_slice(&vp[..lanes * k]);
                    }
                    gemm16_positions(
                        kern, rows, &ui, ustride, &vi, vstride, k, lanes, &mut c, positions,
                    );
                    for p in 0..positions {
                        for r in 0..rows {
                            for l in 0..lanes {
                                let e = (0..k).fold(0i32, |s, q| {
                                    s.wrapping_add(
                                        u[p * ustride + rows * q + r] as i32
                                            * v[p * vstride + lanes * q + l] as i32,
                                    )
                                });
                                assert_eq!(
                                    c[rows * 8 * p + r * lanes + l],
                                    e,
                                    "{kern:?} rows {rows} lanes {lanes} k {k} p {p}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Two 6-row blocks × 4 tiles at once (the armv7 12 × 4 kernel; elsewhere
/// the portable 6-row tiles): each block's sums over several positions,
/// with padded strides, on bounded values and on full-range ones that wrap.
#[test]
fn winograd_block_pairs_match_a_naive_product() {
    let mut rng = Rng(24);
    for kern in Int8Kernels::available() {
        for (k, positions, wrap) in [(4, 3, false), (8, 1, true), (12, 5, false), (260, 2, true)] {
            let udelta = 6 * k + 4;
            let (ustride, vstride) = (udelta + 6 * k + 12, 4 * k + 8);
            let (u, v) = winograd_operands(&mut rng, positions, ustride, vstride, wrap);
            let clen = 48 * positions;
            let (mut c0, mut c1) = (vec![-1i32; clen], vec![-1i32; clen]);
            gemm16_12x4_positions(
                kern, &u, udelta, ustride, &v, vstride, k, &mut c0, &mut c1, positions,
            );
            for p in 0..positions {
                for (b, c) in [(0, &c0), (1, &c1)] {
                    for r in 0..6 {
                        for l in 0..4 {
                            let e = (0..k).fold(0i32, |s, q| {
                                s.wrapping_add(
                                    u[p * ustride + b * udelta + 6 * q + r] as i32
                                        * v[p * vstride + 4 * q + l] as i32,
                                )
                            });
                            assert_eq!(
                                c[48 * p + r * 4 + l],
                                e,
                                "{kern:?} k {k} p {p} block {b} row {r} lane {l}"
                            );
                        }
                    }
                    // The position's other 24 sums are not written.
                    assert!(c[48 * p + 24..48 * p + 48].iter().all(|&x| x == -1));
                }
            }
        }
    }
}

/// The output-channel blocks cover every channel once, in order, with at
/// most 3 padded rows, and use only 4-blocks when the tile has 4 rows.
#[test]
fn output_blocks_cover_the_channels() {
    for rows in [4, 6] {
        for out_c in 1..60 {
            let blocks = output_blocks(out_c, rows);
            let mut next = 0;
            for &(start, size) in &blocks {
                assert_eq!(start, next, "rows {rows} out_c {out_c}: {blocks:?}");
                assert!(size == 4 || size == rows, "{blocks:?}");
                next += size;
            }
            assert!(
                next >= out_c && next - out_c <= 3,
                "rows {rows} out_c {out_c}: {blocks:?}"
            );
            assert!(
                blocks.iter().rev().skip(1).all(|&(s, z)| s + z < out_c),
                "{blocks:?}"
            );
        }
    }
}
