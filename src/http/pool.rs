//! The worker pool: a fixed number of threads making synchronous calls on one shared
//! [`Runner`], fed by a queue whose bound is enforced at admission.
//!
//! A request takes a slot ([`Pool::admit`]) before its body is read; there are `workers +
//! queue` slots, so a full system refuses at once (429) and the memory held by waiting
//! requests never exceeds the bound. A job that waits in the queue past its time budget is
//! answered without a call (Z576); a job whose client went away before a worker reached it is
//! dropped without a call.

use super::metrics::Metrics;
use axum::body::Bytes;
use kiln_runner::{CallOutcome, Runner};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

/// How a job ended.
#[derive(Debug)]
pub enum Reply {
    /// The call was made.
    Answered {
        /// Its outcome.
        outcome: CallOutcome,
        /// How long it waited for a worker.
        waited: Duration,
    },
    /// It waited for a worker longer than its budget.
    Expired {
        /// How long it waited.
        waited: Duration,
    },
}

/// A slot in the pool, held from admission until the job's call is over.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

struct Job {
    request: Bytes,
    budget: Duration,
    enqueued: Instant,
    reply: oneshot::Sender<Reply>,
    _slot: Slot,
}

/// A fixed pool of call threads over one runner.
pub struct Pool {
    slots: Arc<Semaphore>,
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    metrics: Arc<Metrics>,
}

impl Pool {
    /// Starts `workers` threads calling `runner`, with room for `queue` waiting jobs.
    pub fn start(
        runner: Arc<Runner>,
        workers: usize,
        queue: usize,
        metrics: Arc<Metrics>,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let mut threads = Vec::with_capacity(workers);
        for index in 0..workers {
            let receiver = receiver.clone();
            let runner = runner.clone();
            let metrics = metrics.clone();
            let thread = std::thread::Builder::new()
                .name(format!("kiln-worker-{index}"))
                .spawn(move || work(&runner, &receiver, &metrics))?;
            threads.push(thread);
        }
        Ok(Self {
            slots: Arc::new(Semaphore::new(workers + queue)),
            sender: Mutex::new(Some(sender)),
            threads: Mutex::new(threads),
            metrics,
        })
    }

    /// A slot for one request, or `None` when every worker is busy and the queue is full.
    pub fn admit(&self) -> Option<Slot> {
        self.slots
            .clone()
            .try_acquire_owned()
            .ok()
            .map(|permit| Slot { _permit: permit })
    }

    /// Queues `request` for a worker; the reply comes when its call is over, or at once
    /// (`Expired`) if it waited longer than `budget`, which also caps the call's time. `None`
    /// when the pool is shutting down.
    pub fn submit(
        &self,
        slot: Slot,
        request: Bytes,
        budget: Duration,
    ) -> Option<oneshot::Receiver<Reply>> {
        let (reply, receiver) = oneshot::channel();
        let job = Job {
            request,
            budget,
            enqueued: Instant::now(),
            reply,
            _slot: slot,
        };
        let sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        sender.as_ref()?.send(job).ok()?;
        self.metrics.queue_depth.inc();
        Some(receiver)
    }

    /// Lets the workers finish every queued job, then stops them.
    pub fn shut_down(&self) {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn work(runner: &Runner, receiver: &Mutex<mpsc::Receiver<Job>>, metrics: &Metrics) {
    loop {
        let job = {
            let receiver = receiver.lock().unwrap_or_else(|p| p.into_inner());
            match receiver.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        metrics.queue_depth.dec();
        let Job {
            request,
            budget,
            enqueued,
            reply,
            _slot: slot,
        } = job;
        let waited = enqueued.elapsed();
        if reply.is_closed() {
            // The client went away while the job waited: nobody wants the answer.
            metrics.reject("client_gone");
            continue;
        }
        if waited >= budget {
            drop(slot);
            let _ = reply.send(Reply::Expired { waited });
            continue;
        }
        metrics.in_flight.inc();
        let outcome = runner.call_with_timeout(&request, budget);
        metrics.in_flight.dec();
        // Free the slot before answering, so the client's next request finds it free.
        drop(slot);
        drop(request);
        // The client may have gone while the call ran: then the answer is dropped here.
        let _ = reply.send(Reply::Answered { outcome, waited });
    }
}
