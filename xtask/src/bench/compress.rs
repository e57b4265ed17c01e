//! Compressed sizes: `gzip -9` (GNU gzip when installed, else flate2 at its best level) and
//! `brotli -q 11`, the two encodings a CDN serves scripts with.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::{IoContext, Result};

/// Sizes of one file (or of several, summed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Weight {
    /// What the row is.
    pub(crate) label: String,
    /// Bytes on disk.
    pub(crate) raw: u64,
    /// Bytes after `gzip -9`.
    pub(crate) gzip: u64,
    /// Bytes after `brotli -q 11`.
    pub(crate) brotli: u64,
}

impl Weight {
    /// The sum of several files' sizes, under a new label.
    pub(crate) fn total(label: &str, parts: &[Weight]) -> Self {
        Weight {
            label: label.to_owned(),
            raw: parts.iter().map(|w| w.raw).sum(),
            gzip: parts.iter().map(|w| w.gzip).sum(),
            brotli: parts.iter().map(|w| w.brotli).sum(),
        }
    }
}

/// Size after `gzip -9` — the real tool when it is installed (the tables say "gzip -9", and
/// GNU gzip's output is a few hundred bytes smaller than miniz's level 9 on the wasm), else
/// flate2 at its best level.
pub(crate) fn gzip_len(bytes: &[u8]) -> Result<u64> {
    if let Some(len) = gnu_gzip_len(bytes) {
        return Ok(len);
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).context(|| "gzip".into())?;
    Ok(encoder.finish().context(|| "gzip".into())?.len() as u64)
}

fn gnu_gzip_len(bytes: &[u8]) -> Option<u64> {
    let mut child = Command::new("gzip")
        .args(["-9", "-c", "-n"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    out.status.success().then_some(out.stdout.len() as u64)
}

/// Size after brotli at quality 11 with a 4 MB window.
pub(crate) fn brotli_len(bytes: &[u8]) -> Result<u64> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).context(|| "brotli".into())?;
    }
    Ok(out.len() as u64)
}

/// Raw, gzip and brotli sizes of a file.
pub(crate) fn weigh(label: &str, file: &Path) -> Result<Weight> {
    let bytes = fs::read(file).context(|| format!("reading {}", file.display()))?;
    Ok(Weight {
        label: label.to_owned(),
        raw: bytes.len() as u64,
        gzip: gzip_len(&bytes)?,
        brotli: brotli_len(&bytes)?,
    })
}

/// Like [`weigh`], remembering the compressed sizes in `cache` (a JSON file keyed by the
/// content's SHA-256): brotli -q 11 of the peers' megabytes takes most of a minute, and a
/// pinned package never changes.
pub(crate) fn weigh_cached(label: &str, file: &Path, cache: &Path) -> Result<Weight> {
    use sha2::{Digest, Sha256};
    let bytes = fs::read(file).context(|| format!("reading {}", file.display()))?;
    let key: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut known: serde_json::Map<String, serde_json::Value> = fs::read_to_string(cache)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let sizes = known
        .get(&key)
        .and_then(|v| Some((v[0].as_u64()?, v[1].as_u64()?)));
    let (gzip, brotli) = match sizes {
        Some(sizes) => sizes,
        None => {
            let sizes = (gzip_len(&bytes)?, brotli_len(&bytes)?);
            known.insert(key, serde_json::json!([sizes.0, sizes.1]));
            // A cache that cannot be written only costs time next run.
            let _ = fs::write(cache, serde_json::Value::Object(known).to_string());
            sizes
        }
    };
    Ok(Weight {
        label: label.to_owned(),
        raw: bytes.len() as u64,
        gzip,
        brotli,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_sizes_are_smaller_for_repetitive_input() {
        let input = vec![b'a'; 10_000];
        assert!(gzip_len(&input).unwrap() < 200);
        assert!(brotli_len(&input).unwrap() < 200);
    }

    #[test]
    fn totals_add_every_column() {
        let a = Weight {
            label: "a".into(),
            raw: 10,
            gzip: 5,
            brotli: 4,
        };
        let total = Weight::total("both", &[a.clone(), a]);
        assert_eq!((total.raw, total.gzip, total.brotli), (20, 10, 8));
        assert_eq!(total.label, "both");
    }
}
