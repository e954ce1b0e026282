//! The guest's native string chores (`guest/src/lexical.rs`) against what they replace, in the
//! real guest: a custom executor (`tests/custom/lexical-parity`, built once per run) asks both
//! about each value of its request and reports every value they answer differently for.
//! - The ZID check against the RegExp: edge cases (leading zeros, keys, case, whitespace,
//!   NUL, non-ASCII digits, lone surrogates, very long numbers, non-strings) and every string
//!   of up to four characters over the characters that decide.
//! - JSON quoting against `JSON.stringify`: every string of up to three characters over the
//!   characters JSON escapes or keeps (quotes, backslashes, controls, DEL, non-ASCII, line
//!   separators, lone surrogates), escapes at every offset of an eight-byte word, long texts.
//! - The order of argument keys against the executor's sort: numbered keys (leading zeros,
//!   equal numbers, 15 and 16 digits), keys without a number, integer-like keys, Z1K1 and
//!   Z7K1, objects long enough for the merge sort, and non-ASCII keys (left to the executor).
//! - The normal form a Z46 converter receives against the executor's JavaScript: strings,
//!   terminals, references, canonical lists (empty, of objects, of lists, with a non-ZID
//!   type), odd keys, values that are not ZObjects, deep nesting and a long list; compared
//!   node by node with prototypes, attributes and sharing, and never sharing a node with the
//!   request.

use crate::common::*;
use crate::custom::built;
use libtest_mimic::Trial;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::OnceLock;

fn parity() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    built(
        &BUILT,
        "tests/custom/lexical-parity/index.js",
        "lexical-parity",
    )
    .join("executor.cwasm")
}

/// Stands for a lone surrogate (no Rust string holds one): written as `\ud800` in the request.
const LONE: char = '\u{e000}';

/// Every string of `1..=len` characters over `alphabet`.
fn strings_over(alphabet: &[char], len: usize) -> Vec<String> {
    let mut all = Vec::new();
    let mut current = vec![String::new()];
    for _ in 0..len {
        let mut next = Vec::new();
        for prefix in &current {
            for c in alphabet {
                next.push(format!("{prefix}{c}"));
            }
        }
        all.extend(next.iter().cloned());
        current = next;
    }
    all
}

/// Runs one check over `values` (the executor adds seven more); answers the report.
fn check(kind: &str, values: Vec<Value>) -> Value {
    let count = values.len();
    let request = json!({"check": kind, "values": values})
        .to_string()
        .replace(LONE, "\\ud800");
    let answers = run_jsonl(&parity(), &[request.into_bytes()], &[]);
    let answer = answers[0].clone();
    assert_eq!(
        answer["native"],
        Value::Bool(true),
        "the executor did not take the guest's function: {answer}"
    );
    assert_eq!(
        answer["differ"],
        json!([]),
        "the native function and its oracle differ: {answer}"
    );
    assert_eq!(answer["checked"], json!(count + 8), "{answer}");
    answer
}

fn native_zid_check_answers_as_the_regexp() {
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
    values.push(Value::from(format!("Z1{LONE}")));
    for v in ["1", "null", "true", "{\"Z1\": 1}", "[\"Z1\"]", "1e3"] {
        values.push(serde_json::from_str(v).expect("JSON"));
    }
    let alphabet = ['Z', 'K', '0', '1', '9', 'z', ' ', '\u{e9}'];
    values.extend(strings_over(&alphabet, 4).into_iter().map(Value::from));
    let count = values.len();
    let answer = check("zid", values);
    // Both answers occur: Z1 Z9 Z10 Z13518, Z and 5000 nines, Z1 Z9 Z10 … of the alphabet.
    let matched = answer["matched"].as_u64().expect("a count");
    assert!(matched > 20 && (matched as usize) < count / 2, "{answer}");
}

fn native_quote_answers_as_json_stringify() {
    let alphabet = [
        'a',
        '"',
        '\\',
        '\n',
        '\u{8}',
        '\u{1}',
        '\u{1f}',
        '\u{7f}',
        '\u{e9}',
        '\u{1f600}',
        '\u{2028}',
        '\u{ffff}',
        LONE,
    ];
    let mut values: Vec<Value> = strings_over(&alphabet, 3)
        .into_iter()
        .map(Value::from)
        .collect();
    // Every escape at every offset of an eight-byte word, and after a long plain run.
    for escape in ["\"", "\\", "\n", "\u{0}", "\u{e9}", "\u{1f600}"] {
        for offset in 0..17 {
            values.push(Value::from(format!(
                "{}{escape}{}",
                "x".repeat(offset),
                "y".repeat(9)
            )));
        }
        values.push(Value::from(format!("{}{escape}", "z".repeat(4096))));
    }
    values.push(Value::from(
        "plain ascii text that needs no escape at all, long enough",
    ));
    values.push(Value::from(
        "\u{0430}\u{0431}\u{0432} кириллица 😀 mixed \"quoted\"\t",
    ));
    for v in [
        "1",
        "-0",
        "null",
        "true",
        "{\"a\": \"\\n\"}",
        "[\"\\u0000\"]",
        "1e300",
    ] {
        values.push(serde_json::from_str(v).expect("JSON"));
    }
    let count = values.len();
    let answer = check("quote", values);
    // Escapes occur in most of them; plain ones too.
    let escaped = answer["matched"].as_u64().expect("a count") as usize;
    assert!(escaped > count / 2 && escaped < count, "{answer}");
}

fn native_argument_keys_answer_as_the_executors_sort() {
    let object = |keys: &[String]| {
        Value::Object(
            keys.iter()
                .enumerate()
                .map(|(i, key)| (key.clone(), Value::from(i)))
                .collect(),
        )
    };
    let listed = |keys: &[&str]| object(&keys.iter().map(|k| k.to_string()).collect::<Vec<_>>());
    let mut values = vec![
        listed(&[]),
        listed(&["Z1000K2", "Z1000K1"]),
        listed(&["Z1K1", "Z7K1", "Z1000K10", "Z1000K9", "Z1000K1"]),
        listed(&["K1", "K01", "K001", "Z2K1", "Z1K1", "Z7K1"]),
        listed(&["b", "a", "", "K", "KK", "K1e3", "K 1", "K0", "Z1000K-1"]),
        listed(&["10", "2", "1", "K2", "x"]),
        listed(&["K123456789012345", "K1234567890123456", "K999999999999999"]),
        listed(&["Z1K1", "Z7K1"]),
        listed(&["Z1000K1", "Z\u{e9}K1"]),
        listed(&["\u{1f600}", "\u{ff21}K1", "Z1000K2"]),
    ];
    // Long enough for the merge sort (runs of 16), in an order far from sorted.
    let many: Vec<String> = (1..=60)
        .rev()
        .map(|n| format!("Z1000K{}", (n * 37) % 61))
        .chain(["zz", "Z7K1", "Z1K1", "K07", "K7"].map(String::from))
        .collect();
    values.push(object(&many));
    // Every key of up to three characters over the characters that decide, in one object.
    let alphabet = ['Z', 'K', '1', '0', 'a'];
    values.push(object(&strings_over(&alphabet, 3)));
    let count = values.len();
    let request = json!({"check": "keys", "values": values}).to_string();
    let answer = run_jsonl(&parity(), &[request.into_bytes()], &[])[0].clone();
    assert_eq!(answer["native"], Value::Bool(true), "{answer}");
    assert_eq!(answer["differ"], json!([]), "{answer}");
    assert_eq!(answer["checked"], json!(2 * count), "{answer}");
    // All but the two objects with a non-ASCII key, as an executor form's and a Z7's.
    assert_eq!(answer["matched"], json!(2 * (count - 2)), "{answer}");
}

fn native_normal_form_is_the_executors() {
    let mut values: Vec<Value> = [
        r#""Z1""#,
        r#""Z6""#,
        r#""hello""#,
        r#""""#,
        r#""Z01""#,
        r#"5"#,
        r#"true"#,
        r#"null"#,
        r#"{"Z1K1":"Z6","Z6K1":"Z1"}"#,
        r#"{"Z1K1":"Z9","Z9K1":"Z10"}"#,
        r#"{"Z1K1":"Z9","Z9K1":5}"#,
        r#"{"Z1K1":"Z13518","Z13518K1":"5"}"#,
        r#"{"Z1K1":"Z13518","Z13518K1":{"Z1K1":"Z6","Z6K1":"5"}}"#,
        r#"{"Z1K1":{"Z1K1":"Z7","Z7K1":"Z885","Z885K1":"Z500"},"K1":"x","K2":"Z41"}"#,
        r#"{"Z1K1":"not a zid","K1":["Z6","a","Z1",{"Z1K1":"Z6","Z6K1":"b"},1,null,true,[]]}"#,
        r#"["Z6"]"#,
        r#"[]"#,
        r#"["Z6","a"]"#,
        r#"["notzid","a","b"]"#,
        r#"[5,"a"]"#,
        r#"[null]"#,
        r#"[{"Z1K1":"Z7","Z7K1":"Z881","Z881K1":"Z6"},["Z6","x"],["Z6"],[]]"#,
        r#"[{"Z1K1":"Z9","Z9K1":"Z6"},{"Z1K1":"Z6","Z6K1":"x"},"y"]"#,
        r#"{"__proto__":"x","1":"a","0":{"a":"b"},"Z1K1":5,"":"Z7"}"#,
        r#"{"Z1K1":["Z6"],"K1":{}}"#,
        r#"{"Z1K1":"Z6","Z6K1":["Z6","a"]}"#,
        r#"{"Z1K1":"Z40","Z40K1":{"Z1K1":"Z9","Z9K1":"Z41"}}"#,
        r#"{"a":{"b":{"c":["Z1",{"d":"Z1"}]}}}"#,
    ]
    .iter()
    .map(|text| serde_json::from_str(text).expect("JSON"))
    .collect();
    values.push(Value::from(format!("Z1{LONE}")));
    // Deep nesting and a long list: both copied with a work list, not the stack.
    let mut deep = json!("Z1");
    for _ in 0..2_000 {
        deep = json!({"Z1K1": "Z100", "K1": deep, "K2": ["Z6", "x"]});
    }
    values.push(deep);
    let long: Vec<Value> = std::iter::once(json!("Z6"))
        .chain((0..20_000).map(|i| json!(format!("s{i}"))))
        .collect();
    values.push(Value::Array(long));
    let count = values.len();
    let request = json!({"check": "normal", "values": values})
        .to_string()
        .replace(LONE, "\\ud800");
    let answer = run_jsonl(&parity(), &[request.into_bytes()], &[])[0].clone();
    assert_eq!(answer["native"], Value::Bool(true), "{answer}");
    assert_eq!(answer["differ"], json!([]), "{answer}");
    assert_eq!(answer["matched"], json!(count), "{answer}");
}

/// This module's trials, named `lexical::<test>`.
pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "lexical::native_zid_check_answers_as_the_regexp",
            native_zid_check_answers_as_the_regexp,
        ),
        trial(
            "lexical::native_quote_answers_as_json_stringify",
            native_quote_answers_as_json_stringify,
        ),
        trial(
            "lexical::native_argument_keys_answer_as_the_executors_sort",
            native_argument_keys_answer_as_the_executors_sort,
        ),
        trial(
            "lexical::native_normal_form_is_the_executors",
            native_normal_form_is_the_executors,
        ),
    ]
}
