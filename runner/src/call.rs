//! The lifecycle of one call: a fresh store with the call's WASI context, memory limiter, fuel
//! and epoch deadline; instantiation; the call of the executor's export; and what it left
//! behind (result, stdout, stderr, whether memory growth was refused), measured in
//! [`CallMetrics`].

use crate::cancel::Cancel;
use crate::code::CallCode;
use crate::code_cache::CodeKey;
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
    /// Code texts the call looked up in the compiled-code cache and did not find.
    pub(crate) misses: Vec<(CodeKey, Vec<u8>)>,
}

/// What to run in a fresh instance.
pub(crate) struct Job<'a> {
    /// The export to call: [`CALL_EXPORT`] for a call.
    pub(crate) export: &'a str,
    /// The limits it runs under.
    pub(crate) limits: &'a Limits,
    /// Where its clock and randomness come from.
    pub(crate) clock_and_randomness: ClockAndRandomness,
    /// Its view of the compiled-code cache.
    pub(crate) code: CallCode,
    /// Its stdin: the request.
    pub(crate) input: &'a [u8],
    /// What stops it early from another thread, if anything.
    pub(crate) cancel: Option<&'a Cancel>,
}

/// Runs `job` in a fresh instance of `pre`, stopped early if its `cancel` is cancelled. `Err`
/// carries the message of a store that could not be set up.
pub(crate) fn execute(
    engine: &Engine,
    pre: &InstancePre<Host>,
    job: Job<'_>,
    metrics: &mut CallMetrics,
) -> Result<Execution, String> {
    let Job {
        export,
        limits,
        clock_and_randomness,
        code,
        input: request,
        cancel,
    } = job;
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
        code,
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
        let call = instance.get_typed_func::<(), ()>(&mut store, export)?;
        let began = Instant::now();
        let result = call.call(&mut store, ());
        metrics.execute = began.elapsed();
        result
    });
    metrics.fuel = budget - store.get_fuel().unwrap_or(budget);
    let limiter = &store.data().limiter;
    metrics.peak_memory = limiter.peak_bytes;
    let memory_hit = limiter.hit;
    let misses = std::mem::take(&mut store.data_mut().code.misses);
    drop(store);
    Ok(Execution {
        result,
        stdout: stdout.contents(),
        stderr: stderr.contents(),
        memory_hit,
        misses,
    })
}

/// An execution as a test states it: how it ended, what it wrote.
#[cfg(test)]
pub(crate) fn test_execution(
    result: wasmtime::Result<()>,
    stdout: &str,
    stderr: &str,
) -> Execution {
    Execution {
        result,
        stdout: bytes::Bytes::copy_from_slice(stdout.as_bytes()),
        stderr: bytes::Bytes::copy_from_slice(stderr.as_bytes()),
        memory_hit: false,
        misses: Vec::new(),
    }
}

/// Small limits for tests that classify executions: 250 ms, 5000 fuel, 3 MiB of memory, a
/// 10-byte answer and a 20-byte request.
#[cfg(test)]
pub(crate) fn test_limits() -> Limits {
    Limits {
        timeout: std::time::Duration::from_millis(250),
        fuel: Some(5000),
        memory_bytes: 3 << 20,
        max_output_bytes: 10,
        max_request_bytes: 20,
        ..Limits::default()
    }
}
