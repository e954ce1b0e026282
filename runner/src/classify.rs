//! How a call ended, named: the limit it hit (time, fuel, memory, stack, output size), the
//! failure the guest reported, or the fault it met (a trap, an exit, output that is not an
//! envelope), each as the Z5 the answer carries (built by [`crate::envelope`]).

use crate::call::Execution;
use crate::envelope::{self, ErrorType, Node};
use crate::runner::Limits;
use wasmtime::Trap;

/// Marks a failure the guest reports on stderr instead of writing an envelope itself: the
/// marker, a kind, a newline, then the message. The guest never formats a Z5; the host does.
pub(crate) const GUEST_FAILURE: &str = "kiln-guest-failure ";

/// What the classifier needs to know about the request: its quoted call and function name,
/// read only when an error needs them.
pub(crate) struct Request<'a>(pub(crate) &'a [u8]);

impl Request<'_> {
    fn call(&self) -> (Node, String) {
        envelope::quoted_call(self.0)
    }
}

/// A failure: its type and its Z5.
pub(crate) type Failure = (ErrorType, Node);

/// The error of a call that did not finish with an answer of acceptable size, if any.
/// Output over the limit wins over whatever trap followed it.
pub(crate) fn failure(
    execution: &Execution,
    limits: &Limits,
    request: &Request<'_>,
) -> Option<Failure> {
    let overflowed = execution.stdout.len() > limits.max_output_bytes;
    match &execution.result {
        _ if overflowed => Some((
            ErrorType::InvalidEvaluationResult,
            envelope::invalid_result(&output_message(limits)),
        )),
        Err(e) => {
            let stderr = std::str::from_utf8(&execution.stderr).unwrap_or("").trim();
            Some(trap(e, execution.memory_hit, limits, request, stderr))
        }
        Ok(()) if execution.stdout.is_empty() => std::str::from_utf8(&execution.stderr)
            .ok()
            .and_then(|said| guest_failure(said, execution.memory_hit, limits, request)),
        Ok(()) => None,
    }
}

/// The failure a guest reported on stderr (see [`GUEST_FAILURE`]), if it reported one.
fn guest_failure(
    said: &str,
    memory_hit: bool,
    limits: &Limits,
    request: &Request<'_>,
) -> Option<Failure> {
    let record = said.strip_prefix(GUEST_FAILURE)?;
    let (kind, message) = record.split_once('\n').unwrap_or((record, ""));
    let failure = match kind.trim() {
        _ if memory_hit || kind.trim() == "out-of-memory" => memory(limits, request, Some(message)),
        "request-too-deep" => (
            ErrorType::InvalidRequest,
            envelope::invalid_request(message),
        ),
        "never-settled" => (
            ErrorType::Evaluation,
            envelope::evaluation(request.call().0, message),
        ),
        "stack-overflow" => stack(request, "the QuickJS stack"),
        _ => (ErrorType::Unspecified, envelope::unspecified(message)),
    };
    Some(failure)
}

fn memory(limits: &Limits, request: &Request<'_>, reported: Option<&str>) -> Failure {
    let message = match reported.filter(|r| !r.is_empty()) {
        Some(reported) => format!(
            "{}; the executor reported: {reported}",
            memory_message(limits)
        ),
        None => memory_message(limits),
    };
    (
        ErrorType::Evaluation,
        envelope::evaluation(request.call().0, &message),
    )
}

fn stack(request: &Request<'_>, limit: &str) -> Failure {
    (
        ErrorType::RecursionLimit,
        envelope::recursion_limit(limit, &request.call().1),
    )
}

/// Names the limit or fault that ended a call with `error`; `stderr` is what the guest said.
pub(crate) fn trap(
    error: &wasmtime::Error,
    memory_hit: bool,
    limits: &Limits,
    request: &Request<'_>,
    stderr: &str,
) -> Failure {
    if let Some(trap) = error.downcast_ref::<Trap>() {
        return match trap {
            Trap::Interrupt => (
                ErrorType::TimeLimit,
                envelope::time_limit(&format!("{} ms", limits.timeout.as_millis())),
            ),
            Trap::OutOfFuel => (
                ErrorType::FuelLimit,
                envelope::fuel_limit(limits.fuel.unwrap_or(u64::MAX)),
            ),
            Trap::StackOverflow => stack(request, "the wasm stack"),
            _ if memory_hit => memory(limits, request, None),
            Trap::UnreachableCodeReached => stack(request, "wasm unreachable abort"),
            other => {
                let mut message = format!("the executor trapped: {other}");
                if !stderr.is_empty() {
                    message = format!("{message}; the guest reported: {stderr}");
                }
                (ErrorType::Unspecified, envelope::unspecified(&message))
            }
        };
    }
    if let Some(cancelled) = error.downcast_ref::<crate::cancel::Cancelled>() {
        return (
            ErrorType::Unspecified,
            envelope::unspecified(&cancelled.to_string()),
        );
    }
    if memory_hit {
        return memory(limits, request, None);
    }
    let message = match error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        Some(exit) => format!("the executor exited with status {}", exit.0),
        None => format!("the executor failed: {error:#}"),
    };
    let message = if stderr.is_empty() {
        message
    } else {
        format!("{message}; the guest reported: {stderr}")
    };
    (ErrorType::Unspecified, envelope::unspecified(&message))
}

/// The error of an answer the executor wrote after a memory growth was refused: whatever
/// QuickJS made of the allocation failure, the cause is the memory limit. `None` when no
/// growth was refused or the answer carries no error.
pub(crate) fn refused_growth(
    memory_hit: bool,
    answer_error: Option<&(String, String)>,
    limits: &Limits,
    request: &Request<'_>,
) -> Option<Failure> {
    let (_, message) = answer_error.filter(|_| memory_hit)?;
    Some(memory(limits, request, Some(message)))
}

/// The error of output that is not a Z22 envelope.
pub(crate) fn not_an_envelope(length: usize) -> Failure {
    let message = format!("the executor answered with {length} bytes that are not a Z22 envelope");
    (ErrorType::Unspecified, envelope::unspecified(&message))
}

/// The error of a request over the request limit.
pub(crate) fn oversized_request(length: usize, limits: &Limits) -> Failure {
    let message = format!(
        "the request is {length} bytes, over the limit of {} bytes",
        limits.max_request_bytes
    );
    (
        ErrorType::InvalidRequest,
        envelope::invalid_request(&message),
    )
}

fn output_message(limits: &Limits) -> String {
    format!(
        "the answer is larger than the limit of {} bytes",
        limits.max_output_bytes
    )
}

fn memory_message(limits: &Limits) -> String {
    format!(
        "the call reached the memory limit of {} MiB",
        limits.memory_bytes >> 20
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const REQUEST: &[u8] =
        br#"{"codeString":"function f(a) {}","functionName":"f","functionArguments":{"a":"x"}}"#;

    use crate::call::test_limits as limits;

    use crate::call::test_execution as execution;

    fn r(zid: &str) -> Value {
        json!({"Z1K1": "Z9", "Z9K1": zid})
    }

    fn s(text: &str) -> Value {
        json!({"Z1K1": "Z6", "Z6K1": text})
    }

    /// A Z5 in normal form: Z5K2 a Z885(zid) instance with `keys`.
    fn z5(zid: &str, keys: &[(&str, Value)]) -> Value {
        let mut instance = serde_json::Map::new();
        instance.insert(
            "Z1K1".into(),
            json!({"Z1K1": r("Z7"), "Z7K1": r("Z885"), "Z885K1": r(zid)}),
        );
        for (k, v) in keys {
            instance.insert((*k).into(), v.clone());
        }
        json!({"Z1K1": r("Z5"), "Z5K1": r(zid), "Z5K2": instance})
    }

    fn quoted_call() -> Value {
        json!({"Z1K1": r("Z99"), "Z99K1": {"Z1K1": r("Z7"), "Z7K1": s("f"), "a": "x"}})
    }

    fn z507(message: &str) -> Value {
        z5(
            "Z507",
            &[
                ("Z507K1", quoted_call()),
                ("Z507K2", z5("Z500", &[("Z500K1", s(message))])),
            ],
        )
    }

    fn named(error: wasmtime::Error, memory_hit: bool) -> (ErrorType, Value) {
        let (kind, node) = trap(&error, memory_hit, &limits(), &Request(REQUEST), "");
        (kind, node.value())
    }

    #[test]
    fn limits_are_named_with_their_keys() {
        assert_eq!(
            named(Trap::Interrupt.into(), false),
            (ErrorType::TimeLimit, z5("Z575", &[("Z575K1", s("250 ms"))]))
        );
        assert_eq!(
            named(Trap::OutOfFuel.into(), false),
            (ErrorType::FuelLimit, z5("Z582", &[("Z582K1", s("5000"))]))
        );
        assert_eq!(
            named(Trap::StackOverflow.into(), true),
            (
                ErrorType::RecursionLimit,
                z5(
                    "Z573",
                    &[("Z573K1", s("the wasm stack")), ("Z573K2", s("f"))]
                )
            )
        );
        let memory = (
            ErrorType::Evaluation,
            z507("the call reached the memory limit of 3 MiB"),
        );
        assert_eq!(named(Trap::UnreachableCodeReached.into(), true), memory);
        assert_eq!(named(wasmtime::format_err!("host fault"), true), memory);
        assert_eq!(
            named(Trap::UnreachableCodeReached.into(), false),
            (
                ErrorType::RecursionLimit,
                z5(
                    "Z573",
                    &[("Z573K1", s("wasm unreachable abort")), ("Z573K2", s("f"))]
                )
            )
        );
    }

    #[test]
    fn faults_are_unspecified() {
        let z500 = |m: &str| (ErrorType::Unspecified, z5("Z500", &[("Z500K1", s(m))]));
        assert_eq!(
            named(wasmtime_wasi::I32Exit(3).into(), false),
            z500("the executor exited with status 3")
        );
        assert_eq!(
            named(wasmtime::format_err!("inner").context("outer"), false),
            z500("the executor failed: outer: inner")
        );
        let (kind, node) = trap(
            &Trap::IntegerDivisionByZero.into(),
            false,
            &limits(),
            &Request(REQUEST),
            "panicked at x",
        );
        assert_eq!(kind, ErrorType::Unspecified);
        assert!(node
            .message()
            .ends_with("; the guest reported: panicked at x"));
    }

    #[test]
    fn oversized_output_wins_over_the_trap_that_followed() {
        let limits = limits();
        let request = Request(REQUEST);
        let too_large = z5(
            "Z560",
            &[(
                "Z560K1",
                json!({"Z1K1": r("Z99"), "Z99K1": s("the answer is larger than the limit of 10 bytes")}),
            )],
        );
        let trapped = execution(Err(Trap::Interrupt.into()), "01234567890", "");
        let (kind, node) = failure(&trapped, &limits, &request).unwrap();
        assert_eq!(
            (kind, node.value()),
            (ErrorType::InvalidEvaluationResult, too_large.clone())
        );
        let finished = execution(Ok(()), "01234567890", "");
        assert_eq!(
            failure(&finished, &limits, &request).unwrap().1.value(),
            too_large
        );
        let fits = execution(Ok(()), "0123456789", "");
        assert!(failure(&fits, &limits, &request).is_none());
    }

    #[test]
    fn guest_reports_become_z5s() {
        let limits = limits();
        let request = Request(REQUEST);
        let report = |kind: &str, message: &str| {
            let said = format!("{GUEST_FAILURE}{kind}\n{message}");
            let (t, node) = failure(&execution(Ok(()), "", &said), &limits, &request).unwrap();
            (t, node.value())
        };
        assert_eq!(
            report("never-settled", "never settled"),
            (ErrorType::Evaluation, z507("never settled"))
        );
        assert_eq!(
            report("out-of-memory", "out of memory"),
            (
                ErrorType::Evaluation,
                z507("the call reached the memory limit of 3 MiB; the executor reported: out of memory")
            )
        );
        assert_eq!(
            report("stack-overflow", "stack overflow"),
            (
                ErrorType::RecursionLimit,
                z5(
                    "Z573",
                    &[("Z573K1", s("the QuickJS stack")), ("Z573K2", s("f"))]
                )
            )
        );
        let deep = z5(
            "Z561",
            &[(
                "Z561K1",
                z5(
                    "Z502",
                    &[
                        ("Z502K1", r("Z500")),
                        ("Z502K2", z5("Z500", &[("Z500K1", s("too deep"))])),
                    ],
                ),
            )],
        );
        assert_eq!(
            report("request-too-deep", "too deep"),
            (ErrorType::InvalidRequest, deep)
        );
        assert_eq!(
            report("internal", "boom"),
            (ErrorType::Unspecified, z5("Z500", &[("Z500K1", s("boom"))]))
        );
        // Empty output without a report is left to the envelope reader.
        assert!(failure(&execution(Ok(()), "", ""), &limits, &request).is_none());
    }

    #[test]
    fn a_refused_growth_explains_the_executors_error() {
        let limits = limits();
        let request = Request(REQUEST);
        let error = ("Z507".to_string(), "out of memory".to_string());
        let (kind, node) = refused_growth(true, Some(&error), &limits, &request).unwrap();
        assert_eq!(kind, ErrorType::Evaluation);
        assert_eq!(
            node.value(),
            z507(
                "the call reached the memory limit of 3 MiB; the executor reported: out of memory"
            )
        );
        assert!(refused_growth(false, Some(&error), &limits, &request).is_none());
        assert!(refused_growth(true, None, &limits, &request).is_none());
    }

    #[test]
    fn messages_name_the_sizes() {
        assert_eq!(
            not_an_envelope(5).1.message(),
            "the executor answered with 5 bytes that are not a Z22 envelope"
        );
        let (kind, node) = oversized_request(21, &limits());
        assert_eq!(kind, ErrorType::InvalidRequest);
        assert_eq!(
            node.message(),
            "the request is 21 bytes, over the limit of 20 bytes"
        );
    }
}
