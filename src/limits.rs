//! The per-call limit and warning flags `kiln run` and `kiln serve` share, and the runner
//! [`Limits`] they make: one definition, so the two commands cannot drift apart.

use kiln_runner::{Limits, WarningThresholds};
use std::time::Duration;

/// Limits every call runs under, and the thresholds of the warnings (Z590, Z591, Z592, Z597)
/// an answer carries when a call comes near them.
#[derive(clap::Args, Clone, Debug)]
pub struct LimitArgs {
    /// Wall-clock limit per call, in milliseconds (a request's `remainingTime` may lower it).
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Instruction budget per call (wasmtime fuel); unlimited when absent.
    #[arg(long)]
    pub fuel: Option<u64>,
    /// Linear-memory cap per call, in MiB.
    #[arg(long, default_value_t = 128)]
    pub memory_mb: usize,
    /// Largest answer a call may produce, in bytes.
    #[arg(long, default_value_t = 16 << 20)]
    pub max_output_bytes: usize,
    /// Warn (Z590) when a call uses this percent of its fuel budget or more.
    #[arg(long, default_value_t = 80)]
    pub warn_fuel_percent: u32,
    /// Warn (Z591) when a call's peak memory is this percent of the memory cap or more.
    #[arg(long, default_value_t = 80)]
    pub warn_memory_percent: u32,
    /// Warn (Z597) when a call takes this percent of its time limit or more.
    #[arg(long, default_value_t = 80)]
    pub warn_time_percent: u32,
    /// Warn (Z592) when a result (Z22K1 as JSON) is this many bytes or more.
    #[arg(long, default_value_t = 1 << 20)]
    pub warn_result_bytes: usize,
}

impl LimitArgs {
    /// `--timeout-ms`.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// The runner's limits, with `max_request_bytes` (whose default differs per command).
    pub fn limits(&self, max_request_bytes: usize) -> Limits {
        Limits {
            timeout: self.timeout(),
            fuel: self.fuel,
            memory_bytes: self.memory_mb << 20,
            max_output_bytes: self.max_output_bytes,
            max_request_bytes,
            warnings: WarningThresholds {
                fuel_percent: self.warn_fuel_percent,
                memory_percent: self.warn_memory_percent,
                time_percent: self.warn_time_percent,
                result_bytes: self.warn_result_bytes,
            },
        }
    }
}
