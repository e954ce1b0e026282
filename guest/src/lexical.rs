//! The executor's two string chores, natively: whether a string is a ZID (what
//! `/^Z[1-9][0-9]*$/.exec(text) !== null` answers, without building a match array), and a
//! string's JSON literal (what well-formed `JSON.stringify(text)` answers).
//!
//! The executor asks whether a string is a ZID for almost every value it decodes, plans or
//! writes; through its RegExp that is about 9 k fuel a question, most of it making the match
//! array nobody reads. It quotes every string it writes into an answer; QuickJS's
//! `JSON.stringify` takes about 120 fuel a character for that, this about one to five.
//! Installed as the globals [`IS_ZID_GLOBAL`] and [`QUOTE_GLOBAL`] before the executor's top
//! level, which takes and deletes them (community code never sees them). The executor keeps
//! the RegExp and `JSON.stringify` where these are absent (Node tests), and the `lexical`
//! trials check that both answer alike.

use crate::scan;
use javy::quickjs::qjs;
use std::ffi::{c_char, c_int, CStr};

/// The global the guest installs the check under, for the executor to take.
pub const IS_ZID_GLOBAL: &CStr = c"__kiln_is_zid";

/// The global the guest installs the quoting function under, for the executor to take.
pub const QUOTE_GLOBAL: &CStr = c"__kiln_json_quote";

/// `(value) → boolean`: whether `value` is a string of the form `Z<n>`, `n` a decimal number
/// without leading zeros (false for anything that is not a string).
pub unsafe extern "C" fn is_zid(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    let argument = crate::argument(argc, argv, 0);
    if !qjs::JS_IsString(argument) {
        return qjs::JS_FALSE;
    }
    // An ASCII string's own bytes (no copy); other strings are converted, and cannot match.
    match crate::with_utf8(ctx, argument, zid) {
        Some(true) => qjs::JS_TRUE,
        Some(false) => qjs::JS_FALSE,
        None => qjs::JS_EXCEPTION,
    }
}

/// `Z`, a digit 1–9, then digits only.
fn zid(text: &[u8]) -> bool {
    match text {
        [b'Z', b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// `(value) → string`: `JSON.stringify(value)`, natively for a string (lone surrogates as
/// `\udxxx` escapes, as well-formed `JSON.stringify` writes them); any other value goes to
/// QuickJS's own `JSON.stringify`.
pub unsafe extern "C" fn quote(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    let argument = crate::argument(argc, argv, 0);
    if !qjs::JS_IsString(argument) {
        return qjs::JS_JSONStringify(ctx, argument, qjs::JS_UNDEFINED, qjs::JS_UNDEFINED);
    }
    // UTF-8, with a lone surrogate kept as its three-byte (WTF-8) form.
    match crate::with_utf8(ctx, argument, json_literal) {
        Some(literal) => {
            qjs::JS_NewStringLen(ctx, literal.as_ptr().cast::<c_char>(), literal.len() as _)
        }
        None => qjs::JS_EXCEPTION,
    }
}

/// The JSON string literal of WTF-8 `text`: `"` and `\` escaped, control characters as
/// `\b \t \n \f \r` or `\u00xx`, surrogate code points as `\udxxx`, the rest as it is.
fn json_literal(text: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(b'"');
    let mut i = 0;
    while i < text.len() {
        let end = scan::plain_ascii_end(text, i);
        out.extend_from_slice(&text[i..end]);
        i = end;
        let Some(&byte) = text.get(i) else {
            break;
        };
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x00..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 15)]);
            }
            // A surrogate code point (ED A0..BF xx): only a lone one reaches here.
            0xed if matches!(text.get(i + 1), Some(0xa0..=0xbf)) && text.len() > i + 2 => {
                let unit =
                    0xd000 | (u32::from(text[i + 1] & 0x3f) << 6) | u32::from(text[i + 2] & 0x3f);
                out.extend_from_slice(b"\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((unit >> shift) & 15) as usize]);
                }
                i += 3;
                continue;
            }
            _ => out.push(byte),
        }
        i += 1;
    }
    out.push(b'"');
    out
}
