//! Deconvolution1D and DeconvolutionDepthWise1D: the transposed convolution
//! of a 2-D blob (`h = channels, w = length`). ncnn params `0=num_output
//! 1=kernel_w 2=dilation_w 3=stride_w 4=pad_left 15=pad_right
//! 18=output_pad_right 20=output_w 5=bias_term 6=weight_data_size 7=group
//! (DepthWise1D) 9=activation_type 10=activation_params 28=dynamic_weight`;
//! the 2-D core ([`super::deconvolution`]) with one row.

use crate::layer::deconvolution::{deconv_layer, DeconvCore, Form};

/// ncnn `Deconvolution1D`.
#[derive(Default)]
pub struct Deconvolution1D {
    core: DeconvCore,
}

deconv_layer!(Deconvolution1D, Form::OneD, false);

/// ncnn `DeconvolutionDepthWise1D` (grouped, `7=group`).
#[derive(Default)]
pub struct DeconvolutionDepthWise1D {
    core: DeconvCore,
}

deconv_layer!(DeconvolutionDepthWise1D, Form::OneD, true);
