//! `Mat`: Octet's tensor, ncnn's layout — `c` channels of `d × h × w`
//! elements (`d` = 1 below 4 dimensions), channel `q` starting at
//! `q * cstep`, with `cstep` rounded up so every channel of a 3-D or 4-D Mat
//! starts on a 16-byte boundary. Buffers are reference counted, so
//! `Split` and the extractor's blob table share them without copying; a layer
//! that owns the last reference may work in place.

use std::sync::{Arc, OnceLock};

use octet_kernels::{Planes, PlanesMut};

use crate::memory::{self, Allocator};

/// Element type of a [`Mat`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElemType {
    F32,
    /// Quantized: real value = `q / int8_scale`.
    I8,
}

#[derive(Debug)]
enum Storage {
    F32(Vec<f32>),
    I8(Vec<i8>),
}

/// The data; the int8 copy [`Mat::quantize`] last made of it for the
/// readers that share the buffer (cleared whenever the data is written);
/// and the net allocator that counts it and takes it back.
#[derive(Debug)]
struct Buffer(Storage, OnceLock<Quantized>, Option<Arc<Allocator>>);

/// An int8 copy of a buffer's data, with the shape and scale it was made for.
#[derive(Debug)]
struct Quantized {
    /// (scale bits, dims, w, h, d, c, cstep) of the fp32 view.
    key: (u32, usize, usize, usize, usize, usize, usize),
    mat: Mat,
}

impl Buffer {
    fn bytes(&self) -> usize {
        match &self.0 {
            Storage::F32(v) => v.len() * 4,
            Storage::I8(v) => v.len(),
        }
    }
    /// The buffer about to be written: its int8 copy no longer holds.
    fn written(&mut self) -> &mut Buffer {
        self.1.take();
        self
    }
    /// A zero-filled buffer of `len` elements from the allocator of the net
    /// running on this thread (a plain allocation outside any run).
    fn zeroed(elem: ElemType, len: usize) -> Buffer {
        let alloc = memory::current();
        let storage = match (elem, &alloc) {
            (ElemType::F32, Some(a)) => Storage::F32(a.take_f32(len)),
            (ElemType::F32, None) => Storage::F32(vec![0.0; len]),
            (ElemType::I8, _) => Storage::I8(vec![0; len]),
        };
        Buffer::with(storage, alloc)
    }
    fn with(s: Storage, alloc: Option<Arc<Allocator>>) -> Buffer {
        let b = Buffer(s, OnceLock::new(), alloc);
        if let Some(a) = &b.2 {
            a.add(b.bytes());
        }
        b
    }
}

impl Clone for Buffer {
    /// A copy (a write to a shared buffer): counted by the running net's
    /// allocator, else by this buffer's.
    fn clone(&self) -> Self {
        let storage = match &self.0 {
            Storage::F32(v) => Storage::F32(v.clone()),
            Storage::I8(v) => Storage::I8(v.clone()),
        };
        Buffer::with(storage, memory::current().or_else(|| self.2.clone()))
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if let Some(a) = &self.2 {
            a.sub(self.bytes());
            if let Storage::F32(v) = &mut self.0 {
                a.give_f32(std::mem::take(v));
            }
        }
    }
}

/// A 1- to 4-dimensional tensor (ncnn `Mat`): `w` innermost, then `h`,
/// `d` (depth, 4-D only) and `c`.
#[derive(Clone, Debug)]
pub struct Mat {
    w: usize,
    h: usize,
    d: usize,
    c: usize,
    dims: usize,
    cstep: usize,
    int8_scale: f32,
    buf: Option<Arc<Buffer>>,
}

impl Default for Mat {
    fn default() -> Self {
        Mat::empty()
    }
}

/// Elements from one channel's start to the next: `w·h·d` rounded up to
/// 16 bytes for 3-D and 4-D Mats (ncnn's `alignSize(w·h·d·elemsize, 16)`).
fn cstep_for(dims: usize, plane: usize, elemsize: usize) -> usize {
    if dims >= 3 {
        (plane * elemsize).div_ceil(16) * 16 / elemsize
    } else {
        plane
    }
}

impl Mat {
    /// An empty Mat (ncnn's `Mat()`; e.g. DetectionOutput with no detections).
    pub fn empty() -> Mat {
        Mat {
            w: 0,
            h: 0,
            d: 0,
            c: 0,
            dims: 0,
            cstep: 0,
            int8_scale: 0.0,
            buf: None,
        }
    }

    fn alloc(dims: usize, w: usize, h: usize, d: usize, c: usize, elem: ElemType) -> Mat {
        let elemsize = if elem == ElemType::F32 { 4 } else { 1 };
        let cstep = cstep_for(dims, w * h * d, elemsize);
        let len = cstep * c;
        Mat {
            w,
            h,
            d,
            c,
            dims,
            cstep,
            int8_scale: 0.0,
            buf: Some(Arc::new(Buffer::zeroed(elem, len))),
        }
    }

    /// Zero-filled 1-D fp32 Mat of `w` elements.
    pub fn new_1d(w: usize) -> Mat {
        Mat::alloc(1, w, 1, 1, 1, ElemType::F32)
    }

    /// Zero-filled 2-D fp32 Mat (`h` rows of `w`).
    pub fn new_2d(w: usize, h: usize) -> Mat {
        Mat::alloc(2, w, h, 1, 1, ElemType::F32)
    }

    /// Zero-filled 3-D fp32 Mat (`c` channels of `h × w`).
    pub fn new_3d(w: usize, h: usize, c: usize) -> Mat {
        Mat::alloc(3, w, h, 1, c, ElemType::F32)
    }

    /// Zero-filled 4-D fp32 Mat (`c` channels of `d × h × w`).
    pub fn new_4d(w: usize, h: usize, d: usize, c: usize) -> Mat {
        Mat::alloc(4, w, h, d, c, ElemType::F32)
    }

    /// Zero-filled 3-D int8 Mat whose values mean `q / scale`.
    pub fn new_3d_i8(w: usize, h: usize, c: usize, scale: f32) -> Mat {
        let mut m = Mat::alloc(3, w, h, 1, c, ElemType::I8);
        m.int8_scale = scale;
        m
    }

    /// A zero-filled int8 Mat with the dims and shape of `self`, whose
    /// values mean `q / scale`.
    pub fn new_like_i8(&self, scale: f32) -> Mat {
        Mat::with_shape_i8(self.dims, self.w, self.h, self.d, self.c, scale)
    }

    /// Zero-filled int8 Mat from a dims count and shape, whose values mean
    /// `q / scale`.
    pub fn with_shape_i8(dims: usize, w: usize, h: usize, d: usize, c: usize, scale: f32) -> Mat {
        let (h, d, c) = match dims {
            0 => return Mat::empty(),
            1 => (1, 1, 1),
            2 => (h, 1, 1),
            3 => (h, 1, c),
            _ => (h, d, c),
        };
        let mut m = Mat::alloc(dims.min(4), w, h, d, c, ElemType::I8);
        m.int8_scale = scale;
        m
    }

    /// A zero-filled fp32 Mat with the same dims and shape as `self`.
    pub fn new_like(&self) -> Mat {
        Mat::with_shape(self.dims, self.w, self.h, self.d, self.c)
    }

    /// Zero-filled fp32 Mat from a dims count and shape (sizes beyond
    /// `dims` are ignored).
    pub fn with_shape(dims: usize, w: usize, h: usize, d: usize, c: usize) -> Mat {
        match dims {
            0 => Mat::empty(),
            1 => Mat::new_1d(w),
            2 => Mat::new_2d(w, h),
            3 => Mat::new_3d(w, h, c),
            _ => Mat::new_4d(w, h, d, c),
        }
    }

    /// `(dims, w, h, d, c)` of a numpy-order shape: `[w]`, `[h, w]`,
    /// `[c, h, w]` or `[c, d, h, w]`.
    pub fn dims_of(shape: &[usize]) -> Result<(usize, usize, usize, usize, usize), String> {
        Ok(match *shape {
            [w] => (1, w, 1, 1, 1),
            [h, w] => (2, w, h, 1, 1),
            [c, h, w] => (3, w, h, 1, c),
            [c, d, h, w] => (4, w, h, d, c),
            _ => {
                return Err(format!(
                    "shape {shape:?} has {} dimensions; ncnn blobs have 1 to 4",
                    shape.len()
                ))
            }
        })
    }

    /// Builds an fp32 Mat from tightly packed data in (c, d, h, w) order;
    /// `shape` is `[w]`, `[h, w]`, `[c, h, w]` or `[c, d, h, w]` (numpy order).
    pub fn from_slice(shape: &[usize], data: &[f32]) -> Result<Mat, String> {
        let (dims, w, h, d, c) = Mat::dims_of(shape)?;
        let total = shape
            .iter()
            .try_fold(1usize, |a, &s| a.checked_mul(s))
            .ok_or_else(|| format!("shape {shape:?} overflows"))?;
        if total != data.len() {
            return Err(format!(
                "shape {shape:?} needs {total} values, got {}",
                data.len()
            ));
        }
        if total == 0 {
            return Err(format!("shape {shape:?} is empty"));
        }
        let mut m = Mat::with_shape(dims, w, h, d, c);
        let n = w * h * d;
        for q in 0..c {
            m.channel_mut(q).copy_from_slice(&data[q * n..(q + 1) * n]);
        }
        Ok(m)
    }

    pub fn w(&self) -> usize {
        self.w
    }
    pub fn h(&self) -> usize {
        self.h
    }
    /// Depth: 1 unless the Mat is 4-D.
    pub fn d(&self) -> usize {
        self.d
    }
    pub fn c(&self) -> usize {
        self.c
    }
    /// 0 for an empty Mat, else 1..=4.
    pub fn dims(&self) -> usize {
        self.dims
    }
    /// Elements between the starts of two channels.
    pub fn cstep(&self) -> usize {
        self.cstep
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_none() || self.total() == 0
    }
    /// Number of elements, `w × h × d × c`.
    pub fn total(&self) -> usize {
        self.plane_len() * self.c
    }
    /// Elements of one channel, `w × h × d`.
    pub fn plane_len(&self) -> usize {
        self.w * self.h * self.d
    }

    /// Shape in numpy order: `[w]`, `[h, w]`, `[c, h, w]` or `[c, d, h, w]`.
    pub fn shape(&self) -> Vec<usize> {
        match self.dims {
            0 => vec![0],
            1 => vec![self.w],
            2 => vec![self.h, self.w],
            3 => vec![self.c, self.h, self.w],
            _ => vec![self.c, self.d, self.h, self.w],
        }
    }

    pub fn elem_type(&self) -> ElemType {
        match self.buf.as_deref() {
            Some(Buffer(Storage::I8(_), ..)) => ElemType::I8,
            _ => ElemType::F32,
        }
    }

    pub fn is_int8(&self) -> bool {
        self.elem_type() == ElemType::I8
    }

    /// Quantization scale of an int8 Mat.
    pub fn int8_scale(&self) -> f32 {
        self.int8_scale
    }

    /// Bytes held by the buffer.
    pub fn bytes(&self) -> usize {
        self.buf.as_ref().map_or(0, |b| b.bytes())
    }

    /// The whole fp32 buffer, channel padding included. Panics on an int8 Mat.
    pub fn data(&self) -> &[f32] {
        match self.buf.as_deref() {
            Some(Buffer(Storage::F32(v), ..)) => v,
            Some(Buffer(Storage::I8(_), ..)) => panic!("fp32 access to an int8 Mat"),
            None => &[],
        }
    }

    /// Mutable fp32 buffer; copies first if the buffer is shared.
    pub fn data_mut(&mut self) -> &mut [f32] {
        match self.buf.as_mut().map(Arc::make_mut).map(Buffer::written) {
            Some(Buffer(Storage::F32(v), ..)) => v,
            Some(Buffer(Storage::I8(_), ..)) => panic!("fp32 access to an int8 Mat"),
            None => &mut [],
        }
    }

    /// The whole int8 buffer. Panics on an fp32 Mat.
    pub fn data_i8(&self) -> &[i8] {
        match self.buf.as_deref() {
            Some(Buffer(Storage::I8(v), ..)) => v,
            Some(Buffer(Storage::F32(_), ..)) => panic!("int8 access to an fp32 Mat"),
            None => &[],
        }
    }

    pub fn data_i8_mut(&mut self) -> &mut [i8] {
        match self.buf.as_mut().map(Arc::make_mut).map(Buffer::written) {
            Some(Buffer(Storage::I8(v), ..)) => v,
            Some(Buffer(Storage::F32(_), ..)) => panic!("int8 access to an fp32 Mat"),
            None => &mut [],
        }
    }

    /// Channel `q` (`w × h × d` elements).
    pub fn channel(&self, q: usize) -> &[f32] {
        let n = self.plane_len();
        &self.data()[q * self.cstep..q * self.cstep + n]
    }

    pub fn channel_mut(&mut self, q: usize) -> &mut [f32] {
        let (n, s) = (self.plane_len(), self.cstep);
        &mut self.data_mut()[q * s..q * s + n]
    }

    pub fn channel_i8(&self, q: usize) -> &[i8] {
        let n = self.plane_len();
        &self.data_i8()[q * self.cstep..q * self.cstep + n]
    }

    pub fn channel_i8_mut(&mut self, q: usize) -> &mut [i8] {
        let (n, s) = (self.plane_len(), self.cstep);
        &mut self.data_i8_mut()[q * s..q * s + n]
    }

    /// Row `y` of a 2-D Mat (or of channel 0).
    pub fn row(&self, y: usize) -> &[f32] {
        &self.data()[y * self.w..(y + 1) * self.w]
    }

    /// Tightly packed copy of the values in (c, d, h, w) order (int8 is dequantized).
    pub fn to_vec(&self) -> Vec<f32> {
        if self.is_empty() {
            return Vec::new();
        }
        let m = if self.is_int8() {
            self.dequantize()
        } else {
            self.clone()
        };
        let mut out = Vec::with_capacity(self.total());
        for q in 0..self.c {
            out.extend_from_slice(m.channel(q));
        }
        out
    }

    /// View for the kernels: `c` planes of `h × w` (a 4-D Mat's depth
    /// slices are rows of its planes; the layers that use planes take 3-D
    /// inputs only, see `Layer::max_input_dims`).
    pub fn planes(&self) -> Planes<'_, f32> {
        Planes::new(self.data(), self.w, self.h * self.d, self.c, self.cstep)
    }

    pub fn planes_mut(&mut self) -> PlanesMut<'_, f32> {
        let (w, h, c, s) = (self.w, self.h * self.d, self.c, self.cstep);
        PlanesMut::new(self.data_mut(), w, h, c, s)
    }

    pub fn planes_i8(&self) -> Planes<'_, i8> {
        Planes::new(self.data_i8(), self.w, self.h * self.d, self.c, self.cstep)
    }

    pub fn planes_i8_mut(&mut self) -> PlanesMut<'_, i8> {
        let (w, h, c, s) = (self.w, self.h * self.d, self.c, self.cstep);
        PlanesMut::new(self.data_i8_mut(), w, h, c, s)
    }

    /// fp32 copy of an int8 Mat (`q / scale`); an fp32 Mat is returned as is.
    pub fn dequantize(&self) -> Mat {
        if !self.is_int8() {
            return self.clone();
        }
        let mut out = self.new_like();
        for q in 0..self.c {
            octet_kernels::int8::quantize::dequantize(
                self.channel_i8(q),
                self.int8_scale,
                out.channel_mut(q),
            );
        }
        out
    }

    /// int8 copy (`float2int8(x * scale)`) of an fp32 Mat. When other
    /// Mats share the buffer (a Split's outputs), the copy is kept with it,
    /// so that int8 readers of the same blob at the same scale (a ResNet
    /// downsample block's two convolutions) quantize it once.
    pub fn quantize(&self, scale: f32) -> Mat {
        let key = (
            scale.to_bits(),
            self.dims,
            self.w,
            self.h,
            self.d,
            self.c,
            self.cstep,
        );
        if let Some(q) = self.buf.as_ref().and_then(|b| b.1.get()) {
            if q.key == key {
                return q.mat.clone();
            }
        }
        let out = self.quantize_uncached(scale);
        if let Some(b) = &self.buf {
            if Arc::strong_count(b) > 1 {
                // Only the first copy is kept (OnceLock): readers at another
                // scale quantize their own.
                let _ = b.1.set(Quantized {
                    key,
                    mat: out.clone(),
                });
            }
        }
        out
    }

    fn quantize_uncached(&self, scale: f32) -> Mat {
        let mut out = self.new_like_i8(scale);
        for q in 0..self.c {
            octet_kernels::int8::quantize::quantize(self.channel(q), scale, out.channel_i8_mut(q));
        }
        out
    }

    /// The same values with another shape of the same total, in (c, d, h, w)
    /// order (ncnn's `Mat::reshape`). Tightly packed layouts (1-D/2-D Mats,
    /// or channels with no padding between them) become a view of the same
    /// buffer when the target's channels need no padding either; otherwise
    /// the data is repacked. int8 stays int8 at its scale.
    pub fn reshape(
        &self,
        dims: usize,
        w: usize,
        h: usize,
        d: usize,
        c: usize,
    ) -> Result<Mat, String> {
        let (h, d, c) = match dims {
            1 => (1, 1, 1),
            2 => (h, 1, 1),
            3 => (h, 1, c),
            4 => (h, d, c),
            _ => return Err(format!("cannot reshape to {dims} dimensions")),
        };
        let total = [w, h, d, c]
            .iter()
            .try_fold(1usize, |a, &s| a.checked_mul(s));
        if total != Some(self.total()) {
            return Err(format!(
                "cannot reshape {} values ({:?}) to w={w} h={h} d={d} c={c}",
                self.total(),
                self.shape()
            ));
        }
        let elemsize = if self.is_int8() { 1 } else { 4 };
        let plane = w * h * d;
        let tight = self.c == 1 || self.cstep == self.plane_len();
        if tight && (c == 1 || cstep_for(dims, plane, elemsize) == plane) {
            let mut m = self.clone();
            (m.dims, m.w, m.h, m.d, m.c, m.cstep) = (dims, w, h, d, c, plane);
            return Ok(m);
        }
        let mut out = if self.is_int8() {
            Mat::with_shape_i8(dims, w, h, d, c, self.int8_scale)
        } else {
            Mat::with_shape(dims, w, h, d, c)
        };
        // Copy element runs across both channel layouts.
        let (src_n, dst_n) = (self.plane_len(), plane);
        let mut pos = 0;
        while pos < self.total() {
            let (sq, si) = (pos / src_n, pos % src_n);
            let (dq, di) = (pos / dst_n, pos % dst_n);
            let run = (src_n - si).min(dst_n - di);
            let (s0, d0) = (sq * self.cstep + si, dq * out.cstep + di);
            if self.is_int8() {
                out.data_i8_mut()[d0..d0 + run].copy_from_slice(&self.data_i8()[s0..s0 + run]);
            } else {
                out.data_mut()[d0..d0 + run].copy_from_slice(&self.data()[s0..s0 + run]);
            }
            pos += run;
        }
        Ok(out)
    }

    /// Fills every element (padding included) with `v`.
    pub fn fill(&mut self, v: f32) {
        self.data_mut().iter_mut().for_each(|x| *x = v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: usize, h: usize, c: usize, from: f32) -> Mat {
        let mut m = Mat::new_3d(w, h, c);
        for q in 0..c {
            for (i, v) in m.channel_mut(q).iter_mut().enumerate() {
                *v = from + (q * 31 + i) as f32 * 0.37;
            }
        }
        m
    }

    fn int8_values(m: &Mat) -> Vec<i8> {
        let n = m.w() * m.h();
        (0..m.c())
            .flat_map(|q| m.data_i8()[q * m.cstep()..q * m.cstep() + n].to_vec())
            .collect()
    }

    #[test]
    fn quantize_shares_the_copy_only_while_it_holds() {
        let a = ramp(5, 3, 4, -9.0);
        let b = a.clone();
        let qa = a.quantize(3.0);
        // The second reader of the shared buffer gets the kept copy …
        let qb = b.quantize(3.0);
        assert!(Arc::ptr_eq(
            qa.buf.as_ref().unwrap(),
            qb.buf.as_ref().unwrap()
        ));
        assert_eq!(int8_values(&qb), int8_values(&a.quantize_uncached(3.0)));
        // … but not at another scale, nor through a view of another shape.
        let q2 = b.quantize(5.0);
        assert!(!Arc::ptr_eq(
            qa.buf.as_ref().unwrap(),
            q2.buf.as_ref().unwrap()
        ));
        assert_eq!(int8_values(&q2), int8_values(&a.quantize_uncached(5.0)));
        let flat = a.reshape(3, 15, 1, 1, 4).unwrap();
        let qf = flat.quantize(3.0);
        assert_eq!((qf.w(), qf.h()), (15, 1));
        // Writing a shared Mat copies it; the other keeps its data and copy.
        let mut c = a.clone();
        c.data_mut()[0] = 100.0;
        assert_eq!(c.quantize(3.0).data_i8()[0], 127);
        assert!(Arc::ptr_eq(
            a.quantize(3.0).buf.as_ref().unwrap(),
            qa.buf.as_ref().unwrap()
        ));
        // Writing the last holder of the buffer drops the kept copy.
        drop((b, flat, c));
        let mut a = a;
        a.data_mut()[0] = -100.0;
        assert_eq!(a.quantize(3.0).data_i8()[0], -127);
        assert_eq!(
            int8_values(&a.quantize(3.0)),
            int8_values(&a.quantize_uncached(3.0))
        );
    }
}
