//! Every limit and every error path, on each of the three artifacts, answers with exactly the
//! Z5 `wit/errors.json` defines: the whole value is compared (type, the `Z885(type)` typing of
//! `Z5K2`, every key in order) with one built here from the request and the limits. Trials are
//! `<kind>::errors::<path>`; each also checks the next call in the same process still answers.
//! Also: the build info records the QuickJS version built into the guest and answers name it,
//! and a Z7 whose implementation is a persistent object (Z2) answers its `implementationId`.

use crate::common::*;
use kiln_compiler::ArtifactKind;
use libtest_mimic::Trial;
use serde_json::{json, Map, Value};

/// A Z9 reference in normal form.
fn r(zid: &str) -> Value {
    json!({"Z1K1": "Z9", "Z9K1": zid})
}

/// A Z6 in normal form.
fn s(text: &str) -> Value {
    json!({"Z1K1": "Z6", "Z6K1": text})
}

/// A Z99 quoting `value`.
fn z99(value: Value) -> Value {
    json!({"Z1K1": r("Z99"), "Z99K1": value})
}

/// A Z5 of `zid` whose Z5K2 is an instance of `Z885(zid)` with `keys` as `<zid>K1`, `K2`, ….
fn z5(zid: &str, keys: Vec<Value>) -> Value {
    let mut instance = Map::new();
    instance.insert(
        "Z1K1".into(),
        json!({"Z1K1": r("Z7"), "Z7K1": r("Z885"), "Z885K1": r(zid)}),
    );
    for (i, value) in keys.into_iter().enumerate() {
        instance.insert(format!("{zid}K{}", i + 1), value);
    }
    json!({"Z1K1": r("Z5"), "Z5K1": r(zid), "Z5K2": Value::Object(instance)})
}

/// Z507 for an executor-form `request` that failed with `message`: the call quoted as a Z7 of
/// the function name (a Z6: these names are not ZIDs) and the arguments as given, and a Z500.
fn evaluation(request: &Value, message: &str) -> Value {
    let mut call = Map::new();
    call.insert("Z1K1".into(), r("Z7"));
    call.insert("Z7K1".into(), s(request["functionName"].as_str().unwrap()));
    for (key, value) in request["functionArguments"].as_object().unwrap() {
        call.insert(key.clone(), value.clone());
    }
    z5(
        "Z507",
        vec![z99(Value::Object(call)), z5("Z500", vec![s(message)])],
    )
}

/// Z561 with a Z502 inside whose Z500 says `message`.
fn not_well_formed(message: &str) -> Value {
    z5(
        "Z561",
        vec![z5("Z502", vec![r("Z500"), z5("Z500", vec![s(message)])])],
    )
}

fn request(code: &str, arguments: Value) -> Value {
    json!({"codeString": code, "functionName": "f", "functionArguments": arguments})
}

fn line(request: &Value) -> Vec<u8> {
    request.to_string().into_bytes()
}

/// A Z7 request whose Z8 lists one implementation in `language` with `code`.
fn z7(language: &str, code: &str) -> Value {
    json!({
        "Z1K1": "Z7",
        "Z7K1": {
            "Z1K1": "Z8",
            "Z8K4": ["Z14", {"Z1K1": "Z14", "Z14K1": "Z1000",
                "Z14K3": {"Z1K1": "Z16", "Z16K1": language, "Z16K2": code}}],
            "Z8K5": "Z1000",
        },
        "Z1000K1": "x",
    })
}

/// One error path: the request line, the extra `kiln run` flags, and the exact Z5.
struct Case {
    path: &'static str,
    line: Vec<u8>,
    args: Vec<String>,
    expected: Value,
}

fn case(path: &'static str, line: Vec<u8>, args: &[&str], expected: Value) -> Case {
    Case {
        path,
        line,
        args: args.iter().map(|a| a.to_string()).collect(),
        expected,
    }
}

fn cases() -> Vec<Case> {
    let mut list = Vec::new();

    // The limits, each named with the limit given on the command line.
    let timeout_ms = 300;
    list.push(case(
        "time_limit",
        line(&request("function f() { while (true) {} }", json!({}))),
        &["--timeout-ms", &timeout_ms.to_string()],
        z5("Z575", vec![s(&format!("{timeout_ms} ms"))]),
    ));
    let fuel: u64 = 200_000_000;
    list.push(case(
        "fuel_limit",
        line(&request(
            "function f() { let i = 0; while (true) { i++; } }",
            json!({}),
        )),
        &["--fuel", &fuel.to_string()],
        z5("Z582", vec![s(&fuel.to_string())]),
    ));
    let memory_mb = 48;
    let bomb = request(
        "function f() { const a = []; while (true) { a.push(new Array(100000).fill(1.5)); } }",
        json!({}),
    );
    list.push(case(
        "memory_limit",
        line(&bomb),
        &["--memory-mb", &memory_mb.to_string()],
        // QuickJS reports the refused allocation as an InternalError; the host names the limit.
        evaluation(
            &bomb,
            &format!(
                "the call reached the memory limit of {memory_mb} MiB; the executor reported: \
                 InternalError: out of memory"
            ),
        ),
    ));
    list.push(case(
        "stack_overflow",
        line(&request(
            "function f() { function r(n) { return r(n + 1) + 1; } return r(0); }",
            json!({}),
        )),
        &[],
        z5("Z573", vec![s("the wasm stack"), s("f")]),
    ));
    let max_output = 50_000;
    list.push(case(
        "output_limit",
        line(&request(
            "function f() { return 'x'.repeat(100000); }",
            json!({}),
        )),
        &["--max-output-bytes", &max_output.to_string()],
        z5(
            "Z560",
            vec![z99(s(&format!(
                "the answer is larger than the limit of {max_output} bytes"
            )))],
        ),
    ));
    let max_request = 4096;
    let big = line(&request(
        &format!("function f() {{ return '{}'; }}", "y".repeat(5000)),
        json!({}),
    ));
    list.push(case(
        "request_limit",
        big.clone(),
        &["--max-request-bytes", &max_request.to_string()],
        not_well_formed(&format!(
            "the request is {} bytes, over the limit of {max_request} bytes",
            big.len()
        )),
    ));

    // The executor's error paths.
    let thrown = request(
        "function f(a) { throw new Error('boom ' + a); }",
        json!({"a": s("x")}),
    );
    list.push(case(
        "thrown_error",
        line(&thrown),
        &[],
        evaluation(&thrown, "Error: boom x"),
    ));
    let thrown_string = request("function f() { throw 'plain words'; }", json!({}));
    list.push(case(
        "thrown_string",
        line(&thrown_string),
        &[],
        evaluation(&thrown_string, "plain words"),
    ));
    let syntax = request("function f( {", json!({}));
    list.push(case(
        "syntax_error",
        line(&syntax),
        &[],
        evaluation(&syntax, "SyntaxError: invalid destructuring target"),
    ));
    let not_function = request("var f = 3;", json!({}));
    list.push(case(
        "not_a_function",
        line(&not_function),
        &[],
        evaluation(
            &not_function,
            "f is not a function after evaluating the code (it is number).",
        ),
    ));
    let unserialisable = request("function f() { return 1.5; }", json!({}));
    list.push(case(
        "unserialisable_result",
        line(&unserialisable),
        &[],
        evaluation(
            &unserialisable,
            "Could not serialize output JS value: the number 1.5 (JavaScript numbers have no \
             ZObject type; return a string or a BigInt)",
        ),
    ));
    let thrown_z7 = z7("javascript", "function Z1000(a) { throw new Error('no'); }");
    list.push(case(
        "thrown_error_z7",
        line(&thrown_z7),
        &[],
        // A Z7 request is quoted as given.
        z5(
            "Z507",
            vec![z99(thrown_z7.clone()), z5("Z500", vec![s("Error: no")])],
        ),
    ));
    let not_json = b"{\"codeString\": function".to_vec();
    list.push(case(
        "not_json",
        not_json.clone(),
        &[],
        z5(
            "Z561",
            vec![z5(
                "Z501",
                vec![
                    s("The request is not valid JSON."),
                    s(std::str::from_utf8(&not_json).unwrap()),
                ],
            )],
        ),
    ));
    list.push(case(
        "not_well_formed",
        b"[1, 2]".to_vec(),
        &[],
        not_well_formed("The request must be a JSON object."),
    ));
    for (path, property) in [
        ("missing_code_string", "codeString"),
        ("missing_function_name", "functionName"),
        ("missing_function_arguments", "functionArguments"),
    ] {
        let mut incomplete = request("function f() { return 'x'; }", json!({}));
        incomplete.as_object_mut().unwrap().remove(property);
        list.push(case(
            path,
            line(&incomplete),
            &[],
            z5("Z565", vec![s(property)]),
        ));
    }
    list.push(case(
        "missing_implementation",
        line(&json!({"Z1K1": "Z7", "Z7K1": {"Z1K1": "Z8", "Z8K4": ["Z14"], "Z8K5": "Z1000"}})),
        &[],
        z5("Z565", vec![s("implementation")]),
    ));
    let mut nameless = z7("javascript", "function Z1000() { return 'x'; }");
    nameless["Z7K1"].as_object_mut().unwrap().remove("Z8K5");
    nameless["Z7K1"]["Z8K4"][1]
        .as_object_mut()
        .unwrap()
        .remove("Z14K1");
    list.push(case(
        "missing_z8k5",
        line(&nameless),
        &[],
        z5("Z565", vec![s("Z8K5")]),
    ));
    list.push(case(
        "other_language",
        line(&z7("python-3", "def Z1000(a): return a")),
        &[],
        z5("Z558", vec![s("python-3")]),
    ));
    list
}

/// Runs the case and then the add call in one process (reproducible mode), and compares.
fn check(kind: ArtifactKind, case: &Case) {
    let mut args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    args.push("--deterministic");
    let answers = run_jsonl(&cwasm(kind), &[case.line.clone(), add_line()], &args);
    let answer = &answers[0];
    assert_eq!(answer["Z1K1"], r("Z22"), "{answer}");
    assert_eq!(
        answer["Z22K1"],
        r("Z24"),
        "Z22K1 is void on failure: {answer}"
    );
    let errors: Vec<Value> = kiln_runner::envelope::map_entries(&answer["Z22K2"])
        .into_iter()
        .filter(|(key, _)| key == "errors")
        .map(|(_, value)| value)
        .collect();
    assert_eq!(errors.len(), 1, "one errors entry: {answer}");
    // Key order matters too (serde_json keeps it here): compare the texts as well.
    assert_eq!(
        errors[0].to_string(),
        case.expected.to_string(),
        "{} {}: the Z5",
        kind.name(),
        case.path
    );
    assert_eq!(errors[0], case.expected);
    assert_eq!(
        string_value(&answers[1]).as_deref(),
        Some("13"),
        "{} {}: the next call still answers",
        kind.name(),
        case.path
    );
}

/// The language version answers name: the QuickJS version the build recorded.
fn answers_name_the_built_quickjs_version() {
    for artifact in &artifacts().artifacts {
        let info = kiln_compiler::inspect::read_wasm(&std::fs::read(&artifact.wasm).unwrap())
            .expect("build info");
        let parts: Vec<&str> = info.quickjs_version.split('.').collect();
        assert!(
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
            "{}: quickjs_version {:?} is not N.N.N",
            artifact.kind.name(),
            info.quickjs_version
        );
        let answers = run_jsonl(
            artifact.cwasm.as_ref().unwrap(),
            &[
                add_line(),
                line(&request("function f() { throw 1; }", json!({}))),
            ],
            &[],
        );
        for answer in &answers {
            assert_eq!(
                kiln_runner::envelope::metadata(answer, "programmingLanguageVersion"),
                Some(s(&format!("QuickJS-ng {}", info.quickjs_version))),
                "{}: {answer}",
                artifact.kind.name()
            );
        }
    }
    // `kiln inspect` prints it.
    let output = kiln()
        .arg("inspect")
        .arg(cwasm(ArtifactKind::Snapshot))
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let info = kiln_compiler::inspect::read_wasm(
        &std::fs::read(&artifacts().artifact(ArtifactKind::Snapshot).unwrap().wasm).unwrap(),
    )
    .unwrap();
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["quickjs", info.quickjs_version.as_str()]),
        "{text}"
    );
}

/// A Z7 whose implementation is given as a persistent object (Z2K1 its ZID) answers its
/// `implementationId`; one given as a bare Z14 (no identity) answers none.
fn a_named_implementation_is_in_the_metadata() {
    let mut named = z7("javascript", "function Z1000(a) { return a + '!'; }");
    let z14 = named["Z7K1"]["Z8K4"][1].clone();
    named["Z7K1"]["Z8K4"][1] = json!({"Z1K1": "Z2", "Z2K1": s("Z10021"), "Z2K2": z14});
    let mut failing = named.clone();
    failing["Z7K1"]["Z8K4"][1]["Z2K2"]["Z14K3"]["Z16K2"] =
        json!("function Z1000(a) { throw new Error('no'); }");
    let bare = z7("javascript", "function Z1000(a) { return a; }");
    for kind in ArtifactKind::ALL {
        for deterministic in [false, true] {
            let args: &[&str] = if deterministic {
                &["--deterministic"]
            } else {
                &[]
            };
            let answers = run_jsonl(
                &cwasm(kind),
                &[line(&named), line(&failing), line(&bare)],
                args,
            );
            assert_eq!(string_value(&answers[0]).as_deref(), Some("x!"));
            assert_eq!(error_of(&answers[1]).map(|e| e.0).as_deref(), Some("Z507"));
            for answer in &answers[..2] {
                assert_eq!(
                    kiln_runner::envelope::metadata(answer, "implementationId"),
                    Some(s("Z10021")),
                    "{} (deterministic: {deterministic}): {answer}",
                    kind.name()
                );
            }
            assert_eq!(
                kiln_runner::envelope::metadata(&answers[2], "implementationId"),
                None,
                "{}: {}",
                kind.name(),
                answers[2]
            );
        }
    }
}

pub fn trials() -> Vec<Trial> {
    let mut trials = Vec::new();
    for kind in ArtifactKind::ALL {
        for case in cases() {
            let name = format!("{}::errors::{}", kind.name(), case.path);
            trials.push(trial(name, move || check(kind, &case)));
        }
    }
    trials.push(trial(
        "errors::answers_name_the_built_quickjs_version",
        answers_name_the_built_quickjs_version,
    ));
    trials.push(trial(
        "errors::a_named_implementation_is_in_the_metadata",
        a_named_implementation_is_in_the_metadata,
    ));
    trials
}
