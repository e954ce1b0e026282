//! The checks on one answer: the protocol's invariants (JSON, a Z22, a void value and a
//! known Z5 on failure; no Z500 or Z561 for a well-formed request), the generator's
//! expectation, and the differential comparison of the artifacts' answers.

use super::arguments::r;
use super::code::Expect;
use crate::common::{error_of, parse_lenient, string_value};
use kiln_runner::ErrorType;
use serde_json::{json, Value};

/// The type a value states in its Z1K1 (a ZID, or the function of a generic type).
fn type_id(value: &Value) -> Option<String> {
    let kind = value.get("Z1K1")?;
    match kind {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            if let Some(id) = o.get("Z9K1").and_then(Value::as_str) {
                return Some(id.to_string());
            }
            match o.get("Z7K1")? {
                Value::String(s) => Some(s.clone()),
                other => other.get("Z9K1")?.as_str().map(str::to_string),
            }
        }
        _ => None,
    }
}

/// The protocol's invariants on one answer, and the generator's expectation.
pub(super) fn check_answer(answer: &str, expect: &Expect) -> Result<(), String> {
    let value = parse_lenient(answer).map_err(|e| format!("the answer is not JSON ({e})"))?;
    let error = check_envelope(&value)?;
    check_expectation(&value, error.as_ref(), expect)
}

/// The protocol's invariants: a Z22 with both keys, and on failure a void value and a known
/// error type other than Z500 and Z561. Returns the error's type and message, if any.
fn check_envelope(value: &Value) -> Result<Option<(String, String)>, String> {
    for key in ["Z1K1", "Z22K1", "Z22K2"] {
        if value.get(key).is_none() {
            return Err(format!("the answer has no {key}"));
        }
    }
    if type_id(&json!({"Z1K1": value["Z1K1"].clone()})).as_deref() != Some("Z22") {
        return Err("the answer is not a Z22".into());
    }
    let error = error_of(value);
    if let Some((zid, message)) = &error {
        if value["Z22K1"] != r("Z24") {
            return Err("a failed answer's Z22K1 is not void".into());
        }
        if ErrorType::from_zid(zid).is_none() {
            return Err(format!("unknown error type {zid}"));
        }
        // These requests are well formed and small: an internal error or a refused request
        // is a bug.
        if zid == "Z500" || zid == "Z561" {
            return Err(format!("{zid} for a well-formed request: {message}"));
        }
    }
    Ok(error)
}

/// The generator's expectation against the answer `value` and its `error`.
fn check_expectation(
    value: &Value,
    error: Option<&(String, String)>,
    expect: &Expect,
) -> Result<(), String> {
    match (expect, error) {
        (Expect::Defined, _) => Ok(()),
        (Expect::Ok(types), None) => {
            let got = type_id(&value["Z22K1"]).unwrap_or_default();
            if types.is_empty() || types.contains(&got.as_str()) {
                Ok(())
            } else {
                Err(format!("expected a value of type {types:?}, got {got}"))
            }
        }
        (Expect::Text(text), None) => {
            if string_value(value).as_deref() == Some(text.as_str()) {
                Ok(())
            } else {
                Err(format!("expected the string {text:?}"))
            }
        }
        (Expect::Error(zid, phrase), Some((got, message))) => {
            if got == zid && message.contains(phrase.as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "expected a {zid} error containing {phrase:?}, got {got}: {message:?}"
                ))
            }
        }
        (Expect::Error(zid, _), None) => Err(format!("expected a {zid} error, got a value")),
        (_, Some((zid, message))) => Err(format!("expected success, got {zid}: {message:?}")),
    }
}

/// The differential: the snapshot's answer twice, and the baselines', byte for byte.
pub(super) fn compare_answers(
    snapshot: &str,
    again: &str,
    bytecode: &str,
    plain: &str,
) -> Result<(), String> {
    if again != snapshot {
        return Err(format!(
            "the snapshot artifact answered differently the second time\nfirst:  {snapshot}\nsecond: {again}"
        ));
    }
    for (name, other) in [("bytecode", bytecode), ("plain", plain)] {
        if other != snapshot {
            return Err(format!(
                "MISMATCH snapshot vs {name}\nsnapshot: {snapshot}\n{name}: {other}"
            ));
        }
    }
    Ok(())
}
