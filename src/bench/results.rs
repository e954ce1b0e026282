//! The shape of what one `kiln bench` run measured, as written to `bench.json`.

use super::stats::Stats;
use serde::Serialize;
use std::collections::BTreeMap;

/// What one path measured on one call.
#[derive(Clone, Debug, Serialize)]
pub struct PathReport {
    /// In-process latency (fresh instance per call) for the wasm paths; whole-process latency
    /// for the node path.
    #[serde(flatten)]
    pub latency: Stats,
    /// Fuel of one call (identical on every iteration); wasm paths only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    /// The instantiation part of the steady-state latency; wasm paths only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instantiate: Option<Stats>,
    /// The execution part of the steady-state latency; wasm paths only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execute: Option<Stats>,
    /// In-process latency of the first call of each block, right after another artifact ran
    /// (caches, TLB and branch predictors hold the other artifact's state); wasm paths only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cold: Option<Stats>,
    /// Whole-process latency: one `kiln run` per call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<Stats>,
    /// Fuel of compiling the call's community code into the code cache once, after its first
    /// call (what a cache miss costs on top of an uncached call); `+cache` paths only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compile_fuel: Option<u64>,
    /// How many samples `latency` summarises.
    pub samples: usize,
}

/// All paths on one call, and the speedups of the snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct CallReport {
    /// The call's name (see [`BenchCall`](super::BenchCall)).
    pub name: String,
    /// What each path (snapshot, bytecode, plain, node) measured, by path name.
    pub paths: BTreeMap<String, PathReport>,
    /// `plain/snapshot`, `bytecode/snapshot` (in-process medians), and the whole-process ones.
    pub ratios: BTreeMap<String, f64>,
}

/// Instantiation of the snapshot against wasmtime's floor: an empty module with the same
/// memory size, in the same engine.
#[derive(Clone, Debug, Serialize)]
pub struct InstantiationReport {
    /// The add call on the snapshot, back to back in one runner (no other artifact
    /// interleaved): the steady state of a serving process.
    pub snapshot_call_median_us: f64,
    /// Initial linear-memory size of the snapshot, in 64 KiB pages.
    pub memory_pages: u64,
    /// Median instantiation of the snapshot, in µs.
    pub snapshot_median_us: f64,
    /// Median instantiation of the empty module with the same memory, in µs.
    pub empty_module_median_us: f64,
    /// `snapshot_median_us / empty_module_median_us`, rounded to a tenth.
    pub ratio: f64,
}

/// `kiln run --jsonl` throughput with one and two jobs.
#[derive(Clone, Debug, Serialize)]
pub struct ThroughputReport {
    /// Calls per measured round.
    pub calls: usize,
    /// Best rate with one job, in calls per second.
    pub jobs1_calls_per_s: f64,
    /// Best rate with two jobs, in calls per second.
    pub jobs2_calls_per_s: f64,
    /// `jobs2_calls_per_s / jobs1_calls_per_s`, rounded to a hundredth.
    pub speedup: f64,
}

/// Everything one `kiln bench` run measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// One report per call of the set, in the set's order.
    pub calls: Vec<CallReport>,
    /// Sizes in bytes: `snapshot_bytes`, `snapshot_cwasm_bytes`, … and `bundle_bytes`.
    pub artifacts: BTreeMap<String, u64>,
    /// Build time per stage, in ms, from the artifacts' `build-info.json`.
    pub build_stages_ms: Vec<(String, f64)>,
    /// The snapshot's instantiation against an empty module's.
    pub instantiation: InstantiationReport,
    /// `--jsonl` throughput of the add call.
    pub throughput: ThroughputReport,
    /// Cores available to the run.
    pub cores: usize,
}
