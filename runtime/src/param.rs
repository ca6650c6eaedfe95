//! ncnn `.param` text format.
//!
//! ```text
//! 7767517
//! <layer count> <blob count>
//! <Type> <name> <n_in> <n_out> <in…> <out…> <id>=<value> … <-23300-id>=<len>,<v>,<v>…
//! ```
//! Values are floats when they contain `.`, `e` or `E` (ncnn's rule),
//! integers otherwise; `id=v,v,v` is an array too (ncnn's newer form), and a
//! value that starts with a letter or a `"` is a string (pnnx's shape
//! expressions, `6="1w,1h,128"`; quoted strings may hold spaces and commas).
//! Blank lines and lines starting with `#` are skipped. Like ncnn, the
//! reader takes the number of layers the header declares and ignores any
//! lines after them (`ParamFile::ignored_lines` counts them).

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// The magic number on the first line of a text `.param`.
pub const MAGIC: i64 = 7767517;
/// ncnn's `NCNN_MAX_PARAM_COUNT`: valid ids are `0..32`.
pub const MAX_PARAM_ID: i32 = 32;
/// Most inputs or outputs one layer may list (a bound on untrusted counts;
/// ncnn's largest real layers have a few dozen).
pub const MAX_BLOBS_PER_LAYER: usize = 65536;

/// One parsed value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    Int(i32),
    Float(f32),
    /// An array; each element keeps its own kind.
    Array(Vec<ParamValue>),
    /// A string (ncnn's type 7).
    Str(String),
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
            Some(ParamValue::Str(s)) => Err(format!(
                "param {id} must be an integer, found the string \"{s}\""
            )),
        }
    }

    /// String `id`, or `None` when absent.
    pub fn get_str(&self, id: i32) -> Result<Option<&str>, String> {
        match self.values.get(&id) {
            None => Ok(None),
            Some(ParamValue::Str(s)) => Ok(Some(s)),
            Some(other) => Err(format!("param {id} must be a string, found {other:?}")),
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
            Some(ParamValue::Str(s)) => Err(format!(
                "param {id} must be a number, found the string \"{s}\""
            )),
        }
    }

    /// Array `id` as floats (integers converted); empty when absent.
    pub fn get_floats(&self, id: i32) -> Result<Vec<f32>, String> {
        match self.values.get(&id) {
            None => Ok(Vec::new()),
            Some(ParamValue::Array(a)) => a
                .iter()
                .map(|v| match v {
                    ParamValue::Int(i) => Ok(*i as f32),
                    ParamValue::Float(f) => Ok(*f),
                    other => Err(format!("param {id} must hold numbers, found {other:?}")),
                })
                .collect(),
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
                            ParamValue::Array(_) | ParamValue::Str(_) => {}
                        }
                    }
                }
                ParamValue::Str(v) => s.push_str(&format!(" {id}=\"{v}\"")),
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
    /// Non-blank lines after the layers the header declares: ncnn ignores
    /// them, and so does Octet (`octet info` says so).
    pub ignored_lines: usize,
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

/// Longest string value ncnn reads (its `vstr2` buffer).
const MAX_STRING_LEN: usize = 255;

/// Parses the `id=value` pairs of a layer line (the text after its blob
/// names) into `pd`, as ncnn's `ParamDict::load_param` reads them.
fn parse_pairs(mut rest: &str, pd: &mut ParamDict) -> std::result::Result<(), String> {
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(());
        }
        let eq = rest
            .find('=')
            .filter(|&e| !rest[..e].contains(char::is_whitespace))
            .ok_or_else(|| {
                let tok = rest.split_whitespace().next().unwrap_or(rest);
                format!("`{tok}` is not an id=value pair")
            })?;
        let k = &rest[..eq];
        let id: i32 = k
            .parse()
            .map_err(|_| format!("`{k}=`: id `{k}` is not an integer"))?;
        let after = &rest[eq + 1..];
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            // A quoted string runs to the next quote (spaces and commas included).
            let end = quoted
                .find(['"', '\n'])
                .filter(|&e| quoted[e..].starts_with('"'))
                .ok_or_else(|| format!("`{k}=\"{quoted}`: the string has no closing quote"))?;
            (Value::Str(&quoted[..end]), &quoted[end + 1..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            let tok = &after[..end];
            let v = if tok.starts_with(|c: char| c.is_ascii_alphabetic()) {
                Value::Str(tok)
            } else {
                Value::Plain(tok)
            };
            (v, &after[end..])
        };
        rest = tail;
        let tok = || format!("{k}={}", &after[..after.len() - tail.len()]);
        if id <= -23300 {
            let aid = id
                .checked_neg()
                .and_then(|v| v.checked_sub(23300))
                .filter(|v| (0..MAX_PARAM_ID).contains(v))
                .ok_or_else(|| {
                    format!("`{}`: array param id out of range 0..{MAX_PARAM_ID}", tok())
                })?;
            let Value::Plain(v) = value else {
                return Err(format!("`{}`: an array needs `<len>,<v>,…`", tok()));
            };
            let mut parts = v.split(',');
            let len_s = parts.next().unwrap_or("");
            let len: usize = len_s
                .parse()
                .map_err(|_| format!("`{}`: array length `{len_s}` is not a count", tok()))?;
            let elems: Vec<ParamValue> = parts
                .map(parse_scalar)
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| format!("`{}`: {e}", tok()))?;
            if elems.len() != len {
                return Err(format!(
                    "`{}`: array declares {len} values but has {}",
                    tok(),
                    elems.len()
                ));
            }
            pd.set(aid, ParamValue::Array(elems));
            continue;
        }
        if !(0..MAX_PARAM_ID).contains(&id) {
            return Err(format!(
                "`{}`: param id {id} out of range 0..{MAX_PARAM_ID}",
                tok()
            ));
        }
        let val = match value {
            Value::Str(s) if s.len() > MAX_STRING_LEN => {
                return Err(format!(
                    "`{k}=`: string of {} bytes, longer than ncnn's {MAX_STRING_LEN}",
                    s.len()
                ))
            }
            Value::Str(s) => ParamValue::Str(s.to_string()),
            // `id=v,v,v`: ncnn's newer array form.
            Value::Plain(v) if v.contains(',') => ParamValue::Array(
                v.split(',')
                    .map(parse_scalar)
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| format!("`{}`: {e}", tok()))?,
            ),
            Value::Plain(v) => parse_scalar(v).map_err(|e| format!("`{}`: {e}", tok()))?,
        };
        pd.set(id, val);
    }
}

/// A value as written: a string, or number text (one value or a list).
enum Value<'a> {
    Str(&'a str),
    Plain(&'a str),
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

    // The declared count is untrusted: reserve no more than the text can hold.
    let mut layers = Vec::with_capacity(layer_count.min(text.len() / 8 + 1));
    let mut blobs = std::collections::HashSet::new();
    let mut last_line = ln;
    let mut ignored_lines = 0;
    for (ln, line) in lines {
        last_line = ln;
        if layers.len() == layer_count {
            ignored_lines += 1;
            continue;
        }
        let mut toks = line.split_whitespace();
        let mut rest = line;
        let mut next = |what: &str| -> Result<&str> {
            let t = toks.next().ok_or_else(|| {
                err(
                    ln,
                    format!("layer line `{line}` ends before its {what} (`<Type> <name> <n_in> <n_out> <in…> <out…>`)"),
                )
            })?;
            // `rest` continues after this token (tokens are slices of `line`).
            let end = t.as_ptr() as usize - line.as_ptr() as usize + t.len();
            rest = &line[end..];
            Ok(t)
        };
        let kind = next("type")?.to_string();
        let name = next("name")?.to_string();
        let count = |t: &str, what: &str| -> Result<usize> {
            t.parse::<usize>()
                .ok()
                .filter(|&n| n <= MAX_BLOBS_PER_LAYER)
                .ok_or_else(|| {
                    err(
                        ln,
                        format!("layer `{name}`: {what} count `{t}` is not a count up to {MAX_BLOBS_PER_LAYER}"),
                    )
                })
        };
        let n_in = count(next("input count")?, "input")?;
        let n_out = count(next("output count")?, "output")?;
        let mut names = Vec::with_capacity(n_in + n_out);
        for i in 0..n_in + n_out {
            let b = next("blob names").map_err(|_| {
                err(
                    ln,
                    format!(
                        "layer `{name}`: declares {n_in} inputs and {n_out} outputs but lists {i}"
                    ),
                )
            })?;
            if b.contains('=') {
                return Err(err(ln, format!("layer `{name}`: blob name `{b}` looks like a param; check the input/output counts")));
            }
            blobs.insert(b.to_string());
            names.push(b.to_string());
        }
        let tops = names.split_off(n_in);
        let mut params = ParamDict::new();
        parse_pairs(rest, &mut params).map_err(|m| err(ln, format!("layer `{name}`: {m}")))?;
        layers.push(LayerDecl {
            kind,
            name,
            bottoms: names,
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
    Ok(ParamFile {
        layers,
        blob_count,
        ignored_lines,
    })
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
        let m = msg("7767517\n1 1\nInput d 0 1 d 0=1x\n");
        assert!(m.starts_with("m.param:3:") && m.contains("0=1x"), "{m}");
        let m = msg("7767517\n1 1\nInput d 0 1 d -23300=3,1,2\n");
        assert!(m.contains("declares 3 values but has 2"), "{m}");
        let m = msg("7767517\n2 2\nInput d 0 1 d\n");
        assert!(m.contains("truncated"), "{m}");
        let m = msg("7767517\n1 1\nReLU r 1 1 d\n");
        assert!(m.contains("lists 1"), "{m}");
        // Untrusted counts: no overflow, no huge reservation.
        let m = msg("7767517\n1 1\nReLU r 18446744073709551615 18446744073709551615 d\n");
        assert!(m.contains("input count"), "{m}");
        let m = msg("7767517\n4294967295 1\nInput d 0 1 d\n");
        assert!(m.contains("truncated"), "{m}");
        let m = msg("7767517\n1 1\nInput d 0 1 d 6=\"abc\n");
        assert!(m.contains("no closing quote"), "{m}");
        let m = msg("7767517\n1 1\nInput d 0 1 d -2147483648=1\n");
        assert!(m.contains("out of range"), "{m}");
        let m = msg("7767517\n1 1\nInput d 0 1 d 40=1\n");
        assert!(m.contains("out of range"), "{m}");
        assert!(msg("").contains("empty file"));
    }

    #[test]
    fn strings_new_style_arrays_and_ignored_lines() {
        let text = "7767517\n2 3\nInput in 0 1 in 0=4\n\
            Reshape r 1 1 in out 6=\"1w, 2*1h,128\" 7=abc 3=1,2.5,3 0=-1\n\
            ReLU extra 1 1 out out2\n";
        let p = parse_param(text, "s.param").unwrap();
        assert_eq!(p.layers.len(), 2);
        assert_eq!(p.ignored_lines, 1, "ncnn reads only the declared layers");
        let pd = &p.layers[1].params;
        assert_eq!(pd.get_str(6).unwrap(), Some("1w, 2*1h,128"));
        assert_eq!(pd.get_str(7).unwrap(), Some("abc"));
        assert_eq!(pd.get_floats(3).unwrap(), vec![1.0, 2.5, 3.0]);
        assert_eq!(pd.get_int(0, 0).unwrap(), -1);
        assert!(pd.get_int(6, 0).is_err() && pd.get_str(0).is_err());
        // Strings survive the round trip.
        let again = parse_param(
            &format!(
                "7767517\n1 2\nReshape r 1 1 in out{}\n",
                pd.to_param_string()
            ),
            "x",
        )
        .unwrap();
        assert_eq!(&again.layers[0].params, pd);
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
