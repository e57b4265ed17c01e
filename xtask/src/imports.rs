//! Short import names for the widget: wasm-bindgen names every JS import
//! `__wbg_<name>_<16 hex digits>`, and each name is shipped twice — in the wasm's import
//! section and as a key in the JS glue. The hashes do not compress: ~150 imports cost ~3.7 KB
//! gzip of the 64 KB budget (widget/README.md "Weight"). After wasm-bindgen, each import of
//! the glue's module is renamed `_<hex index>` in both files, consistently.
//!
//! Only the import section's names change (every other byte of the module is copied), and in
//! the JS only whole identifiers equal to an import's name are replaced.

use std::collections::HashMap;

use crate::error::{Error, Result};

fn leb(bytes: &[u8], at: &mut usize) -> Result<u32> {
    let (mut value, mut shift) = (0u64, 0);
    loop {
        let byte = *bytes
            .get(*at)
            .ok_or_else(|| Error::Other("wasm: truncated LEB128".into()))?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(value).map_err(|_| Error::Other("wasm: LEB128 too big".into()));
        }
        shift += 7;
        if shift > 35 {
            return Err(Error::Other("wasm: LEB128 too long".into()));
        }
    }
}

fn put_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn name<'a>(bytes: &'a [u8], at: &mut usize) -> Result<&'a str> {
    let len = leb(bytes, at)? as usize;
    let end = *at + len;
    let text = bytes
        .get(*at..end)
        .and_then(|b| std::str::from_utf8(b).ok())
        .ok_or_else(|| Error::Other("wasm: bad name".into()))?;
    *at = end;
    Ok(text)
}

/// Skips an import's descriptor (func, table, memory, global, tag).
fn skip_descriptor(bytes: &[u8], at: &mut usize) -> Result<()> {
    let kind = bytes.get(*at).copied();
    *at += 1;
    let limits = |at: &mut usize| -> Result<()> {
        let flags = bytes.get(*at).copied().unwrap_or(0);
        *at += 1;
        leb(bytes, at)?;
        if flags & 1 != 0 {
            leb(bytes, at)?;
        }
        Ok(())
    };
    match kind {
        Some(0) => {
            leb(bytes, at)?;
        }
        Some(1) => {
            *at += 1; // reference type
            limits(at)?;
        }
        Some(2) => limits(at)?,
        Some(3) => *at += 2, // value type, mutability
        Some(4) => {
            *at += 1;
            leb(bytes, at)?;
        }
        _ => return Err(Error::Other("wasm: unknown import kind".into())),
    }
    Ok(())
}

/// The glue module's new name in the import section (24 bytes → 1, ~150 times).
const MODULE: &str = "a";

/// Renames the imports of `module` whose names start with `__wb` to `_<hex index>`, and
/// `module` itself to [`MODULE`], in the wasm and in the JS glue; returns both rewritten.
pub(crate) fn shorten(wasm: &[u8], js: &str, module: &str) -> Result<(Vec<u8>, String)> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        return Err(Error::Other("wasm: not a wasm module".into()));
    }
    let mut out = wasm[..8].to_vec();
    let mut renamed: HashMap<String, String> = HashMap::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)? as usize;
        let end = at + size;
        let section = wasm
            .get(at..end)
            .ok_or_else(|| Error::Other("wasm: truncated section".into()))?;
        out.push(id);
        if id == 7 {
            // Exports: the closure shims' names (`wasm_bindgen_<hash>___convert__closures…`,
            // up to ~200 bytes each), wasm-bindgen's runtime exports (`__wbindgen_malloc`, …)
            // and the methods' shims (`widget_open`, …) become `x<hex index>`: only the glue
            // calls them. What the glue exports under the same name keeps it (`mount`), and so
            // does `memory`.
            let mut body = Vec::new();
            let mut p = 0;
            let count = leb(section, &mut p)?;
            put_leb(&mut body, count);
            for i in 0..count {
                let n = name(section, &mut p)?;
                let start = p;
                p += 1; // kind
                leb(section, &mut p)?;
                let internal = ["wasm_bindgen_", "__", "widget_"];
                let new = if internal.iter().any(|prefix| n.starts_with(prefix)) {
                    let short = format!("x{i:x}");
                    renamed.insert(n.to_owned(), short.clone());
                    short
                } else {
                    n.to_owned()
                };
                put_leb(&mut body, new.len() as u32);
                body.extend_from_slice(new.as_bytes());
                body.extend_from_slice(
                    section
                        .get(start..p)
                        .ok_or_else(|| Error::Other("wasm: truncated export".into()))?,
                );
            }
            put_leb(&mut out, body.len() as u32);
            out.extend_from_slice(&body);
            at = end;
            continue;
        }
        if id != 2 {
            put_leb(&mut out, size as u32);
            out.extend_from_slice(section);
            at = end;
            continue;
        }
        let mut body = Vec::new();
        let mut p = 0;
        let count = leb(section, &mut p)?;
        put_leb(&mut body, count);
        for _ in 0..count {
            let m = name(section, &mut p)?;
            let n = name(section, &mut p)?;
            let start = p;
            skip_descriptor(section, &mut p)?;
            let new = if m == module && n.starts_with("__wb") {
                let next = renamed.len();
                renamed
                    .entry(n.to_owned())
                    .or_insert_with(|| format!("_{next:x}"))
                    .clone()
            } else {
                n.to_owned()
            };
            let m = if m == module { MODULE } else { m };
            for text in [m, new.as_str()] {
                put_leb(&mut body, text.len() as u32);
                body.extend_from_slice(text.as_bytes());
            }
            body.extend_from_slice(
                section
                    .get(start..p)
                    .ok_or_else(|| Error::Other("wasm: truncated import".into()))?,
            );
        }
        put_leb(&mut out, body.len() as u32);
        out.extend_from_slice(&body);
        at = end;
    }
    if renamed.is_empty() {
        // The glue's module name changed (a wasm-bindgen update?): say so rather than ship
        // the long names unnoticed.
        return Err(Error::Other(format!(
            "wasm: no `__wb…` imports from {module}"
        )));
    }
    // The glue keys its import object by the module's name, as a string literal.
    let quoted = format!("\"{module}\"");
    if js.matches(&quoted).count() != 1 {
        return Err(Error::Other(format!("glue: expected one {quoted}")));
    }
    let js = js.replace(&quoted, &format!("\"{MODULE}\""));
    // Whole identifiers only: `[A-Za-z0-9_$]` runs.
    let mut glue = String::with_capacity(js.len());
    let mut word = String::new();
    let flush = |word: &mut String, glue: &mut String| {
        glue.push_str(renamed.get(word.as_str()).map_or(word.as_str(), |s| s));
        word.clear();
    };
    for c in js.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
            word.push(c);
        } else {
            flush(&mut word, &mut glue);
            glue.push(c);
        }
    }
    flush(&mut word, &mut glue);
    Ok((out, glue))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing two functions from the glue, one from elsewhere, and a memory.
    fn module() -> Vec<u8> {
        let mut imports = Vec::new();
        put_leb(&mut imports, 4);
        for (m, n, desc) in [
            ("./w_bg.js", "__wbg_then_c949d5a25a4e78f8", vec![0u8, 0]),
            ("./w_bg.js", "__wbg_get_288889d017702237", vec![0, 1]),
            ("env", "__wbg_keep", vec![0, 0]),
            ("./w_bg.js", "memory", vec![2, 1, 17, 200, 1]),
        ] {
            for t in [m, n] {
                put_leb(&mut imports, t.len() as u32);
                imports.extend_from_slice(t.as_bytes());
            }
            imports.extend_from_slice(&desc);
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type section: () -> ()
        wasm.push(2);
        put_leb(&mut wasm, imports.len() as u32);
        wasm.extend_from_slice(&imports);
        let mut exports = Vec::new();
        put_leb(&mut exports, 5);
        for (n, index) in [
            ("wasm_bindgen_27fc___convert__closures_invoke", 0u8),
            ("mount", 1),
            ("__wbindgen_malloc", 1),
            ("widget_open", 1),
            ("memory", 0),
        ] {
            put_leb(&mut exports, n.len() as u32);
            exports.extend_from_slice(n.as_bytes());
            exports.extend_from_slice(&[0, index]);
        }
        wasm.push(7);
        put_leb(&mut wasm, exports.len() as u32);
        wasm.extend_from_slice(&exports);
        wasm.extend_from_slice(&[0, 4, 3, b'a', b'b', b'c']); // a custom section
        wasm
    }

    fn export_names(wasm: &[u8]) -> Vec<String> {
        let mut at = 8;
        let mut names = Vec::new();
        while at < wasm.len() {
            let id = wasm[at];
            at += 1;
            let size = leb(wasm, &mut at).unwrap() as usize;
            if id == 7 {
                let s = &wasm[at..at + size];
                let mut p = 0;
                for _ in 0..leb(s, &mut p).unwrap() {
                    names.push(name(s, &mut p).unwrap().to_owned());
                    p += 1;
                    leb(s, &mut p).unwrap();
                }
            }
            at += size;
        }
        names
    }

    fn import_names(wasm: &[u8]) -> Vec<(String, String)> {
        let mut at = 8;
        let mut names = Vec::new();
        while at < wasm.len() {
            let id = wasm[at];
            at += 1;
            let size = leb(wasm, &mut at).unwrap() as usize;
            if id == 2 {
                let s = &wasm[at..at + size];
                let mut p = 0;
                for _ in 0..leb(s, &mut p).unwrap() {
                    let m = name(s, &mut p).unwrap().to_owned();
                    let n = name(s, &mut p).unwrap().to_owned();
                    skip_descriptor(s, &mut p).unwrap();
                    names.push((m, n));
                }
            }
            at += size;
        }
        names
    }

    #[test]
    fn glue_imports_get_short_names_in_both_files_and_nothing_else_changes() {
        let js = "const i={\"./w_bg.js\":{__wbg_then_c949d5a25a4e78f8:function(a){},\
                  __wbg_get_288889d017702237:function(){},x__wbg_get_288889d017702237:1}};\
                  w.__wbindgen_malloc(1);\"__wbg_then_c949d5a25a4e78f8\";\
                  w.wasm_bindgen_27fc___convert__closures_invoke(2);w.mount();\
                  open(){w.widget_open()}w.memory";
        let (wasm, glue) = shorten(&module(), js, "./w_bg.js").unwrap();
        assert_eq!(
            import_names(&wasm),
            [
                ("a".into(), "_0".into()),
                ("a".into(), "_1".into()),
                ("env".into(), "__wbg_keep".into()),
                ("a".into(), "memory".into()),
            ]
        );
        assert_eq!(
            glue,
            "const i={\"a\":{_0:function(a){},_1:function(){},x__wbg_get_288889d017702237:1}};\
             w.x2(1);\"_0\";w.x0(2);w.mount();open(){w.x3()}w.memory"
        );
        assert_eq!(export_names(&wasm), ["x0", "mount", "x2", "x3", "memory"]);
        // Same sections in the same order, the custom one byte for byte.
        assert!(wasm.ends_with(&[0, 4, 3, b'a', b'b', b'c']));
        assert!(wasm.len() < module().len());
    }

    #[test]
    fn not_a_module_is_refused() {
        assert!(shorten(b"nope", "", "m").is_err());
    }
}
