//! ncnn `.param` text format.
//!
//! ```text
//! 7767517
//! <layer count> <blob count>
//! <Type> <name> <n_in> <n_out> <in…> <out…> <id>=<value> … <-23300-id>=<len>,<v>,<v>…
//! ```
//! Values are floats when they contain `.`, `e` or `E` (ncnn's rule), integers
//! otherwise. Blank lines and lines starting with `#` are skipped.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// The magic number on the first line of a text `.param`.
pub const MAGIC: i64 = 7767517;
/// ncnn's `NCNN_MAX_PARAM_COUNT`: valid ids are `0..32`.
pub const MAX_PARAM_ID: i32 = 32;

/// One parsed value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    Int(i32),
    Float(f32),
    /// An array; each element keeps its own kind.
    Array(Vec<ParamValue>),
}

/// The `id=value` pairs of one layer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamDict {
    values: BTreeMap<i32, ParamValue>,
}

impl ParamDict {
    pub fn new() -> Self {
        ParamDict::default()
    }

    pub fn set(&mut self, id: i32, v: ParamValue) {
        self.values.insert(id, v);
    }

    pub fn contains(&self, id: i32) -> bool {
        self.values.contains_key(&id)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&i32, &ParamValue)> {
        self.values.iter()
    }

    /// Integer `id`, or `default` when absent.
    pub fn get_int(&self, id: i32, default: i32) -> Result<i32, String> {
        match self.values.get(&id) {
            None => Ok(default),
            Some(ParamValue::Int(v)) => Ok(*v),
            Some(ParamValue::Float(v)) => Err(format!("param {id}={v} must be an integer")),
            Some(ParamValue::Array(_)) => {
                Err(format!("param {id} must be an integer, found an array"))
            }
        }
    }

    /// Float `id`, or `default` when absent; an integer value is converted.
    pub fn get_float(&self, id: i32, default: f32) -> Result<f32, String> {
        match self.values.get(&id) {
            None => Ok(default),
            Some(ParamValue::Int(v)) => Ok(*v as f32),
            Some(ParamValue::Float(v)) => Ok(*v),
            Some(ParamValue::Array(_)) => {
                Err(format!("param {id} must be a number, found an array"))
            }
        }
    }

    /// Array `id` as floats (integers converted); empty when absent.
    pub fn get_floats(&self, id: i32) -> Result<Vec<f32>, String> {
        match self.values.get(&id) {
            None => Ok(Vec::new()),
            Some(ParamValue::Array(a)) => Ok(a
                .iter()
                .map(|v| match v {
                    ParamValue::Int(i) => *i as f32,
                    ParamValue::Float(f) => *f,
                    ParamValue::Array(_) => f32::NAN,
                })
                .collect()),
            Some(_) => Err(format!("param {id} must be an array")),
        }
    }

    /// Array `id` as integers; empty when absent.
    pub fn get_ints(&self, id: i32) -> Result<Vec<i32>, String> {
        match self.values.get(&id) {
            None => Ok(Vec::new()),
            Some(ParamValue::Array(a)) => a
                .iter()
                .map(|v| match v {
                    ParamValue::Int(i) => Ok(*i),
                    other => Err(format!("param {id} must hold integers, found {other:?}")),
                })
                .collect(),
            Some(_) => Err(format!("param {id} must be an array")),
        }
    }

    /// Writes the pairs back in `.param` syntax (used by `octet quantize`).
    pub fn to_param_string(&self) -> String {
        let mut s = String::new();
        for (id, v) in &self.values {
            match v {
                ParamValue::Int(i) => s.push_str(&format!(" {id}={i}")),
                ParamValue::Float(f) => s.push_str(&format!(" {id}={}", fmt_float(*f))),
                ParamValue::Array(a) => {
                    s.push_str(&format!(" {}={}", -23300 - id, a.len()));
                    for e in a {
                        match e {
                            ParamValue::Int(i) => s.push_str(&format!(",{i}")),
                            ParamValue::Float(f) => s.push_str(&format!(",{}", fmt_float(*f))),
                            ParamValue::Array(_) => {}
                        }
                    }
                }
            }
        }
        s
    }
}

/// Formats a float so it reads back as a float under ncnn's rule.
pub fn fmt_float(f: f32) -> String {
    format!("{f:e}")
}

/// One layer line of a `.param`.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerDecl {
    pub kind: String,
    pub name: String,
    pub bottoms: Vec<String>,
    pub tops: Vec<String>,
    pub params: ParamDict,
    /// 1-based line in the file.
    pub line: usize,
}

/// A parsed `.param`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamFile {
    pub layers: Vec<LayerDecl>,
    pub blob_count: usize,
}

fn is_float_token(s: &str) -> bool {
    s.contains(['.', 'e', 'E'])
}

fn parse_scalar(tok: &str) -> std::result::Result<ParamValue, String> {
    if is_float_token(tok) {
        match tok.parse::<f32>() {
            Ok(v) => Ok(ParamValue::Float(v)),
            Err(_) => Err(format!("`{tok}` is not a number")),
        }
    } else {
        match tok.parse::<i32>() {
            Ok(v) => Ok(ParamValue::Int(v)),
            Err(_) => Err(format!("`{tok}` is not an integer")),
        }
    }
}

/// Parses one `id=value` token into `pd`.
fn parse_pair(tok: &str, pd: &mut ParamDict) -> std::result::Result<(), String> {
    let (k, v) = tok
        .split_once('=')
        .ok_or_else(|| format!("`{tok}` is not an id=value pair"))?;
    let id: i32 = k
        .parse()
        .map_err(|_| format!("`{tok}`: id `{k}` is not an integer"))?;
    if id <= -23300 {
        let id = -id - 23300;
        if !(0..MAX_PARAM_ID).contains(&id) {
            return Err(format!(
                "`{tok}`: array param id {id} out of range 0..{MAX_PARAM_ID}"
            ));
        }
        let mut parts = v.split(',');
        let len_s = parts.next().unwrap_or("");
        let len: usize = len_s
            .parse()
            .map_err(|_| format!("`{tok}`: array length `{len_s}` is not a count"))?;
        let elems: Vec<ParamValue> = parts
            .map(parse_scalar)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| format!("`{tok}`: {e}"))?;
        if elems.len() != len {
            return Err(format!(
                "`{tok}`: array declares {len} values but has {}",
                elems.len()
            ));
        }
        pd.set(id, ParamValue::Array(elems));
    } else {
        if !(0..MAX_PARAM_ID).contains(&id) {
            return Err(format!(
                "`{tok}`: param id {id} out of range 0..{MAX_PARAM_ID}"
            ));
        }
        let val = parse_scalar(v).map_err(|e| format!("`{tok}`: {e}"))?;
        pd.set(id, val);
    }
    Ok(())
}

/// Parses `.param` text. `file` names the source in errors.
pub fn parse_param(text: &str, file: &str) -> Result<ParamFile> {
    let err = |line: usize, msg: String| Error::Param {
        file: file.to_string(),
        line,
        msg,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));

    let (ln, magic) = lines
        .next()
        .ok_or_else(|| err(1, "empty file, expected magic 7767517".into()))?;
    if magic.parse::<i64>().ok() != Some(MAGIC) {
        return Err(err(
            ln,
            format!("bad magic `{magic}`, expected 7767517 (is this an ncnn text .param?)"),
        ));
    }
    let (ln, counts) = lines
        .next()
        .ok_or_else(|| err(ln + 1, "missing `<layer count> <blob count>` line".into()))?;
    let nums: Vec<&str> = counts.split_whitespace().collect();
    let (layer_count, blob_count) = match nums.as_slice() {
        [a, b] => match (a.parse::<usize>(), b.parse::<usize>()) {
            (Ok(a), Ok(b)) => (a, b),
            _ => {
                return Err(err(
                    ln,
                    format!("bad counts `{counts}`, expected two non-negative integers"),
                ))
            }
        },
        _ => {
            return Err(err(
                ln,
                format!("bad counts `{counts}`, expected `<layer count> <blob count>`"),
            ))
        }
    };

    let mut layers = Vec::with_capacity(layer_count);
    let mut blobs = std::collections::HashSet::new();
    let mut last_line = ln;
    for (ln, line) in lines {
        last_line = ln;
        if layers.len() == layer_count {
            return Err(err(
                ln,
                format!("more layers than the {layer_count} declared on line 2"),
            ));
        }
        let toks: Vec<&str> = line.split_whitespace().collect();
        if toks.len() < 4 {
            return Err(err(
                ln,
                format!("layer line `{line}` needs at least `<Type> <name> <n_in> <n_out>`"),
            ));
        }
        let (kind, name) = (toks[0].to_string(), toks[1].to_string());
        let n_in: usize = toks[2].parse().map_err(|_| {
            err(
                ln,
                format!("layer `{name}`: input count `{}` is not a number", toks[2]),
            )
        })?;
        let n_out: usize = toks[3].parse().map_err(|_| {
            err(
                ln,
                format!("layer `{name}`: output count `{}` is not a number", toks[3]),
            )
        })?;
        if toks.len() < 4 + n_in + n_out {
            return Err(err(
                ln,
                format!(
                    "layer `{name}`: declares {n_in} inputs and {n_out} outputs but lists {}",
                    toks.len() - 4
                ),
            ));
        }
        let bottoms: Vec<String> = toks[4..4 + n_in].iter().map(|s| s.to_string()).collect();
        let tops: Vec<String> = toks[4 + n_in..4 + n_in + n_out]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for b in bottoms.iter().chain(&tops) {
            if b.contains('=') {
                return Err(err(ln, format!("layer `{name}`: blob name `{b}` looks like a param; check the input/output counts")));
            }
            blobs.insert(b.clone());
        }
        let mut params = ParamDict::new();
        for tok in &toks[4 + n_in + n_out..] {
            parse_pair(tok, &mut params).map_err(|m| err(ln, format!("layer `{name}`: {m}")))?;
        }
        layers.push(LayerDecl {
            kind,
            name,
            bottoms,
            tops,
            params,
            line: ln,
        });
    }
    if layers.len() < layer_count {
        return Err(err(
            last_line,
            format!(
                "file ends after {} layers, but line 2 declares {layer_count} (truncated?)",
                layers.len()
            ),
        ));
    }
    if blobs.len() > blob_count {
        return Err(err(
            2,
            format!(
                "layers use {} distinct blobs, but line 2 declares {blob_count}",
                blobs.len()
            ),
        ));
    }
    Ok(ParamFile { layers, blob_count })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "7767517\n3 3\nInput data 0 1 data 0=4 1=4 2=3\n\nConvolution conv 1 1 data c 0=8 1=3 4=-233 5=1 6=216 -23310=2,0.0,6.0 9=3\nReLU relu 1 1 c r 0=1.000000e-01\n";

    #[test]
    fn parses_values_arrays_and_blank_lines() {
        let p = parse_param(GOOD, "t.param").unwrap();
        assert_eq!(p.layers.len(), 3);
        let conv = &p.layers[1];
        assert_eq!(conv.line, 5);
        assert_eq!(conv.params.get_int(4, 0).unwrap(), -233);
        assert_eq!(conv.params.get_floats(10).unwrap(), vec![0.0, 6.0]);
        assert_eq!(conv.params.get_int(9, 0).unwrap(), 3);
        assert!((p.layers[2].params.get_float(0, 0.0).unwrap() - 0.1).abs() < 1e-7);
        assert_eq!(p.layers[2].params.get_int(7, 42).unwrap(), 42);
    }

    #[test]
    fn float_where_int_expected_is_an_error() {
        let p = parse_param(GOOD, "t.param").unwrap();
        assert!(p.layers[2].params.get_int(0, 0).is_err());
    }

    fn msg(text: &str) -> String {
        parse_param(text, "m.param").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_file_line_and_token() {
        assert!(msg("7767518\n1 1\nInput d 0 1 d\n").starts_with("m.param:1: bad magic"));
        assert!(msg("7767517\nx y\n").starts_with("m.param:2:"));
        let m = msg("7767517\n1 1\nInput d 0 1 d 0=abc\n");
        assert!(m.starts_with("m.param:3:") && m.contains("0=abc"), "{m}");
        let m = msg("7767517\n1 1\nInput d 0 1 d -23300=3,1,2\n");
        assert!(m.contains("declares 3 values but has 2"), "{m}");
        let m = msg("7767517\n2 2\nInput d 0 1 d\n");
        assert!(m.contains("truncated"), "{m}");
        let m = msg("7767517\n1 2\nInput d 0 1 d\nReLU r 1 1 d e\n");
        assert!(m.starts_with("m.param:4: more layers"), "{m}");
        let m = msg("7767517\n1 1\nReLU r 1 1 d\n");
        assert!(m.contains("lists 1"), "{m}");
        let m = msg("7767517\n1 1\nInput d 0 1 d 40=1\n");
        assert!(m.contains("out of range"), "{m}");
        assert!(msg("").contains("empty file"));
    }

    #[test]
    fn round_trips_to_param_string() {
        let p = parse_param(GOOD, "t.param").unwrap();
        let s = p.layers[1].params.to_param_string();
        let again = parse_param(
            &format!("7767517\n1 2\nConvolution conv 1 1 data c{s}\n"),
            "x",
        )
        .unwrap();
        assert_eq!(again.layers[0].params, p.layers[1].params);
    }
}
