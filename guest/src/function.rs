//! The call's function definition, looked up instead of read: the executor's plan of an
//! inline Z8 (the implementation it runs, the converters of each argument and of the result)
//! kept by the host under the definition's exact text.
//!
//! A Z7 request carries its whole function (Z7K1): every implementation, every argument's
//! declared type with that type's converters. The executor needs a few strings of it, but
//! building it as objects and planning from it is most of such a call's work, and the same
//! definition comes again and again with other arguments. So the executor asks the request
//! parser to defer it ([`crate::json`]: the member is defined as `null`, its text's span
//! noted here; the host tells where it ends, [`locate`]), then calls the global
//! [`FUNCTION_GLOBAL`] (taken and deleted at its top level like the guest's other
//! functions):
//!
//! - with no argument: the host's plan for that exact text, as the object the executor
//!   made of it on an earlier call of the same artifact; `null` when a definition was
//!   deferred but no plan is at hand (or what the host kept does not read back as an
//!   object); `undefined` when nothing was deferred;
//! - with `true`, after `null` (or after a plan the executor cannot use): the definition
//!   parsed now, as it would have been in place (the executor puts it there; a syntax error
//!   throws as the parser's would);
//! - with an object, after `null` (or after a plan the executor cannot use): the plan the
//!   executor made of this definition, for the host to keep (`kiln_code_cache.store_function`). Refused once any community code has
//!   been evaluated in the call: a plan is only ever what the executor derived from the text.
//!
//! The host keys a plan by the SHA-256 of the artifact and the text, so a plan is only ever
//! handed to the build that made it, for the very text it was made from. A plan is kept as
//! QuickJS's own serialization of the executor's plan object (`JS_WriteObject`, shared
//! records kept shared; only data: strings, numbers, booleans, null, undefined, plain
//! objects). It is read back with `JS_ReadObject` without bytecode, on bytes this guest
//! wrote, held only in the host's memory: the objects come back with `Object.prototype`
//! (QuickJS's reader makes plain objects) and their own members defined, never assigned.

use javy::quickjs::qjs;
use std::cell::Cell;
use std::ffi::{c_int, CStr};

/// The global the guest installs the function under, for the executor to take.
pub const FUNCTION_GLOBAL: &CStr = c"__kiln_function";

/// What `lookup_function` answers (besides a miss): a plan; no cache to keep one in.
const FOUND: i32 = 3;
const NO_CACHE: i32 = 4;

#[link(wasm_import_module = "kiln_code_cache")]
extern "C" {
    /// Looks up the plan kept for `len` bytes of function-definition text at `text`; on
    /// [`FOUND`] writes its length at `found_len` (copied with `fetch`).
    #[link_name = "lookup_function"]
    fn lookup_function(text: *const u8, len: usize, found_len: *mut u32) -> i32;
    /// Copies what the last lookup found (exactly `len` bytes) to `buf`; 0 on success.
    #[link_name = "fetch"]
    fn fetch(buf: *mut u8, len: usize) -> i32;
    /// The length of the one JSON value at the start of the `len` bytes at `rest`, or 0.
    #[link_name = "locate_function"]
    fn locate_function(rest: *const u8, len: usize) -> u32;
    /// Keeps `plan_len` bytes at `plan` as the plan of the definition text at `text`.
    #[link_name = "store_function"]
    fn store_function(text: *const u8, len: usize, plan: *const u8, plan_len: usize) -> i32;
}

/// Where the call stands with its deferred definition.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing deferred.
    None,
    /// The definition's span in the request, not yet looked up.
    Deferred(usize, usize),
    /// Looked up: the span (the definition can still be read from it), and whether a plan
    /// offered now would be kept (a miss with a cache, nothing kept yet).
    Asked(usize, usize, bool),
}

thread_local! {
    static STATE: Cell<State> = const { Cell::new(State::None) };
    /// Whether community code has been evaluated in this call (no plan is kept after).
    static CODE_RAN: Cell<bool> = const { Cell::new(false) };
}

/// Whether the host has a cache to keep plans in (without one, deferring the definition
/// would only cost: it is read all the same).
pub fn cache_present() -> bool {
    let mut len = 0u32;
    // SAFETY: an empty text; the host answers from its own state.
    unsafe { lookup_function(std::ptr::null(), 0, &mut len) != NO_CACHE }
}

/// Forgets any deferral (at the start and the end of every call).
pub fn reset() {
    STATE.with(|state| state.set(State::None));
    CODE_RAN.with(|ran| ran.set(false));
}

/// Where the definition at the start of `rest` (the request from the object the parser is
/// about to defer on) ends, as the host reads it (natively: the parser need not find it), or
/// `None` when there is no JSON value there (the parser then defers nothing). On valid JSON
/// text the end of the value that starts there is that of any reader.
pub fn locate(rest: &[u8]) -> Option<usize> {
    // SAFETY: `rest` is readable for its length.
    let len = unsafe { locate_function(rest.as_ptr(), rest.len()) } as usize;
    (len > 0 && len <= rest.len()).then_some(len)
}

/// The request parser deferred the definition at `start..end` of the request.
pub fn deferred(start: usize, end: usize) {
    STATE.with(|state| state.set(State::Deferred(start, end)));
}

/// Community code is about to be evaluated: from now on no plan is stored.
pub fn community_code_runs() {
    CODE_RAN.with(|ran| ran.set(true));
}

/// The function: `()` → the plan found, `null` (none at hand) or `undefined` (nothing
/// deferred); `(true)` → the definition parsed; `(plan)` → undefined, the plan kept when it
/// may be.
pub unsafe extern "C" fn function(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    let Some(request) = crate::json::request_text() else {
        return qjs::JS_UNDEFINED;
    };
    let state = STATE.with(Cell::get);
    let argument = crate::argument(argc, argv, 0);
    if qjs::JS_IsObject(argument) {
        if let State::Asked(start, end, true) = state {
            STATE.with(|s| s.set(State::Asked(start, end, false)));
            if !CODE_RAN.with(Cell::get) {
                store(ctx, &request[start..end], argument);
            }
        }
        return qjs::JS_UNDEFINED;
    }
    if qjs::JS_IsBool(argument) {
        return match state {
            State::Asked(start, end, _) => crate::json::parse_part(ctx, &request[start..end]),
            _ => qjs::JS_UNDEFINED,
        };
    }
    let State::Deferred(start, end) = state else {
        return qjs::JS_UNDEFINED;
    };
    let keep = match found(&request[start..end]) {
        Lookup::Found(plan) => {
            let read = read(ctx, &plan);
            // (The definition stays readable, and a new plan may be kept, for a plan the
            // executor cannot use.)
            STATE.with(|s| s.set(State::Asked(start, end, true)));
            if qjs::JS_IsObject(read) {
                return read;
            }
            // Cannot happen with bytes this guest wrote: read the definition instead (and keep
            // the plan made of it in place of this one).
            if qjs::JS_IsException(read) {
                crate::discard_exception(ctx);
            } else {
                qjs::JS_FreeValue(ctx, read);
            }
            true
        }
        Lookup::Missed => true,
        Lookup::NoCache => false,
    };
    STATE.with(|s| s.set(State::Asked(start, end, keep)));
    qjs::JS_NULL
}

enum Lookup {
    Found(Vec<u8>),
    Missed,
    NoCache,
}

/// The plan the host keeps for `text`, if any.
unsafe fn found(text: &[u8]) -> Lookup {
    let mut len = 0u32;
    match lookup_function(text.as_ptr(), text.len(), &mut len) {
        FOUND => {}
        NO_CACHE => return Lookup::NoCache,
        _ => return Lookup::Missed,
    }
    let mut plan = vec![0u8; len as usize];
    if fetch(plan.as_mut_ptr(), plan.len()) != 0 {
        return Lookup::Missed;
    }
    Lookup::Found(plan)
}

/// The plan object serialized in `bytes` (or an exception).
unsafe fn read(ctx: *mut qjs::JSContext, bytes: &[u8]) -> qjs::JSValue {
    qjs::JS_ReadObject(
        ctx,
        bytes.as_ptr(),
        bytes.len() as _,
        qjs::JS_READ_OBJ_REFERENCE as c_int,
    )
}

/// Hands the plan (the executor's object) to the host to keep for `text`. A plan that is not
/// plain data fails to serialize and is not kept.
unsafe fn store(ctx: *mut qjs::JSContext, text: &[u8], plan: qjs::JSValue) {
    let mut size = 0;
    let bytes = qjs::JS_WriteObject(ctx, &mut size, plan, qjs::JS_WRITE_OBJ_REFERENCE as c_int);
    if bytes.is_null() {
        crate::discard_exception(ctx);
        return;
    }
    let serialized = std::slice::from_raw_parts_mut(bytes, size as usize);
    crate::code::skip_checksum(serialized);
    store_function(
        text.as_ptr(),
        text.len(),
        serialized.as_ptr(),
        serialized.len(),
    );
    qjs::js_free(ctx, bytes.cast());
}
