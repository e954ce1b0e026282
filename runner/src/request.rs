//! What the host reads of a request before the executor sees it: the time budget of the
//! evaluator's envelope (`{"zobject": …, "remainingTime": seconds, …}`). Everything else in the
//! request, the envelope included, is the executor's to read and check.

use serde::de::IgnoredAny;
use serde::Deserialize;
use std::time::Duration;

#[derive(Deserialize)]
struct Envelope {
    zobject: Option<IgnoredAny>,
    #[serde(rename = "remainingTime")]
    remaining_time: Option<serde_json::Value>,
    #[serde(rename = "requestId")]
    request_id: Option<serde_json::Value>,
}

/// What the host reads of a request in the evaluator's envelope.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnvelopeFields {
    /// `remainingTime`, when it is a finite number of seconds, at least 0.
    pub remaining_time: Option<Duration>,
    /// `requestId`, when it is a string (for logs and response headers; the executor writes it
    /// into the answer's metadata).
    pub request_id: Option<String>,
}

/// The envelope fields of `request`; empty for any request that is not an envelope.
///
/// Only the top level is read, and only of a request that is a JSON object naming
/// `zobject`: serde_json skips the values it does not keep without recursion, so a deep
/// request cannot exhaust the stack. Malformed fields read as absent here; the executor
/// refuses them with a Z561.
pub fn envelope_fields(request: &[u8]) -> EnvelopeFields {
    let first = request.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') || !contains(request, b"zobject") {
        return EnvelopeFields::default();
    }
    let Ok(envelope) = serde_json::from_slice::<Envelope>(request) else {
        return EnvelopeFields::default();
    };
    if envelope.zobject.is_none() {
        return EnvelopeFields::default();
    }
    let remaining_time = envelope
        .remaining_time
        .and_then(|value| value.as_f64())
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok());
    let request_id = match envelope.request_id {
        Some(serde_json::Value::String(text)) => Some(text),
        _ => None,
    };
    EnvelopeFields {
        remaining_time,
        request_id,
    }
}

/// The `remainingTime` of a request in the evaluator's envelope, when it gives a finite number
/// of seconds, at least 0; `None` for any other request (a bare call, or an envelope whose
/// `remainingTime` is missing or malformed: the executor refuses the latter with a Z561).
pub fn remaining_time(request: &[u8]) -> Option<Duration> {
    envelope_fields(request).remaining_time
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_gives_its_time_budget() {
        let body = br#" {"zobject": {"Z1K1": "Z7", "Z7K1": "Z801"}, "remainingTime": 1.5,
            "requestId": "abc", "allowsCallbacks": false}"#;
        assert_eq!(remaining_time(body), Some(Duration::from_millis(1500)));
        assert_eq!(
            remaining_time(br#"{"remainingTime":0,"zobject":{}}"#),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn an_envelope_gives_its_request_id() {
        let body = br#"{"zobject": {}, "requestId": "req-7"}"#;
        assert_eq!(
            envelope_fields(body),
            EnvelopeFields {
                remaining_time: None,
                request_id: Some("req-7".into()),
            }
        );
        assert_eq!(
            envelope_fields(br#"{"zobject":{},"requestId":7}"#).request_id,
            None
        );
        assert_eq!(envelope_fields(br#"{"requestId":"x"}"#).request_id, None);
    }

    #[test]
    fn other_requests_give_none() {
        for body in [
            &br#"{"codeString":"remainingTime zobject","functionName":"f"}"#[..],
            br#"{"zobject":{},"remainingTime":-3}"#,
            br#"{"zobject":{},"remainingTime":"5"}"#,
            br#"{"zobject":{}}"#,
            br#"{"remainingTime":5}"#,
            b"[\"zobject\", \"remainingTime\"]",
            b"not json",
            b"",
        ] {
            assert_eq!(
                remaining_time(body),
                None,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn a_deep_envelope_does_not_overflow() {
        let depth = 200_000;
        let body = format!(
            r#"{{"zobject":{}{},"remainingTime":2}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        assert_eq!(
            remaining_time(body.as_bytes()),
            Some(Duration::from_secs(2))
        );
    }
}
