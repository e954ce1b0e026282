//! The answer of one call on its way out: read from the executor's stdout (only the envelope's
//! top level and its small metadata map are parsed), or made on the host for a failure, and
//! written out as one line of Z22 text with the runner's metadata entries in front.

use crate::classify::Failure;
use crate::envelope::{self, Node};
use crate::runner::CallMetrics;
use serde_json::value::RawValue;

/// The top level of a Z22 as the executor wrote it. Only Z22K2 (metadata, shallow) is parsed
/// into a value; the value itself stays text however deep it is nested, so hostile nesting
/// cannot exhaust the host's stack.
#[derive(serde::Deserialize)]
struct RawZ22<'a> {
    #[serde(rename = "Z1K1", borrow)]
    kind: &'a RawValue,
    #[serde(rename = "Z22K1", borrow)]
    value: &'a RawValue,
    #[serde(rename = "Z22K2", borrow)]
    metadata: Option<&'a RawValue>,
}

/// The `K1` of a Z22K2 map, or the reference of a void Z22K2.
#[derive(serde::Deserialize)]
struct RawMetadata<'a> {
    #[serde(rename = "K1", borrow)]
    list: Option<&'a RawValue>,
    #[serde(rename = "Z9K1", borrow)]
    reference: Option<&'a str>,
}

/// An answer on its way out: raw Z1K1 and Z22K1, the raw list of the Z22K2 map (`None` when
/// void), and the error that map carries.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Answer {
    kind: String,
    value: String,
    metadata_list: Option<String>,
    /// The error the answer carries: its Z5K1 type and Z5K2 message.
    pub(crate) error: Option<(String, String)>,
}

impl Answer {
    /// The answer as one line of Z22 text, `entries` (string values) first in its metadata.
    pub(crate) fn text(&self, entries: &[(&str, Node)]) -> String {
        let metadata = envelope::metadata_text(entries, self.metadata_list.as_deref());
        format!(
            r#"{{"Z1K1":{},"Z22K1":{},"Z22K2":{metadata}}}"#,
            self.kind, self.value
        )
    }
}

/// Reads the executor's output; `None` when it is not a Z22 envelope (not UTF-8, not JSON, no
/// Z1K1 or Z22K1, or a Z22K2 that is neither a map nor void).
pub(crate) fn parse(output: &[u8]) -> Option<Answer> {
    let text = std::str::from_utf8(output).ok()?;
    let raw = serde_json::from_str::<RawZ22>(text).ok()?;
    let (metadata_list, error) = match raw.metadata {
        None => (None, None),
        Some(metadata) => {
            let parts: RawMetadata = serde_json::from_str(metadata.get()).ok()?;
            match (parts.list, parts.reference) {
                (Some(list), _) => {
                    // Only the error's Z5 is read (one level at a time); the answer keeps the
                    // text as written.
                    (
                        Some(list.get().to_string()),
                        envelope::map_error_text(metadata.get()),
                    )
                }
                (None, Some("Z24")) => (None, None),
                (None, _) => return None,
            }
        }
    };
    Some(Answer {
        kind: raw.kind.get().to_string(),
        value: raw.value.get().to_string(),
        metadata_list,
        error,
    })
}

/// The Z22K1 of an answer's text, as JSON text.
pub(crate) fn value_json(answer: &str) -> Option<String> {
    serde_json::from_str::<RawZ22>(answer)
        .ok()
        .map(|raw| raw.value.get().to_string())
}

/// The failure answer (void value, "errors" → the Z5 of `failure`), recorded in `metrics`.
pub(crate) fn failure(metrics: &mut CallMetrics, failure: Failure) -> Answer {
    let (kind, z5) = failure;
    metrics.error = Some(kind);
    let message = z5.message();
    let map = envelope::metadata_text(&[("errors", z5)], None);
    let list = serde_json::from_str::<RawMetadata>(&map)
        .ok()
        .and_then(|m| m.list.map(|l| l.get().to_string()));
    Answer {
        kind: envelope::reference("Z22").to_string(),
        value: envelope::VOID_TEXT.to_string(),
        metadata_list: list,
        error: Some((kind.zid().to_string(), message)),
    }
}

impl Answer {
    /// Repairs lone surrogates in the value and the executor's metadata; the count and where,
    /// for a Z599 warning.
    pub(crate) fn repair_text(&mut self) -> Vec<(usize, &'static str)> {
        let mut repaired = Vec::new();
        let (value, count) = envelope::repair_lone_surrogates(&self.value);
        if count > 0 {
            self.value = value.into_owned();
            repaired.push((count, "Z22K1"));
        }
        if let Some(list) = &self.metadata_list {
            let (fixed, count) = envelope::repair_lone_surrogates(list);
            if count > 0 {
                self.metadata_list = Some(fixed.into_owned());
                repaired.push((count, "Z22K2"));
            }
        }
        repaired
    }

    /// The length of the value's JSON text, in bytes.
    pub(crate) fn value_len(&self) -> usize {
        self.value.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::ErrorType;
    use serde_json::Value;

    fn z507(message: &str) -> Node {
        envelope::evaluation(Node::string("f"), message)
    }

    const VALUE: &str = r#"{"Z1K1":"Z6","Z6K1":"hi"}"#;

    #[test]
    fn a_void_metadata_answer_is_kept_as_written() {
        let text =
            format!(r#"{{"Z1K1":"Z22","Z22K1":{VALUE},"Z22K2":{{"Z1K1":"Z9","Z9K1":"Z24"}}}}"#);
        let answer = parse(text.as_bytes()).expect("a Z22");
        assert_eq!(answer.error, None);
        assert_eq!(answer.text(&[]), text);
        assert_eq!(value_json(&answer.text(&[])).as_deref(), Some(VALUE));
    }

    #[test]
    fn an_answer_without_metadata_gets_void_metadata() {
        let text = format!(r#"{{"Z1K1":"Z22","Z22K1":{VALUE}}}"#);
        let answer = parse(text.as_bytes()).expect("a Z22");
        assert_eq!(
            answer.text(&[]),
            format!(
                r#"{{"Z1K1":"Z22","Z22K1":{VALUE},"Z22K2":{}}}"#,
                envelope::VOID_TEXT
            )
        );
    }

    #[test]
    fn the_error_of_an_executor_failure_is_read() {
        let written = envelope::error_envelope(&z507("Error: no")).to_string();
        let answer = parse(written.as_bytes()).expect("a Z22");
        assert_eq!(
            answer.error,
            Some(("Z507".to_string(), "Error: no".to_string()))
        );
        // Written back out unchanged, and with entries in front of the executor's own.
        assert_eq!(answer.text(&[]), written);
        let with_entry = answer.text(&[("kilnVersion", Node::string("1"))]);
        let value: Value = serde_json::from_str(&with_entry).unwrap();
        assert_eq!(
            envelope::metadata(&value, "kilnVersion"),
            Some(envelope::string("1"))
        );
        assert_eq!(
            envelope::error(&value),
            Some(("Z507".to_string(), "Error: no".to_string()))
        );
    }

    #[test]
    fn a_lone_surrogate_in_the_error_does_not_hide_it() {
        let written = envelope::error_envelope(&z507("MARK"))
            .to_string()
            .replace("MARK", r"bad \ud800 text");
        let answer = parse(written.as_bytes()).expect("a Z22");
        assert_eq!(
            answer.error,
            Some(("Z507".to_string(), "bad \u{fffd} text".to_string()))
        );
        assert_eq!(
            answer.text(&[]),
            written,
            "the text is kept as the executor wrote it"
        );
    }

    #[test]
    fn what_is_not_a_z22_is_refused() {
        for output in [
            &b"hello"[..],
            b"",
            b"\xff\xfe",
            b"[1,2]",
            br#"{"Z1K1":"Z22"}"#,
            br#"{"Z22K1":"x"}"#,
            br#"{"Z1K1":"Z22","Z22K1":"x","Z22K2":{"Z1K1":"Z9","Z9K1":"Z1"}}"#,
            br#"{"Z1K1":"Z22","Z22K1":"x","Z22K2":"text"}"#,
            br#"{"Z1K1":"Z22","Z22K1":"x"} trailing"#,
        ] {
            assert_eq!(parse(output), None, "{}", String::from_utf8_lossy(output));
        }
    }

    #[test]
    fn a_failure_is_a_void_answer_with_a_z5() {
        let mut metrics = CallMetrics::default();
        let z5 = envelope::time_limit("5 ms");
        let answer = failure(&mut metrics, (ErrorType::TimeLimit, z5.clone()));
        assert_eq!(metrics.error, Some(ErrorType::TimeLimit));
        assert_eq!(
            answer.error,
            Some((
                "Z575".to_string(),
                "the call exceeded the time limit of 5 ms".to_string()
            ))
        );
        let text = answer.text(&[]);
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            envelope::error_envelope(&z5)
        );
    }
}
