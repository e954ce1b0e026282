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

pub use calls::{default_calls, BenchCall};
pub use results::{BenchReport, CallReport, InstantiationReport, PathReport, ThroughputReport};
pub use schedule::BLOCK;
pub use stats::Stats;

use anyhow::{ensure, Context, Result};
use kiln_runner::Limits;
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
    /// Only the add call.
    pub quick: bool,
}

/// Runs the whole benchmark.
pub fn run(options: &BenchOptions) -> Result<BenchReport> {
    let mut calls = default_calls();
    if options.quick {
        calls.truncate(1);
    }
    let paths = artifacts::artifact_paths(&options.artifacts);
    for path in &paths {
        ensure!(
            path.artifact.is_file(),
            "{} is missing: run `kiln build` first",
            path.artifact.display()
        );
    }
    let mut reports = in_process::in_process(&paths, &calls, options.calls.max(1))?;
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
        instantiation: floor::instantiation(&paths[0].artifact, options.calls.max(50))?,
        throughput: throughput::throughput(
            &paths[0].artifact,
            calls[0].request,
            if options.quick { 200 } else { 600 },
        )?,
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    })
}

/// Limits for every in-process measurement: the defaults, with room for a slow machine.
fn bench_limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(60),
        ..Limits::default()
    }
}
