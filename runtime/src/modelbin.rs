//! ncnn `.bin` weights: the reader over a memory-mapped file or a byte
//! buffer, a deterministic synthetic source (ncnn benchncnn's "empty weights"
//! mode, but with plausible values), and the writer used by tests and
//! `octet quantize`.
//!
//! A layer asks for its buffers in a fixed order with ncnn's two load kinds:
//! *tagged* (`mb.load(n, 0)`: a 4-byte tag then fp32, fp16, int8 or
//! table-quantized data, padded to 4 bytes) and *raw* (`mb.load(n, 1)`: `n`
//! fp32 values, no tag).

use crate::error::LayerError;

/// Tag of fp16 data.
pub const TAG_FP16: u32 = 0x0130_6B47;
/// Tag of int8 data.
pub const TAG_INT8: u32 = 0x000D_4B38;
/// Tag of raw fp32 data "with extra scaling".
pub const TAG_RAW_F32: u32 = 0x0002_C056;

/// A loaded weight buffer.
#[derive(Clone, Debug, PartialEq)]
pub enum Weights {
    F32(Vec<f32>),
    I8(Vec<i8>),
}

impl Weights {
    pub fn len(&self) -> usize {
        match self {
            Weights::F32(v) => v.len(),
            Weights::I8(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a buffer is for; the synthetic source uses it to pick plausible values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Role {
    /// Convolution / inner-product weights with this many inputs per output.
    Weight {
        fan_in: usize,
    },
    /// Weights of an int8 layer, followed by `groups` weight scales. A
    /// synthetic source may hand them out already quantized, as a deployed
    /// int8 model stores them.
    QuantizedWeight {
        fan_in: usize,
        groups: usize,
    },
    Bias,
    /// Multiplicative terms (BatchNorm slope/variance, Scale).
    Gain,
    /// Additive terms (BatchNorm mean/bias).
    Shift,
    /// int8 weight scales, one per group of the previous weight buffer.
    WeightScales,
    /// An activation (blob) int8 scale.
    BlobScale,
    Other,
}

/// A source of weights, read in ncnn's order.
pub trait ModelSource {
    /// `mb.load(n, 0)`.
    fn load_tagged(&mut self, n: usize, role: Role) -> Result<Weights, LayerError>;
    /// `mb.load(n, 1)`.
    fn load_raw(&mut self, n: usize, role: Role) -> Result<Vec<f32>, LayerError>;
    /// Byte offset of the next read (for error messages).
    fn offset(&self) -> usize;
}

/// Reads a `.bin` held in memory (a slice of a memory map or of a buffer).
pub struct BinReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BinReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        BinReader { data, pos: 0 }
    }

    /// Bytes not consumed by any layer.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], LayerError> {
        if self.data.len() - self.pos < n {
            return Err(LayerError(format!(
                "truncated: needs {n} bytes of {what}, only {} left",
                self.data.len() - self.pos
            )));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn read_f32s(&mut self, n: usize, what: &str) -> Result<Vec<f32>, LayerError> {
        let bytes = self.take(n.checked_mul(4).ok_or("size overflow")?, what)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

impl ModelSource for BinReader<'_> {
    fn load_tagged(&mut self, n: usize, _role: Role) -> Result<Weights, LayerError> {
        let t = self.take(4, "type tag")?;
        let tag = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let flag = t.iter().map(|&b| b as u32).sum::<u32>();
        match tag {
            TAG_FP16 => {
                let bytes = self.take((n * 2).div_ceil(4) * 4, "fp16 data")?;
                Ok(Weights::F32(
                    bytes[..n * 2]
                        .chunks_exact(2)
                        .map(|b| half::f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32())
                        .collect(),
                ))
            }
            TAG_INT8 => {
                let bytes = self.take(n.div_ceil(4) * 4, "int8 data")?;
                Ok(Weights::I8(bytes[..n].iter().map(|&b| b as i8).collect()))
            }
            TAG_RAW_F32 => Ok(Weights::F32(self.read_f32s(n, "fp32 data")?)),
            _ if flag != 0 => {
                // Table-quantized: 256 fp32 values, then one u8 index per weight.
                let table = self.read_f32s(256, "quantization table")?;
                let idx = self.take(n.div_ceil(4) * 4, "quantized indices")?;
                Ok(Weights::F32(
                    idx[..n].iter().map(|&i| table[i as usize]).collect(),
                ))
            }
            _ => Ok(Weights::F32(self.read_f32s(n, "fp32 data")?)),
        }
    }

    fn load_raw(&mut self, n: usize, _role: Role) -> Result<Vec<f32>, LayerError> {
        self.read_f32s(n, "raw fp32 data")
    }

    fn offset(&self) -> usize {
        self.pos
    }
}

/// SplitMix64: a small, fixed, well-known generator, so synthetic weights are
/// the same on every platform and every run.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next_f32()
    }
}

/// One buffer as a layer asked for it, for writing a `.bin`.
/// Deterministic weights, like benchncnn's empty-weight mode but with
/// plausible values: He-uniform weights, small biases, unit-ish gains, weight
/// scales of 127/absmax per group. Every buffer is recorded so it can be
/// written out as a real `.bin` that ncnn loads.
#[derive(Clone, Debug)]
pub struct SyntheticSource {
    rng: SplitMix64,
    last_weights: Vec<f32>,
    /// Scale given to every `BlobScale` request once `blob_scales` is used up.
    pub blob_scale: f32,
    /// Scales handed out, in order, to `BlobScale` requests.
    pub blob_scales: std::collections::VecDeque<f32>,
    /// The `.bin` bytes of every buffer handed out, one chunk per buffer,
    /// when recording (joined once at the end with an exact size: no
    /// doubling reallocation of a large model's whole `.bin`).
    recorded: Option<Vec<Vec<u8>>>,
    /// Scales of weights handed out quantized, for the WeightScales request that follows.
    pending_scales: Option<Vec<f32>>,
    /// Hand out int8 layers' weights already quantized (an int8 run).
    pub int8_weights: bool,
    offset: usize,
}

impl SyntheticSource {
    /// A source that only hands out values.
    pub fn new(seed: u64) -> Self {
        SyntheticSource {
            rng: SplitMix64::new(seed),
            last_weights: Vec::new(),
            blob_scale: 16.0,
            blob_scales: Default::default(),
            recorded: None,
            pending_scales: None,
            int8_weights: false,
            offset: 0,
        }
    }

    /// A source that also keeps every buffer, for [`SyntheticSource::into_bin_bytes`].
    pub fn recording(seed: u64) -> Self {
        SyntheticSource {
            recorded: Some(Vec::new()),
            ..SyntheticSource::new(seed)
        }
    }

    fn values(&mut self, n: usize, role: Role) -> Vec<f32> {
        match role {
            Role::Weight { fan_in } | Role::QuantizedWeight { fan_in, .. } => {
                let a = (6.0 / fan_in.max(1) as f32).sqrt();
                (0..n).map(|_| self.rng.uniform(-a, a)).collect()
            }
            Role::Bias => (0..n).map(|_| self.rng.uniform(-0.1, 0.1)).collect(),
            Role::Gain => (0..n).map(|_| self.rng.uniform(0.5, 1.5)).collect(),
            Role::Shift => (0..n).map(|_| self.rng.uniform(-0.1, 0.1)).collect(),
            Role::WeightScales => self
                .pending_scales
                .take()
                .unwrap_or_else(|| weight_scales(&self.last_weights, n, 127.0)),
            Role::BlobScale => (0..n)
                .map(|_| self.blob_scales.pop_front().unwrap_or(self.blob_scale))
                .collect(),
            Role::Other => (0..n).map(|_| self.rng.uniform(-1.0, 1.0)).collect(),
        }
    }

    /// The recorded buffers as `.bin` bytes (tagged buffers as plain fp32,
    /// tag 0); empty for a source that does not record.
    pub fn into_bin_bytes(self) -> Vec<u8> {
        let chunks = self.recorded.unwrap_or_default();
        let mut out = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
        for c in chunks {
            out.extend_from_slice(&c);
        }
        out
    }
}

/// Synthetic buffers are capped (2³⁰ values, 4 GiB) so a typo in a `.param`
/// gives an error, not an out-of-memory abort.
fn check_synthetic_size(n: usize) -> Result<(), LayerError> {
    if n > 1 << 30 {
        return Err(LayerError(format!(
            "{n} weights requested: more than any model this runtime targets"
        )));
    }
    Ok(())
}

/// ncnn's `float2int8` for one value (round half away from zero, clamp to ±127).
fn quantize_one(v: f32) -> i8 {
    v.round().clamp(-127.0, 127.0) as i8
}

/// `limit / absmax` of each of `groups` equal parts of `w` (0 for an all-zero part).
pub fn weight_scales(w: &[f32], groups: usize, limit: f32) -> Vec<f32> {
    if groups == 0 || w.is_empty() {
        return vec![0.0; groups];
    }
    let per = w.len() / groups;
    (0..groups)
        .map(|g| {
            let m = w[g * per..(g + 1) * per]
                .iter()
                .fold(0f32, |m, v| m.max(v.abs()));
            if m == 0.0 {
                0.0
            } else {
                limit / m
            }
        })
        .collect()
}

impl ModelSource for SyntheticSource {
    fn load_tagged(&mut self, n: usize, role: Role) -> Result<Weights, LayerError> {
        check_synthetic_size(n)?;
        let v = self.values(n, role);
        if let (Role::QuantizedWeight { groups, .. }, true) =
            (role, self.int8_weights && self.recorded.is_none())
        {
            // Hand out int8 weights (127/absmax per group), as a deployed int8
            // model stores them, so loading never holds the fp32 copy.
            let scales = weight_scales(&v, groups, 127.0);
            let per = n / groups.max(1);
            let q = v
                .chunks(per.max(1))
                .zip(&scales)
                .flat_map(|(c, &s)| c.iter().map(move |&x| quantize_one(x * s)))
                .collect();
            self.pending_scales = Some(scales);
            self.offset += 4 + n.div_ceil(4) * 4;
            return Ok(Weights::I8(q));
        }
        if matches!(role, Role::Weight { .. } | Role::QuantizedWeight { .. }) {
            self.last_weights = v.clone();
        }
        self.offset += 4 + n * 4;
        if let Some(chunks) = self.recorded.as_mut() {
            let mut w = BinWriter::default();
            w.tagged_f32(&v);
            chunks.push(w.into_bytes());
        }
        Ok(Weights::F32(v))
    }

    fn load_raw(&mut self, n: usize, role: Role) -> Result<Vec<f32>, LayerError> {
        check_synthetic_size(n)?;
        let v = self.values(n, role);
        self.offset += n * 4;
        if let Some(chunks) = self.recorded.as_mut() {
            let mut w = BinWriter::default();
            w.raw(&v);
            chunks.push(w.into_bytes());
        }
        Ok(v)
    }

    fn offset(&self) -> usize {
        self.offset
    }
}

/// Writes buffers in ncnn's `.bin` layout.
#[derive(Clone, Debug, Default)]
pub struct BinWriter {
    bytes: Vec<u8>,
}

impl BinWriter {
    /// Tag 0 + fp32 values.
    pub fn tagged_f32(&mut self, v: &[f32]) {
        self.bytes.extend_from_slice(&0u32.to_le_bytes());
        self.raw(v);
    }
    /// int8 tag + bytes, padded to 4.
    pub fn tagged_i8(&mut self, v: &[i8]) {
        self.bytes.extend_from_slice(&TAG_INT8.to_le_bytes());
        self.bytes.extend(v.iter().map(|&b| b as u8));
        self.pad4();
    }
    /// fp16 tag + halves, padded to 4.
    pub fn tagged_f16(&mut self, v: &[f32]) {
        self.bytes.extend_from_slice(&TAG_FP16.to_le_bytes());
        for &x in v {
            self.bytes
                .extend_from_slice(&half::f16::from_f32(x).to_bits().to_le_bytes());
        }
        self.pad4();
    }
    /// Bytes copied as they are (a buffer from another `.bin`).
    pub fn raw_bytes(&mut self, b: &[u8]) {
        self.bytes.extend_from_slice(b);
    }
    /// Untagged fp32 values.
    pub fn raw(&mut self, v: &[f32]) {
        for &x in v {
            self.bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn pad4(&mut self) {
        while self.bytes.len() % 4 != 0 {
            self.bytes.push(0);
        }
    }
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_tag() {
        let mut w = BinWriter::default();
        w.tagged_f32(&[1.0, -2.0]);
        w.tagged_f16(&[0.5, 3.0, -1.25]);
        w.tagged_i8(&[1, -127, 5]);
        w.raw(&[7.0]);
        let bytes = w.into_bytes();
        let mut r = BinReader::new(&bytes);
        assert_eq!(
            r.load_tagged(2, Role::Other).unwrap(),
            Weights::F32(vec![1.0, -2.0])
        );
        assert_eq!(
            r.load_tagged(3, Role::Other).unwrap(),
            Weights::F32(vec![0.5, 3.0, -1.25])
        );
        assert_eq!(
            r.load_tagged(3, Role::Other).unwrap(),
            Weights::I8(vec![1, -127, 5])
        );
        assert_eq!(r.load_raw(1, Role::Other).unwrap(), vec![7.0]);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn reads_table_quantized_weights() {
        let mut bytes = vec![1u8, 0, 0, 0];
        for i in 0..256 {
            bytes.extend_from_slice(&(i as f32 * 0.5).to_le_bytes());
        }
        bytes.extend_from_slice(&[3, 0, 255, 0]);
        let mut r = BinReader::new(&bytes);
        assert_eq!(
            r.load_tagged(3, Role::Other).unwrap(),
            Weights::F32(vec![1.5, 0.0, 127.5])
        );
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn truncation_is_an_error() {
        let mut w = BinWriter::default();
        w.tagged_f32(&[1.0, 2.0]);
        let bytes = w.into_bytes();
        let mut r = BinReader::new(&bytes[..10]);
        let e = r.load_tagged(2, Role::Other).unwrap_err();
        assert!(e.0.contains("truncated"), "{e}");
        let mut r = BinReader::new(&bytes[..2]);
        assert!(r
            .load_tagged(2, Role::Other)
            .unwrap_err()
            .0
            .contains("type tag"));
    }

    #[test]
    fn synthetic_is_deterministic_and_records_a_loadable_bin() {
        let mut a = SyntheticSource::recording(7);
        let mut b = SyntheticSource::new(7);
        let wa = a.load_tagged(18, Role::Weight { fan_in: 9 }).unwrap();
        assert_eq!(wa, b.load_tagged(18, Role::Weight { fan_in: 9 }).unwrap());
        let scales = a.load_raw(2, Role::WeightScales).unwrap();
        let Weights::F32(w) = &wa else { panic!() };
        let m0 = w[..9].iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!((scales[0] - 127.0 / m0).abs() < 1e-4);
        let bytes = a.into_bin_bytes();
        let mut r = BinReader::new(&bytes);
        assert_eq!(r.load_tagged(18, Role::Other).unwrap(), wa);
        assert_eq!(r.load_raw(2, Role::Other).unwrap(), scales);
    }
}
