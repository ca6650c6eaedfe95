//! Box helpers the detection layers share, written to ncnn's definitions so
//! that ties and overlaps come out in ncnn's order: its quicksort (Hoare
//! partition on the middle element, not stable) and its box intersection.

/// An axis-aligned box.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Rect {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
}

impl Rect {
    /// ncnn's `intersection_area`: 0 when the boxes are apart, else the
    /// overlap's width × height.
    pub fn intersection(&self, b: &Rect) -> f32 {
        if self.x1 > b.x2 || self.x2 < b.x1 || self.y1 > b.y2 || self.y2 < b.y1 {
            return 0.0;
        }
        (self.x2.min(b.x2) - self.x1.max(b.x1)) * (self.y2.min(b.y2) - self.y1.max(b.y1))
    }

    pub fn area(&self) -> f32 {
        (self.x2 - self.x1) * (self.y2 - self.y1)
    }
}

/// ncnn's `qsort_descent_inplace`: sorts `items` by `score`, highest first,
/// with the same partitions (so equal scores end in ncnn's order).
pub(crate) fn qsort_descent<T>(items: &mut [T], score: impl Fn(&T) -> f32 + Copy) {
    if items.len() > 1 {
        qsort(items, score, 0, items.len() as isize - 1);
    }
}

fn qsort<T>(items: &mut [T], score: impl Fn(&T) -> f32 + Copy, left: isize, right: isize) {
    let (mut i, mut j) = (left, right);
    let p = score(&items[((left + right) / 2) as usize]);
    while i <= j {
        // The bounds only matter for NaN scores, which stop neither scan in ncnn.
        while i < right && score(&items[i as usize]) > p {
            i += 1;
        }
        while j > left && score(&items[j as usize]) < p {
            j -= 1;
        }
        if i <= j {
            items.swap(i as usize, j as usize);
            i += 1;
            j -= 1;
        }
    }
    if left < j {
        qsort(items, score, left, j);
    }
    if i < right {
        qsort(items, score, i, right);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_descending_like_ncnn() {
        let mut v: Vec<(f32, usize)> = [0.3, 0.9, 0.3, 0.1, 0.9, 0.5]
            .iter()
            .copied()
            .zip(0..)
            .collect();
        qsort_descent(&mut v, |x| x.0);
        let scores: Vec<f32> = v.iter().map(|x| x.0).collect();
        assert_eq!(scores, vec![0.9, 0.9, 0.5, 0.3, 0.3, 0.1]);
        let mut n = vec![f32::NAN, 1.0, f32::NAN, 2.0];
        qsort_descent(&mut n, |x| *x);
        assert_eq!(n.len(), 4);
    }

    #[test]
    fn intersection_of_apart_and_overlapping_boxes() {
        let a = Rect {
            x1: 0.0,
            y1: 0.0,
            x2: 2.0,
            y2: 2.0,
        };
        let b = Rect {
            x1: 1.0,
            y1: 1.0,
            x2: 3.0,
            y2: 3.0,
        };
        let c = Rect {
            x1: 5.0,
            y1: 5.0,
            x2: 6.0,
            y2: 6.0,
        };
        assert_eq!(a.intersection(&b), 1.0);
        assert_eq!(a.intersection(&c), 0.0);
    }
}
