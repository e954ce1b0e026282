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

/// Sends kiln's own `tracing` events (info and above) to stderr, as text or one JSON object per
/// line; `RUST_LOG`-style filtering is not offered. Other crates' events are kept from warn up
/// only: wasmtime-wasi opens an info-level span around every WASI call a guest makes, and
/// recording those cost each HTTP call more than the service's own work.
pub fn init_logging(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::filter::Targets::new()
        .with_default(tracing::Level::WARN)
        .with_target("kiln", tracing::Level::INFO);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Text => registry.with(layer).try_init(),
        LogFormat::Json => registry.with(layer.json().flatten_event(true)).try_init(),
    };
}
