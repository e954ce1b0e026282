//! What `kiln build` left in the artifacts folder: the paths to measure, the files' sizes and
//! the build's stage times.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One path to measure: a name (snapshot, bytecode, plain) and its artifact.
#[derive(Clone, Debug)]
pub(super) struct BenchPath {
    pub(super) name: String,
    pub(super) artifact: PathBuf,
}

/// The artifacts `kiln build` wrote into `dir`, as bench paths.
pub(super) fn artifact_paths(dir: &Path) -> Vec<BenchPath> {
    kiln_compiler::ArtifactKind::ALL
        .iter()
        .map(|kind| BenchPath {
            name: kind.name().to_string(),
            artifact: dir.join(format!("{}.cwasm", kind.stem())),
        })
        .collect()
}

/// Sizes in bytes of the artifacts and the bundle in `dir`, by `{kind}_bytes`,
/// `{kind}_cwasm_bytes` and `bundle_bytes`; missing files are left out.
pub(super) fn artifact_sizes(dir: &Path) -> BTreeMap<String, u64> {
    let mut sizes = BTreeMap::new();
    for kind in kiln_compiler::ArtifactKind::ALL {
        for (extension, suffix) in [("wasm", "bytes"), ("cwasm", "cwasm_bytes")] {
            let path = dir.join(format!("{}.{extension}", kind.stem()));
            if let Ok(meta) = std::fs::metadata(&path) {
                sizes.insert(format!("{}_{suffix}", kind.name()), meta.len());
            }
        }
    }
    if let Ok(meta) = std::fs::metadata(dir.join("bundle/executor.js")) {
        sizes.insert("bundle_bytes".to_string(), meta.len());
    }
    sizes
}

/// Build time per stage, in ms, from `build-info.json` in `dir`; empty when it is missing or
/// unreadable.
pub(super) fn build_stages(dir: &Path) -> Vec<(String, f64)> {
    let Ok(text) = std::fs::read(dir.join("build-info.json")) else {
        return Vec::new();
    };
    let Ok(info) = serde_json::from_slice::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    info["stages"]
        .as_array()
        .map(|stages| {
            stages
                .iter()
                .filter_map(|s| Some((s["name"].as_str()?.to_string(), s["duration"].as_f64()?)))
                .collect()
        })
        .unwrap_or_default()
}
