//! Borrowed views of planar tensors (ncnn `Mat` layout).

/// `c` planes of `h × w` elements; plane `q` starts at `q * cstep`.
#[derive(Clone, Copy, Debug)]
pub struct Planes<'a, T> {
    pub data: &'a [T],
    pub w: usize,
    pub h: usize,
    pub c: usize,
    pub cstep: usize,
}

/// Mutable counterpart of [`Planes`].
#[derive(Debug)]
pub struct PlanesMut<'a, T> {
    pub data: &'a mut [T],
    pub w: usize,
    pub h: usize,
    pub c: usize,
    pub cstep: usize,
}

impl<'a, T> Planes<'a, T> {
    pub fn new(data: &'a [T], w: usize, h: usize, c: usize, cstep: usize) -> Self {
        assert!(cstep >= w * h, "cstep {cstep} smaller than plane {w}x{h}");
        assert!(
            c == 0 || data.len() >= (c - 1) * cstep + w * h,
            "buffer of {} elements too small for {c} planes of {w}x{h} (cstep {cstep})",
            data.len()
        );
        Planes {
            data,
            w,
            h,
            c,
            cstep,
        }
    }

    /// Plane `q` (exactly `w * h` elements).
    #[inline]
    pub fn plane(&self, q: usize) -> &'a [T] {
        &self.data[q * self.cstep..q * self.cstep + self.w * self.h]
    }

    /// A sub-range of planes.
    pub fn planes(&self, start: usize, count: usize) -> Planes<'a, T> {
        assert!(start + count <= self.c);
        let begin = start * self.cstep;
        let end = if count == 0 {
            begin
        } else {
            begin + (count - 1) * self.cstep + self.w * self.h
        };
        Planes {
            data: &self.data[begin..end],
            w: self.w,
            h: self.h,
            c: count,
            cstep: self.cstep,
        }
    }
}

impl<'a, T> PlanesMut<'a, T> {
    pub fn new(data: &'a mut [T], w: usize, h: usize, c: usize, cstep: usize) -> Self {
        assert!(cstep >= w * h, "cstep {cstep} smaller than plane {w}x{h}");
        assert!(
            c == 0 || data.len() >= (c - 1) * cstep + w * h,
            "buffer of {} elements too small for {c} planes of {w}x{h} (cstep {cstep})",
            data.len()
        );
        PlanesMut {
            data,
            w,
            h,
            c,
            cstep,
        }
    }

    #[inline]
    pub fn plane_mut(&mut self, q: usize) -> &mut [T] {
        let (s, n) = (q * self.cstep, self.w * self.h);
        &mut self.data[s..s + n]
    }

    pub fn as_planes(&self) -> Planes<'_, T> {
        Planes {
            data: self.data,
            w: self.w,
            h: self.h,
            c: self.c,
            cstep: self.cstep,
        }
    }

    /// Planes as disjoint mutable slices of `w * h` elements, for parallel loops.
    pub fn planes_mut(&mut self) -> Vec<&mut [T]> {
        let n = self.w * self.h;
        let cstep = self.cstep;
        let c = self.c;
        self.data
            .chunks_mut(cstep.max(1))
            .take(c)
            .map(|p| &mut p[..n])
            .collect()
    }
}
