//! Custom executors built from an ES module with `kiln build --entry`: the example
//! (`examples/template-executor`, with mustache from its package-lock) and the tests' own probe
//! (`tests/custom/probe`: async answers, a CommonJS module, `init`, every failure), each built
//! once per run through the CLI. Answers agree across the three artifacts; limits end calls
//! with the documented error objects; every build error is named; the same inputs build the
//! same bytes; `kiln inspect`, `kiln bench` and `kiln serve` know the kind of executor.

use crate::common::*;
use libtest_mimic::Trial;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

const STEMS: [&str; 3] = ["executor", "executor-bytecode", "executor-plain"];

/// `kiln build --entry ENTRY --out target/kiln-test/OUT` plus `extra`.
fn build_entry(entry: &str, out: &str, extra: &[&str]) -> Output {
    let dir = scratch().join(out);
    let _ = std::fs::remove_dir_all(&dir);
    kiln()
        .current_dir(root())
        .args(["build", "--entry", entry, "--out"])
        .arg(&dir)
        .args(extra)
        .output()
        .expect("kiln build starts")
}

/// An entry built once per run (the first trial that needs it builds it; json_parser uses it too).
pub fn built(cell: &'static OnceLock<Result<PathBuf, String>>, entry: &str, out: &str) -> PathBuf {
    let result = cell.get_or_init(|| {
        let output = build_entry(entry, out, &[]);
        if output.status.success() {
            Ok(scratch().join(out))
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    });
    match result {
        Ok(dir) => dir.clone(),
        Err(why) => panic!("kiln build --entry {entry} failed: {why}"),
    }
}

const EXAMPLE: &str = "examples/template-executor";

fn example() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    assert!(
        root()
            .join(EXAMPLE)
            .join("node_modules/mustache/package.json")
            .is_file(),
        "the example's npm packages are not installed: run `npm ci` in {EXAMPLE} (make setup \
         does)"
    );
    built(&BUILT, &format!("{EXAMPLE}/src/index.js"), "custom-example")
}

fn probe() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    built(&BUILT, "tests/custom/probe/index.js", "custom-probe")
}

/// `kiln run --jsonl` over `lines` on one artifact of `dir`: the answers, as text lines.
fn answers(dir: &Path, stem: &str, lines: &[&str], extra: &[&str]) -> Vec<String> {
    let mut child = spawn_jsonl(
        &dir.join(format!("{stem}.cwasm")),
        extra,
        std::process::Stdio::piped(),
    );
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(input.as_bytes()).unwrap();
    });
    let output = child.wait_with_output().expect("kiln runs");
    writer.join().unwrap();
    assert!(
        output.status.success(),
        "kiln run --jsonl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("answers are UTF-8");
    let answers: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(answers.len(), lines.len(), "one answer per line: {text}");
    answers
}

/// The answers of the snapshot, checked to be those of both baselines too.
fn agreed_answers(dir: &Path, lines: &[&str], extra: &[&str]) -> Vec<String> {
    let snapshot = answers(dir, STEMS[0], lines, extra);
    for stem in &STEMS[1..] {
        assert_eq!(
            answers(dir, stem, lines, extra),
            snapshot,
            "{stem} answers as the snapshot does"
        );
    }
    snapshot
}

fn example_answers_agree_on_all_artifacts() {
    let dir = example();
    let requests = root().join(EXAMPLE).join("requests");
    let greeting = std::fs::read_to_string(requests.join("greeting.json")).unwrap();
    let invoice = std::fs::read_to_string(requests.join("invoice.json")).unwrap();
    let lines = [
        greeting.trim(),
        invoice.trim(),
        r#"{"source":"{{#xs}}[{{.}}]{{/xs}}","data":{"xs":[1,2,3]}}"#,
        r#"{"template":"nope"}"#,
    ];
    let answers = agreed_answers(&dir, &lines, &[]);
    assert_eq!(answers[0], r#"{"html":"Hello, Ada &lt;Lovelace&gt;!"}"#);
    let html = parse(&answers[1])["html"].as_str().unwrap().to_string();
    assert!(html.starts_with("<h1>Invoice 2026-042</h1>\n"), "{html}");
    assert!(html.contains("<td>Item 20 &amp; co</td><td>20</td><td>60.50</td>"));
    assert!(html.contains("Notes: Due in &lt;30&gt; days"), "{html}");
    assert_eq!(answers[2], r#"{"html":"[1][2][3]"}"#);
    let error = parse(&answers[3]);
    assert_eq!(error["error"]["type"], "threw");
    assert_eq!(
        error["error"]["message"],
        r#"Error: unknown template: "nope""#
    );
    assert!(error["error"]["stack"]
        .as_str()
        .is_some_and(|s| s.contains("at handle (kiln-executor.js:")));
}

fn probe_answers_agree_on_all_artifacts() {
    let dir = probe();
    let lines = [
        "echo:hello, world",
        "upper:commonjs",
        "async:answer",
        "primed",
        "calls",
        "calls",
        "throw:7",
        "reject",
        "number",
        "async-number",
        "never",
        "recurse",
    ];
    let answers = agreed_answers(&dir, &lines, &[]);
    assert_eq!(
        &answers[..6],
        [
            "hello, world",
            "COMMONJS",
            "async answer",
            // init ran at build time (and with the top level on every baseline call).
            "true",
            // Every call starts afresh: the module's state never leaks between calls.
            "1",
            "1",
        ]
    );
    let errors: Vec<Value> = answers[6..].iter().map(|a| parse(a)).collect();
    let thrown = &errors[0]["error"];
    assert_eq!(thrown["type"], "threw");
    assert_eq!(thrown["message"], "TypeError: bad input 7");
    assert!(
        thrown["stack"]
            .as_str()
            .is_some_and(|s| s.starts_with("    at handle (kiln-executor.js:")),
        "{thrown}"
    );
    assert_eq!(errors[1]["error"]["type"], "threw");
    assert_eq!(errors[1]["error"]["message"], "Error: rejected");
    for not_a_string in &errors[2..4] {
        assert_eq!(
            not_a_string,
            &json!({"error": {"type": "not-a-string", "message": "handle answered with number, not a string"}})
        );
    }
    assert_eq!(
        errors[4],
        json!({"error": {"type": "never-settled", "message": "the function returned a promise that never settled (nothing left to run)"}})
    );
    assert_eq!(errors[5]["error"]["type"], "stack", "{}", errors[5]);
}

fn probe_limits_give_documented_error_objects() {
    let dir = probe();
    let cases: [(&str, &[&str], Value); 5] = [
        (
            "loop",
            &["--timeout-ms", "200"],
            json!({"error": {"type": "timeout", "message": "the call exceeded the time limit of 200 ms"}}),
        ),
        (
            "loop",
            &["--fuel", "50000000"],
            json!({"error": {"type": "fuel", "message": "the call used up its fuel budget of 50000000"}}),
        ),
        (
            "alloc",
            &["--memory-mb", "24"],
            json!({"error": {"type": "memory", "message": "the call reached the memory limit of 24 MiB"}}),
        ),
        (
            "big:100",
            &["--max-output-bytes", "64"],
            json!({"error": {"type": "output-too-large", "message": "the answer is larger than the limit of 64 bytes"}}),
        ),
        (
            "echo:0123456789abcdef",
            &["--max-request-bytes", "10"],
            json!({"error": {"type": "request-too-large", "message": "the request is 21 bytes, over the limit of 10 bytes"}}),
        ),
    ];
    for (line, flags, expected) in cases {
        for stem in STEMS {
            let answer = answers(&dir, stem, &[line, "echo:ok"], flags);
            assert_eq!(parse(&answer[0]), expected, "{stem}: {line} {flags:?}");
            assert_eq!(answer[1], "ok", "{stem}: the next call is unharmed");
        }
    }
    // An answer of exactly the output limit fits.
    let answer = answers(&dir, STEMS[0], &["big:64"], &["--max-output-bytes", "64"]);
    assert_eq!(answer[0], "x".repeat(64));
}

fn a_single_run_prints_the_answer_as_is() {
    let dir = probe();
    let output = kiln()
        .args(["run", "--artifact"])
        .arg(dir.join("executor.cwasm"))
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            // No evaluator envelope is read from a custom executor's request.
            child
                .stdin
                .take()
                .unwrap()
                .write_all(br#"echo:{"remainingTime":0.001,"zobject":1}"#)?;
            child.wait_with_output()
        })
        .expect("kiln runs");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "{\"remainingTime\":0.001,\"zobject\":1}\n"
    );
}

fn inspect_and_build_info_name_the_executor() {
    let dir = probe();
    let output = kiln()
        .args(["inspect", "--json"])
        .arg(dir.join("executor.cwasm"))
        .output()
        .expect("kiln inspect runs");
    assert!(output.status.success());
    let inspection = parse(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(inspection["build_info"]["executor"], "custom");
    assert_eq!(inspection["build_info"]["kind"], "snapshot");
    let info = |dir: &Path| parse(&std::fs::read_to_string(dir.join("build-info.json")).unwrap());
    assert_eq!(info(&dir)["executor"], "custom");
    assert_eq!(info(&dir)["entry"], "tests/custom/probe/index.js");
    // kiln's own executor says so in build-info.json, and its artifacts carry no new field.
    let builtin = artifacts();
    let builtin_dir = builtin.bundle.parent().unwrap().parent().unwrap();
    assert_eq!(info(builtin_dir)["executor"], "wikifunctions");
    assert!(builtin.info.executor.is_wikifunctions());
    let wasm = std::fs::read(builtin_dir.join("executor.wasm")).unwrap();
    let section = kiln_compiler::inspect::read_wasm(&wasm).unwrap();
    assert!(!serde_json::to_string(&section)
        .unwrap()
        .contains("executor"));
}

fn builds_of_the_same_inputs_are_byte_identical() {
    let first = probe();
    let output = build_entry(
        "tests/custom/probe/index.js",
        "custom-probe-again",
        &["--no-precompile"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let second = scratch().join("custom-probe-again");
    for file in [
        "bundle/executor.js",
        "executor.wasm",
        "executor-bytecode.wasm",
        "executor-plain.wasm",
    ] {
        assert!(
            std::fs::read(first.join(file)).unwrap() == std::fs::read(second.join(file)).unwrap(),
            "{file} differs between two builds"
        );
    }
}

fn bench_reports_the_examples_snapshot_speedups() {
    let dir = example();
    let out = scratch().join("custom-bench");
    let _ = std::fs::remove_dir_all(&out);
    let output = kiln()
        .args(["bench", "--quick", "--no-node", "--calls", "12"])
        .args(["--process-calls", "2", "--artifacts"])
        .arg(&dir)
        .arg("--request")
        .arg(root().join(EXAMPLE).join("requests/greeting.json"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("kiln bench starts");
    assert!(
        output.status.success(),
        "kiln bench failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.contains("| greeting |"), "{table}");
    let report = parse(&std::fs::read_to_string(out.join("bench.json")).unwrap());
    let call = &report["calls"][0];
    assert_eq!(call["name"], "greeting");
    let fuel = |path: &str| call["paths"][path]["fuel"].as_u64().unwrap();
    // The snapshot does not run the bundle's top level (mustache, the templates) per call.
    assert!(
        fuel("snapshot") * 2 < fuel("bytecode") && fuel("bytecode") < fuel("plain"),
        "fuel: snapshot {} bytecode {} plain {}",
        fuel("snapshot"),
        fuel("bytecode"),
        fuel("plain")
    );
    for ratio in ["plain/snapshot", "bytecode/snapshot"] {
        let value = call["ratios"][ratio].as_f64().unwrap();
        assert!(value > 1.0, "{ratio} = {value}");
    }
}

fn a_custom_build_needs_its_own_bench_requests_and_is_not_served() {
    let dir = probe();
    let output = kiln()
        .args(["bench", "--quick", "--artifacts"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(
            "holds a custom executor: name the requests to measure it on (--request FILE)"
        ),
        "{said}"
    );
    let output = kiln()
        .args(["serve", "--port", "0", "--artifact"])
        .arg(dir.join("executor.cwasm"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("is a custom executor (built with `kiln build --entry`); kiln serve speaks the Wikifunctions evaluator protocol"),
        "{said}"
    );
}

/// One build error: the entry (under tests/custom/errors) and the phrases its message holds.
fn build_error(name: &'static str, entry: &'static str, phrases: &'static [&'static str]) -> Trial {
    trial(format!("custom::build_error::{name}"), move || {
        let entry = format!("tests/custom/errors/{entry}");
        let output = build_entry(
            &entry,
            &format!("custom-error-{name}"),
            &["--no-precompile"],
        );
        assert!(!output.status.success(), "{entry} built");
        let said = String::from_utf8_lossy(&output.stderr);
        let error = said
            .lines()
            .skip_while(|l| !l.starts_with("error: "))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            error.starts_with(&format!("error: building the executor {entry}: stage `")),
            "{said}"
        );
        for phrase in phrases {
            assert!(
                error.contains(phrase),
                "{name}: {phrase:?} not in:\n{error}"
            );
        }
        // Never a Wizer trap dump.
        for noise in ["wasm backtrace", "failed under Wizer", "kiln-build-failure"] {
            assert!(!error.contains(noise), "{name}: {noise:?} in:\n{error}");
        }
    })
}

/// This module's trials, named `custom::<test>` and `custom::build_error::<case>`.
pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "custom::example_answers_agree_on_all_artifacts",
            example_answers_agree_on_all_artifacts,
        ),
        trial(
            "custom::probe_answers_agree_on_all_artifacts",
            probe_answers_agree_on_all_artifacts,
        ),
        trial(
            "custom::probe_limits_give_documented_error_objects",
            probe_limits_give_documented_error_objects,
        ),
        trial(
            "custom::a_single_run_prints_the_answer_as_is",
            a_single_run_prints_the_answer_as_is,
        ),
        trial(
            "custom::inspect_and_build_info_name_the_executor",
            inspect_and_build_info_name_the_executor,
        ),
        trial(
            "custom::builds_of_the_same_inputs_are_byte_identical",
            builds_of_the_same_inputs_are_byte_identical,
        ),
        trial(
            "custom::bench_reports_the_examples_snapshot_speedups",
            bench_reports_the_examples_snapshot_speedups,
        ),
        trial(
            "custom::a_custom_build_needs_its_own_bench_requests_and_is_not_served",
            a_custom_build_needs_its_own_bench_requests_and_is_not_served,
        ),
        build_error(
            "missing_entry",
            "no-such-file.js",
            &["stage `bundle`: the entry module ", "no-such-file.js does not exist"],
        ),
        build_error(
            "no_handle_export",
            "no-handle.js",
            &[
                "stage `bundle`: the entry module ",
                "no-handle.js does not export `handle` (its exports: run, version); a kiln entry \
                 must `export function handle(requestText)`",
            ],
        ),
        build_error(
            "top_level_throws",
            "top-level-throws.js",
            &[
                "stage `snapshot`: the entry module's top level threw at build time: RangeError: \
                 cannot load config at build time\n    at load (kiln-executor.js:",
                "\n    at <eval> (kiln-executor.js:",
            ],
        ),
        build_error(
            "init_throws",
            "init-throws.js",
            &[
                "stage `snapshot`: the entry module's top level threw at build time: SyntaxError: ",
                "\n    at init (kiln-executor.js:",
            ],
        ),
        build_error(
            "init_returns_a_promise",
            "async-init.js",
            &["stage `snapshot`: the entry module's exports break the contract: `init` returned a \
               promise: it must finish synchronously"],
        ),
        build_error(
            "imports_fs",
            "imports-fs.js",
            &["stage `bundle`: imports-fs.js imports the Node built-in `fs`: executors run in \
               QuickJS, which has no Node built-ins"],
        ),
        build_error(
            "imports_node_fs",
            "imports-node-fs.js",
            &["stage `bundle`: imports-node-fs.js imports the Node built-in `node:fs`"],
        ),
        build_error(
            "imports_process",
            "imports-process.js",
            &["stage `bundle`: imports-process.js imports the Node built-in `process`"],
        ),
        build_error(
            "missing_package",
            "missing-package.js",
            &[
                "stage `bundle`: missing-package.js imports the package \
                 `kiln-test-no-such-package`, which is not installed in ",
                "tests/custom/errors (add it to that project's package.json and run `npm \
                 install` there)",
            ],
        ),
    ]
}
