//! Run-time options (ncnn's `Option`).

/// Which Winograd variant 3×3 stride-1 convolutions use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum WinogradPref {
    /// The documented per-layer rule (see `octet_kernels::fp32::conv` and `octet_kernels::int8::conv`).
    #[default]
    Auto,
    /// F(2,3) (fp32 and int8).
    F23,
    /// F(4,3) (fp32 and int8; int8 falls back to F(2,3) where F(4,3) could overflow).
    F43,
    /// F(6,3) (fp32 only; int8 layers use their automatic rule).
    F63,
    /// No Winograd: im2col + GEMM.
    Off,
}

impl std::str::FromStr for WinogradPref {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "auto" => WinogradPref::Auto,
            "23" => WinogradPref::F23,
            "43" => WinogradPref::F43,
            "63" => WinogradPref::F63,
            "off" | "0" => WinogradPref::Off,
            _ => {
                return Err(format!(
                    "unknown Winograd variant `{s}` (auto, 23, 43, 63, off)"
                ))
            }
        })
    }
}

/// Options fixed when a [`crate::Net`] is loaded.
#[derive(Clone, Debug)]
pub struct Options {
    /// Worker threads; 1 runs everything on the calling thread.
    pub num_threads: usize,
    /// Run int8 where the model (or a table) provides scales. `false` forces fp32.
    pub use_int8: bool,
    /// Winograd choice for 3×3 stride-1 convolutions.
    pub winograd: WinogradPref,
    /// Keep the weights as loaded after preparing the kernels (tools that
    /// read weights after loading, like calibration, need them; inference
    /// does not, and peak memory is lower without).
    pub keep_weights: bool,
    /// Trade speed for memory: int8 3×3 convolutions on maps of 14×14 or
    /// less (or of unknown size) run im2col + GEMM on 1-byte weights instead
    /// of Winograd, whose transformed weights take 3.6 (F(2,3)) to 8 (F(4,3))
    /// bytes per weight — most of a deep network's weights sit in those layers.
    /// It also stops the int8 kernels from keeping their scratch buffers
    /// between layers while this net runs (they are zero-allocated and
    /// freed); other nets in the process keep their own setting.
    pub low_memory: bool,
    /// Pin the worker threads to these CPUs (round-robin); empty: no pinning.
    /// With one thread the work runs on the caller's thread, which is the
    /// caller's to pin.
    pub cpus: Vec<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            num_threads: 1,
            use_int8: true,
            winograd: WinogradPref::Auto,
            keep_weights: false,
            low_memory: false,
            cpus: Vec::new(),
        }
    }
}
