//! kiln's guest: a QuickJS runtime (through the `javy` crate) for wasm32-wasip1 that
//! serves one executor call per instance.
//!
//! The module has three ways to be prepared, one per artifact kind, and one way to be called:
//!
//! * `kiln_init` (snapshot): reads the executor bundle from stdin, evaluates its top level and
//!   keeps the entry function. Wizer snapshots the instance right after, so a call only runs the
//!   community code.
//! * `kiln_init_bytecode` (Javy-static baseline): creates the runtime and keeps the executor's
//!   bytecode (read from stdin); every call evaluates that bytecode's top level first.
//! * `kiln_init_plain` (interpreter baseline): keeps the executor source only; every call
//!   creates a runtime and parses and evaluates the whole source, as per-call interpreters do.
//! * `kiln_call`: reads one request (JSON text) from stdin and writes one Z22 envelope (JSON
//!   text) to stdout. Nothing else ever writes to stdout.
//!
//! `kiln_compile_code` (run time, a call of its own) compiles one code string of community
//! code for the host's compiled-code cache ([`code`]).
//!
//! `kiln_compile` (build time only) reads executor source from stdin and writes the QuickJS
//! bytecode of it, compiled as a global script, to stdout. `kiln_quickjs_version` (build time
//! only) writes the version of the QuickJS built into this guest (`JS_GetVersion`, e.g.
//! `0.15.1`) to stdout, for the build info.
//!
//! The contract (imports, exports, the stdin/stdout encoding) is `wit/executor.wit`.

use javy::quickjs::{
    context::EvalOptions, qjs, Ctx, Error as JsError, Function, Persistent, Promise,
    String as JsString, Value,
};
use javy::{Config, Runtime};

mod code;
mod function;
mod json;
mod lexical;
mod lists;
mod normal;
mod scan;
use std::cell::RefCell;
use std::ffi::{c_int, CStr, CString};
use std::io::{Read, Write};

/// Name of the global the executor bundle defines its entry function under. The guest takes it
/// and deletes the property before any community code can run.
const ENTRY_GLOBAL: &str = "__kiln_executor";

/// File name QuickJS reports for the executor script (all three paths).
const SCRIPT_NAME: &CStr = c"kiln-executor.js";

/// Deepest nesting of arrays and objects a request may have, normal-form typed lists not
/// counted (they are rewritten as arrays first: [`lists`]). QuickJS parses JSON recursively,
/// and far deeper input would exhaust the wasm stack before the executor could refuse it.
const MAX_REQUEST_DEPTH: usize = 5000;

/// The marker of a failure reported to the host (on stderr, stdout left empty): the guest
/// never writes a Z5 itself; the host's one writer turns the report into one.
const FAILURE_MARKER: &str = "kiln-guest-failure ";

enum State {
    Empty,
    Snapshot {
        runtime: Runtime,
        entry: Persistent<Function<'static>>,
    },
    Bytecode {
        runtime: Runtime,
        bytecode: Vec<u8>,
    },
    Plain {
        source: String,
    },
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::Empty) };
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    #[link_name = "random_get"]
    fn wasi_random_get(buf: *mut u8, len: usize) -> u16;
}

fn runtime_config() -> Config {
    let mut config = Config::default();
    config
        // The executor installs its own capturing console; javy's must never reach stdout.
        .log_stream(Box::new(std::io::sink()))
        .err_stream(Box::new(std::io::sink()))
        // Collect garbage once the heap has grown by this much since the last collection.
        .gc_threshold(4 * 1024 * 1024)
        .max_stack_size(512 * 1024);
    config
}

fn read_stdin() -> Vec<u8> {
    let mut buf = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut buf) {
        fail_init(&format!("reading stdin: {e}"));
    }
    buf
}

fn read_stdin_utf8(what: &str) -> String {
    match String::from_utf8(read_stdin()) {
        Ok(s) => s,
        Err(_) => fail_init(&format!("{what} is not UTF-8")),
    }
}

fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    // If the host closed stdout there is nobody to tell; the call simply has no answer.
    let _ = out.write_all(bytes).and_then(|_| out.flush());
}

/// Build-time failure: explain on stderr and exit non-zero so the build stops with the message.
fn fail_init(message: &str) -> ! {
    eprintln!("kiln guest: {message}");
    std::process::exit(70)
}

fn new_runtime() -> Runtime {
    Runtime::new(runtime_config()).unwrap_or_else(|e| fail_init(&format!("creating runtime: {e}")))
}

/// Seeds `Math.random` (javy backs it with fastrand) from WASI randomness, so no seed frozen in
/// a snapshot is ever replayed. Under a deterministic host the WASI source is fixed.
fn reseed_random() {
    let mut seed = [0u8; 8];
    // SAFETY: the buffer is valid for writes of its length.
    let errno = unsafe { wasi_random_get(seed.as_mut_ptr(), seed.len()) };
    if errno == 0 {
        fastrand::seed(u64::from_le_bytes(seed));
    }
}

/// Argument `index` of a guest function's call (`undefined` past the last).
///
/// # Safety
/// `argv` holds `argc` values, as QuickJS passes them.
pub(crate) unsafe fn argument(argc: c_int, argv: *mut qjs::JSValue, index: usize) -> qjs::JSValue {
    if usize::try_from(argc).is_ok_and(|count| index < count) {
        *argv.add(index)
    } else {
        qjs::JS_UNDEFINED
    }
}

/// Runs `f` on the UTF-8 bytes of the JS string `value` (a lone surrogate in its three-byte
/// form), freed after; `None` when converting it threw (out of memory: the exception is left
/// pending).
///
/// # Safety
/// `ctx` is a live context and `value` a string value in it.
pub(crate) unsafe fn with_utf8<R>(
    ctx: *mut qjs::JSContext,
    value: qjs::JSValue,
    f: impl FnOnce(&[u8]) -> R,
) -> Option<R> {
    let mut len = 0;
    let text = qjs::JS_ToCStringLen2(ctx, &mut len, value, false);
    if text.is_null() {
        return None;
    }
    let result = f(std::slice::from_raw_parts(text.cast::<u8>(), len as usize));
    qjs::JS_FreeCString(ctx, text);
    Some(result)
}

/// Runs `f` on the own string keys of `object` (as atoms, in `Reflect.ownKeys` order), freed
/// after; `None` when listing them threw (the exception is left pending).
///
/// # Safety
/// `ctx` is a live context and `object` an object value in it.
pub(crate) unsafe fn with_own_keys<R>(
    ctx: *mut qjs::JSContext,
    object: qjs::JSValue,
    f: impl FnOnce(&[qjs::JSPropertyEnum]) -> R,
) -> Option<R> {
    let mut table: *mut qjs::JSPropertyEnum = std::ptr::null_mut();
    let mut len = 0u32;
    let flags = qjs::JS_GPN_STRING_MASK as c_int;
    if qjs::JS_GetOwnPropertyNames(ctx, &mut table, &mut len, object, flags) < 0 {
        return None;
    }
    let entries = if len == 0 {
        &[][..]
    } else {
        std::slice::from_raw_parts(table, len as usize)
    };
    let result = f(entries);
    qjs::JS_FreePropertyEnum(ctx, table, len);
    Some(result)
}

/// Drops the pending exception (a helper that answers without throwing).
///
/// # Safety
/// `ctx` is a live context.
pub(crate) unsafe fn discard_exception(ctx: *mut qjs::JSContext) {
    qjs::JS_FreeValue(ctx, qjs::JS_GetException(ctx));
}

/// A C function the guest hands the executor.
type GuestFunction = unsafe extern "C" fn(
    *mut qjs::JSContext,
    qjs::JSValue,
    c_int,
    *mut qjs::JSValue,
) -> qjs::JSValue;

/// The guest's functions for a bundle's top level to take: (global, function name, length,
/// function). Each is a global only during the top level: [`take_entry`] removes what is left.
const GUEST_FUNCTIONS: [(&CStr, &CStr, c_int, GuestFunction); 7] = [
    // Named `eval` so stack traces read as they do for the eval built-in.
    (code::EVAL_GLOBAL, c"eval", 1, code::evaluate),
    // Named and sized as JSON.parse.
    (json::PARSE_GLOBAL, c"parse", 2, json::parse),
    (lexical::IS_ZID_GLOBAL, c"isZid", 1, lexical::is_zid),
    // Named and sized as JSON.stringify.
    (lexical::QUOTE_GLOBAL, c"stringify", 3, lexical::quote),
    (
        lexical::ARGUMENT_KEYS_GLOBAL,
        c"argumentKeys",
        2,
        lexical::argument_keys,
    ),
    (
        normal::NORMAL_FORM_GLOBAL,
        c"normalForm",
        1,
        normal::normal_form,
    ),
    (
        function::FUNCTION_GLOBAL,
        c"function",
        1,
        function::function,
    ),
];

/// Installs [`GUEST_FUNCTIONS`] as configurable, non-enumerable globals (so the executor can
/// delete them).
fn install_guest_functions(ctx: &Ctx<'_>) -> Result<(), String> {
    let raw = ctx.as_raw().as_ptr();
    for (global, name, length, function) in GUEST_FUNCTIONS {
        // SAFETY: `raw` is the live context of `ctx`; every value made here is consumed or
        // freed here.
        unsafe {
            let value = qjs::JS_NewCFunction2(
                raw,
                Some(function),
                name.as_ptr(),
                length,
                qjs::JSCFunctionEnum_JS_CFUNC_generic,
                0,
            );
            if qjs::JS_IsException(value) {
                return Err(format!("creating the guest function {global:?}"));
            }
            let object = qjs::JS_GetGlobalObject(raw);
            let defined = qjs::JS_DefinePropertyValueStr(
                raw,
                object,
                global.as_ptr(),
                value,
                qjs::JS_PROP_CONFIGURABLE as c_int,
            );
            qjs::JS_FreeValue(raw, object);
            if defined < 0 {
                qjs::JS_FreeValue(raw, qjs::JS_GetException(raw));
                return Err(format!("installing the guest function {global:?}"));
            }
        }
    }
    // SAFETY: `raw` is the live context of `ctx`.
    unsafe { normal::prepare(raw) };
    Ok(())
}

/// Evaluates the executor bundle as a global script and takes its entry function.
fn eval_source_entry<'js>(ctx: &Ctx<'js>, source: &str) -> Result<Function<'js>, String> {
    install_guest_functions(ctx)?;
    let mut options = EvalOptions::default();
    options.global = true;
    options.strict = false;
    options.filename = Some(SCRIPT_NAME.to_string_lossy().into_owned());
    ctx.eval_with_options::<Value, _>(source, options)
        .map_err(|e| describe(ctx, e))?;
    take_entry(ctx)
}

/// Compiles the executor bundle as a global script (exactly as the snapshot and plain paths
/// evaluate it) to QuickJS bytecode. A script, not a module: a module would stay registered
/// under its name, and community code could `import()` it.
fn compile_script(ctx: &Ctx<'_>, source: &str) -> Result<Vec<u8>, String> {
    let raw = ctx.as_raw().as_ptr();
    let text = CString::new(source).map_err(|_| "the executor bundle contains NUL".to_string())?;
    // SAFETY: `raw` is the live context of `ctx`; every value made here is freed here.
    unsafe {
        let function = qjs::JS_Eval(
            raw,
            text.as_ptr(),
            source.len() as _,
            SCRIPT_NAME.as_ptr(),
            (qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY) as i32,
        );
        if qjs::JS_IsException(function) {
            return Err(describe(ctx, JsError::Exception));
        }
        let mut size = 0;
        let bytes = qjs::JS_WriteObject(
            raw,
            &mut size,
            function,
            (qjs::JS_WRITE_OBJ_BYTECODE | qjs::JS_WRITE_OBJ_STRIP_SOURCE) as i32,
        );
        qjs::JS_FreeValue(raw, function);
        if bytes.is_null() {
            return Err(describe(ctx, JsError::Exception));
        }
        let out = std::slice::from_raw_parts(bytes, size as usize).to_vec();
        qjs::js_free(raw, bytes.cast());
        Ok(out)
    }
}

/// Evaluates the executor bytecode (a global script) and takes its entry function.
fn eval_bytecode_entry<'js>(ctx: &Ctx<'js>, bytecode: &[u8]) -> Result<Function<'js>, String> {
    install_guest_functions(ctx)?;
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: the bytecode was produced by `kiln_compile` of this very guest at build time;
    // JS_ReadObject copies what it needs, JS_EvalFunction consumes the function value.
    unsafe {
        let function = qjs::JS_ReadObject(
            raw,
            bytecode.as_ptr(),
            bytecode.len() as _,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        );
        if qjs::JS_IsException(function) {
            return Err(describe(ctx, JsError::Exception));
        }
        let result = qjs::JS_EvalFunction(raw, function);
        if qjs::JS_IsException(result) {
            return Err(describe(ctx, JsError::Exception));
        }
        qjs::JS_FreeValue(raw, result);
    }
    take_entry(ctx)
}

fn take_entry<'js>(ctx: &Ctx<'js>) -> Result<Function<'js>, String> {
    let globals = ctx.globals();
    let entry: Function = globals
        .get(ENTRY_GLOBAL)
        .map_err(|_| format!("the executor did not define globalThis.{ENTRY_GLOBAL}"))?;
    globals.remove(ENTRY_GLOBAL).map_err(|e| describe(ctx, e))?;
    // Kiln's executor takes the guest's functions at its top level; any other bundle never
    // sees them after its top level.
    for (global, ..) in GUEST_FUNCTIONS {
        let name = global.to_string_lossy();
        if globals.contains_key(&*name).unwrap_or(false) {
            globals.remove(&*name).map_err(|e| describe(ctx, e))?;
        }
    }
    Ok(entry)
}

/// Text of a QuickJS error, including a pending exception's message.
fn describe(ctx: &Ctx<'_>, error: JsError) -> String {
    if let JsError::Exception = error {
        let exception = ctx.catch();
        if let Some(object) = exception.as_object() {
            let name: Option<String> = object.get("name").ok();
            let message: Option<String> = object.get("message").ok();
            if let Some(message) = message {
                return match name {
                    Some(name) => format!("{name}: {message}"),
                    None => message,
                };
            }
        }
        if let Some(text) = exception.as_string().and_then(|s| s.to_string().ok()) {
            return text;
        }
        return "uncaught exception".to_string();
    }
    error.to_string()
}

/// Runs every pending job (promise reactions) until the queue is empty. Runs inside the
/// context lock; an exception in a job settles its promise as rejected.
fn drain_jobs(ctx: &Ctx<'_>) {
    while ctx.execute_pending_job() {}
}

/// Runs the entry on one request, draining the job queue when it answers with a promise.
fn call_entry<'js>(ctx: &Ctx<'js>, entry: &Function<'js>, request: &str) -> Result<String, String> {
    let text = JsString::from_str(ctx.clone(), request).map_err(|e| describe(ctx, e))?;
    // The guest's JSON parser reads this string's text from `request` (json::with_request).
    json::with_request(&text, request, || {
        let answer: Value = entry.call((text.clone(),)).map_err(|e| describe(ctx, e))?;
        if let Some(answer) = answer.as_string() {
            return answer.to_string().map_err(|e| describe(ctx, e));
        }
        let Some(promise) = answer.as_promise().cloned() else {
            return Err("the executor answered with something other than a string".to_string());
        };
        drain_jobs(ctx);
        finish_promise(ctx, &promise)
    })
}

fn finish_promise<'js>(ctx: &Ctx<'js>, promise: &Promise<'js>) -> Result<String, String> {
    match promise.result::<String>() {
        None => Err(NEVER_SETTLED.to_string()),
        Some(result) => result.map_err(|e| describe(ctx, e)),
    }
}

/// Serves one request with whatever the instance was prepared with.
fn serve(request: &str) -> Result<String, String> {
    STATE.with(|state| match &*state.borrow() {
        State::Empty => Err("the module was not initialised by kiln build".to_string()),
        State::Snapshot { runtime, entry } => runtime.context().with(|ctx| {
            let entry = entry.clone().restore(&ctx).map_err(|e| describe(&ctx, e))?;
            call_entry(&ctx, &entry, request)
        }),
        State::Bytecode { runtime, bytecode } => runtime.context().with(|ctx| {
            let entry = eval_bytecode_entry(&ctx, bytecode)?;
            call_entry(&ctx, &entry, request)
        }),
        State::Plain { source } => {
            let runtime = new_runtime();
            runtime.context().with(|ctx| {
                let entry = eval_source_entry(&ctx, source)?;
                call_entry(&ctx, &entry, request)
            })
        }
    })
}

/// Snapshot preparation: evaluate the executor's top level now, so Wizer captures it.
#[export_name = "kiln_init"]
pub extern "C" fn kiln_init() {
    let source = read_stdin_utf8("the executor bundle");
    let runtime = new_runtime();
    let entry = runtime.context().with(|ctx| {
        let entry = eval_source_entry(&ctx, &source).unwrap_or_else(|e| fail_init(&e));
        Persistent::save(&ctx, entry)
    });
    // Leave as little garbage as possible in the snapshot: fewer dirty pages per call.
    runtime.context().with(|ctx| ctx.run_gc());
    STATE.with(|state| *state.borrow_mut() = State::Snapshot { runtime, entry });
}

/// Bytecode-baseline preparation: the runtime exists, the executor is only bytecode.
#[export_name = "kiln_init_bytecode"]
pub extern "C" fn kiln_init_bytecode() {
    let bytecode = read_stdin();
    let runtime = new_runtime();
    STATE.with(|state| *state.borrow_mut() = State::Bytecode { runtime, bytecode });
}

/// Interpreter-baseline preparation: keep the source and nothing else.
#[export_name = "kiln_init_plain"]
pub extern "C" fn kiln_init_plain() {
    let source = read_stdin_utf8("the executor bundle");
    STATE.with(|state| *state.borrow_mut() = State::Plain { source });
}

/// Build-time entry: executor source on stdin, QuickJS module bytecode on stdout.
#[export_name = "kiln_compile"]
pub extern "C" fn kiln_compile() {
    let source = read_stdin_utf8("the executor bundle");
    let runtime = new_runtime();
    match runtime.context().with(|ctx| compile_script(&ctx, &source)) {
        Ok(bytecode) => write_stdout(&bytecode),
        Err(e) => fail_init(&format!("compiling the executor: {e}")),
    }
}

/// Compile call (run time, in an instance of its own): community code text (an evaluation
/// text, see [`code`]) on stdin; on stdout [`code::COMPILED`] and its bytecode, or
/// [`code::DOES_NOT_COMPILE`] and the SyntaxError's message; nothing when it cannot be cached.
/// Only parses: no code runs.
#[export_name = "kiln_compile_code"]
pub extern "C" fn kiln_compile_code() {
    let Ok(text) = String::from_utf8(read_stdin()) else {
        return;
    };
    // SAFETY: the context is live for the closure's duration.
    let compile = |ctx: Ctx<'_>| unsafe { code::compile(ctx.as_raw().as_ptr(), &text) };
    let compiled = STATE.with(|state| match &*state.borrow() {
        State::Snapshot { runtime, .. } | State::Bytecode { runtime, .. } => {
            runtime.context().with(compile)
        }
        State::Empty | State::Plain { .. } => new_runtime().context().with(compile),
    });
    match compiled {
        Ok(bytecode) => {
            let mut out = Vec::with_capacity(bytecode.len() + 1);
            out.push(code::COMPILED);
            out.extend_from_slice(&bytecode);
            write_stdout(&out);
        }
        Err(Some(message)) => {
            let mut out = vec![code::DOES_NOT_COMPILE];
            out.extend_from_slice(message.as_bytes());
            write_stdout(&out);
        }
        Err(None) => {}
    }
}

/// Build-time entry: the version of the QuickJS built into this guest on stdout.
#[export_name = "kiln_quickjs_version"]
pub extern "C" fn kiln_quickjs_version() {
    // SAFETY: JS_GetVersion returns a pointer to a static, NUL-terminated string.
    let version = unsafe { CStr::from_ptr(qjs::JS_GetVersion()) };
    write_stdout(version.to_bytes());
}

/// One call: request JSON on stdin, Z22 JSON on stdout.
#[export_name = "kiln_call"]
pub extern "C" fn kiln_call() {
    reseed_random();
    let mut request = Vec::new();
    let answer = match std::io::stdin().read_to_end(&mut request) {
        Err(e) => Err(Failure::Internal(format!("reading the request: {e}"))),
        Ok(_) => match String::from_utf8(request) {
            // The executor classifies malformed requests itself; invalid UTF-8 is replaced
            // so the executor still sees (and rejects or accepts) the rest of the text.
            Ok(text) => answer_for(&text),
            Err(e) => answer_for(&String::from_utf8_lossy(e.as_bytes())),
        },
    };
    match answer {
        Ok(answer) => write_stdout(answer.as_bytes()),
        Err(failure) => report(&failure),
    }
}

/// A failure the executor could not answer itself, reported to the host.
enum Failure {
    /// The request nests deeper than [`MAX_REQUEST_DEPTH`].
    RequestTooDeep(String),
    /// The function's promise never settled.
    NeverSettled,
    /// QuickJS ran out of memory.
    OutOfMemory(String),
    /// QuickJS overflowed its stack.
    StackOverflow(String),
    /// Anything else.
    Internal(String),
}

/// Reports `failure` on stderr as `kiln-guest-failure <kind>\n<message>`.
fn report(failure: &Failure) {
    let (kind, message) = match failure {
        Failure::RequestTooDeep(m) => ("request-too-deep", m.as_str()),
        Failure::NeverSettled => ("never-settled", NEVER_SETTLED),
        Failure::OutOfMemory(m) => ("out-of-memory", m.as_str()),
        Failure::StackOverflow(m) => ("stack-overflow", m.as_str()),
        Failure::Internal(m) => ("internal", m.as_str()),
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{FAILURE_MARKER}{kind}\n{message}").and_then(|_| err.flush());
}

fn answer_for(request: &str) -> Result<String, Failure> {
    // Every level takes a byte, so a request no longer than the limit cannot pass it: most
    // requests skip the scan.
    let depth = if request.len() <= MAX_REQUEST_DEPTH {
        0
    } else {
        scan::nesting_depth(request.as_bytes(), MAX_REQUEST_DEPTH)
    };
    if depth <= MAX_REQUEST_DEPTH {
        return serve(request).map_err(classify);
    }
    // Normal-form typed lists nest one level per element: as canonical arrays they do not.
    let flattened = lists::flatten(request);
    let request = flattened.as_deref().unwrap_or(request);
    let depth = scan::nesting_depth(request.as_bytes(), MAX_REQUEST_DEPTH);
    if depth > MAX_REQUEST_DEPTH {
        return Err(Failure::RequestTooDeep(format!(
            "the request is nested {depth} levels deep (normal-form typed lists not \
             counted), more than the limit of {MAX_REQUEST_DEPTH}"
        )));
    }
    serve(request).map_err(classify)
}

const NEVER_SETTLED: &str =
    "the function returned a promise that never settled (nothing left to run)";

/// Names a failure that escaped the executor.
fn classify(message: String) -> Failure {
    if message == NEVER_SETTLED {
        Failure::NeverSettled
    } else if message.contains("out of memory") {
        Failure::OutOfMemory(message)
    } else if message.contains("stack overflow") {
        Failure::StackOverflow(message)
    } else {
        Failure::Internal(message)
    }
}
