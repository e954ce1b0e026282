//! Serves a stream of requests, one per line, answering each with one Z22 line in the same
//! order — on one thread or several, each call in a fresh instance.

use anyhow::{anyhow, ensure, Context, Result};
use kiln_runner::Runner;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
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
///
/// With several jobs there is no reader or writer thread to hand lines and answers to (each
/// hand-off is a wake-up and a context switch, as costly as a small call): every worker takes
/// the next line itself, and whichever worker completes the next answer in order writes it,
/// with any later ones already waiting.
pub fn jsonl(
    runner: &Runner,
    mut input: impl BufRead + Send,
    output: &mut (impl Write + Send),
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

    struct Input<R> {
        reader: R,
        next: u64,
        done: bool,
    }
    struct Output<'w, W> {
        writer: &'w mut W,
        pending: BTreeMap<u64, String>,
        next: u64,
    }
    let input = Mutex::new(Input {
        reader: input,
        next: 0,
        done: false,
    });
    let output = Mutex::new(Output {
        writer: output,
        pending: BTreeMap::new(),
        next: 0,
    });
    let worker = || -> Result<()> {
        loop {
            let (index, line) = {
                let mut input = input.lock().map_err(|_| anyhow!("a worker panicked"))?;
                if input.done {
                    return Ok(());
                }
                match read_line(&mut input.reader, cap) {
                    Ok(Some(line)) => {
                        input.next += 1;
                        (input.next - 1, line)
                    }
                    Ok(None) => {
                        input.done = true;
                        return Ok(());
                    }
                    Err(e) => {
                        input.done = true;
                        return Err(e);
                    }
                }
            };
            let text = answer(runner, line);
            let mut output = output.lock().map_err(|_| anyhow!("a worker panicked"))?;
            output.pending.insert(index, text);
            let mut wrote = false;
            loop {
                let next = output.next;
                let Some(text) = output.pending.remove(&next) else {
                    break;
                };
                output.writer.write_all(text.as_bytes())?;
                output.next += 1;
                wrote = true;
            }
            if wrote {
                output.writer.flush()?;
            }
        }
    };
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = (0..jobs).map(|_| scope.spawn(worker)).collect();
        for handle in workers {
            handle.join().map_err(|_| anyhow!("a worker panicked"))??;
        }
        Ok(())
    })?;
    let read = input.lock().map_err(|_| anyhow!("a worker panicked"))?.next;
    let output = output.lock().map_err(|_| anyhow!("a worker panicked"))?;
    ensure!(
        output.next == read && output.pending.is_empty(),
        "answered {} of {read} requests",
        output.next
    );
    Ok(read)
}
