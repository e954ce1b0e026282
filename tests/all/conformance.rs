//! Every case of the Wikifunctions 2023 corpus (`../shared/conformance/wikifunctions-2023`)
//! through `kiln run --jsonl` against the snapshot, bytecode and plain artifacts, compared as
//! its `cases.json` says; the baselines must give the snapshot's Z22K1 on every case.

use crate::common::*;
use kiln_compiler::ArtifactKind;
use libtest_mimic::Trial;
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::{Arc, OnceLock};

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

/// Every case's name and request, in manifest order (for other transports, such as HTTP).
pub fn requests(dir: &Path) -> Vec<(String, Value)> {
    load_cases(dir)
        .into_iter()
        .map(|case| (case.name, case.request))
        .collect()
}

/// The snapshot's Z22K1 for each case, for the baselines' agreement check.
fn snapshot_values() -> &'static Memo<Value> {
    static VALUES: OnceLock<Memo<Value>> = OnceLock::new();
    VALUES.get_or_init(Memo::new)
}

fn run_case(kind: ArtifactKind, case: &Case) -> Value {
    let line = case.request.to_string().into_bytes();
    run_jsonl(&cwasm(kind), &[line], &["--deterministic"])
        .pop()
        .expect("one answer")
}

fn check_case(kind: ArtifactKind, case: &Case) {
    let answer = match kind {
        ArtifactKind::Snapshot => snapshot_values().get(&case.name, || run_case(kind, case)),
        _ => run_case(kind, case),
    };
    match &case.check {
        Check::WithoutZ1K1(expected) => assert_eq!(
            without_z1k1(&answer["Z22K1"]),
            without_z1k1(expected),
            "{} artifact, {}: Z22K1 (Z1K1 keys aside); answer: {answer}",
            kind.name(),
            case.name
        ),
        Check::Error(phrase) => assert_error(
            &answer,
            None,
            phrase,
            &format!("{} artifact, {}", kind.name(), case.name),
        ),
    }
    if kind != ArtifactKind::Snapshot {
        let snapshot = snapshot_values().get(&case.name, || run_case(ArtifactKind::Snapshot, case));
        assert_eq!(
            answer["Z22K1"],
            snapshot["Z22K1"],
            "{}: {} vs snapshot",
            case.name,
            kind.name()
        );
    }
}

/// Every case twice in one `kiln run --jsonl` process (the compiled-code cache on, as by
/// default): both answers are the answer without a cache, byte for byte.
fn check_cached_twice(kind: ArtifactKind, cases: &[Arc<Case>]) {
    let mut lines = Vec::new();
    for case in cases {
        let line = case.request.to_string().into_bytes();
        lines.push(line.clone());
        lines.push(line);
    }
    let answers = run_jsonl(&cwasm(kind), &lines, &["--deterministic"]);
    for (index, case) in cases.iter().enumerate() {
        let alone = match kind {
            ArtifactKind::Snapshot => snapshot_values().get(&case.name, || run_case(kind, case)),
            _ => run_case(kind, case),
        };
        assert_eq!(
            answers[2 * index],
            alone,
            "{}: first call, cache on",
            case.name
        );
        assert_eq!(
            answers[2 * index + 1],
            alone,
            "{}: second call, code cached",
            case.name
        );
    }
}

/// The case sent in today's evaluator envelope (`zobject`, `remainingTime`, `requestId`):
/// the same value or error as the bare request, and the requestId back in the metadata of
/// every answer with a value.
fn check_envelope(case: &Case) {
    let wrapped = serde_json::json!({
        "zobject": case.request,
        "remainingTime": 9.0,
        "requestId": "kiln-conformance",
    });
    let kind = ArtifactKind::Snapshot;
    let answer = run_jsonl(
        &cwasm(kind),
        &[wrapped.to_string().into_bytes()],
        &["--deterministic"],
    )
    .pop()
    .expect("one answer");
    let bare = snapshot_values().get(&case.name, || run_case(kind, case));
    assert_eq!(
        answer["Z22K1"], bare["Z22K1"],
        "{}: Z22K1 in the envelope",
        case.name
    );
    assert_eq!(
        error_of(&answer),
        error_of(&bare),
        "{}: error in the envelope",
        case.name
    );
    // The executor writes the requestId once it has read the call; a call it refuses as
    // incomplete or malformed is answered without one today.
    if error_of(&answer).is_none() {
        assert_eq!(
            kiln_runner::envelope::metadata(&answer, "requestId"),
            Some(serde_json::json!({"Z1K1": "Z6", "Z6K1": "kiln-conformance"})),
            "{}: {answer}",
            case.name
        );
    }
}

/// One trial per case and artifact kind (`bytecode::conformance::executor_cases/…`), or one
/// ignored trial saying why the corpus is absent.
pub fn trials() -> Vec<Trial> {
    let dir = match shared_corpus() {
        Ok(dir) => dir,
        Err(reason) => return vec![absent_corpus_trial("conformance", &reason)],
    };
    let cases: Vec<Arc<Case>> = load_cases(&dir).into_iter().map(Arc::new).collect();
    let count = cases.len();
    let mut trials = vec![trial("conformance::manifest_lists_every_case", move || {
        assert!(count >= 21, "the manifest lists {count} cases");
    })];
    for kind in ArtifactKind::ALL {
        for case in &cases {
            let case = case.clone();
            trials.push(trial(
                format!("{}::conformance::{}", kind.name(), case.name),
                move || check_case(kind, &case),
            ));
        }
    }
    for kind in ArtifactKind::ALL {
        let cases = cases.clone();
        trials.push(trial(
            format!("{}::conformance::cached_twice", kind.name()),
            move || check_cached_twice(kind, &cases),
        ));
    }
    // Today's envelope around every bare request (the 2023 evaluator cases already are one).
    for case in cases.iter().filter(|c| c.request.get("zobject").is_none()) {
        let case = case.clone();
        trials.push(trial(
            format!("snapshot::conformance_envelope::{}", case.name),
            move || check_envelope(&case),
        ));
    }
    trials
}
