//! Runs one request against an artifact in a loop, in-process, for profiling the per-call path
//! with an external profiler (`perf record`): `cargo run --release --example call_loop --
//! ARTIFACT REQUEST [CALLS]`.

use kiln_runner::engine::Allocation;
use kiln_runner::{Limits, Runner};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let artifact = args
        .next()
        .unwrap_or_else(|| "target/kiln/executor.cwasm".into());
    let request = std::fs::read(
        args.next()
            .unwrap_or_else(|| "benches/calls/add.json".into()),
    )?;
    let calls: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let runner = Runner::load(
        artifact.as_ref(),
        Allocation::Pooling { instances: 4 },
        Limits::default(),
    )?;
    let started = Instant::now();
    for _ in 0..calls {
        let outcome = runner.call(&request);
        anyhow::ensure!(outcome.error.is_none(), "{:?}", outcome.error);
    }
    let per_call = started.elapsed() / calls as u32;
    println!("{calls} calls, {per_call:?} per call");
    Ok(())
}
