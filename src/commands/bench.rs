//! `kiln bench`: measures the snapshot, bytecode and plain artifacts side by side and writes
//! the table, the raw numbers and a chart.

use anyhow::{Context, Result};
use kiln::bench::{self, report, BenchOptions};
use std::io::Write;
use std::path::PathBuf;

/// Measure latency, fuel, instantiation and throughput of snapshot vs bytecode vs plain.
#[derive(clap::Args)]
pub struct Args {
    /// In-process steady-state calls per path and request (interleaved across paths in blocks).
    #[arg(long, default_value_t = 200)]
    calls: usize,
    /// Whole-process calls per path and request (one `kiln run` each).
    #[arg(long, default_value_t = 20)]
    process_calls: usize,
    /// Folder holding the artifacts of `kiln build` (kiln's own executor or a custom one).
    #[arg(long, default_value = "target/kiln")]
    artifacts: PathBuf,
    /// Where bench.md, bench.json and bench.svg go [default: ARTIFACTS/bench].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only the first call, fewer process runs.
    #[arg(long)]
    quick: bool,
    /// A request to measure, as `kiln run` reads it (repeatable; a .jsonl file gives one per
    /// line). Required for a custom executor's build; default: the standard calls.
    #[arg(long = "request", value_name = "FILE")]
    requests: Vec<PathBuf>,
    /// Leave out the Node column even when node is installed.
    #[arg(long)]
    no_node: bool,
}

pub fn run(args: Args) -> Result<()> {
    let out = args.out.unwrap_or_else(|| args.artifacts.join("bench"));
    let options = BenchOptions {
        artifacts: args.artifacts,
        calls: args.calls,
        process_calls: if args.quick {
            args.process_calls.min(5)
        } else {
            args.process_calls
        },
        kiln: std::env::current_exe().context("locating the kiln binary")?,
        node: !args.no_node,
        work_dir: out.join("requests"),
        quick: args.quick,
        requests: if args.requests.is_empty() {
            Vec::new()
        } else {
            bench::calls_from_files(&args.requests)?
        },
    };
    let result = bench::run(&options)?;
    // The files are written even when nobody reads the table any more (`| head`).
    let printed = std::io::stdout()
        .lock()
        .write_all(report::markdown(&result).as_bytes());
    let files = report::write_all(&result, &out)?;
    for file in files {
        eprintln!("wrote {}", file.display());
    }
    Ok(printed?)
}
