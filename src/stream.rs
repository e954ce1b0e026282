//! Serves a stream of requests, one per line, answering each with one Z22 line in the same
//! order — on one thread or several, each call in a fresh instance. This is the `--jsonl` mode
//! of `kiln run`; it stops at the first failure to read or write (such as a reader that went
//! away), without working through the rest of the input. [`call`] answers one request the way
//! every `kiln run` call is answered (an envelope's `remainingTime` lowering its time limit).

use anyhow::{anyhow, ensure, Context, Result};
use kiln_runner::Runner;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// One input line: its bytes, or its length when it was over the request limit.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Request(Vec<u8>),
    TooLong(usize),
}

/// Reads one line of at most `cap` bytes; longer lines are skipped to their end.
///
/// The newline is not part of the line; a carriage return before it is dropped from a request
/// but counts towards the length compared with `cap`.
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

/// Answers every line of `input` on `output`, in order, with `jobs` calls in flight at once.
/// Returns how many lines were answered.
///
/// With several jobs there is no reader or writer thread to hand lines and answers to (each
/// hand-off is a wake-up and a context switch, as costly as a small call): every worker takes
/// the next line itself, and whichever worker completes the next answer in order writes it,
/// with any later ones already waiting.
///
/// A failed write (for instance a closed pipe) is returned as an error carrying the
/// [`std::io::Error`]; the other workers finish the call they are on and stop.
pub fn jsonl(
    runner: &Runner,
    input: impl BufRead + Send,
    output: &mut (impl Write + Send),
    jobs: usize,
) -> Result<u64> {
    let cap = runner.limits().max_request_bytes;
    answer_lines(input, output, jobs, cap, |line| match line {
        Line::Request(bytes) => call(runner, &bytes).answer,
        Line::TooLong(length) => runner.oversized(length).answer,
    })
}

/// Answers one request; an evaluator envelope's `remainingTime` lowers the call's time limit
/// (never above the runner's own) of kiln's own executor.
pub fn call(runner: &Runner, request: &[u8]) -> kiln_runner::CallOutcome {
    // A custom executor's requests are its own: no evaluator envelope is read from them.
    if runner.executor() == kiln_runner::ExecutorKind::Custom {
        return runner.call(request);
    }
    match kiln_runner::request::remaining_time(request) {
        Some(remaining) => runner.call_with_timeout(request, remaining),
        None => runner.call(request),
    }
}

/// The stream logic of [`jsonl`], with the call behind `answer` (one line in, its answer out,
/// without the newline).
fn answer_lines(
    mut input: impl BufRead + Send,
    output: &mut (impl Write + Send),
    jobs: usize,
    cap: usize,
    answer: impl Fn(Line) -> String + Sync,
) -> Result<u64> {
    let answer = |line| {
        let mut text = answer(line);
        text.push('\n');
        text
    };
    if jobs <= 1 {
        let mut count = 0;
        while let Some(line) = read_line(&mut input, cap)? {
            output
                .write_all(answer(line).as_bytes())
                .context("writing an answer")?;
            // A caller may be waiting for this answer before it writes the next request.
            output.flush().context("writing an answer")?;
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
    // Set by the first worker that fails; the others stop at their next line.
    let stop = AtomicBool::new(false);
    let work = || -> Result<()> {
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
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
            // Another worker failed while this one waited for its line: no call is wanted.
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let text = answer(line);
            let mut output = output.lock().map_err(|_| anyhow!("a worker panicked"))?;
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            output.pending.insert(index, text);
            let mut wrote = false;
            loop {
                let next = output.next;
                let Some(text) = output.pending.remove(&next) else {
                    break;
                };
                output
                    .writer
                    .write_all(text.as_bytes())
                    .context("writing an answer")?;
                output.next += 1;
                wrote = true;
            }
            if wrote {
                output.writer.flush().context("writing an answer")?;
            }
        }
    };
    let worker = || {
        let result = work();
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        result
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, ErrorKind};
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    /// Every line `read_line` gives for `input`, read through a buffer of `capacity` bytes.
    fn lines(input: &[u8], cap: usize, capacity: usize) -> Vec<Line> {
        let mut reader = BufReader::with_capacity(capacity, input);
        let mut out = Vec::new();
        while let Some(line) = read_line(&mut reader, cap).unwrap() {
            out.push(line);
        }
        out
    }

    fn request(text: &str) -> Line {
        Line::Request(text.as_bytes().to_vec())
    }

    #[test]
    fn lines_split_at_newlines_and_the_last_needs_none() {
        assert_eq!(
            lines(b"one\ntwo\nthree", 100, 64),
            [request("one"), request("two"), request("three")]
        );
        assert_eq!(lines(b"one\n", 100, 64), [request("one")]);
        assert_eq!(lines(b"", 100, 64), []);
    }

    #[test]
    fn empty_lines_are_empty_requests() {
        assert_eq!(
            lines(b"\n\na\n\n", 100, 64),
            [request(""), request(""), request("a"), request("")]
        );
    }

    #[test]
    fn a_line_of_exactly_the_cap_is_a_request() {
        assert_eq!(
            lines(b"abcd\nabcde\n", 4, 64),
            [request("abcd"), Line::TooLong(5)]
        );
    }

    #[test]
    fn an_over_long_line_is_skipped_to_its_end_and_reports_its_length() {
        assert_eq!(
            lines(b"ok\n0123456789\nnext\n0123456789", 4, 64),
            [
                request("ok"),
                Line::TooLong(10),
                request("next"),
                Line::TooLong(10)
            ]
        );
    }

    #[test]
    fn carriage_returns_are_dropped_from_requests_but_count_towards_the_cap() {
        assert_eq!(
            lines(b"a\r\nb\r\n\r\nc\r", 100, 64),
            [request("a"), request("b"), request(""), request("c")]
        );
        // Only the one before the newline goes.
        assert_eq!(lines(b"a\r\r\n", 100, 64), [request("a\r")]);
        assert_eq!(lines(b"abcd\r\n", 4, 64), [Line::TooLong(5)]);
    }

    #[test]
    fn lines_spanning_buffer_refills_read_whole() {
        let input = b"0123456789abcdef\nxy\n0123456789abcdefghij\nlast line";
        for capacity in [1, 2, 3, 5, 7] {
            assert_eq!(
                lines(input, 18, capacity),
                [
                    request("0123456789abcdef"),
                    request("xy"),
                    Line::TooLong(20),
                    request("last line")
                ],
                "buffer of {capacity} bytes"
            );
        }
    }

    /// A fake call: echoes the request, after a pause that is longest for the earliest lines
    /// so that, with several jobs, answers complete out of order.
    fn echo(line: Line) -> String {
        match line {
            Line::Request(bytes) => {
                let text = String::from_utf8(bytes).unwrap();
                let n: u64 = text.parse().unwrap_or(0);
                std::thread::sleep(Duration::from_micros(200 * (20 - n % 20)));
                format!("answer {text}")
            }
            Line::TooLong(length) => format!("too long {length}"),
        }
    }

    #[test]
    fn answers_come_in_input_order_with_any_number_of_jobs() {
        let mut input = String::new();
        let mut expected = String::new();
        for n in 0..60 {
            if n % 7 == 3 {
                input.push_str("123456789012\n");
                expected.push_str("too long 12\n");
            } else {
                input.push_str(&format!("{n}\n"));
                expected.push_str(&format!("answer {n}\n"));
            }
        }
        for jobs in [1, 2, 3, 8] {
            let mut output = Vec::new();
            let count = answer_lines(input.as_bytes(), &mut output, jobs, 10, echo).unwrap();
            assert_eq!(count, 60, "{jobs} jobs");
            assert_eq!(String::from_utf8(output).unwrap(), expected, "{jobs} jobs");
        }
    }

    /// A reader that went away: accepts `room` writes, then fails every write with a broken
    /// pipe.
    struct ClosedPipe {
        room: usize,
    }

    impl Write for ClosedPipe {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(ErrorKind::BrokenPipe.into());
            }
            self.room -= 1;
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_output_stops_the_stream_with_a_broken_pipe() {
        let input: String = (0..5_000).map(|n| format!("{n}\n")).collect();
        for (jobs, room) in [(1, 0), (1, 1), (2, 0), (4, 3)] {
            let calls = AtomicUsize::new(0);
            let answer = |line: Line| {
                calls.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_micros(500));
                format!("{line:?}")
            };
            let error = answer_lines(
                input.as_bytes(),
                &mut ClosedPipe { room },
                jobs,
                100,
                answer,
            )
            .expect_err("writing to a closed pipe fails");
            let io = error
                .chain()
                .find_map(|cause| cause.downcast_ref::<std::io::Error>())
                .expect("an io::Error in the chain");
            assert_eq!(io.kind(), ErrorKind::BrokenPipe);
            let calls = calls.into_inner();
            if jobs == 1 {
                assert_eq!(
                    calls,
                    room + 1,
                    "one job calls until the first failed write"
                );
            } else {
                assert!(
                    calls < 200,
                    "{jobs} jobs made {calls} calls after the pipe closed"
                );
            }
        }
    }
}
