//! Serves a stream of requests, one per line, answering each with one Z22 line in the same
//! order — on one thread or several, each call in a fresh instance.

use anyhow::{Context, Result};
use kiln_runner::Runner;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::mpsc;
use std::sync::Mutex;

/// One input line: its bytes, or its length when it was over the request limit.
enum Line {
    Request(Vec<u8>),
    TooLong(usize),
}

/// Reads one line of at most `cap` bytes; longer lines are skipped to their end.
fn read_line(input: &mut impl BufRead, cap: usize) -> Result<Option<Line>> {
    let mut line = Vec::new();
    let mut length = 0usize;
    let mut saw_any = false;
    loop {
        let buffer = input.fill_buf().context("reading the request stream")?;
        if buffer.is_empty() {
            break;
        }
        saw_any = true;
        let (chunk, done) = match buffer.iter().position(|b| *b == b'\n') {
            Some(at) => (&buffer[..at], Some(at + 1)),
            None => (buffer, None),
        };
        length += chunk.len();
        if length <= cap {
            line.extend_from_slice(chunk);
        } else if !line.is_empty() {
            line = Vec::new();
        }
        let consumed = done.unwrap_or(buffer.len());
        input.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if !saw_any {
        return Ok(None);
    }
    if length > cap {
        return Ok(Some(Line::TooLong(length)));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(Line::Request(line)))
}

fn answer(runner: &Runner, line: Line) -> String {
    let outcome = match line {
        Line::Request(bytes) => runner.call(&bytes),
        Line::TooLong(length) => runner.oversized(length),
    };
    let mut text = outcome.answer;
    text.push('\n');
    text
}

/// Answers every line of `input` on `output`, in order, with `jobs` calls in flight at once.
/// Returns how many lines were answered.
pub fn jsonl(
    runner: &Runner,
    mut input: impl BufRead + Send,
    output: &mut impl Write,
    jobs: usize,
) -> Result<u64> {
    let cap = runner.limits().max_request_bytes;
    if jobs <= 1 {
        let mut count = 0;
        while let Some(line) = read_line(&mut input, cap)? {
            output.write_all(answer(runner, line).as_bytes())?;
            // A caller may be waiting for this answer before it writes the next request.
            output.flush()?;
            count += 1;
        }
        return Ok(count);
    }

    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Line)>(jobs * 2);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<(u64, String)>();
    std::thread::scope(|scope| -> Result<u64> {
        for _ in 0..jobs {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || loop {
                let next = work_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((index, line))) = next else { break };
                if done_tx.send((index, answer(runner, line))).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let reader = scope.spawn(move || -> Result<u64> {
            let mut index = 0;
            while let Some(line) = read_line(&mut input, cap)? {
                if work_tx.send((index, line)).is_err() {
                    break;
                }
                index += 1;
            }
            Ok(index)
        });
        // Write answers in input order as they complete; flush when no further answer is
        // ready, so a stream is written in batches and a waiting caller still gets its answer.
        let mut pending = BTreeMap::new();
        let mut next = 0u64;
        while let Ok((index, text)) = done_rx.recv() {
            pending.insert(index, text);
            while let Ok((index, text)) = done_rx.try_recv() {
                pending.insert(index, text);
            }
            while let Some(text) = pending.remove(&next) {
                output.write_all(text.as_bytes())?;
                next += 1;
            }
            output.flush()?;
        }
        let read = reader
            .join()
            .map_err(|_| anyhow::anyhow!("the request reader panicked"))??;
        anyhow::ensure!(next == read, "answered {next} of {read} requests");
        Ok(next)
    })
}
