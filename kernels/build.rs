//! Build script of octet-kernels: renders the generated parts of the armv7
//! NEON fp32 kernels (`build/arm32_fp32.rs`) into `$OUT_DIR`, where
//! `src/arm32/fp32/mod.rs` `include!`s them, so the generated code is always
//! the generator's current output and nothing checked in can drift from it.
//!
//! It renders for every target, not only armv7: rendering takes no
//! measurable time, and a host build (and host CI) then runs the generator
//! too, so a broken template fails everywhere. Only armv7 compiles the result.
//! No dependencies, and nothing newer than the MSRV (Rust 1.85).

use std::{env, fs, path::PathBuf};

#[path = "build/arm32_fp32.rs"]
mod arm32_fp32;
#[path = "build/template.rs"]
mod template;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // The generator's modules and templates (a directory: any file in it).
    println!("cargo:rerun-if-changed=build");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (name, text) in arm32_fp32::files() {
        let path = out_dir.join(name);
        fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}
