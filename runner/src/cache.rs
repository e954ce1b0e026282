//! The compilation cache: `.wasm` artifacts compiled once and kept as `.cwasm`, keyed by the
//! artifact's bytes, the engine's settings and the wasmtime version, so a stale entry is never
//! loaded into an engine it does not fit.
//!
//! Loading an entry runs the machine code in it, so the cache trusts only what the current user
//! controls. The cache directory is created private (mode 0700); a directory owned by another
//! user or writable by group or others is not used at all (calls compile in memory); an entry
//! owned by another user, writable by group or others, or not a regular file is never
//! deserialized: it is recompiled and replaced. There is no shared fallback directory: without
//! `$KILN_CACHE_DIR`, `$XDG_CACHE_HOME` or `$HOME` there is no cache
//! ([`Cache::default_location`] is `None`). On systems without Unix ownership the checks are
//! skipped.

use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::{Engine, Module};

/// Where compiled artifacts are kept.
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
    /// The user who must own the directory and its entries: the current user.
    owner: u32,
}

/// What loading through the cache did, for the caller to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheEvent {
    /// A cached compilation was used.
    Hit(PathBuf),
    /// Nothing was cached: compiled and stored.
    Stored(PathBuf),
    /// A cached compilation could not be loaded (corrupt, or another engine's): recompiled
    /// and replaced.
    Replaced {
        /// The entry.
        path: PathBuf,
        /// Why it could not be loaded.
        reason: String,
    },
    /// A cached compilation was not trusted (see the module documentation), so it was not
    /// loaded: recompiled and replaced.
    Refused {
        /// The entry.
        path: PathBuf,
        /// Why it was not trusted.
        reason: String,
    },
    /// The entry could not be written: compiled in memory only.
    Unwritable {
        /// The entry.
        path: PathBuf,
        /// Why it could not be written.
        reason: String,
    },
    /// The cache directory is not private to the current user: not used, compiled in memory
    /// only.
    UnsafeDir {
        /// The cache directory.
        dir: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl Cache {
    /// A cache in `dir` (created when first needed).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            owner: current_user(),
        }
    }

    /// `$KILN_CACHE_DIR`, else `$XDG_CACHE_HOME/kiln`, else `~/.cache/kiln`; `None` when none
    /// of them is set (empty, and relative `XDG_CACHE_HOME` or `HOME`, count as unset): there
    /// is no shared fallback, so the caller compiles without a cache.
    pub fn default_location() -> Option<Self> {
        location(|name| std::env::var_os(name)).map(Self::new)
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache entry for `wasm` under `engine`.
    pub fn entry(&self, engine: &Engine, wasm: &[u8]) -> PathBuf {
        let name = key(wasm, &engine.precompile_compatibility_hash());
        self.dir.join(format!("{name}.cwasm"))
    }

    /// Loads `wasm` compiled for `engine`: from the cache when a fitting entry the current
    /// user owns exists, else compiled (and stored when the directory is usable).
    pub fn load(&self, engine: &Engine, wasm: &[u8]) -> wasmtime::Result<(Module, CacheEvent)> {
        let path = self.entry(engine, wasm);
        if let Err(problem) = self.prepare_dir() {
            let module = Module::new(engine, wasm)?;
            let event = match problem {
                DirProblem::Unsafe(reason) => CacheEvent::UnsafeDir {
                    dir: self.dir.clone(),
                    reason,
                },
                DirProblem::Io(reason) => CacheEvent::Unwritable { path, reason },
            };
            return Ok((module, event));
        }
        let mut replaced = None;
        let mut refused = None;
        match std::fs::symlink_metadata(&path) {
            Err(_) => {}
            Ok(metadata) => match self.distrust(&metadata, "the entry", true) {
                Some(reason) => refused = Some(reason),
                None => {
                    // SAFETY: the entry is a file the current user owns, in a directory only
                    // they can write, written by `store` below from this engine's
                    // precompilation; wasmtime checks the header before using the code, and a
                    // mismatching or corrupt entry is recompiled.
                    match unsafe { Module::deserialize_file(engine, &path) } {
                        Ok(module) => return Ok((module, CacheEvent::Hit(path))),
                        Err(e) => replaced = Some(format!("{e}")),
                    }
                }
            },
        }
        let compiled = engine.precompile_module(wasm)?;
        // SAFETY: the bytes were produced just now by this engine.
        let module = unsafe { Module::deserialize(engine, &compiled)? };
        let event = match store(&path, &compiled) {
            Err(e) => CacheEvent::Unwritable {
                path,
                reason: e.to_string(),
            },
            Ok(()) => match (refused, replaced) {
                (Some(reason), _) => CacheEvent::Refused { path, reason },
                (None, Some(reason)) => CacheEvent::Replaced { path, reason },
                (None, None) => CacheEvent::Stored(path),
            },
        };
        Ok((module, event))
    }

    /// Creates the directory (mode 0700) when missing and checks the current user owns it and
    /// nobody else can write to it.
    fn prepare_dir(&self) -> Result<(), DirProblem> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.dir)
            .map_err(|e| DirProblem::Io(e.to_string()))?;
        // Follows a symbolic link: what matters is the directory the entries land in.
        let metadata = std::fs::metadata(&self.dir).map_err(|e| DirProblem::Io(e.to_string()))?;
        if !metadata.is_dir() {
            return Err(DirProblem::Io("not a directory".to_string()));
        }
        match self.distrust(&metadata, "the directory", false) {
            Some(reason) => Err(DirProblem::Unsafe(reason)),
            None => Ok(()),
        }
    }

    /// Why a directory or entry with `metadata` is not to be trusted, if it is not.
    #[cfg(unix)]
    fn distrust(&self, metadata: &std::fs::Metadata, what: &str, file: bool) -> Option<String> {
        use std::os::unix::fs::MetadataExt;
        if file && !metadata.is_file() {
            return Some(format!("{what} is not a regular file"));
        }
        if metadata.uid() != self.owner {
            return Some(format!(
                "{what} is owned by uid {}, not by the current user (uid {})",
                metadata.uid(),
                self.owner
            ));
        }
        if metadata.mode() & 0o022 != 0 {
            return Some(format!(
                "{what} is writable by other users (mode {:o})",
                metadata.mode() & 0o7777
            ));
        }
        None
    }

    #[cfg(not(unix))]
    fn distrust(&self, metadata: &std::fs::Metadata, what: &str, file: bool) -> Option<String> {
        (file && !metadata.is_file()).then(|| format!("{what} is not a regular file"))
    }
}

/// Why the cache directory is not used.
enum DirProblem {
    /// It could not be created or read.
    Io(String),
    /// It is not private to the current user.
    Unsafe(String),
}

/// The cache directory named by the environment, read through `var`.
fn location(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let set = |name: &str| {
        var(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    set("KILN_CACHE_DIR")
        .or_else(|| {
            set("XDG_CACHE_HOME")
                .filter(|dir| dir.is_absolute())
                .map(|dir| dir.join("kiln"))
        })
        .or_else(|| {
            set("HOME")
                .filter(|dir| dir.is_absolute())
                .map(|home| home.join(".cache/kiln"))
        })
}

/// The effective user id of this process.
#[cfg(unix)]
fn current_user() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
fn current_user() -> u32 {
    0
}

/// The entry name of `wasm` for an engine whose settings hash as `settings`: the first 16
/// bytes of a SHA-256, in hex, over a format tag, the artifact (length first), the settings
/// (fed through [`StableHasher`]) and the wasmtime version.
fn key(wasm: &[u8], settings: &impl Hash) -> String {
    let mut hasher = StableHasher(Sha256::new());
    hasher.0.update(b"kiln-cache-v2\0");
    hasher.0.update((wasm.len() as u64).to_le_bytes());
    hasher.0.update(wasm);
    settings.hash(&mut hasher);
    hasher.0.update(crate::WASMTIME_VERSION.as_bytes());
    let digest = hasher.0.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// A [`Hasher`] over SHA-256: the same input gives the same hash on every Rust release and
/// every platform (integers are fed little-endian), unlike the standard library's hashers.
struct StableHasher(Sha256);

impl Hasher for StableHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn write_u8(&mut self, n: u8) {
        self.0.update([n]);
    }

    fn write_u16(&mut self, n: u16) {
        self.0.update(n.to_le_bytes());
    }

    fn write_u32(&mut self, n: u32) {
        self.0.update(n.to_le_bytes());
    }

    fn write_u64(&mut self, n: u64) {
        self.0.update(n.to_le_bytes());
    }

    fn write_u128(&mut self, n: u128) {
        self.0.update(n.to_le_bytes());
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_i8(&mut self, n: i8) {
        self.write_u8(n as u8);
    }

    fn write_i16(&mut self, n: i16) {
        self.write_u16(n as u16);
    }

    fn write_i32(&mut self, n: i32) {
        self.write_u32(n as u32);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn write_i128(&mut self, n: i128) {
        self.write_u128(n as u128);
    }

    fn write_isize(&mut self, n: isize) {
        self.write_u64(n as u64);
    }

    /// The first eight bytes of the digest so far, little-endian (the cache reads the whole
    /// digest instead).
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        let mut first = [0; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }
}

/// Writes an entry atomically (a reader never sees half a file).
fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id()
    ));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::engine::{self, Allocation};
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    /// A uid that is not the current user's.
    const OTHER_USER: u32 = 65534;

    fn engine() -> Engine {
        engine::engine(Allocation::OnDemand).unwrap()
    }

    fn wasm(name: &str) -> Vec<u8> {
        wat::parse_str(format!(r#"(module (func (export "{name}")))"#)).unwrap()
    }

    /// A fresh directory for one test, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("kiln-cache-test-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
            Self(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Makes `path` someone else's: really, when running as root; otherwise by making the
    /// cache expect another owner (what it then sees is the same: an owner that is not its
    /// user).
    fn make_foreign(cache: &mut Cache, path: &Path) {
        if current_user() == 0 {
            std::os::unix::fs::chown(path, Some(OTHER_USER), None).unwrap();
            assert_eq!(std::fs::metadata(path).unwrap().uid(), OTHER_USER);
        } else {
            cache.owner = current_user() + 1;
        }
    }

    fn load(cache: &Cache, engine: &Engine, wasm: &[u8]) -> CacheEvent {
        let (module, event) = cache.load(engine, wasm).unwrap();
        assert!(
            module.get_export("f").is_some(),
            "the module is the one asked for"
        );
        event
    }

    #[test]
    fn an_own_entry_is_a_hit() {
        let scratch = Scratch::new("hit");
        let cache = Cache::new(scratch.0.join("nested/kiln"));
        let (engine, wasm) = (engine(), wasm("f"));
        let entry = cache.entry(&engine, &wasm);
        assert_eq!(
            load(&cache, &engine, &wasm),
            CacheEvent::Stored(entry.clone())
        );
        assert_eq!(load(&cache, &engine, &wasm), CacheEvent::Hit(entry));
        let mode = std::fs::metadata(cache.dir()).unwrap().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "created private, mode {mode:o}");
    }

    #[test]
    fn a_corrupt_entry_is_replaced() {
        let scratch = Scratch::new("corrupt");
        let cache = Cache::new(&scratch.0);
        let (engine, wasm) = (engine(), wasm("f"));
        let entry = cache.entry(&engine, &wasm);
        std::fs::write(&entry, b"not compiled code").unwrap();
        match load(&cache, &engine, &wasm) {
            CacheEvent::Replaced { path, reason } => {
                assert_eq!(path, entry);
                assert!(!reason.is_empty());
            }
            other => panic!("expected a replaced entry, got {other:?}"),
        }
        assert_eq!(load(&cache, &engine, &wasm), CacheEvent::Hit(entry));
    }

    #[test]
    fn a_foreign_entry_is_refused_and_replaced() {
        let scratch = Scratch::new("foreign-entry");
        let mut cache = Cache::new(&scratch.0);
        let (engine, wasm) = (engine(), wasm("f"));
        let entry = cache.entry(&engine, &wasm);
        // A valid compilation: only its owner makes it unusable.
        assert_eq!(
            load(&cache, &engine, &wasm),
            CacheEvent::Stored(entry.clone())
        );
        let as_root = current_user() == 0;
        make_foreign(&mut cache, &entry);
        if !as_root {
            // The directory must pass as the expected owner's for the entry to be looked at;
            // without root this test can only check entries, see `a_foreign_directory...`.
            return refused_without_root(&cache, &engine, &wasm, &entry);
        }
        match load(&cache, &engine, &wasm) {
            CacheEvent::Refused { path, reason } => {
                assert_eq!(path, entry);
                assert_eq!(
                    reason,
                    format!(
                        "the entry is owned by uid {OTHER_USER}, not by the current user (uid 0)"
                    )
                );
            }
            other => panic!("expected a refused entry, got {other:?}"),
        }
        assert_eq!(std::fs::metadata(&entry).unwrap().uid(), 0, "replaced");
        assert_eq!(load(&cache, &engine, &wasm), CacheEvent::Hit(entry));
    }

    fn refused_without_root(cache: &Cache, engine: &Engine, wasm: &[u8], entry: &Path) {
        let metadata = std::fs::symlink_metadata(entry).unwrap();
        let reason = cache.distrust(&metadata, "the entry", true).unwrap();
        assert!(reason.contains("not by the current user"), "{reason}");
        assert!(matches!(
            cache.load(engine, wasm).unwrap().1,
            CacheEvent::UnsafeDir { .. }
        ));
    }

    #[test]
    fn a_writable_or_odd_entry_is_refused() {
        let scratch = Scratch::new("writable-entry");
        let cache = Cache::new(&scratch.0);
        let (engine, wasm) = (engine(), wasm("f"));
        let entry = cache.entry(&engine, &wasm);
        load(&cache, &engine, &wasm);
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(
            load(&cache, &engine, &wasm),
            CacheEvent::Refused {
                path: entry.clone(),
                reason: "the entry is writable by other users (mode 666)".to_string()
            }
        );
        std::fs::remove_file(&entry).unwrap();
        std::fs::create_dir(&entry).unwrap();
        assert!(matches!(
            load(&cache, &engine, &wasm),
            CacheEvent::Unwritable { .. }
        ));
        std::fs::remove_dir(&entry).unwrap();
        std::os::unix::fs::symlink(scratch.0.join("elsewhere"), &entry).unwrap();
        assert_eq!(
            load(&cache, &engine, &wasm),
            CacheEvent::Refused {
                path: entry.clone(),
                reason: "the entry is not a regular file".to_string()
            }
        );
        assert_eq!(load(&cache, &engine, &wasm), CacheEvent::Hit(entry));
    }

    #[test]
    fn a_foreign_directory_is_not_used() {
        let scratch = Scratch::new("foreign-dir");
        let mut cache = Cache::new(scratch.0.join("kiln"));
        std::fs::create_dir(cache.dir()).unwrap();
        let dir = cache.dir().to_path_buf();
        make_foreign(&mut cache, &dir);
        let (engine, wasm) = (engine(), wasm("f"));
        match load(&cache, &engine, &wasm) {
            CacheEvent::UnsafeDir { dir: used, reason } => {
                assert_eq!(used, dir);
                assert!(
                    reason.starts_with("the directory is owned by uid "),
                    "{reason}"
                );
                assert!(
                    reason.contains(", not by the current user (uid "),
                    "{reason}"
                );
            }
            other => panic!("expected an unsafe directory, got {other:?}"),
        }
        assert!(!cache.entry(&engine, &wasm).exists(), "nothing was stored");
    }

    #[test]
    fn a_world_writable_directory_is_not_used() {
        let scratch = Scratch::new("open-dir");
        let cache = Cache::new(scratch.0.join("kiln"));
        std::fs::create_dir(cache.dir()).unwrap();
        std::fs::set_permissions(cache.dir(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        let (engine, wasm) = (engine(), wasm("f"));
        assert_eq!(
            load(&cache, &engine, &wasm),
            CacheEvent::UnsafeDir {
                dir: cache.dir().to_path_buf(),
                reason: "the directory is writable by other users (mode 1777)".to_string()
            }
        );
        assert!(!cache.entry(&engine, &wasm).exists(), "nothing was stored");
    }

    #[test]
    fn the_key_is_stable() {
        // sha256(b"kiln-cache-v2\0" + le64(4) + b"\0asm" + le64(42) + b"48.0.8")[..16]
        assert_eq!(key(b"\0asm", &42u64), "ce91b2c348e52aa7244494ae3a8811f5");
    }

    #[test]
    fn the_key_follows_the_artifact_and_the_settings() {
        let engine = engine();
        let cache = Cache::new("c");
        let f = cache.entry(&engine, &wasm("f"));
        assert_eq!(f, cache.entry(&engine, &wasm("f")));
        assert_ne!(f, cache.entry(&engine, &wasm("g")));
        assert_ne!(key(b"\0asm", &1u64), key(b"\0asm", &2u64));
        // The artifact's length is part of the key: moving bytes between artifact and
        // settings changes it.
        assert_ne!(key(b"ab", b"c"), key(b"a", b"bc"));
        assert_eq!(f.extension().unwrap(), "cwasm");
        assert_eq!(f.file_stem().unwrap().len(), 32);
    }

    #[test]
    fn the_location_has_no_shared_fallback() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        assert_eq!(location(env(&[])), None);
        assert_eq!(
            location(env(&[("HOME", ""), ("XDG_CACHE_HOME", "rel")])),
            None
        );
        assert_eq!(
            location(env(&[("HOME", "/h")])),
            Some(PathBuf::from("/h/.cache/kiln"))
        );
        assert_eq!(
            location(env(&[("HOME", "/h"), ("XDG_CACHE_HOME", "/x")])),
            Some(PathBuf::from("/x/kiln"))
        );
        assert_eq!(
            location(env(&[
                ("HOME", "/h"),
                ("XDG_CACHE_HOME", "/x"),
                ("KILN_CACHE_DIR", "k")
            ])),
            Some(PathBuf::from("k"))
        );
    }
}
