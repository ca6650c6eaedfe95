//! The graph: layers in file order over a blob table, and the extractor that
//! evaluates only what a requested output needs, freeing each intermediate
//! blob as soon as its last consumer has run.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, LayerError, Result};
use crate::layer::{self, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::memory::Allocator;
use crate::modelbin::{BinReader, ModelSource, SyntheticSource};
use crate::option::Options;
use crate::param::{parse_param, LayerDecl, ParamFile};
use crate::table::Table;

/// A layer of a loaded net with its place in the graph.
pub struct LayerSlot {
    pub name: String,
    pub kind: String,
    /// Line of the layer in the `.param`.
    pub line: usize,
    pub bottoms: Vec<usize>,
    pub tops: Vec<usize>,
    pub layer: Box<dyn Layer>,
}

/// A blob (edge) of the graph.
#[derive(Clone, Debug)]
pub struct BlobInfo {
    pub name: String,
    pub producer: Option<usize>,
    pub consumers: Vec<usize>,
}

/// A loaded network.
pub struct Net {
    layers: Vec<LayerSlot>,
    blobs: Vec<BlobInfo>,
    blob_index: HashMap<String, usize>,
    opt: Options,
    pool: Option<rayon::ThreadPool>,
    /// This net's tensor memory: counters and the fp32 buffer pool.
    memory: Arc<Allocator>,
    /// Lines after the layers the `.param` header declares (ignored, as ncnn does).
    ignored_param_lines: usize,
}

/// Where an int8 calibration table comes from.
pub enum TableSource<'a> {
    File(&'a Path),
    /// Table text in memory; `label` names it in errors.
    Text {
        text: &'a str,
        label: &'a str,
    },
    Parsed(Table),
}

/// Where the weights come from.
pub enum Weights<'a> {
    /// A `.bin` file, memory-mapped while loading.
    File(&'a Path),
    /// A `.bin` already in memory (firmware without a filesystem).
    Bytes(&'a [u8]),
    /// Deterministic synthetic weights (benchmarking a `.param` alone).
    Synthetic { seed: u64 },
}

impl Net {
    /// Loads `param` with weights from `bin`, default options.
    pub fn load(param: impl AsRef<Path>, bin: impl AsRef<Path>) -> Result<Net> {
        Net::load_with(
            param.as_ref(),
            Weights::File(bin.as_ref()),
            Options::default(),
        )
    }

    /// Loads a `.param` file with the given weights and options.
    pub fn load_with(param: &Path, weights: Weights, opt: Options) -> Result<Net> {
        let text = std::fs::read(param).map_err(|e| Error::io(param, e))?;
        let label = param.display().to_string();
        Net::from_param_bytes(&text, &label, weights, opt)
    }

    /// Loads from an in-memory `.param` text; `label` names it in errors.
    pub fn from_param_bytes(
        param: &[u8],
        label: &str,
        weights: Weights,
        opt: Options,
    ) -> Result<Net> {
        let text = std::str::from_utf8(param).map_err(|e| Error::Param {
            file: label.to_string(),
            line: 1,
            msg: format!("not UTF-8 text ({e}); binary .param files are not supported"),
        })?;
        let pf = parse_param(text, label)?;
        Net::from_parsed(pf, label, weights, opt)
    }

    /// Builds a net from a parsed `.param`.
    pub fn from_parsed(pf: ParamFile, label: &str, weights: Weights, opt: Options) -> Result<Net> {
        Net::from_parsed_with_table(pf, label, weights, None, opt)
    }

    /// Loads a `.param` file with weights, an optional int8 calibration table, and options.
    pub fn load_with_table(
        param: &Path,
        weights: Weights,
        table: Option<TableSource>,
        opt: Options,
    ) -> Result<Net> {
        let text = std::fs::read(param).map_err(|e| Error::io(param, e))?;
        let label = param.display().to_string();
        let text = std::str::from_utf8(&text).map_err(|e| Error::Param {
            file: label.clone(),
            line: 1,
            msg: format!("not UTF-8 text ({e}); binary .param files are not supported"),
        })?;
        let pf = parse_param(text, &label)?;
        Net::from_parsed_with_table(pf, &label, weights, table, opt)
    }

    /// Builds a net from a parsed `.param`, applying `table` (if any) before
    /// the kernels are prepared.
    pub fn from_parsed_with_table(
        pf: ParamFile,
        label: &str,
        weights: Weights,
        table: Option<TableSource>,
        opt: Options,
    ) -> Result<Net> {
        let mut net = Net::build_graph(&pf.layers, label, &opt)?;
        net.ignored_param_lines = pf.ignored_lines;
        match weights {
            Weights::File(path) => {
                let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
                let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
                let label = path.display().to_string();
                if len == 0 {
                    net.load_bin(&[], &label)?;
                } else {
                    // SAFETY: the file is mapped read-only and only read during loading; the weights are copied out before the map is dropped.
                    let map =
                        unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
                    net.load_bin(&map, &label)?;
                }
            }
            Weights::Bytes(bytes) => net.load_bin(bytes, "<bin bytes>")?,
            Weights::Synthetic { seed } => {
                let mut src = SyntheticSource::new(seed);
                src.int8_weights = opt.use_int8 && table.is_none();
                net.load_weights(&mut src, "<synthetic weights>")?
            }
        }
        if let Some(t) = table {
            let table = {
                let is_layer = |n: &str| net.layers.iter().any(|l| l.name == n);
                match t {
                    TableSource::File(p) => Table::load(p, &is_layer)?,
                    TableSource::Text { text, label } => Table::parse(text, label, &is_layer)?,
                    TableSource::Parsed(t) => t,
                }
            };
            net.apply_table(&table)?;
            if opt.use_int8 {
                net.plan_requantize(false);
            }
        } else if opt.use_int8 {
            // An int8 .param carries ncnn's own requantization (8=101/102);
            // add it where the readers are int8 only through max Pooling or
            // Concat, which ncnn's fuse_requantize does not look through.
            net.plan_requantize(true);
        }
        net.set_options(opt)?;
        Ok(net)
    }

    /// Gives each layer in `table` its int8 scales.
    fn apply_table(&mut self, table: &Table) -> Result<()> {
        for (name, ls) in &table.layers {
            let slot = self
                .layers
                .iter_mut()
                .find(|l| &l.name == name)
                .ok_or_else(|| {
                    table.error(ls.lines.0, format!("`{name}` is not a layer of this model"))
                })?;
            let kind = slot.kind.clone();
            let q = slot.layer.quantized_mut().ok_or_else(|| {
                table.error(
                    ls.lines.0,
                    format!(
                        "`{name}` is a {kind}, which has no int8 form (layers with one: {})",
                        layer::quantizable_type_names().join(", ")
                    ),
                )
            })?;
            q.set_table_scales(&ls.weight_scales, ls.blob_scale)
                .map_err(|e| table.error(ls.lines.0, format!("`{name}` ({kind}): {}", e.0)))?;
        }
        Ok(())
    }

    /// The layers that finally read blob `b` in int8, looking through the
    /// layers that pass int8 on with its scale unchanged and leaving out
    /// those that read only its shape (each layer's [`Layer::int8_input`]);
    /// `false` if some reader computes in fp32.
    pub fn int8_readers(&self, b: usize, out: &mut Vec<usize>) -> bool {
        for &l in &self.blobs[b].consumers {
            match self.layers[l].layer.int8_input() {
                Int8Input::ShapeOnly => {}
                Int8Input::PassThrough => {
                    for &t in &self.layers[l].tops {
                        if !self.int8_readers(t, out) {
                            return false;
                        }
                    }
                }
                Int8Input::Quantized => out.push(l),
                Int8Input::Dequantize => return false,
            }
        }
        true
    }

    /// ncnn's `fuse_requantize`, generalised: an int8 layer that can write
    /// int8 ([`QuantizedLayer::can_requantize`](crate::layer::QuantizedLayer::can_requantize))
    /// and whose output is read only by int8 layers (directly or through
    /// layers that pass int8 on, see [`Net::int8_readers`]) writes int8
    /// straight away, requantized to the readers' input scale — the smallest
    /// one if they differ, so no reader sees its range clipped. The readers
    /// dequantize with the scale the blob carries.
    /// With `keep_existing`, layers that already requantize keep their scale.
    fn plan_requantize(&mut self, keep_existing: bool) {
        for l in 0..self.layers.len() {
            let slot = &self.layers[l];
            let Some(q) = slot.layer.quantized() else {
                continue;
            };
            if slot.layer.int8_input() != Int8Input::Quantized
                || !q.can_requantize()
                || q.input_scale().is_none()
                || (keep_existing && q.output_scale().is_some())
            {
                continue;
            }
            let mut readers = Vec::new();
            if !self.int8_readers(slot.tops[0], &mut readers) || readers.is_empty() {
                continue;
            }
            let scale = readers.iter().try_fold(f32::MAX, |scale, &r| {
                match self.layers[r]
                    .layer
                    .quantized()
                    .and_then(|q| q.input_scale())
                {
                    Some(s) if s > 0.0 => Some(scale.min(s)),
                    _ => None,
                }
            });
            if let (Some(scale), Some(q)) = (scale, self.layers[l].layer.quantized_mut()) {
                q.set_output_scale(Some(scale));
            }
        }
    }

    /// Builds the `.bin` that [`Weights::Synthetic`] with `seed` stands for,
    /// in ncnn's layout, so ncnn can load exactly the same weights.
    pub fn synthetic_bin(param: &Path, seed: u64) -> Result<Vec<u8>> {
        Net::synthetic_bin_with(param, SyntheticSource::recording(seed))
    }

    /// Like [`Net::synthetic_bin`] with a prepared source (e.g. one that hands
    /// out calibrated blob scales for an int8 `.param`).
    pub fn synthetic_bin_with(param: &Path, mut src: SyntheticSource) -> Result<Vec<u8>> {
        let text = std::fs::read(param).map_err(|e| Error::io(param, e))?;
        let label = param.display().to_string();
        let text = std::str::from_utf8(&text).map_err(|e| Error::Param {
            file: label.clone(),
            line: 1,
            msg: format!("not UTF-8 text ({e})"),
        })?;
        let pf = parse_param(text, &label)?;
        let mut net = Net::build_graph(&pf.layers, &label, &Options::default())?;
        net.load_weights(&mut src, "<synthetic weights>")?;
        // The net (and the weights its layers keep) goes before the bytes are
        // handed back: a large model's two copies need not live at once.
        drop(net);
        Ok(src.into_bin_bytes())
    }

    fn build_graph(decls: &[LayerDecl], label: &str, _opt: &Options) -> Result<Net> {
        let mut layers = Vec::with_capacity(decls.len());
        let mut blobs: Vec<BlobInfo> = Vec::new();
        let mut blob_index: HashMap<String, usize> = HashMap::new();
        for (li, d) in decls.iter().enumerate() {
            let perr = |msg: String| Error::Param {
                file: label.to_string(),
                line: d.line,
                msg,
            };
            let mut layer = layer::create_layer(&d.kind).ok_or_else(|| {
                perr(format!(
                    "layer `{}`: {}",
                    d.name,
                    layer::unknown_type_message(&d.kind)
                ))
            })?;
            layer
                .load_param(&d.params)
                .map_err(|e| perr(format!("layer `{}` ({}): {}", d.name, d.kind, e)))?;
            // -23330=4n,dims,w,h,c,…: the output shapes the converter recorded.
            // Kernels use them to pick algorithms by map size at load time.
            if let Ok(h) = d.params.get_ints(30) {
                let shapes: Vec<(usize, usize, usize)> = h
                    .chunks_exact(4)
                    .filter(|s| s.iter().all(|&v| v >= 0))
                    .map(|s| (s[1] as usize, s[2] as usize, s[3] as usize))
                    .collect();
                if shapes.len() == d.tops.len() {
                    layer.set_output_shape_hints(&shapes);
                }
            }
            let mut bottoms = Vec::with_capacity(d.bottoms.len());
            for b in &d.bottoms {
                let idx = *blob_index.get(b).ok_or_else(|| {
                    perr(format!(
                        "layer `{}`: input blob `{b}` is not produced by any earlier layer",
                        d.name
                    ))
                })?;
                blobs[idx].consumers.push(li);
                bottoms.push(idx);
            }
            let mut tops = Vec::with_capacity(d.tops.len());
            for t in &d.tops {
                // A later producer of an existing name shadows it for later consumers.
                let idx = blobs.len();
                blobs.push(BlobInfo {
                    name: t.clone(),
                    producer: Some(li),
                    consumers: Vec::new(),
                });
                blob_index.insert(t.clone(), idx);
                tops.push(idx);
            }
            layers.push(LayerSlot {
                name: d.name.clone(),
                kind: d.kind.clone(),
                line: d.line,
                bottoms,
                tops,
                layer,
            });
        }
        Ok(Net {
            layers,
            blobs,
            blob_index,
            opt: Options::default(),
            pool: None,
            memory: Allocator::new(),
            ignored_param_lines: 0,
        })
    }

    fn load_bin(&mut self, bytes: &[u8], file: &str) -> Result<()> {
        let mut reader = BinReader::new(bytes);
        self.load_weights(&mut reader, file)?;
        if reader.remaining() > 0 {
            return Err(Error::BinSize {
                file: file.to_string(),
                msg: format!(
                    "{} bytes left over after the last layer's weights (at offset {}): the .bin does not match the .param",
                    reader.remaining(),
                    reader.offset()
                ),
            });
        }
        Ok(())
    }

    fn load_weights(&mut self, src: &mut dyn ModelSource, file: &str) -> Result<()> {
        for slot in &mut self.layers {
            let start = src.offset();
            slot.layer.load_model(src).map_err(|e| Error::Bin {
                file: file.to_string(),
                layer: slot.name.clone(),
                kind: slot.kind.clone(),
                offset: start,
                msg: e.0,
            })?;
        }
        Ok(())
    }

    /// Applies options: thread pool and kernel preparation.
    pub fn set_options(&mut self, opt: Options) -> Result<()> {
        for slot in &mut self.layers {
            slot.layer.prepare(&opt).map_err(|e| Error::Layer {
                layer: slot.name.clone(),
                kind: slot.kind.clone(),
                line: slot.line,
                msg: e.0,
            })?;
        }
        self.pool = if opt.num_threads > 1 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(opt.num_threads)
                    .start_handler({
                        let cpus = opt.cpus.clone();
                        let memory = Arc::clone(&self.memory);
                        let retain = !opt.low_memory;
                        move |i| {
                            if !cpus.is_empty() {
                                core_affinity::set_for_current(core_affinity::CoreId {
                                    id: cpus[i % cpus.len()],
                                });
                            }
                            // The pool's threads work for this net only.
                            memory.adopt_thread();
                            octet_kernels::int8::scratch::set_thread_retention(retain);
                        }
                    })
                    .build()
                    .map_err(|e| {
                        Error::Invalid(format!("cannot start {} threads: {e}", opt.num_threads))
                    })?,
            )
        } else {
            None
        };
        self.opt = opt;
        Ok(())
    }

    pub fn options(&self) -> &Options {
        &self.opt
    }

    /// Non-blank `.param` lines after the layers its header declares: ncnn
    /// ignores them, and so does Octet.
    pub fn ignored_param_lines(&self) -> usize {
        self.ignored_param_lines
    }

    pub fn layers(&self) -> &[LayerSlot] {
        &self.layers
    }

    pub fn blobs(&self) -> &[BlobInfo] {
        &self.blobs
    }

    /// Index of the blob a consumer named `name` would read (the latest producer).
    pub fn blob_index(&self, name: &str) -> Option<usize> {
        self.blob_index.get(name).copied()
    }

    /// Names of the blobs no layer consumes (the network's outputs).
    pub fn output_names(&self) -> Vec<String> {
        self.blobs
            .iter()
            .filter(|b| b.consumers.is_empty())
            .map(|b| b.name.clone())
            .collect()
    }

    /// Names of the blobs produced by Input layers.
    pub fn input_names(&self) -> Vec<String> {
        self.layers
            .iter()
            .filter(|l| l.layer.declared_input().is_some())
            .flat_map(|l| l.tops.iter().map(|&t| self.blobs[t].name.clone()))
            .collect()
    }

    /// The shape the Input layer of blob `name` declares (numpy order), if
    /// it declares all of its sizes.
    pub fn declared_input_shape(&self, name: &str) -> Option<Vec<usize>> {
        let producer = self.blobs[self.blob_index(name)?].producer?;
        self.layers[producer].layer.declared_input()?.numpy_shape()
    }

    /// Total weight bytes held by the layers.
    pub fn weight_bytes(&self) -> usize {
        self.layers.iter().map(|l| l.layer.weight_bytes()).sum()
    }

    /// A fresh extractor (its own blob table).
    pub fn extractor(&self) -> Extractor<'_> {
        Extractor::with(NetRef::Borrowed(self))
    }

    /// An extractor that shares ownership of the net (it can outlive any
    /// borrow: the C API hands these out).
    pub fn shared_extractor(self: &Arc<Self>) -> Extractor<'static> {
        Extractor::with(NetRef::Shared(Arc::clone(self)))
    }

    /// This net's tensor memory: bytes live and the high-water mark of its
    /// runs (its own, not other nets').
    pub fn memory(&self) -> &Allocator {
        &self.memory
    }

    /// Runs `f` on the net's thread pool (or the calling thread for 1
    /// thread), with the net's allocator and scratch retention (its
    /// low-memory mode) in effect for the Mats and kernel buffers it uses.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        let retain = !self.opt.low_memory;
        let run = || {
            self.memory
                .scope(|| octet_kernels::int8::scratch::with_retention(retain, f))
        };
        match &self.pool {
            Some(p) => p.install(run),
            None => run(),
        }
    }
}

/// Called with (layer index, output blob index, blob) as each blob is produced.
pub type BlobObserver<'n> = Box<dyn FnMut(usize, usize, &Mat) + 'n>;

/// One inference: set inputs, extract outputs (ncnn's `Extractor`).
/// The net an extractor runs: borrowed, or shared (an extractor that owns
/// its net, for the C API and other owners that cannot hold a borrow).
#[derive(Clone)]
enum NetRef<'n> {
    Borrowed(&'n Net),
    Shared(Arc<Net>),
}

impl std::ops::Deref for NetRef<'_> {
    type Target = Net;
    fn deref(&self) -> &Net {
        match self {
            NetRef::Borrowed(n) => n,
            NetRef::Shared(n) => n,
        }
    }
}

pub struct Extractor<'n> {
    net: NetRef<'n>,
    blobs: Vec<Option<Mat>>,
    keep: Vec<bool>,
    observer: Option<BlobObserver<'n>>,
    overrides: Vec<(usize, &'n dyn Layer)>,
}

impl<'n> Extractor<'n> {
    fn with(net: NetRef<'n>) -> Self {
        let n = net.blobs.len();
        Extractor {
            net,
            blobs: vec![None; n],
            keep: vec![false; n],
            observer: None,
            overrides: Vec::new(),
        }
    }

    /// Sees every blob as it is produced (per-layer statistics, calibration,
    /// shape reports) without keeping them alive.
    pub fn set_observer(&mut self, f: impl FnMut(usize, usize, &Mat) + 'n) {
        self.observer = Some(Box::new(f));
    }

    /// Runs `layer` in place of the net's layer `index` (same inputs and
    /// outputs): e.g. one layer of an int8 net inside an fp32 net, to see
    /// what quantizing just that layer does to the outputs.
    pub fn set_layer_override(&mut self, index: usize, layer: &'n dyn Layer) {
        self.overrides.retain(|(i, _)| *i != index);
        self.overrides.push((index, layer));
    }

    /// The net this extractor runs.
    pub fn net(&self) -> &Net {
        &self.net
    }

    /// Sets input blob `name`.
    pub fn input(&mut self, name: &str, mat: Mat) -> Result<()> {
        let idx = self
            .net
            .blob_index(name)
            .ok_or_else(|| Error::BlobNotFound(name.to_string()))?;
        if mat.is_empty() {
            return Err(Error::Input {
                name: name.into(),
                msg: "empty tensor".into(),
            });
        }
        if let Some(p) = self.net.blobs[idx].producer {
            if let Some(decl) = self.net.layers[p].layer.declared_input() {
                decl.check(&mat).map_err(|msg| Error::Input {
                    name: name.into(),
                    msg,
                })?;
            }
        }
        self.blobs[idx] = Some(mat);
        self.keep[idx] = true;
        Ok(())
    }

    /// Computes (or returns the cached) blob `name`.
    pub fn extract(&mut self, name: &str) -> Result<Mat> {
        let idx = self
            .net
            .blob_index(name)
            .ok_or_else(|| Error::BlobNotFound(name.to_string()))?;
        self.run(&[idx])?;
        Ok(self.blobs[idx].clone().unwrap_or_default())
    }

    /// Computes several blobs in one pass, sharing the work.
    pub fn extract_many(&mut self, names: &[&str]) -> Result<Vec<Mat>> {
        let idx: Vec<usize> = names
            .iter()
            .map(|n| {
                self.net
                    .blob_index(n)
                    .ok_or_else(|| Error::BlobNotFound(n.to_string()))
            })
            .collect::<Result<_>>()?;
        self.run(&idx)?;
        Ok(idx
            .iter()
            .map(|&i| self.blobs[i].clone().unwrap_or_default())
            .collect())
    }

    fn run(&mut self, targets: &[usize]) -> Result<()> {
        // The extractor's own copies (dequantized inputs) count for the net too.
        let memory = Arc::clone(&self.net.memory);
        memory.scope(|| self.run_layers(targets))
    }

    fn run_layers(&mut self, targets: &[usize]) -> Result<()> {
        let net_ref = self.net.clone();
        let net: &Net = &net_ref;
        // Layers needed: walk back from the targets, stopping at blobs we have.
        let mut needed = vec![false; net.layers.len()];
        let mut stack: Vec<usize> = targets
            .iter()
            .copied()
            .filter(|&b| self.blobs[b].is_none())
            .collect();
        let mut seen = vec![false; net.blobs.len()];
        while let Some(b) = stack.pop() {
            if seen[b] {
                continue;
            }
            seen[b] = true;
            if self.blobs[b].is_some() {
                continue;
            }
            match net.blobs[b].producer {
                None => {
                    return Err(Error::Input {
                        name: net.blobs[b].name.clone(),
                        msg: "not set".into(),
                    })
                }
                Some(l) if net.layers[l].layer.declared_input().is_some() => {
                    return Err(Error::Input {
                        name: net.blobs[b].name.clone(),
                        msg: "not set; call input() before extract()".into(),
                    })
                }
                Some(l) => {
                    if !needed[l] {
                        needed[l] = true;
                        stack.extend(net.layers[l].bottoms.iter().copied());
                    }
                }
            }
        }
        for &t in targets {
            self.keep[t] = true;
        }
        // Remaining uses of each blob by the layers about to run.
        let mut uses = vec![0usize; net.blobs.len()];
        for (l, slot) in net.layers.iter().enumerate() {
            if needed[l] {
                for &b in &slot.bottoms {
                    uses[b] += 1;
                }
            }
        }
        for (l, slot) in net.layers.iter().enumerate() {
            if !needed[l] {
                continue;
            }
            let ctx = ForwardContext {
                opt: &net.opt,
                num_outputs: slot.tops.len(),
            };
            let layer: &dyn Layer = self
                .overrides
                .iter()
                .find(|(i, _)| *i == l)
                .map_or(slot.layer.as_ref(), |(_, o)| *o);
            let mut inputs = Vec::with_capacity(slot.bottoms.len());
            for &b in &slot.bottoms {
                uses[b] -= 1;
                let last = uses[b] == 0 && !self.keep[b];
                let m = if last {
                    self.blobs[b].take()
                } else {
                    self.blobs[b].clone()
                };
                let m = m.ok_or_else(|| {
                    Error::Invalid(format!("internal: blob `{}` missing", net.blobs[b].name))
                })?;
                if m.dims() > layer.max_input_dims() {
                    return Err(Error::Layer {
                        layer: slot.name.clone(),
                        kind: slot.kind.clone(),
                        line: slot.line,
                        msg: format!(
                            "input `{}` has shape {:?}: this layer takes at most {}-D blobs",
                            net.blobs[b].name,
                            m.shape(),
                            layer.max_input_dims()
                        ),
                    });
                }
                inputs.push(if m.is_int8() && !layer.int8_input().takes_int8() {
                    m.dequantize()
                } else {
                    m
                });
            }
            // A panic inside a layer is an Octet bug; it must still not take
            // the host program (camera firmware) down with it.
            let run = || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    layer.forward(inputs, &ctx)
                }))
            };
            let outputs = net
                .install(run)
                .unwrap_or_else(|p| {
                    let what = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned());
                    Err(LayerError(format!(
                        "internal error (please report): {}",
                        what.unwrap_or_default()
                    )))
                })
                .map_err(|e: LayerError| Error::Layer {
                    layer: slot.name.clone(),
                    kind: slot.kind.clone(),
                    line: slot.line,
                    msg: e.0,
                })?;
            if outputs.len() != slot.tops.len() {
                return Err(Error::Layer {
                    layer: slot.name.clone(),
                    kind: slot.kind.clone(),
                    line: slot.line,
                    msg: format!(
                        "produced {} outputs, the param declares {}",
                        outputs.len(),
                        slot.tops.len()
                    ),
                });
            }
            for (m, &t) in outputs.into_iter().zip(&slot.tops) {
                if let Some(obs) = self.observer.as_mut() {
                    obs(l, t, &m);
                }
                if uses[t] > 0 || self.keep[t] {
                    self.blobs[t] = Some(m);
                }
            }
        }
        Ok(())
    }
}
