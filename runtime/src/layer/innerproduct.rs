//! InnerProduct (fully connected): `0=num_output 1=bias_term 2=weight_data_size
//! 8=int8_scale_term 9=activation_type 10=activation_params`.

use octet_kernels::fp32::InnerProductF32;
use octet_kernels::int8::InnerProductI8;
use octet_kernels::Activation;

use crate::error::LayerResult;
use crate::layer::convolution::{fp32_weights, quantize_weights};
use crate::layer::{single, ForwardContext, Int8Form, Int8Input, Layer, QuantizedLayer};
use crate::mat::Mat;
use crate::modelbin::{BinWriter, ModelSource, Role, Weights};
use crate::option::Options;
use crate::param::ParamDict;

#[derive(Default)]
pub struct InnerProduct {
    num_output: usize,
    bias_term: bool,
    weight_data_size: usize,
    int8_scale_term: i32,
    activation: Activation,
    /// Weights as loaded; released by `prepare` unless `Options::keep_weights`.
    weights: Option<Weights>,
    bias: Option<Vec<f32>>,
    weight_scales: Vec<f32>,
    bottom_scale: Option<f32>,
    fp32: Option<InnerProductF32>,
    int8: Option<InnerProductI8>,
}

impl InnerProduct {
    pub fn num_input(&self) -> usize {
        self.weight_data_size / self.num_output
    }

    fn set_scales(&mut self, ws: &[f32], blob_scale: f32) -> LayerResult<()> {
        if let Some(bad) = ws
            .iter()
            .chain([&blob_scale])
            .find(|s| !s.is_finite() || **s < 0.0)
        {
            return Err(format!("scale {bad} is not a finite non-negative number").into());
        }
        if ws.len() != self.num_output {
            return Err(format!(
                "{} weight scales, expected {} (one per output)",
                ws.len(),
                self.num_output
            )
            .into());
        }
        self.weight_scales = ws.to_vec();
        self.bottom_scale = Some(blob_scale);
        Ok(())
    }
}

impl Layer for InnerProduct {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let n = pd.get_int(0, 0)?;
        if n <= 0 {
            return Err(format!("num_output (0=) must be positive, got {n}").into());
        }
        self.num_output = n as usize;
        self.bias_term = pd.get_int(1, 0)? != 0;
        let ws = pd.get_int(2, 0)?;
        if ws <= 0 || ws as usize % self.num_output != 0 {
            return Err(format!(
                "weight_data_size (2=) {ws} is not a positive multiple of num_output {n}"
            )
            .into());
        }
        self.weight_data_size = ws as usize;
        self.int8_scale_term = pd.get_int(8, 0)?;
        self.activation = Activation::from_ncnn(pd.get_int(9, 0)?, &pd.get_floats(10)?)?;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        let fan_in = self.num_input();
        let role = if self.int8_scale_term != 0 {
            Role::QuantizedWeight {
                fan_in,
                groups: self.num_output,
            }
        } else {
            Role::Weight { fan_in }
        };
        self.weights = Some(mb.load_tagged(self.weight_data_size, role)?);
        if self.bias_term {
            self.bias = Some(mb.load_raw(self.num_output, Role::Bias)?);
        }
        if self.int8_scale_term != 0 {
            let ws = mb.load_raw(self.num_output, Role::WeightScales)?;
            let bs = mb.load_raw(1, Role::BlobScale)?[0];
            self.set_scales(&ws, bs)?;
        }
        Ok(())
    }

    fn prepare(&mut self, opt: &Options) -> LayerResult<()> {
        let weights = self.weights.as_ref().ok_or("weights not loaded")?;
        if opt.use_int8 && self.bottom_scale.is_some() {
            let wq = match weights {
                Weights::I8(v) => v.clone(),
                Weights::F32(w) => quantize_weights(w, &self.weight_scales),
            };
            self.int8 = Some(InnerProductI8::new(
                &wq,
                &self.weight_scales,
                self.bias.as_deref(),
                self.num_output,
                self.activation,
            )?);
            self.fp32 = None;
        } else {
            let Weights::F32(w) = weights else {
                return Err(
                    "this layer holds int8 weights only; running it in fp32 needs the fp32 model"
                        .into(),
                );
            };
            self.fp32 = Some(InnerProductF32::new(
                w,
                self.bias.as_deref(),
                self.num_output,
                self.activation,
            )?);
            self.int8 = None;
        }
        if !opt.keep_weights {
            self.weights = None;
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let input = single(inputs)?;
        let num_input = self.num_input();
        // ncnn: a 2-D input whose rows are num_input long is one GEMM row
        // per row, and the output is 2-D (even for one row).
        let per_row = input.dims() == 2 && input.w() == num_input;
        let rows = if per_row { input.h() } else { 1 };
        if rows == 1 && input.total() != num_input {
            return Err(format!(
                "input has {} values (shape {:?}), the weights expect {num_input}",
                input.total(),
                input.shape()
            )
            .into());
        }
        let mut out = if per_row {
            Mat::new_2d(self.num_output, rows)
        } else {
            Mat::new_1d(self.num_output)
        };
        let n = self.num_output;
        if let Some(op) = &self.int8 {
            if input.is_int8() {
                let mut xq = Vec::with_capacity(input.total());
                for q in 0..input.c() {
                    xq.extend_from_slice(input.channel_i8(q));
                }
                for (y, dst) in out.data_mut().chunks_mut(n).enumerate().take(rows) {
                    op.forward_i8(
                        &xq[y * num_input..(y + 1) * num_input],
                        input.int8_scale(),
                        dst,
                        ctx.threads(),
                    );
                }
            } else {
                let x = input.to_vec();
                let s = self.bottom_scale.unwrap_or(0.0);
                for (y, dst) in out.data_mut().chunks_mut(n).enumerate().take(rows) {
                    op.forward(
                        &x[y * num_input..(y + 1) * num_input],
                        s,
                        dst,
                        ctx.threads(),
                    );
                }
            }
        } else {
            let op = self.fp32.as_ref().ok_or("not prepared")?;
            let x = input.to_vec();
            op.forward_rows(
                &x[..rows * num_input],
                rows,
                &mut out.data_mut()[..rows * n],
                ctx.threads(),
            );
        }
        Ok(vec![out])
    }

    fn int8_input(&self) -> Int8Input {
        // Before `prepare`: what the scales promise; after: what runs.
        if self.int8.is_some() || (self.fp32.is_none() && self.bottom_scale.is_some()) {
            Int8Input::Quantized
        } else {
            Int8Input::Dequantize
        }
    }

    fn flops(&self, _inputs: &[Vec<usize>], output: &[usize]) -> u64 {
        2 * output.iter().product::<usize>() as u64 * self.num_input() as u64
    }

    fn quantized(&self) -> Option<&dyn QuantizedLayer> {
        Some(self)
    }

    fn quantized_mut(&mut self) -> Option<&mut dyn QuantizedLayer> {
        Some(self)
    }

    fn weight_bytes(&self) -> usize {
        self.fp32.as_ref().map_or(0, |o| o.weight_bytes())
            + self.int8.as_ref().map_or(0, |o| o.weight_bytes())
    }

    fn describe(&self) -> String {
        if self.int8.is_some() {
            "int8 gemv".into()
        } else {
            "fp32 gemv".into()
        }
    }
}

impl QuantizedLayer for InnerProduct {
    fn weight_scale_count(&self) -> usize {
        self.num_output
    }

    fn fp32_weights(&self) -> LayerResult<&[f32]> {
        fp32_weights(&self.weights)
    }

    fn set_table_scales(&mut self, weight_scales: &[f32], blob_scale: f32) -> LayerResult<()> {
        self.set_scales(weight_scales, blob_scale)
    }

    fn weight_scales(&self) -> Vec<f32> {
        self.weight_scales.clone()
    }

    fn input_scale(&self) -> Option<f32> {
        self.bottom_scale
    }

    fn probe_int8(
        &self,
        input: &Mat,
        weight_scales: &[f32],
        blob_scale: f32,
        channel: Option<usize>,
    ) -> LayerResult<Vec<f32>> {
        let w = self.fp32_weights()?;
        if weight_scales.len() != self.num_output {
            return Err(format!(
                "{} weight scales for {} outputs",
                weight_scales.len(),
                self.num_output
            )
            .into());
        }
        let x = input.to_vec();
        let n_in = self.num_input();
        if x.len() < n_in {
            return Err(format!("input has {} values, the weights expect {n_in}", x.len()).into());
        }
        let rows: Vec<usize> = match channel {
            None => (0..self.num_output).collect(),
            Some(p) if p < self.num_output => vec![p],
            Some(p) => return Err(format!("output {p} of {}", self.num_output).into()),
        };
        let mut wsel = Vec::with_capacity(rows.len() * n_in);
        for &p in &rows {
            wsel.extend_from_slice(&w[p * n_in..(p + 1) * n_in]);
        }
        let scales: Vec<f32> = rows.iter().map(|&p| weight_scales[p]).collect();
        let bias = self
            .bias
            .as_ref()
            .map(|b| rows.iter().map(|&p| b[p]).collect::<Vec<_>>());
        let wq = quantize_weights(&wsel, &scales);
        let op = InnerProductI8::new(&wq, &scales, bias.as_deref(), rows.len(), self.activation)?;
        let mut out = vec![0f32; rows.len()];
        op.forward(&x[..n_in], blob_scale, &mut out, 1);
        Ok(out)
    }

    fn write_int8(
        &self,
        input_scale: f32,
        output_scale: Option<f32>,
        out: &mut BinWriter,
    ) -> LayerResult<Int8Form> {
        if output_scale.is_some() {
            return Err("InnerProduct cannot write an int8 output".into());
        }
        let w = self.fp32_weights()?;
        if self.weight_scales.len() != self.num_output {
            return Err("no int8 weight scales (give a table)".into());
        }
        // The layout `load_model` reads for 8=2.
        out.tagged_i8(&quantize_weights(w, &self.weight_scales));
        if let Some(b) = &self.bias {
            out.raw(b);
        }
        out.raw(&self.weight_scales);
        out.raw(&[input_scale]);
        Ok(Int8Form {
            params: vec![(8, 2)],
        })
    }
}
