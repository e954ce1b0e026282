//! Stage "guest": builds the QuickJS guest (`guest/`) for wasm32-wasip1 with cargo, and
//! runs one of its build-time exports inside wasmtime.

use anyhow::{bail, Context, Result};
use kiln_runner::wasi::{self, ClockAndRandomness};
use std::path::{Path, PathBuf};
use std::process::Command;
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// Where cargo puts the guest, relative to the project root.
pub const GUEST_PATH: &str = "target/guest/wasm32-wasip1/release/kiln_guest.wasm";

/// Builds the guest with cargo (a no-op when it is up to date) and returns its path.
///
/// Cargo runs from the project root so `.cargo/config.toml` (the wasm32-wasi C toolchain
/// settings) applies.
pub(crate) fn build(root: &Path) -> Result<PathBuf> {
    let manifest = root.join("guest/Cargo.toml");
    if !manifest.is_file() {
        bail!("no guest crate at {}", manifest.display());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-wasip1",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(root.join("target/guest"))
        .status()
        .context("running cargo to build the guest (is the Rust toolchain installed?)")?;
    if !status.success() {
        bail!(
            "building the guest failed ({status}); `make setup` installs the wasm32-wasip1 target \
             and the clang/wasi-libc packages it needs"
        );
    }
    Ok(root.join(GUEST_PATH))
}

/// The WASI context of a build-time run of the guest: `input` on stdin, captured stdout and
/// stderr, fixed clock and randomness (nothing random may reach an artifact).
pub(crate) fn build_time_wasi(input: &[u8]) -> (WasiP1Ctx, MemoryOutputPipe, MemoryOutputPipe) {
    let stdout = MemoryOutputPipe::new(usize::MAX / 2);
    let stderr = MemoryOutputPipe::new(1 << 20);
    let wasi = wasi::context(
        input.to_vec(),
        &stdout,
        Some(&stderr),
        ClockAndRandomness::Fixed,
    );
    (wasi, stdout, stderr)
}

/// Runs `export` of an instance of `module` with `input` on stdin and returns its stdout.
/// The instance sees deterministic WASI; its stderr becomes the error message on failure.
pub(crate) fn run_export(
    engine: &Engine,
    module: &Module,
    export: &str,
    input: &[u8],
) -> Result<Vec<u8>> {
    let mut linker: Linker<WasiP1Ctx> = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx)?;
    kiln_runner::code::add_absent_to_linker(&mut linker)?;
    let (wasi, stdout, stderr) = build_time_wasi(input);
    let mut store = Store::new(engine, wasi);
    let instance = linker.instantiate(&mut store, module)?;
    let func = instance
        .get_typed_func::<(), ()>(&mut store, export)
        .map_err(|e| anyhow::anyhow!("the guest has no `{export}` export: {e}"))?;
    if let Err(e) = func.call(&mut store, ()) {
        let message = String::from_utf8_lossy(&stderr.contents())
            .trim()
            .to_string();
        bail!("the guest's `{export}` failed: {message} ({e})");
    }
    Ok(stdout.contents().to_vec())
}
