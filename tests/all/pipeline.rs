//! The build pipeline on real artifacts: reproducibility, the wit contract, build info,
//! and `kiln run` through all three artifacts.

use crate::common::*;
use kiln_compiler::{contract, inspect, ArtifactKind};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn add_request() -> PathBuf {
    root().join("benches/calls/add.json")
}

fn add_gives_13_through_every_artifact() {
    for kind in ArtifactKind::ALL {
        let answer = run_file(&cwasm(kind), &add_request(), &[]);
        assert_eq!(
            string_value(&answer).as_deref(),
            Some("13"),
            "{} artifact: {answer}",
            kind.name()
        );
        assert!(error_of(&answer).is_none());
        // The .wasm form runs too (compiled on load) and agrees.
        let wasm = artifacts().artifact(kind).unwrap().wasm.clone();
        let answer = run_file(&wasm, &add_request(), &["--deterministic"]);
        assert_eq!(string_value(&answer).as_deref(), Some("13"));
    }
}

/// The 2023 evaluator's own add request, through every artifact.
fn the_2023_add_request_gives_13(corpus: PathBuf) {
    let request = corpus.join("test_data/javascript_add.json");
    for kind in ArtifactKind::ALL {
        {
            let answer = run_file(&cwasm(kind), &request, &[]);
            assert_eq!(
                string_value(&answer).as_deref(),
                Some("13"),
                "{} artifact on {}: {answer}",
                kind.name(),
                request.display()
            );
            assert!(error_of(&answer).is_none());
        }
    }
}

fn two_builds_are_byte_identical() {
    let first = artifacts();
    let second = build_into("reproducibility");
    for kind in ArtifactKind::ALL {
        let a = first.artifact(kind).unwrap();
        let b = second.artifact(kind).unwrap();
        let read = |p: &std::path::Path| std::fs::read(p).unwrap();
        assert!(
            read(&a.wasm) == read(&b.wasm),
            "{} .wasm differs between builds",
            kind.name()
        );
        assert!(
            read(a.cwasm.as_ref().unwrap()) == read(b.cwasm.as_ref().unwrap()),
            "{} .cwasm differs between builds",
            kind.name()
        );
    }
    assert_eq!(first.info, second.info);
}

fn artifacts_match_the_wit_contract() {
    let contract = contract::load(&root().join("wit/executor.wit")).unwrap();
    assert_eq!(
        contract.exports.keys().collect::<Vec<_>>(),
        vec!["kiln_call", "kiln_compile_code"]
    );
    for kind in ArtifactKind::ALL {
        let wasm = std::fs::read(&artifacts().artifact(kind).unwrap().wasm).unwrap();
        contract::check(&contract, &wasm).unwrap();
        let surface = contract::surface(&wasm).unwrap();
        let exports: BTreeSet<_> = surface.exports.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            exports,
            BTreeSet::from(["kiln_call", "kiln_compile_code", "memory"]),
            "{}: build-time exports are dropped",
            kind.name()
        );
        for import in &surface.imports {
            assert!(
                matches!(
                    import.module.as_deref(),
                    Some("wasi_snapshot_preview1" | "kiln_code_cache")
                ),
                "{import:?}"
            );
        }
    }
    // The raw guest still has its build-time exports: the check must refuse it.
    let guest = std::fs::read(root().join(kiln_compiler::guest::GUEST_PATH)).unwrap();
    let error = contract::check(&contract, &guest).unwrap_err().to_string();
    assert!(error.contains("kiln_init"), "{error}");
    assert!(error.contains("export kiln_compile "), "{error}");
}

/// Every artifact describes itself in the standard `producers` section (what
/// `wasm-tools metadata show` prints): one section, the guest's toolchain kept, kiln added.
fn artifacts_carry_one_producers_section() {
    let guest_wasm = std::fs::read(root().join(kiln_compiler::guest::GUEST_PATH)).unwrap();
    let guest = inspect::read_producers(&guest_wasm).unwrap();
    for kind in ArtifactKind::ALL {
        let wasm = std::fs::read(&artifacts().artifact(kind).unwrap().wasm).unwrap();
        let sections = wasmparser::Parser::new(0)
            .parse_all(&wasm)
            .filter(|payload| {
                matches!(payload, Ok(wasmparser::Payload::CustomSection(reader)) if reader.name() == "producers")
            })
            .count();
        assert_eq!(sections, 1, "{}: producers sections", kind.name());
        let producers = inspect::read_producers(&wasm).unwrap();
        let has = |line: &str| producers.iter().any(|p| p == line);
        assert!(
            has("language: JavaScript"),
            "{}: {producers:?}",
            kind.name()
        );
        assert!(
            has(&format!("processed-by: kiln {}", kiln_runner::KILN_VERSION)),
            "{}: {producers:?}",
            kind.name()
        );
        for line in &guest {
            assert!(
                has(line),
                "{}: the guest's own producer {line:?} is kept: {producers:?}",
                kind.name()
            );
        }
    }
}

fn inspect_shows_the_build_info() {
    let report = artifacts();
    let bundle = std::fs::read(&report.bundle).unwrap();
    let bundle_sha = kiln_compiler::sha256_hex(&bundle);
    for kind in ArtifactKind::ALL {
        let artifact = report.artifact(kind).unwrap();
        let info = inspect::read_wasm(&std::fs::read(&artifact.wasm).unwrap()).unwrap();
        assert_eq!(info.kind, kind.name());
        assert_eq!(info.bundle_sha256, bundle_sha);
        assert_eq!(info.wasmtime_version, "48.0.8");
        assert!(info.javy_version.starts_with("8."), "{}", info.javy_version);
        assert_eq!(
            info.bytecode_sha256.is_some(),
            kind == ArtifactKind::Bytecode
        );

        for path in [&artifact.wasm, artifact.cwasm.as_ref().unwrap()] {
            let output = kiln().arg("inspect").arg(path).output().unwrap();
            assert!(output.status.success());
            let text = String::from_utf8(output.stdout).unwrap();
            assert!(text.contains(&bundle_sha), "{text}");
            assert!(
                text.contains(&format!("kind              {}", kind.name())),
                "{text}"
            );
            assert!(text.contains("export            kiln_call"), "{text}");
            assert!(
                text.contains("producer          language: JavaScript"),
                "{text}"
            );
        }
        let output = kiln()
            .args(["inspect", "--json"])
            .arg(&artifact.wasm)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["build_info"]["kind"], kind.name());
    }
    let build_info: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            report
                .artifact(ArtifactKind::Snapshot)
                .unwrap()
                .wasm
                .with_file_name("build-info.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(build_info["artifacts"].as_array().unwrap().len(), 3);
    assert!(build_info["stages"].as_array().unwrap().len() >= 7);
}

fn a_request_on_stdin_is_answered() {
    for args in [vec!["-"], vec![]] {
        let mut child = kiln()
            .args(["run", "--artifact"])
            .arg(cwasm(ArtifactKind::Snapshot))
            .args(&args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&std::fs::read(add_request()).unwrap())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        let answer = parse(String::from_utf8(output.stdout).unwrap().trim_end());
        assert_eq!(string_value(&answer).as_deref(), Some("13"));
    }
}

fn malformed_lines_get_z5_answers_and_the_next_line_works() {
    let add: serde_json::Value =
        serde_json::from_slice(&std::fs::read(add_request()).unwrap()).unwrap();
    let add = add.to_string().into_bytes();
    let lines: Vec<Vec<u8>> = vec![
        b"this is not JSON".to_vec(),
        add.clone(),
        b"[1, 2, 3]".to_vec(),
        add.clone(),
        b"42".to_vec(),
        b"\"a string\"".to_vec(),
        b"null".to_vec(),
        b"{\"codeString\": 5}".to_vec(),
        b"".to_vec(),
        vec![0xff, 0xfe, b'{', b'}'],
        b"{\"codeString\": \"function f() { return 'x'; }\", \"functionName\": \"f(); globalThis.x = 1; f\", \"functionArguments\": {}}".to_vec(),
        add.clone(),
    ];
    for kind in ArtifactKind::ALL {
        let answers = run_jsonl(&cwasm(kind), &lines, &[]);
        for (index, (line, answer)) in lines.iter().zip(&answers).enumerate() {
            let context = format!(
                "{} artifact, line {index} {:?}",
                kind.name(),
                String::from_utf8_lossy(line)
            );
            if line == &add {
                assert_eq!(
                    string_value(answer).as_deref(),
                    Some("13"),
                    "{context}: {answer}"
                );
            } else {
                assert_error(answer, Some("Z561"), "", &context);
            }
        }
    }
}

/// This module's trials, named `pipeline::<test>`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    let mut trials = vec![
        trial(
            "pipeline::add_gives_13_through_every_artifact",
            add_gives_13_through_every_artifact,
        ),
        trial(
            "pipeline::two_builds_are_byte_identical",
            two_builds_are_byte_identical,
        ),
        trial(
            "pipeline::artifacts_match_the_wit_contract",
            artifacts_match_the_wit_contract,
        ),
        trial(
            "pipeline::inspect_shows_the_build_info",
            inspect_shows_the_build_info,
        ),
        trial(
            "pipeline::artifacts_carry_one_producers_section",
            artifacts_carry_one_producers_section,
        ),
        trial(
            "pipeline::a_request_on_stdin_is_answered",
            a_request_on_stdin_is_answered,
        ),
        trial(
            "pipeline::malformed_lines_get_z5_answers_and_the_next_line_works",
            malformed_lines_get_z5_answers_and_the_next_line_works,
        ),
    ];
    trials.push(match shared_corpus() {
        Ok(corpus) => trial("pipeline::the_2023_add_request_gives_13", move || {
            the_2023_add_request_gives_13(corpus)
        }),
        Err(reason) => absent_corpus_trial("pipeline::the_2023_add_request", &reason),
    });
    trials
}
