//! ncnn int8 calibration tables (`ncnn2table` / caffe-int8-convert-tools):
//!
//! ```text
//! conv1_param_0 156.6 119.3 …      weight scales of layer conv1 (one per output channel, or per group)
//! conv1 0.84                        scale of conv1's input blob
//! ```
//! Weight lines come first in the wild, but any order is accepted. A layer
//! left out (or commented out with `#`) stays fp32: that is how users keep
//! the first or last layer in fp32.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};

/// Scales of one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerScales {
    /// Per output channel (Convolution, InnerProduct) or per group (ConvolutionDepthWise).
    pub weight_scales: Vec<f32>,
    /// Scale of the layer's input blob.
    pub blob_scale: f32,
    /// Table lines of the weight and blob entries (for error messages).
    pub lines: (usize, usize),
}

/// A parsed table: layer name → scales.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub layers: BTreeMap<String, LayerScales>,
    /// Where it came from, for errors.
    pub file: String,
}

fn parse_scale(tok: &str, line: usize, file: &str) -> Result<f32> {
    let err = |msg: String| Error::Table {
        file: file.to_string(),
        line,
        msg,
    };
    let v: f32 = tok
        .parse()
        .map_err(|_| err(format!("`{tok}` is not a number")))?;
    if !v.is_finite() {
        return Err(err(format!("scale `{tok}` is not finite")));
    }
    if v < 0.0 {
        return Err(err(format!("scale `{tok}` is negative")));
    }
    Ok(v)
}

impl Table {
    /// Reads a table file; `is_layer` tells which names are layers of the net.
    pub fn load(path: &Path, is_layer: &dyn Fn(&str) -> bool) -> Result<Table> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Table::parse(&text, &path.display().to_string(), is_layer)
    }

    /// Parses table text. `file` names it in errors.
    pub fn parse(text: &str, file: &str, is_layer: &dyn Fn(&str) -> bool) -> Result<Table> {
        let err = |line: usize, msg: String| Error::Table {
            file: file.to_string(),
            line,
            msg,
        };
        let mut weights: BTreeMap<String, (Vec<f32>, usize)> = BTreeMap::new();
        let mut blobs: BTreeMap<String, (f32, usize)> = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let ln = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut toks = line.split_whitespace();
            let name = toks.next().unwrap_or_default();
            let values: Vec<&str> = toks.collect();
            if values.is_empty() {
                return Err(err(ln, format!("`{name}` has no scale")));
            }
            // `<layer>_param_0` is a weight line, unless `<layer>` is no layer
            // and the whole name is one (a layer really named `x_param_0`).
            let weight_layer = name
                .strip_suffix("_param_0")
                .filter(|l| is_layer(l) || !is_layer(name));
            if let Some(layer) = weight_layer {
                if !is_layer(layer) {
                    return Err(err(
                        ln,
                        format!("weight scales for `{layer}`, which is not a layer of this model"),
                    ));
                }
                let scales = values
                    .iter()
                    .map(|t| parse_scale(t, ln, file))
                    .collect::<Result<Vec<_>>>()?;
                if let Some((_, prev)) = weights.insert(layer.to_string(), (scales, ln)) {
                    return Err(err(
                        ln,
                        format!("weight scales for `{layer}` repeat line {prev}"),
                    ));
                }
            } else {
                if !is_layer(name) {
                    return Err(err(
                        ln,
                        format!("blob scale for `{name}`, which is not a layer of this model"),
                    ));
                }
                if values.len() != 1 {
                    return Err(err(
                        ln,
                        format!(
                            "`{name}` has {} values; a blob line has exactly one scale",
                            values.len()
                        ),
                    ));
                }
                let s = parse_scale(values[0], ln, file)?;
                if let Some((_, prev)) = blobs.insert(name.to_string(), (s, ln)) {
                    return Err(err(
                        ln,
                        format!("blob scale for `{name}` repeats line {prev}"),
                    ));
                }
            }
        }
        let mut layers = BTreeMap::new();
        for (name, (ws, wl)) in weights {
            let Some((bs, bl)) = blobs.remove(&name) else {
                return Err(err(
                    wl,
                    format!("`{name}` has weight scales but no blob scale line `{name} <scale>`"),
                ));
            };
            layers.insert(
                name,
                LayerScales {
                    weight_scales: ws,
                    blob_scale: bs,
                    lines: (wl, bl),
                },
            );
        }
        if let Some((name, (_, bl))) = blobs.into_iter().next() {
            return Err(err(
                bl,
                format!("`{name}` has a blob scale but no weight scales line `{name}_param_0 …`"),
            ));
        }
        Ok(Table {
            layers,
            file: file.to_string(),
        })
    }

    /// Writes the table in ncnn2table's format: all weight lines, then all blob lines, in `order`.
    pub fn to_text(&self, order: &[String]) -> String {
        let mut s = String::new();
        let names: Vec<&String> = order
            .iter()
            .filter(|n| self.layers.contains_key(*n))
            .collect();
        for n in &names {
            let ls = &self.layers[*n];
            s.push_str(&format!("{n}_param_0"));
            for w in &ls.weight_scales {
                s.push_str(&format!(" {w}"));
            }
            s.push('\n');
        }
        for n in &names {
            s.push_str(&format!("{n} {}\n", self.layers[*n].blob_scale));
        }
        s
    }

    pub fn error(&self, line: usize, msg: String) -> Error {
        Error::Table {
            file: self.file.clone(),
            line,
            msg,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers(n: &str) -> bool {
        matches!(n, "conv1" | "conv2" | "fc" | "odd_param_0")
    }

    fn err(text: &str) -> String {
        Table::parse(text, "t.table", &layers)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_weight_then_blob_lines() {
        let t = Table::parse(
            "conv1_param_0 1.5 2.5\nconv2_param_0 3\n\n# fc_param_0 1\nconv1 0.5\nconv2 0.25\n",
            "t",
            &layers,
        )
        .unwrap();
        assert_eq!(t.layers.len(), 2);
        assert_eq!(t.layers["conv1"].weight_scales, vec![1.5, 2.5]);
        assert_eq!(t.layers["conv2"].blob_scale, 0.25);
        let again =
            Table::parse(&t.to_text(&["conv2".into(), "conv1".into()]), "t", &layers).unwrap();
        assert_eq!(
            again.layers["conv1"].weight_scales,
            t.layers["conv1"].weight_scales
        );
    }

    #[test]
    fn a_layer_named_like_a_weight_line() {
        let t = Table::parse("odd_param_0_param_0 1\nodd_param_0 2\n", "t", &layers).unwrap();
        assert_eq!(t.layers["odd_param_0"].blob_scale, 2.0);
    }

    #[test]
    fn errors_name_the_line() {
        assert!(err("nope_param_0 1\n").starts_with("t.table:1: weight scales for `nope`"));
        assert!(err("conv1_param_0 1\nconv1 1\nnope 2\n")
            .starts_with("t.table:3: blob scale for `nope`"));
        assert!(err("conv1_param_0 1\nconv1_param_0 2\n").starts_with("t.table:2:"));
        assert!(err("conv1_param_0 1\nconv1 1\nconv1 1\n").contains("repeats line 2"));
        assert!(err("conv1_param_0 1 x\n").contains("`x` is not a number"));
        assert!(err("conv1_param_0 nan\n").contains("not finite"));
        assert!(err("conv1_param_0 inf\n").contains("not finite"));
        assert!(err("conv1_param_0 -1\n").contains("negative"));
        assert!(err("conv1_param_0 1\n").contains("no blob scale"));
        assert!(err("conv1 1\n").contains("no weight scales"));
        assert!(err("conv1 1 2\nconv1_param_0 1\n").contains("exactly one"));
        assert!(err("conv1\n").contains("no scale"));
    }
}
