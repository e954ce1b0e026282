//! Fixtures shared by the unit tests: the real contract and a small module shaped like a
//! wizened guest, written as WAT.

use crate::contract::{self, Contract};
use std::path::PathBuf;

/// `wit/executor.wit` of this workspace.
pub(crate) fn executor_wit() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../wit/executor.wit")
}

/// The contract of `wit/executor.wit`.
pub(crate) fn executor_contract() -> Contract {
    contract::load(&executor_wit()).expect("wit/executor.wit loads")
}

/// A module shaped like a wizened guest: WASI imports of the contract, the runtime exports,
/// build-time exports, a stale build info section and a producers section from rustc.
pub(crate) const GUEST_WAT: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
  (import "kiln_code_cache" "fetch" (func (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "kiln_call"))
  (func (export "kiln_compile_code"))
  (func (export "kiln_init"))
  (func (export "kiln_compile"))
  (global (export "__stack_pointer") (mut i32) (i32.const 1024))
  (data (i32.const 16) "hello")
  (@custom "kiln-build-info" "{\"stale\":true}")
  (@producers
    (language "Rust" "")
    (processed-by "rustc" "1.95.0")
    (processed-by "kiln" "0.0.1"))
)
"#;

/// `wat` as a binary module.
pub(crate) fn module(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("the test's WAT parses")
}
