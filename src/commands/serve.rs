//! `kiln serve`: runs the function-evaluator HTTP service until SIGTERM or SIGINT.

use anyhow::{bail, Context, Result};
use std::time::Duration;

pub use kiln::http::Config as Args;

pub fn run(args: Args) -> Result<()> {
    if kiln_compiler::inspect::executor_kind(&args.artifact) == kiln_runner::ExecutorKind::Custom {
        bail!(
            "{} is a custom executor (built with `kiln build --entry`); kiln serve speaks the \
             Wikifunctions evaluator protocol and serves only kiln's own executor: run a custom \
             executor with `kiln run` or `kiln run --jsonl`",
            args.artifact.display()
        );
    }
    kiln::http::logging::init(args.log_format);
    // One thread for all the HTTP work: it only parses, hands off and writes, while the calls
    // run on the worker pool. A second async thread would mostly wake the first (work
    // stealing) and compete with the workers for the same cores.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(kiln::http::serve(args));
    // A load still running after an early signal is abandoned, not waited for.
    runtime.shutdown_timeout(Duration::from_secs(1));
    kiln::http::logging::flush();
    result
}
