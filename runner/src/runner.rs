//! The runner's public face: a [`Runner`] loads an executor artifact once (one engine, one
//! `InstancePre`, one epoch ticker) and serves calls, each in a fresh instance under
//! [`Limits`], each answered with a Z22 whatever happens.

use crate::answer::{self, Answer};
use crate::cache::Cache;
use crate::call::{self, Job, CALL_EXPORT};
use crate::cancel::Cancel;
use crate::classify;
use crate::code::{self, CallCode};
use crate::code_cache::{CodeCache, CodeKey};
use crate::custom::{self, ExecutorKind};
use crate::engine::{self, Allocation};
use crate::envelope::ErrorType;
use crate::host::Host;
use crate::metadata::{self, ArtifactInfo};
use crate::ticker::{self, EpochTicker, Spawn};
use crate::warnings::{self, WarningThresholds};
use crate::wasi::ClockAndRandomness;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use wasmtime::{Engine, InstancePre, Linker, Module};

/// Per-call limits.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Wall-clock time a call may take.
    pub timeout: Duration,
    /// Instruction budget (wasmtime fuel); `None` means unlimited.
    pub fuel: Option<u64>,
    /// Cap on linear memory, in bytes.
    pub memory_bytes: usize,
    /// Cap on the answer's size, in bytes.
    pub max_output_bytes: usize,
    /// Cap on the request's size, in bytes.
    pub max_request_bytes: usize,
    /// When the use of a limit becomes a warning.
    pub warnings: WarningThresholds,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(10_000),
            fuel: None,
            memory_bytes: 128 << 20,
            max_output_bytes: 16 << 20,
            max_request_bytes: 16 << 20,
            warnings: WarningThresholds::default(),
        }
    }
}

/// Why a runner could not be set up. Calls themselves never fail: they answer with a Z5.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The artifact could not be read.
    #[error("cannot read artifact {path}: {source}")]
    Read {
        /// The artifact.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A `.cwasm` made for other engine settings or another wasmtime, with no `.wasm` beside
    /// it to compile instead.
    #[error(
        "artifact {path} cannot be loaded by this runner (built with other engine settings or \
         another wasmtime version; rebuild it with `kiln build`): {reason}"
    )]
    Incompatible {
        /// The artifact.
        path: PathBuf,
        /// What wasmtime said.
        reason: wasmtime::Error,
    },
    /// The artifact is not a module an executor call can run.
    #[error("artifact {path} is not a valid executor module: {reason:#}")]
    Invalid {
        /// The artifact.
        path: PathBuf,
        /// What is wrong with it.
        reason: wasmtime::Error,
    },
    /// A module given to [`Runner::new`] is not one an executor call can run.
    #[error("not a valid executor module: {0:#}")]
    Module(wasmtime::Error),
    /// The engine could not be created.
    #[error("setting up the wasmtime engine: {0}")]
    Engine(wasmtime::Error),
    /// The thread that makes timeouts fire could not be started.
    #[error("cannot start the epoch ticker thread that enforces timeouts: {0}")]
    Ticker(std::io::Error),
}

/// What one call measured.
#[derive(Clone, Debug, Default)]
pub struct CallMetrics {
    /// Time to create the store and instantiate the module.
    pub instantiate: Duration,
    /// Time spent in the call itself.
    pub execute: Duration,
    /// Fuel (wasmtime instruction units) the call consumed.
    pub fuel: u64,
    /// Peak linear memory of the instance, in bytes.
    pub peak_memory: usize,
    /// The error type, when the call failed.
    pub error: Option<ErrorType>,
    /// When the call started (wall clock).
    pub started: Option<SystemTime>,
    /// The whole call, from receiving the request to the answer.
    pub total: Duration,
    /// Whether a memory growth was refused.
    pub memory_hit: bool,
    /// Guest output that was not UTF-8 and was discarded: its length and first line, lossily.
    pub discarded: Option<(usize, String)>,
    /// Lone surrogates repaired in the answer: how many, and where.
    pub repaired: Vec<(usize, &'static str)>,
    /// The warnings the answer carries, by type.
    pub warnings: Vec<ErrorType>,
}

/// One call's answer and measurements.
#[derive(Clone, Debug)]
pub struct CallOutcome {
    /// The Z22 envelope, JSON text on one line.
    pub answer: String,
    /// The error the answer carries: its Z5K1 type and Z5K2 message.
    pub error: Option<(String, String)>,
    /// What the call measured.
    pub metrics: CallMetrics,
}

impl CallOutcome {
    /// The answer as a JSON value. Nesting is not limited: use it on answers you trust to be
    /// of reasonable depth (tests, tools), not in the serving path.
    pub fn envelope(&self) -> serde_json::Result<Value> {
        let mut deserializer = serde_json::Deserializer::from_str(&self.answer);
        deserializer.disable_recursion_limit();
        serde::Deserialize::deserialize(&mut deserializer)
    }

    /// The answer's Z22K1, as JSON text.
    pub fn value_json(&self) -> Option<String> {
        answer::value_json(&self.answer)
    }
}

/// Community code a call looked up in the compiled-code cache and did not find: what
/// [`Runner::compile_missed`] compiles.
#[derive(Debug, Default)]
#[must_use = "compile what was missed with Runner::compile_missed, or the cache stays cold"]
pub struct Missed(Vec<(CodeKey, Vec<u8>)>);

impl Missed {
    /// Whether the call missed nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Serves calls of one executor artifact.
pub struct Runner {
    engine: Engine,
    pre: InstancePre<Host>,
    limits: Limits,
    reproducible: bool,
    notes: Vec<String>,
    info: ArtifactInfo,
    /// The compiled-code cache and this artifact's identity in it.
    code_cache: Option<(Arc<CodeCache>, [u8; 32])>,
    /// Which contract the artifact's calls follow.
    executor: ExecutorKind,
    _ticker: EpochTicker,
}

impl Runner {
    /// Loads an artifact: a `.cwasm` is mapped into memory as is, a `.wasm` is compiled
    /// through the default compilation cache ([`Cache::default_location`]; without one, in
    /// memory only).
    pub fn load(path: &Path, allocation: Allocation, limits: Limits) -> Result<Self, RunnerError> {
        Self::load_with_cache(path, allocation, limits, Cache::default_location().as_ref())
    }

    /// [`Runner::load`] with an explicit compilation cache (`None`: compile in memory only).
    pub fn load_with_cache(
        path: &Path,
        allocation: Allocation,
        limits: Limits,
        cache: Option<&Cache>,
    ) -> Result<Self, RunnerError> {
        let engine = engine::engine(allocation).map_err(RunnerError::Engine)?;
        let (module, notes) = crate::load::module(&engine, path, cache)?;
        let pre = link(&engine, &module).map_err(|reason| RunnerError::Invalid {
            path: path.to_path_buf(),
            reason,
        })?;
        let mut runner = Self::assemble(engine, pre, limits, ticker::spawn_thread)?;
        runner.notes = notes;
        Ok(runner)
    }

    /// A runner over a module already compiled for `engine`.
    pub fn new(engine: Engine, module: &Module, limits: Limits) -> Result<Self, RunnerError> {
        let pre = link(&engine, module).map_err(RunnerError::Module)?;
        Self::assemble(engine, pre, limits, ticker::spawn_thread)
    }

    /// The runner of `pre`, its epoch ticker started with `spawn`.
    fn assemble(
        engine: Engine,
        pre: InstancePre<Host>,
        limits: Limits,
        spawn: Spawn,
    ) -> Result<Self, RunnerError> {
        let ticker = EpochTicker::start(engine.clone(), spawn).map_err(RunnerError::Ticker)?;
        Ok(Self {
            engine,
            pre,
            limits,
            reproducible: false,
            notes: Vec::new(),
            info: ArtifactInfo::default(),
            code_cache: None,
            executor: ExecutorKind::default(),
            _ticker: ticker,
        })
    }

    /// Makes calls reproducible (or not again): a fixed clock and fixed randomness, and no
    /// timing metadata, so the same request gives the same answer, byte for byte.
    pub fn reproducible(mut self, reproducible: bool) -> Self {
        self.reproducible = reproducible;
        self
    }

    /// Names the artifact in every answer's metadata (`programmingLanguageVersion`,
    /// `kilnArtifactHash`), as its build info says.
    pub fn with_artifact_info(mut self, info: ArtifactInfo) -> Self {
        self.info = info;
        self
    }

    /// Serves community code from `cache` (shared with other runners and threads as it is):
    /// an implementation or type converter whose compiled bytecode is there is loaded instead
    /// of parsed; one that is not is evaluated as without a cache, then compiled once, in a
    /// compile call of its own after the call (the guest's `kiln_compile_code` export in a
    /// fresh instance of this artifact, under this runner's limits), for the calls after it.
    /// Entries are keyed by this artifact's identity (its compiled code) and the code's exact
    /// text.
    pub fn with_code_cache(mut self, cache: Arc<CodeCache>) -> Self {
        let identity = match self.pre.module().serialize() {
            Ok(image) => sha256(&image),
            // Cannot happen for a loaded module; without an identity, no cache.
            Err(_) => return self,
        };
        self.code_cache = Some((cache, identity));
        self
    }

    /// The identity this runner's cache entries are keyed by (with [`CodeCache::key`] and
    /// [`CodeCache::function_key`]), when it serves from a cache.
    pub fn code_cache_identity(&self) -> Option<[u8; 32]> {
        self.code_cache.as_ref().map(|(_, identity)| *identity)
    }

    /// The compiled-code cache calls use, if any.
    pub fn code_cache(&self) -> Option<&Arc<CodeCache>> {
        self.code_cache.as_ref().map(|(cache, _)| cache)
    }

    /// Which contract the artifact's calls follow (its build info says; kiln's own
    /// Wikifunctions executor unless told otherwise): a custom executor's answer is its
    /// `handle`'s text, and its failures are small JSON error objects, not Z22 envelopes.
    pub fn with_executor(mut self, executor: ExecutorKind) -> Self {
        self.executor = executor;
        self
    }

    /// The contract the artifact's calls follow (see [`Runner::with_executor`]).
    pub fn executor(&self) -> ExecutorKind {
        self.executor
    }

    /// Whether calls are reproducible (see [`Runner::reproducible`]).
    pub fn is_reproducible(&self) -> bool {
        self.reproducible
    }

    /// What loading did that the user may want to know (recompilations, cache use).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The engine the artifact was loaded into.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs one request in a fresh instance and answers with a Z22, whatever happens.
    ///
    /// ```no_run
    /// use kiln_runner::engine::Allocation;
    /// use kiln_runner::{Limits, Runner};
    /// use std::path::Path;
    ///
    /// let runner = Runner::load(
    ///     Path::new("target/kiln/executor.cwasm"),
    ///     Allocation::OnDemand,
    ///     Limits::default(),
    /// )?;
    /// // An executor request: the code, the function to call and its arguments, as JSON.
    /// let request = std::fs::read("benches/calls/add.json")?;
    /// let outcome = runner.call(&request);
    /// match &outcome.error {
    ///     None => println!("value: {}", outcome.value_json().unwrap_or_default()),
    ///     Some((error_type, message)) => eprintln!("{error_type}: {message}"),
    /// }
    /// println!("{}", outcome.answer); // the whole Z22, one line of JSON
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn call(&self, request: &[u8]) -> CallOutcome {
        self.compiled_after(self.call_under(&self.limits, request, None))
    }

    /// [`Runner::call`] under a shorter wall-clock limit for this call only: `timeout`, or the
    /// runner's own limit when that is shorter (a server caps each call by the time its
    /// client has left; a request's `remainingTime` does the same).
    pub fn call_with_timeout(&self, request: &[u8], timeout: Duration) -> CallOutcome {
        self.compiled_after(self.call_limited(request, timeout, None))
    }

    /// [`Runner::call_with_timeout`] that another thread can stop with `cancel`: the call then
    /// ends within a few milliseconds with an unspecified error (Z500), and
    /// [`Cancel::interrupted`] tells it apart from a call that ended on its own.
    pub fn call_cancellable(
        &self,
        request: &[u8],
        timeout: Duration,
        cancel: &Cancel,
    ) -> CallOutcome {
        self.compiled_after(self.call_limited(request, timeout, Some(cancel)))
    }

    /// [`Runner::call_cancellable`] that leaves compiling the community code the call missed
    /// in the compiled-code cache to the caller, once the answer is on its way
    /// ([`Runner::compile_missed`]): the calls above compile before they return.
    pub fn call_deferring_compiles(
        &self,
        request: &[u8],
        timeout: Duration,
        cancel: &Cancel,
    ) -> (CallOutcome, Missed) {
        self.call_limited(request, timeout, Some(cancel))
    }

    /// Compiles what a call missed in the compiled-code cache (see [`Runner::with_code_cache`]).
    pub fn compile_missed(&self, missed: Missed) {
        for (key, text) in missed.0 {
            self.compile(&key, &text);
        }
    }

    fn compiled_after(&self, (outcome, missed): (CallOutcome, Missed)) -> CallOutcome {
        self.compile_missed(missed);
        outcome
    }

    fn call_limited(
        &self,
        request: &[u8],
        timeout: Duration,
        cancel: Option<&Cancel>,
    ) -> (CallOutcome, Missed) {
        if timeout >= self.limits.timeout {
            return self.call_under(&self.limits, request, cancel);
        }
        let limits = Limits {
            timeout,
            ..self.limits.clone()
        };
        self.call_under(&limits, request, cancel)
    }

    /// One call under `limits` (the runner's own, or a shortened copy), and the code it missed
    /// in the compiled-code cache.
    fn call_under(
        &self,
        limits: &Limits,
        request: &[u8],
        cancel: Option<&Cancel>,
    ) -> (CallOutcome, Missed) {
        if self.executor == ExecutorKind::Custom {
            let clock = self.clock_and_randomness();
            let outcome = custom::call(&self.engine, &self.pre, limits, clock, request);
            return (outcome, Missed::default());
        }
        if request.len() > limits.max_request_bytes {
            return (self.oversized(request.len()), Missed::default());
        }
        let began = Instant::now();
        let mut metrics = CallMetrics {
            started: Some(SystemTime::now()),
            ..CallMetrics::default()
        };
        let mut misses = Vec::new();
        let mut answer = self.run(limits, request, cancel, &mut metrics, &mut misses);
        metrics.repaired = answer.repair_text();
        let result_bytes = answer.error.is_none().then(|| answer.value_len());
        metrics.total = began.elapsed();
        let outcome = self.outcome(limits, answer, metrics, result_bytes);
        (outcome, Missed(misses))
    }

    /// Compiles one code text a call missed into the compiled-code cache, unless it is known
    /// there or being compiled by another call already. The compile call runs in a fresh
    /// instance under this runner's limits (its answer must fit a quarter of the cache); what
    /// is not bytecode or a SyntaxError message is kept as not worth caching.
    fn compile(&self, key: &CodeKey, text: &[u8]) {
        let Some((cache, _)) = &self.code_cache else {
            return;
        };
        if !cache.begin_compile(key) {
            return;
        }
        if text.len() > cache.max_text_bytes() {
            cache.finish_compile(key, crate::code_cache::Compiled::Uncacheable, 0);
            return;
        }
        let limits = Limits {
            max_output_bytes: cache.max_text_bytes().saturating_mul(4),
            ..self.limits.clone()
        };
        let mut metrics = CallMetrics::default();
        let job = Job {
            export: code::COMPILE_EXPORT,
            limits: &limits,
            clock_and_randomness: ClockAndRandomness::Fixed,
            code: CallCode::new(None),
            input: text,
            cancel: None,
        };
        let compiled = match call::execute(&self.engine, &self.pre, job, &mut metrics) {
            Ok(execution)
                if execution.result.is_ok()
                    && execution.stdout.len() <= limits.max_output_bytes =>
            {
                code::compiled(&execution.stdout)
            }
            _ => crate::code_cache::Compiled::Uncacheable,
        };
        cache.finish_compile(key, compiled, metrics.fuel);
    }

    /// The answer to a request of `length` bytes that is over the request limit (the request
    /// itself need not be held in memory).
    pub fn oversized(&self, length: usize) -> CallOutcome {
        if self.executor == ExecutorKind::Custom {
            return custom::oversized(length, &self.limits);
        }
        let mut metrics = CallMetrics {
            started: Some(SystemTime::now()),
            ..CallMetrics::default()
        };
        let answer = answer::failure(
            &mut metrics,
            classify::oversized_request(length, &self.limits),
        );
        self.outcome(&self.limits, answer, metrics, None)
    }

    fn outcome(
        &self,
        limits: &Limits,
        answer: Answer,
        mut metrics: CallMetrics,
        result_bytes: Option<usize>,
    ) -> CallOutcome {
        let timed = !self.reproducible;
        let warnings = warnings::collect(&metrics, limits, result_bytes, timed);
        metrics.warnings = warnings.iter().map(|w| w.0).collect();
        let entries = metadata::entries(&metrics, &self.info, warnings, timed);
        CallOutcome {
            answer: answer.text(&entries),
            error: answer.error,
            metrics,
        }
    }

    fn clock_and_randomness(&self) -> ClockAndRandomness {
        if self.reproducible {
            ClockAndRandomness::Fixed
        } else {
            ClockAndRandomness::Live
        }
    }

    fn run(
        &self,
        limits: &Limits,
        request: &[u8],
        cancel: Option<&Cancel>,
        metrics: &mut CallMetrics,
        misses: &mut Vec<(CodeKey, Vec<u8>)>,
    ) -> Answer {
        let clock_and_randomness = self.clock_and_randomness();
        let job = Job {
            export: CALL_EXPORT,
            limits,
            clock_and_randomness,
            code: CallCode::new(self.code_cache.clone()),
            input: request,
            cancel,
        };
        let mut execution = match call::execute(&self.engine, &self.pre, job, metrics) {
            Ok(execution) => execution,
            Err(message) => {
                let z5 = crate::envelope::unspecified(&message);
                return answer::failure(metrics, (ErrorType::Unspecified, z5));
            }
        };
        metrics.memory_hit = execution.memory_hit;
        *misses = std::mem::take(&mut execution.misses);
        if !execution.stderr.is_empty() && std::str::from_utf8(&execution.stderr).is_err() {
            let lossy = String::from_utf8_lossy(&execution.stderr);
            let first = lossy.lines().next().unwrap_or("").to_string();
            metrics.discarded = Some((execution.stderr.len(), first));
        }
        let request = classify::Request(request);
        if let Some(failure) = classify::failure(&execution, limits, &request) {
            return answer::failure(metrics, failure);
        }
        let Some(answer) = answer::parse(&execution.stdout) else {
            return answer::failure(metrics, classify::not_an_envelope(execution.stdout.len()));
        };
        if let Some(failure) = classify::refused_growth(
            execution.memory_hit,
            answer.error.as_ref(),
            limits,
            &request,
        ) {
            return answer::failure(metrics, failure);
        }
        metrics.error = answer
            .error
            .as_ref()
            .map(|(zid, _)| ErrorType::from_zid(zid).unwrap_or(ErrorType::Unspecified));
        answer
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// Links `module` against WASI and the compiled-code cache, and checks it serves calls.
fn link(engine: &Engine, module: &Module) -> wasmtime::Result<InstancePre<Host>> {
    let mut linker: Linker<Host> = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |host: &mut Host| &mut host.wasi)?;
    code::add_to_linker(&mut linker, |host: &mut Host| &mut host.code)?;
    let pre = linker.instantiate_pre(module)?;
    if module.get_export(CALL_EXPORT).is_none() {
        wasmtime::bail!("the module has no `{CALL_EXPORT}` export");
    }
    Ok(pre)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope;

    /// A Z22 with a Z6 value and void metadata, as an executor writes it.
    const ANSWER: &str =
        r#"{"Z1K1":"Z22","Z22K1":{"Z1K1":"Z6","Z6K1":"hi"},"Z22K2":{"Z1K1":"Z9","Z9K1":"Z24"}}"#;

    /// An executor-shaped module: exports `memory` and `kiln_call`, whose body is `body`;
    /// `$write` writes the first `len` bytes of `data` (placed at address 16) to file `fd`,
    /// `$recurse` never returns, `$exit` is WASI's `proc_exit`.
    fn module(body: &str, data: &str) -> String {
        let escaped = data.replace('\\', "\\\\").replace('"', "\\\"");
        format!(
            r#"(module
                (import "wasi_snapshot_preview1" "fd_write"
                    (func $fd_write (param i32 i32 i32 i32) (result i32)))
                (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                (memory (export "memory") 1)
                (data (i32.const 16) "{escaped}")
                (func $write (param $fd i32) (param $len i32)
                    (i32.store (i32.const 0) (i32.const 16))
                    (i32.store (i32.const 4) (local.get $len))
                    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
                (func $recurse (call $recurse))
                (func (export "kiln_call") {body}))"#
        )
    }

    /// A body writing all of `data` to stdout.
    fn write_all(data: &str) -> String {
        format!("(call $write (i32.const 1) (i32.const {}))", data.len())
    }

    fn runner(wat: &str, limits: Limits) -> Runner {
        let engine = engine::engine(Allocation::OnDemand).unwrap();
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        Runner::new(engine, &module, limits).unwrap()
    }

    fn limits() -> Limits {
        Limits {
            timeout: Duration::from_secs(10),
            memory_bytes: 1 << 20,
            ..Limits::default()
        }
    }

    /// Calls a module and checks the error it answers with, in the outcome, the metrics and
    /// the answer's text alike.
    fn fails(body: &str, data: &str, limits: Limits, kind: ErrorType, message: &str) {
        let outcome = runner(&module(body, data), limits).call(b"{}");
        let expected = Some((kind.zid().to_string(), message.to_string()));
        assert_eq!(outcome.error, expected, "{body}");
        assert_eq!(outcome.metrics.error, Some(kind));
        let answer = outcome.envelope().unwrap();
        assert_eq!(envelope::error(&answer), expected);
        assert_eq!(answer["Z22K1"], envelope::reference("Z24"));
    }

    #[test]
    fn an_answer_is_passed_on_with_metadata() {
        let outcome = runner(&module(&write_all(ANSWER), ANSWER), limits()).call(b"{}");
        assert_eq!(outcome.error, None);
        assert_eq!(outcome.metrics.error, None);
        assert_eq!(
            outcome.value_json().as_deref(),
            Some(r#"{"Z1K1":"Z6","Z6K1":"hi"}"#)
        );
        let answer = outcome.envelope().unwrap();
        assert_eq!(
            envelope::metadata(&answer, "kilnVersion"),
            Some(envelope::string(crate::KILN_VERSION))
        );
        assert!(envelope::metadata(&answer, "evaluationDuration").is_some());
        assert_eq!(
            envelope::metadata(&answer, "executionMemoryUsage"),
            Some(envelope::string("64 KiB"))
        );
        assert_eq!(
            envelope::metadata(&answer, "wasmMemoryBytes"),
            Some(envelope::string("65536"))
        );
    }

    #[test]
    fn a_reproducible_answer_is_the_executors_own() {
        let runner = runner(&module(&write_all(ANSWER), ANSWER), limits()).reproducible(true);
        assert!(runner.is_reproducible());
        assert_eq!(runner.call(b"{}").answer, ANSWER);
        assert_eq!(runner.call(b"{}").answer, ANSWER);
    }

    #[test]
    fn fuel_is_measured_under_a_budget() {
        let limits = Limits {
            fuel: Some(1_000_000),
            ..limits()
        };
        let outcome = runner(&module(&write_all(ANSWER), ANSWER), limits).call(b"{}");
        assert_eq!(outcome.error, None);
        assert!(outcome.metrics.fuel > 0);
        let fuel = outcome.metrics.fuel.to_string();
        assert_eq!(
            envelope::metadata(&outcome.envelope().unwrap(), "wasmtimeFuelCost"),
            Some(envelope::string(&fuel))
        );
    }

    #[test]
    fn an_endless_call_times_out() {
        let limits = Limits {
            timeout: Duration::from_millis(30),
            ..limits()
        };
        fails(
            "(loop $l (br $l))",
            "",
            limits,
            ErrorType::TimeLimit,
            "the call exceeded the time limit of 30 ms",
        );
    }

    #[test]
    fn a_call_may_be_given_less_time_but_not_more() {
        let runner = runner(&module("(loop $l (br $l))", ""), limits());
        let outcome = runner.call_with_timeout(b"{}", Duration::from_millis(20));
        assert_eq!(
            outcome.error,
            Some((
                ErrorType::TimeLimit.zid().to_string(),
                "the call exceeded the time limit of 20 ms".to_string()
            ))
        );
        let short = Limits {
            timeout: Duration::from_millis(30),
            ..limits()
        };
        let runner = self::runner(&module("(loop $l (br $l))", ""), short);
        let outcome = runner.call_with_timeout(b"{}", Duration::from_secs(60));
        assert_eq!(
            outcome.error.map(|(_, message)| message).as_deref(),
            Some("the call exceeded the time limit of 30 ms")
        );
    }

    #[test]
    fn a_cancelled_call_stops_early() {
        let runner = runner(&module("(loop $l (br $l))", ""), limits());
        let cancel = Cancel::new();
        let stopper = {
            let cancel = cancel.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                cancel.cancel();
            })
        };
        let started = Instant::now();
        let outcome = runner.call_cancellable(b"{}", Duration::from_secs(10), &cancel);
        stopper.join().unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert!(cancel.interrupted());
        assert_eq!(
            outcome.error,
            Some((
                ErrorType::Unspecified.zid().to_string(),
                "the call was cancelled by its caller".to_string()
            ))
        );
        // Not cancelled: its time limit still holds, and an answer is not marked interrupted.
        let cancel = Cancel::new();
        let outcome = runner.call_cancellable(b"{}", Duration::from_millis(30), &cancel);
        assert_eq!(
            outcome.error.map(|(_, message)| message).as_deref(),
            Some("the call exceeded the time limit of 30 ms")
        );
        assert!(!cancel.interrupted());
        let answers = self::runner(&module(&write_all(ANSWER), ANSWER), limits());
        let cancel = Cancel::new();
        let outcome = answers.call_cancellable(b"{}", Duration::from_secs(1), &cancel);
        assert_eq!(outcome.error, None);
        cancel.cancel();
        assert!(cancel.is_cancelled() && !cancel.interrupted());
    }

    #[test]
    fn an_endless_call_runs_out_of_fuel() {
        let limits = Limits {
            fuel: Some(10_000),
            ..limits()
        };
        fails(
            "(loop $l (br $l))",
            "",
            limits,
            ErrorType::FuelLimit,
            "the call used up its fuel budget of 10000",
        );
    }

    #[test]
    fn growing_past_the_memory_limit_is_a_memory_error() {
        fails(
            "(if (i32.eq (memory.grow (i32.const 100)) (i32.const -1)) (then unreachable))",
            "",
            limits(),
            ErrorType::Evaluation,
            "the call reached the memory limit of 1 MiB",
        );
    }

    #[test]
    fn an_executor_error_after_a_refused_growth_is_a_memory_error() {
        let written = envelope::error_envelope(&envelope::evaluation(
            envelope::Node::string("f"),
            "InternalError: out of memory",
        ))
        .to_string();
        let body = format!(
            "(drop (memory.grow (i32.const 100))) {}",
            write_all(&written)
        );
        fails(
            &body,
            &written,
            limits(),
            ErrorType::Evaluation,
            "the call reached the memory limit of 1 MiB; the executor reported: InternalError: \
             out of memory",
        );
        // Without the refused growth, the executor's error is passed on as it is.
        let outcome = runner(&module(&write_all(&written), &written), limits()).call(b"{}");
        assert_eq!(
            outcome.error,
            Some((
                "Z507".to_string(),
                "InternalError: out of memory".to_string()
            ))
        );
        assert_eq!(outcome.metrics.error, Some(ErrorType::Evaluation));
    }

    #[test]
    fn endless_recursion_overflows_the_stack() {
        fails(
            "(call $recurse)",
            "",
            limits(),
            ErrorType::RecursionLimit,
            "the call reached the recursion limit (the wasm stack) in the function",
        );
    }

    #[test]
    fn an_abort_is_a_recursion_limit_and_an_exit_unspecified() {
        fails(
            "unreachable",
            "",
            limits(),
            ErrorType::RecursionLimit,
            "the call reached the recursion limit (wasm unreachable abort) in the function",
        );
        fails(
            "(call $write (i32.const 2) (i32.const 5)) (call $exit (i32.const 3))",
            "boom!",
            limits(),
            ErrorType::Unspecified,
            "the executor exited with status 3; the guest reported: boom!",
        );
        fails(
            "(call $exit (i32.const 3))",
            "",
            limits(),
            ErrorType::Unspecified,
            "the executor exited with status 3",
        );
    }

    #[test]
    fn too_much_output_is_output_too_large() {
        let limits = Limits {
            max_output_bytes: 16,
            ..limits()
        };
        let data = "x".repeat(64);
        fails(
            &write_all(&data),
            &data,
            limits,
            ErrorType::InvalidEvaluationResult,
            "the answer is larger than the limit of 16 bytes",
        );
        // An answer of exactly the limit fits.
        let limits = Limits {
            max_output_bytes: ANSWER.len(),
            ..self::limits()
        };
        let outcome = runner(&module(&write_all(ANSWER), ANSWER), limits).call(b"{}");
        assert_eq!(outcome.error, None);
    }

    #[test]
    fn output_that_is_not_a_z22_is_unspecified() {
        fails(
            &write_all("garbage"),
            "garbage",
            limits(),
            ErrorType::Unspecified,
            "the executor answered with 7 bytes that are not a Z22 envelope",
        );
        fails(
            "",
            "",
            limits(),
            ErrorType::Unspecified,
            "the executor answered with 0 bytes that are not a Z22 envelope",
        );
    }

    #[test]
    fn an_oversized_request_is_refused_before_running() {
        let limits = Limits {
            max_request_bytes: 4,
            ..limits()
        };
        // The module would time out; the request never reaches it.
        let runner = runner(&module("(loop $l (br $l))", ""), limits);
        let outcome = runner.call(b"12345");
        let expected = Some((
            "Z561".to_string(),
            "the request is 5 bytes, over the limit of 4 bytes".to_string(),
        ));
        assert_eq!(outcome.error, expected);
        assert_eq!(outcome.metrics.error, Some(ErrorType::InvalidRequest));
        assert_eq!(
            runner.oversized(1 << 30).metrics.error,
            Some(ErrorType::InvalidRequest)
        );
    }

    #[test]
    fn a_module_without_the_call_export_is_refused() {
        let engine = engine::engine(Allocation::OnDemand).unwrap();
        let module = Module::new(&engine, wat::parse_str("(module)").unwrap()).unwrap();
        let error = Runner::new(engine, &module, limits()).err().unwrap();
        assert!(matches!(error, RunnerError::Module(_)));
        assert_eq!(
            error.to_string(),
            "not a valid executor module: the module has no `kiln_call` export"
        );
    }

    #[test]
    fn a_ticker_that_cannot_start_fails_the_runner() {
        let engine = engine::engine(Allocation::OnDemand).unwrap();
        let wat = module(&write_all(ANSWER), ANSWER);
        let module = Module::new(&engine, wat::parse_str(&wat).unwrap()).unwrap();
        let pre = link(&engine, &module).unwrap();
        let error = Runner::assemble(engine, pre, limits(), ticker::tests::failing_spawn)
            .err()
            .expect("no runner without a ticker");
        assert!(matches!(error, RunnerError::Ticker(_)));
        assert_eq!(
            error.to_string(),
            "cannot start the epoch ticker thread that enforces timeouts: no more threads"
        );
    }

    #[test]
    fn loading_reads_wasm_through_the_cache_or_without_one() {
        let dir = std::env::temp_dir().join(format!("kiln-runner-load-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let artifact = dir.join("executor.wasm");
        let wasm = wat::parse_str(module(&write_all(ANSWER), ANSWER)).unwrap();
        std::fs::write(&artifact, &wasm).unwrap();
        let cache = Cache::new(dir.join("cache"));
        let load = |cache| {
            Runner::load_with_cache(&artifact, Allocation::OnDemand, limits(), cache).unwrap()
        };
        let first = load(Some(&cache));
        assert_eq!(first.notes().len(), 1);
        assert!(
            first.notes()[0].starts_with("compiled "),
            "{:?}",
            first.notes()
        );
        assert!(first.notes()[0].contains(" and cached it as "));
        assert_eq!(
            load(Some(&cache)).notes(),
            [] as [String; 0],
            "a hit says nothing"
        );
        let uncached = load(None);
        assert_eq!(
            uncached.notes(),
            [format!(
                "compiled {} without caching it: there is no cache directory (set \
                 KILN_CACHE_DIR, XDG_CACHE_HOME or HOME)",
                artifact.display()
            )]
        );
        assert_eq!(uncached.reproducible(true).call(b"{}").answer, ANSWER);
        let missing = dir.join("missing.cwasm");
        let error = Runner::load_with_cache(&missing, Allocation::OnDemand, limits(), None)
            .err()
            .unwrap();
        assert!(matches!(error, RunnerError::Read { .. }), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
