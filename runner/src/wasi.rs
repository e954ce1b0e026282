//! The WASI context a call (or a build-time run of the guest) sees: the request on stdin,
//! in-memory stdout and stderr, nothing else, and either live or fixed clocks and randomness.

use std::time::Duration;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtxBuilder};

/// Where a call's clocks and randomness come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockAndRandomness {
    /// Fresh randomness and the real clocks.
    Live,
    /// Fixed randomness and a clock frozen at a fixed instant, for reproducible calls and for
    /// snapshots (nothing random or clock-seeded may be frozen into an artifact).
    Fixed,
}

/// The WASI context of one call: the request on stdin, an in-memory stdout (bounded by the
/// pipe's capacity), stderr only when the caller wants it (build time), and no files, no
/// environment, no arguments.
pub fn context(
    stdin: impl Into<bytes::Bytes>,
    stdout: &MemoryOutputPipe,
    stderr: Option<&MemoryOutputPipe>,
    clock_and_randomness: ClockAndRandomness,
) -> WasiP1Ctx {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdin(MemoryInputPipe::new(stdin))
        .stdout(stdout.clone())
        .allow_blocking_current_thread(true);
    if let Some(stderr) = stderr {
        builder.stderr(stderr.clone());
    }
    if clock_and_randomness == ClockAndRandomness::Fixed {
        builder
            .secure_random(SplitMix64(0x6b69_6c6e))
            .insecure_random(SplitMix64(0x6b69_6c6e + 1))
            .insecure_random_seed(0)
            .wall_clock(FixedClock)
            .monotonic_clock(FixedClock);
    }
    builder.build_p1()
}

/// A deterministic generator (SplitMix64) for reproducible calls and snapshots.
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
