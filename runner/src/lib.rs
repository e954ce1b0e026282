//! kiln's runner: the wasmtime host that executes executor calls, one fresh instance per call,
//! under limits that turn into clean Z5 errors.
//!
//! The pieces: [`cache`] keeps compiled `.wasm` artifacts, [`engine`] holds the one engine configuration shared with the build pipeline
//! (a `.cwasm` only loads into an engine with the same settings), [`host`] builds each call's
//! WASI context and resource limiter, [`z22`] speaks the answer envelope, and [`runner`] ties
//! them together into [`Runner::call`].

pub mod cache;
pub mod engine;
pub mod host;
pub mod runner;
pub mod z22;

pub use runner::{CallMetrics, CallOutcome, Limits, Runner, RunnerError};
pub use z22::ErrorType;

/// The kiln version every artifact and answer is stamped with.
pub const KILN_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The wasmtime version this runner (and the `.cwasm` files it loads) is built on.
pub const WASMTIME_VERSION: &str = "48.0.8";
