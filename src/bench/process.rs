//! Whole-process latency: one `kiln run` process per call on each path, and one `node` process
//! per call running the bundled executor as plain JavaScript.

use super::artifacts::BenchPath;
use super::calls::BenchCall;
use super::results::{CallReport, PathReport};
use super::stats::Stats;
use super::BenchOptions;
use anyhow::{bail, ensure, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The Node runner script for the node column.
const NODE_EXECUTOR: &str = include_str!("../../benches/node-executor.mjs");

/// Writes each call's request to `{name}.json` in `work_dir`; returns the files in call order.
fn write_requests(work_dir: &Path, calls: &[BenchCall]) -> Result<Vec<PathBuf>> {
    calls
        .iter()
        .map(|call| {
            let path = work_dir.join(format!("{}.json", call.name));
            std::fs::write(&path, &call.request)
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(path)
        })
        .collect()
}

/// Runs `command` to its end; its wall time, or an error with its stderr if it failed.
fn time_command(command: &mut Command) -> Result<Duration> {
    let started = Instant::now();
    let output = command
        .output()
        .with_context(|| format!("starting {command:?}"))?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(elapsed)
}

/// One `kiln run` process per call, interleaved across paths.
pub(super) fn whole_process(
    options: &BenchOptions,
    paths: &[BenchPath],
    calls: &[BenchCall],
    reports: &mut [CallReport],
) -> Result<()> {
    let requests = write_requests(&options.work_dir, calls)?;
    for (call_index, request) in requests.iter().enumerate() {
        let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); paths.len()];
        for round in 0..options.process_calls.max(1) + 1 {
            for (index, path) in paths.iter().enumerate() {
                let elapsed = time_command(
                    Command::new(&options.kiln)
                        .args(["run", "--artifact"])
                        .arg(&path.artifact)
                        .arg(request),
                )?;
                // The first round warms the page cache.
                if round > 0 {
                    samples[index].push(elapsed);
                }
            }
        }
        for (index, path) in paths.iter().enumerate() {
            if let Some(report) = reports[call_index].paths.get_mut(&path.name) {
                report.process = Some(Stats::of(&samples[index]));
            }
        }
    }
    Ok(())
}

/// Whether a working `node` is on the PATH.
pub(super) fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// One Node process per call running the bundled executor as plain JavaScript.
pub(super) fn node_process(
    options: &BenchOptions,
    calls: &[BenchCall],
    reports: &mut [CallReport],
) -> Result<()> {
    let script = options.work_dir.join("node-executor.mjs");
    std::fs::write(&script, NODE_EXECUTOR)?;
    let bundle = options.artifacts.join("bundle/executor.js");
    ensure!(bundle.is_file(), "{} is missing", bundle.display());
    let requests = write_requests(&options.work_dir, calls)?;
    let rounds = options.process_calls.clamp(1, 20);
    for (call_index, request) in requests.iter().enumerate() {
        let mut samples = Vec::new();
        for round in 0..rounds + 1 {
            let elapsed =
                time_command(Command::new("node").arg(&script).arg(&bundle).arg(request))?;
            if round > 0 {
                samples.push(elapsed);
            }
        }
        reports[call_index].paths.insert(
            "node".to_string(),
            PathReport {
                latency: Stats::of(&samples),
                fuel: None,
                instantiate: None,
                execute: None,
                cold: None,
                process: Some(Stats::of(&samples)),
                compile_fuel: None,
                samples: rounds,
            },
        );
    }
    Ok(())
}
