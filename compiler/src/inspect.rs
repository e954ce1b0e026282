//! Reads the build info an artifact carries (the custom section written by [`crate::emit`]).

use crate::emit::{self, BUILD_INFO_SECTION};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What every artifact says about how it was built. Deterministic: no times, no paths.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BuildInfo {
    pub kiln_version: String,
    /// `snapshot`, `bytecode` or `plain`.
    pub kind: String,
    pub wasmtime_version: String,
    pub javy_version: String,
    pub rquickjs_version: String,
    /// SHA-256 of the rollup bundle of the executor.
    pub bundle_sha256: String,
    /// SHA-256 of the QuickJS guest before snapshotting.
    pub shim_sha256: String,
    /// SHA-256 of the executor bytecode (bytecode artifacts only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bytecode_sha256: Option<String>,
}

/// The build info of a `.wasm` artifact.
pub fn read_wasm(wasm: &[u8]) -> Result<BuildInfo> {
    for section in emit::sections(wasm)? {
        if section.id != 0 {
            continue;
        }
        let (name, data) = emit::custom_section(&section)?;
        if name == BUILD_INFO_SECTION {
            return serde_json::from_slice(data).context("the build info section is not valid");
        }
    }
    bail!("no `{BUILD_INFO_SECTION}` section: not an artifact of kiln build")
}

/// What `kiln inspect` reports about a file.
#[derive(Debug, Serialize)]
pub struct Inspection {
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    /// The `.wasm` the build info was read from (the file itself, or a `.cwasm`'s source).
    pub wasm: PathBuf,
    pub exports: Vec<String>,
    pub imports: Vec<String>,
    pub build_info: BuildInfo,
}

/// Inspects a `.wasm` artifact, or a `.cwasm` through the `.wasm` beside it.
pub fn inspect(path: &Path) -> Result<Inspection> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let wasm_path = if path.extension().is_some_and(|e| e == "cwasm") {
        path.with_extension("wasm")
    } else {
        path.to_path_buf()
    };
    let wasm = if wasm_path == path {
        bytes.clone()
    } else {
        std::fs::read(&wasm_path).with_context(|| {
            format!(
                "a .cwasm carries no build info; reading the .wasm it was built from, {}",
                wasm_path.display()
            )
        })?
    };
    let build_info = read_wasm(&wasm)?;
    let surface = crate::contract::surface(&wasm)?;
    Ok(Inspection {
        path: path.to_path_buf(),
        bytes: bytes.len() as u64,
        sha256: crate::sha256_hex(&bytes),
        wasm: wasm_path,
        exports: surface.exports.iter().map(|e| e.to_string()).collect(),
        imports: surface.imports.iter().map(|i| i.to_string()).collect(),
        build_info,
    })
}
