//! The guest's request parser (`guest/src/json.rs`) against QuickJS's own `JSON.parse`, in the
//! real guest: a custom executor (`tests/custom/json-parity`, built once per run) parses each
//! text with both and describes both results exactly (string code units, -0, key order,
//! property attributes, prototypes, thrown errors' names and messages). Every text must give
//! the same description: hand-written edge cases, every request of kiln's corpora (and the
//! 2023 conformance corpus when present), and a few thousand deterministic mutations of them
//! that are mostly not JSON.

use crate::common::*;
use crate::custom::built;
use libtest_mimic::Trial;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The parity executor's snapshot, built once per run.
fn parity() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    built(&BUILT, "tests/custom/json-parity/index.js", "json-parity").join("executor.cwasm")
}

/// Stands for a lone surrogate in a case (no Rust string holds one): written as `\ud800` in
/// the request, so the text the guest parses has a lone surrogate there.
const LONE: char = '\u{e000}';

/// The request for one text: a JSON string literal holding it.
fn request_for(text: &str) -> Vec<u8> {
    let literal = serde_json::to_string(text).expect("a string serializes");
    literal.replace(LONE, "\\ud800").into_bytes()
}

/// Runs every text through the parity executor and checks both parsers agree on each; answers
/// how many texts JSON.parse accepted and refused.
fn check_parity(texts: &[String]) -> (usize, usize) {
    let lines: Vec<Vec<u8>> = texts.iter().map(|t| request_for(t)).collect();
    let answers = run_jsonl(&parity(), &lines, &["--memory-mb", "512"]);
    assert_eq!(answers.len(), texts.len(), "one answer per text");
    let (mut accepted, mut refused) = (0, 0);
    for (text, answer) in texts.iter().zip(&answers) {
        let shown: String = text.chars().take(200).collect();
        assert_eq!(
            answer["same"],
            Value::Bool(true),
            "the guest's parser and JSON.parse differ on {shown:?}:\n{answer:#}"
        );
        let json = answer["json"].as_str().expect("a description");
        if json.starts_with("threw ") {
            refused += 1;
        } else {
            accepted += 1;
        }
    }
    (accepted, refused)
}

/// Edge cases of JSON and of the parser's fast paths (plain, escaped and non-ASCII strings,
/// numbers, repeated keys, `__proto__`, whitespace, nesting, errors at every kind of place).
fn edge_cases() -> Vec<String> {
    let mut cases: Vec<String> = [
        "{}",
        "[]",
        " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
        "\"\"",
        "\"plain ascii text longer than eight bytes\"",
        "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t end\"",
        "\"\\u0041\\u007f\\u0000\\u001f\\u0080\\u00e9\\u20ac\\ud83d\\ude00\"",
        "\"\\ud800 lone high, \\udc00 lone low, \\uDBFF\\uDFFF pair\"",
        "\"\\u00\"",
        "\"\\uZZZZ\"",
        "\"\\x41\"",
        "\"\\'\"",
        "\"é and 😀 and \u{2028} raw\"",
        "{\"é\": 1, \"😀\": 2, \"\\u0041\": 3, \"a\\nb\": 4}",
        "{\"a\": 1, \"a\": 2, \"b\": 3, \"a\": 4}",
        "{\"__proto__\": {\"x\": 1}, \"constructor\": 2, \"toString\": 3}",
        "{\"1\": \"a\", \"0\": \"b\", \"01\": \"c\", \"-1\": \"d\", \"4294967295\": \"e\", \"4294967294\": \"f\"}",
        "{\"\": 0, \" \": 1}",
        "[0, -0, 1, -1, 1.5, -1.5e3, 1E+2, 1e-7, 2147483647, 2147483648, -2147483648, -2147483649]",
        "[9007199254740993, 1e308, 1e309, -1e309, 5e-324, 2e-324, 0.1, 123456789012345678901234567890]",
        "[01]",
        "[1.]",
        "[.5]",
        "[-]",
        "[+1]",
        "[1e]",
        "[0x10]",
        "[Infinity]",
        "[NaN]",
        "[true, false, null]",
        "[tru]",
        "[truex]",
        "[nul]",
        "[True]",
        "[1,]",
        "{\"a\":1,}",
        "[,1]",
        "{\"a\" 1}",
        "{a: 1}",
        "{'a': 1}",
        "[\"unterminated]",
        "\"raw\ttab\"",
        "\"raw\nnewline\"",
        "\"raw\u{1}control\"",
        "[1] [2]",
        "[1] x",
        "",
        " ",
        "\u{feff}{}",
        "{\"a\":\u{b}1}",
        "{\"a\":\u{c}1}",
        "{\"a\":\u{a0}1}",
        "nul\u{0}l",
        "\"a\u{0}b\"",
        "[\"\\",
        "[\"\\u12",
        "{\"a\"",
        "{\"a\":",
        "[",
        "{",
        "}",
        "]",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Lone surrogates in the text itself (not escaped): in a string, in a key, outside.
    cases.push(format!("\"x{LONE}y\""));
    cases.push(format!("{{\"k{LONE}\": 1}}"));
    cases.push(format!("[1, {LONE}]"));
    // Stops at every position of an eight-byte word, around a long plain run.
    for at in 0..17 {
        for stop in ["\\n", "é", "\\u00e9", "\\\"", "\u{1}"] {
            let mut text = "abcdefghijklmnopqrstuvwx".to_string();
            text.insert_str(at, stop);
            cases.push(format!("[\"{text}\", {{\"{text}\": \"{text}\"}}]"));
        }
    }
    // Nesting around the parser's own limit (1000) and deeper.
    for depth in [999, 1000, 1001, 1500] {
        cases.push(format!("{}1{}", "[".repeat(depth), "]".repeat(depth)));
        cases.push(format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)));
    }
    // Long values: many members, many elements, a long string with escapes.
    let members: Vec<String> = (0..300)
        .map(|i| format!("\"k{i}\": [{i}, \"v{i}\"]"))
        .collect();
    cases.push(format!("{{{}}}", members.join(",")));
    cases.push(format!(
        "[{}]",
        (0..5000)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    ));
    cases.push(format!(
        "\"{}\"",
        "line\\n\\ttabbed \\\"quoted\\\" ".repeat(2000)
    ));
    cases
}

/// Every request text of kiln's corpora and bench calls (and the 2023 corpus when present).
fn corpus_texts() -> Vec<String> {
    let mut files: Vec<PathBuf> = Vec::new();
    for folder in ["executor-js/fixtures", "tests/hostile"] {
        files.extend(corpus(folder).into_iter().map(|(_, path, _)| path));
    }
    for entry in std::fs::read_dir(root().join("benches/calls")).expect("benches/calls") {
        files.push(entry.expect("an entry").path());
    }
    if let Ok(dir) = shared_corpus() {
        for entry in walk(&dir) {
            if entry.extension().is_some_and(|e| e == "json") {
                files.push(entry);
            }
        }
    }
    files.sort();
    files
        .iter()
        .filter_map(|path| {
            let bytes = std::fs::read(path).ok()?;
            // A request a corpus keeps as bytes that are not UTF-8 reaches the guest repaired.
            Some(String::from_utf8_lossy(&bytes).into_owned())
        })
        // The guest refuses requests nested deeper than 5,000 levels before any parsing (where
        // QuickJS's recursive JSON.parse would overflow the wasm stack).
        .filter(|text| nesting(text) <= 5000)
        .collect()
}

/// The deepest nesting of brackets and braces outside strings.
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for byte in text.bytes() {
        match (in_string, escaped, byte) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, ..) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Deterministic mutations of the smaller corpus texts: a character deleted, replaced or
/// inserted (quotes, escapes, brackets, digits, non-ASCII, control characters, lone
/// surrogates), or a slice cut out.
fn mutations(texts: &[String], count: usize) -> Vec<String> {
    const INSERTS: [&str; 24] = [
        "\"", "\\", "{", "}", "[", "]", ",", ":", "0", "-", "e", ".", " ", "\n", "\\u", "\\n", "é",
        "😀", "\u{1}", "\u{0}", "\u{e000}", "true", "null", "\"\":",
    ];
    let sources: Vec<Vec<char>> = texts
        .iter()
        .filter(|t| t.len() <= 4096 && !t.is_empty())
        .map(|t| t.chars().collect())
        .collect();
    assert!(!sources.is_empty(), "texts to mutate");
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound.max(1) as u64) as usize
    };
    (0..count)
        .map(|_| {
            let mut chars = sources[next(sources.len())].clone();
            for _ in 0..1 + next(3) {
                let at = next(chars.len() + 1);
                match next(4) {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => {
                        let insert: Vec<char> = INSERTS[next(INSERTS.len())].chars().collect();
                        chars.splice(at..at + 1, insert);
                    }
                    2 => {
                        let insert: Vec<char> = INSERTS[next(INSERTS.len())].chars().collect();
                        chars.splice(at..at, insert);
                    }
                    _ => {
                        let end = (at + next(16)).min(chars.len());
                        chars.drain(at..end);
                    }
                }
            }
            chars.into_iter().collect()
        })
        .collect()
}

fn edge_cases_parse_as_json_parse_does() {
    let (accepted, refused) = check_parity(&edge_cases());
    assert!(
        accepted >= 30 && refused >= 30,
        "{accepted} accepted, {refused} refused"
    );
}

fn corpus_requests_parse_as_json_parse_does() {
    let texts = corpus_texts();
    assert!(texts.len() >= 150, "only {} corpus texts", texts.len());
    let (accepted, _) = check_parity(&texts);
    assert!(accepted >= 100, "only {accepted} corpus texts were JSON");
}

fn mutated_requests_parse_as_json_parse_does() {
    let texts = mutations(&corpus_texts(), 3000);
    let (accepted, refused) = check_parity(&texts);
    // Mutations are mostly not JSON; enough of them still are for both paths to be covered.
    assert!(
        accepted >= 200 && refused >= 1000,
        "{accepted} accepted, {refused} refused"
    );
}

/// This module's trials, named `json_parser::<test>`.
pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "json_parser::edge_cases_parse_as_json_parse_does",
            edge_cases_parse_as_json_parse_does,
        ),
        trial(
            "json_parser::corpus_requests_parse_as_json_parse_does",
            corpus_requests_parse_as_json_parse_does,
        ),
        trial(
            "json_parser::mutated_requests_parse_as_json_parse_does",
            mutated_requests_parse_as_json_parse_does,
        ),
    ]
}
