//! The snapshot's instantiation against wasmtime's floor: an empty module with the same memory,
//! in the same engine.

use super::results::InstantiationReport;
use super::stats::{ratio, Stats};
use anyhow::{bail, Context, Result};
use kiln_runner::ExecutorKind;
use std::path::Path;
use std::time::Instant;

/// The snapshot's instantiation against an empty module with the same memory, same engine.
pub(super) fn instantiation(
    snapshot: &Path,
    executor: ExecutorKind,
    request: &[u8],
    samples: usize,
) -> Result<InstantiationReport> {
    let runner = super::load(snapshot, 4, executor)?;
    let engine = runner.engine().clone();
    let pages = snapshot_memory_pages(snapshot)?;

    let mut module = wasm_encoder::Module::new();
    let mut memories = wasm_encoder::MemorySection::new();
    memories.memory(wasm_encoder::MemoryType {
        minimum: pages,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    module.section(&memories);
    let mut exports = wasm_encoder::ExportSection::new();
    exports.export("memory", wasm_encoder::ExportKind::Memory, 0);
    module.section(&exports);
    let empty = wasmtime::Module::new(&engine, module.finish())?;
    let linker: wasmtime::Linker<()> = wasmtime::Linker::new(&engine);
    let pre = linker.instantiate_pre(&empty)?;

    let mut snapshot_samples = Vec::with_capacity(samples);
    let mut call_samples = Vec::with_capacity(samples);
    let mut empty_samples = Vec::with_capacity(samples);
    for _ in 0..samples + 5 {
        let started = Instant::now();
        let outcome = runner.call(request);
        call_samples.push(started.elapsed());
        snapshot_samples.push(outcome.metrics.instantiate);
        let started = Instant::now();
        let mut store = wasmtime::Store::new(&engine, ());
        store.set_fuel(u64::MAX)?;
        store.set_epoch_deadline(u64::MAX);
        pre.instantiate(&mut store)?;
        empty_samples.push(started.elapsed());
        drop(store);
    }
    let snapshot_us = Stats::of(&snapshot_samples[5..]).median_us;
    let empty_us = Stats::of(&empty_samples[5..]).median_us;
    Ok(InstantiationReport {
        snapshot_call_median_us: Stats::of(&call_samples[5..]).median_us,
        memory_pages: pages,
        snapshot_median_us: snapshot_us,
        empty_module_median_us: empty_us,
        ratio: ratio(snapshot_us, empty_us),
    })
}

/// The initial memory size, in pages, of the .wasm beside `cwasm`.
fn snapshot_memory_pages(cwasm: &Path) -> Result<u64> {
    let wasm = std::fs::read(cwasm.with_extension("wasm"))
        .with_context(|| format!("reading the .wasm beside {}", cwasm.display()))?;
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        if let wasmparser::Payload::MemorySection(reader) = payload? {
            if let Some(memory) = reader.into_iter().next() {
                return Ok(memory?.initial);
            }
        }
    }
    bail!("the snapshot has no memory")
}
