//! The compiled-code cache as a call's instance sees it: the `kiln_code_cache` imports the
//! guest asks through (`lookup` a code text, `fetch` what was found; `locate_function`,
//! `lookup_function` and `store_function` for the executor's function plans), the texts a
//! call missed,
//! and the compile call that turns each of those into an entry afterwards (the guest's
//! `kiln_compile_code` export, in a fresh instance of the same artifact, under limits of its
//! own). The guest side is guest/src/code.rs; the protocol is in wit/executor.wit.

use crate::code_cache::{CodeCache, CodeKey, Compiled};
use std::sync::Arc;
use wasmtime::{Caller, Extern, Linker};

/// The core module the imports come from.
pub const IMPORT_MODULE: &str = "kiln_code_cache";

/// The export that compiles one code text.
pub const COMPILE_EXPORT: &str = "kiln_compile_code";

/// `lookup` answers.
const MISS: i32 = 0;
const BYTECODE: i32 = 1;
const SYNTAX_ERROR: i32 = 2;
/// `lookup_function` answers: a function plan was found; there is no cache to keep one in.
const FUNCTION_PLAN: i32 = 3;
const NO_CACHE: i32 = 4;

/// What `kiln_compile_code` writes first: bytecode follows, or a SyntaxError's message.
const COMPILED: u8 = b'B';
const DOES_NOT_COMPILE: u8 = b'E';

/// The most code text one call may leave to be compiled after it (bytes, all misses
/// together): what is past it is simply not cached this time.
const MAX_MISSED_BYTES: usize = 32 << 20;

/// A call's view of the cache.
#[derive(Default)]
pub(crate) struct CallCode {
    /// The cache and the identity of the artifact the call runs, when there is a cache.
    pub(crate) cache: Option<(Arc<CodeCache>, [u8; 32])>,
    /// What the last lookup found, for `fetch`.
    found: Option<Arc<[u8]>>,
    /// Texts the call missed, to compile after it.
    pub(crate) misses: Vec<(CodeKey, Vec<u8>)>,
    missed_bytes: usize,
}

impl CallCode {
    /// A call's view of `cache` for the artifact `artifact`.
    pub(crate) fn new(cache: Option<(Arc<CodeCache>, [u8; 32])>) -> Self {
        Self {
            cache,
            ..Self::default()
        }
    }

    /// Looks `text` up: the status for the guest and the length of what was found.
    fn lookup(&mut self, text: &[u8]) -> (i32, usize) {
        self.found = None;
        let Some((cache, artifact)) = &self.cache else {
            return (MISS, 0);
        };
        let key = CodeCache::key(artifact, text);
        let (status, payload) = match cache.lookup(&key) {
            Some(Compiled::Bytecode(b)) => (BYTECODE, b),
            Some(Compiled::SyntaxError(m)) => (SYNTAX_ERROR, m),
            Some(Compiled::Uncacheable | Compiled::FunctionPlan(_)) => return (MISS, 0),
            None => {
                let known = self.misses.iter().any(|(k, _)| *k == key);
                if !known && self.missed_bytes + text.len() <= MAX_MISSED_BYTES {
                    self.missed_bytes += text.len();
                    self.misses.push((key, text.to_vec()));
                }
                return (MISS, 0);
            }
        };
        let len = payload.len();
        self.found = Some(payload);
        (status, len)
    }

    /// Looks up the function plan of the definition `text`: the status for the guest and the
    /// length of what was found.
    fn lookup_function(&mut self, text: &[u8]) -> (i32, usize) {
        self.found = None;
        let Some((cache, artifact)) = &self.cache else {
            return (NO_CACHE, 0);
        };
        if text.is_empty() {
            // Only asking whether there is a cache.
            return (MISS, 0);
        }
        match cache.lookup_function(&CodeCache::function_key(artifact, text)) {
            Some(plan) => {
                let len = plan.len();
                self.found = Some(plan);
                (FUNCTION_PLAN, len)
            }
            None => (MISS, 0),
        }
    }

    /// Keeps `plan` as the function plan of the definition `text`.
    fn store_function(&mut self, text: &[u8], plan: &[u8]) {
        if let Some((cache, artifact)) = &self.cache {
            cache.store_function(&CodeCache::function_key(artifact, text), plan);
        }
    }
}

/// Defines the `kiln_code_cache` imports in `linker`, reading each store's [`CallCode`] with
/// `get`.
pub(crate) fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut CallCode,
) -> wasmtime::Result<()> {
    linker.func_wrap(
        IMPORT_MODULE,
        "lookup",
        move |mut caller: Caller<'_, T>, text: u32, len: u32, found_len: u32| -> i32 {
            lookup_import(&mut caller, get, (text, len, found_len), CallCode::lookup)
        },
    )?;
    linker.func_wrap(
        IMPORT_MODULE,
        "lookup_function",
        move |mut caller: Caller<'_, T>, text: u32, len: u32, found_len: u32| -> i32 {
            lookup_import(
                &mut caller,
                get,
                (text, len, found_len),
                CallCode::lookup_function,
            )
        },
    )?;
    linker.func_wrap(
        IMPORT_MODULE,
        "locate_function",
        move |mut caller: Caller<'_, T>, rest: u32, len: u32| -> u32 {
            let Some(memory) = memory(&mut caller) else {
                return 0;
            };
            let data = memory.data(&caller);
            range(data, rest, len)
                .and_then(|r| definition_len(&data[r]))
                .and_then(|len| u32::try_from(len).ok())
                .unwrap_or(0)
        },
    )?;
    linker.func_wrap(
        IMPORT_MODULE,
        "store_function",
        move |mut caller: Caller<'_, T>, text: u32, len: u32, plan: u32, plan_len: u32| -> i32 {
            let Some(memory) = memory(&mut caller) else {
                return 1;
            };
            let (data, state) = memory.data_and_store_mut(&mut caller);
            match (range(data, text, len), range(data, plan, plan_len)) {
                (Some(text), Some(plan)) => {
                    get(state).store_function(&data[text], &data[plan]);
                    0
                }
                _ => 1,
            }
        },
    )?;
    linker.func_wrap(
        IMPORT_MODULE,
        "fetch",
        move |mut caller: Caller<'_, T>, buf: u32, len: u32| -> i32 {
            let Some(memory) = memory(&mut caller) else {
                return 1;
            };
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let Some(found) = get(state).found.take() else {
                return 1;
            };
            match range(data, buf, len) {
                Some(r) if r.len() == found.len() => {
                    data[r].copy_from_slice(&found);
                    0
                }
                _ => 1,
            }
        },
    )?;
    Ok(())
}

/// Defines the `kiln_code_cache` imports with no cache behind them (every lookup misses): for
/// build-time runs of the guest.
pub fn add_absent_to_linker<T: 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.func_wrap(
        IMPORT_MODULE,
        "lookup",
        |_: Caller<'_, T>, _: u32, _: u32, _: u32| -> i32 { MISS },
    )?;
    linker.func_wrap(
        IMPORT_MODULE,
        "fetch",
        |_: Caller<'_, T>, _: u32, _: u32| -> i32 { 1 },
    )?;
    linker.func_wrap(
        IMPORT_MODULE,
        "lookup_function",
        |_: Caller<'_, T>, _: u32, _: u32, _: u32| -> i32 { NO_CACHE },
    )?;
    linker.func_wrap(
        IMPORT_MODULE,
        "store_function",
        |_: Caller<'_, T>, _: u32, _: u32, _: u32, _: u32| -> i32 { 1 },
    )?;
    linker.func_wrap(
        IMPORT_MODULE,
        "locate_function",
        |_: Caller<'_, T>, _: u32, _: u32| -> u32 { 0 },
    )?;
    Ok(())
}

/// The length of the function definition at the start of `rest` (an object: one JSON value,
/// skipped by serde_json without recursing, whatever follows it), or `None` when `rest` does
/// not start with one.
fn definition_len(rest: &[u8]) -> Option<usize> {
    if rest.first() != Some(&b'{') {
        return None;
    }
    let mut values =
        serde_json::Deserializer::from_slice(rest).into_iter::<serde::de::IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => Some(values.byte_offset()),
        _ => None,
    }
}

/// The body of both lookup imports: asks `lookup` about the `len` bytes at `text` and, when
/// the answer carries something found (not a miss, not "no cache"), stores its length at
/// `found_len` for `fetch`.
fn lookup_import<T>(
    caller: &mut Caller<'_, T>,
    get: fn(&mut T) -> &mut CallCode,
    (text, len, found_len): (u32, u32, u32),
    lookup: fn(&mut CallCode, &[u8]) -> (i32, usize),
) -> i32 {
    let Some(memory) = memory(caller) else {
        return MISS;
    };
    let (data, state) = memory.data_and_store_mut(caller);
    let Some(text) = range(data, text, len).map(|r| &data[r]) else {
        return MISS;
    };
    let (status, found) = lookup(get(state), text);
    if status == MISS || status == NO_CACHE {
        return status;
    }
    match range(data, found_len, 4) {
        Some(r) => {
            data[r].copy_from_slice(&(found as u32).to_le_bytes());
            status
        }
        None => MISS,
    }
}

fn memory<T>(caller: &mut Caller<'_, T>) -> Option<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Some(memory),
        _ => None,
    }
}

/// `len` bytes at `at` in `data`, when they are all inside it.
fn range(data: &[u8], at: u32, len: u32) -> Option<std::ops::Range<usize>> {
    let start = at as usize;
    let end = start.checked_add(len as usize)?;
    (end <= data.len()).then_some(start..end)
}

/// What a compile call's stdout says about the text (empty or unknown: not worth caching).
pub(crate) fn compiled(stdout: &[u8]) -> Compiled {
    match stdout.split_first() {
        Some((&COMPILED, bytecode)) if !bytecode.is_empty() => {
            Compiled::Bytecode(Arc::from(bytecode))
        }
        Some((&DOES_NOT_COMPILE, message)) => Compiled::SyntaxError(Arc::from(message)),
        _ => Compiled::Uncacheable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_output_becomes_an_entry() {
        assert_eq!(
            compiled(b"B\x01\x02"),
            Compiled::Bytecode(Arc::from(&b"\x01\x02"[..]))
        );
        assert_eq!(
            compiled(b"Eunexpected token"),
            Compiled::SyntaxError(Arc::from(&b"unexpected token"[..]))
        );
        assert_eq!(compiled(b""), Compiled::Uncacheable);
        assert_eq!(compiled(b"B"), Compiled::Uncacheable);
        assert_eq!(compiled(b"X"), Compiled::Uncacheable);
    }

    #[test]
    fn the_definition_is_the_one_json_value_at_the_start() {
        let rest = br#"{"a":"}]\"{[","b":[{}]},"Z1000K1":"x"}"#;
        assert_eq!(
            definition_len(rest),
            Some(br#"{"a":"}]\"{[","b":[{}]}"#.len())
        );
        assert_eq!(definition_len(b"{}"), Some(2));
        assert_eq!(definition_len(b"{} ,"), Some(2));
        // Not an object there, or not JSON: the guest defers nothing.
        assert_eq!(definition_len(b""), None);
        assert_eq!(definition_len(b" {}"), None);
        assert_eq!(definition_len(b"[1]"), None);
        assert_eq!(definition_len(b"{\"a\":}"), None);
        assert_eq!(definition_len(b"{\"a\":1"), None);
        assert_eq!(definition_len(b"{\"a\":\"\x01\"}"), None);
        // serde_json skips a value without recursing: any depth.
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(definition_len(deep.as_bytes()), Some(deep.len()));
        // What the guest's parser reads (or refuses) inside strings, the host skips.
        assert_eq!(definition_len(br#"{"a":"\ud800"}"#), Some(14));
        assert_eq!(definition_len(b"{\"a\":\"\xff\"}"), Some(9));
    }

    #[test]
    fn a_call_records_each_missed_text_once_and_hands_over_hits() {
        let cache = Arc::new(CodeCache::new(1 << 20));
        let artifact = [5u8; 32];
        let mut call = CallCode::new(Some((cache.clone(), artifact)));
        assert_eq!(call.lookup(b"a"), (MISS, 0));
        assert_eq!(call.lookup(b"a"), (MISS, 0));
        assert_eq!(call.misses.len(), 1);
        let key = CodeCache::key(&artifact, b"b");
        assert!(cache.begin_compile(&key));
        cache.finish_compile(&key, Compiled::Bytecode(Arc::from(&b"xyz"[..])), 1);
        assert_eq!(call.lookup(b"b"), (BYTECODE, 3));
        assert_eq!(call.found.as_deref(), Some(&b"xyz"[..]));
        let mut without = CallCode::new(None);
        assert_eq!(without.lookup(b"a"), (MISS, 0));
        assert!(without.misses.is_empty());
    }

    #[test]
    fn ranges_stay_inside_memory() {
        let data = [0u8; 16];
        assert_eq!(range(&data, 4, 8), Some(4..12));
        assert_eq!(range(&data, 8, 8), Some(8..16));
        assert_eq!(range(&data, 9, 8), None);
        assert_eq!(range(&data, u32::MAX, 2), None);
    }
}
