//! Writes a [`BenchReport`] three ways: a Markdown table (`bench.md`), the raw numbers
//! (`bench.json`), and a chart of per-call latency by path on a log scale (`bench.svg`).

use super::{BenchReport, CallReport};
use anyhow::{Context, Result};
use plotters::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The paths in display order, with their chart colours.
const PATHS: [(&str, RGBColor); 4] = [
    ("snapshot", RGBColor(31, 119, 180)),
    ("bytecode", RGBColor(255, 127, 14)),
    ("plain", RGBColor(214, 39, 40)),
    ("node", RGBColor(127, 127, 127)),
];

fn cell(
    call: &CallReport,
    path: &str,
    pick: impl Fn(&super::PathReport) -> Option<String>,
) -> String {
    call.paths
        .get(path)
        .and_then(pick)
        .unwrap_or_else(|| "–".to_string())
}

fn ratio_cell(call: &CallReport, key: &str) -> String {
    call.ratios
        .get(key)
        .map(|r| format!("{r:.1}×"))
        .unwrap_or_else(|| "–".into())
}

/// One row per call: median (p90 / p99) of the in-process figure `pick` chooses for each wasm
/// path, and the ratios `plain/snapshot{suffix}` and `bytecode/snapshot{suffix}`.
fn in_process_table(
    out: &mut String,
    report: &BenchReport,
    pick: impl Fn(&super::PathReport) -> Option<super::Stats>,
    suffix: &str,
) {
    out.push_str("| call | snapshot | bytecode | plain | plain/snapshot | bytecode/snapshot |\n|---|---|---|---|---|---|\n");
    for call in &report.calls {
        let stats = |path: &str| {
            cell(call, path, |p| {
                pick(p).map(|s| format!("{:.0} ({:.0} / {:.0})", s.median_us, s.p90_us, s.p99_us))
            })
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            call.name,
            stats("snapshot"),
            stats("bytecode"),
            stats("plain"),
            ratio_cell(call, &format!("plain/snapshot{suffix}")),
            ratio_cell(call, &format!("bytecode/snapshot{suffix}")),
        );
    }
}

/// Each path with the compiled-code cache cold (the community code parsed, as on a miss or
/// without a cache) and warm (loaded compiled), with the fuel of the one compile a miss adds.
fn cache_table(out: &mut String, report: &BenchReport) {
    let any = report.calls.iter().any(|c| {
        c.paths
            .contains_key(&super::in_process::cached_name("snapshot"))
    });
    if !any {
        return;
    }
    out.push_str(
        "\nCompiled-code cache: each call cold (its community code parsed: a miss, or no cache) \
         and warm (loaded as bytecode compiled after an earlier call). Fuel per call; a miss \
         adds one compile call afterwards (its fuel in the last column). Latency: median, µs.\n\n",
    );
    out.push_str(
        "| call | path | fuel cold | fuel warm | fuel cold/warm | µs cold | µs warm | time \
         cold/warm | compile fuel |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for call in &report.calls {
        for (path, _) in &PATHS[..3] {
            let cached = super::in_process::cached_name(path);
            let (Some(cold), Some(warm)) = (call.paths.get(*path), call.paths.get(&cached)) else {
                continue;
            };
            let fuel =
                |p: &super::PathReport| p.fuel.map(|f| f.to_string()).unwrap_or_else(|| "–".into());
            let _ = writeln!(
                out,
                "| {} | {path} | {} | {} | {} | {:.0} | {:.0} | {} | {} |",
                call.name,
                fuel(cold),
                fuel(warm),
                ratio_cell(call, &format!("{path}/{cached} (fuel)")),
                cold.latency.median_us,
                warm.latency.median_us,
                ratio_cell(call, &format!("{path}/{cached}")),
                warm.compile_fuel
                    .map(|f| f.to_string())
                    .unwrap_or_else(|| "–".into()),
            );
        }
    }
}

/// The Markdown report.
pub fn markdown(report: &BenchReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "In-process: a fresh instance per call, interleaved across paths in blocks of {} calls \
         (A×{b} B×{b} C×{b}, then B C A, …). Steady state: the calls of each block after its \
         first. Latency is the median (p90 / p99), in µs.\n\n",
        super::BLOCK,
        b = super::BLOCK
    );
    in_process_table(&mut out, report, |p| p.fuel.map(|_| p.latency), "");
    out.push_str(
        "\nCold: the first call of each block, right after another artifact's block ran \
         (its code and data are out of the caches). Median (p90 / p99), in µs.\n\n",
    );
    in_process_table(&mut out, report, |p| p.cold, " (cold)");
    cache_table(&mut out, report);
    out.push_str(
        "\nWhere the time goes (in-process medians, µs), and fuel per call (wasmtime \
         instruction units; deterministic):\n\n",
    );
    out.push_str("| call | path | instantiate | execute | fuel |\n|---|---|---|---|---|\n");
    for call in &report.calls {
        for (path, _) in &PATHS[..3] {
            if let Some(p) = call.paths.get(*path) {
                let _ = writeln!(
                    out,
                    "| {} | {path} | {:.0} | {:.0} | {} |",
                    call.name,
                    p.instantiate.map(|s| s.median_us).unwrap_or(0.0),
                    p.execute.map(|s| s.median_us).unwrap_or(0.0),
                    p.fuel.map(|f| f.to_string()).unwrap_or_else(|| "–".into()),
                );
            }
        }
    }
    out.push_str(
        "\nWhole process: one `kiln run` per call (and one `node` per call running the bundled \
         executor as plain JavaScript, when Node is present). Median (p90), in ms.\n\n",
    );
    out.push_str("| call | snapshot | bytecode | plain | node | plain/snapshot | node/snapshot |\n|---|---|---|---|---|---|---|\n");
    for call in &report.calls {
        let process = |path: &str| {
            cell(call, path, |p| {
                p.process
                    .map(|s| format!("{:.1} ({:.1})", s.median_us / 1e3, s.p90_us / 1e3))
            })
        };
        let ratio = |key: &str| ratio_cell(call, key);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            call.name,
            process("snapshot"),
            process("bytecode"),
            process("plain"),
            process("node"),
            ratio("plain/snapshot (process)"),
            ratio("node/snapshot (process)"),
        );
    }
    let i = &report.instantiation;
    let t = &report.throughput;
    let first = report.calls.first().map_or("first", |c| c.name.as_str());
    let _ = writeln!(
        out,
        "\nBack to back in one runner, with nothing interleaved, the {first} call on the \
         snapshot takes {:.0} µs (median). Instantiation: snapshot {:.1} µs vs an empty module \
         with the same {} pages of memory {:.1} µs ({:.1}×). `--jsonl` throughput of the \
         {first} call: {:.0} calls/s with 1 job, {:.0} with 2 ({:.2}×, {} cores).",
        i.snapshot_call_median_us,
        i.snapshot_median_us,
        i.memory_pages,
        i.empty_module_median_us,
        i.ratio,
        t.jobs1_calls_per_s,
        t.jobs2_calls_per_s,
        t.speedup,
        report.cores,
    );
    out.push_str("\nArtifacts (bytes):");
    for (name, bytes) in &report.artifacts {
        let _ = write!(out, " {name} {bytes};");
    }
    out.push_str("\n\nBuild stages (ms):");
    for (name, ms) in &report.build_stages_ms {
        let _ = write!(out, " {name} {ms:.0};");
    }
    out.push('\n');
    out
}

/// Per-call latency by path (in-process for wasm paths, whole-process for node), log scale.
pub fn svg(report: &BenchReport, path: &Path) -> Result<()> {
    let paths: Vec<&(&str, RGBColor)> = PATHS
        .iter()
        .filter(|(name, _)| report.calls.iter().any(|c| c.paths.contains_key(*name)))
        .collect();
    let values: Vec<f64> = report
        .calls
        .iter()
        .flat_map(|c| c.paths.values().map(|p| p.latency.median_us))
        .filter(|v| *v > 0.0)
        .collect();
    // A decade of headroom above the tallest bar keeps the legend (upper left) off the bars.
    let max = values.iter().cloned().fold(1.0, f64::max) * 15.0;
    let min = values.iter().cloned().fold(f64::MAX, f64::min).max(1.0) / 3.0;
    let calls = report.calls.len().max(1);

    let root = SVGBackend::new(path, (900, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "kiln: latency per call by path (log scale)",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..calls as f64, (min..max).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        // Ticks every half unit, so each call's name sits under the middle of its bars.
        .x_labels(2 * calls + 1)
        .x_label_formatter(&|x| {
            let index = x.floor() as usize;
            report
                .calls
                .get(index)
                .filter(|_| (x - index as f64 - 0.5).abs() < 0.25)
                .map(|c| c.name.clone())
                .unwrap_or_default()
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc("µs per call (median)")
        .draw()?;
    let width = 0.8 / paths.len() as f64;
    for (slot, (name, colour)) in paths.iter().enumerate() {
        let bars: Vec<Rectangle<(f64, f64)>> = report
            .calls
            .iter()
            .enumerate()
            .filter_map(|(index, call)| {
                let value = call.paths.get(*name)?.latency.median_us;
                let left = index as f64 + 0.1 + slot as f64 * width;
                Some(Rectangle::new(
                    [(left, min), (left + width * 0.9, value.max(min))],
                    colour.filled(),
                ))
            })
            .collect();
        chart
            .draw_series(bars)?
            .label(if *name == "node" {
                "node (whole process)".to_string()
            } else {
                format!("{name} (in-process)")
            })
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Writes `bench.md`, `bench.json` and `bench.svg` into `dir`; returns their paths.
pub fn write_all(report: &BenchReport, dir: &Path) -> Result<[PathBuf; 3]> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let md = dir.join("bench.md");
    let json = dir.join("bench.json");
    let chart = dir.join("bench.svg");
    std::fs::write(&md, markdown(report))?;
    std::fs::write(&json, serde_json::to_vec_pretty(report)?)?;
    svg(report, &chart).with_context(|| format!("drawing {}", chart.display()))?;
    Ok([md, json, chart])
}
