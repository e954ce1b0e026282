//! Calls of a custom executor (one built from an ES module with `kiln build --entry`): the
//! answer is exactly the text its `handle` returned, with no Wikifunctions envelope or
//! metadata, and a call that fails ends with one small JSON error object,
//! `{"error":{"type":"timeout","message":"…"}}` (a `stack` member too when the module threw),
//! written here and nowhere else. [`ExecutorKind`] says which of the two contracts an artifact
//! serves; [`CustomErrorType`] lists the documented types.

use crate::call::{self, Execution};
use crate::classify::GUEST_FAILURE;
use crate::envelope::ErrorType;
use crate::host::Host;
use crate::runner::{CallMetrics, CallOutcome, Limits};
use crate::wasi::ClockAndRandomness;
use std::time::{Instant, SystemTime};
use wasmtime::{Engine, InstancePre, Trap};

/// Which contract an artifact's calls follow, as its build info records it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutorKind {
    /// kiln's own Wikifunctions executor: requests are ZObject calls, answers Z22 envelopes
    /// with the runner's metadata, failures Z5 errors.
    #[default]
    Wikifunctions,
    /// An executor built from any ES module (`kiln build --entry`): the answer is the text its
    /// `handle` returns; failures are [`CustomErrorType`] objects.
    Custom,
}

impl ExecutorKind {
    /// The kind's name in build info and the CLI (`wikifunctions`, `custom`).
    pub fn name(self) -> &'static str {
        match self {
            ExecutorKind::Wikifunctions => "wikifunctions",
            ExecutorKind::Custom => "custom",
        }
    }

    /// Whether this is kiln's own executor (build info leaves the field out then, so the
    /// built-in executor's artifacts keep their bytes).
    pub fn is_wikifunctions(&self) -> bool {
        *self == ExecutorKind::Wikifunctions
    }
}

/// Marks a failure the generated wrapper of a custom executor throws during a call (the guest
/// passes it on as its own failure report): the marker, then a JSON object with `type`,
/// `message` and `stack`.
const CALL_FAILURE: &str = "kiln-call-failure ";

/// Why a call of a custom executor failed: the `type` of its error object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomErrorType {
    /// The call exceeded the wall-clock limit.
    Timeout,
    /// The call used up its fuel budget.
    Fuel,
    /// The call reached the memory limit.
    Memory,
    /// The wasm or the QuickJS stack overflowed.
    Stack,
    /// The answer is larger than the output limit.
    OutputTooLarge,
    /// The request is larger than the request limit.
    RequestTooLarge,
    /// The request nests brackets deeper than the guest parses (5,000 levels).
    RequestTooDeep,
    /// `handle` threw, or the promise it returned rejected.
    Threw,
    /// `handle` answered (or its promise resolved) with something other than a string.
    NotAString,
    /// `handle` returned a promise that never settled.
    NeverSettled,
    /// Anything else: a trap, an exit, output that is not UTF-8.
    Internal,
}

impl CustomErrorType {
    /// Every type, in documentation order.
    pub const ALL: [CustomErrorType; 11] = [
        CustomErrorType::Timeout,
        CustomErrorType::Fuel,
        CustomErrorType::Memory,
        CustomErrorType::Stack,
        CustomErrorType::OutputTooLarge,
        CustomErrorType::RequestTooLarge,
        CustomErrorType::RequestTooDeep,
        CustomErrorType::Threw,
        CustomErrorType::NotAString,
        CustomErrorType::NeverSettled,
        CustomErrorType::Internal,
    ];

    /// The `type` member of the error object.
    pub fn name(self) -> &'static str {
        match self {
            CustomErrorType::Timeout => "timeout",
            CustomErrorType::Fuel => "fuel",
            CustomErrorType::Memory => "memory",
            CustomErrorType::Stack => "stack",
            CustomErrorType::OutputTooLarge => "output-too-large",
            CustomErrorType::RequestTooLarge => "request-too-large",
            CustomErrorType::RequestTooDeep => "request-too-deep",
            CustomErrorType::Threw => "threw",
            CustomErrorType::NotAString => "not-a-string",
            CustomErrorType::NeverSettled => "never-settled",
            CustomErrorType::Internal => "internal",
        }
    }

    /// The type of a `type` member.
    pub fn from_name(name: &str) -> Option<CustomErrorType> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The Wikifunctions error type of the same failure, for [`CallMetrics::error`] (so
    /// counters and logs treat both kinds of executor alike).
    pub fn error_type(self) -> ErrorType {
        match self {
            CustomErrorType::Timeout => ErrorType::TimeLimit,
            CustomErrorType::Fuel => ErrorType::FuelLimit,
            CustomErrorType::Stack => ErrorType::RecursionLimit,
            CustomErrorType::OutputTooLarge => ErrorType::InvalidEvaluationResult,
            CustomErrorType::RequestTooLarge | CustomErrorType::RequestTooDeep => {
                ErrorType::InvalidRequest
            }
            CustomErrorType::Memory
            | CustomErrorType::Threw
            | CustomErrorType::NotAString
            | CustomErrorType::NeverSettled => ErrorType::Evaluation,
            CustomErrorType::Internal => ErrorType::Unspecified,
        }
    }
}

/// One failure: its type, message and (for a throw) the JS stack.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Failure {
    kind: CustomErrorType,
    message: String,
    stack: String,
}

impl Failure {
    fn new(kind: CustomErrorType, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            stack: String::new(),
        }
    }

    /// The error object, one line of JSON: the one writer of it.
    fn text(&self) -> String {
        let quoted = |text: &str| serde_json::Value::from(text).to_string();
        let stack = if self.stack.is_empty() {
            String::new()
        } else {
            format!(r#","stack":{}"#, quoted(&self.stack))
        };
        format!(
            r#"{{"error":{{"type":"{}","message":{}{stack}}}}}"#,
            self.kind.name(),
            quoted(&self.message)
        )
    }
}

/// The answer to a request of `length` bytes, over the request limit.
pub(crate) fn oversized(length: usize, limits: &Limits) -> CallOutcome {
    let failure = Failure::new(
        CustomErrorType::RequestTooLarge,
        format!(
            "the request is {length} bytes, over the limit of {} bytes",
            limits.max_request_bytes
        ),
    );
    let metrics = CallMetrics {
        started: Some(SystemTime::now()),
        ..CallMetrics::default()
    };
    outcome(Err(failure), metrics)
}

/// Runs one request of a custom executor in a fresh instance of `pre`.
pub(crate) fn call(
    engine: &Engine,
    pre: &InstancePre<Host>,
    limits: &Limits,
    clock_and_randomness: ClockAndRandomness,
    request: &[u8],
) -> CallOutcome {
    if request.len() > limits.max_request_bytes {
        return oversized(request.len(), limits);
    }
    let began = Instant::now();
    let mut metrics = CallMetrics {
        started: Some(SystemTime::now()),
        ..CallMetrics::default()
    };
    let job = call::Job {
        export: call::CALL_EXPORT,
        limits,
        clock_and_randomness,
        // A custom executor evaluates no community code through kiln's cache.
        code: crate::code::CallCode::new(None),
        input: request,
        cancel: None,
    };
    let answer = match call::execute(engine, pre, job, &mut metrics) {
        Ok(execution) => {
            metrics.memory_hit = execution.memory_hit;
            answer(&execution, limits)
        }
        Err(message) => Err(Failure::new(CustomErrorType::Internal, message)),
    };
    metrics.total = began.elapsed();
    outcome(answer, metrics)
}

fn outcome(answer: Result<String, Failure>, mut metrics: CallMetrics) -> CallOutcome {
    match answer {
        Ok(text) => CallOutcome {
            answer: text,
            error: None,
            metrics,
        },
        Err(failure) => {
            metrics.error = Some(failure.kind.error_type());
            CallOutcome {
                answer: failure.text(),
                error: Some((failure.kind.name().to_string(), failure.message)),
                metrics,
            }
        }
    }
}

/// The answer a finished call left, or why there is none. Output over the limit wins over
/// whatever followed it, and a refused memory growth explains any failure after it.
fn answer(execution: &Execution, limits: &Limits) -> Result<String, Failure> {
    if execution.stdout.len() > limits.max_output_bytes {
        return Err(Failure::new(
            CustomErrorType::OutputTooLarge,
            format!(
                "the answer is larger than the limit of {} bytes",
                limits.max_output_bytes
            ),
        ));
    }
    let stderr = String::from_utf8_lossy(&execution.stderr);
    let memory = || {
        Failure::new(
            CustomErrorType::Memory,
            format!(
                "the call reached the memory limit of {} MiB",
                limits.memory_bytes >> 20
            ),
        )
    };
    match &execution.result {
        Err(error) => Err(match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => Failure::new(
                CustomErrorType::Timeout,
                format!(
                    "the call exceeded the time limit of {} ms",
                    limits.timeout.as_millis()
                ),
            ),
            Some(Trap::OutOfFuel) => Failure::new(
                CustomErrorType::Fuel,
                format!(
                    "the call used up its fuel budget of {}",
                    limits.fuel.unwrap_or(u64::MAX)
                ),
            ),
            // A refused memory growth explains whatever trap followed it.
            _ if execution.memory_hit => memory(),
            Some(Trap::StackOverflow) => {
                Failure::new(CustomErrorType::Stack, "the wasm stack overflowed")
            }
            _ => {
                let mut message = match error.downcast_ref::<wasmtime_wasi::I32Exit>() {
                    Some(exit) => format!("the executor exited with status {}", exit.0),
                    None => format!("the executor trapped: {error:#}"),
                };
                if !stderr.trim().is_empty() {
                    message = format!("{message}; the guest reported: {}", stderr.trim());
                }
                Failure::new(CustomErrorType::Internal, message)
            }
        }),
        Ok(()) if execution.memory_hit && execution.stdout.is_empty() => Err(memory()),
        Ok(()) if execution.stdout.is_empty() && stderr.starts_with(GUEST_FAILURE) => {
            Err(guest_failure(&stderr[GUEST_FAILURE.len()..]))
        }
        Ok(()) => String::from_utf8(execution.stdout.to_vec()).map_err(|_| {
            Failure::new(
                CustomErrorType::Internal,
                format!(
                    "the executor answered with {} bytes that are not UTF-8",
                    execution.stdout.len()
                ),
            )
        }),
    }
}

/// The failure the guest reported: the wrapper's marked failure when there is one (whatever
/// kind the guest guessed from its text), else the guest's own kind.
fn guest_failure(record: &str) -> Failure {
    let (kind, message) = record.split_once('\n').unwrap_or((record, ""));
    if let Some(marked) = message.strip_prefix(CALL_FAILURE) {
        #[derive(serde::Deserialize)]
        struct Marked {
            #[serde(rename = "type")]
            kind: String,
            message: String,
            #[serde(default)]
            stack: String,
        }
        if let Ok(marked) = serde_json::from_str::<Marked>(marked) {
            if let Some(kind) = CustomErrorType::from_name(&marked.kind) {
                return Failure {
                    kind,
                    message: marked.message,
                    stack: marked.stack,
                };
            }
        }
    }
    let kind = match kind.trim() {
        "never-settled" => CustomErrorType::NeverSettled,
        "out-of-memory" => CustomErrorType::Memory,
        "stack-overflow" => CustomErrorType::Stack,
        "request-too-deep" => CustomErrorType::RequestTooDeep,
        _ => CustomErrorType::Internal,
    };
    Failure::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    use crate::call::test_execution as execution;

    use crate::call::test_limits as limits;

    fn error(execution: &Execution) -> Value {
        let failure = answer(execution, &limits()).expect_err("a failure");
        serde_json::from_str(&failure.text()).unwrap()
    }

    #[test]
    fn an_answer_is_the_handles_text_as_is() {
        let done = execution(Ok(()), "<p>hi</p>\n", "");
        assert_eq!(answer(&done, &limits()).unwrap(), "<p>hi</p>\n");
        assert_eq!(answer(&execution(Ok(()), "", ""), &limits()).unwrap(), "");
    }

    #[test]
    fn limits_become_typed_error_objects() {
        let cases = [
            (
                execution(Err(Trap::Interrupt.into()), "", ""),
                json!({"error": {"type": "timeout", "message": "the call exceeded the time limit of 250 ms"}}),
            ),
            (
                execution(Err(Trap::OutOfFuel.into()), "", ""),
                json!({"error": {"type": "fuel", "message": "the call used up its fuel budget of 5000"}}),
            ),
            (
                execution(Err(Trap::StackOverflow.into()), "", ""),
                json!({"error": {"type": "stack", "message": "the wasm stack overflowed"}}),
            ),
            (
                execution(Err(Trap::Interrupt.into()), "01234567890", ""),
                json!({"error": {"type": "output-too-large", "message": "the answer is larger than the limit of 10 bytes"}}),
            ),
        ];
        for (execution, expected) in cases {
            assert_eq!(error(&execution), expected);
        }
        let mut hit = execution(Err(Trap::UnreachableCodeReached.into()), "", "");
        hit.memory_hit = true;
        assert_eq!(
            error(&hit),
            json!({"error": {"type": "memory", "message": "the call reached the memory limit of 3 MiB"}})
        );
    }

    #[test]
    fn the_wrappers_marked_failure_wins_over_the_guests_guess() {
        let said = format!(
            "{GUEST_FAILURE}out-of-memory\n{CALL_FAILURE}{}",
            json!({"type": "threw", "message": "Error: out of memory, said the user", "stack": "    at handle (x.js:3)\n"})
        );
        assert_eq!(
            error(&execution(Ok(()), "", &said)),
            json!({"error": {"type": "threw", "message": "Error: out of memory, said the user", "stack": "    at handle (x.js:3)\n"}})
        );
        let said = format!("{GUEST_FAILURE}never-settled\nthe function returned a promise");
        assert_eq!(
            error(&execution(Ok(()), "", &said))["error"]["type"],
            "never-settled"
        );
        let said = format!("{GUEST_FAILURE}internal\nsomething else");
        assert_eq!(
            error(&execution(Ok(()), "", &said)),
            json!({"error": {"type": "internal", "message": "something else"}})
        );
    }

    #[test]
    fn every_type_has_a_name_that_reads_back() {
        for kind in CustomErrorType::ALL {
            assert_eq!(CustomErrorType::from_name(kind.name()), Some(kind));
        }
        assert_eq!(CustomErrorType::from_name("Z507"), None);
    }

    #[test]
    fn an_oversized_request_is_refused() {
        let outcome = oversized(21, &limits());
        assert_eq!(
            outcome.answer,
            r#"{"error":{"type":"request-too-large","message":"the request is 21 bytes, over the limit of 20 bytes"}}"#
        );
        assert_eq!(outcome.metrics.error, Some(ErrorType::InvalidRequest));
    }
}
