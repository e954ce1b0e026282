//! kiln's own fixtures (`executor-js/fixtures/`) and hostile corpus (`tests/hostile/`), format
//! in their READMEs, through `kiln run` against all three artifacts: exact answers, error
//! types, agreement between paths, and a normal call succeeding after every case.

mod common;

use common::*;
use kiln_compiler::ArtifactKind;
use serde_json::Value;

#[test]
fn own_fixtures_pass_on_every_artifact_and_agree() {
    check_folder("executor-js/fixtures", 20, &[]);
}

#[test]
fn hostile_corpus_is_contained_on_every_artifact() {
    check_folder("tests/hostile", 60, HOSTILE_LIMITS);
}

/// The limits the hostile corpus runs under (see tests/hostile/README.md).
const HOSTILE_LIMITS: &[&str] = &[
    "--timeout-ms",
    "500",
    "--memory-mb",
    "64",
    "--max-output-bytes",
    "1048576",
    "--max-request-bytes",
    "1048576",
];

fn check_folder(folder: &str, at_least: usize, limits: &[&str]) {
    let fixtures = corpus(folder);
    assert!(
        fixtures.len() >= at_least,
        "only {} cases in {folder}",
        fixtures.len()
    );
    let add = root().join("benches/calls/add.json");
    let mut answers_by_kind = Vec::new();
    for kind in ArtifactKind::ALL {
        let artifact = cwasm(kind);
        let mut answers = Vec::new();
        for (name, request, expected) in &fixtures {
            let args: Vec<&str> = limits.iter().copied().chain(["--deterministic"]).collect();
            let answer = run_file(&artifact, request, &args);
            let context = format!("{} artifact, fixture {name}", kind.name());
            if expected.get("compare").and_then(Value::as_str) == Some("error") {
                assert_error(
                    &answer,
                    expected.get("type").and_then(Value::as_str),
                    expected.get("phrase").and_then(Value::as_str).unwrap_or(""),
                    &context,
                );
            } else {
                assert_eq!(&answer, expected, "{context}");
            }
            answers.push(answer);
        }
        // The same cases in one long-lived process (pooled instances are reused), each
        // followed by a normal call: same answers, and nothing a case did reaches the next call.
        let add_line = serde_json::to_vec(&parse(&std::fs::read_to_string(&add).unwrap())).unwrap();
        let mut lines = Vec::new();
        for (_, request, _) in &fixtures {
            lines.push(request_line(&std::fs::read(request).unwrap()));
            lines.push(add_line.clone());
        }
        let args: Vec<&str> = limits.iter().copied().chain(["--deterministic"]).collect();
        let streamed = run_jsonl(&artifact, &lines, &args);
        for (index, (name, _, _)) in fixtures.iter().enumerate() {
            assert_eq!(
                streamed[2 * index],
                answers[index],
                "{} {name}: --jsonl answer",
                kind.name()
            );
            assert_eq!(
                string_value(&streamed[2 * index + 1]).as_deref(),
                Some("13"),
                "{} {name}: the call after it",
                kind.name()
            );
        }
        answers_by_kind.push(answers);
    }
    for (index, (name, _, _)) in fixtures.iter().enumerate() {
        assert_eq!(
            answers_by_kind[0][index], answers_by_kind[1][index],
            "{name}: snapshot vs bytecode"
        );
        assert_eq!(
            answers_by_kind[0][index], answers_by_kind[2][index],
            "{name}: snapshot vs plain"
        );
    }
}
