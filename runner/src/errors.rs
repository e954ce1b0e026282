//! kiln's one table of error and warning types, `wit/errors.json`, as the host reads it: the
//! [`ErrorType`] enum (checked against the table by a test, variant for row), each type's keys,
//! HTTP status and message template, and the rule that renders a Z5's human-readable message.
//!
//! The JS executor's constants, the WIT comment and the README table are generated from the
//! same file (`scripts/errors.mjs`); nothing here restates a ZID's keys or templates.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

/// The table, as built into the runner.
pub const TABLE_JSON: &str = include_str!("../../wit/errors.json");

/// Where a type appears.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A top-level Z5 under metadata "errors".
    Error,
    /// Only inside another Z5.
    Nested,
    /// An entry of metadata "warnings".
    Warning,
}

/// One row of the table.
#[derive(Debug, Deserialize)]
pub struct TypeEntry {
    /// The ZID.
    pub zid: String,
    /// The Rust variant name of [`ErrorType`].
    pub variant: String,
    /// Where the type appears.
    pub kind: Kind,
    /// The HTTP status of an answer whose error is this type (`None`: never an answer's error).
    pub http: Option<u16>,
    /// The type's keys, in order.
    pub keys: Vec<KeyEntry>,
    /// The message template (`{ZnKm}` replaced by the text of that key).
    pub message: String,
    /// Whole-message replacements for given values of the first key.
    #[serde(default)]
    pub messages: BTreeMap<String, String>,
}

/// One key of a type.
#[derive(Debug, Deserialize)]
pub struct KeyEntry {
    /// The key, e.g. `Z507K1`.
    pub key: String,
}

#[derive(Deserialize)]
struct Table {
    types: Vec<TypeEntry>,
}

static TABLE: LazyLock<Vec<TypeEntry>> = LazyLock::new(|| {
    serde_json::from_str::<Table>(TABLE_JSON)
        .expect("wit/errors.json is checked by the runner's tests")
        .types
});

/// The rows of the table, in its order.
pub fn table() -> &'static [TypeEntry] {
    &TABLE
}

/// The row of `zid`, if the table has one.
pub fn entry(zid: &str) -> Option<&'static TypeEntry> {
    TABLE.iter().find(|e| e.zid == zid)
}

/// Every error and warning type kiln knows (Z5K1), one variant per row of `wit/errors.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// Z500: an internal fault, and the propagated message inside Z507K2 / Z502K2.
    Unspecified,
    /// Z501: (nested in Z561) the request is not JSON.
    JsonSyntax,
    /// Z502: (nested in Z561) the request is not a well-formed request.
    NotWellFormed,
    /// Z507: error in evaluation (the code threw, did not parse, returned something that cannot
    /// be serialised; the memory limit).
    Evaluation,
    /// Z558: no JavaScript implementation.
    InvalidProgrammingLanguage,
    /// Z560: the answer is larger than the output limit.
    InvalidEvaluationResult,
    /// Z561: the request cannot be used (not JSON, malformed, too large, too deep).
    InvalidRequest,
    /// Z565: a property the call needs is missing.
    IncompleteRequest,
    /// Z571: rate limit (HTTP service only).
    RateLimit,
    /// Z573: the wasm stack overflowed, or the guest aborted with `unreachable`.
    RecursionLimit,
    /// Z575: the wall-clock time limit.
    TimeLimit,
    /// Z576: no runner became free in time (HTTP service only).
    NoRunner,
    /// Z582: the fuel budget.
    FuelLimit,
    /// Z590 (warning): a large portion of the fuel budget used.
    FuelWarning,
    /// Z591 (warning): a large portion of the memory limit used.
    MemoryWarning,
    /// Z592 (warning): the result is over the advisory size.
    ResultSizeWarning,
    /// Z593 (warning): output that was not UTF-8 was discarded.
    OutputDiscarded,
    /// Z597 (warning): most of the time limit used.
    TimeWarning,
    /// Z599 (warning): lone surrogates in the answer were repaired.
    TextRepaired,
}

impl ErrorType {
    /// Every type, in the table's (ZID) order.
    pub const ALL: [ErrorType; 19] = [
        ErrorType::Unspecified,
        ErrorType::JsonSyntax,
        ErrorType::NotWellFormed,
        ErrorType::Evaluation,
        ErrorType::InvalidProgrammingLanguage,
        ErrorType::InvalidEvaluationResult,
        ErrorType::InvalidRequest,
        ErrorType::IncompleteRequest,
        ErrorType::RateLimit,
        ErrorType::RecursionLimit,
        ErrorType::TimeLimit,
        ErrorType::NoRunner,
        ErrorType::FuelLimit,
        ErrorType::FuelWarning,
        ErrorType::MemoryWarning,
        ErrorType::ResultSizeWarning,
        ErrorType::OutputDiscarded,
        ErrorType::TimeWarning,
        ErrorType::TextRepaired,
    ];

    /// The ZID of this type.
    pub fn zid(self) -> &'static str {
        match self {
            ErrorType::Unspecified => "Z500",
            ErrorType::JsonSyntax => "Z501",
            ErrorType::NotWellFormed => "Z502",
            ErrorType::Evaluation => "Z507",
            ErrorType::InvalidProgrammingLanguage => "Z558",
            ErrorType::InvalidEvaluationResult => "Z560",
            ErrorType::InvalidRequest => "Z561",
            ErrorType::IncompleteRequest => "Z565",
            ErrorType::RateLimit => "Z571",
            ErrorType::RecursionLimit => "Z573",
            ErrorType::TimeLimit => "Z575",
            ErrorType::NoRunner => "Z576",
            ErrorType::FuelLimit => "Z582",
            ErrorType::FuelWarning => "Z590",
            ErrorType::MemoryWarning => "Z591",
            ErrorType::ResultSizeWarning => "Z592",
            ErrorType::OutputDiscarded => "Z593",
            ErrorType::TimeWarning => "Z597",
            ErrorType::TextRepaired => "Z599",
        }
    }

    /// The type of a ZID, if kiln knows it.
    pub fn from_zid(zid: &str) -> Option<ErrorType> {
        Self::ALL.into_iter().find(|t| t.zid() == zid)
    }

    /// This type's row of the table.
    pub fn entry(self) -> &'static TypeEntry {
        entry(self.zid()).expect("every variant has a row (checked by the runner's tests)")
    }

    /// Where the type appears: a top-level error, nested, or a warning.
    pub fn kind(self) -> Kind {
        self.entry().kind
    }

    /// The HTTP status of an answer whose error is this type, from the table; 500 for a
    /// nested or warning type, which is never an answer's error.
    pub fn http_status(self) -> u16 {
        self.entry().http.unwrap_or(500)
    }

    /// The type's keys, in order (`Z507K1`, `Z507K2`, …).
    pub fn keys(self) -> impl Iterator<Item = &'static str> {
        self.entry().keys.iter().map(|k| k.key.as_str())
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zid())
    }
}

/// Renders a message template: `{ZnKm}` becomes `text(ZnKm)`; `messages` replaces the whole
/// template when the first key's text is one of its keys.
pub fn render(zid: &str, text: &mut dyn FnMut(&str) -> Option<String>) -> Option<String> {
    let entry = entry(zid)?;
    if let Some(first) = entry.keys.first() {
        if let Some(value) = text(&first.key) {
            if let Some(whole) = entry.messages.get(&value) {
                return Some(whole.clone());
            }
        }
    }
    let mut out = String::new();
    let mut rest = entry.message.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let key = &rest[open + 1..open + close];
        out.push_str(&text(key).unwrap_or_default());
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_is_a_row_and_every_row_a_variant() {
        let rows: Vec<(&str, &str)> = table()
            .iter()
            .map(|e| (e.zid.as_str(), e.variant.as_str()))
            .collect();
        let variants: Vec<(&str, String)> = ErrorType::ALL
            .iter()
            .map(|t| (t.zid(), format!("{t:?}")))
            .collect();
        assert_eq!(rows.len(), variants.len(), "{rows:?}");
        for ((zid, variant), (vzid, vname)) in rows.iter().zip(&variants) {
            assert_eq!((zid, variant), (vzid, &vname.as_str()));
        }
        for t in ErrorType::ALL {
            assert_eq!(ErrorType::from_zid(t.zid()), Some(t));
            assert!(t.keys().all(|k| k.starts_with(t.zid())), "{t}");
        }
        assert_eq!(ErrorType::from_zid("Z570"), None);
    }

    #[test]
    fn http_statuses_come_from_the_table() {
        for t in ErrorType::ALL {
            let expected = t.entry().http.unwrap_or(500);
            assert_eq!(t.http_status(), expected, "{t}");
            assert_eq!(t.entry().http.is_some(), t.kind() == Kind::Error, "{t}");
        }
        assert_eq!(ErrorType::TimeLimit.http_status(), 408);
        assert_eq!(ErrorType::Evaluation.http_status(), 400);
        assert_eq!(ErrorType::RateLimit.http_status(), 429);
        assert_eq!(ErrorType::Unspecified.http_status(), 422);
    }

    #[test]
    fn no_orchestrator_type_is_in_the_table() {
        for zid in ["Z570", "Z572", "Z574", "Z578", "Z579", "Z581"] {
            assert!(entry(zid).is_none(), "{zid}");
        }
    }

    #[test]
    fn templates_are_rendered_from_key_texts() {
        let mut text = |key: &str| (key == "Z575K1").then(|| "300 ms".to_string());
        assert_eq!(
            render("Z575", &mut text).as_deref(),
            Some("the call exceeded the time limit of 300 ms")
        );
        let mut missing = |_: &str| Some("implementation".to_string());
        assert!(render("Z565", &mut missing)
            .unwrap()
            .starts_with("Unable to find programming language"));
        assert_eq!(render("Z1", &mut missing), None);
    }
}
