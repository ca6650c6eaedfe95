//! Minimal `.npy` (version 1/2/3) reader and writer for float32 C-order
//! arrays — the exchange format of `octet run` and ncnn's Python `Mat`.

use std::path::Path;

use crate::error::{Error, Result};

macro_rules! bail {
    ($($t:tt)*) => { return Err(Error::Invalid(format!($($t)*))) };
}

/// Reads a little-endian float32 (or float64, converted) C-order array.
pub fn read(path: &Path) -> Result<(Vec<usize>, Vec<f32>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse(&bytes)
        .map_err(|e| Error::Invalid(format!("{}: not a usable .npy file: {e}", path.display())))
}

pub fn parse(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f32>)> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        bail!("missing the \\x93NUMPY magic");
    }
    let major = bytes[6];
    let (hlen, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                bail!("truncated header");
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => bail!("unsupported .npy version {v}"),
    };
    let Some(header) = bytes.get(start..start + hlen) else {
        bail!("truncated header")
    };
    let Ok(header) = std::str::from_utf8(header) else {
        bail!("header is not text")
    };
    let field = |key: &str| -> Result<&str> {
        let Some(i) = header.find(&format!("'{key}'")) else {
            bail!("header lacks '{key}'")
        };
        Ok(header[i + key.len() + 2..]
            .trim_start()
            .trim_start_matches(':')
            .trim_start())
    };
    let descr = field("descr")?;
    let f64_data = if descr.starts_with("'<f4'") || descr.starts_with("'=f4'") {
        false
    } else if descr.starts_with("'<f8'") || descr.starts_with("'=f8'") {
        true
    } else {
        bail!(
            "dtype {} is not float32/float64 little-endian",
            descr.split(',').next().unwrap_or("")
        );
    };
    if field("fortran_order")?.starts_with("True") {
        bail!("Fortran-ordered arrays are not supported");
    }
    let shape_s = field("shape")?;
    let (Some(open), Some(close)) = (shape_s.find('('), shape_s.find(')')) else {
        bail!("bad shape")
    };
    let shape: Vec<usize> = shape_s[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| Error::Invalid(format!("bad dimension `{s}`")))
        })
        .collect::<Result<_>>()?;
    let data = &bytes[start + hlen..];
    let esize = if f64_data { 8 } else { 4 };
    let need = shape
        .iter()
        .try_fold(esize, |a: usize, &s| a.checked_mul(s))
        .filter(|&n| n == data.len());
    if need.is_none() {
        bail!(
            "shape {shape:?} needs {} bytes of data, file has {}",
            shape
                .iter()
                .try_fold(esize, |a: usize, &s| a.checked_mul(s))
                .map_or("more than 2^64".into(), |n| n.to_string()),
            data.len()
        );
    }
    let values = if f64_data {
        data.chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f32)
            .collect()
    } else {
        data.chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    };
    Ok((shape, values))
}

/// Writes a float32 C-order array.
pub fn write(path: &Path, shape: &[usize], data: &[f32]) -> Result<()> {
    std::fs::write(path, to_bytes(shape, data)).map_err(|e| Error::io(path, e))
}

pub fn to_bytes(shape: &[usize], data: &[f32]) -> Vec<u8> {
    let dims = match shape.len() {
        1 => format!("({},)", shape[0]),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {dims}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len() * 4);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let b = to_bytes(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!((b.len() - 24) % 64, 0, "data starts on a 64-byte boundary");
        let (s, d) = parse(&b).unwrap();
        assert_eq!(s, vec![2, 3]);
        assert_eq!(d, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let (s, _) = parse(&to_bytes(&[4], &[0.0; 4])).unwrap();
        assert_eq!(s, vec![4]);
    }

    #[test]
    fn rejects_bad_files() {
        assert!(parse(b"hello").is_err());
        let mut b = to_bytes(&[2, 3], &[0.0; 6]);
        b.truncate(b.len() - 4);
        assert!(parse(&b)
            .unwrap_err()
            .to_string()
            .contains("needs 24 bytes"));
        let b = to_bytes(&[2], &[0.0; 2]);
        let s = String::from_utf8_lossy(&b).replace("<f4", "<i4");
        assert!(parse(s.as_bytes()).is_err());
    }
}
