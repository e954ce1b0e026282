//! kiln's own fixtures (`executor-js/fixtures/`, format in its README) through `kiln run`
//! against all three artifacts: exact answers, error types, and agreement between paths.

mod common;

use common::*;
use kiln_compiler::ArtifactKind;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> Vec<(String, PathBuf, Value)> {
    let dir = root().join("executor-js/fixtures");
    let mut list = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".request.json"))
        else {
            continue;
        };
        let expected_path = dir.join(format!("{name}.expected.json"));
        let expected: Value = serde_json::from_slice(
            &std::fs::read(&expected_path).unwrap_or_else(|_| panic!("{name} has no expected file")),
        )
        .unwrap();
        list.push((name.to_string(), path, expected));
    }
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

#[test]
fn own_fixtures_pass_on_every_artifact_and_agree() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 20, "only {} fixtures", fixtures.len());
    let mut answers_by_kind = Vec::new();
    for kind in ArtifactKind::ALL {
        let artifact = cwasm(kind);
        let mut answers = Vec::new();
        for (name, request, expected) in &fixtures {
            let answer = run_file(&artifact, request, &["--deterministic"]);
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
        answers_by_kind.push(answers);
    }
    for (index, (name, _, _)) in fixtures.iter().enumerate() {
        assert_eq!(answers_by_kind[0][index], answers_by_kind[1][index], "{name}: snapshot vs bytecode");
        assert_eq!(answers_by_kind[0][index], answers_by_kind[2][index], "{name}: snapshot vs plain");
    }
}
