//! The one place that turns errors into HTTP: the status of an answer from its error type, and
//! the Z22 answers the service writes itself (evaluator rate limit, no runner in time, request
//! too large, wrong content type, body too slow, not ready).
//!
//! TEMPORARY MAPPING. kiln's error types are being renumbered (time limit Z575, fuel Z582,
//! recursion Z573, rate limit Z571, no WASI runner Z576) and the runner is gaining
//! `ErrorType::http_status` with `RateLimit` and `NoRunner` variants. Until then this module
//! maps today's [`ErrorType`]s by hand ([`status_of`]) and spells the two ZIDs the runner has
//! no variant for yet ([`ServiceError::zid`]). At the merge both become calls into the runner's
//! table, and nothing outside this module changes.

use kiln_runner::envelope::{self, ErrorType};
use serde_json::{json, Value};

/// How statuses are chosen (`--status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusMode {
    /// The status derives from the answer's error type (200 for a value).
    Derived,
    /// Every answer is 200, as the 2023 evaluator did; the Z22 carries the error.
    #[value(name = "always-200")]
    Always200,
}

/// The HTTP status of an answer that failed with `error` (`None`: a value, 200).
///
/// TEMPORARY: today's error types by hand; becomes `error.http_status()` at the merge.
pub fn status_of(error: Option<ErrorType>) -> u16 {
    match error {
        None => 200,
        // Z500: the evaluator could not tell what went wrong.
        Some(ErrorType::Unspecified) => 422,
        // Z507 error in evaluation; Z561 invalid request; Z565 no usable implementation.
        Some(ErrorType::Evaluation | ErrorType::InvalidRequest | ErrorType::NoImplementation) => {
            400
        }
        // Time and fuel limits (Z575 and Z582 after the renumbering).
        Some(ErrorType::Timeout | ErrorType::Fuel) => 408,
        // Memory, stack (recursion) and answer-size limits: the code's own doing, reported
        // like an error in evaluation.
        Some(ErrorType::Memory | ErrorType::Stack | ErrorType::OutputTooLarge) => 400,
    }
}

/// An answer the service gives without making a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceError {
    /// Every worker is busy and the queue is full: evaluator rate limit, 429.
    RateLimited,
    /// The call waited in the queue past its time budget: no WASI runner in time, 504.
    NoRunnerInTime,
    /// The artifact is not loaded or warmed up yet: 503.
    NotReady,
    /// The body is over `--max-request-bytes`: 413.
    TooLarge,
    /// The content type is not JSON: 415.
    UnsupportedMediaType,
    /// The body did not arrive within `--body-timeout-ms`: 408.
    BodyTimeout,
    /// The body could not be read (the client broke the connection or the framing): 400.
    BodyUnreadable,
    /// The worker making the call stopped without answering: 500.
    WorkerLost,
}

impl ServiceError {
    /// Its HTTP status.
    pub fn status(self) -> u16 {
        match self {
            ServiceError::RateLimited => 429,
            ServiceError::NoRunnerInTime => 504,
            ServiceError::NotReady => 503,
            ServiceError::TooLarge => 413,
            ServiceError::UnsupportedMediaType => 415,
            ServiceError::BodyTimeout => 408,
            ServiceError::BodyUnreadable => 400,
            ServiceError::WorkerLost => 500,
        }
    }

    /// The Z5 error type of its answer.
    ///
    /// TEMPORARY: Z571 and Z576 have no [`ErrorType`] yet; at the merge these become
    /// `ErrorType::RateLimit` and `ErrorType::NoRunner`, and this function returns an
    /// [`ErrorType`].
    pub fn zid(self) -> &'static str {
        match self {
            ServiceError::RateLimited => "Z571",
            ServiceError::NoRunnerInTime | ServiceError::NotReady => "Z576",
            ServiceError::TooLarge
            | ServiceError::UnsupportedMediaType
            | ServiceError::BodyTimeout
            | ServiceError::BodyUnreadable => ErrorType::InvalidRequest.zid(),
            ServiceError::WorkerLost => ErrorType::Unspecified.zid(),
        }
    }

    /// A short name for logs and the rejection metric.
    pub fn reason(self) -> &'static str {
        match self {
            ServiceError::RateLimited => "queue_full",
            ServiceError::NoRunnerInTime => "queue_timeout",
            ServiceError::NotReady => "not_ready",
            ServiceError::TooLarge => "too_large",
            ServiceError::UnsupportedMediaType => "content_type",
            ServiceError::BodyTimeout => "body_timeout",
            ServiceError::BodyUnreadable => "body_unreadable",
            ServiceError::WorkerLost => "worker_lost",
        }
    }

    /// Its Z22 answer carrying `message`.
    pub fn answer(self, message: &str) -> Value {
        match ErrorType::from_zid(self.zid()) {
            // TEMPORARY: today Z571 is kiln's memory limit, not the rate limit.
            Some(kind) if self != ServiceError::RateLimited => {
                envelope::error_envelope(kind, message)
            }
            // TEMPORARY: the runner's builders for a Z5 whose type has no ErrorType yet;
            // becomes `envelope::error_envelope(ErrorType::RateLimit, …)` at the merge.
            _ => json!({
                "Z1K1": envelope::reference("Z22"),
                "Z22K1": envelope::reference("Z24"),
                "Z22K2": envelope::metadata_map(vec![(
                    "errors".into(),
                    json!({
                        "Z1K1": envelope::reference("Z5"),
                        "Z5K1": envelope::reference(self.zid()),
                        "Z5K2": envelope::string(message),
                    }),
                )]),
            }),
        }
    }
}

/// The status actually sent for `status` under `mode`.
pub fn sent_status(mode: StatusMode, status: u16) -> u16 {
    match mode {
        StatusMode::Derived => status,
        StatusMode::Always200 => 200,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_200_and_every_error_type_has_a_client_or_server_status() {
        assert_eq!(status_of(None), 200);
        for kind in ErrorType::ALL {
            let status = status_of(Some(kind));
            assert!((400..500).contains(&status), "{kind}: {status}");
        }
        assert_eq!(status_of(Some(ErrorType::Evaluation)), 400);
        assert_eq!(status_of(Some(ErrorType::Unspecified)), 422);
        assert_eq!(status_of(Some(ErrorType::Timeout)), 408);
        assert_eq!(status_of(Some(ErrorType::Fuel)), 408);
    }

    #[test]
    fn service_answers_are_z22s_with_their_own_error_type() {
        let cases = [
            (ServiceError::RateLimited, 429, "Z571"),
            (ServiceError::NoRunnerInTime, 504, "Z576"),
            (ServiceError::NotReady, 503, "Z576"),
            (ServiceError::TooLarge, 413, "Z561"),
            (ServiceError::UnsupportedMediaType, 415, "Z561"),
            (ServiceError::BodyTimeout, 408, "Z561"),
            (ServiceError::BodyUnreadable, 400, "Z561"),
            (ServiceError::WorkerLost, 500, "Z500"),
        ];
        for (error, status, zid) in cases {
            assert_eq!(error.status(), status, "{error:?}");
            let answer = error.answer("why");
            assert_eq!(
                envelope::error(&answer),
                Some((zid.to_string(), "why".to_string())),
                "{error:?}"
            );
            assert_eq!(answer["Z22K1"], envelope::reference("Z24"));
        }
    }

    #[test]
    fn always_200_hides_every_status() {
        assert_eq!(sent_status(StatusMode::Always200, 429), 200);
        assert_eq!(sent_status(StatusMode::Derived, 429), 429);
    }
}
