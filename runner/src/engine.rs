//! The one wasmtime engine configuration of kiln: precompiled `.cwasm` files are produced and
//! loaded with exactly these settings.

use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Upper bound of linear memory any call may reach, whatever `--memory-mb` says; the pooling
/// allocator reserves slots of this size.
pub const MAX_MEMORY_BYTES: usize = 4 << 30;

/// Linear memory per pooled slot kept mapped and reset in place between calls.
pub const KEEP_RESIDENT_BYTES: usize = 16 << 20;

/// Wasm stack a call may use before it traps with a stack overflow.
pub const MAX_WASM_STACK: usize = 1 << 20;

/// Settings that affect generated code. Anything here changes the `.cwasm` compatibility hash.
pub fn code_config() -> Config {
    let mut config = Config::new();
    config
        .epoch_interruption(true)
        .consume_fuel(true)
        .max_wasm_stack(MAX_WASM_STACK)
        .cranelift_opt_level(wasmtime::OptLevel::Speed)
        // QuickJS is compiled with 128-bit SIMD (.cargo/config.toml); relaxed SIMD, whose
        // results may differ between hosts, is not used and stays off.
        .wasm_simd(true)
        .wasm_relaxed_simd(false)
        // Features the executor module does not use; off so serving-only hosts can load it.
        .wasm_gc(false)
        .wasm_function_references(false)
        .wasm_stack_switching(false)
        .wasm_exceptions(false)
        .wasm_component_model(false)
        .wasm_threads(false);
    config
}

/// How instances are allocated. Does not affect code, so one `.cwasm` serves both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allocation {
    /// Memory mapped on demand: cheapest to set up, right for one-shot processes.
    OnDemand,
    /// Pre-reserved slots with copy-on-write memory images: cheapest per call, right for
    /// long-lived hosts that serve many calls.
    Pooling {
        /// How many instances (and memories, and tables) may exist at once.
        instances: u32,
    },
}

/// Builds the engine used to run (and precompile) executor modules.
pub fn engine(allocation: Allocation) -> wasmtime::Result<Engine> {
    let mut config = code_config();
    config.memory_init_cow(true);
    if let Allocation::Pooling { instances } = allocation {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_core_instances(instances)
            .total_memories(instances)
            .total_tables(instances)
            .max_memory_size(MAX_MEMORY_BYTES)
            // Between calls, reset the pages a call dirtied in place (found with Linux's
            // PAGEMAP_SCAN where available) instead of unmapping them: the next call in the
            // slot then takes no copy-on-write page faults on the executor's heap.
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
            .table_keep_resident(64 << 10)
            .pagemap_scan(Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config)
}
