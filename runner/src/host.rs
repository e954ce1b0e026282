//! What one call's store holds: its WASI context, its view of the compiled-code cache, and
//! the resource limiter that caps linear memory and remembers whether it refused a growth.

use crate::code::CallCode;
use wasmtime::ResourceLimiter;
use wasmtime_wasi::p1::WasiP1Ctx;

/// Per-call state of a store.
pub(crate) struct Host {
    /// The call's WASI context (see [`crate::wasi::context`]).
    pub(crate) wasi: WasiP1Ctx,
    /// The call's memory cap.
    pub(crate) limiter: MemoryLimiter,
    /// The call's view of the compiled-code cache.
    pub(crate) code: CallCode,
}

/// Caps linear memory growth and remembers whether a growth was refused, so a trap that
/// follows can be reported as the memory limit it is.
pub(crate) struct MemoryLimiter {
    /// The cap, in bytes.
    pub(crate) max_bytes: usize,
    /// The largest size memory reached (or was at when a growth was refused).
    pub(crate) peak_bytes: usize,
    /// Whether a growth was refused.
    pub(crate) hit: bool,
}

impl MemoryLimiter {
    /// A limiter capping memory at `max_bytes`.
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            peak_bytes: 0,
            hit: false,
        }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.hit = true;
            self.peak_bytes = self.peak_bytes.max(current);
            return Ok(false);
        }
        self.peak_bytes = self.peak_bytes.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}
