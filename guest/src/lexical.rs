//! The executor's check for ZIDs, natively: what `/^Z[1-9][0-9]*$/.exec(text) !== null`
//! answers for a string, without building a match array.
//!
//! The executor asks whether a string is a ZID for almost every value it decodes, plans or
//! writes; through its RegExp that is about 9 k fuel a question, most of it making the match
//! array nobody reads. Installed as the global [`IS_ZID_GLOBAL`] before the executor's top
//! level, which takes and deletes it (community code never sees it). The executor keeps the
//! RegExp where this function is absent (Node tests), and the `lexical` trials check that both
//! answer alike.

use javy::quickjs::qjs;
use std::ffi::{c_int, CStr};

/// The global the guest installs the check under, for the executor to take.
pub const IS_ZID_GLOBAL: &CStr = c"__kiln_is_zid";

/// `(value) → boolean`: whether `value` is a string of the form `Z<n>`, `n` a decimal number
/// without leading zeros (false for anything that is not a string).
pub unsafe extern "C" fn is_zid(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    let argument = if argc >= 1 { *argv } else { qjs::JS_UNDEFINED };
    if !qjs::JS_IsString(argument) {
        return qjs::JS_FALSE;
    }
    let mut len = 0;
    // An ASCII string's own bytes (no copy); other strings are converted, and cannot match.
    let text = qjs::JS_ToCStringLen2(ctx, &mut len, argument, false);
    if text.is_null() {
        return qjs::JS_EXCEPTION;
    }
    let matched = zid(std::slice::from_raw_parts(text.cast::<u8>(), len as usize));
    qjs::JS_FreeCString(ctx, text);
    if matched {
        qjs::JS_TRUE
    } else {
        qjs::JS_FALSE
    }
}

/// `Z`, a digit 1–9, then digits only.
fn zid(text: &[u8]) -> bool {
    match text {
        [b'Z', b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}
