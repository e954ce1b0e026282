//! In-process latency: every path on every call in one process, a fresh instance per call,
//! run in the order of the [schedule](super::schedule), with the instantiation/execution split
//! and the cold figure apart.

use super::artifacts::BenchPath;
use super::calls::BenchCall;
use super::results::{CallReport, PathReport};
use super::schedule;
use super::stats::Stats;
use anyhow::{ensure, Context, Result};
use kiln_runner::CodeCache;
use kiln_runner::{ExecutorKind, Runner};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Room in the code cache of the `+cache` paths: every call's code fits.
const CACHE_BYTES: usize = 64 << 20;

/// The name of `path` measured with the compiled-code cache warm.
pub(super) fn cached_name(path: &str) -> String {
    format!("{path}+cache")
}

/// In-process timings of one path on one call.
#[derive(Default)]
struct Samples {
    total: Vec<Duration>,
    instantiate: Vec<Duration>,
    execute: Vec<Duration>,
    cold: Vec<Duration>,
}

/// Runs `request` on every runner in the order of [`schedule::blocks`] until each path has
/// `iterations` steady-state samples. Interleaving single calls instead (A B C A B C) would
/// measure every call right after another artifact ran: a serving process runs one artifact,
/// so that is reported apart, as the cold figure, from the first call of each block.
fn block_samples(runners: &[(String, Runner)], request: &[u8], iterations: usize) -> Vec<Samples> {
    let mut samples: Vec<Samples> = runners.iter().map(|_| Samples::default()).collect();
    for slot in schedule::blocks(runners.len(), iterations) {
        let runner = &runners[slot.path].1;
        let path = &mut samples[slot.path];
        let started = Instant::now();
        let outcome = runner.call(request);
        let elapsed = started.elapsed();
        if slot.cold {
            path.cold.push(elapsed);
        } else if path.total.len() < iterations {
            path.total.push(elapsed);
            path.instantiate.push(outcome.metrics.instantiate);
            path.execute.push(outcome.metrics.execute);
        }
    }
    samples
}

/// In-process latency, interleaved; every path must give the same answer for a call (the same
/// Z22K1, or the same text from a custom executor).
pub(super) fn in_process(
    paths: &[BenchPath],
    calls: &[BenchCall],
    iterations: usize,
    executor: ExecutorKind,
) -> Result<Vec<CallReport>> {
    let mut runners: Vec<(String, Runner)> = paths
        .iter()
        .map(|path| {
            let runner = super::load(&path.artifact, 4, executor)
                .with_context(|| format!("loading the {} artifact", path.name))?;
            Ok((path.name.clone(), runner))
        })
        .collect::<Result<_>>()?;
    // Each path again with the compiled-code cache (the warm-up calls below fill it): the
    // paths above parse the community code on every call, as a cache miss does.
    if executor == ExecutorKind::Wikifunctions {
        let cache = Arc::new(CodeCache::new(CACHE_BYTES));
        for path in paths {
            let runner = super::load(&path.artifact, 4, executor)
                .with_context(|| format!("loading the {} artifact", path.name))?
                .with_code_cache(cache.clone());
            runners.push((cached_name(&path.name), runner));
        }
    }

    let mut results = Vec::new();
    for call in calls {
        let mut reference: Option<(String, Option<String>)> = None;
        let mut fuel = BTreeMap::new();
        let mut compile_fuel = BTreeMap::new();
        for (name, runner) in &runners {
            let compiled = |r: &Runner| r.code_cache().map(|c| c.stats().compile_fuel);
            let before = compiled(runner);
            for _ in 0..2 {
                runner.call(&call.request);
            }
            if let (Some(before), Some(after)) = (before, compiled(runner)) {
                compile_fuel.insert(name.clone(), after - before);
            }
            let outcome = runner.call(&call.request);
            ensure!(
                outcome.error.is_none(),
                "{} failed on the {name} path: {:?}",
                call.name,
                outcome.error
            );
            let value = match executor {
                ExecutorKind::Wikifunctions => outcome.value_json(),
                ExecutorKind::Custom => Some(outcome.answer.clone()),
            };
            match &reference {
                None => reference = Some((name.clone(), value)),
                Some((first, expected)) => ensure!(
                    expected == &value,
                    "{} answers differ between the {first} and {name} paths",
                    call.name
                ),
            }
            fuel.insert(name.clone(), outcome.metrics.fuel);
        }
        let samples = block_samples(&runners, &call.request, iterations);
        let mut paths_report = BTreeMap::new();
        for ((name, _), samples) in runners.iter().zip(samples) {
            paths_report.insert(
                name.clone(),
                PathReport {
                    latency: Stats::of(&samples.total),
                    fuel: Some(fuel[name]),
                    instantiate: Some(Stats::of(&samples.instantiate)),
                    execute: Some(Stats::of(&samples.execute)),
                    cold: Some(Stats::of(&samples.cold)),
                    process: None,
                    compile_fuel: compile_fuel.get(name).copied(),
                    samples: samples.total.len(),
                },
            );
        }
        results.push(CallReport {
            name: call.name.clone(),
            paths: paths_report,
            ratios: BTreeMap::new(),
        });
    }
    Ok(results)
}
