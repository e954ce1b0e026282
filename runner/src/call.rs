//! The lifecycle of one call: a fresh store with the call's WASI context, memory limiter, fuel
//! and epoch deadline; instantiation; the call of the executor's export; and what it left
//! behind (result, stdout, stderr, whether memory growth was refused), measured in
//! [`CallMetrics`].

use crate::cancel::Cancel;
use crate::host::{Host, MemoryLimiter};
use crate::runner::{CallMetrics, Limits};
use crate::wasi::{self, ClockAndRandomness};
use std::time::Instant;
use wasmtime::{Engine, InstancePre, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// The export every executor artifact serves calls through.
pub const CALL_EXPORT: &str = "kiln_call";

/// How much of what the guest writes to stderr is kept (it writes only when it fails: a
/// panic message).
const STDERR_BYTES: usize = 4096;

/// What a finished call left behind.
pub(crate) struct Execution {
    /// How instantiation and the call ended.
    pub(crate) result: wasmtime::Result<()>,
    /// What the call wrote to stdout: up to one byte more than the output limit.
    pub(crate) stdout: bytes::Bytes,
    /// The start of what the call wrote to stderr.
    pub(crate) stderr: bytes::Bytes,
    /// Whether a memory growth was refused.
    pub(crate) memory_hit: bool,
}

/// Runs `request` in a fresh instance of `pre` under `limits`, stopped early if `cancel` is
/// cancelled. `Err` carries the message of a store that could not be set up.
pub(crate) fn execute(
    engine: &Engine,
    pre: &InstancePre<Host>,
    limits: &Limits,
    clock_and_randomness: ClockAndRandomness,
    request: &[u8],
    cancel: Option<&Cancel>,
    metrics: &mut CallMetrics,
) -> Result<Execution, String> {
    let started = Instant::now();
    // One byte over the cap tells an answer that was cut off from one that fits exactly.
    let stdout = MemoryOutputPipe::new(limits.max_output_bytes.saturating_add(1));
    let stderr = MemoryOutputPipe::new(STDERR_BYTES);
    let host = Host {
        wasi: wasi::context(
            request.to_vec(),
            &stdout,
            Some(&stderr),
            clock_and_randomness,
        ),
        limiter: MemoryLimiter::new(limits.memory_bytes),
    };
    let mut store = Store::new(engine, host);
    store.limiter(|host| &mut host.limiter);
    let budget = limits.fuel.unwrap_or(u64::MAX);
    if let Err(e) = store.set_fuel(budget) {
        return Err(format!("setting fuel: {e}"));
    }
    crate::cancel::set_deadline(&mut store, limits.timeout, cancel);

    let instance = pre.instantiate(&mut store);
    metrics.instantiate = started.elapsed();
    let result = instance.and_then(|instance| {
        let call = instance.get_typed_func::<(), ()>(&mut store, CALL_EXPORT)?;
        let began = Instant::now();
        let result = call.call(&mut store, ());
        metrics.execute = began.elapsed();
        result
    });
    metrics.fuel = budget - store.get_fuel().unwrap_or(budget);
    let limiter = &store.data().limiter;
    metrics.peak_memory = limiter.peak_bytes;
    let memory_hit = limiter.hit;
    drop(store);
    Ok(Execution {
        result,
        stdout: stdout.contents(),
        stderr: stderr.contents(),
        memory_hit,
    })
}
