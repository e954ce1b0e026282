//! Community code evaluation through the host's compiled-code cache.
//!
//! The executor evaluates every code string (an implementation or a type converter, wrapped
//! as `0,function(){<code>\nreturn <name>;\n}`) with one function, installed here as the
//! global [`EVAL_GLOBAL`] before the executor's top level runs; the executor captures it and
//! deletes the global (community code never sees it). The function is a plain QuickJS C
//! function named `eval`, so stack traces read as they do for the `eval` built-in, and it
//! does exactly what that built-in does with a string, an *indirect* eval (global scope,
//! file name `<input>`, line 1), unless the host has the text's bytecode:
//!
//! 1. it asks the host (`kiln_code_cache.lookup`) for the text;
//! 2. on a hit it reads the bytecode the host hands over (`kiln_code_cache.fetch`) and
//!    evaluates it (`JS_ReadObject` + `JS_EvalFunction`: what eval does after parsing);
//! 3. for a text known not to compile it throws the SyntaxError that parsing would throw;
//! 4. otherwise (a miss, no cache, or unreadable bytecode) it parses and evaluates the text.
//!
//! The host only ever hands over bytecode that kiln itself wrote with [`compile`], in a
//! separate instance of the same artifact (the `kiln_compile_code` export): QuickJS's
//! bytecode reader trusts its input, so bytecode never comes from a request.
//!
//! `compile` parses with the eval built-in's own eval type (`JS_EVAL_TYPE_INDIRECT`), so the
//! bytecode is the function eval would have run (the same scoping of top-level declarations,
//! the same positions and source text for `Function.prototype.toString`). QuickJS's public
//! `JS_Eval` accepts that type, documented as internal, only with assertions compiled out,
//! which is why the guest builds QuickJS with NDEBUG (its release builds do the same).

use javy::quickjs::qjs;
use std::ffi::{c_int, CStr, CString};

/// The global the guest installs the evaluation function under, for the executor to take.
pub const EVAL_GLOBAL: &CStr = c"__kiln_eval";

/// The file name QuickJS's eval built-in gives evaluated code.
const EVAL_FILE_NAME: &CStr = c"<input>";

/// What `lookup` answers.
const MISS: i32 = 0;
const BYTECODE: i32 = 1;
const SYNTAX_ERROR: i32 = 2;

/// What `kiln_compile_code` writes first on stdout: bytecode follows, or a SyntaxError's
/// message.
pub const COMPILED: u8 = b'B';
pub const DOES_NOT_COMPILE: u8 = b'E';

#[link(wasm_import_module = "kiln_code_cache")]
extern "C" {
    /// Looks `len` bytes of code text at `text` up; writes the length of what was found at
    /// `found_len` and answers [`MISS`], [`BYTECODE`] or [`SYNTAX_ERROR`].
    #[link_name = "lookup"]
    fn cache_lookup(text: *const u8, len: usize, found_len: *mut u32) -> i32;
    /// Copies what the last lookup found (exactly `len` bytes) to `buf`; 0 on success.
    #[link_name = "fetch"]
    fn cache_fetch(buf: *mut u8, len: usize) -> i32;
}

/// The evaluation function: `(text) → the completion value of evaluating text`.
pub unsafe extern "C" fn evaluate(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    // From here on the call runs community code: no function plan is stored after it.
    crate::function::community_code_runs();
    let argument = crate::argument(argc, argv, 0);
    if !qjs::JS_IsString(argument) {
        return qjs::JS_ThrowTypeError(ctx, c"code to evaluate must be a string".as_ptr());
    }
    let mut len = 0;
    // NUL-terminated, as JS_Eval requires.
    let text = qjs::JS_ToCStringLen2(ctx, &mut len, argument, false);
    if text.is_null() {
        return qjs::JS_EXCEPTION;
    }
    let result = match cached(text.cast(), len as usize) {
        Cached::Bytecode(bytes) => {
            let function = qjs::JS_ReadObject(
                ctx,
                bytes.as_ptr(),
                bytes.len() as _,
                qjs::JS_READ_OBJ_BYTECODE as c_int,
            );
            if qjs::JS_IsException(function) {
                // Cannot happen with bytecode this guest wrote; parse instead.
                qjs::JS_FreeValue(ctx, qjs::JS_GetException(ctx));
                eval_text(ctx, text, len as usize)
            } else {
                qjs::JS_EvalFunction(ctx, function)
            }
        }
        Cached::SyntaxError(message) => {
            qjs::JS_ThrowSyntaxError(ctx, c"%s".as_ptr(), message.as_ptr())
        }
        Cached::Miss => eval_text(ctx, text, len as usize),
    };
    qjs::JS_FreeCString(ctx, text);
    result
}

/// What the host has for a text.
enum Cached {
    Miss,
    Bytecode(Vec<u8>),
    SyntaxError(CString),
}

unsafe fn cached(text: *const u8, len: usize) -> Cached {
    let mut found = 0u32;
    let status = cache_lookup(text, len, &mut found);
    if status == MISS {
        return Cached::Miss;
    }
    let mut bytes = vec![0u8; found as usize];
    if cache_fetch(bytes.as_mut_ptr(), bytes.len()) != 0 {
        return Cached::Miss;
    }
    match status {
        BYTECODE => Cached::Bytecode(bytes),
        SYNTAX_ERROR => CString::new(bytes).map_or(Cached::Miss, Cached::SyntaxError),
        _ => Cached::Miss,
    }
}

/// What the eval built-in does with a string: an indirect eval.
unsafe fn eval_text(ctx: *mut qjs::JSContext, text: *const i8, len: usize) -> qjs::JSValue {
    qjs::JS_Eval(
        ctx,
        text,
        len as _,
        EVAL_FILE_NAME.as_ptr(),
        qjs::JS_EVAL_TYPE_INDIRECT as c_int,
    )
}

/// Compiles code text as the evaluation function would parse it. `Ok` is the bytecode;
/// `Err(Some(message))` a SyntaxError's message (what a cached lookup throws again);
/// `Err(None)` any other failure (out of memory, a stack overflow in the parser): not cached.
///
/// # Safety
/// `ctx` must be a live context.
pub unsafe fn compile(ctx: *mut qjs::JSContext, text: &str) -> Result<Vec<u8>, Option<String>> {
    let Ok(source) = CString::new(text) else {
        // A NUL inside the text: eval would see all of it, a C string would not.
        return Err(None);
    };
    let function = qjs::JS_Eval(
        ctx,
        source.as_ptr(),
        text.len() as _,
        EVAL_FILE_NAME.as_ptr(),
        (qjs::JS_EVAL_TYPE_INDIRECT | qjs::JS_EVAL_FLAG_COMPILE_ONLY) as c_int,
    );
    if qjs::JS_IsException(function) {
        return Err(syntax_error_message(ctx));
    }
    let mut size = 0;
    // Source text and debug information kept: `toString` and stack positions as eval's.
    let bytes = qjs::JS_WriteObject(
        ctx,
        &mut size,
        function,
        qjs::JS_WRITE_OBJ_BYTECODE as c_int,
    );
    qjs::JS_FreeValue(ctx, function);
    if bytes.is_null() {
        qjs::JS_FreeValue(ctx, qjs::JS_GetException(ctx));
        return Err(None);
    }
    let mut out = std::slice::from_raw_parts(bytes, size as usize).to_vec();
    qjs::js_free(ctx, bytes.cast());
    skip_checksum(&mut out);
    Ok(out)
}

/// QuickJS writes a checksum of what it serializes (bytecode here, a function plan in
/// [`crate::function`]) after its version byte and checks it on every read, about 2.6 fuel
/// per byte (85 k for code-10k's 32 KB); a checksum of all ones is its documented escape
/// hatch that skips the check. Kiln's serializations are written by this guest and kept only
/// in the host's memory, under the SHA-256 of their text and artifact, so they are not
/// checked again on every call. (A reader that refused one would make the call parse the
/// text instead.)
pub(crate) fn skip_checksum(serialized: &mut [u8]) {
    if let Some(checksum) = serialized.get_mut(1..5) {
        checksum.fill(0xff);
    }
}

/// The message of the pending exception when it is a SyntaxError whose message can be thrown
/// again unchanged (QuickJS formats error messages into 256 bytes; a shorter one without NUL
/// round-trips), else `None`. Clears the exception.
unsafe fn syntax_error_message(ctx: *mut qjs::JSContext) -> Option<String> {
    let exception = qjs::JS_GetException(ctx);
    // (A compile instance runs no community code: the error's prototype is intact.)
    let message = if qjs::JS_IsError(exception)
        && property_string(ctx, exception, c"name").as_deref() == Some("SyntaxError")
    {
        property_string(ctx, exception, c"message").filter(|m| m.len() < 255 && !m.contains('\0'))
    } else {
        None
    };
    qjs::JS_FreeValue(ctx, exception);
    message
}

unsafe fn property_string(
    ctx: *mut qjs::JSContext,
    object: qjs::JSValue,
    name: &CStr,
) -> Option<String> {
    let value = qjs::JS_GetPropertyStr(ctx, object, name.as_ptr());
    let text = string_of(ctx, value);
    qjs::JS_FreeValue(ctx, value);
    text
}

unsafe fn string_of(ctx: *mut qjs::JSContext, value: qjs::JSValue) -> Option<String> {
    if !qjs::JS_IsString(value) {
        return None;
    }
    let text = crate::with_utf8(ctx, value, |text| {
        std::str::from_utf8(text).ok().map(str::to_string)
    });
    text.unwrap_or_else(|| {
        crate::discard_exception(ctx);
        None
    })
}
