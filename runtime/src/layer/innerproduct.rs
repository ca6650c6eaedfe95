//! InnerProduct (fully connected): `0=num_output 1=bias_term 2=weight_data_size
//! 8=int8_scale_term 9=activation_type 10=activation_params`.

use octet_kernels::fp32::InnerProductF32;
use octet_kernels::Activation;

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role, Weights};
use crate::option::Options;
use crate::param::ParamDict;

#[derive(Default)]
pub struct InnerProduct {
    pub num_output: usize,
    pub bias_term: bool,
    pub weight_data_size: usize,
    pub int8_scale_term: i32,
    pub activation: Activation,
    pub weights: Option<Weights>,
    pub bias: Option<Vec<f32>>,
    pub weight_scales: Vec<f32>,
    pub bottom_scale: Option<f32>,
    fp32: Option<InnerProductF32>,
}

impl InnerProduct {
    pub fn num_input(&self) -> usize {
        self.weight_data_size / self.num_output
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
        self.weights = Some(mb.load_tagged(self.weight_data_size, Role::Weight { fan_in })?);
        if self.bias_term {
            self.bias = Some(mb.load_raw(self.num_output, Role::Bias)?);
        }
        if self.int8_scale_term != 0 {
            self.weight_scales = mb.load_raw(self.num_output, Role::WeightScales)?;
            self.bottom_scale = Some(mb.load_raw(1, Role::BlobScale)?[0]);
        }
        Ok(())
    }

    fn prepare(&mut self, _opt: &Options) -> LayerResult<()> {
        match &self.weights {
            Some(Weights::F32(w)) => {
                self.fp32 = Some(InnerProductF32::new(
                    w,
                    self.bias.as_deref(),
                    self.num_output,
                    self.activation,
                )?);
                Ok(())
            }
            Some(Weights::I8(_)) => Err(
                "this layer holds int8 weights only; running it in fp32 needs the fp32 model"
                    .into(),
            ),
            None => Err("weights not loaded".into()),
        }
    }

    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let input = single(inputs)?;
        let op = self.fp32.as_ref().ok_or("not prepared")?;
        let num_input = self.num_input();
        if input.dims() == 2 && input.w() == num_input && input.h() > 1 {
            // One inner product per row.
            let mut out = Mat::new_2d(self.num_output, input.h());
            for y in 0..input.h() {
                let row = input.row(y).to_vec();
                let dst = &mut out.data_mut()[y * self.num_output..(y + 1) * self.num_output];
                op.forward(&row, dst, ctx.threads());
            }
            return Ok(vec![out]);
        }
        if input.total() != num_input {
            return Err(format!(
                "input has {} values (shape {:?}), the weights expect {num_input}",
                input.total(),
                input.shape()
            )
            .into());
        }
        let x = input.to_vec();
        let mut out = Mat::new_1d(self.num_output);
        op.forward(&x, out.data_mut(), ctx.threads());
        Ok(vec![out])
    }

    fn weight_bytes(&self) -> usize {
        self.fp32.as_ref().map_or(0, |o| o.weight_bytes())
    }

    fn describe(&self) -> String {
        "fp32 gemv".into()
    }

    crate::impl_as_any!();
}
