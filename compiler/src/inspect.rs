//! Reads back what an artifact says about itself: the build info and `producers` custom
//! sections the emit stage writes, and the module's imports and exports.

use crate::emit::{self, Producers, BUILD_INFO_SECTION, PRODUCERS_SECTION};
use anyhow::{bail, Context, Result};
use kiln_runner::ExecutorKind;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use wasmparser::Payload;

/// What every artifact says about how it was built. Deterministic: no times, no paths.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BuildInfo {
    /// The kiln release that built the artifact.
    pub kiln_version: String,
    /// `snapshot`, `bytecode` or `plain`.
    pub kind: String,
    /// The wasmtime release the artifact was snapshotted and precompiled with.
    pub wasmtime_version: String,
    /// The javy release the guest is built on (from the guest's lock file).
    pub javy_version: String,
    /// The rquickjs release the guest is built on (from the guest's lock file).
    pub rquickjs_version: String,
    /// The QuickJS version built into the guest (`JS_GetVersion`, e.g. `0.15.1`), asked of the
    /// guest itself at build time (its `kiln_quickjs_version` export). Empty in artifacts
    /// built before kiln recorded it.
    #[serde(default)]
    pub quickjs_version: String,
    /// SHA-256 of the rollup bundle of the executor.
    pub bundle_sha256: String,
    /// SHA-256 of the QuickJS guest before snapshotting.
    pub guest_sha256: String,
    /// SHA-256 of the executor bytecode (bytecode artifacts only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bytecode_sha256: Option<String>,
    /// Which contract the artifact's calls follow: `custom` for an executor built from an ES
    /// module (`kiln build --entry`); left out for kiln's own Wikifunctions executor, whose
    /// artifacts keep the bytes they had before custom executors existed.
    #[serde(skip_serializing_if = "ExecutorKind::is_wikifunctions", default)]
    pub executor: ExecutorKind,
}

impl BuildInfo {
    /// The language version an answer names (`programmingLanguageVersion`): "QuickJS-ng" and
    /// the QuickJS version recorded at build time, e.g. "QuickJS-ng 0.15.1"; `None` for an
    /// artifact built before kiln recorded it.
    pub fn language_version(&self) -> Option<String> {
        (!self.quickjs_version.is_empty()).then(|| format!("QuickJS-ng {}", self.quickjs_version))
    }

    /// What a runner serving this artifact names in every answer's metadata
    /// (`programmingLanguageVersion`, `kilnArtifactHash`: the bundle's SHA-256).
    pub fn artifact_info(&self) -> kiln_runner::ArtifactInfo {
        kiln_runner::ArtifactInfo {
            language_version: self.language_version(),
            hash: Some(self.bundle_sha256.clone()),
        }
    }
}

/// The build info of a `.wasm` artifact.
pub fn read_wasm(wasm: &[u8]) -> Result<BuildInfo> {
    for payload in emit::payloads(wasm)? {
        if let Payload::CustomSection(reader) = payload? {
            if reader.name() == BUILD_INFO_SECTION {
                return serde_json::from_slice(reader.data())
                    .context("the build info section is not valid");
            }
        }
    }
    bail!("no `{BUILD_INFO_SECTION}` section: not an artifact of kiln build")
}

/// The `producers` section of a module, one `field: name version` line per value (the version
/// left out when empty), merged over all producers sections; empty when there is none.
pub fn read_producers(wasm: &[u8]) -> Result<Vec<String>> {
    let mut producers = Producers::default();
    for payload in emit::payloads(wasm)? {
        if let Payload::CustomSection(reader) = payload? {
            if reader.name() == PRODUCERS_SECTION {
                producers.merge(&Producers::read(reader.data(), reader.data_offset())?);
            }
        }
    }
    Ok(producers
        .fields()
        .iter()
        .flat_map(|(field, values)| {
            values.iter().map(move |(name, version)| {
                format!("{field}: {name} {version}").trim_end().to_string()
            })
        })
        .collect())
}

/// Which contract an artifact's calls follow, as its build info says (a `.cwasm` through the
/// `.wasm` beside it); kiln's own Wikifunctions executor when there is no build info to read.
pub fn executor_kind(path: &Path) -> ExecutorKind {
    build_info(path)
        .map(|info| info.executor)
        .unwrap_or_default()
}

/// The build info of the artifact at `path` (a `.cwasm` is read through the `.wasm` beside it,
/// which carries it), and nothing else: what a runner needs before serving, without the hashing
/// and parsing of a whole [`inspect`].
pub fn build_info(path: &Path) -> Result<BuildInfo> {
    let wasm_path = if path.extension().is_some_and(|e| e == "cwasm") {
        path.with_extension("wasm")
    } else {
        path.to_path_buf()
    };
    let wasm =
        std::fs::read(&wasm_path).with_context(|| format!("reading {}", wasm_path.display()))?;
    read_wasm(&wasm)
}

/// What `kiln inspect` reports about a file.
#[derive(Debug, Serialize)]
pub struct Inspection {
    /// The inspected file.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its hex SHA-256.
    pub sha256: String,
    /// The `.wasm` the build info was read from (the file itself, or a `.cwasm`'s source).
    pub wasm: PathBuf,
    /// The module's exports, one `name (kind signature)` each.
    pub exports: Vec<String>,
    /// The module's imports, one `module.name (kind signature)` each.
    pub imports: Vec<String>,
    /// The build info the module carries.
    pub build_info: BuildInfo,
    /// The module's `producers` section, one `field: name version` each.
    pub producers: Vec<String>,
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
    let producers = read_producers(&wasm)?;
    Ok(Inspection {
        path: path.to_path_buf(),
        bytes: bytes.len() as u64,
        sha256: crate::sha256_hex(&bytes),
        wasm: wasm_path,
        exports: surface.exports.iter().map(|e| e.to_string()).collect(),
        imports: surface.imports.iter().map(|i| i.to_string()).collect(),
        build_info,
        producers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{executor_contract, module, GUEST_WAT};

    fn info() -> BuildInfo {
        BuildInfo {
            kiln_version: "1.2.3".into(),
            kind: "snapshot".into(),
            wasmtime_version: "48.0.8".into(),
            javy_version: "8.0.0".into(),
            rquickjs_version: "0.10.0".into(),
            quickjs_version: "0.10.1".into(),
            bundle_sha256: crate::sha256_hex(b"bundle"),
            guest_sha256: crate::sha256_hex(b"guest"),
            bytecode_sha256: None,
            executor: ExecutorKind::Wikifunctions,
        }
    }

    fn artifact(info: &BuildInfo) -> Vec<u8> {
        let json = serde_json::to_vec(info).unwrap();
        emit::finish(&module(GUEST_WAT), &executor_contract(), &json).unwrap()
    }

    #[test]
    fn the_build_info_reads_back() {
        assert_eq!(read_wasm(&artifact(&info())).unwrap(), info());
        let bytecode = BuildInfo {
            kind: "bytecode".into(),
            bytecode_sha256: Some(crate::sha256_hex(b"bytecode")),
            ..info()
        };
        assert_eq!(read_wasm(&artifact(&bytecode)).unwrap(), bytecode);
        let custom = BuildInfo {
            executor: ExecutorKind::Custom,
            ..info()
        };
        assert_eq!(read_wasm(&artifact(&custom)).unwrap(), custom);
    }

    #[test]
    fn only_a_custom_executor_is_named_in_the_build_info() {
        let builtin = serde_json::to_value(info()).unwrap();
        assert!(builtin.get("executor").is_none(), "{builtin}");
        let custom = BuildInfo {
            executor: ExecutorKind::Custom,
            ..info()
        };
        assert_eq!(serde_json::to_value(custom).unwrap()["executor"], "custom");
    }

    #[test]
    fn the_language_version_names_the_recorded_quickjs() {
        assert_eq!(
            info().language_version().as_deref(),
            Some("QuickJS-ng 0.10.1")
        );
        // An artifact built before the version was recorded still reads, without one.
        let mut old = serde_json::to_value(info()).unwrap();
        old.as_object_mut().unwrap().remove("quickjs_version");
        let old: BuildInfo = serde_json::from_value(old).unwrap();
        assert_eq!(old.quickjs_version, "");
        assert_eq!(old.language_version(), None);
    }

    #[test]
    fn a_module_without_build_info_is_refused() {
        let error = read_wasm(&module("(module)")).unwrap_err().to_string();
        assert!(error.contains("not an artifact of kiln build"), "{error}");
        // The guest's stale section is not build info kiln wrote.
        let error = read_wasm(&module(GUEST_WAT)).unwrap_err();
        assert!(
            format!("{error:#}").contains("the build info section is not valid"),
            "{error:#}"
        );
    }

    #[test]
    fn the_producers_read_back() {
        let producers = read_producers(&artifact(&info())).unwrap();
        assert_eq!(
            producers,
            [
                "language: Rust".to_string(),
                "language: JavaScript".to_string(),
                "processed-by: rustc 1.95.0".to_string(),
                format!("processed-by: kiln {}", kiln_runner::KILN_VERSION),
                format!("processed-by: wasmtime-wizer {}", emit::WIZER_VERSION),
            ]
        );
        assert!(read_producers(&module("(module)")).unwrap().is_empty());
    }

    #[test]
    fn inspect_reads_a_cwasm_through_the_wasm_beside_it() {
        let dir = std::env::temp_dir().join(format!("kiln-inspect-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wasm = artifact(&info());
        std::fs::write(dir.join("a.wasm"), &wasm).unwrap();
        std::fs::write(dir.join("a.cwasm"), b"precompiled").unwrap();
        let inspection = inspect(&dir.join("a.cwasm")).unwrap();
        assert_eq!(inspection.bytes, 11);
        assert_eq!(inspection.sha256, crate::sha256_hex(b"precompiled"));
        assert_eq!(inspection.wasm, dir.join("a.wasm"));
        assert_eq!(inspection.build_info, info());
        assert_eq!(
            inspection.exports,
            [
                "memory (memory)",
                "kiln_call (func [] -> [])",
                "kiln_compile_code (func [] -> [])"
            ]
        );
        assert_eq!(inspection.imports.len(), 3);
        // What a runner reads before serving: the build info alone, through the same .wasm.
        assert_eq!(build_info(&dir.join("a.cwasm")).unwrap(), info());
        assert_eq!(inspection.producers.len(), 5);
        let missing = inspect(&dir.join("b.cwasm")).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(format!("{missing:#}").contains("reading"), "{missing:#}");
    }
}
