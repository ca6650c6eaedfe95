//! What a layer can do is layer data (`octet::layer::Layer`'s capability
//! methods), never a match on its type name elsewhere: no registered type
//! name appears as a string outside `runtime/src/layer/` in the runtime, the
//! tools or the C API, and the tools never downcast a layer. The README's
//! layer table is the registry's.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The source files outside the layers: the runtime's own (net, tables,
/// …), the tools, the C API.
fn checked_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["runtime/src", "tools/src", "capi/src"] {
        rust_files(&root().join(dir), &mut files);
    }
    let layers = root().join("runtime/src/layer");
    files.retain(|f| !f.starts_with(&layers));
    assert!(files.len() > 20, "found only {} files", files.len());
    files
}

#[test]
fn no_layer_type_name_outside_the_layers() {
    let names: Vec<&str> = octet::layer::layer_type_names().collect();
    assert!(names.contains(&"Convolution") && names.contains(&"PriorBox"));
    let mut found = Vec::new();
    for f in checked_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        for n in &names {
            if text.contains(&format!("\"{n}\"")) {
                found.push(format!("{}: \"{n}\"", f.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "layer type names matched outside runtime/src/layer/ (ask the layer instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_tools_never_downcast_a_layer() {
    let mut files = Vec::new();
    rust_files(&root().join("tools/src"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            !text.contains("downcast") && !text.contains("as_any"),
            "{}: downcasts a layer",
            f.display()
        );
    }
}

#[test]
fn readme_layer_table_is_the_registry() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let (start, end) = (
        "<!-- layer table: octet layers -->\n",
        "<!-- end of layer table -->",
    );
    let a = readme
        .find(start)
        .expect("README has the layer table marker")
        + start.len();
    let b = readme[a..].find(end).expect("README has the end marker") + a;
    assert_eq!(
        &readme[a..b],
        octet::layer::registry_markdown(),
        "README's layer table differs from the registry: paste `octet layers` between the markers"
    );
}
