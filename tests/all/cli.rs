//! The `kiln` command line as a user's shell meets it: output into a pipe that closes early,
//! and flag combinations that do not make sense.

use crate::common::*;
use kiln_compiler::ArtifactKind;
use libtest_mimic::Trial;
use std::io::{BufRead, BufReader, Write};
use std::process::{Output, Stdio};

/// `kiln run --jsonl … | head -1`: the reader goes away after one answer; kiln stops quietly
/// and successfully instead of reporting "Broken pipe".
fn jsonl_into_a_closed_pipe_ends_quietly() {
    let mut child = spawn_jsonl(&cwasm(ArtifactKind::Snapshot), &[], Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    let add = add_line();
    let writer = std::thread::spawn(move || {
        for _ in 0..20_000 {
            if stdin.write_all(&add).is_err() || stdin.write_all(b"\n").is_err() {
                return;
            }
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(
        string_value(&parse(first.trim_end())).as_deref(),
        Some("13")
    );
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        output.status.success(),
        "kiln failed on a closed pipe: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "kiln printed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs kiln with its stdout already closed by the reader.
fn into_closed_stdout(arguments: &[&std::ffi::OsStr]) -> Output {
    let mut child = kiln()
        .args(arguments)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kiln starts");
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

fn one_answer_or_inspect_into_a_closed_pipe_ends_quietly() {
    let cwasm = cwasm(ArtifactKind::Snapshot);
    let add = root().join("benches/calls/add.json");
    for arguments in [
        vec![
            "run".as_ref(),
            "--artifact".as_ref(),
            cwasm.as_os_str(),
            add.as_os_str(),
        ],
        vec!["inspect".as_ref(), cwasm.as_os_str()],
    ] {
        let output = into_closed_stdout(&arguments);
        assert!(
            output.status.success() && output.stderr.is_empty(),
            "kiln {arguments:?} into a closed pipe: {}; stderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// A usage error: exit status 2, and a message naming the flags.
fn assert_usage_error(arguments: &[&str], phrases: &[&str]) {
    let output = kiln().args(arguments).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "kiln {arguments:?}: {stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "kiln {arguments:?} answered anyway"
    );
    for phrase in phrases {
        assert!(
            stderr.contains(phrase),
            "kiln {arguments:?}: {stderr:?} lacks {phrase:?}"
        );
    }
}

fn flags_that_do_not_combine_are_refused() {
    let add = root().join("benches/calls/add.json");
    let add = add.to_str().unwrap();
    // A request file with --jsonl would be silently ignored; --jobs without --jsonl too.
    assert_usage_error(
        &["run", "--jsonl", add],
        &["--jsonl", "cannot be used with"],
    );
    assert_usage_error(&["run", "--jobs", "2", add], &["--jobs", "--jsonl"]);
}

pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "cli::jsonl_into_a_closed_pipe_ends_quietly",
            jsonl_into_a_closed_pipe_ends_quietly,
        ),
        trial(
            "cli::one_answer_or_inspect_into_a_closed_pipe_ends_quietly",
            one_answer_or_inspect_into_a_closed_pipe_ends_quietly,
        ),
        trial(
            "cli::flags_that_do_not_combine_are_refused",
            flags_that_do_not_combine_are_refused,
        ),
    ]
}
