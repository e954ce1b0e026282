//! The one place that turns errors into HTTP: the status of an answer from its error type
//! (through the one error table, `wit/errors.json`, via [`ErrorType::http_status`]), and the
//! Z22 answers the service writes itself (evaluator rate limit, no runner in time, request too
//! large, wrong content type, body too slow, not ready).

use kiln_runner::envelope::{self, ErrorType, Node};
use serde_json::Value;

/// How statuses are chosen (`--status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusMode {
    /// The status derives from the answer's error type (200 for a value).
    Derived,
    /// Every answer is 200, as the 2023 evaluator did; the Z22 carries the error.
    #[value(name = "always-200")]
    Always200,
}

/// The HTTP status of an answer that failed with `error` (`None`: a value, 200), as the
/// error table gives it.
pub fn status_of(error: Option<ErrorType>) -> u16 {
    error.map_or(200, ErrorType::http_status)
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
    pub fn error_type(self) -> ErrorType {
        match self {
            ServiceError::RateLimited => ErrorType::RateLimit,
            ServiceError::NoRunnerInTime | ServiceError::NotReady => ErrorType::NoRunner,
            ServiceError::TooLarge
            | ServiceError::UnsupportedMediaType
            | ServiceError::BodyTimeout
            | ServiceError::BodyUnreadable => ErrorType::InvalidRequest,
            ServiceError::WorkerLost => ErrorType::Unspecified,
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

    /// Its Z22 answer. `detail` fills the error type's key: the limit that was reached for
    /// a rate limit (Z571K1), the wait limit for no runner in time (Z576K1), the message for
    /// the others.
    pub fn answer(self, detail: &str) -> Value {
        let z5 = match self.error_type() {
            ErrorType::InvalidRequest => envelope::invalid_request(detail),
            ErrorType::Unspecified => envelope::unspecified(detail),
            kind => Node::z5(kind, vec![Node::string(detail)]),
        };
        envelope::error_envelope(&z5)
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
    fn values_are_200_and_errors_take_the_tables_status() {
        assert_eq!(status_of(None), 200);
        assert_eq!(status_of(Some(ErrorType::Evaluation)), 400);
        assert_eq!(status_of(Some(ErrorType::Unspecified)), 422);
        assert_eq!(status_of(Some(ErrorType::TimeLimit)), 408);
        assert_eq!(status_of(Some(ErrorType::FuelLimit)), 408);
        assert_eq!(status_of(Some(ErrorType::RateLimit)), 429);
        assert_eq!(status_of(Some(ErrorType::NoRunner)), 504);
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
            assert_eq!(error.error_type().zid(), zid, "{error:?}");
            let answer = error.answer("why");
            let (kind, message) = envelope::error(&answer).expect("an error answer");
            assert_eq!(kind, zid, "{error:?}");
            assert!(message.contains("why"), "{error:?}: {message}");
            assert_eq!(answer["Z22K1"], envelope::reference("Z24"));
        }
    }

    #[test]
    fn always_200_hides_every_status() {
        assert_eq!(sent_status(StatusMode::Always200, 429), 200);
        assert_eq!(sent_status(StatusMode::Derived, 429), 429);
    }
}
