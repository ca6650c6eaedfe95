//! A minimal template renderer for the build script (no extra crates).

/// `template` with each `{{key}}` replaced by its value from `vars`.
///
/// One pass from left to right, so a value — asm text full of `{{` and `}}`
/// for `asm!`'s own escapes — is never scanned for keys. Panics (failing the
/// build) on a key the caller did not give and on a given key the template
/// does not use, so a template and the code that renders it cannot drift
/// apart unnoticed.
pub fn render(name: &str, template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut used = vec![false; vars.len()];
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .unwrap_or_else(|| panic!("{name}: `{{{{` without `}}}}`"));
        let key = &after[..end];
        let i = vars
            .iter()
            .position(|(k, _)| *k == key)
            .unwrap_or_else(|| panic!("{name}: no value for `{{{{{key}}}}}`"));
        out.push_str(vars[i].1);
        used[i] = true;
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    for ((key, _), used) in vars.iter().zip(used) {
        assert!(used, "{name}: `{{{{{key}}}}}` is not in the template");
    }
    out
}
