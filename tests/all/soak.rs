//! Soak: one long-lived `kiln run --jsonl --jobs 2` process over many calls, normal requests
//! with known answers mixed with the hostile corpus (`tests/hostile/`, read at run time). Every
//! line gets its answer, in order; every normal answer is exactly right; every hostile answer
//! is a Z22; and the host's resident memory stays flat once warm.
//!
//! `KILN_SOAK_CALLS` sets the number of calls (default 1000; `make soak` runs 10000).

use crate::common::*;
use kiln_compiler::ArtifactKind;
use kiln_runner::ErrorType;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Instant;

/// The limits of the soak run.
const LIMITS: &[&str] = &["--timeout-ms", "200", "--memory-mb", "64"];
const JOBS: usize = 2;

/// A hostile case costs up to the time limit when it is a loop: those come once every this
/// many calls, the others once every `HOSTILE_EVERY`.
const HEAVY_EVERY: usize = 200;
const HOSTILE_EVERY: usize = 4;

/// splitmix64: a small deterministic generator for the normal requests' inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

enum Expected {
    /// A normal request: its exact Z22K1.
    Value(Value),
    /// A hostile case: any Z22.
    Hostile(String),
}

fn z6(text: &str) -> Value {
    json!({"Z1K1": "Z6", "Z6K1": text})
}

fn request(code: &str, arguments: Value) -> Vec<u8> {
    json!({"codeString": code, "functionName": "Z1000", "functionArguments": arguments})
        .to_string()
        .into_bytes()
}

/// A normal request with a known answer; which one depends on `i`, its inputs on `rng`.
fn normal(i: usize, rng: &mut Rng) -> (Vec<u8>, Value) {
    match i % 4 {
        0 => {
            let a = rng.below(2_000_000) as i64 - 1_000_000;
            let b = rng.below(2_000_000) as i64 - 1_000_000;
            (
                request(
                    "function Z1000(Z1000K1, Z1000K2) { return (parseInt(Z1000K1) + parseInt(Z1000K2)).toString(); }",
                    json!({"Z1000K1": z6(&a.to_string()), "Z1000K2": z6(&b.to_string())}),
                ),
                z6(&(a + b).to_string()),
            )
        }
        1 => {
            let a = rng.next() as u128;
            let b = rng.next() as u128;
            (
                request(
                    "function Z1000(Z1000K1, Z1000K2) { return Z1000K1 + Z1000K2; }",
                    json!({
                        "Z1000K1": {"Z1K1": "Z13518", "Z13518K1": a.to_string()},
                        "Z1000K2": {"Z1K1": {"Z1K1": "Z9", "Z9K1": "Z13518"}, "Z13518K1": z6(&b.to_string())},
                    }),
                ),
                json!({"Z1K1": {"Z1K1": "Z9", "Z9K1": "Z13518"}, "Z13518K1": z6(&(a + b).to_string())}),
            )
        }
        2 => {
            const CHARS: &[char] = &['a', 'b', 'z', ' ', '"', '\\', 'é', '漢', '😀', '\u{2028}'];
            let text: String = (0..rng.below(40))
                .map(|_| CHARS[rng.below(CHARS.len() as u64) as usize])
                .collect();
            (
                request(
                    "function Z1000(Z1000K1) { return Array.from(Z1000K1).reverse().join(''); }",
                    json!({"Z1000K1": z6(&text)}),
                ),
                z6(&text.chars().rev().collect::<String>()),
            )
        }
        _ => {
            let n = rng.below(50) as usize;
            let mut list = vec![json!("Z6")];
            list.extend((0..n).map(|k| json!(format!("item {k}"))));
            (
                request(
                    "function Z1000(Z1000K1) { return String(Z1000K1.length); }",
                    json!({"Z1000K1": list}),
                ),
                z6(&n.to_string()),
            )
        }
    }
}

/// The hostile corpus as it is now: (name, request line, heavy). A case is heavy when it is
/// expected to run into the time limit (or the fuel budget, which the soak does not set).
fn hostile_cases() -> Vec<(String, Vec<u8>, bool)> {
    corpus("tests/hostile")
        .into_iter()
        .map(|(name, request, expected)| {
            let line = request_line(&std::fs::read(&request).unwrap());
            let heavy = matches!(
                expected.get("type").and_then(Value::as_str),
                Some("Z570" | "Z574")
            );
            (name, line, heavy)
        })
        .collect()
}

/// VmRSS of a process, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS line");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("VmRSS value");
    kib * 1024
}

/// The top level of a Z22 answer; the value stays raw text.
#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(rename = "Z1K1")]
    kind: Value,
    #[serde(rename = "Z22K1")]
    value: Box<serde_json::value::RawValue>,
    #[serde(rename = "Z22K2")]
    metadata: Value,
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

fn a_long_mixed_stream_is_answered_in_order_with_flat_memory() {
    let calls: usize = std::env::var("KILN_SOAK_CALLS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1000);
    assert!(calls >= 100, "KILN_SOAK_CALLS must be at least 100");
    let hostile = hostile_cases();
    let light: Vec<&(String, Vec<u8>, bool)> = hostile.iter().filter(|c| !c.2).collect();
    let heavy: Vec<&(String, Vec<u8>, bool)> = hostile.iter().filter(|c| c.2).collect();
    assert!(!light.is_empty(), "no hostile cases in tests/hostile");

    let mut rng = Rng(0x6b69_6c6e_736f_616b);
    let mut lines = Vec::with_capacity(calls);
    let mut expected = Vec::with_capacity(calls);
    let (mut light_used, mut heavy_used) = (0usize, 0usize);
    for i in 0..calls {
        if !heavy.is_empty() && i % HEAVY_EVERY == HEAVY_EVERY / 2 {
            let (name, line, _) = heavy[heavy_used % heavy.len()];
            heavy_used += 1;
            lines.push(line.clone());
            expected.push(Expected::Hostile(name.clone()));
        } else if i % HOSTILE_EVERY == HOSTILE_EVERY - 1 {
            let (name, line, _) = light[light_used % light.len()];
            light_used += 1;
            lines.push(line.clone());
            expected.push(Expected::Hostile(name.clone()));
        } else {
            let (line, value) = normal(i, &mut rng);
            lines.push(line);
            expected.push(Expected::Value(value));
        }
    }
    // Warm-up: 10% of the calls, and at least two passes over the light hostile cases, so the
    // pooled slots and the allocator have seen every kind of call before the first sample.
    let warm_up = (calls / 10)
        .max(2 * HOSTILE_EVERY * light.len())
        .min(calls / 2);

    let started = Instant::now();
    let jobs = JOBS.to_string();
    let arguments: Vec<&str> = ["--jobs", jobs.as_str()]
        .into_iter()
        .chain(LIMITS.iter().copied())
        .collect();
    let mut child = spawn_jsonl(&cwasm(ArtifactKind::Snapshot), &arguments, Stdio::inherit());
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let (close_tx, close_rx) = std::sync::mpsc::channel::<()>();
    // Feed the requests as the child takes them; keep stdin open until the last answer has been
    // read and measured (the child exits at end of input).
    let writer = std::thread::spawn(move || {
        for line in lines {
            if stdin.write_all(&line).is_err() || stdin.write_all(b"\n").is_err() {
                return;
            }
        }
        let _ = stdin.flush();
        let _ = close_rx.recv();
        drop(stdin);
    });

    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut answered = 0usize;
    let mut start_rss = None;
    let mut samples = Vec::new();
    let mut hostile_errors = std::collections::BTreeMap::<String, usize>::new();
    let mut end_rss = 0;
    for line in stdout.split(b'\n') {
        let line = line.expect("reading answers");
        let index = answered;
        assert!(
            index < calls,
            "more answers than requests: {}",
            String::from_utf8_lossy(&line)
        );
        let text = String::from_utf8(line).expect("answers are UTF-8");
        // Only the envelope's top level is parsed: a hostile value may be nested too deep for
        // a recursive parser (the runner keeps Z22K1 as raw text for the same reason).
        let answer: Envelope =
            serde_json::from_str(&kiln_runner::envelope::replace_lone_surrogates(&text))
                .unwrap_or_else(|e| panic!("answer {index} is not a Z22 envelope ({e}): {text}"));
        let error = kiln_runner::envelope::map_error(&answer.metadata);
        let value: Value = match &expected[index] {
            Expected::Value(_) => parse_lenient(answer.value.get())
                .unwrap_or_else(|e| panic!("answer {index}: Z22K1 is not JSON ({e}): {text}")),
            Expected::Hostile(_) => Value::Null,
        };
        assert!(
            answer.kind == json!({"Z1K1": "Z9", "Z9K1": "Z22"}) || answer.kind == json!("Z22"),
            "call {index}: not a Z22: {text}"
        );
        match &expected[index] {
            Expected::Value(expected_value) => {
                assert_eq!(
                    error, None,
                    "call {index}: a normal request failed; answer: {text}"
                );
                assert_eq!(
                    &value, expected_value,
                    "call {index}: wrong answer (or out of order); answer: {text}"
                );
            }
            Expected::Hostile(name) => {
                if let Some((zid, _)) = error {
                    assert!(
                        ErrorType::from_zid(&zid).is_some(),
                        "call {index} ({name}): unknown error type {zid}"
                    );
                    assert_eq!(
                        parse_lenient(answer.value.get()).ok(),
                        Some(json!({"Z1K1": "Z9", "Z9K1": "Z24"})),
                        "call {index} ({name}): Z22K1 is void on failure"
                    );
                    *hostile_errors.entry(zid).or_default() += 1;
                } else {
                    *hostile_errors.entry("success".into()).or_default() += 1;
                }
            }
        }
        answered += 1;
        if answered == warm_up {
            start_rss = Some(rss(pid));
        }
        if answered.is_multiple_of((calls / 10).max(1)) {
            samples.push((answered, rss(pid)));
        }
        if answered == calls {
            end_rss = rss(pid);
            break;
        }
    }
    let _ = close_tx.send(());
    writer.join().unwrap();
    let status = child.wait().expect("kiln exits");
    let elapsed = started.elapsed();
    assert!(status.success(), "kiln run --jsonl failed: {status}");
    assert_eq!(answered, calls, "one answer per request line");

    let start_rss = start_rss.expect("sampled after the warm-up");
    // The bound: once warm, the host holds the mapped artifact, the pooled instance slots
    // (each keeps at most KEEP_RESIDENT_BYTES of linear memory resident between calls) and the
    // allocator's arenas. None of these grows with the number of calls; 1.5x the warm level
    // plus 32 MiB leaves room for a pooled slot that only a later call dirties up to its
    // resident cap and for allocator fragmentation, while a leak of a few KiB per call over
    // 10000 calls, or any per-call leak of an instance, exceeds it.
    let bound = start_rss + start_rss / 2 + (32 << 20);
    eprintln!(
        "soak: {calls} calls ({} hostile: {light_used} light, {heavy_used} heavy from {} cases), \
         --jobs {JOBS}, {:.1} s ({:.0} calls/s)",
        light_used + heavy_used,
        hostile.len(),
        elapsed.as_secs_f64(),
        calls as f64 / elapsed.as_secs_f64()
    );
    eprintln!("soak: hostile outcomes {hostile_errors:?}");
    eprintln!(
        "soak: RSS after warm-up ({warm_up} calls) {:.1} MiB, at the end {:.1} MiB, bound {:.1} MiB",
        mib(start_rss),
        mib(end_rss),
        mib(bound)
    );
    let curve: Vec<String> = samples
        .iter()
        .map(|(n, b)| format!("{n}:{:.1}", mib(*b)))
        .collect();
    eprintln!("soak: RSS (MiB) by calls answered: {}", curve.join(" "));
    assert!(
        end_rss <= bound,
        "the host's memory grew: {:.1} MiB after the warm-up, {:.1} MiB at the end",
        mib(start_rss),
        mib(end_rss)
    );
}

/// This module's trials, named `soak::<test>`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    vec![trial(
        "soak::long_mixed_stream",
        a_long_mixed_stream_is_answered_in_order_with_flat_memory,
    )]
}
