//! The service's log lines: kiln's own `tracing` events (info and up) as text or one JSON
//! object per line, written to stderr in batches.
//!
//! Lines are collected in memory and written by a background thread every [`FLUSH_EVERY`] (or
//! at once by the thread whose line fills [`BATCH_BYTES`]), so a request's log line costs no
//! system call of its own on the thread serving HTTP; [`flush`] writes what is left at exit.
//! Other crates' events are kept from warn up only: wasmtime-wasi opens an info-level span
//! around every WASI call a guest makes, and recording those cost each HTTP call more than the
//! service's own work.

use super::config::LogFormat;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Longest a log line waits in memory before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);

/// A batch this large is written at once, by the thread that filled it.
const BATCH_BYTES: usize = 64 << 10;

/// Lines not yet written to stderr.
static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Sends log events to stderr in batches (see the module doc); `RUST_LOG`-style filtering is
/// not offered. Call once, before serving.
pub fn init(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::filter::Targets::new()
        .with_default(tracing::Level::WARN)
        .with_target("kiln", tracing::Level::INFO);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(|| Batch)
        .with_ansi(false);
    let registry = tracing_subscriber::registry().with(filter);
    let installed = match format {
        LogFormat::Text => registry.with(layer).try_init(),
        LogFormat::Json => registry.with(layer.json().flatten_event(true)).try_init(),
    };
    if installed.is_ok() {
        let flusher = std::thread::Builder::new()
            .name("kiln-log".into())
            .spawn(|| loop {
                std::thread::sleep(FLUSH_EVERY);
                flush();
            });
        if let Err(error) = flusher {
            // Lines then wait for a full batch or the exit.
            tracing::warn!(%error, "cannot start the log writer thread");
        }
    }
}

/// Writes every pending line to stderr now.
pub fn flush() {
    write_out(&mut pending());
}

fn pending() -> std::sync::MutexGuard<'static, Vec<u8>> {
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes `lines` out and empties it; called with the lock held, so lines keep their order.
fn write_out(lines: &mut Vec<u8>) {
    if !lines.is_empty() {
        // A log line that cannot be written has nowhere else to go.
        let _ = std::io::stderr().lock().write_all(lines);
        lines.clear();
    }
}

/// The writer each event's line is formatted into (the fmt layer writes a whole line at once).
struct Batch;

impl Write for Batch {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut pending = pending();
        pending.extend_from_slice(bytes);
        if pending.len() >= BATCH_BYTES {
            write_out(&mut pending);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
