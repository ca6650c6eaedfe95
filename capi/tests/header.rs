//! include/octet.h is what cbindgen makes of src/lib.rs: a change on one side
//! without the other fails here. `OCTET_BLESS=1` rewrites the header.

#[test]
fn header_matches_the_rust_side() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let config = cbindgen::Config::from_file(format!("{dir}/cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .expect("cbindgen");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    let path = format!("{dir}/include/octet.h");
    if std::env::var_os("OCTET_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(checked_in == generated, "include/octet.h is out of date with src/lib.rs: run OCTET_BLESS=1 cargo test -p octet-capi --test header");
}
