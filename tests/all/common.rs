//! Shared by every trial: the artifacts built once per run, the real `kiln` binary run
//! against them, answers parsed and compared, the corpora read, and trials named.
#![allow(dead_code)]

use kiln_compiler::{build, ArtifactKind, BuildOptions, BuildReport};
use libtest_mimic::Trial;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the suite writes: builds, caches, reports. Never the user's own cache.
pub fn scratch() -> PathBuf {
    root().join("target/kiln-test")
}

/// Points every cache the runner would use at the suite's own folder, before any trial runs
/// (child `kiln` processes inherit it; in-process runners read it too).
pub fn isolate_environment() {
    let cache = scratch().join("cache");
    std::fs::create_dir_all(scratch()).expect("creating target/kiln-test");
    std::env::set_var("KILN_CACHE_DIR", &cache);
}

/// How many times this run has run the whole build pipeline.
pub static PIPELINE_BUILDS: AtomicUsize = AtomicUsize::new(0);

/// Builds all artifacts into `target/kiln-test/<name>` with the real pipeline.
pub fn build_into(name: &str) -> BuildReport {
    let count = PIPELINE_BUILDS.fetch_add(1, Ordering::SeqCst) + 1;
    eprintln!("kiln tests: pipeline build #{count} of this run, into target/kiln-test/{name}");
    let mut options = BuildOptions::new(root());
    options.out_dir = scratch().join(name);
    build(&options, &mut |_| {}).unwrap_or_else(|e| panic!("kiln build failed: {e:#}"))
}

/// The artifacts of this run, built once and shared by every trial. A failed build fails
/// every trial that needs it with the build's error, without building again.
pub fn artifacts() -> &'static BuildReport {
    static REPORT: OnceLock<Result<BuildReport, String>> = OnceLock::new();
    let report = REPORT.get_or_init(|| {
        std::panic::catch_unwind(|| build_into("all")).map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the build panicked".into())
        })
    });
    match report {
        Ok(report) => report,
        Err(why) => panic!("the shared build of this run failed: {why}"),
    }
}

/// A trial that passes when `body` returns without panicking.
pub fn trial(name: impl Into<String>, body: impl FnOnce() + Send + 'static) -> Trial {
    Trial::test(name, move || {
        body();
        Ok(())
    })
}

/// Trials for an external corpus that is absent: ignored, with the reason in the name and
/// printed; under `CI=true` a failure instead, since CI always has `../shared`.
pub fn absent_corpus_trial(area: &str, reason: &str) -> Trial {
    let reason = reason.to_string();
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if in_ci {
        return Trial::test(format!("{area}::shared_corpus_present"), move || {
            Err(format!("CI=true but {reason}").into())
        });
    }
    eprintln!("NOTE: {area}: SKIPPED: {reason}");
    Trial::test(format!("{area}::skipped_shared_corpus_absent"), || Ok(())).with_ignored_flag(true)
}

/// Panics on duplicate trial names (a filter must select exactly one case).
pub fn check_unique_names(trials: &[Trial]) {
    let mut seen = BTreeSet::new();
    for trial in trials {
        assert!(
            seen.insert(trial.name().to_string()),
            "two trials are named {}",
            trial.name()
        );
    }
}

/// Values computed at most once per run under a key, whichever trial asks first (the
/// snapshot's answer to a case, used by the baselines' trials to check agreement).
pub struct Memo<V: Clone> {
    map: Mutex<HashMap<String, Arc<OnceLock<V>>>>,
}

impl<V: Clone> Memo<V> {
    pub fn new() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &str, compute: impl FnOnce() -> V) -> V {
        let cell = self
            .map
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(key.to_string())
            .or_default()
            .clone();
        cell.get_or_init(compute).clone()
    }
}

/// The `.cwasm` of one artifact kind.
pub fn cwasm(kind: ArtifactKind) -> PathBuf {
    artifacts()
        .artifact(kind)
        .and_then(|a| a.cwasm.clone())
        .expect("the build wrote a .cwasm")
}

/// The real `kiln` binary of this build.
pub fn kiln() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
}

/// The add call (`benches/calls/add.json`, answer "13") as one compact line.
pub fn add_line() -> Vec<u8> {
    let text = std::fs::read(root().join("benches/calls/add.json")).expect("the add call");
    serde_json::to_vec(&parse(&String::from_utf8(text).unwrap())).unwrap()
}

/// Starts `kiln run --jsonl` on `artifact` with `extra` arguments, stdin and stdout piped.
pub fn spawn_jsonl(artifact: &Path, extra: &[&str], stderr: Stdio) -> std::process::Child {
    kiln()
        .args(["run", "--jsonl", "--artifact"])
        .arg(artifact)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("kiln starts")
}

/// Runs `kiln run --jsonl` over `lines` and returns the answers, one per line.
pub fn run_jsonl(artifact: &Path, lines: &[Vec<u8>], extra: &[&str]) -> Vec<Value> {
    run_jsonl_with_stderr(artifact, lines, extra).0
}

/// [`run_jsonl`], with what kiln wrote to stderr.
pub fn run_jsonl_with_stderr(
    artifact: &Path,
    lines: &[Vec<u8>],
    extra: &[&str],
) -> (Vec<Value>, String) {
    let mut child = spawn_jsonl(artifact, extra, Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    let input: Vec<u8> = lines
        .iter()
        .flat_map(|line| line.iter().copied().chain(std::iter::once(b'\n')))
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("kiln runs");
    let written = writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "kiln run --jsonl failed: {stderr}");
    written.expect("kiln read every request");
    let text = String::from_utf8(output.stdout).expect("answers are UTF-8");
    let answers: Vec<Value> = text.lines().map(parse).collect();
    assert_eq!(answers.len(), lines.len(), "one answer per request line");
    (answers, stderr)
}

/// Runs `kiln run` on one request file and returns the answer.
pub fn run_file(artifact: &Path, request: &Path, extra: &[&str]) -> Value {
    let output = kiln()
        .args(["run", "--artifact"])
        .arg(artifact)
        .args(extra)
        .arg(request)
        .output()
        .expect("kiln runs");
    assert!(
        output.status.success(),
        "kiln run failed on {}: {}",
        request.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("the answer is UTF-8");
    assert!(text.ends_with('\n'), "the answer ends with a newline");
    assert_eq!(text.lines().count(), 1, "exactly one answer line");
    parse(text.trim_end())
}

pub fn parse(text: &str) -> Value {
    parse_lenient(text).unwrap_or_else(|e| panic!("answer is not JSON ({e}): {text}"))
}

/// Removes every `Z1K1` key at every depth (the 2023 suite's comparison).
pub fn without_z1k1(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "Z1K1")
                .map(|(k, v)| (k.clone(), without_z1k1(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_z1k1).collect()),
        other => other.clone(),
    }
}

/// The Z5 error an answer carries, with its type and message; `None` on success.
pub fn error_of(answer: &Value) -> Option<(String, String)> {
    kiln_runner::envelope::error(answer)
}

/// Asserts a failed answer: void Z22K1, and an "errors" Z5 of `zid` (if given) whose message
/// contains `phrase`.
pub fn assert_error(answer: &Value, zid: Option<&str>, phrase: &str, context: &str) {
    assert_eq!(
        answer["Z22K1"],
        serde_json::json!({"Z1K1": "Z9", "Z9K1": "Z24"}),
        "{context}: Z22K1 is void on failure; answer: {answer}"
    );
    let (kind, message) =
        error_of(answer).unwrap_or_else(|| panic!("{context}: no errors entry in {answer}"));
    if let Some(zid) = zid {
        assert_eq!(kind, zid, "{context}: error type (message: {message})");
    }
    assert!(
        message.contains(phrase),
        "{context}: message {message:?} does not contain {phrase:?}"
    );
}

/// The string value of a successful answer.
pub fn string_value(answer: &Value) -> Option<String> {
    kiln_runner::envelope::string_value(answer).map(str::to_string)
}

/// The external 2023 corpus (`../shared/conformance/wikifunctions-2023`), or why it is absent.
pub fn shared_corpus() -> Result<PathBuf, String> {
    let dir = root().join("../shared/conformance/wikifunctions-2023");
    if dir.join("cases.json").is_file() {
        Ok(dir)
    } else {
        Err(
            "the external Wikifunctions 2023 corpus (../shared/conformance/wikifunctions-2023) \
             is absent; kiln's own fixtures still cover the same behaviours"
                .into(),
        )
    }
}

/// Parses an answer that may hold lone-surrogate escapes (`\ud800`: valid JSON that no Rust
/// string can hold); each lone one is read as U+FFFD.
pub fn parse_lenient(text: &str) -> Result<Value, String> {
    let cleaned = kiln_runner::envelope::replace_lone_surrogates(text);
    let mut deserializer = serde_json::Deserializer::from_str(&cleaned);
    deserializer.disable_recursion_limit();
    serde::Deserialize::deserialize(&mut deserializer).map_err(|e| e.to_string())
}

/// The cases of a request/expected folder (`executor-js/fixtures`, `tests/hostile`): for each
/// `NAME.request.json`, its name, its path and the parsed `NAME.expected.json`, by name.
pub fn corpus(folder: &str) -> Vec<(String, PathBuf, Value)> {
    let dir = root().join(folder);
    let mut list = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{folder}: {e}")) {
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
            &std::fs::read(&expected_path)
                .unwrap_or_else(|_| panic!("{name} has no expected file")),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        list.push((name.to_string(), path, expected));
    }
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

/// A request file as one `--jsonl` line: the trailing newline dropped, and any other line
/// break turned into a space. A raw line break cannot be inside a JSON string, so no value
/// changes; a malformed request stays exactly as malformed (the corpus keeps those on one
/// line).
pub fn request_line(bytes: &[u8]) -> Vec<u8> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    body.iter()
        .map(|b| if *b == b'\n' || *b == b'\r' { b' ' } else { *b })
        .collect()
}
