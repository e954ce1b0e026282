//! Stopping a call from another thread: a [`Cancel`] handle the caller keeps, checked by the
//! call's epoch-deadline callback on the ticks the epoch ticker already makes, so a running
//! call ends within [`CHECK_EVERY`] ticks of [`Cancel::cancel`] (a server's client that went
//! away frees its worker without waiting for the call's time limit).

use crate::host::Host;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::{Store, UpdateDeadline};

/// How many epoch ticks pass between two looks at the cancellation flag.
const CHECK_EVERY: u64 = 5;

/// A handle to cancel one call (see [`crate::Runner::call_cancellable`]); clones share it.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<Flags>);

#[derive(Debug, Default)]
struct Flags {
    requested: AtomicBool,
    interrupted: AtomicBool,
}

impl Cancel {
    /// A handle whose call runs until it ends or [`Cancel::cancel`] is called.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the call to stop at its next check; harmless before it starts (it then stops at
    /// its first check) and after it ended.
    pub fn cancel(&self) {
        self.0.requested.store(true, Ordering::Release);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.requested.load(Ordering::Acquire)
    }

    /// Whether the call was stopped by the cancellation (rather than ending on its own).
    pub fn interrupted(&self) -> bool {
        self.0.interrupted.load(Ordering::Acquire)
    }
}

/// The error a cancelled call ends with.
#[derive(Debug, thiserror::Error)]
#[error("the call was cancelled by its caller")]
pub(crate) struct Cancelled;

/// Gives `store` its time limit: an epoch deadline `timeout` from now that traps; with a
/// `cancel` handle, the deadline is reached in steps of at most [`CHECK_EVERY`] ticks, each
/// step first looking at the handle and then at the clock.
pub(crate) fn set_deadline(store: &mut Store<Host>, timeout: Duration, cancel: Option<&Cancel>) {
    let ticks = crate::ticker::deadline_ticks(timeout);
    let Some(cancel) = cancel else {
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        return;
    };
    let end = Instant::now().checked_add(timeout);
    store.set_epoch_deadline(ticks.min(CHECK_EVERY));
    let cancel = cancel.clone();
    store.epoch_deadline_callback(move |_| {
        if cancel.is_cancelled() {
            cancel.0.interrupted.store(true, Ordering::Release);
            return Err(Cancelled.into());
        }
        let Some(end) = end else {
            return Ok(UpdateDeadline::Continue(CHECK_EVERY));
        };
        let now = Instant::now();
        if now >= end {
            return Ok(UpdateDeadline::Interrupt);
        }
        let left = crate::ticker::deadline_ticks(end - now);
        Ok(UpdateDeadline::Continue(left.min(CHECK_EVERY)))
    });
}
