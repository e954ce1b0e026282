//! Loading an artifact into an engine: a `.cwasm` is mapped as is (or, when it does not fit
//! the engine and its `.wasm` is beside it, replaced by a compilation of that); a `.wasm` is
//! compiled through the compilation cache, or in memory when there is none. What happened that
//! the user may want to know comes back as notes.

use crate::cache::{Cache, CacheEvent};
use crate::runner::RunnerError;
use std::path::Path;
use wasmtime::{Engine, Module};

/// Loads the artifact at `path` for `engine`, with what is worth telling the user.
pub(crate) fn module(
    engine: &Engine,
    path: &Path,
    cache: Option<&Cache>,
) -> Result<(Module, Vec<String>), RunnerError> {
    let mut notes = Vec::new();
    let mut wasm_path = path.to_path_buf();
    if path.extension().is_some_and(|ext| ext == "cwasm") {
        if let Err(source) = std::fs::metadata(path) {
            return Err(RunnerError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
        // SAFETY: `.cwasm` files are produced by `kiln build` with this engine configuration;
        // wasmtime checks the header (version, settings) before using the code.
        match unsafe { Module::deserialize_file(engine, path) } {
            Ok(module) => return Ok((module, notes)),
            Err(reason) => {
                wasm_path = path.with_extension("wasm");
                if !wasm_path.is_file() {
                    return Err(RunnerError::Incompatible {
                        path: path.to_path_buf(),
                        reason,
                    });
                }
                notes.push(format!(
                    "{} does not fit this runner ({reason}); compiling {} instead",
                    path.display(),
                    wasm_path.display()
                ));
            }
        }
    }
    let bytes = std::fs::read(&wasm_path).map_err(|source| RunnerError::Read {
        path: wasm_path.clone(),
        source,
    })?;
    let invalid = |reason| RunnerError::Invalid {
        path: wasm_path.clone(),
        reason,
    };
    let Some(cache) = cache else {
        let module = Module::new(engine, &bytes).map_err(invalid)?;
        notes.push(format!(
            "compiled {} without caching it: there is no cache directory (set KILN_CACHE_DIR, \
             XDG_CACHE_HOME or HOME)",
            wasm_path.display()
        ));
        return Ok((module, notes));
    };
    let (module, event) = cache.load(engine, &bytes).map_err(invalid)?;
    notes.extend(note(&event, &wasm_path));
    Ok((module, notes))
}

/// What a cache event tells the user about loading `wasm_path`; nothing for a hit.
fn note(event: &CacheEvent, wasm_path: &Path) -> Option<String> {
    Some(match event {
        CacheEvent::Hit(_) => return None,
        CacheEvent::Stored(entry) => format!(
            "compiled {} and cached it as {}",
            wasm_path.display(),
            entry.display()
        ),
        CacheEvent::Replaced { path, reason } => format!(
            "the cached compilation {} was unusable ({reason}); recompiled it",
            path.display()
        ),
        CacheEvent::Refused { path, reason } => format!(
            "refused the cached compilation {} ({reason}); recompiled it",
            path.display()
        ),
        CacheEvent::Unwritable { path, reason } => format!(
            "compiled {} but could not cache it at {} ({reason})",
            wasm_path.display(),
            path.display()
        ),
        CacheEvent::UnsafeDir { dir, reason } => format!(
            "compiled {} without caching it: the cache directory {} is not safe to use \
             ({reason})",
            wasm_path.display(),
            dir.display()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn cache_events_become_notes() {
        let wasm = Path::new("a/executor.wasm");
        let entry = PathBuf::from("c/0123.cwasm");
        assert_eq!(note(&CacheEvent::Hit(entry.clone()), wasm), None);
        assert_eq!(
            note(&CacheEvent::Stored(entry.clone()), wasm).unwrap(),
            "compiled a/executor.wasm and cached it as c/0123.cwasm"
        );
        let reason = "why".to_string();
        let cases = [
            (
                CacheEvent::Replaced {
                    path: entry.clone(),
                    reason: reason.clone(),
                },
                "the cached compilation c/0123.cwasm was unusable (why); recompiled it",
            ),
            (
                CacheEvent::Refused {
                    path: entry.clone(),
                    reason: reason.clone(),
                },
                "refused the cached compilation c/0123.cwasm (why); recompiled it",
            ),
            (
                CacheEvent::Unwritable {
                    path: entry.clone(),
                    reason: reason.clone(),
                },
                "compiled a/executor.wasm but could not cache it at c/0123.cwasm (why)",
            ),
            (
                CacheEvent::UnsafeDir {
                    dir: PathBuf::from("c"),
                    reason,
                },
                "compiled a/executor.wasm without caching it: the cache directory c is not \
                 safe to use (why)",
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(note(&event, wasm).unwrap(), expected);
        }
    }
}
