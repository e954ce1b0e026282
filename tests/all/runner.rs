//! The runner under abuse, on the real snapshot artifact: every limit ends its call with its
//! own Z5 type and the next call still works; nothing leaks between calls; randomness is
//! reseeded per call; deterministic mode reproduces answers; the compilation cache recovers
//! from bad entries; `--jobs` keeps answers in order.

use crate::common::*;
use kiln_compiler::ArtifactKind;
use serde_json::{json, Value};

fn call(code: &str, function: &str) -> Vec<u8> {
    json!({"codeString": code, "functionName": function, "functionArguments": {}})
        .to_string()
        .into_bytes()
}

fn add() -> Vec<u8> {
    let request: Value =
        serde_json::from_slice(&std::fs::read(root().join("benches/calls/add.json")).unwrap())
            .unwrap();
    request.to_string().into_bytes()
}

/// Runs `bad` then a normal call in one process, checks the error type and the recovery.
fn assert_limit(bad: Vec<u8>, args: &[&str], zid: &str, phrase: &str) {
    for kind in [ArtifactKind::Snapshot, ArtifactKind::Plain] {
        let answers = run_jsonl(
            &cwasm(kind),
            &[bad.clone(), add(), bad.clone(), add()],
            args,
        );
        for round in 0..2 {
            assert_error(
                &answers[2 * round],
                Some(zid),
                phrase,
                &format!("{} {zid}", kind.name()),
            );
            assert_eq!(
                string_value(&answers[2 * round + 1]).as_deref(),
                Some("13"),
                "{}: the call after a {zid} still works",
                kind.name()
            );
        }
    }
}

fn an_endless_loop_hits_the_time_limit() {
    assert_limit(
        call("function f() { while (true) {} }", "f"),
        &["--timeout-ms", "300"],
        "Z575",
        "time limit of 300 ms",
    );
}

fn an_endless_promise_chain_hits_the_time_limit() {
    assert_limit(
        call("async function f() { while (true) { await null; } }", "f"),
        &["--timeout-ms", "300"],
        "Z575",
        "time limit",
    );
}

fn fuel_runs_out() {
    assert_limit(
        call("function f() { let i = 0; while (true) { i++; } }", "f"),
        // The plain baseline evaluates the whole executor bundle in every call (about 55
        // million fuel for the add call), so the budget leaves it room to answer.
        &["--fuel", "200000000"],
        "Z582",
        "fuel budget of 200000000",
    );
}

fn an_allocation_bomb_hits_the_memory_limit() {
    assert_limit(
        call(
            "function f() { const a = []; while (true) { a.push(new Array(100000).fill(1.5)); } }",
            "f",
        ),
        &["--memory-mb", "48"],
        "Z507",
        "memory limit of 48 MiB",
    );
    assert_limit(
        call(
            "function f() { const m = new Map(); for (let i = 0; ; i++) { m.set(i, 'v' + i); } }",
            "f",
        ),
        &["--memory-mb", "48"],
        "Z507",
        "memory limit of 48 MiB",
    );
}

fn deep_recursion_is_a_stack_error() {
    assert_limit(
        call(
            "function f() { function r(n) { return r(n + 1) + 1; } return r(0); }",
            "f",
        ),
        &[],
        "Z573",
        "recursion limit (the wasm stack) in f",
    );
}

fn a_huge_answer_hits_the_output_limit() {
    assert_limit(
        call("function f() { return 'x'.repeat(100000); }", "f"),
        &["--max-output-bytes", "50000"],
        "Z560",
        "larger than the limit of 50000 bytes",
    );
}

fn an_oversized_request_is_refused() {
    let big = call(
        &format!("function f() {{ return '{}'; }}", "y".repeat(5000)),
        "f",
    );
    assert_limit(
        big,
        &["--max-request-bytes", "4096"],
        "Z561",
        "over the limit of 4096 bytes",
    );
}

fn nothing_leaks_from_one_call_into_the_next() {
    let poison = call(
        "function f() { globalThis.leak = 'leaked'; Object.prototype.leak = 'leaked'; Array.prototype.push = null; \
         String.prototype.toString = () => 'leaked'; Math.random = () => 0.5; JSON.parse = null; return 'set'; }",
        "f",
    );
    let probe = call(
        "function f() { return [typeof globalThis.leak, typeof ({}).leak, typeof [].push, 'a'.toString(), \
         String(Math.random() === 0.5), typeof JSON.parse].join(','); }",
        "f",
    );
    for kind in ArtifactKind::ALL {
        let answers = run_jsonl(
            &cwasm(kind),
            &[probe.clone(), poison.clone(), probe.clone()],
            &["--jobs", "1"],
        );
        assert_eq!(string_value(&answers[1]).as_deref(), Some("set"));
        assert_eq!(
            string_value(&answers[0]),
            string_value(&answers[2]),
            "{}",
            kind.name()
        );
        assert_eq!(
            string_value(&answers[2]).as_deref(),
            Some("undefined,undefined,function,a,false,function"),
            "{}",
            kind.name()
        );
    }
}

fn randomness_is_fresh_on_every_call() {
    let random = call(
        "function f() { return String(Math.random()) + ',' + String(Math.random()); }",
        "f",
    );
    let lines = vec![random.clone(); 6];
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..2 {
        for answer in run_jsonl(&cwasm(ArtifactKind::Snapshot), &lines, &[]) {
            assert!(
                seen.insert(string_value(&answer).unwrap()),
                "a random sequence repeated"
            );
        }
    }
    assert_eq!(seen.len(), 12);
}

fn deterministic_mode_fixes_clock_and_random() {
    let probe = call(
        "function f() { return String(Math.random()) + '@' + String(Date.now()); }",
        "f",
    );
    let first = run_jsonl(
        &cwasm(ArtifactKind::Snapshot),
        &[probe.clone(), probe.clone()],
        &["--deterministic"],
    );
    let second = run_jsonl(
        &cwasm(ArtifactKind::Snapshot),
        std::slice::from_ref(&probe),
        &["--deterministic"],
    );
    assert_eq!(first[0], first[1]);
    assert_eq!(first[0], second[0]);
    let text = string_value(&first[0]).unwrap();
    assert!(text.ends_with("@1672531200000"), "{text}");
    // Without it, the clock is live.
    let live = run_jsonl(&cwasm(ArtifactKind::Snapshot), &[probe], &[]);
    assert!(!string_value(&live[0]).unwrap().ends_with("@1672531200000"));
}

/// Checks every metadata key of `answer` against its format; `keys` must all be there.
fn check_metadata_formats(answer: &Value, keys: &[&str]) {
    let map = answer.get("Z22K2").expect("a Z22K2");
    let entries = kiln_runner::envelope::map_entries(map);
    let present: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    for key in keys {
        assert!(present.contains(key), "no {key} in {present:?}");
    }
    let duration = |t: &str| {
        t == "<50 μs"
            || t.strip_suffix(" μs")
                .or(t.strip_suffix(" ms"))
                .is_some_and(|n| n.parse::<u64>().is_ok())
    };
    let iso = |t: &str| {
        t.len() == 24
            && t.ends_with('Z')
            && t.as_bytes()[10] == b'T'
            && t[..4].parse::<u32>().is_ok()
    };
    let size = |t: &str| {
        t.strip_suffix(" MiB")
            .or(t.strip_suffix(" KiB"))
            .or(t.strip_suffix(" B"))
            .is_some_and(|n| n.parse::<f64>().is_ok())
    };
    for (key, value) in &entries {
        let text = value["Z6K1"].as_str().unwrap_or("");
        let ok = match key.as_str() {
            "evaluationStartTime" | "evaluationEndTime" => iso(text),
            "evaluationDuration"
            | "executionCpuUsage"
            | "wasmtimeTotalExecutionTime"
            | "kilnInstantiationTime" => duration(text),
            "executionMemoryUsage" => size(text),
            "wasmtimeFuelCost" | "wasmMemoryBytes" => text.parse::<u64>().is_ok(),
            "programmingLanguageVersion" => text.starts_with("QuickJS"),
            "kilnVersion" => text == kiln_runner::KILN_VERSION,
            "kilnArtifactHash" => text.len() == 64,
            "implementationId" => !text.is_empty(),
            "errors" => value["Z5K2"]["Z1K1"]["Z7K1"]["Z9K1"] == "Z885",
            "warnings" | "executorDebugLogs" | "logs" => value.get("Z1K1").is_some(),
            other => panic!("unexpected metadata key {other} in {answer}"),
        };
        assert!(ok, "metadata {key} has the wrong format: {value}");
    }
}

fn answers_carry_wikifunctions_metadata() {
    let keys = [
        "evaluationStartTime",
        "evaluationEndTime",
        "evaluationDuration",
        "executionCpuUsage",
        "executionMemoryUsage",
        "programmingLanguageVersion",
        "wasmtimeFuelCost",
        "wasmtimeTotalExecutionTime",
        "wasmMemoryBytes",
        "kilnInstantiationTime",
        "kilnArtifactHash",
        "kilnVersion",
    ];
    let throws = call("function f() { throw new Error('no'); }", "f");
    let answers = run_jsonl(
        &cwasm(ArtifactKind::Snapshot),
        &[add(), throws],
        &["--fuel", "1000000000000"],
    );
    check_metadata_formats(&answers[0], &keys);
    let mut with_errors = keys.to_vec();
    with_errors.push("errors");
    check_metadata_formats(&answers[1], &with_errors);
    let fuel = kiln_runner::envelope::metadata(&answers[0], "wasmtimeFuelCost").unwrap();
    let fuel: u64 = fuel["Z6K1"].as_str().unwrap().parse().unwrap();
    assert!(fuel > 1000, "{fuel}");
    // Deterministic answers carry no timings.
    let quiet = run_jsonl(
        &cwasm(ArtifactKind::Snapshot),
        &[add()],
        &["--deterministic"],
    );
    assert!(kiln_runner::envelope::metadata(&quiet[0], "evaluationDuration").is_none());
    assert!(kiln_runner::envelope::metadata(&quiet[0], "evaluationStartTime").is_none());
}

/// Each warning at its threshold (given) and below it (not given), on the real artifact.
fn warnings_are_given_at_their_thresholds() {
    let big = call("function f() { return 'x'.repeat(1000); }", "f");
    let warned = |args: &[&str]| -> Vec<String> {
        let answers = run_jsonl(
            &cwasm(ArtifactKind::Snapshot),
            std::slice::from_ref(&big),
            args,
        );
        kiln_runner::envelope::warnings(&answers[0])
            .into_iter()
            .map(|w| w.0)
            .collect()
    };
    // The result's JSON text is {"Z1K1":"Z6","Z6K1":"xxx…"}: 1000 + 23 bytes.
    assert_eq!(warned(&["--warn-result-bytes", "1023"]), ["Z592"]);
    assert_eq!(warned(&["--warn-result-bytes", "1024"]), [] as [&str; 0]);
    assert_eq!(warned(&["--warn-memory-percent", "1"]), ["Z591"]);
    let fuel = run_jsonl(
        &cwasm(ArtifactKind::Snapshot),
        std::slice::from_ref(&big),
        &["--fuel", "1000000000"],
    );
    let used: u64 = kiln_runner::envelope::metadata(&fuel[0], "wasmtimeFuelCost").unwrap()["Z6K1"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let budget = (used * 100).to_string();
    assert_eq!(
        warned(&["--fuel", &budget, "--warn-fuel-percent", "1"]),
        ["Z590"]
    );
    let over = (used * 100 + 100).to_string();
    assert_eq!(
        warned(&["--fuel", &over, "--warn-fuel-percent", "1"]),
        [] as [&str; 0]
    );
    assert_eq!(warned(&["--warn-time-percent", "0"]), ["Z597"]);
    // A lone surrogate in the result is repaired, with a warning.
    let lone = call("function f() { return 'a\\ud800b'; }", "f");
    let answers = run_jsonl(
        &cwasm(ArtifactKind::Snapshot),
        &[lone],
        &["--deterministic"],
    );
    assert_eq!(string_value(&answers[0]).as_deref(), Some("a\u{fffd}b"));
    assert_eq!(
        kiln_runner::envelope::warnings(&answers[0]),
        [(
            "Z599".to_string(),
            "replaced 1 lone surrogate in Z22K1".to_string()
        )]
    );
}

/// Every ZID kiln can emit is in the schema's error-types.json, and none is the orchestrator's.
fn every_emitted_zid_is_an_evaluator_type() {
    let path = root().join("../shared/wikifunctions/error-types.json");
    let text = std::fs::read_to_string(&path).expect("error-types.json");
    for t in kiln_runner::ErrorType::ALL {
        let zid = t.zid();
        assert!(
            text.contains(&format!("\"{zid}\"")),
            "{zid} is not defined in error-types.json"
        );
        assert!(
            !["Z570", "Z572", "Z574", "Z578", "Z579", "Z581"].contains(&zid),
            "{zid} is an orchestrator type"
        );
    }
}

fn jobs_keep_answers_in_input_order() {
    let lines: Vec<Vec<u8>> = (0..40)
        .map(|i| {
            if i % 7 == 3 {
                b"not json".to_vec()
            } else {
                call(&format!("function f() {{ let s = 0; for (let i = 0; i < {}; i++) {{ s += i; }} return '{i}'; }}", (40 - i) * 2000), "f")
            }
        })
        .collect();
    let answers = run_jsonl(&cwasm(ArtifactKind::Snapshot), &lines, &["--jobs", "3"]);
    for (i, answer) in answers.iter().enumerate() {
        if i % 7 == 3 {
            assert_error(answer, Some("Z561"), "", "bad line under --jobs");
        } else {
            assert_eq!(string_value(answer), Some(i.to_string()));
        }
    }
}

fn the_compilation_cache_recovers_from_bad_entries() {
    let cache = root().join("target/kiln-test/cache-test");
    let _ = std::fs::remove_dir_all(&cache);
    let wasm = artifacts()
        .artifact(ArtifactKind::Snapshot)
        .unwrap()
        .wasm
        .clone();
    let run = |artifact: &std::path::Path| {
        kiln()
            .args(["run", "--deterministic", "--cache-dir"])
            .arg(&cache)
            .arg("--artifact")
            .arg(artifact)
            .arg(root().join("benches/calls/add.json"))
            .output()
            .unwrap()
    };
    // First run compiles and stores.
    let first = run(&wasm);
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stderr).contains("cached it as"));
    assert_eq!(
        string_value(&parse(String::from_utf8_lossy(&first.stdout).trim())).as_deref(),
        Some("13")
    );
    let entries: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "one entry: {entries:?}");
    // Second run hits silently.
    let second = run(&wasm);
    assert!(second.status.success());
    assert!(
        second.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    // A corrupt entry is replaced, with a message, never a crash.
    std::fs::write(&entries[0], b"garbage, not a compiled module").unwrap();
    let third = run(&wasm);
    assert!(third.status.success());
    assert!(
        String::from_utf8_lossy(&third.stderr).contains("was unusable"),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    assert_eq!(
        string_value(&parse(String::from_utf8_lossy(&third.stdout).trim())).as_deref(),
        Some("13")
    );
    // A .cwasm that does not fit this engine falls back to the .wasm beside it.
    let dir = root().join("target/kiln-test/cache-test-artifact");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&wasm, dir.join("executor.wasm")).unwrap();
    std::fs::write(dir.join("executor.cwasm"), b"not a real cwasm").unwrap();
    let fourth = run(&dir.join("executor.cwasm"));
    assert!(
        fourth.status.success(),
        "{}",
        String::from_utf8_lossy(&fourth.stderr)
    );
    assert!(String::from_utf8_lossy(&fourth.stderr).contains("does not fit this runner"));
    assert_eq!(
        string_value(&parse(String::from_utf8_lossy(&fourth.stdout).trim())).as_deref(),
        Some("13")
    );
    // Without the .wasm, a clear error.
    std::fs::remove_file(dir.join("executor.wasm")).unwrap();
    let fifth = run(&dir.join("executor.cwasm"));
    assert!(!fifth.status.success());
    assert!(String::from_utf8_lossy(&fifth.stderr).contains("rebuild it with `kiln build`"));
}

/// This module's trials, named `runner::<test>`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    vec![
        trial(
            "runner::an_endless_loop_hits_the_time_limit",
            an_endless_loop_hits_the_time_limit,
        ),
        trial(
            "runner::an_endless_promise_chain_hits_the_time_limit",
            an_endless_promise_chain_hits_the_time_limit,
        ),
        trial("runner::fuel_runs_out", fuel_runs_out),
        trial(
            "runner::an_allocation_bomb_hits_the_memory_limit",
            an_allocation_bomb_hits_the_memory_limit,
        ),
        trial(
            "runner::deep_recursion_is_a_stack_error",
            deep_recursion_is_a_stack_error,
        ),
        trial(
            "runner::a_huge_answer_hits_the_output_limit",
            a_huge_answer_hits_the_output_limit,
        ),
        trial(
            "runner::an_oversized_request_is_refused",
            an_oversized_request_is_refused,
        ),
        trial(
            "runner::nothing_leaks_from_one_call_into_the_next",
            nothing_leaks_from_one_call_into_the_next,
        ),
        trial(
            "runner::randomness_is_fresh_on_every_call",
            randomness_is_fresh_on_every_call,
        ),
        trial(
            "runner::deterministic_mode_fixes_clock_and_random",
            deterministic_mode_fixes_clock_and_random,
        ),
        trial(
            "runner::answers_carry_wikifunctions_metadata",
            answers_carry_wikifunctions_metadata,
        ),
        trial(
            "runner::warnings_are_given_at_their_thresholds",
            warnings_are_given_at_their_thresholds,
        ),
        if root()
            .join("../shared/wikifunctions/error-types.json")
            .is_file()
        {
            trial(
                "runner::every_emitted_zid_is_an_evaluator_type",
                every_emitted_zid_is_an_evaluator_type,
            )
        } else {
            absent_corpus_trial(
                "runner::error_types",
                "../shared/wikifunctions/error-types.json is absent",
            )
        },
        trial(
            "runner::jobs_keep_answers_in_input_order",
            jobs_keep_answers_in_input_order,
        ),
        trial(
            "runner::the_compilation_cache_recovers_from_bad_entries",
            the_compilation_cache_recovers_from_bad_entries,
        ),
    ]
}
