//! InnerProduct (`src/layer/innerproduct.cpp`), fp32 and int8.
//!
//! Params: `0` num_output, `1` bias, `2` weight count, `9`/`10` fused
//! activation. Weights `[num_output][num_input]` (tagged), then the bias
//! (raw). A 2-D input whose rows are `num_input` long is transformed row by
//! row (`[h, num_output]`); any other input is flattened (`[num_output]`).

use super::activation::fused;
use super::{float2int8, Bin, Int8Scales, Params, Tensor};

/// `y = act(W·x + b)` for one vector, f64 accumulation.
pub fn fully_connected(
    x: &[f32],
    weights: &[f32],
    bias: &[f32],
    num_output: usize,
    act: i32,
    act_params: &[f32],
) -> Tensor {
    let n = weights.len() / num_output;
    assert_eq!(x.len(), n, "inner product input length");
    let out = (0..num_output)
        .map(|p| {
            let mut s: f64 = bias.get(p).map_or(0.0, |&b| b as f64);
            for i in 0..n {
                s += x[i] as f64 * weights[p * n + i] as f64;
            }
            fused(s as f32, act, act_params)
        })
        .collect();
    Tensor::new(&[num_output], out)
}

pub fn inner_product(p: &Params, x: &Tensor, bin: &mut Bin, int8: Option<&Int8Scales>) -> Tensor {
    let num_output = p.int(0, 0) as usize;
    let has_bias = p.int(1, 0) != 0;
    let size = p.int(2, 0) as usize;
    let (act, act_params) = (p.int(9, 0), p.floats(10));
    let weights = bin.tagged(size);
    let bias = if has_bias {
        bin.raw(num_output)
    } else {
        Vec::new()
    };
    let num_input = size / num_output;
    let per_row = x.dims() == 2 && x.shape[1] == num_input;
    let rows: Vec<&[f32]> = if per_row {
        x.data.chunks(num_input).collect()
    } else {
        vec![&x.data[..]]
    };
    let mut out = Vec::new();
    for row in &rows {
        match int8 {
            None => {
                out.extend(fully_connected(row, &weights, &bias, num_output, act, &act_params).data)
            }
            Some(s) => {
                assert_eq!(row.len(), num_input);
                for o in 0..num_output {
                    let ws = s.weight[o];
                    let mut sum: i64 = 0;
                    for i in 0..num_input {
                        let a = float2int8(row[i] * s.blob) as i64;
                        let b = float2int8(weights[o * num_input + i] * ws) as i64;
                        sum += a * b;
                    }
                    assert!(sum.abs() < 1 << 31, "int32 sum overflows");
                    let scale_in = if ws == 0.0 { 0.0 } else { 1.0 / (s.blob * ws) };
                    let mut v = sum as i32 as f32 * scale_in;
                    if has_bias {
                        v += bias[o];
                    }
                    out.push(fused(v, act, &act_params));
                }
            }
        }
    }
    if per_row {
        Tensor::new(&[rows.len(), num_output], out)
    } else {
        Tensor::new(&[num_output], out)
    }
}
