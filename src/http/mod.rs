//! `kiln serve`, the function-evaluator HTTP service: `POST /{domain}/v1/evaluate/` answers
//! every request form `kiln run` takes with a Z22 and a status derived from its error type;
//! `GET /_info` is the readiness probe; `GET /metrics` is Prometheus text.
//!
//! HTTP/1.1 runs on tokio (hyper, axum routes); wasm calls stay synchronous on a fixed pool of
//! threads sharing one [`kiln_runner::Runner`] (one engine, one pooling allocator). One module
//! per job: [`config`] (flags), [`server`] (listeners, routes, shutdown), [`pool`] (workers,
//! bounded queue), [`metrics`], [`errors`] (statuses and
//! the service's own Z5 answers).

pub mod config;
pub mod errors;
pub mod metrics;
pub mod pool;
pub mod server;

pub use config::{Config, LogFormat};
pub use server::serve;

/// Sends `tracing` events to stderr, as text or one JSON object per line; `RUST_LOG`-style
/// filtering is not offered: info and above.
pub fn init_logging(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
