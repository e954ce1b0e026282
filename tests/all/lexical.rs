//! The guest's native ZID check (`guest/src/lexical.rs`) against the RegExp it replaces, in
//! the real guest: a custom executor (`tests/custom/zid-parity`, built once per run) asks
//! both about each value of its request and reports every value they answer differently for.
//! The values: hand-written edge cases (leading zeros, keys, case, whitespace, NUL, non-ASCII
//! digits, lone surrogates, very long numbers, non-strings) and every string of up to four
//! characters over an alphabet of the characters that matter.

use crate::common::*;
use crate::custom::built;
use libtest_mimic::Trial;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

fn parity() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    built(&BUILT, "tests/custom/zid-parity/index.js", "zid-parity").join("executor.cwasm")
}

/// The request: a JSON array of the values to check.
fn request() -> (Vec<u8>, usize) {
    let mut values: Vec<Value> = [
        "Z1",
        "Z9",
        "Z10",
        "Z13518",
        "Z0",
        "Z01",
        "Z",
        "",
        "z1",
        "Z1K1",
        "K1",
        " Z1",
        "Z1 ",
        "Z1\n",
        "\nZ1",
        "Z1\u{0}",
        "ZZ1",
        "Z-1",
        "Z+1",
        "Z1.0",
        "Z1e3",
        "Z\u{661}",
        "Z1\u{e9}",
        "\u{ff3a}1",
        "Z\u{ff11}",
        "Z7\u{2028}",
    ]
    .iter()
    .map(|s| Value::from(*s))
    .collect();
    values.push(Value::from(format!("Z{}", "9".repeat(5000))));
    values.push(Value::from(format!("Z{}x", "1".repeat(5000))));
    for v in ["1", "null", "true", "{\"Z1\": 1}", "[\"Z1\"]", "1e3"] {
        values.push(serde_json::from_str(v).expect("JSON"));
    }
    // Every string of up to four characters over the characters that decide.
    let alphabet = ['Z', 'K', '0', '1', '9', 'z', ' ', '\u{e9}'];
    let mut current = vec![String::new()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for prefix in &current {
            for c in alphabet {
                next.push(format!("{prefix}{c}"));
            }
        }
        values.extend(next.iter().map(|s| Value::from(s.as_str())));
        current = next;
    }
    let count = values.len();
    (serde_json::to_vec(&values).expect("serializes"), count)
}

fn native_zid_check_answers_as_the_regexp() {
    let (request, count) = request();
    let answers = run_jsonl(&parity(), &[request], &[]);
    let answer = &answers[0];
    assert_eq!(
        answer["native"],
        Value::Bool(true),
        "the executor did not take the guest's check: {answer}"
    );
    assert_eq!(
        answer["differ"],
        Value::Array(vec![]),
        "the native check and the RegExp differ: {answer}"
    );
    // The executor adds seven values JSON cannot carry.
    assert_eq!(answer["checked"], Value::from(count + 7), "{answer}");
    // Both answers occur: Z1 Z9 Z10 Z13518, Z 5000 nines, and Z1 Z9 Z10 Z11 Z19 Z90 Z91 Z99 ... of the alphabet.
    let matched = answer["matched"].as_u64().expect("a count");
    assert!(matched > 20 && (matched as usize) < count / 2, "{answer}");
}

/// This module's trials, named `lexical::<test>`.
pub fn trials() -> Vec<Trial> {
    vec![trial(
        "lexical::native_zid_check_answers_as_the_regexp",
        native_zid_check_answers_as_the_regexp,
    )]
}
