//! The worker pool: a fixed number of threads making synchronous calls on one shared
//! [`Runner`], fed by a queue whose bound is enforced at admission.
//!
//! A request takes a slot ([`Pool::admit`]) before its body is read; there are `workers +
//! queue` slots, so a full system refuses at once (429) and the memory held by waiting
//! requests never exceeds the bound. A job that waits in the queue past its wait limit is
//! answered without a call (Z576): by its waiter ([`Ticket::abandon`]) or by the worker that
//! reaches it, whichever comes first; a job whose client went away before a worker reached it is
//! dropped without a call, and a call whose client goes away while it runs is cancelled (its
//! [`Ticket`] is dropped with the request's future), freeing the worker within milliseconds.

use super::metrics::Metrics;
use axum::body::Bytes;
use kiln_runner::{CallOutcome, Cancel, Runner};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

/// How a job ended.
#[derive(Debug)]
pub enum Reply {
    /// The call was made.
    Answered {
        /// Its outcome (boxed: the other variant is a few bytes).
        outcome: Box<CallOutcome>,
        /// How long it waited for a worker.
        waited: Duration,
    },
    /// It waited for a worker longer than its wait limit.
    Expired {
        /// How long it waited.
        waited: Duration,
    },
}

/// A slot in the pool, held from admission until the job's call is over.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

/// A job not yet taken by a worker.
const QUEUED: u8 = 0;
/// A job a worker is calling.
const STARTED: u8 = 1;
/// A job its waiter gave up on (past its wait limit) before a worker took it.
const ABANDONED: u8 = 2;

/// A queued job, as its waiter holds it. Dropping it before the reply came (the client went
/// away, and hyper dropped the request's future) cancels the job's call.
pub struct Ticket {
    /// The reply, when the job ends.
    pub reply: oneshot::Receiver<Reply>,
    state: Arc<AtomicU8>,
    cancel: Cancel,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        // After the reply this changes nothing: the call is over.
        self.cancel.cancel();
    }
}

impl Ticket {
    /// Gives up on a job no worker has taken yet, so none will; `false` when a call is
    /// already running (then wait for its reply).
    pub fn abandon(&self) -> bool {
        self.state
            .compare_exchange(QUEUED, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

struct Job {
    request: Bytes,
    request_id: Option<String>,
    state: Arc<AtomicU8>,
    cancel: Cancel,
    wait: Duration,
    timeout: Duration,
    enqueued: Instant,
    reply: oneshot::Sender<Reply>,
    _slot: Slot,
}

/// The jobs waiting for a worker. A worker sleeps only when it is empty, and a new job wakes
/// one sleeping worker (none when all are busy), so handing over a job costs no system call
/// while the workers have work.
#[derive(Default)]
struct Queue {
    state: Mutex<QueueState>,
    wake: Condvar,
}

#[derive(Default)]
struct QueueState {
    jobs: VecDeque<Job>,
    sleeping: usize,
    closed: bool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a job; `false` (the job dropped) when the queue is closed.
    fn push(&self, job: Job) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        state.jobs.push_back(job);
        let wake = state.sleeping > 0;
        drop(state);
        if wake {
            self.wake.notify_one();
        }
        true
    }

    /// The next job, waiting for one; `None` once the queue is closed and empty.
    fn pop(&self) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state.sleeping += 1;
            state = self.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            state.sleeping -= 1;
        }
    }

    /// Takes no more jobs; the workers finish the queued ones, then stop.
    fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_all();
    }
}

/// A fixed pool of call threads over one runner.
pub struct Pool {
    slots: Arc<Semaphore>,
    queue: Arc<Queue>,
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
        let jobs = Arc::new(Queue::default());
        let mut threads = Vec::with_capacity(workers);
        for index in 0..workers {
            let jobs = jobs.clone();
            let runner = runner.clone();
            let metrics = metrics.clone();
            let thread = std::thread::Builder::new()
                .name(format!("kiln-worker-{index}"))
                .spawn(move || work(&runner, &jobs, &metrics))?;
            threads.push(thread);
        }
        Ok(Self {
            slots: Arc::new(Semaphore::new(workers + queue)),
            queue: jobs,
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

    /// Queues `request` for a worker; the reply comes when its call (limited to `timeout`) is
    /// over, or (`Expired`) when a worker reaches it after it waited longer than `wait`.
    /// `request_id` names it in the log line of a cancelled call. `None` when the pool is
    /// shutting down.
    pub fn submit(
        &self,
        slot: Slot,
        request: Bytes,
        request_id: Option<String>,
        wait: Duration,
        timeout: Duration,
    ) -> Option<Ticket> {
        let (reply, receiver) = oneshot::channel();
        let state = Arc::new(AtomicU8::new(QUEUED));
        let cancel = Cancel::new();
        let job = Job {
            request,
            request_id,
            state: state.clone(),
            cancel: cancel.clone(),
            wait,
            timeout,
            enqueued: Instant::now(),
            reply,
            _slot: slot,
        };
        // Counted before a worker can take it (and count it off).
        self.metrics.queue_depth.inc();
        if !self.queue.push(job) {
            self.metrics.queue_depth.dec();
            return None;
        }
        Some(Ticket {
            reply: receiver,
            state,
            cancel,
        })
    }

    /// Lets the workers finish every queued job, then stops them.
    pub fn shut_down(&self) {
        self.queue.close();
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn work(runner: &Runner, jobs: &Queue, metrics: &Metrics) {
    while let Some(job) = jobs.pop() {
        metrics.queue_depth.dec();
        let Job {
            request,
            request_id,
            state,
            cancel,
            wait,
            timeout,
            enqueued,
            reply,
            _slot: slot,
        } = job;
        if state
            .compare_exchange(QUEUED, STARTED, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // Its waiter already answered Z576.
            continue;
        }
        let waited = enqueued.elapsed();
        if reply.is_closed() {
            // The client went away while the job waited: nobody wants the answer.
            metrics.reject("client_gone");
            continue;
        }
        if waited >= wait {
            drop(slot);
            let _ = reply.send(Reply::Expired { waited });
            continue;
        }
        metrics.in_flight.inc();
        let started = Instant::now();
        // Code the call missed in the code cache is compiled after its answer is sent.
        let (outcome, missed) = runner.call_deferring_compiles(&request, timeout, &cancel);
        metrics.in_flight.dec();
        if cancel.interrupted() {
            // Nobody is left to answer: the client went away during the call.
            metrics.cancelled.inc();
            tracing::info!(
                request_id = request_id.as_deref(),
                duration_ms = started.elapsed().as_secs_f64() * 1e3,
                outcome = "cancelled",
                "call cancelled: its client went away"
            );
            runner.compile_missed(missed);
            continue;
        }
        // Free the slot before answering, so the client's next request finds it free.
        drop(slot);
        drop(request);
        // The client may have gone while the call ran: then the answer is dropped here.
        let _ = reply.send(Reply::Answered {
            outcome: Box::new(outcome),
            waited,
        });
        runner.compile_missed(missed);
    }
}
