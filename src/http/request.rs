//! The evaluator envelope: a body `{"zobject": …, "remainingTime": …, "requestId": …}` is
//! unwrapped to the call inside it (executor form or Z7), its time budget and its id; any
//! other body is the call itself, passed to the executor untouched (so malformed requests get
//! exactly the executor's answer, as with `kiln run`).

use serde::Deserialize;
use serde_json::value::RawValue;
use std::time::Duration;

/// The call a body asks for.
#[derive(Debug, PartialEq)]
pub struct Call<'a> {
    /// The request the executor is given.
    pub request: &'a [u8],
    /// `remainingTime`, when the envelope gave one (non-finite or negative reads as zero).
    pub remaining: Option<Duration>,
    /// `requestId`, when the envelope gave one (a number is written as text).
    pub request_id: Option<String>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    zobject: Option<&'a RawValue>,
    #[serde(rename = "remainingTime")]
    remaining_time: Option<f64>,
    #[serde(rename = "requestId")]
    request_id: Option<serde_json::Value>,
}

/// Reads `body` as an evaluator envelope, or as the call itself.
///
/// Only a body that names `zobject` is parsed here; serde_json skips the values it does not
/// keep without recursion, so a deep request cannot exhaust the stack.
pub fn unwrap(body: &[u8]) -> Call<'_> {
    let plain = Call {
        request: body,
        remaining: None,
        request_id: None,
    };
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') || !contains(body, b"zobject") {
        return plain;
    }
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        return plain;
    };
    let Some(zobject) = envelope.zobject else {
        return plain;
    };
    let request_id = envelope.request_id.and_then(|id| match id {
        serde_json::Value::String(text) => Some(text),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    Call {
        request: zobject.get().as_bytes(),
        remaining: envelope
            .remaining_time
            .map(|seconds| Duration::try_from_secs_f64(seconds).unwrap_or(Duration::ZERO)),
        request_id,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_request_is_the_call() {
        let body = br#"{"codeString":"zobject","functionName":"f"}"#;
        assert_eq!(
            unwrap(body),
            Call {
                request: body,
                remaining: None,
                request_id: None
            }
        );
        assert_eq!(unwrap(b"not json").request, b"not json");
        assert_eq!(unwrap(b"").request, b"");
        assert_eq!(unwrap(b"{\"zobject\": ").request, b"{\"zobject\": ");
    }

    #[test]
    fn an_envelope_gives_its_call_budget_and_id() {
        let body = br#" {"zobject": {"Z1K1": "Z7", "Z7K1": "Z801"}, "remainingTime": 1.5,
            "requestId": "abc", "reentrant": false}"#;
        let call = unwrap(body);
        assert_eq!(call.request, br#"{"Z1K1": "Z7", "Z7K1": "Z801"}"#);
        assert_eq!(call.remaining, Some(Duration::from_millis(1500)));
        assert_eq!(call.request_id.as_deref(), Some("abc"));
        let call = unwrap(br#"{"zobject":{},"remainingTime":-3,"requestId":7}"#);
        assert_eq!(call.remaining, Some(Duration::ZERO));
        assert_eq!(call.request_id.as_deref(), Some("7"));
    }

    #[test]
    fn a_deep_envelope_does_not_overflow() {
        let depth = 200_000;
        let body = format!(
            r#"{{"zobject":{}{},"requestId":"deep"}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let call = unwrap(body.as_bytes());
        assert_eq!(call.request.len(), 2 * depth);
        assert_eq!(call.request_id.as_deref(), Some("deep"));
    }
}
