//! Runs one request against an artifact in a loop, in-process, for profiling the per-call path
//! with an external profiler (`perf record`), on one thread or several sharing the runner:
//! `cargo run --release --example call_loop -- ARTIFACT REQUEST [CALLS] [THREADS]`.

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
    let threads: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(1);
    let runner = Runner::load(
        artifact.as_ref(),
        Allocation::Pooling { instances: 4 },
        Limits::default(),
    )?;
    let started = Instant::now();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    for _ in 0..calls / threads.max(1) {
                        let outcome = runner.call(&request);
                        anyhow::ensure!(outcome.error.is_none(), "{:?}", outcome.error);
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().expect("worker panicked"))
    })?;
    let elapsed = started.elapsed();
    println!(
        "{calls} calls on {threads} thread(s): {:.0} calls/s, {:?} per call",
        calls as f64 / elapsed.as_secs_f64(),
        elapsed / calls as u32
    );
    Ok(())
}
