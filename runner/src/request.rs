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
    remaining_time: Option<f64>,
}

/// The `remainingTime` of a request in the evaluator's envelope, when it gives a finite number
/// of seconds, at least 0; `None` for any other request (a bare call, or an envelope whose
/// `remainingTime` is missing or malformed: the executor refuses the latter with a Z561).
///
/// Only the top level is read, and only of a request that is a JSON object naming both
/// `zobject` and `remainingTime`: serde_json skips the values it does not keep without
/// recursion, so a deep request cannot exhaust the stack.
pub fn remaining_time(request: &[u8]) -> Option<Duration> {
    let first = request.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{')
        || !contains(request, b"remainingTime")
        || !contains(request, b"zobject")
    {
        return None;
    }
    let envelope: Envelope = serde_json::from_slice(request).ok()?;
    envelope.zobject?;
    let seconds = envelope.remaining_time?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(seconds).ok()
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
