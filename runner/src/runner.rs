//! Runs executor calls: one shared engine and `InstancePre`, a fresh store and instance per
//! call, and every way a call can end (answer, trap, limit) turned into a Z22.

use crate::cache::{Cache, CacheEvent};
use crate::engine::{self, Allocation};
use crate::host::{self, Host, MemoryLimiter, Sources};
use crate::z22::{self, ErrorType};
use serde_json::value::RawValue;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use wasmtime::{Engine, InstancePre, Linker, Module, Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// The export every executor artifact serves calls through.
pub const CALL_EXPORT: &str = "kiln_call";

/// How often the epoch ticks; timeouts are enforced to this granularity.
const EPOCH_TICK: Duration = Duration::from_millis(1);

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
    /// Fixed clock and randomness, and no timing metadata: the same request gives the same
    /// answer, byte for byte.
    pub deterministic: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(10_000),
            fuel: None,
            memory_bytes: 128 << 20,
            max_output_bytes: 16 << 20,
            max_request_bytes: 16 << 20,
            deterministic: false,
        }
    }
}

/// Why a runner could not be set up. Calls themselves never fail: they answer with a Z5.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("cannot read artifact {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "artifact {path} cannot be loaded by this runner (built with other engine settings or \
         another wasmtime version; rebuild it with `kiln build`): {reason}"
    )]
    Incompatible {
        path: PathBuf,
        reason: wasmtime::Error,
    },
    #[error("artifact {path} is not a valid executor module: {reason:#}")]
    Invalid {
        path: PathBuf,
        reason: wasmtime::Error,
    },
    #[error("setting up the wasmtime engine: {0}")]
    Engine(wasmtime::Error),
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
}

/// One call's answer and measurements.
#[derive(Clone, Debug)]
pub struct CallOutcome {
    /// The Z22 envelope, JSON text on one line.
    pub answer: String,
    /// The error the answer carries: its Z5K1 type and Z5K2 message.
    pub error: Option<(String, String)>,
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
        serde_json::from_str::<RawZ22>(&self.answer)
            .ok()
            .map(|raw| raw.value.get().to_string())
    }
}

/// The top level of a Z22 as the executor wrote it. Only Z22K2 (metadata, shallow) is parsed
/// into a value; the value itself stays text however deep it is nested, so hostile nesting
/// cannot exhaust the host's stack.
#[derive(serde::Deserialize)]
struct RawZ22<'a> {
    #[serde(rename = "Z1K1", borrow)]
    kind: &'a RawValue,
    #[serde(rename = "Z22K1", borrow)]
    value: &'a RawValue,
    #[serde(rename = "Z22K2", borrow)]
    metadata: Option<&'a RawValue>,
}

/// The `K1` of a Z22K2 map, or the reference of a void Z22K2.
#[derive(serde::Deserialize)]
struct RawMetadata<'a> {
    #[serde(rename = "K1", borrow)]
    list: Option<&'a RawValue>,
    #[serde(rename = "Z9K1", borrow)]
    reference: Option<&'a str>,
}

/// An answer on its way out: raw Z1K1 and Z22K1, the raw list of the Z22K2 map (`None` when
/// void), and the error that map carries.
struct Answer {
    kind: String,
    value: String,
    metadata_list: Option<String>,
    error: Option<(String, String)>,
}

/// Serves calls of one executor artifact.
pub struct Runner {
    engine: Engine,
    pre: InstancePre<Host>,
    limits: Limits,
    notes: Vec<String>,
    _ticker: EpochTicker,
}

impl Runner {
    /// Loads an artifact: a `.cwasm` is mapped into memory as is, a `.wasm` is compiled
    /// through the default compilation cache.
    pub fn load(path: &Path, allocation: Allocation, limits: Limits) -> Result<Self, RunnerError> {
        Self::load_with_cache(path, allocation, limits, &Cache::default_location())
    }

    /// [`Runner::load`] with an explicit compilation cache.
    pub fn load_with_cache(
        path: &Path,
        allocation: Allocation,
        limits: Limits,
        cache: &Cache,
    ) -> Result<Self, RunnerError> {
        let engine = engine::engine(allocation).map_err(RunnerError::Engine)?;
        let (module, notes) = load_module(&engine, path, cache)?;
        let mut runner =
            Self::new(engine, &module, limits).map_err(|reason| RunnerError::Invalid {
                path: path.to_path_buf(),
                reason,
            })?;
        runner.notes = notes;
        Ok(runner)
    }

    /// What loading did that the user may want to know (recompilations, cache use).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// A runner over a module already compiled for `engine`.
    pub fn new(engine: Engine, module: &Module, limits: Limits) -> wasmtime::Result<Self> {
        let mut linker: Linker<Host> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |host: &mut Host| &mut host.wasi)?;
        let pre = linker.instantiate_pre(module)?;
        if module.get_export(CALL_EXPORT).is_none() {
            wasmtime::bail!("the module has no `{CALL_EXPORT}` export");
        }
        let ticker = EpochTicker::start(engine.clone());
        Ok(Self {
            engine,
            pre,
            limits,
            notes: Vec::new(),
            _ticker: ticker,
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs one request in a fresh instance and answers with a Z22, whatever happens.
    pub fn call(&self, request: &[u8]) -> CallOutcome {
        let limits = &self.limits;
        let mut metrics = CallMetrics::default();
        if request.len() > limits.max_request_bytes {
            return self.oversized(request.len());
        }
        let answer = self.run(request, &mut metrics);
        self.outcome(answer, metrics)
    }

    /// The answer to a request of `length` bytes that is over the request limit (the request
    /// itself need not be held in memory).
    pub fn oversized(&self, length: usize) -> CallOutcome {
        let mut metrics = CallMetrics::default();
        let answer = failure(
            &mut metrics,
            ErrorType::InvalidRequest,
            format!(
                "the request is {length} bytes, over the limit of {} bytes",
                self.limits.max_request_bytes
            ),
        );
        self.outcome(answer, metrics)
    }

    fn outcome(&self, answer: Answer, metrics: CallMetrics) -> CallOutcome {
        let entries = if self.limits.deterministic {
            Vec::new()
        } else {
            self.metadata(&metrics)
        };
        let metadata = z22::metadata_text(&entries, answer.metadata_list.as_deref());
        let text = format!(
            r#"{{"Z1K1":{},"Z22K1":{},"Z22K2":{metadata}}}"#,
            answer.kind, answer.value
        );
        CallOutcome {
            answer: text,
            error: answer.error,
            metrics,
        }
    }

    fn run(&self, request: &[u8], metrics: &mut CallMetrics) -> Answer {
        let limits = &self.limits;
        let started = Instant::now();
        // One byte over the cap tells an answer that was cut off from one that fits exactly.
        let stdout = MemoryOutputPipe::new(limits.max_output_bytes.saturating_add(1));
        let sources = if limits.deterministic {
            Sources::Deterministic
        } else {
            Sources::Live
        };
        // The guest writes to stderr only when it fails (a panic message): keep the start of it.
        let stderr = MemoryOutputPipe::new(4096);
        let host = Host {
            wasi: host::wasi_ctx(request.to_vec(), &stdout, Some(&stderr), sources),
            limiter: MemoryLimiter::new(limits.memory_bytes),
        };
        let mut store = Store::new(&self.engine, host);
        store.limiter(|host| &mut host.limiter);
        let budget = limits.fuel.unwrap_or(u64::MAX);
        if let Err(e) = store.set_fuel(budget) {
            return failure(
                metrics,
                ErrorType::Unspecified,
                format!("setting fuel: {e}"),
            );
        }
        let ticks = limits.timeout.as_nanos() / EPOCH_TICK.as_nanos() + 1;
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        store.epoch_deadline_trap();

        let instance = self.pre.instantiate(&mut store);
        metrics.instantiate = started.elapsed();
        let result = instance.and_then(|instance| {
            let call = instance.get_typed_func::<(), ()>(&mut store, CALL_EXPORT)?;
            let began = Instant::now();
            let result = call.call(&mut store, ());
            metrics.execute = began.elapsed();
            result
        });
        metrics.fuel = budget - store.get_fuel().unwrap_or(budget);
        let limiter = &store.data().limiter;
        metrics.peak_memory = limiter.peak_bytes;
        let memory_hit = limiter.hit;
        drop(store);

        let output = stdout.contents();
        let overflowed = output.len() > limits.max_output_bytes;
        let error = match result {
            Err(_) if overflowed => Some((ErrorType::OutputTooLarge, self.output_message())),
            Err(e) => {
                let (kind, mut message) = classify_trap(&e, memory_hit, limits);
                let said = String::from_utf8_lossy(&stderr.contents())
                    .trim()
                    .to_string();
                if kind == ErrorType::Unspecified && !said.is_empty() {
                    message = format!("{message}; the guest reported: {said}");
                }
                Some((kind, message))
            }
            Ok(()) if overflowed => Some((ErrorType::OutputTooLarge, self.output_message())),
            Ok(()) => None,
        };
        if let Some((kind, message)) = error {
            return failure(metrics, kind, message);
        }
        let parsed = std::str::from_utf8(&output)
            .ok()
            .and_then(|text| serde_json::from_str::<RawZ22>(text).ok())
            .and_then(|raw| {
                let (metadata_list, error) = match raw.metadata {
                    None => (None, None),
                    Some(metadata) => {
                        let parts: RawMetadata = serde_json::from_str(metadata.get()).ok()?;
                        match (parts.list, parts.reference) {
                            (Some(list), _) => {
                                // Only the executor's own small map (errors, logs) is parsed,
                                // to read the error; the answer keeps the text as written.
                                let readable = z22::replace_lone_surrogates(metadata.get());
                                let map: Value = serde_json::from_str(&readable).ok()?;
                                (Some(list.get().to_string()), z22::map_error(&map))
                            }
                            (None, Some("Z24")) => (None, None),
                            (None, _) => return None,
                        }
                    }
                };
                Some(Answer {
                    kind: raw.kind.get().to_string(),
                    value: raw.value.get().to_string(),
                    metadata_list,
                    error,
                })
            });
        match parsed {
            Some(answer) => {
                let error = answer.error.clone();
                if let (true, Some((_, message))) = (memory_hit, &error) {
                    // A growth was refused and the call failed: whatever QuickJS made of the
                    // allocation failure, the cause is the memory limit.
                    return failure(
                        metrics,
                        ErrorType::Memory,
                        format!(
                            "{}; the executor reported: {message}",
                            memory_message(limits)
                        ),
                    );
                }
                metrics.error = error
                    .map(|(zid, _)| ErrorType::from_zid(&zid).unwrap_or(ErrorType::Unspecified));
                answer
            }
            None => failure(
                metrics,
                ErrorType::Unspecified,
                format!(
                    "the executor answered with {} bytes that are not a Z22 envelope",
                    output.len()
                ),
            ),
        }
    }

    fn output_message(&self) -> String {
        format!(
            "the answer is larger than the limit of {} bytes",
            self.limits.max_output_bytes
        )
    }

    fn metadata(&self, metrics: &CallMetrics) -> Vec<(&'static str, String)> {
        let mut entries = vec![
            (
                "executionDuration",
                format!("{} µs", metrics.execute.as_micros()),
            ),
            (
                "instantiationDuration",
                format!("{} µs", metrics.instantiate.as_micros()),
            ),
        ];
        if self.limits.fuel.is_some() {
            entries.push(("executionFuel", metrics.fuel.to_string()));
        }
        entries.push((
            "executionMemoryUsage",
            format!("{} bytes", metrics.peak_memory),
        ));
        entries.push(("kilnVersion", crate::KILN_VERSION.to_string()));
        entries
    }
}

fn failure(metrics: &mut CallMetrics, kind: ErrorType, message: String) -> Answer {
    metrics.error = Some(kind);
    let map = z22::metadata_map(vec![("errors".into(), z22::z5(kind, &message))]);
    Answer {
        kind: z22::reference("Z22").to_string(),
        value: z22::VOID_TEXT.to_string(),
        metadata_list: Some(map["K1"].to_string()),
        error: Some((kind.zid().to_string(), message)),
    }
}

fn memory_message(limits: &Limits) -> String {
    format!(
        "the call reached the memory limit of {} MiB",
        limits.memory_bytes >> 20
    )
}

/// Names the limit or fault that ended a call.
fn classify_trap(
    error: &wasmtime::Error,
    memory_hit: bool,
    limits: &Limits,
) -> (ErrorType, String) {
    let memory_message = || memory_message(limits);
    if let Some(trap) = error.downcast_ref::<Trap>() {
        return match trap {
            Trap::Interrupt => (
                ErrorType::Timeout,
                format!(
                    "the call exceeded the time limit of {} ms",
                    limits.timeout.as_millis()
                ),
            ),
            Trap::OutOfFuel => (
                ErrorType::Fuel,
                format!(
                    "the call used up its fuel budget of {}",
                    limits.fuel.unwrap_or(u64::MAX)
                ),
            ),
            Trap::StackOverflow => (
                ErrorType::Stack,
                "the call overflowed the stack (too much recursion)".to_string(),
            ),
            _ if memory_hit => (ErrorType::Memory, memory_message()),
            other => (
                ErrorType::Unspecified,
                format!("the executor trapped: {other}"),
            ),
        };
    }
    if memory_hit {
        return (ErrorType::Memory, memory_message());
    }
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return (
            ErrorType::Unspecified,
            format!("the executor exited with status {}", exit.0),
        );
    }
    (
        ErrorType::Unspecified,
        format!("the executor failed: {error:#}"),
    )
}

/// Loads an artifact for `engine`: a `.cwasm` is mapped as is (or, when it does not fit this
/// engine and its `.wasm` is beside it, replaced by a cached compilation of that); a `.wasm` is
/// compiled through the cache. Returns what happened worth telling the user.
fn load_module(
    engine: &Engine,
    path: &Path,
    cache: &Cache,
) -> Result<(Module, Vec<String>), RunnerError> {
    let mut notes = Vec::new();
    let mut wasm_path = path.to_path_buf();
    if path.extension().is_some_and(|ext| ext == "cwasm") {
        if let Err(source) = std::fs::metadata(path) {
            return Err(RunnerError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
        // SAFETY: `.cwasm` files are produced by `kiln build` with this engine configuration;
        // wasmtime checks the header (version, settings) before using the code.
        match unsafe { Module::deserialize_file(engine, path) } {
            Ok(module) => return Ok((module, notes)),
            Err(reason) => {
                wasm_path = path.with_extension("wasm");
                if !wasm_path.is_file() {
                    return Err(RunnerError::Incompatible {
                        path: path.to_path_buf(),
                        reason,
                    });
                }
                notes.push(format!(
                    "{} does not fit this runner ({reason}); compiling {} instead",
                    path.display(),
                    wasm_path.display()
                ));
            }
        }
    }
    let bytes = std::fs::read(&wasm_path).map_err(|source| RunnerError::Read {
        path: wasm_path.clone(),
        source,
    })?;
    let (module, event) = cache
        .load(engine, &bytes)
        .map_err(|reason| RunnerError::Invalid {
            path: wasm_path.clone(),
            reason,
        })?;
    match event {
        CacheEvent::Hit(_) => {}
        CacheEvent::Stored(entry) => notes.push(format!(
            "compiled {} and cached it as {}",
            wasm_path.display(),
            entry.display()
        )),
        CacheEvent::Replaced { path, reason } => notes.push(format!(
            "the cached compilation {} was unusable ({reason}); recompiled it",
            path.display()
        )),
        CacheEvent::Unwritable { path, reason } => notes.push(format!(
            "compiled {} but could not cache it at {} ({reason})",
            wasm_path.display(),
            path.display()
        )),
    }
    Ok((module, notes))
}

/// Advances the engine's epoch on a background thread, so deadlines set in ticks elapse.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("kiln-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        Self { stop, thread }
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
