//! The kiln library behind the command line: serving request streams ([`stream`]), the
//! function-evaluator HTTP service ([`http`]), the per-call limit flags both share
//! ([`limits`]), and measuring the artifacts against each other ([`bench`]). The build pipeline is `kiln_compiler`; the
//! wasmtime host is `kiln_runner`.

#![warn(missing_docs)]

pub mod bench;
pub mod code_cache;
pub mod http;
pub mod limits;
pub mod stream;

pub use kiln_compiler as compiler;
pub use kiln_runner as runner;
