//! `Mat`: Octet's tensor, ncnn's layout — `c` channels of `h × w` elements,
//! channel `q` starting at `q * cstep`, with `cstep` rounded up so every
//! channel starts on a 16-byte boundary. Buffers are reference counted, so
//! `Split` and the extractor's blob table share them without copying; a layer
//! that owns the last reference may work in place.

use std::sync::{Arc, OnceLock};

use octet_kernels::{Planes, PlanesMut};

use crate::memory;

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

/// The data, and the int8 copy [`Mat::quantize`] last made of it for the
/// readers that share the buffer (cleared whenever the data is written).
#[derive(Debug)]
struct Buffer(Storage, OnceLock<Quantized>);

/// An int8 copy of a buffer's data, with the shape and scale it was made for.
#[derive(Debug)]
struct Quantized {
    /// (scale bits, dims, w, h, c, cstep) of the fp32 view.
    key: (u32, usize, usize, usize, usize, usize),
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
    fn new(s: Storage) -> Buffer {
        let b = Buffer(s, OnceLock::new());
        memory::add(b.bytes());
        b
    }
}

impl Clone for Buffer {
    fn clone(&self) -> Self {
        Buffer::new(match &self.0 {
            Storage::F32(v) => Storage::F32(v.clone()),
            Storage::I8(v) => Storage::I8(v.clone()),
        })
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        memory::sub(self.bytes());
        if let Storage::F32(v) = &mut self.0 {
            pool::give_f32(std::mem::take(v));
        }
    }
}

/// Recycles large fp32 buffers between layers and runs (as ncnn's pool
/// allocators do). A fresh allocation of a few MB comes from the OS as
/// untouched pages, and every first touch is a page fault; layer outputs of
/// the same sizes come back every inference. The pool never holds more than
/// keeps live + pooled bytes within the high-water mark already reached, so
/// it does not raise peak memory.
mod pool {
    use std::sync::Mutex;

    use crate::memory;

    /// Buffers smaller than this go straight to the allocator.
    const MIN_LEN: usize = 16 * 1024;

    static FREE: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());

    /// A zero-filled buffer of `len`, reusing a pooled one of a close size.
    pub(super) fn take_f32(len: usize) -> Vec<f32> {
        if len >= MIN_LEN {
            if let Ok(mut free) = FREE.lock() {
                // Best fit among buffers at most 25% larger.
                let best = free
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.capacity() >= len && v.capacity() <= len + len / 4)
                    .min_by_key(|(_, v)| v.capacity())
                    .map(|(i, _)| i);
                if let Some(i) = best {
                    let mut v = free.swap_remove(i);
                    drop(free);
                    v.clear();
                    v.resize(len, 0.0);
                    return v;
                }
                // A fresh buffer is coming: drop pooled ones that would push
                // live + pooled past the high-water mark.
                let mut held: usize = free.iter().map(|b| b.capacity() * 4).sum();
                while !free.is_empty()
                    && memory::current_bytes() + held + len * 4 > memory::peak_bytes()
                {
                    if let Some(b) = free.pop() {
                        held -= b.capacity() * 4;
                    }
                }
            }
        }
        vec![0.0; len]
    }

    pub(super) fn give_f32(v: Vec<f32>) {
        if v.capacity() < MIN_LEN {
            return;
        }
        if let Ok(mut free) = FREE.lock() {
            let held: usize = free.iter().map(|b| b.capacity() * 4).sum();
            if memory::current_bytes() + held + v.capacity() * 4 <= memory::peak_bytes() {
                free.push(v);
            }
        }
    }
}

/// A 1-, 2- or 3-dimensional tensor (ncnn `Mat`).
#[derive(Clone, Debug)]
pub struct Mat {
    w: usize,
    h: usize,
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

fn aligned_cstep(w: usize, h: usize, elemsize: usize) -> usize {
    (w * h * elemsize).div_ceil(16) * 16 / elemsize
}

impl Mat {
    /// An empty Mat (ncnn's `Mat()`; e.g. DetectionOutput with no detections).
    pub fn empty() -> Mat {
        Mat {
            w: 0,
            h: 0,
            c: 0,
            dims: 0,
            cstep: 0,
            int8_scale: 0.0,
            buf: None,
        }
    }

    fn alloc(dims: usize, w: usize, h: usize, c: usize, elem: ElemType) -> Mat {
        let elemsize = if elem == ElemType::F32 { 4 } else { 1 };
        let cstep = if dims == 3 {
            aligned_cstep(w, h, elemsize)
        } else {
            w * h
        };
        let len = cstep * c;
        let storage = match elem {
            ElemType::F32 => Storage::F32(pool::take_f32(len)),
            ElemType::I8 => Storage::I8(vec![0; len]),
        };
        Mat {
            w,
            h,
            c,
            dims,
            cstep,
            int8_scale: 0.0,
            buf: Some(Arc::new(Buffer::new(storage))),
        }
    }

    /// Zero-filled 1-D fp32 Mat of `w` elements.
    pub fn new_1d(w: usize) -> Mat {
        Mat::alloc(1, w, 1, 1, ElemType::F32)
    }

    /// Zero-filled 2-D fp32 Mat (`h` rows of `w`).
    pub fn new_2d(w: usize, h: usize) -> Mat {
        Mat::alloc(2, w, h, 1, ElemType::F32)
    }

    /// Zero-filled 3-D fp32 Mat (`c` channels of `h × w`).
    pub fn new_3d(w: usize, h: usize, c: usize) -> Mat {
        Mat::alloc(3, w, h, c, ElemType::F32)
    }

    /// Zero-filled 3-D int8 Mat whose values mean `q / scale`.
    pub fn new_3d_i8(w: usize, h: usize, c: usize, scale: f32) -> Mat {
        let mut m = Mat::alloc(3, w, h, c, ElemType::I8);
        m.int8_scale = scale;
        m
    }

    /// A zero-filled fp32 Mat with the same dims and shape as `self`.
    pub fn new_like(&self) -> Mat {
        Mat::with_shape(self.dims, self.w, self.h, self.c)
    }

    /// Zero-filled fp32 Mat from a dims count and shape.
    pub fn with_shape(dims: usize, w: usize, h: usize, c: usize) -> Mat {
        match dims {
            0 => Mat::empty(),
            1 => Mat::new_1d(w),
            2 => Mat::new_2d(w, h),
            _ => Mat::new_3d(w, h, c),
        }
    }

    /// Builds an fp32 Mat from tightly packed data in (c, h, w) order;
    /// `shape` is `[w]`, `[h, w]` or `[c, h, w]` (numpy order).
    pub fn from_slice(shape: &[usize], data: &[f32]) -> Result<Mat, String> {
        let (dims, w, h, c) = match *shape {
            [w] => (1, w, 1, 1),
            [h, w] => (2, w, h, 1),
            [c, h, w] => (3, w, h, c),
            _ => {
                return Err(format!(
                    "shape {shape:?} has {} dimensions; Octet supports 1 to 3",
                    shape.len()
                ))
            }
        };
        if w * h * c != data.len() {
            return Err(format!(
                "shape {shape:?} needs {} values, got {}",
                w * h * c,
                data.len()
            ));
        }
        if w * h * c == 0 {
            return Err(format!("shape {shape:?} is empty"));
        }
        let mut m = Mat::with_shape(dims, w, h, c);
        for q in 0..c {
            m.channel_mut(q)
                .copy_from_slice(&data[q * w * h..(q + 1) * w * h]);
        }
        Ok(m)
    }

    pub fn w(&self) -> usize {
        self.w
    }
    pub fn h(&self) -> usize {
        self.h
    }
    pub fn c(&self) -> usize {
        self.c
    }
    /// 0 for an empty Mat, else 1..=3.
    pub fn dims(&self) -> usize {
        self.dims
    }
    /// Elements between the starts of two channels.
    pub fn cstep(&self) -> usize {
        self.cstep
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_none() || self.w * self.h * self.c == 0
    }
    /// Number of elements, `w × h × c`.
    pub fn total(&self) -> usize {
        self.w * self.h * self.c
    }

    /// Shape in numpy order: `[w]`, `[h, w]` or `[c, h, w]`.
    pub fn shape(&self) -> Vec<usize> {
        match self.dims {
            0 => vec![0],
            1 => vec![self.w],
            2 => vec![self.h, self.w],
            _ => vec![self.c, self.h, self.w],
        }
    }

    pub fn elem_type(&self) -> ElemType {
        match self.buf.as_deref() {
            Some(Buffer(Storage::I8(_), _)) => ElemType::I8,
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
            Some(Buffer(Storage::F32(v), _)) => v,
            Some(Buffer(Storage::I8(_), _)) => panic!("fp32 access to an int8 Mat"),
            None => &[],
        }
    }

    /// Mutable fp32 buffer; copies first if the buffer is shared.
    pub fn data_mut(&mut self) -> &mut [f32] {
        match self.buf.as_mut().map(Arc::make_mut).map(Buffer::written) {
            Some(Buffer(Storage::F32(v), _)) => v,
            Some(Buffer(Storage::I8(_), _)) => panic!("fp32 access to an int8 Mat"),
            None => &mut [],
        }
    }

    /// The whole int8 buffer. Panics on an fp32 Mat.
    pub fn data_i8(&self) -> &[i8] {
        match self.buf.as_deref() {
            Some(Buffer(Storage::I8(v), _)) => v,
            Some(Buffer(Storage::F32(_), _)) => panic!("int8 access to an fp32 Mat"),
            None => &[],
        }
    }

    pub fn data_i8_mut(&mut self) -> &mut [i8] {
        match self.buf.as_mut().map(Arc::make_mut).map(Buffer::written) {
            Some(Buffer(Storage::I8(v), _)) => v,
            Some(Buffer(Storage::F32(_), _)) => panic!("int8 access to an fp32 Mat"),
            None => &mut [],
        }
    }

    /// Channel `q` (`w × h` elements).
    pub fn channel(&self, q: usize) -> &[f32] {
        let n = self.w * self.h;
        &self.data()[q * self.cstep..q * self.cstep + n]
    }

    pub fn channel_mut(&mut self, q: usize) -> &mut [f32] {
        let (n, s) = (self.w * self.h, self.cstep);
        &mut self.data_mut()[q * s..q * s + n]
    }

    pub fn channel_i8(&self, q: usize) -> &[i8] {
        let n = self.w * self.h;
        &self.data_i8()[q * self.cstep..q * self.cstep + n]
    }

    /// Row `y` of a 2-D Mat (or of channel 0).
    pub fn row(&self, y: usize) -> &[f32] {
        &self.data()[y * self.w..(y + 1) * self.w]
    }

    /// Tightly packed copy of the values in (c, h, w) order (int8 is dequantized).
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

    /// View for the kernels.
    pub fn planes(&self) -> Planes<'_, f32> {
        Planes::new(self.data(), self.w, self.h, self.c, self.cstep)
    }

    pub fn planes_mut(&mut self) -> PlanesMut<'_, f32> {
        let (w, h, c, s) = (self.w, self.h, self.c, self.cstep);
        PlanesMut::new(self.data_mut(), w, h, c, s)
    }

    pub fn planes_i8(&self) -> Planes<'_, i8> {
        Planes::new(self.data_i8(), self.w, self.h, self.c, self.cstep)
    }

    pub fn planes_i8_mut(&mut self) -> PlanesMut<'_, i8> {
        let (w, h, c, s) = (self.w, self.h, self.c, self.cstep);
        PlanesMut::new(self.data_i8_mut(), w, h, c, s)
    }

    /// fp32 copy of an int8 Mat (`q / scale`); an fp32 Mat is returned as is.
    pub fn dequantize(&self) -> Mat {
        if !self.is_int8() {
            return self.clone();
        }
        let mut out = Mat::with_shape(self.dims, self.w, self.h, self.c);
        for q in 0..self.c {
            let n = self.w * self.h;
            let src = &self.data_i8()[q * self.cstep..q * self.cstep + n];
            octet_kernels::int8::quantize::dequantize(src, self.int8_scale, out.channel_mut(q));
        }
        out
    }

    /// int8 copy (`float2int8(x * scale)`) of a 3-D fp32 Mat. When other
    /// Mats share the buffer (a Split's outputs), the copy is kept with it,
    /// so that int8 readers of the same blob at the same scale (a ResNet
    /// downsample block's two convolutions) quantize it once.
    pub fn quantize(&self, scale: f32) -> Mat {
        let key = (
            scale.to_bits(),
            self.dims,
            self.w,
            self.h,
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
        let mut out = Mat::new_3d_i8(self.w, self.h, self.c, scale);
        out.dims = self.dims;
        let n = self.w * self.h;
        let ocstep = out.cstep;
        for q in 0..self.c {
            let src = self.channel(q);
            let dst = &mut out.data_i8_mut()[q * ocstep..q * ocstep + n];
            octet_kernels::int8::quantize::quantize(src, scale, dst);
        }
        out
    }

    /// Same data viewed with another shape of the same total (tightly packed
    /// layouts only: 1-D/2-D Mats, or 3-D ones whose cstep equals `w × h`).
    /// Otherwise the data is repacked.
    pub fn reshape(&self, dims: usize, w: usize, h: usize, c: usize) -> Result<Mat, String> {
        if w * h * c != self.total() {
            return Err(format!(
                "cannot reshape {} values ({:?}) to w={w} h={h} c={c}",
                self.total(),
                self.shape()
            ));
        }
        let target_cstep = if dims == 3 {
            aligned_cstep(w, h, 4)
        } else {
            w * h
        };
        let tight = self.c == 1 || self.cstep == self.w * self.h;
        if !self.is_int8() && tight && (c == 1 || target_cstep == w * h) {
            let mut m = self.clone();
            m.dims = dims;
            m.w = w;
            m.h = h;
            m.c = c;
            m.cstep = w * h;
            return Ok(m);
        }
        let flat = self.to_vec();
        let mut out = Mat::with_shape(dims, w, h, c);
        for q in 0..c {
            out.channel_mut(q)
                .copy_from_slice(&flat[q * w * h..(q + 1) * w * h]);
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
        let flat = a.reshape(3, 15, 1, 4).unwrap();
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
