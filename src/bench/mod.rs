//! Measures the artifacts against each other on a fixed set of calls, interleaved (in blocks:
//! A×5 B×5 C×5, B×5 C×5 A×5, …) so machine drift hits every path alike: in-process latency
//! percentiles with the instantiation/execution split (steady state, and cold: the first call
//! after another artifact ran), whole-process latency, fuel (deterministic), the instantiation
//! floor of an empty module, `--jobs` throughput, and a Node process per call when `node` is
//! present. [`report`] turns the result into Markdown, JSON and an SVG chart.
//!
//! This module runs the measurements in order ([`run`]); each lives in its own submodule.

mod artifacts;
mod calls;
mod floor;
mod in_process;
mod process;
pub mod report;
mod results;
mod schedule;
mod stats;
mod throughput;

pub use calls::{
    calls_from_files, converter_call, default_calls, natural_equality, whole_type, BenchCall,
};
pub use results::{BenchReport, CallReport, InstantiationReport, PathReport, ThroughputReport};
pub use schedule::BLOCK;
pub use stats::Stats;

use anyhow::{bail, ensure, Context, Result};
use kiln_runner::engine::Allocation;
use kiln_runner::{ExecutorKind, Limits, Runner};
use std::path::PathBuf;
use std::time::Duration;

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Folder with the artifacts of `kiln build`.
    pub artifacts: PathBuf,
    /// In-process calls per path and call.
    pub calls: usize,
    /// Whole-process calls per path and call (each is a process start).
    pub process_calls: usize,
    /// The `kiln` binary for whole-process measurements.
    pub kiln: PathBuf,
    /// Include a Node process per call when `node` is on the PATH.
    pub node: bool,
    /// Scratch folder for request files.
    pub work_dir: PathBuf,
    /// Only the first call.
    pub quick: bool,
    /// The calls to measure; empty: the standard calls (`benches/calls/`), which only kiln's
    /// own executor understands, so a custom executor's build needs its own.
    pub requests: Vec<BenchCall>,
}

/// Runs the whole benchmark.
pub fn run(options: &BenchOptions) -> Result<BenchReport> {
    let paths = artifacts::artifact_paths(&options.artifacts);
    for path in &paths {
        ensure!(
            path.artifact.is_file(),
            "{} is missing: run `kiln build` first",
            path.artifact.display()
        );
    }
    let executor = kiln_compiler::inspect::executor_kind(&paths[0].artifact);
    let mut calls = match (executor, options.requests.is_empty()) {
        (_, false) => options.requests.clone(),
        (ExecutorKind::Wikifunctions, true) => default_calls(),
        (ExecutorKind::Custom, true) => bail!(
            "{} holds a custom executor: name the requests to measure it on (--request FILE)",
            options.artifacts.display()
        ),
    };
    if options.quick {
        calls.truncate(1);
    }
    let mut reports = in_process::in_process(&paths, &calls, options.calls.max(1), executor)?;
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("creating {}", options.work_dir.display()))?;
    process::whole_process(options, &paths, &calls, &mut reports)?;
    if options.node && process::node_available() {
        process::node_process(options, &calls, &mut reports)?;
    }
    for report in &mut reports {
        report.ratios = stats::ratios(report);
    }
    Ok(BenchReport {
        calls: reports,
        artifacts: artifacts::artifact_sizes(&options.artifacts),
        build_stages_ms: artifacts::build_stages(&options.artifacts),
        instantiation: floor::instantiation(
            &paths[0].artifact,
            executor,
            &calls[0].request,
            options.calls.max(50),
        )?,
        throughput: throughput::throughput(
            &paths[0].artifact,
            executor,
            &calls[0].request,
            if options.quick { 200 } else { 600 },
        )?,
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    })
}

/// Loads an artifact for in-process measurements, serving the executor's contract.
fn load(artifact: &std::path::Path, instances: u32, executor: ExecutorKind) -> Result<Runner> {
    let runner = Runner::load(artifact, Allocation::Pooling { instances }, bench_limits())?;
    Ok(runner.with_executor(executor))
}

/// Limits for every in-process measurement: the defaults, with room for a slow machine.
fn bench_limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(60),
        ..Limits::default()
    }
}
