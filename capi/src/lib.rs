//! C ABI of Octet (`include/octet.h`, `liboctet.a`, `liboctet.so`).
//!
//! Every function returns an [`OctetStatus`] (or a pointer that may be null),
//! checks every pointer and size it is given, and never lets a Rust panic
//! cross into C: a panic becomes `OCTET_ERR_PANIC`. The message of the last
//! failure on the calling thread is [`octet_last_error`].
//!
//! This crate is the one place outside the kernels and the mmap where
//! `unsafe` lives: C hands over raw pointers, and each use is checked for
//! null, bounded by the length the caller gives, and commented.

// These functions are the C ABI: every pointer they take is null-checked, and
// what remains (a non-null pointer must be valid) is the C caller's contract,
// written in octet.h. Marking them `unsafe fn` would change nothing for C.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use octet_rt::{Error, Extractor, Mat, Net, Options, TableSource, Weights};

/// Result of every call.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OctetStatus {
    Ok = 0,
    /// A required pointer was null.
    ErrNullArg = 1,
    /// A size, count or string was invalid.
    ErrInvalidArg = 2,
    /// A file could not be read.
    ErrIo = 3,
    /// The `.param` is malformed.
    ErrParam = 4,
    /// The `.bin` is malformed or does not match the `.param`.
    ErrBin = 5,
    /// The calibration table is malformed.
    ErrTable = 6,
    /// A layer failed while running.
    ErrLayer = 7,
    /// No blob has that name.
    ErrBlobNotFound = 8,
    /// An input is missing or has the wrong shape.
    ErrInput = 9,
    /// The caller's output buffer is too small (the shape is still written).
    ErrBufferTooSmall = 10,
    /// The call came in the wrong order (e.g. an extractor on an unloaded net).
    ErrState = 11,
    /// Octet panicked (a bug); the message says where.
    ErrPanic = 12,
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_error(msg: &str) {
    let c = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

fn fail(status: OctetStatus, msg: impl Into<String>) -> OctetStatus {
    set_error(&msg.into());
    status
}

fn from_error(e: &Error) -> OctetStatus {
    let s = match e {
        Error::Io { .. } => OctetStatus::ErrIo,
        Error::Param { .. } => OctetStatus::ErrParam,
        Error::Bin { .. } | Error::BinSize { .. } => OctetStatus::ErrBin,
        Error::Table { .. } => OctetStatus::ErrTable,
        Error::Layer { .. } => OctetStatus::ErrLayer,
        Error::BlobNotFound(_) => OctetStatus::ErrBlobNotFound,
        Error::Input { .. } => OctetStatus::ErrInput,
        Error::Invalid(_) => OctetStatus::ErrInvalidArg,
    };
    fail(s, e.to_string())
}

/// Runs `f`, turning a panic into `ErrPanic`.
fn guard(f: impl FnOnce() -> OctetStatus) -> OctetStatus {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(s) => {
            if s == OctetStatus::Ok {
                set_error("");
            }
            s
        }
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            fail(
                OctetStatus::ErrPanic,
                format!("internal error (panic): {msg}"),
            )
        }
    }
}

/// A C string argument as UTF-8.
fn str_arg<'a>(p: *const c_char, what: &str) -> Result<&'a str, OctetStatus> {
    if p.is_null() {
        return Err(fail(OctetStatus::ErrNullArg, format!("{what} is null")));
    }
    // SAFETY: non-null, and the C caller promises a NUL-terminated string that outlives this call.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str()
        .map_err(|_| fail(OctetStatus::ErrInvalidArg, format!("{what} is not UTF-8")))
}

/// A byte buffer argument.
fn bytes_arg<'a>(p: *const u8, len: usize, what: &str) -> Result<&'a [u8], OctetStatus> {
    if p.is_null() {
        return Err(fail(OctetStatus::ErrNullArg, format!("{what} is null")));
    }
    if len > isize::MAX as usize {
        return Err(fail(
            OctetStatus::ErrInvalidArg,
            format!("{what}: length too large"),
        ));
    }
    // SAFETY: non-null, and the caller promises `len` readable bytes that outlive this call.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

macro_rules! try_s {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(s) => return s,
        }
    };
}

/// A network: options, then a loaded model.
pub struct OctetNet {
    options: Options,
    net: Option<Arc<Net>>,
}

/// One inference on a net; keeps the net alive.
pub struct OctetExtractor {
    ex: Extractor<'static>,
}

/// An extracted tensor: shape and tightly packed `c × d × h × w` floats.
pub struct OctetTensor {
    dims: c_int,
    w: c_int,
    h: c_int,
    d: c_int,
    c: c_int,
    data: Vec<f32>,
}

/// Library version, a static string.
#[no_mangle]
pub extern "C" fn octet_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Message of the last failed call on this thread ("" after a success).
/// Valid until the next Octet call on this thread.
#[no_mangle]
pub extern "C" fn octet_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// Creates an empty net (1 thread, int8 where the model has scales).
#[no_mangle]
pub extern "C" fn octet_net_create(out: *mut *mut OctetNet) -> OctetStatus {
    guard(|| {
        if out.is_null() {
            return fail(OctetStatus::ErrNullArg, "out is null");
        }
        let net = Box::new(OctetNet {
            options: Options::default(),
            net: None,
        });
        // SAFETY: `out` is non-null and points to writable storage for one pointer (caller contract).
        unsafe { *out = Box::into_raw(net) };
        OctetStatus::Ok
    })
}

/// Frees a net (null is ignored). Extractors made from it stay valid.
#[no_mangle]
pub extern "C" fn octet_net_destroy(net: *mut OctetNet) {
    let _ = guard(|| {
        if !net.is_null() {
            // SAFETY: `net` came from octet_net_create and is destroyed once (caller contract).
            drop(unsafe { Box::from_raw(net) });
        }
        OctetStatus::Ok
    });
}

fn net_mut<'a>(net: *mut OctetNet) -> Result<&'a mut OctetNet, OctetStatus> {
    if net.is_null() {
        return Err(fail(OctetStatus::ErrNullArg, "net is null"));
    }
    // SAFETY: non-null handle from octet_net_create, not used concurrently (caller contract).
    Ok(unsafe { &mut *net })
}

fn before_load(n: &OctetNet) -> Result<(), OctetStatus> {
    if n.net.is_some() {
        return Err(fail(
            OctetStatus::ErrState,
            "options must be set before the model is loaded",
        ));
    }
    Ok(())
}

/// Worker threads (≥ 1). Before loading.
#[no_mangle]
pub extern "C" fn octet_net_set_threads(net: *mut OctetNet, threads: c_int) -> OctetStatus {
    guard(|| {
        let n = try_s!(net_mut(net));
        try_s!(before_load(n));
        if threads < 1 {
            return fail(
                OctetStatus::ErrInvalidArg,
                format!("threads must be at least 1, got {threads}"),
            );
        }
        n.options.num_threads = threads as usize;
        OctetStatus::Ok
    })
}

/// Pins the worker threads to `count` CPUs (round-robin). With one thread
/// the work runs on the calling thread, which the caller pins. Before loading.
#[no_mangle]
pub extern "C" fn octet_net_set_cpu_affinity(
    net: *mut OctetNet,
    cpus: *const c_int,
    count: c_int,
) -> OctetStatus {
    guard(|| {
        let n = try_s!(net_mut(net));
        try_s!(before_load(n));
        if count < 0 || (count > 0 && cpus.is_null()) {
            return fail(
                if cpus.is_null() {
                    OctetStatus::ErrNullArg
                } else {
                    OctetStatus::ErrInvalidArg
                },
                "cpus must list `count` ≥ 0 CPUs",
            );
        }
        let list: &[c_int] = if count == 0 {
            &[]
        } else {
            // SAFETY: non-null and the caller promises `count` readable ints.
            unsafe { std::slice::from_raw_parts(cpus, count as usize) }
        };
        if let Some(bad) = list.iter().find(|&&c| c < 0) {
            return fail(OctetStatus::ErrInvalidArg, format!("CPU {bad} is negative"));
        }
        n.options.cpus = list.iter().map(|&c| c as usize).collect();
        OctetStatus::Ok
    })
}

/// 1: run int8 where the model (or table) has scales (the default); 0: fp32. Before loading.
#[no_mangle]
pub extern "C" fn octet_net_set_int8(net: *mut OctetNet, enabled: c_int) -> OctetStatus {
    guard(|| {
        let n = try_s!(net_mut(net));
        try_s!(before_load(n));
        n.options.use_int8 = enabled != 0;
        OctetStatus::Ok
    })
}

/// 1: trade speed for memory (int8 3×3 layers on small maps keep 1-byte
/// weights instead of Winograd's larger transformed ones). Before loading.
#[no_mangle]
pub extern "C" fn octet_net_set_low_memory(net: *mut OctetNet, enabled: c_int) -> OctetStatus {
    guard(|| {
        let n = try_s!(net_mut(net));
        try_s!(before_load(n));
        n.options.low_memory = enabled != 0;
        OctetStatus::Ok
    })
}

fn finish_load(n: &mut OctetNet, r: octet_rt::Result<Net>) -> OctetStatus {
    match r {
        Ok(loaded) => {
            n.net = Some(Arc::new(loaded));
            OctetStatus::Ok
        }
        Err(e) => from_error(&e),
    }
}

/// Loads `param_path` with weights from `bin_path` and, if not null, an int8
/// calibration table. The `.bin` is memory-mapped while loading.
#[no_mangle]
pub extern "C" fn octet_net_load_files(
    net: *mut OctetNet,
    param_path: *const c_char,
    bin_path: *const c_char,
    table_path: *const c_char,
) -> OctetStatus {
    guard(|| {
        let n = try_s!(net_mut(net));
        try_s!(before_load(n));
        let param = try_s!(str_arg(param_path, "param_path"));
        let bin = try_s!(str_arg(bin_path, "bin_path"));
        let table = if table_path.is_null() {
            None
        } else {
            Some(try_s!(str_arg(table_path, "table_path")))
        };
        let r = Net::load_with_table(
            param.as_ref(),
            Weights::File(bin.as_ref()),
            table.map(|t| TableSource::File(t.as_ref())),
            n.options.clone(),
        );
        finish_load(n, r)
    })
}

/// Loads from memory (firmware without a filesystem): `.param` text, `.bin`
/// bytes, and optionally table text (`table` null or `table_len` 0: none).
/// The buffers may be freed after the call.
#[no_mangle]
pub extern "C" fn octet_net_load_memory(
    net: *mut OctetNet,
    param: *const c_char,
    param_len: usize,
    bin: *const u8,
    bin_len: usize,
    table: *const c_char,
    table_len: usize,
) -> OctetStatus {
    guard(|| {
        let n = try_s!(net_mut(net));
        try_s!(before_load(n));
        let p = try_s!(bytes_arg(param.cast(), param_len, "param"));
        let b = try_s!(bytes_arg(bin, bin_len, "bin"));
        let t = if table.is_null() || table_len == 0 {
            None
        } else {
            Some(try_s!(bytes_arg(table.cast(), table_len, "table")))
        };
        let t = match t.map(std::str::from_utf8) {
            None => None,
            Some(Ok(s)) => Some(s),
            Some(Err(_)) => return fail(OctetStatus::ErrInvalidArg, "table is not UTF-8 text"),
        };
        let pf = match std::str::from_utf8(p) {
            Ok(text) => octet_rt::param::parse_param(text, "<param memory>"),
            Err(_) => return fail(OctetStatus::ErrParam, "<param memory>: not UTF-8 text"),
        };
        let r = pf.and_then(|pf| {
            Net::from_parsed_with_table(
                pf,
                "<param memory>",
                Weights::Bytes(b),
                t.map(|text| TableSource::Text {
                    text,
                    label: "<table memory>",
                }),
                n.options.clone(),
            )
        });
        finish_load(n, r)
    })
}

/// A new extractor on a loaded net. It keeps the net alive.
#[no_mangle]
pub extern "C" fn octet_extractor_create(
    net: *const OctetNet,
    out: *mut *mut OctetExtractor,
) -> OctetStatus {
    guard(|| {
        if net.is_null() || out.is_null() {
            return fail(
                OctetStatus::ErrNullArg,
                if net.is_null() {
                    "net is null"
                } else {
                    "out is null"
                },
            );
        }
        // SAFETY: non-null handle from octet_net_create (caller contract).
        let n = unsafe { &*net };
        let Some(loaded) = &n.net else {
            return fail(OctetStatus::ErrState, "the net has no model loaded");
        };
        let ex = Box::new(OctetExtractor {
            ex: loaded.shared_extractor(),
        });
        // SAFETY: `out` is non-null and writable (caller contract).
        unsafe { *out = Box::into_raw(ex) };
        OctetStatus::Ok
    })
}

/// Frees an extractor (null is ignored).
#[no_mangle]
pub extern "C" fn octet_extractor_destroy(ex: *mut OctetExtractor) {
    let _ = guard(|| {
        if !ex.is_null() {
            // SAFETY: `ex` came from octet_extractor_create and is destroyed once (caller contract).
            drop(unsafe { Box::from_raw(ex) });
        }
        OctetStatus::Ok
    });
}

fn ex_mut<'a>(ex: *mut OctetExtractor) -> Result<&'a mut OctetExtractor, OctetStatus> {
    if ex.is_null() {
        return Err(fail(OctetStatus::ErrNullArg, "extractor is null"));
    }
    // SAFETY: non-null handle from octet_extractor_create, not used concurrently (caller contract).
    Ok(unsafe { &mut *ex })
}

/// Sets input blob `name` from `w × h × c` floats in `c, h, w` order
/// (`h = c = 1` for 1-D, `c = 1` for 2-D inputs: give `dims` 1, 2 or 3).
#[no_mangle]
pub extern "C" fn octet_extractor_set_input(
    ex: *mut OctetExtractor,
    name: *const c_char,
    data: *const f32,
    dims: c_int,
    w: c_int,
    h: c_int,
    c: c_int,
) -> OctetStatus {
    if dims == 4 {
        return guard(|| {
            fail(
                OctetStatus::ErrInvalidArg,
                "dims=4 needs octet_extractor_set_input_4d",
            )
        });
    }
    set_input(ex, name, data, dims, [w, h, 1, c])
}

/// Sets input blob `name` from `w × h × d × c` floats in `c, d, h, w` order:
/// `dims` 1 to 4 (sizes beyond `dims` are ignored).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn octet_extractor_set_input_4d(
    ex: *mut OctetExtractor,
    name: *const c_char,
    data: *const f32,
    dims: c_int,
    w: c_int,
    h: c_int,
    d: c_int,
    c: c_int,
) -> OctetStatus {
    set_input(ex, name, data, dims, [w, h, d, c])
}

fn set_input(
    ex: *mut OctetExtractor,
    name: *const c_char,
    data: *const f32,
    dims: c_int,
    [w, h, d, c]: [c_int; 4],
) -> OctetStatus {
    guard(|| {
        let e = try_s!(ex_mut(ex));
        let name = try_s!(str_arg(name, "name"));
        if data.is_null() {
            return fail(OctetStatus::ErrNullArg, "data is null");
        }
        let size = |v: c_int| usize::try_from(v).ok().filter(|&v| v >= 1);
        let shape: Option<Vec<usize>> = match dims {
            1 => size(w).map(|w| vec![w]),
            2 => size(w).zip(size(h)).map(|(w, h)| vec![h, w]),
            3 => [c, h, w].into_iter().map(size).collect(),
            4 => [c, d, h, w].into_iter().map(size).collect(),
            _ => None,
        };
        let Some(shape) = shape else {
            return fail(
                OctetStatus::ErrInvalidArg,
                format!("bad shape dims={dims} w={w} h={h} d={d} c={c}"),
            );
        };
        let Some(n) = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .filter(|&n| n <= isize::MAX as usize / 4)
        else {
            return fail(OctetStatus::ErrInvalidArg, "shape too large");
        };
        // SAFETY: non-null and the caller promises the shape's count of readable floats.
        let values = unsafe { std::slice::from_raw_parts(data, n) };
        let m = match Mat::from_slice(&shape, values) {
            Ok(m) => m,
            Err(msg) => return fail(OctetStatus::ErrInvalidArg, msg),
        };
        match e.ex.input(name, m) {
            Ok(()) => OctetStatus::Ok,
            Err(err) => from_error(&err),
        }
    })
}

/// `(dims, w, h, d, c)` of a blob (all 0 when empty).
fn shape_of(m: &Mat) -> (c_int, c_int, c_int, c_int, c_int) {
    if m.is_empty() {
        return (0, 0, 0, 0, 0);
    }
    let int = |v: usize| c_int::try_from(v).unwrap_or(c_int::MAX);
    (
        int(m.dims()),
        int(m.w()),
        int(m.h()),
        int(m.d()),
        int(m.c()),
    )
}

/// Extracts blob `name` into the caller's buffer of `capacity` floats
/// (`c, h, w` order). The shape is written to any non-null `dims`/`w`/`h`/`c`
/// first; `OCTET_ERR_BUFFER_TOO_SMALL` if `capacity < w·h·c`. An empty blob
/// (e.g. no detections) has dims 0. A 4-D blob reports dims 4 with its depth
/// folded into `h` (`d·h` rows), so `w·h·c` is still its float count; use
/// `octet_extractor_extract_tensor` and `octet_tensor_shape_4d` for `d`.
#[no_mangle]
pub extern "C" fn octet_extractor_extract(
    ex: *mut OctetExtractor,
    name: *const c_char,
    out: *mut f32,
    capacity: usize,
    dims: *mut c_int,
    w: *mut c_int,
    h: *mut c_int,
    c: *mut c_int,
) -> OctetStatus {
    guard(|| {
        let e = try_s!(ex_mut(ex));
        let name = try_s!(str_arg(name, "name"));
        let m = match e.ex.extract(name) {
            Ok(m) => m,
            Err(err) => return from_error(&err),
        };
        // A 4-D blob reports its depth folded into h (d·h rows), so that
        // w·h·c is still its float count.
        let (d, mw, mh, md, mc) = shape_of(&m);
        for (p, v) in [(dims, d), (w, mw), (h, mh.saturating_mul(md)), (c, mc)] {
            if !p.is_null() {
                // SAFETY: non-null out-parameter, writable (caller contract).
                unsafe { *p = v };
            }
        }
        let data = m.to_vec();
        if data.is_empty() {
            return OctetStatus::Ok;
        }
        if out.is_null() {
            return fail(OctetStatus::ErrNullArg, "out is null");
        }
        if capacity < data.len() {
            return fail(
                OctetStatus::ErrBufferTooSmall,
                format!(
                    "blob `{name}` has {} values, the buffer holds {capacity}",
                    data.len()
                ),
            );
        }
        // SAFETY: non-null, and the caller promises `capacity` ≥ data.len() writable floats.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), out, data.len()) };
        OctetStatus::Ok
    })
}

/// Extracts blob `name` into a new tensor handle (free with `octet_tensor_destroy`).
#[no_mangle]
pub extern "C" fn octet_extractor_extract_tensor(
    ex: *mut OctetExtractor,
    name: *const c_char,
    out: *mut *mut OctetTensor,
) -> OctetStatus {
    guard(|| {
        let e = try_s!(ex_mut(ex));
        let name = try_s!(str_arg(name, "name"));
        if out.is_null() {
            return fail(OctetStatus::ErrNullArg, "out is null");
        }
        let m = match e.ex.extract(name) {
            Ok(m) => m,
            Err(err) => return from_error(&err),
        };
        let (dims, w, h, d, c) = shape_of(&m);
        let t = Box::new(OctetTensor {
            dims,
            w,
            h,
            d,
            c,
            data: m.to_vec(),
        });
        // SAFETY: `out` is non-null and writable (caller contract).
        unsafe { *out = Box::into_raw(t) };
        OctetStatus::Ok
    })
}

/// Shape of a tensor (any out-pointer may be null). A 4-D tensor reports
/// dims 4 with its depth folded into `h` (`d·h`); see `octet_tensor_shape_4d`.
#[no_mangle]
pub extern "C" fn octet_tensor_shape(
    t: *const OctetTensor,
    dims: *mut c_int,
    w: *mut c_int,
    h: *mut c_int,
    c: *mut c_int,
) -> OctetStatus {
    let mut d: c_int = 1;
    let mut hh: c_int = 0;
    let s = octet_tensor_shape_4d(t, dims, w, &mut hh, &mut d, c);
    if s == OctetStatus::Ok && !h.is_null() {
        // SAFETY: non-null out-parameter, writable (caller contract).
        unsafe { *h = hh.saturating_mul(d) };
    }
    s
}

/// Shape of a tensor with its depth (`d` = 1 below 4-D; any out-pointer may be null).
#[no_mangle]
pub extern "C" fn octet_tensor_shape_4d(
    t: *const OctetTensor,
    dims: *mut c_int,
    w: *mut c_int,
    h: *mut c_int,
    d: *mut c_int,
    c: *mut c_int,
) -> OctetStatus {
    guard(|| {
        if t.is_null() {
            return fail(OctetStatus::ErrNullArg, "tensor is null");
        }
        // SAFETY: non-null handle from octet_extractor_extract_tensor (caller contract).
        let t = unsafe { &*t };
        for (p, v) in [(dims, t.dims), (w, t.w), (h, t.h), (d, t.d), (c, t.c)] {
            if !p.is_null() {
                // SAFETY: non-null out-parameter, writable (caller contract).
                unsafe { *p = v };
            }
        }
        OctetStatus::Ok
    })
}

/// The tensor's `w·h·c` floats in `c, h, w` order (null for a null tensor),
/// valid until `octet_tensor_destroy`.
#[no_mangle]
pub extern "C" fn octet_tensor_data(t: *const OctetTensor) -> *const f32 {
    if t.is_null() {
        set_error("tensor is null");
        return std::ptr::null();
    }
    // SAFETY: non-null handle from octet_extractor_extract_tensor (caller contract).
    unsafe { (*t).data.as_ptr() }
}

/// Frees a tensor (null is ignored).
#[no_mangle]
pub extern "C" fn octet_tensor_destroy(t: *mut OctetTensor) {
    let _ = guard(|| {
        if !t.is_null() {
            // SAFETY: `t` came from octet_extractor_extract_tensor and is destroyed once (caller contract).
            drop(unsafe { Box::from_raw(t) });
        }
        OctetStatus::Ok
    });
}
