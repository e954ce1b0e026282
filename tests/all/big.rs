//! Big inputs on every artifact: a 100,000-element normal-form typed list (one nesting level
//! per element, rewritten as an array by the guest), lists of such lists, a 9 MB string
//! argument; deep nesting of any other kind is refused with a Z561 that names the limit; an
//! envelope's `remainingTime` lowers the call's time limit in `kiln run`.

use crate::common::*;
use kiln_compiler::ArtifactKind;
use kiln_runner::engine::Allocation;
use kiln_runner::{CallOutcome, Limits, Runner};
use libtest_mimic::Trial;
use serde_json::json;

const LIST_OF_STRINGS: &str = r#"{"Z1K1":"Z7","Z7K1":"Z881","Z881K1":"Z6"}"#;

/// A normal-form typed list (K1/K2 chain) of the given element texts, as JSON text (built as
/// text: a value this deep would overflow a recursive serialiser).
fn normal_form_list(list_type: &str, items: &[String]) -> String {
    let mut text = String::new();
    for item in items {
        text.push_str(&format!(r#"{{"Z1K1":{list_type},"K1":{item},"K2":"#));
    }
    text.push_str(&format!(r#"{{"Z1K1":{list_type}}}"#));
    text.push_str(&"}".repeat(items.len()));
    text
}

fn z6(text: &str) -> String {
    json!({"Z1K1": "Z6", "Z6K1": text}).to_string()
}

fn executor_call(code: &str, argument: &str) -> Vec<u8> {
    format!(
        r#"{{"codeString":{},"functionName":"f","functionArguments":{{"Z1000K1":{argument}}}}}"#,
        json!(code)
    )
    .into_bytes()
}

fn call(kind: ArtifactKind, request: &[u8]) -> CallOutcome {
    let runner = Runner::load(&cwasm(kind), Allocation::OnDemand, Limits::default()).unwrap();
    runner.call(request)
}

fn answer_is(kind: ArtifactKind, outcome: &CallOutcome, expected: &str) {
    assert_eq!(outcome.error, None, "{}", kind.name());
    assert_eq!(
        outcome.value_json().as_deref(),
        Some(z6(expected).as_str()),
        "{}",
        kind.name()
    );
}

fn a_normal_form_list_of_100000_elements(kind: ArtifactKind) {
    let items: Vec<String> = (0..100_000).map(|n| z6(&n.to_string())).collect();
    let request = executor_call(
        "function f(xs) { return xs.length + ':' + xs[0] + ':' + xs[99999] + ':' + Array.isArray(xs); }",
        &normal_form_list(LIST_OF_STRINGS, &items),
    );
    answer_is(kind, &call(kind, &request), "100000:0:99999:true");
}

fn a_normal_form_list_of_long_lists(kind: ArtifactKind) {
    let inner: Vec<String> = (0..3)
        .map(|row| {
            let items: Vec<String> = (0..3_000).map(|n| z6(&(row * n).to_string())).collect();
            normal_form_list(LIST_OF_STRINGS, &items)
        })
        .collect();
    let outer_type = format!(r#"{{"Z1K1":"Z7","Z7K1":"Z881","Z881K1":{LIST_OF_STRINGS}}}"#);
    let request = executor_call(
        "function f(rows) { return rows.map((r) => r.reduce((s, x) => s + Number(x), 0)).join(','); }",
        &normal_form_list(&outer_type, &inner),
    );
    let sum: u64 = (0..3_000).sum();
    answer_is(
        kind,
        &call(kind, &request),
        &format!("0,{},{}", sum, 2 * sum),
    );
}

fn a_nine_megabyte_string(kind: ArtifactKind) {
    let text = format!("{}ünï", "a".repeat(9_000_000));
    let request = executor_call(
        "function f(s) { return s.length + ':' + s.slice(-4) + ':' + s.indexOf('b'); }",
        &z6(&text),
    );
    assert!(request.len() > 9_000_000);
    answer_is(kind, &call(kind, &request), "9000003:aünï:-1");
}

fn deep_other_nesting_is_refused(kind: ArtifactKind) {
    let depth = 6_000;
    let argument = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let outcome = call(
        kind,
        &executor_call("function f(x) { return 'no'; }", &argument),
    );
    let (zid, message) = outcome.error.expect("refused");
    assert_eq!(zid, "Z561", "{}: {message}", kind.name());
    // The scan stops at the first level past the limit.
    assert!(
        message.contains("nested 5001 levels deep")
            && message.contains("more than the limit of 5000"),
        "{}: {message}",
        kind.name()
    );
}

/// Brackets inside strings are not nesting, whatever backslashes come before a quote and
/// wherever the bytes fall in the guest's 64-byte blocks (guest/src/scan.rs): ~7,000 of
/// them would be refused as too deep if counted.
fn brackets_inside_strings_are_not_nesting(kind: ArtifactKind) {
    let mut text = String::new();
    for i in 0..1_000 {
        text.push_str(&"\\".repeat(i % 5));
        text.push('"');
        text.push_str(&"[".repeat(i % 13));
        text.push('{');
    }
    let request = executor_call("function f(s) { return String(s.length); }", &z6(&text));
    assert!(request.len() > 10_000);
    answer_is(kind, &call(kind, &request), &text.len().to_string());
}

fn remaining_time_lowers_the_time_limit() {
    let endless = json!({"codeString": "function f() { while (true) {} }",
        "functionName": "f", "functionArguments": {}});
    let short = json!({"zobject": endless, "remainingTime": 0.3, "requestId": "r1"});
    let long = json!({"zobject": endless, "remainingTime": 100});
    let answers = run_jsonl(
        &cwasm(ArtifactKind::Snapshot),
        &[
            short.to_string().into_bytes(),
            long.to_string().into_bytes(),
        ],
        &["--timeout-ms", "1000"],
    );
    assert_error(
        &answers[0],
        Some("Z575"),
        "time limit of 300 ms",
        "remainingTime 0.3",
    );
    assert_error(
        &answers[1],
        Some("Z575"),
        "time limit of 1000 ms",
        "--timeout-ms lower",
    );
}

/// One trial's body, run on one artifact kind.
type Case = fn(ArtifactKind);

pub fn trials() -> Vec<Trial> {
    let mut trials = Vec::new();
    for kind in ArtifactKind::ALL {
        let cases: [(&str, Case); 5] = [
            (
                "a_normal_form_list_of_100000_elements",
                a_normal_form_list_of_100000_elements,
            ),
            (
                "a_normal_form_list_of_long_lists",
                a_normal_form_list_of_long_lists,
            ),
            ("a_nine_megabyte_string", a_nine_megabyte_string),
            (
                "deep_other_nesting_is_refused",
                deep_other_nesting_is_refused,
            ),
            (
                "brackets_inside_strings_are_not_nesting",
                brackets_inside_strings_are_not_nesting,
            ),
        ];
        for (name, body) in cases {
            trials.push(trial(format!("{}::big::{name}", kind.name()), move || {
                body(kind)
            }));
        }
    }
    trials.push(trial(
        "runner::remaining_time_lowers_the_time_limit",
        remaining_time_lowers_the_time_limit,
    ));
    trials
}
