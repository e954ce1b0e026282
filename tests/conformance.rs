//! Every case of the Wikifunctions 2023 corpus (`../shared/conformance/wikifunctions-2023`)
//! through `kiln run --jsonl` against the snapshot, bytecode and plain artifacts, compared as
//! its `cases.json` says; and the three artifacts must agree on every Z22K1.

mod common;

use common::*;
use kiln_compiler::ArtifactKind;
use serde_json::{Map, Value};
use std::path::Path;

struct Case {
    name: String,
    request: Value,
    check: Check,
}

enum Check {
    WithoutZ1K1(Value),
    Error(String),
}

fn read(dir: &Path, file: &str) -> Value {
    let path = dir.join("test_data").join(file);
    serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A value in a case: a literal, `{"file": F}` or `{"file": F, "key": K}`.
fn resolve(dir: &Path, spec: &Value) -> Value {
    match spec.get("file").and_then(Value::as_str) {
        Some(file) if spec.as_object().is_some_and(|o| o.len() <= 2) => {
            let content = read(dir, file);
            match spec.get("key").and_then(Value::as_str) {
                Some(key) => content[key].clone(),
                None => content,
            }
        }
        _ => spec.clone(),
    }
}

fn build_request(dir: &Path, spec: &Value) -> Value {
    if let Some(file) = spec.as_str() {
        return read(dir, file);
    }
    let spec = spec
        .as_object()
        .expect("a request is a file name or an object");
    let mut request = match spec.get("base").and_then(Value::as_str) {
        Some(base) => read(dir, base),
        None => Value::Object(Map::new()),
    };
    for (key, value) in spec {
        if key == "base" {
            continue;
        }
        let value = resolve(dir, value);
        match key.strip_prefix("functionArguments.") {
            Some(argument) => {
                let arguments = request
                    .as_object_mut()
                    .unwrap()
                    .entry("functionArguments")
                    .or_insert_with(|| Value::Object(Map::new()));
                arguments[argument] = value;
            }
            None => {
                request[key] = value;
            }
        }
    }
    request
}

fn load_cases(dir: &Path) -> Vec<Case> {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let mut cases = Vec::new();
    for group in ["executor_cases", "evaluator_cases"] {
        for case in manifest[group].as_array().unwrap() {
            let check = match case["compare"].as_str().unwrap() {
                "without_Z1K1" => {
                    let expected = match &case["expect"] {
                        Value::String(file) => read(dir, file)["Z22K1"].clone(),
                        spec => read(dir, spec["Z22K1"].as_str().unwrap()),
                    };
                    Check::WithoutZ1K1(expected)
                }
                "error" => Check::Error(case["phrase"].as_str().unwrap_or("").to_string()),
                other => panic!("unknown comparison {other}"),
            };
            cases.push(Case {
                name: format!("{group}/{}", case["name"].as_str().unwrap()),
                request: build_request(dir, &case["request"]),
                check,
            });
        }
    }
    cases
}

#[test]
fn wikifunctions_2023_corpus_passes_on_every_artifact() {
    let Some(dir) = shared_corpus() else {
        return;
    };
    let cases = load_cases(&dir);
    assert!(
        cases.len() >= 21,
        "the manifest lists {} cases",
        cases.len()
    );
    let lines: Vec<Vec<u8>> = cases
        .iter()
        .map(|c| c.request.to_string().into_bytes())
        .collect();
    let mut values_by_kind = Vec::new();
    for kind in ArtifactKind::ALL {
        let answers = run_jsonl(&cwasm(kind), &lines, &["--deterministic"]);
        let mut failures = Vec::new();
        for (case, answer) in cases.iter().zip(&answers) {
            let ok = match &case.check {
                Check::WithoutZ1K1(expected) => {
                    without_z1k1(&answer["Z22K1"]) == without_z1k1(expected)
                }
                Check::Error(phrase) => {
                    answer["Z22K1"] == serde_json::json!({"Z1K1": "Z9", "Z9K1": "Z24"})
                        && error_of(answer)
                            .is_some_and(|(_, message)| message.contains(phrase.as_str()))
                }
            };
            eprintln!(
                "{:<8} {:<9} {}",
                if ok { "pass" } else { "FAIL" },
                kind.name(),
                case.name
            );
            if !ok {
                failures.push(format!("{}: {answer}", case.name));
            }
        }
        assert!(
            failures.is_empty(),
            "{} artifact failed:\n{}",
            kind.name(),
            failures.join("\n")
        );
        values_by_kind.push(
            answers
                .iter()
                .map(|a| a["Z22K1"].clone())
                .collect::<Vec<_>>(),
        );
    }
    // Differential: identical Z22K1 through snapshot, bytecode and plain.
    for (index, case) in cases.iter().enumerate() {
        assert_eq!(
            values_by_kind[0][index], values_by_kind[1][index],
            "{}: snapshot vs bytecode",
            case.name
        );
        assert_eq!(
            values_by_kind[0][index], values_by_kind[2][index],
            "{}: snapshot vs plain",
            case.name
        );
    }
}
