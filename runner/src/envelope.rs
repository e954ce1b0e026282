//! The answer envelope (a Z22, whose failures carry a Z5) in normal form: the error types,
//! building error answers on the host side, adding metadata to an answer as text, and reading
//! an answer's value, metadata or error back.
//!
//! Shapes follow the Wikifunctions evaluator: Z22K1 holds the value (void Z24 on failure) and
//! Z22K2 is a typed map (Z883, string → Z1) of metadata whose "errors" key holds a Z5.

use serde_json::{json, Map, Value};
use std::fmt;
use std::fmt::Write as _;
use std::sync::LazyLock;

/// The Z5 error types kiln reports (Z5K1). The table is part of `wit/executor.wit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// Z500: unspecified.
    Unspecified,
    /// Z507: error in evaluation (the community code threw, did not parse, or returned
    /// something that cannot be serialised).
    Evaluation,
    /// Z561: the request is malformed (not JSON, not an object, missing keys, too large).
    InvalidRequest,
    /// Z565: no usable implementation (no JavaScript implementation in a Z7).
    NoImplementation,
    /// Z570: the call ran out of wall-clock time.
    Timeout,
    /// Z571: the call hit the linear-memory cap.
    Memory,
    /// Z572: the call overflowed the stack.
    Stack,
    /// Z573: the answer is larger than allowed.
    OutputTooLarge,
    /// Z574: the call used up its fuel (instruction budget).
    Fuel,
}

impl ErrorType {
    /// Every error type, in ZID order.
    pub const ALL: [ErrorType; 9] = [
        ErrorType::Unspecified,
        ErrorType::Evaluation,
        ErrorType::InvalidRequest,
        ErrorType::NoImplementation,
        ErrorType::Timeout,
        ErrorType::Memory,
        ErrorType::Stack,
        ErrorType::OutputTooLarge,
        ErrorType::Fuel,
    ];

    /// The ZID of this error type.
    pub fn zid(self) -> &'static str {
        match self {
            ErrorType::Unspecified => "Z500",
            ErrorType::Evaluation => "Z507",
            ErrorType::InvalidRequest => "Z561",
            ErrorType::NoImplementation => "Z565",
            ErrorType::Timeout => "Z570",
            ErrorType::Memory => "Z571",
            ErrorType::Stack => "Z572",
            ErrorType::OutputTooLarge => "Z573",
            ErrorType::Fuel => "Z574",
        }
    }

    /// The error type of a ZID, if kiln knows it.
    pub fn from_zid(zid: &str) -> Option<ErrorType> {
        Self::ALL.into_iter().find(|t| t.zid() == zid)
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zid())
    }
}

/// A Z9 reference in normal form.
pub fn reference(zid: &str) -> Value {
    json!({"Z1K1": "Z9", "Z9K1": zid})
}

/// A Z6 string in normal form.
pub fn string(text: &str) -> Value {
    json!({"Z1K1": "Z6", "Z6K1": text})
}

fn generic(constructor: &str, args: &[(&str, Value)]) -> Value {
    let mut object = Map::new();
    object.insert("Z1K1".into(), reference("Z7"));
    object.insert("Z7K1".into(), reference(constructor));
    for (key, value) in args {
        object.insert((*key).into(), value.clone());
    }
    Value::Object(object)
}

fn pair_type() -> Value {
    generic(
        "Z882",
        &[("Z882K1", reference("Z6")), ("Z882K2", reference("Z1"))],
    )
}

fn list_type() -> Value {
    generic("Z881", &[("Z881K1", pair_type())])
}

fn map_type() -> Value {
    generic(
        "Z883",
        &[("Z883K1", reference("Z6")), ("Z883K2", reference("Z1"))],
    )
}

/// A Z883 map (string → Z1) in normal form with the given entries, in order.
pub fn metadata_map(entries: Vec<(String, Value)>) -> Value {
    let mut list = json!({"Z1K1": list_type()});
    for (key, value) in entries.into_iter().rev() {
        list = json!({
            "Z1K1": list_type(),
            "K1": {"Z1K1": pair_type(), "K1": string(&key), "K2": value},
            "K2": list,
        });
    }
    json!({"Z1K1": map_type(), "K1": list})
}

/// A Z5 of `error_type` carrying `message`.
pub fn z5(error_type: ErrorType, message: &str) -> Value {
    json!({"Z1K1": reference("Z5"), "Z5K1": reference(error_type.zid()), "Z5K2": string(message)})
}

/// The failure envelope: void value, "errors" → Z5.
pub fn error_envelope(error_type: ErrorType, message: &str) -> Value {
    json!({
        "Z1K1": reference("Z22"),
        "Z22K1": reference("Z24"),
        "Z22K2": metadata_map(vec![("errors".into(), z5(error_type, message))]),
    })
}

/// The entries of a Z883 map in normal form (canonical arrays are read too).
pub fn map_entries(map: &Value) -> Vec<(String, Value)> {
    let mut entries = Vec::new();
    let mut node = map.get("K1");
    while let Some(list) = node {
        if let Some(items) = list.as_array() {
            // Canonical form: [type, pair, pair, …].
            for pair in items.iter().skip(1) {
                push_pair(&mut entries, pair);
            }
            break;
        }
        match list.get("K1") {
            Some(pair) => push_pair(&mut entries, pair),
            None => break,
        }
        node = list.get("K2");
    }
    entries
}

fn push_pair(entries: &mut Vec<(String, Value)>, pair: &Value) {
    let key = match pair.get("K1") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => match other.get("Z6K1").and_then(Value::as_str) {
            Some(s) => s.to_string(),
            None => return,
        },
        None => return,
    };
    entries.push((key, pair.get("K2").cloned().unwrap_or(Value::Null)));
}

/// The metadata entry `key` of an answer, if any.
pub fn metadata(envelope: &Value, key: &str) -> Option<Value> {
    let map = envelope.get("Z22K2")?;
    map_entries(map)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The error of a failed answer: its Z5K1 type and Z5K2 message.
pub fn error(envelope: &Value) -> Option<(String, String)> {
    map_error(envelope.get("Z22K2")?)
}

/// The error a Z22K2 metadata map carries under "errors".
pub fn map_error(metadata: &Value) -> Option<(String, String)> {
    let z5 = map_entries(metadata)
        .into_iter()
        .find(|(k, _)| k == "errors")
        .map(|(_, v)| v)?;
    let zid = match z5.get("Z5K1")? {
        Value::String(s) => s.clone(),
        other => other.get("Z9K1")?.as_str()?.to_string(),
    };
    let message = match z5.get("Z5K2") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other
            .get("Z6K1")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| other.to_string()),
        None => String::new(),
    };
    Some((zid, message))
}

/// The string value of a successful answer whose Z22K1 is a Z6.
pub fn string_value(envelope: &Value) -> Option<&str> {
    match envelope.get("Z22K1")? {
        Value::String(s) => Some(s),
        other => other.get("Z6K1")?.as_str(),
    }
}

/// The normal-form type objects of a metadata map, as JSON text, made once from the same
/// builders as [`metadata_map`] so the text and value forms cannot drift apart.
struct TypeTexts {
    map: String,
    list: String,
    pair: String,
}

static TYPE_TEXTS: LazyLock<TypeTexts> = LazyLock::new(|| TypeTexts {
    map: map_type().to_string(),
    list: list_type().to_string(),
    pair: pair_type().to_string(),
});

/// The text of void (Z24).
pub const VOID_TEXT: &str = r#"{"Z1K1":"Z9","Z9K1":"Z24"}"#;

/// A JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// Z22K2 as text: `entries` (string values, written as Z6) first, then the entries of
/// `existing`, the raw `K1` list of a map already in normal form. Void when both are empty.
/// Built as text, without a JSON tree: this runs on every call.
pub fn metadata_text(entries: &[(&str, String)], existing: Option<&str>) -> String {
    let types = &*TYPE_TEXTS;
    if entries.is_empty() {
        return match existing {
            Some(list) => format!(r#"{{"Z1K1":{},"K1":{list}}}"#, types.map),
            None => VOID_TEXT.to_string(),
        };
    }
    let mut text = String::with_capacity(256 * (entries.len() + 1));
    let _ = write!(text, r#"{{"Z1K1":{},"K1":"#, types.map);
    for (key, value) in entries {
        let _ = write!(
            text,
            r#"{{"Z1K1":{},"K1":{{"Z1K1":{},"K1":{{"Z1K1":"Z6","Z6K1":{}}},"K2":{{"Z1K1":"Z6","Z6K1":{}}}}},"K2":"#,
            types.list,
            types.pair,
            quoted(key),
            quoted(value)
        );
    }
    match existing {
        Some(list) => text.push_str(list),
        None => {
            let _ = write!(text, r#"{{"Z1K1":{}}}"#, types.list);
        }
    }
    for _ in 0..entries.len() {
        text.push('}');
    }
    text.push('}');
    text
}

/// JSON text with every `\\u` escape of a lone surrogate (valid JSON, but no Rust string
/// can hold it) replaced by `\\ufffd`; escaped pairs and everything else stay as they are.
pub fn replace_lone_surrogates(json: &str) -> std::borrow::Cow<'_, str> {
    fn escape_at(bytes: &[u8], at: usize) -> Option<u16> {
        let digits = bytes.get(at + 2..at + 6)?;
        if bytes.get(at..at + 2)? != b"\\u" {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    }
    let bytes = json.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            at += 1;
            continue;
        }
        let Some(unit) = escape_at(bytes, at) else {
            // Any other escape: skip it whole, so `\\\\u…` is not read as `\\u…`.
            at += 2;
            continue;
        };
        let lone = match unit {
            0xd800..=0xdbff => match escape_at(bytes, at + 6) {
                Some(0xdc00..=0xdfff) => {
                    at += 12;
                    continue;
                }
                _ => true,
            },
            0xdc00..=0xdfff => true,
            _ => false,
        };
        if lone {
            let text = out.get_or_insert_with(|| String::with_capacity(json.len()));
            text.push_str(&json[copied..at]);
            text.push_str("\\ufffd");
            copied = at + 6;
        }
        at += 6;
    }
    match out {
        None => std::borrow::Cow::Borrowed(json),
        Some(mut text) => {
            text.push_str(&json[copied..]);
            std::borrow::Cow::Owned(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_lone_surrogates;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let cases = [
            (r#""a\ud800b""#, r#""a\ufffdb""#),
            (r#""\udfff""#, r#""\ufffd""#),
            (r#""\ud83d\ude00""#, r#""\ud83d\ude00""#),
            (r#""\ud83d\u0041""#, r#""\ufffd\u0041""#),
            (r#""\\ud800""#, r#""\\ud800""#),
            (r#""\\\ud800""#, r#""\\\ufffd""#),
            (r#""plain \n text""#, r#""plain \n text""#),
            (r#""\ud800"#, r#""\ufffd"#),
        ];
        for (input, expected) in cases {
            assert_eq!(replace_lone_surrogates(input), expected, "{input}");
        }
        let fixed = replace_lone_surrogates(r#"{"k":"x\udc00y"}"#);
        let value: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(value["k"], "x\u{fffd}y");
    }
}
