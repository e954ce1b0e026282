//! Measures the artifacts against each other on a fixed set of calls, interleaved
//! (A B C A B C …) so machine drift hits every path alike; reports latency percentiles, the
//! instantiation/execution split, and fuel, which is deterministic.

use anyhow::{ensure, Context, Result};
use kiln_runner::engine::Allocation;
use kiln_runner::{Limits, Runner};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// One benchmark call: a name and its request.
#[derive(Clone, Debug)]
pub struct BenchCall {
    pub name: &'static str,
    pub request: &'static [u8],
}

/// The standard call set (`benches/calls/`).
pub fn default_calls() -> Vec<BenchCall> {
    vec![
        BenchCall {
            name: "add",
            request: include_bytes!("../benches/calls/add.json"),
        },
        BenchCall {
            name: "lists",
            request: include_bytes!("../benches/calls/lists.json"),
        },
        BenchCall {
            name: "strings",
            request: include_bytes!("../benches/calls/strings.json"),
        },
        BenchCall {
            name: "code-10k",
            request: include_bytes!("../benches/calls/code10k.json"),
        },
    ]
}

/// One path to measure: a name (snapshot, bytecode, plain) and its artifact.
#[derive(Clone, Debug)]
pub struct BenchPath {
    pub name: String,
    pub artifact: PathBuf,
}

/// The artifacts `kiln build` wrote into `dir`, as bench paths.
pub fn artifact_paths(dir: &std::path::Path) -> Vec<BenchPath> {
    kiln_compiler::ArtifactKind::ALL
        .iter()
        .map(|kind| BenchPath {
            name: kind.name().to_string(),
            artifact: dir.join(format!("{}.cwasm", kind.stem())),
        })
        .collect()
}

/// Percentiles of a sample, in microseconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Stats {
    pub median_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
}

impl Stats {
    pub fn of(samples: &[Duration]) -> Stats {
        let mut us: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        us.sort_by(|a, b| a.total_cmp(b));
        let at = |q: f64| {
            if us.is_empty() {
                return 0.0;
            }
            let index = ((us.len() - 1) as f64 * q).round() as usize;
            (us[index] * 10.0).round() / 10.0
        };
        Stats {
            median_us: at(0.5),
            p90_us: at(0.9),
            p99_us: at(0.99),
        }
    }
}

/// What one path measured on one call, in-process (a fresh instance per call).
#[derive(Clone, Debug, Serialize)]
pub struct PathMeasure {
    #[serde(flatten)]
    pub latency: Stats,
    pub instantiate: Stats,
    pub execute: Stats,
    /// Fuel of one call (identical on every iteration).
    pub fuel: u64,
    pub samples: usize,
}

/// All paths on one call.
#[derive(Clone, Debug, Serialize)]
pub struct CallMeasure {
    pub name: String,
    pub paths: BTreeMap<String, PathMeasure>,
}

struct Loaded {
    name: String,
    runner: Runner,
}

/// Measures every path on every call, `iterations` times each, interleaved. Every path must
/// give the same Z22K1 for a call, or the comparison would be meaningless.
pub fn in_process(
    paths: &[BenchPath],
    calls: &[BenchCall],
    iterations: usize,
) -> Result<Vec<CallMeasure>> {
    let limits = Limits {
        timeout: Duration::from_secs(60),
        ..Limits::default()
    };
    let loaded: Vec<Loaded> = paths
        .iter()
        .map(|path| {
            let runner = Runner::load(
                &path.artifact,
                Allocation::Pooling { instances: 4 },
                limits.clone(),
            )
            .with_context(|| format!("loading the {} artifact", path.name))?;
            Ok(Loaded {
                name: path.name.clone(),
                runner,
            })
        })
        .collect::<Result<_>>()?;

    let mut results = Vec::new();
    for call in calls {
        // Warm up, and check that every path agrees on the answer.
        let mut reference: Option<(String, Option<String>)> = None;
        let mut fuel = BTreeMap::new();
        for path in &loaded {
            for _ in 0..2 {
                path.runner.call(call.request);
            }
            let outcome = path.runner.call(call.request);
            ensure!(
                outcome.metrics.error.is_none(),
                "{} failed on the {} path: {:?}",
                call.name,
                path.name,
                outcome.error
            );
            let value = outcome.value_json();
            match &reference {
                None => reference = Some((path.name.clone(), value)),
                Some((first, expected)) => ensure!(
                    expected == &value,
                    "{} answers differ between the {first} and {} paths",
                    call.name,
                    path.name
                ),
            }
            fuel.insert(path.name.clone(), outcome.metrics.fuel);
        }
        let mut totals: Vec<Vec<Duration>> = vec![Vec::new(); loaded.len()];
        let mut instantiations = totals.clone();
        let mut executions = totals.clone();
        for _ in 0..iterations {
            for (index, path) in loaded.iter().enumerate() {
                let started = Instant::now();
                let outcome = path.runner.call(call.request);
                totals[index].push(started.elapsed());
                instantiations[index].push(outcome.metrics.instantiate);
                executions[index].push(outcome.metrics.execute);
            }
        }
        let mut measures = BTreeMap::new();
        for (index, path) in loaded.iter().enumerate() {
            measures.insert(
                path.name.clone(),
                PathMeasure {
                    latency: Stats::of(&totals[index]),
                    instantiate: Stats::of(&instantiations[index]),
                    execute: Stats::of(&executions[index]),
                    fuel: fuel[&path.name],
                    samples: iterations,
                },
            );
        }
        results.push(CallMeasure {
            name: call.name.to_string(),
            paths: measures,
        });
    }
    Ok(results)
}

/// A ratio of two medians, rounded for display.
pub fn ratio(slow: f64, fast: f64) -> f64 {
    if fast <= 0.0 {
        return 0.0;
    }
    ((slow / fast) * 10.0).round() / 10.0
}

/// A Markdown table of in-process medians, speedups and fuel.
pub fn markdown_table(results: &[CallMeasure]) -> String {
    let mut out = String::from(
        "| call | snapshot µs (p90) | bytecode µs (p90) | plain µs (p90) | plain/snapshot | bytecode/snapshot | fuel snapshot | fuel bytecode | fuel plain |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for call in results {
        let get = |name: &str| call.paths.get(name);
        let cell = |name: &str| {
            get(name)
                .map(|p| format!("{:.0} ({:.0})", p.latency.median_us, p.latency.p90_us))
                .unwrap_or_else(|| "–".into())
        };
        let fuel = |name: &str| {
            get(name)
                .map(|p| p.fuel.to_string())
                .unwrap_or_else(|| "–".into())
        };
        let snapshot = get("snapshot").map(|p| p.latency.median_us).unwrap_or(0.0);
        let speedup = |name: &str| {
            get(name)
                .map(|p| format!("{:.1}×", ratio(p.latency.median_us, snapshot)))
                .unwrap_or_else(|| "–".into())
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            call.name,
            cell("snapshot"),
            cell("bytecode"),
            cell("plain"),
            speedup("plain"),
            speedup("bytecode"),
            fuel("snapshot"),
            fuel("bytecode"),
            fuel("plain"),
        ));
    }
    out
}
