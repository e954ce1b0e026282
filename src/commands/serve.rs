//! `kiln serve`: runs the function-evaluator HTTP service until SIGTERM or SIGINT.

use anyhow::{Context, Result};
use std::time::Duration;

pub use kiln::http::Config as Args;

pub fn run(args: Args) -> Result<()> {
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
