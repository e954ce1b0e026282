//! The compilation cache: `.wasm` artifacts compiled once and kept as `.cwasm`, keyed by the
//! artifact's hash, the engine's settings and the wasmtime version, so a stale entry is never
//! loaded into an engine it does not fit.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::{Engine, Module};

/// Where compiled artifacts are kept.
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
}

/// What loading through the cache did, for the caller to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheEvent {
    /// A cached compilation was used.
    Hit(PathBuf),
    /// Nothing was cached: compiled and stored.
    Stored(PathBuf),
    /// A cached compilation could not be loaded (corrupt, or another engine's): recompiled.
    Replaced { path: PathBuf, reason: String },
    /// The cache folder is not writable: compiled in memory only.
    Unwritable { path: PathBuf, reason: String },
}

impl Cache {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$KILN_CACHE_DIR`, else `$XDG_CACHE_HOME/kiln`, else `~/.cache/kiln`, else a folder in
    /// the system's temporary directory.
    pub fn default_location() -> Self {
        let dir = std::env::var_os("KILN_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("kiln")))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/kiln")))
            .unwrap_or_else(|| std::env::temp_dir().join("kiln-cache"));
        Self::new(dir)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache entry for `wasm` under `engine`.
    pub fn entry(&self, engine: &Engine, wasm: &[u8]) -> PathBuf {
        let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
        engine
            .precompile_compatibility_hash()
            .hash(&mut engine_hash);
        let mut key = Sha256::new();
        key.update(wasm);
        key.update(engine_hash.finish().to_le_bytes());
        key.update(crate::WASMTIME_VERSION.as_bytes());
        let digest = key.finalize();
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.cwasm"))
    }

    /// Loads `wasm` compiled for `engine`: from the cache when a fitting entry exists, else
    /// compiled and stored.
    pub fn load(&self, engine: &Engine, wasm: &[u8]) -> wasmtime::Result<(Module, CacheEvent)> {
        let path = self.entry(engine, wasm);
        let mut replaced = None;
        if path.is_file() {
            // SAFETY: entries are written only by `store` below, from this engine's
            // precompilation; wasmtime checks the header before using the code, and a
            // mismatching or corrupt entry is recompiled.
            match unsafe { Module::deserialize_file(engine, &path) } {
                Ok(module) => return Ok((module, CacheEvent::Hit(path))),
                Err(e) => replaced = Some(format!("{e}")),
            }
        }
        let compiled = engine.precompile_module(wasm)?;
        // SAFETY: the bytes were produced just now by this engine.
        let module = unsafe { Module::deserialize(engine, &compiled)? };
        let event = match store(&path, &compiled) {
            Err(e) => CacheEvent::Unwritable {
                path,
                reason: e.to_string(),
            },
            Ok(()) => match replaced {
                Some(reason) => CacheEvent::Replaced { path, reason },
                None => CacheEvent::Stored(path),
            },
        };
        Ok((module, event))
    }
}

/// Writes an entry atomically (a reader never sees half a file).
fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id()
    ));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}
