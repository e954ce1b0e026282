//! Differential fuzzing: generated requests (random ZObject arguments, random small community
//! functions) must get byte-identical Z22 answers from the snapshot, bytecode and plain
//! artifacts under deterministic limits, the same answer twice in a row, and answers that keep
//! the protocol's invariants (JSON, a Z22, a void value and a known Z5 on failure; no internal
//! Z500 and no Z561 for these well-formed requests). Some generated functions also carry a
//! model of their answer (type of the value, exact text, error type), which is checked too.
//!
//! `KILN_FUZZ_CASES` sets the number of cases (default 1000); `KILN_FUZZ_SECONDS` instead keeps
//! generating batches until that much time has passed (`make fuzz`); `KILN_FUZZ_SEED` fixes the
//! seed of the first batch (each batch prints its seed, so a failure can be replayed).
//!
//! This module loads the artifacts, runs the fuzz loop and names the trials; the arguments
//! (`arguments`), the functions (`code`), the requests built from both (`case`) and the checks
//! on an answer (`checks`) live in their own modules.

mod arguments;
mod case;
mod checks;
mod code;

use crate::common::*;
use case::{case, Case};
use checks::{check_answer, compare_answers};
use code::Expect;
use kiln_compiler::ArtifactKind;
use kiln_runner::engine::Allocation;
use kiln_runner::{Limits, Runner};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The three artifacts under test, loaded in this process with deterministic limits.
struct Artifacts {
    snapshot: Runner,
    /// The snapshot again, with a compiled-code cache: each case's first call compiles its
    /// code, the second loads it.
    cached: Runner,
    bytecode: Runner,
    plain: Runner,
}

/// One artifact with deterministic limits (fixed randomness and clock).
fn load(kind: ArtifactKind) -> Runner {
    Runner::load(
        &cwasm(kind),
        Allocation::Pooling { instances: 2 },
        Limits::default(),
    )
    .unwrap_or_else(|e| panic!("loading the {} artifact: {e}", kind.name()))
    .reproducible(true)
}

/// The three artifacts of this run, loaded for the fuzz trials.
fn artifacts_in_process() -> Artifacts {
    Artifacts {
        snapshot: load(ArtifactKind::Snapshot),
        cached: load(ArtifactKind::Snapshot)
            .with_code_cache(std::sync::Arc::new(kiln_runner::CodeCache::new(16 << 20))),
        bytecode: load(ArtifactKind::Bytecode),
        plain: load(ArtifactKind::Plain),
    }
}

/// One generated case through every artifact: the differential, then the answer's checks.
fn check_case(artifacts: &Artifacts, case: &Case) -> Result<(), TestCaseError> {
    let (_, request, expect) = case.build();
    let bytes = request.as_bytes();
    let snapshot = artifacts.snapshot.call(bytes).answer;
    let again = artifacts.snapshot.call(bytes).answer;
    let bytecode = artifacts.bytecode.call(bytes).answer;
    let plain = artifacts.plain.call(bytes).answer;
    compare_answers(&snapshot, &again, &bytecode, &plain).map_err(TestCaseError::fail)?;
    // Cache off ≡ cache on, whether the code was compiled just now or is loaded compiled.
    for pass in ["missed", "cached"] {
        let cached = artifacts.cached.call(bytes).answer;
        compare_answers(&snapshot, &cached, &bytecode, &plain)
            .map_err(|why| TestCaseError::fail(format!("with the code cache ({pass}): {why}")))?;
    }
    check_answer(&snapshot, &expect)
        .map_err(|why| TestCaseError::fail(format!("{why}\nanswer: {snapshot}")))
}

/// A number from the environment, if set and valid.
fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Runs batches of generated cases (each through proptest's runner, which shrinks a failure)
/// until `cases` have run or `budget` has passed; returns the number of cases run.
fn fuzz(artifacts: &Artifacts, cases: u64, budget: Option<Duration>) -> u64 {
    let started = Instant::now();
    // A fixed seed for the bounded run of `make test` (the same cases on every run, so CI
    // cannot flake); a fresh one for time-budgeted exploration (`make fuzz`).
    let first_seed = env_u64("KILN_FUZZ_SEED").unwrap_or_else(|| match budget {
        None => 0x6b69_6c6e_2026,
        Some(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    });
    let strategy = case();
    let mut done = 0u64;
    let mut batch = 0u64;
    loop {
        let size = match budget {
            Some(_) => 200,
            None => (cases - done).min(1000),
        };
        if size == 0 {
            break;
        }
        let seed = first_seed.wrapping_add(batch);
        let config = Config {
            cases: size as u32,
            failure_persistence: None,
            rng_seed: RngSeed::Fixed(seed),
            max_shrink_iters: 2000,
            max_shrink_time: 120_000,
            ..Config::default()
        };
        eprintln!("fuzz batch {batch}: {size} cases, seed {seed} (replay: KILN_FUZZ_SEED={seed} KILN_FUZZ_CASES={size})");
        let mut runner = TestRunner::new(config);
        match runner.run(&strategy, |case| check_case(artifacts, &case)) {
            Ok(()) => {}
            Err(TestError::Fail(why, minimal)) => panic!(
                "fuzz case failed after {} cases (batch seed {seed}): {why}\nminimal case:{minimal:?}",
                done
            ),
            Err(TestError::Abort(why)) => panic!("fuzzing aborted (batch seed {seed}): {why}"),
        }
        done += size;
        batch += 1;
        if let Some(budget) = budget {
            if started.elapsed() >= budget {
                break;
            }
        }
    }
    eprintln!(
        "fuzz: {done} cases, 0 mismatches, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    done
}

/// The fuzz run: `KILN_FUZZ_CASES` cases, or batches for `KILN_FUZZ_SECONDS`.
fn generated_requests_get_identical_answers_from_every_artifact() {
    let artifacts = artifacts_in_process();
    let budget = env_u64("KILN_FUZZ_SECONDS").map(Duration::from_secs);
    let cases = env_u64("KILN_FUZZ_CASES").unwrap_or(1000);
    let done = fuzz(&artifacts, cases, budget);
    assert!(done > 0, "no case ran");
}

/// The checks (`checks`) must be able to fail: a broken answer, a wrong expectation, or an
/// artifact that answers differently are each caught.
fn the_checks_catch_bad_answers() {
    let ok = r#"{"Z1K1":{"Z1K1":"Z9","Z9K1":"Z22"},"Z22K1":{"Z1K1":"Z6","Z6K1":"x\ud800"},"Z22K2":{"Z1K1":"Z9","Z9K1":"Z24"}}"#;
    assert_eq!(check_answer(ok, &Expect::Ok(vec!["Z6"])), Ok(()));
    assert!(check_answer(ok, &Expect::Ok(vec!["Z40"])).is_err());
    assert!(check_answer(ok, &Expect::Text("y".into())).is_err());
    assert!(check_answer(ok, &Expect::Error("Z507", String::new())).is_err());
    assert!(check_answer("{\"Z1K1\":", &Expect::Defined).is_err());
    assert!(check_answer(r#"{"Z1K1":"Z22","Z22K1":"x"}"#, &Expect::Defined).is_err());
    let z500 = kiln_runner::envelope::error_envelope(&kiln_runner::envelope::unspecified("boom"))
        .to_string();
    assert!(check_answer(&z500, &Expect::Defined).is_err());
    let z507 = kiln_runner::envelope::error_envelope(&kiln_runner::envelope::evaluation(
        kiln_runner::envelope::Node::string("f"),
        "Error: no",
    ))
    .to_string();
    assert_eq!(
        check_answer(&z507, &Expect::Error("Z507", "Error: no".into())),
        Ok(())
    );
    let mut unknown: Value = serde_json::from_str(&z507).unwrap();
    let text = unknown.to_string().replace("\"Z507\"", "\"Z570\"");
    unknown = serde_json::from_str(&text).unwrap();
    assert!(check_answer(&unknown.to_string(), &Expect::Defined).is_err());

    // The differential itself: an artifact whose *value* differs is reported, though the rest
    // of the answer is identical. The differing value is real: the same function under live
    // randomness, spliced into the deterministic answer (so no timing metadata can be what
    // differs).
    let deterministic = load(ArtifactKind::Snapshot);
    let live = Runner::load(
        &cwasm(ArtifactKind::Snapshot),
        Allocation::Pooling { instances: 2 },
        Limits::default(),
    )
    .unwrap();
    let request =
        br#"{"codeString":"function f() { return String(Math.random()); }","functionName":"f","functionArguments":{}}"#;
    let fixed = deterministic.call(request);
    let fixed_value = fixed.value_json().expect("a value");
    let live_value = live.call(request).value_json().expect("a value");
    assert_ne!(
        fixed_value, live_value,
        "live randomness gives another value"
    );
    let answer = fixed.answer;
    assert_eq!(compare_answers(&answer, &answer, &answer, &answer), Ok(()));
    let other = answer.replacen(&fixed_value, &live_value, 1);
    assert_ne!(other, answer);
    let why = compare_answers(&answer, &answer, &answer, &other).unwrap_err();
    assert!(why.contains("MISMATCH snapshot vs plain"), "{why}");
    let why = compare_answers(&answer, &other, &answer, &answer).unwrap_err();
    assert!(why.contains("differently the second time"), "{why}");
}

/// Deterministic mode fixes `Math.random` and `Date.now` the same way in every artifact.
fn deterministic_randomness_and_clock_agree_across_artifacts() {
    let artifacts = artifacts_in_process();
    let request = br#"{"codeString":"function f() { return [Math.random(), Math.random(), Date.now(), new Date().toISOString()].join(' '); }","functionName":"f","functionArguments":{}}"#;
    let snapshot = artifacts.snapshot.call(request).answer;
    assert_eq!(snapshot, artifacts.bytecode.call(request).answer);
    assert_eq!(snapshot, artifacts.plain.call(request).answer);
    let value = parse_lenient(&snapshot).unwrap();
    let text = string_value(&value).unwrap();
    assert!(
        text.ends_with(" 1672531200000 2023-01-01T00:00:00.000Z"),
        "{text}"
    );
}

/// Lone surrogates reach the answer's metadata through console output and error messages; the
/// executor writes them as `\udxxx` escapes, which are valid JSON, so the host must pass them
/// through instead of rejecting the executor's answer.
fn lone_surrogates_in_logs_and_errors_survive_the_host() {
    let artifacts = artifacts_in_process();
    let cases: [(&[u8], Expect); 3] = [
        (
            br#"{"codeString":"function f() { console.log('a\\ud800b'); return 'ok'; }","functionName":"f","functionArguments":{}}"#,
            Expect::Text("ok".into()),
        ),
        (
            br#"{"codeString":"function f() { throw 'bad \\udfff'; }","functionName":"f","functionArguments":{}}"#,
            Expect::Error("Z507", "bad ".into()),
        ),
        (
            br#"{"codeString":"function f(x) { throw new Error(x); }","functionName":"f","functionArguments":{"Z1000K1":"\ud83d"}}"#,
            Expect::Error("Z507", "Error: ".into()),
        ),
    ];
    for (request, expect) in cases {
        let answer = artifacts.snapshot.call(request).answer;
        if let Err(why) = check_answer(&answer, &expect) {
            panic!(
                "{why}\nrequest: {}\nanswer: {answer}",
                String::from_utf8_lossy(request)
            );
        }
    }
}

/// This module's trials, named `fuzz::<test>`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    vec![
        trial(
            "fuzz::generated_requests",
            generated_requests_get_identical_answers_from_every_artifact,
        ),
        trial(
            "fuzz::the_checks_catch_bad_answers",
            the_checks_catch_bad_answers,
        ),
        trial(
            "fuzz::deterministic_randomness_and_clock_agree_across_artifacts",
            deterministic_randomness_and_clock_agree_across_artifacts,
        ),
        trial(
            "fuzz::lone_surrogates_in_logs_and_errors_survive_the_host",
            lone_surrogates_in_logs_and_errors_survive_the_host,
        ),
    ]
}
