//! The compiled-code cache flag `kiln run --jsonl` and `kiln serve` share, the cache it makes,
//! and the one-line summary of a cache's counters (function plans too) `kiln run --stats`
//! prints.

use kiln_runner::{CodeCache, CodeCacheStats};
use std::sync::Arc;

/// How much compiled community code a process keeps.
#[derive(clap::Args, Clone, Debug)]
pub struct CodeCacheArgs {
    /// Compiled community code (QuickJS bytecode of implementations and type converters) kept
    /// in memory for later calls, in MiB, least recently used out first; 0 turns it off.
    #[arg(long, default_value_t = 64)]
    pub code_cache_mb: usize,
}

impl CodeCacheArgs {
    /// The cache these flags ask for; `None` when it is off.
    pub fn cache(&self) -> Option<Arc<CodeCache>> {
        (self.code_cache_mb > 0).then(|| Arc::new(CodeCache::new(self.code_cache_mb << 20)))
    }
}

/// The counters of a cache, on one line.
pub fn summary(stats: &CodeCacheStats) -> String {
    format!(
        "code cache: {} hits, {} misses, {} uncacheable lookups, {} compiles ({} fuel), {} \
         evictions; function plans: {} plan-hits, {} plan-misses, {} plans-kept; {} entries, \
         {} bytes of {}",
        stats.hits,
        stats.misses,
        stats.uncacheable,
        stats.compiles,
        stats.compile_fuel,
        stats.evictions,
        stats.function_hits,
        stats.function_misses,
        stats.functions_stored,
        stats.entries,
        stats.bytes,
        stats.capacity
    )
}
