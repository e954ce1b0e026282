//! The epoch ticker: a background thread that advances an engine's epoch every
//! [`EPOCH_TICK`], so the epoch deadlines calls are given (their timeouts) elapse.
//!
//! A ticker that cannot start is an error for the caller to report: without it no timeout
//! would ever fire. The thread is started through a [`Spawn`] function so tests can make
//! starting fail.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::Engine;

/// How often the epoch ticks; timeouts are enforced to this granularity.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Starts a named thread running a closure: [`spawn_thread`] in production, a failing
/// stand-in in tests.
pub(crate) type Spawn =
    fn(std::thread::Builder, Box<dyn FnOnce() + Send + 'static>) -> std::io::Result<JoinHandle<()>>;

/// The real [`Spawn`]: the standard library's thread builder.
pub(crate) fn spawn_thread(
    builder: std::thread::Builder,
    body: Box<dyn FnOnce() + Send + 'static>,
) -> std::io::Result<JoinHandle<()>> {
    builder.spawn(body)
}

/// The epoch deadline, in ticks, of a call that may take `timeout`. One tick more than the
/// timeout spans, so a call is never cut short.
pub(crate) fn deadline_ticks(timeout: Duration) -> u64 {
    let ticks = timeout.as_nanos() / EPOCH_TICK.as_nanos() + 1;
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// Advances an engine's epoch on a background thread until dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    /// Starts ticking `engine`'s epoch on a thread started with `spawn`.
    pub(crate) fn start(engine: Engine, spawn: Spawn) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let builder = std::thread::Builder::new().name("kiln-epoch".into());
        let thread = spawn(
            builder,
            Box::new(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            }),
        )?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A [`Spawn`] that fails the way a process out of threads does.
    pub(crate) fn failing_spawn(
        _builder: std::thread::Builder,
        _body: Box<dyn FnOnce() + Send + 'static>,
    ) -> std::io::Result<JoinHandle<()>> {
        Err(std::io::Error::new(
            std::io::ErrorKind::WouldBlock,
            "no more threads",
        ))
    }

    #[test]
    fn a_failed_spawn_is_an_error() {
        let engine = Engine::default();
        let error = EpochTicker::start(engine, failing_spawn)
            .err()
            .expect("a ticker whose thread cannot start must not be returned");
        assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
        assert_eq!(error.to_string(), "no more threads");
    }

    #[test]
    fn deadlines_cover_the_timeout() {
        assert_eq!(deadline_ticks(Duration::ZERO), 1);
        assert_eq!(deadline_ticks(Duration::from_millis(50)), 51);
        assert_eq!(deadline_ticks(Duration::from_micros(1500)), 2);
        assert_eq!(deadline_ticks(Duration::MAX), u64::MAX);
    }
}
