//! What one call's store holds: its WASI context (stdin/stdout pipes only, optionally fixed
//! clock and randomness) and the resource limiter that caps linear memory.

use std::time::Duration;
use wasmtime::ResourceLimiter;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtxBuilder};

/// Per-call state of a store.
pub struct Host {
    pub wasi: WasiP1Ctx,
    pub limiter: MemoryLimiter,
}

/// Where a call's randomness and clocks come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sources {
    /// Fresh randomness and the real clocks.
    Live,
    /// Fixed randomness and a clock frozen at a fixed instant, for reproducible calls and for
    /// snapshots (nothing random or clock-seeded may be frozen into an artifact).
    Deterministic,
}

/// The WASI context of one call: the request on stdin, an in-memory stdout (bounded by the
/// pipe's capacity), stderr only when the caller wants it (build time), and no files, no
/// environment, no arguments.
pub fn wasi_ctx(
    stdin: impl Into<bytes::Bytes>,
    stdout: &MemoryOutputPipe,
    stderr: Option<&MemoryOutputPipe>,
    sources: Sources,
) -> WasiP1Ctx {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdin(MemoryInputPipe::new(stdin))
        .stdout(stdout.clone())
        .allow_blocking_current_thread(true);
    if let Some(stderr) = stderr {
        builder.stderr(stderr.clone());
    }
    if sources == Sources::Deterministic {
        builder
            .secure_random(SplitMix64(0x6b69_6c6e))
            .insecure_random(SplitMix64(0x6b69_6c6e + 1))
            .insecure_random_seed(0)
            .wall_clock(FixedClock)
            .monotonic_clock(FixedClock);
    }
    builder.build_p1()
}

/// Caps linear memory growth and remembers whether a growth was refused, so a trap that
/// follows can be reported as the memory limit it is.
pub struct MemoryLimiter {
    pub max_bytes: usize,
    pub peak_bytes: usize,
    pub hit: bool,
}

impl MemoryLimiter {
    pub fn new(max_bytes: usize) -> Self {
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

/// A deterministic generator (SplitMix64) for `--deterministic` calls and snapshots.
struct SplitMix64(u64);

impl rand_core::TryRng for SplitMix64 {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Ok(z ^ (z >> 31))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let word = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

/// A clock that always reads 2023-01-01T00:00:00Z (wall) and zero (monotonic).
struct FixedClock;

const FIXED_WALL_CLOCK: Duration = Duration::from_secs(1_672_531_200);

impl HostWallClock for FixedClock {
    fn resolution(&self) -> Duration {
        Duration::from_millis(1)
    }
    fn now(&self) -> Duration {
        FIXED_WALL_CLOCK
    }
}

impl HostMonotonicClock for FixedClock {
    fn resolution(&self) -> u64 {
        1_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}
