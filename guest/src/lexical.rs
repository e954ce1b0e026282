//! The executor's three string chores, natively: whether a string is a ZID (what
//! `/^Z[1-9][0-9]*$/.exec(text) !== null` answers, without building a match array), a
//! string's JSON literal (what well-formed `JSON.stringify(text)` answers), and the order a
//! call's argument keys bind in (what the executor's `sortArgumentKeys` answers).
//!
//! The executor asks whether a string is a ZID for almost every value it decodes, plans or
//! writes; through its RegExp that is about 9 k fuel a question, most of it making the match
//! array nobody reads. It quotes every string it writes into an answer; QuickJS's
//! `JSON.stringify` takes about 120 fuel a character for that, this about one to five.
//! It orders every call's argument keys; in JavaScript that is a few thousand fuel a key
//! (each step of the loop and each digit read is a function call), natively a few hundred.
//! Installed as the globals [`IS_ZID_GLOBAL`], [`QUOTE_GLOBAL`] and [`ARGUMENT_KEYS_GLOBAL`]
//! before the executor's top level, which takes and deletes them (community code never sees
//! them). The executor keeps its JavaScript where these are absent (Node tests), and the
//! `lexical` trials check that both answer alike.

use crate::scan;
use javy::quickjs::qjs;
use std::cmp::Ordering;
use std::ffi::{c_char, c_int, CStr};

/// The global the guest installs the check under, for the executor to take.
pub const IS_ZID_GLOBAL: &CStr = c"__kiln_is_zid";

/// The global the guest installs the quoting function under, for the executor to take.
pub const QUOTE_GLOBAL: &CStr = c"__kiln_json_quote";

/// The global the guest installs the argument-key order under, for the executor to take.
pub const ARGUMENT_KEYS_GLOBAL: &CStr = c"__kiln_argument_keys";

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
pub(crate) fn zid(text: &[u8]) -> bool {
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

/// `(object, call) → array | undefined`: the own string keys of `object` in the order
/// arguments bind (by the number after the key's last `K`, keys without one last, equal
/// numbers by the keys' UTF-16 order), without `Z1K1` and `Z7K1` when `call` is `true` (the
/// members of a Z7 that are not its arguments). `undefined` for a value that is not an
/// object, and when a key is not ASCII (the executor orders those itself: the order of
/// UTF-16 code units is not the order of UTF-8 bytes).
pub unsafe extern "C" fn argument_keys(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    let object = crate::argument(argc, argv, 0);
    if !qjs::JS_IsObject(object) {
        return qjs::JS_UNDEFINED;
    }
    let call = qjs::JS_IsBool(crate::argument(argc, argv, 1))
        && qjs::JS_ToBool(ctx, crate::argument(argc, argv, 1)) == 1;
    let ordered = crate::with_own_keys(ctx, object, |entries| {
        match ordered_keys(ctx, entries, call) {
            Ok(Some(keys)) => {
                let values: Vec<qjs::JSValue> = keys
                    .iter()
                    .map(|key| qjs::JS_AtomToString(ctx, key.atom))
                    .collect();
                if values.iter().any(|value| qjs::JS_IsException(*value)) {
                    for value in values {
                        qjs::JS_FreeValue(ctx, value);
                    }
                    qjs::JS_EXCEPTION
                } else {
                    // Takes the values; an array made whole, never assigned to (no setter runs).
                    qjs::JS_NewArrayFrom(ctx, values.len() as c_int, values.as_ptr())
                }
            }
            Ok(None) => qjs::JS_UNDEFINED,
            Err(()) => qjs::JS_EXCEPTION,
        }
    });
    ordered.unwrap_or(qjs::JS_EXCEPTION)
}

/// A key with its binding number (-1: none).
struct Key {
    atom: qjs::JSAtom,
    number: i64,
    text: Vec<u8>,
}

/// The keys of `entries` in binding order (`None` when one is not ASCII).
unsafe fn ordered_keys(
    ctx: *mut qjs::JSContext,
    entries: &[qjs::JSPropertyEnum],
    call: bool,
) -> Result<Option<Vec<Key>>, ()> {
    let mut keys = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut len = 0;
        let text = qjs::JS_AtomToCStringLen(ctx, &mut len, entry.atom);
        if text.is_null() {
            return Err(());
        }
        let bytes = std::slice::from_raw_parts(text.cast::<u8>(), len as usize).to_vec();
        qjs::JS_FreeCString(ctx, text);
        if !bytes.is_ascii() {
            return Ok(None);
        }
        if call && (bytes == b"Z1K1" || bytes == b"Z7K1") {
            continue;
        }
        keys.push(Key {
            atom: entry.atom,
            number: binding_number(&bytes),
            text: bytes,
        });
    }
    keys.sort_unstable_by(binding_order);
    Ok(Some(keys))
}

/// The number after the last `K` of a key: 1 to 15 decimal digits (leading zeros allowed),
/// else -1 (what the executor's `keyIndex` answers).
fn binding_number(key: &[u8]) -> i64 {
    let Some(k) = key.iter().rposition(|&b| b == b'K') else {
        return -1;
    };
    let digits = &key[k + 1..];
    if digits.is_empty() || digits.len() > 15 || !digits.iter().all(u8::is_ascii_digit) {
        return -1;
    }
    digits.iter().fold(0, |n, &d| n * 10 + i64::from(d - b'0'))
}

/// Numbered keys first, by number; then by text (for ASCII, bytes order as UTF-16 does).
fn binding_order(a: &Key, b: &Key) -> Ordering {
    match (a.number < 0, b.number < 0) {
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
        _ => a.number.cmp(&b.number).then_with(|| a.text.cmp(&b.text)),
    }
}
