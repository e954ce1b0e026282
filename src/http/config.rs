//! The service's settings: every `kiln serve` flag, with its default, and the runner limits
//! they imply.

use super::errors::StatusMode;
use kiln_runner::Limits;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Log line format (`--log-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Serve function calls over HTTP: `POST /1/v1/evaluate/`, `GET /_info`, `GET /metrics`.
#[derive(Clone, Debug, clap::Args)]
pub struct Config {
    /// Artifact to serve (.cwasm is mapped as is; .wasm is compiled).
    #[arg(long, default_value = "target/kiln/executor.cwasm")]
    pub artifact: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    pub host: IpAddr,
    /// Port to listen on (0: any free port; the bound address is printed on stdout).
    #[arg(long, default_value_t = 6927)]
    pub port: u16,
    /// Serve `/metrics` on this port instead of the main one (same host).
    #[arg(long)]
    pub metrics_port: Option<u16>,
    /// Calls run at once (worker threads) [default: the number of cores].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Calls that may wait for a worker; past that, 429 at once.
    #[arg(long, default_value_t = 64)]
    pub queue: usize,
    /// Largest request body accepted, in bytes; larger gets 413.
    #[arg(long, default_value_t = 10 << 20)]
    pub max_request_bytes: usize,
    /// Per-call limits and warning thresholds, as for `kiln run`.
    #[command(flatten)]
    pub limits: crate::limits::LimitArgs,
    /// The compiled-code cache every worker shares.
    #[command(flatten)]
    pub code_cache: crate::code_cache::CodeCacheArgs,
    /// Longest a call may wait for a worker, in milliseconds, before it is answered with Z576
    /// (504); a request's `remainingTime` may shorten it [default: --timeout-ms].
    #[arg(long)]
    pub queue_timeout_ms: Option<u64>,
    /// Time a client has to send a request's headers, in milliseconds; then the connection
    /// is closed.
    #[arg(long, default_value_t = 10_000)]
    pub header_timeout_ms: u64,
    /// Time a client has to send a request's body, in milliseconds; then 408.
    #[arg(long, default_value_t = 10_000)]
    pub body_timeout_ms: u64,
    /// On SIGTERM or SIGINT, how long calls in flight may take to finish, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    pub drain_timeout_ms: u64,
    /// How answers' HTTP statuses are chosen.
    #[arg(long, value_enum, default_value_t = StatusMode::Derived)]
    pub status: StatusMode,
    /// Log line format (logs go to stderr).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Fixed clock and randomness, no timing metadata: reproducible answers.
    #[arg(long)]
    pub deterministic: bool,
    /// Where compiled .wasm artifacts are cached [default: $KILN_CACHE_DIR, else
    /// $XDG_CACHE_HOME/kiln, else ~/.cache/kiln].
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
}

impl Config {
    /// The main listener's address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

    /// The separate metrics listener's address, if any.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_port
            .map(|port| SocketAddr::new(self.host, port))
    }

    /// Worker threads: `--workers`, else the number of cores; at least one.
    pub fn worker_count(&self) -> usize {
        self.workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }

    /// The limits every call runs under (a request may shorten its own time limit).
    pub fn limits(&self) -> Limits {
        self.limits.limits(self.max_request_bytes)
    }

    /// `--timeout-ms`.
    pub fn timeout(&self) -> Duration {
        self.limits.timeout()
    }

    /// `--queue-timeout-ms`, else `--timeout-ms`.
    pub fn queue_timeout(&self) -> Duration {
        Duration::from_millis(self.queue_timeout_ms.unwrap_or(self.limits.timeout_ms))
    }

    /// `--header-timeout-ms`.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms.max(1))
    }

    /// `--body-timeout-ms`.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_millis(self.body_timeout_ms)
    }

    /// `--drain-timeout-ms`.
    pub fn drain_timeout(&self) -> Duration {
        Duration::from_millis(self.drain_timeout_ms)
    }
}
