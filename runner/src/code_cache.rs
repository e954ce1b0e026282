//! The compiled-code cache: QuickJS bytecode of community code (implementations and type
//! converters), kept in memory, bounded by bytes (least recently used first out), shared by
//! every call of every runner it is given to.
//!
//! An entry is keyed by the SHA-256 of the artifact's identity and the exact text the executor
//! evaluates (the code wrapped with the function's name: see executor-js/src/community.js), so
//! a comment, a Unicode escape or another function name is another entry, and an entry made
//! for one artifact (one QuickJS build) is never read by another. What an entry holds was
//! written by kiln itself, in a compile call of its own ([`crate::Runner`] makes them after a
//! call that missed): the text's bytecode, or the SyntaxError message compiling it gave, or a
//! note that it is not worth caching (too big, or it failed in a way that is not a property of
//! the text). Nothing a request carries ever becomes an entry.
//!
//! The same cache keeps the executor's function plans (guest/src/function.rs): what the
//! executor derived from a Z7's inline function definition before any community code of that
//! call ran, keyed apart from code (the SHA-256 of a domain tag, the artifact's identity and
//! the definition's exact text).

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

/// A cache key: SHA-256 of (artifact identity, code text).
pub type CodeKey = [u8; 32];

/// Bytes an entry is charged beyond its payload (key, bookkeeping).
const ENTRY_OVERHEAD: usize = 96;

/// What compiling a code text gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compiled {
    /// Its bytecode.
    Bytecode(Arc<[u8]>),
    /// The message of the SyntaxError parsing it throws.
    SyntaxError(Arc<[u8]>),
    /// Nothing worth keeping: evaluate the text each time (too big for the cache, or the compile
    /// call failed for a reason that is not the text's own, such as a limit).
    Uncacheable,
    /// The executor's plan of a function definition (under a [`CodeCache::function_key`]).
    FunctionPlan(Arc<[u8]>),
}

impl Compiled {
    /// Bytes this entry is charged in the cache.
    fn size(&self) -> usize {
        ENTRY_OVERHEAD
            + match self {
                Compiled::Bytecode(b) | Compiled::SyntaxError(b) | Compiled::FunctionPlan(b) => {
                    b.len()
                }
                Compiled::Uncacheable => 0,
            }
    }
}

/// Counters and sizes of a [`CodeCache`], as of one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeCacheStats {
    /// Lookups answered with bytecode or a syntax error.
    pub hits: u64,
    /// Lookups of texts the cache did not know (each is compiled once after its call).
    pub misses: u64,
    /// Lookups of texts known not to be worth caching.
    pub uncacheable: u64,
    /// Entries dropped to stay within the capacity.
    pub evictions: u64,
    /// Compile calls made.
    pub compiles: u64,
    /// Fuel those compile calls used, in total.
    pub compile_fuel: u64,
    /// Entries held now.
    pub entries: u64,
    /// Bytes held now (payloads and per-entry overhead).
    pub bytes: u64,
    /// The bound on `bytes`.
    pub capacity: u64,
    /// Function-plan lookups answered with a plan.
    pub function_hits: u64,
    /// Function-plan lookups of definitions the cache did not know.
    pub function_misses: u64,
    /// Function plans kept.
    pub functions_stored: u64,
}

/// Bytecode of community code, bounded by bytes, shared by threads.
pub struct CodeCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

struct Inner {
    entries: lru::LruCache<CodeKey, Compiled>,
    /// Keys whose compile call is under way (another call that misses them does not compile
    /// them again).
    compiling: HashSet<CodeKey>,
    bytes: usize,
    stats: CodeCacheStats,
}

impl CodeCache {
    /// A cache holding at most `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(Inner {
                entries: lru::LruCache::unbounded(),
                compiling: HashSet::new(),
                bytes: 0,
                stats: CodeCacheStats::default(),
            }),
        }
    }

    /// The key of `text` evaluated by the artifact identified by `artifact`.
    pub fn key(artifact: &[u8; 32], text: &[u8]) -> CodeKey {
        let mut hasher = Sha256::new();
        hasher.update(artifact);
        hasher.update(text);
        hasher.finalize().into()
    }

    /// The key of the function plan of the definition `text` made by the artifact `artifact`:
    /// apart from every code key (a domain tag first).
    pub fn function_key(artifact: &[u8; 32], text: &[u8]) -> CodeKey {
        let mut hasher = Sha256::new();
        hasher.update(b"kiln function plan\0");
        hasher.update(artifact);
        hasher.update(text);
        hasher.finalize().into()
    }

    /// The largest text worth compiling for this cache: its bytecode (which keeps the source,
    /// for `Function.prototype.toString`) is larger than the text, and one entry may take at
    /// most a quarter of the capacity.
    pub fn max_text_bytes(&self) -> usize {
        self.capacity / 4
    }

    /// The bound, in bytes.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map inconsistent for a reader.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Looks `key` up (making it the most recently used) and counts the lookup.
    pub fn lookup(&self, key: &CodeKey) -> Option<Compiled> {
        let mut inner = self.lock();
        let found = inner.entries.get(key).cloned();
        match &found {
            Some(Compiled::Uncacheable) => inner.stats.uncacheable += 1,
            Some(_) => inner.stats.hits += 1,
            None => inner.stats.misses += 1,
        }
        found
    }

    /// Claims the compile of `key`: false when it is known already or another call is
    /// compiling it.
    pub fn begin_compile(&self, key: &CodeKey) -> bool {
        let mut inner = self.lock();
        if inner.entries.contains(key) {
            return false;
        }
        inner.compiling.insert(*key)
    }

    /// Ends the compile of `key` claimed with [`CodeCache::begin_compile`], keeping `compiled`
    /// (unless it alone is over the capacity) and evicting the least recently used entries
    /// past the bound.
    pub fn finish_compile(&self, key: &CodeKey, compiled: Compiled, fuel: u64) {
        let mut inner = self.lock();
        inner.compiling.remove(key);
        inner.stats.compiles += 1;
        inner.stats.compile_fuel += fuel;
        let compiled = if compiled.size() > self.capacity / 4 {
            Compiled::Uncacheable
        } else {
            compiled
        };
        self.put(&mut inner, key, compiled);
    }

    /// The function plan kept under `key` (a [`CodeCache::function_key`]), counting the lookup.
    pub fn lookup_function(&self, key: &CodeKey) -> Option<Arc<[u8]>> {
        let mut inner = self.lock();
        match inner.entries.get(key) {
            Some(Compiled::FunctionPlan(plan)) => {
                let plan = plan.clone();
                inner.stats.function_hits += 1;
                Some(plan)
            }
            _ => {
                inner.stats.function_misses += 1;
                None
            }
        }
    }

    /// Keeps `plan` under `key` (a [`CodeCache::function_key`]) unless it alone is over a
    /// quarter of the capacity, evicting the least recently used entries past the bound.
    pub fn store_function(&self, key: &CodeKey, plan: &[u8]) {
        let compiled = Compiled::FunctionPlan(Arc::from(plan));
        if compiled.size() > self.capacity / 4 {
            return;
        }
        let mut inner = self.lock();
        inner.stats.functions_stored += 1;
        self.put(&mut inner, key, compiled);
    }

    /// Puts `compiled` under `key` and evicts past the bound.
    fn put(&self, inner: &mut Inner, key: &CodeKey, compiled: Compiled) {
        let size = compiled.size();
        if let Some(old) = inner.entries.put(*key, compiled) {
            inner.bytes -= old.size();
        }
        inner.bytes += size;
        while inner.bytes > self.capacity {
            let Some((_, evicted)) = inner.entries.pop_lru() else {
                break;
            };
            inner.bytes -= evicted.size();
            inner.stats.evictions += 1;
        }
    }

    /// The counters and sizes now.
    pub fn stats(&self) -> CodeCacheStats {
        let inner = self.lock();
        CodeCacheStats {
            entries: inner.entries.len() as u64,
            bytes: inner.bytes as u64,
            capacity: self.capacity as u64,
            ..inner.stats
        }
    }
}

impl std::fmt::Debug for CodeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeCache")
            .field("stats", &self.stats())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytecode(n: usize) -> Compiled {
        Compiled::Bytecode(vec![7u8; n].into())
    }

    #[test]
    fn keys_differ_by_artifact_and_by_every_byte_of_the_text() {
        let a = [1u8; 32];
        let b = [2u8; 32];
        let text = b"0,function(){function f(){}\nreturn f;\n}";
        assert_eq!(CodeCache::key(&a, text), CodeCache::key(&a, text));
        assert_ne!(CodeCache::key(&a, text), CodeCache::key(&b, text));
        assert_ne!(
            CodeCache::key(&a, text),
            CodeCache::key(&a, b"0,function(){function f(){} \nreturn f;\n}")
        );
    }

    #[test]
    fn lookups_are_counted_and_entries_kept() {
        let cache = CodeCache::new(1 << 20);
        let key = [3u8; 32];
        assert_eq!(cache.lookup(&key), None);
        assert!(cache.begin_compile(&key));
        assert!(
            !cache.begin_compile(&key),
            "a compile under way is not claimed twice"
        );
        cache.finish_compile(&key, bytecode(100), 5000);
        assert!(
            !cache.begin_compile(&key),
            "a known key is not compiled again"
        );
        assert_eq!(cache.lookup(&key), Some(bytecode(100)));
        let stats = cache.stats();
        assert_eq!(
            (stats.hits, stats.misses, stats.compiles, stats.compile_fuel),
            (1, 1, 1, 5000)
        );
        assert_eq!(
            (stats.entries, stats.bytes),
            (1, 100 + ENTRY_OVERHEAD as u64)
        );
    }

    #[test]
    fn the_least_recently_used_entries_go_first_when_past_the_bound() {
        let entry = 1000;
        let cache = CodeCache::new(4 * (entry + ENTRY_OVERHEAD));
        let keys: Vec<CodeKey> = (0..6u8).map(|i| [i; 32]).collect();
        for key in &keys[..4] {
            assert!(cache.begin_compile(key));
            cache.finish_compile(key, bytecode(entry), 0);
        }
        // Touch the first: the second is now the least recently used.
        assert!(cache.lookup(&keys[0]).is_some());
        for key in &keys[4..] {
            assert!(cache.begin_compile(key));
            cache.finish_compile(key, bytecode(entry), 0);
        }
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.evictions), (4, 2));
        assert!(stats.bytes <= stats.capacity);
        assert!(cache.lookup(&keys[0]).is_some(), "recently used, kept");
        assert_eq!(cache.lookup(&keys[1]), None, "least recently used, evicted");
        assert_eq!(cache.lookup(&keys[2]), None);
        assert!(cache.lookup(&keys[5]).is_some());
    }

    #[test]
    fn an_entry_over_a_quarter_of_the_capacity_is_kept_as_uncacheable() {
        let cache = CodeCache::new(4000);
        let key = [9u8; 32];
        assert!(cache.begin_compile(&key));
        cache.finish_compile(&key, bytecode(2000), 0);
        assert_eq!(cache.lookup(&key), Some(Compiled::Uncacheable));
        let stats = cache.stats();
        assert_eq!((stats.uncacheable, stats.hits), (1, 0));
        assert_eq!(stats.bytes, ENTRY_OVERHEAD as u64);
    }

    #[test]
    fn function_plans_are_keyed_apart_from_code_and_bounded_like_it() {
        let cache = CodeCache::new(4000);
        let artifact = [3u8; 32];
        let text = b"{\"Z1K1\":\"Z8\"}";
        let key = CodeCache::function_key(&artifact, text);
        assert_ne!(
            key,
            CodeCache::key(&artifact, text),
            "a domain apart from code"
        );
        assert_eq!(cache.lookup_function(&key), None);
        cache.store_function(&key, b"plan");
        assert_eq!(cache.lookup_function(&key).as_deref(), Some(&b"plan"[..]));
        // The cache's own lookup sees the entry; a call's code lookup (code.rs) takes a plan
        // for a miss (the keys never meet anyway).
        assert_eq!(
            cache.lookup(&key),
            Some(Compiled::FunctionPlan(Arc::from(&b"plan"[..])))
        );
        // Over a quarter of the capacity: not kept.
        let other = CodeCache::function_key(&artifact, b"{}");
        cache.store_function(&other, &[b'x'; 2000]);
        assert_eq!(cache.lookup_function(&other), None);
        let stats = cache.stats();
        assert_eq!(
            (
                stats.function_hits,
                stats.function_misses,
                stats.functions_stored
            ),
            (1, 2, 1)
        );
        assert_eq!(stats.entries, 1);
    }
}
