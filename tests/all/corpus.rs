//! kiln's own fixtures (`executor-js/fixtures/`) and hostile corpus (`tests/hostile/`), format
//! in their READMEs, through `kiln run` against all three artifacts, one trial per case and
//! artifact kind (`snapshot::hostile::bomb_map`): the exact answer or error, and for the
//! baselines the same answer as the snapshot. One more trial per corpus and kind
//! (`plain::hostile::one_process`) sends every case through one long-lived process with the
//! compiled-code cache on, twice in a row (the second call loads the code the first one
//! compiled), then a normal call: the same answers as `kiln run` without a cache, byte for
//! byte, and nothing a case did reaches the next call.

use crate::common::*;
use kiln_compiler::ArtifactKind;
use libtest_mimic::Trial;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The limits the hostile corpus runs under (see tests/hostile/README.md).
pub const HOSTILE_LIMITS: &[&str] = &[
    "--timeout-ms",
    "1000",
    "--memory-mb",
    "64",
    "--max-output-bytes",
    "1048576",
    "--max-request-bytes",
    "1048576",
];

/// One corpus folder: its trial label, where it lives, its limits, how many cases it must hold.
struct Folder {
    label: &'static str,
    path: &'static str,
    limits: &'static [&'static str],
    at_least: usize,
}

const FOLDERS: [Folder; 2] = [
    Folder {
        label: "fixtures",
        path: "executor-js/fixtures",
        limits: &[],
        at_least: 20,
    },
    Folder {
        label: "hostile",
        path: "tests/hostile",
        limits: HOSTILE_LIMITS,
        at_least: 60,
    },
];

/// The one-shot answer of each (kind, corpus, case), computed once per run.
fn answers() -> &'static Memo<Value> {
    static ANSWERS: OnceLock<Memo<Value>> = OnceLock::new();
    ANSWERS.get_or_init(Memo::new)
}

fn arguments(limits: &[&'static str]) -> Vec<&'static str> {
    limits.iter().copied().chain(["--deterministic"]).collect()
}

/// `kiln run` on one request file, once per run whichever trial asks.
fn one_shot(kind: ArtifactKind, folder: &'static Folder, name: &str, request: &Path) -> Value {
    let key = format!("{}::{}::{name}", kind.name(), folder.label);
    answers().get(&key, || {
        run_file(&cwasm(kind), request, &arguments(folder.limits))
    })
}

fn check_case(
    kind: ArtifactKind,
    folder: &'static Folder,
    name: &str,
    request: &Path,
    expected: &Value,
) {
    let answer = one_shot(kind, folder, name, request);
    let context = format!("{} artifact, {} case {name}", kind.name(), folder.label);
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
    if kind != ArtifactKind::Snapshot {
        let snapshot = one_shot(ArtifactKind::Snapshot, folder, name, request);
        assert_eq!(
            answer, snapshot,
            "{context}: differs from the snapshot's answer"
        );
    }
}

/// Every case of `folder` in one `kiln run --jsonl` process (compiled-code cache on, as by
/// default), each sent twice and then followed by the add call.
fn one_process(kind: ArtifactKind, folder: &'static Folder, cases: &[(String, PathBuf, Value)]) {
    let add = add_line();
    let mut lines = Vec::new();
    for (_, request, _) in cases {
        let line = request_line(&std::fs::read(request).unwrap());
        lines.push(line.clone());
        lines.push(line);
        lines.push(add.clone());
    }
    let streamed = run_jsonl(&cwasm(kind), &lines, &arguments(folder.limits));
    let mut failures = Vec::new();
    for (index, (name, request, _)) in cases.iter().enumerate() {
        let alone = one_shot(kind, folder, name, request);
        for (pass, answer) in ["first", "second (cached)"]
            .iter()
            .zip(&streamed[3 * index..3 * index + 2])
        {
            // A request that is not JSON is quoted in its Z501 (Z501K2) as it was sent, and a
            // --jsonl line has no line breaks: then the value and the error (type and message)
            // must agree; every other answer must be the same, byte for byte.
            let streamed_error = error_of(answer);
            let same = *answer == alone
                || (streamed_error.as_ref().is_some_and(|e| e.0 == "Z561")
                    && answer["Z22K1"] == alone["Z22K1"]
                    && streamed_error == error_of(&alone));
            if !same {
                failures.push(format!(
                    "{name}: the {pass} --jsonl answer differs from `kiln run`'s:\n  {answer}\n  {alone}"
                ));
            }
        }
        if string_value(&streamed[3 * index + 2]).as_deref() != Some("13") {
            failures.push(format!(
                "{name}: the call after it did not answer 13: {}",
                streamed[3 * index + 2]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} artifact, {} in one process:\n{}",
        kind.name(),
        folder.label,
        failures.join("\n")
    );
}

pub fn trials() -> Vec<Trial> {
    let mut trials = Vec::new();
    for folder in &FOLDERS {
        let cases = Arc::new(corpus(folder.path));
        let count = cases.len();
        trials.push(trial(
            format!("corpus::{}::holds_enough_cases", folder.label),
            move || {
                assert!(
                    count >= folder.at_least,
                    "only {count} cases in {}, expected at least {}",
                    folder.path,
                    folder.at_least
                );
            },
        ));
        for kind in ArtifactKind::ALL {
            for case in cases.iter() {
                let (name, request, expected) = case.clone();
                trials.push(trial(
                    format!("{}::{}::{name}", kind.name(), folder.label),
                    move || check_case(kind, folder, &name, &request, &expected),
                ));
            }
            let cases = cases.clone();
            trials.push(trial(
                format!("{}::{}::one_process", kind.name(), folder.label),
                move || one_process(kind, folder, &cases),
            ));
        }
    }
    trials
}
