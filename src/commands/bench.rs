//! `kiln bench`: measures the snapshot, bytecode and plain artifacts side by side.

use anyhow::Result;
use kiln::bench;
use std::path::PathBuf;

/// Measure per-call latency and fuel of the snapshot vs the bytecode and plain baselines.
#[derive(clap::Args)]
pub struct Args {
    /// Calls per path and request (interleaved across paths).
    #[arg(long, default_value_t = 200)]
    calls: usize,
    /// Folder holding the artifacts of `kiln build`.
    #[arg(long, default_value = "target/kiln")]
    artifacts: PathBuf,
    /// Only the add call.
    #[arg(long)]
    quick: bool,
}

pub fn run(args: Args) -> Result<()> {
    let mut calls = bench::default_calls();
    if args.quick {
        calls.truncate(1);
    }
    let paths = bench::artifact_paths(&args.artifacts);
    let results = bench::in_process(&paths, &calls, args.calls.max(1))?;
    print!("{}", bench::markdown_table(&results));
    Ok(())
}
