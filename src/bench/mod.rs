//! Measures the artifacts against each other on a fixed set of calls, interleaved (in blocks:
//! A×5 B×5 C×5, B×5 C×5 A×5, …) so machine drift hits every path alike: in-process latency
//! percentiles with the instantiation/execution split (steady state, and cold: the first call
//! after another artifact ran), whole-process latency, fuel (deterministic), the instantiation
//! floor of an empty module, `--jobs` throughput, and a Node process per call when `node` is
//! present. [`report`] turns the result into Markdown, JSON and an SVG chart.

pub mod report;

use anyhow::{bail, ensure, Context, Result};
use kiln_runner::engine::Allocation;
use kiln_runner::{Limits, Runner};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// One benchmark call: a name and its request.
#[derive(Clone, Debug)]
pub struct BenchCall {
    pub name: &'static str,
    pub request: &'static [u8],
}

/// The standard call set (`benches/calls/`): the add call, one heavy on lists, one heavy on
/// strings, and one whose community code is about 10 KB.
pub fn default_calls() -> Vec<BenchCall> {
    vec![
        BenchCall {
            name: "add",
            request: include_bytes!("../../benches/calls/add.json"),
        },
        BenchCall {
            name: "lists",
            request: include_bytes!("../../benches/calls/lists.json"),
        },
        BenchCall {
            name: "strings",
            request: include_bytes!("../../benches/calls/strings.json"),
        },
        BenchCall {
            name: "code-10k",
            request: include_bytes!("../../benches/calls/code10k.json"),
        },
    ]
}

/// The Node runner script for the node column.
const NODE_EXECUTOR: &str = include_str!("../../benches/node-executor.mjs");

/// One path to measure: a name (snapshot, bytecode, plain) and its artifact.
#[derive(Clone, Debug)]
pub struct BenchPath {
    pub name: String,
    pub artifact: PathBuf,
}

/// The artifacts `kiln build` wrote into `dir`, as bench paths.
pub fn artifact_paths(dir: &Path) -> Vec<BenchPath> {
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instantiate: Option<Stats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execute: Option<Stats>,
    /// In-process latency of the first call of each block, right after another artifact ran
    /// (caches, TLB and branch predictors hold the other artifact's state); wasm paths only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cold: Option<Stats>,
    /// Whole-process latency: one `kiln run` per call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<Stats>,
    pub samples: usize,
}

/// All paths on one call, and the speedups of the snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct CallReport {
    pub name: String,
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
    pub memory_pages: u64,
    pub snapshot_median_us: f64,
    pub empty_module_median_us: f64,
    pub ratio: f64,
}

/// `kiln run --jsonl` throughput with one and two jobs.
#[derive(Clone, Debug, Serialize)]
pub struct ThroughputReport {
    pub calls: usize,
    pub jobs1_calls_per_s: f64,
    pub jobs2_calls_per_s: f64,
    pub speedup: f64,
}

/// Everything one `kiln bench` run measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub calls: Vec<CallReport>,
    /// Sizes in bytes: `snapshot_bytes`, `snapshot_cwasm_bytes`, … and `bundle_bytes`.
    pub artifacts: BTreeMap<String, u64>,
    /// Build time per stage, in ms, from the artifacts' `build-info.json`.
    pub build_stages_ms: Vec<(String, f64)>,
    pub instantiation: InstantiationReport,
    pub throughput: ThroughputReport,
    pub cores: usize,
}

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
    let paths = artifact_paths(&options.artifacts);
    for path in &paths {
        ensure!(
            path.artifact.is_file(),
            "{} is missing: run `kiln build` first",
            path.artifact.display()
        );
    }
    let mut reports = in_process(&paths, &calls, options.calls.max(1))?;
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("creating {}", options.work_dir.display()))?;
    whole_process(options, &paths, &calls, &mut reports)?;
    if options.node && node_available() {
        node_process(options, &calls, &mut reports)?;
    }
    for report in &mut reports {
        report.ratios = ratios(report);
    }
    Ok(BenchReport {
        calls: reports,
        artifacts: artifact_sizes(&options.artifacts),
        build_stages_ms: build_stages(&options.artifacts),
        instantiation: instantiation(&paths[0].artifact, options.calls.max(50))?,
        throughput: throughput(
            &paths[0].artifact,
            calls[0].request,
            if options.quick { 200 } else { 600 },
        )?,
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    })
}

fn bench_limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(60),
        ..Limits::default()
    }
}

/// Calls per path in one block of the in-process measurement: the first is the cold call, the
/// others the steady state.
pub const BLOCK: usize = 5;

/// In-process timings of one path on one call.
#[derive(Default)]
struct Samples {
    total: Vec<Duration>,
    instantiate: Vec<Duration>,
    execute: Vec<Duration>,
    cold: Vec<Duration>,
}

/// Runs `request` on every runner in blocks of [`BLOCK`] calls, rotating which path goes first
/// every round (A×5 B×5 C×5, B×5 C×5 A×5, …), until each path has `iterations` steady-state
/// samples. Interleaving single calls instead (A B C A B C) would measure every call right after
/// another artifact ran: a serving process runs one artifact, so that is reported apart, as the
/// cold figure, from the first call of each block.
fn block_samples(runners: &[(String, Runner)], request: &[u8], iterations: usize) -> Vec<Samples> {
    let mut samples: Vec<Samples> = runners.iter().map(|_| Samples::default()).collect();
    let rounds = iterations.div_ceil(BLOCK - 1);
    for round in 0..rounds {
        for offset in 0..runners.len() {
            let index = (round + offset) % runners.len();
            let runner = &runners[index].1;
            let path = &mut samples[index];
            for position in 0..BLOCK {
                let started = Instant::now();
                let outcome = runner.call(request);
                let elapsed = started.elapsed();
                if position == 0 {
                    path.cold.push(elapsed);
                } else if path.total.len() < iterations {
                    path.total.push(elapsed);
                    path.instantiate.push(outcome.metrics.instantiate);
                    path.execute.push(outcome.metrics.execute);
                }
            }
        }
    }
    samples
}

/// In-process latency, interleaved; every path must give the same Z22K1 for a call.
pub fn in_process(
    paths: &[BenchPath],
    calls: &[BenchCall],
    iterations: usize,
) -> Result<Vec<CallReport>> {
    let runners: Vec<(String, Runner)> = paths
        .iter()
        .map(|path| {
            let runner = Runner::load(
                &path.artifact,
                Allocation::Pooling { instances: 4 },
                bench_limits(),
            )
            .with_context(|| format!("loading the {} artifact", path.name))?;
            Ok((path.name.clone(), runner))
        })
        .collect::<Result<_>>()?;

    let mut results = Vec::new();
    for call in calls {
        let mut reference: Option<(String, Option<String>)> = None;
        let mut fuel = BTreeMap::new();
        for (name, runner) in &runners {
            for _ in 0..2 {
                runner.call(call.request);
            }
            let outcome = runner.call(call.request);
            ensure!(
                outcome.error.is_none(),
                "{} failed on the {name} path: {:?}",
                call.name,
                outcome.error
            );
            let value = outcome.value_json();
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
        let samples = block_samples(&runners, call.request, iterations);
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
                    samples: samples.total.len(),
                },
            );
        }
        results.push(CallReport {
            name: call.name.to_string(),
            paths: paths_report,
            ratios: BTreeMap::new(),
        });
    }
    Ok(results)
}

fn write_requests(work_dir: &Path, calls: &[BenchCall]) -> Result<Vec<PathBuf>> {
    calls
        .iter()
        .map(|call| {
            let path = work_dir.join(format!("{}.json", call.name));
            std::fs::write(&path, call.request)
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(path)
        })
        .collect()
}

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
fn whole_process(
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

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// One Node process per call running the bundled executor as plain JavaScript.
fn node_process(
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
                samples: rounds,
            },
        );
    }
    Ok(())
}

/// A ratio of two medians, rounded for display.
pub fn ratio(slow: f64, fast: f64) -> f64 {
    if fast <= 0.0 {
        return 0.0;
    }
    ((slow / fast) * 10.0).round() / 10.0
}

fn ratios(report: &CallReport) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let Some(snapshot) = report.paths.get("snapshot") else {
        return out;
    };
    for other in ["plain", "bytecode"] {
        if let Some(path) = report.paths.get(other) {
            out.insert(
                format!("{other}/snapshot"),
                ratio(path.latency.median_us, snapshot.latency.median_us),
            );
            if let (Some(a), Some(b)) = (path.cold, snapshot.cold) {
                out.insert(
                    format!("{other}/snapshot (cold)"),
                    ratio(a.median_us, b.median_us),
                );
            }
            if let (Some(a), Some(b)) = (path.process, snapshot.process) {
                out.insert(
                    format!("{other}/snapshot (process)"),
                    ratio(a.median_us, b.median_us),
                );
            }
        }
    }
    if let (Some(node), Some(process)) = (report.paths.get("node"), snapshot.process) {
        out.insert(
            "node/snapshot (process)".to_string(),
            ratio(node.latency.median_us, process.median_us),
        );
    }
    out
}

fn artifact_sizes(dir: &Path) -> BTreeMap<String, u64> {
    let mut sizes = BTreeMap::new();
    for kind in kiln_compiler::ArtifactKind::ALL {
        for (extension, suffix) in [("wasm", "bytes"), ("cwasm", "cwasm_bytes")] {
            let path = dir.join(format!("{}.{extension}", kind.stem()));
            if let Ok(meta) = std::fs::metadata(&path) {
                sizes.insert(format!("{}_{suffix}", kind.name()), meta.len());
            }
        }
    }
    if let Ok(meta) = std::fs::metadata(dir.join("bundle/executor.js")) {
        sizes.insert("bundle_bytes".to_string(), meta.len());
    }
    sizes
}

fn build_stages(dir: &Path) -> Vec<(String, f64)> {
    let Ok(text) = std::fs::read(dir.join("build-info.json")) else {
        return Vec::new();
    };
    let Ok(info) = serde_json::from_slice::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    info["stages"]
        .as_array()
        .map(|stages| {
            stages
                .iter()
                .filter_map(|s| Some((s["name"].as_str()?.to_string(), s["duration"].as_f64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The snapshot's instantiation against an empty module with the same memory, same engine.
fn instantiation(snapshot: &Path, samples: usize) -> Result<InstantiationReport> {
    let runner = Runner::load(
        snapshot,
        Allocation::Pooling { instances: 4 },
        bench_limits(),
    )?;
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

    let request = default_calls()[0].request;
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

/// `--jsonl` throughput of the add call with one and two jobs.
fn throughput(snapshot: &Path, request: &[u8], calls: usize) -> Result<ThroughputReport> {
    let runner = Runner::load(
        snapshot,
        Allocation::Pooling { instances: 8 },
        bench_limits(),
    )?;
    let line: serde_json::Value = serde_json::from_slice(request)?;
    let mut input = Vec::new();
    for _ in 0..calls {
        input.extend_from_slice(line.to_string().as_bytes());
        input.push(b'\n');
    }
    let one_line = input.len() / calls;
    let rate = |jobs: usize| -> Result<f64> {
        let mut sink = std::io::sink();
        // Warm the slots first.
        crate::stream::jsonl(&runner, &input[..one_line * calls.min(50)], &mut sink, jobs)?;
        let started = Instant::now();
        let answered = crate::stream::jsonl(&runner, &input[..], &mut sink, jobs)?;
        ensure!(answered as usize == calls, "answered {answered} of {calls}");
        Ok(calls as f64 / started.elapsed().as_secs_f64())
    };
    // Interleaved rounds, best of each: a burst of other work on the machine lowers one
    // round, not the figure.
    let (mut jobs1, mut jobs2) = (0f64, 0f64);
    for _ in 0..3 {
        jobs1 = jobs1.max(rate(1)?);
        jobs2 = jobs2.max(rate(2)?);
    }
    let round = |x: f64| x.round();
    Ok(ThroughputReport {
        calls,
        jobs1_calls_per_s: round(jobs1),
        jobs2_calls_per_s: round(jobs2),
        speedup: (jobs2 / jobs1 * 100.0).round() / 100.0,
    })
}
