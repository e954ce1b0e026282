//! `kiln serve`, the function-evaluator HTTP service: `POST /{domain}/v1/evaluate/` answers
//! every request form `kiln run` takes with a Z22 and a status derived from its error type;
//! `GET /_info` is the readiness probe; `GET /metrics` is Prometheus text.
//!
//! HTTP/1.1 runs on tokio (hyper, axum routes); wasm calls stay synchronous on a fixed pool of
//! threads sharing one [`kiln_runner::Runner`] (one engine, one pooling allocator). One module
//! per job: [`config`] (flags), [`server`] (listeners, routes, shutdown), [`pool`] (workers,
//! bounded queue), [`metrics`], [`logging`] (batched log lines), [`errors`] (statuses and
//! the service's own Z5 answers).

pub mod config;
pub mod errors;
pub mod logging;
pub mod metrics;
pub mod pool;
pub mod server;

pub use config::{Config, LogFormat};
pub use server::serve;
