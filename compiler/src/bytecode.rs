//! Stage "bytecode": compiles the executor bundle to QuickJS module bytecode by running the
//! guest's `kiln_compile` export, so the bytecode matches the guest's QuickJS exactly.

use crate::guest;
use anyhow::{ensure, Context, Result};
use wasmtime::{Engine, Module};

/// Compiles `source` with the guest's QuickJS.
pub fn compile(engine: &Engine, guest: &Module, source: &str) -> Result<Vec<u8>> {
    let bytecode = guest::run_export(engine, guest, "kiln_compile", source.as_bytes())
        .context("compiling the executor to QuickJS bytecode")?;
    ensure!(!bytecode.is_empty(), "the guest produced no bytecode");
    Ok(bytecode)
}
