//! kiln's runner: the wasmtime host that executes executor calls, one fresh instance per call,
//! under limits that turn into clean Z5 errors.
//!
//! The API: a [`Runner`] loads an artifact (through a compilation [`Cache`] for `.wasm`) and
//! answers each [`Runner::call`] with a [`CallOutcome`]; [`engine`] holds the one engine
//! configuration shared with the build pipeline (a `.cwasm` only loads into an engine with the
//! same settings); [`wasi`] builds the WASI context calls (and build-time runs of the guest)
//! see; [`envelope`] speaks the Z22 answer envelope.
//!
//! Inside, one module per job: `load` (artifact and cache to module), `call` (one call's
//! store, limits and instance), `classify` (how a call ended, as an [`ErrorType`]), `answer`
//! (the executor's output read and written back out), `custom` (calls of an executor built
//! from any ES module, answered with its own text or a small JSON error), `metadata` (the
//! entries the runner adds), `ticker` (the epoch thread that makes timeouts fire), `cancel`
//! (stopping a call from another thread), `code` and `code_cache` (the compiled-code cache)
//! and `host` (what a store holds).

#![warn(missing_docs)]

mod answer;
mod cache;
mod call;
mod cancel;
mod classify;
pub mod code;
mod code_cache;
mod custom;
pub mod engine;
pub mod envelope;
pub mod errors;
mod host;
mod load;
pub mod metadata;
pub mod request;
mod runner;
mod ticker;
mod warnings;
pub mod wasi;

pub use cache::{Cache, CacheEvent};
pub use call::CALL_EXPORT;
pub use cancel::Cancel;
pub use code_cache::{CodeCache, CodeCacheStats};
pub use custom::{CustomErrorType, ExecutorKind};
pub use errors::ErrorType;
pub use metadata::ArtifactInfo;
pub use runner::{CallMetrics, CallOutcome, Limits, Missed, Runner, RunnerError};
pub use warnings::WarningThresholds;

/// The kiln version every artifact and answer is stamped with.
pub const KILN_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The wasmtime version this runner (and the `.cwasm` files it loads) is built on.
pub const WASMTIME_VERSION: &str = "48.0.8";
