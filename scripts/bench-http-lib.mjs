// The pure parts of `make bench-http` (scripts/bench-http.mjs), kept apart so they can be
// tested without a server: reading wrk's report, reading Prometheus text, checking the
// server's counters against wrk's count, and writing the Markdown tables.
//
// No dependencies beyond Node itself.

const TIME_UNITS = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** A wrk time such as `480.00us`, `1.20ms` or `2.00s`, in milliseconds. */
export function parseTime(text) {
  const match = /^([0-9.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`not a wrk time: ${JSON.stringify(text)}`);
  return Number(match[1]) * TIME_UNITS[match[2]];
}

/**
 * wrk's text report (run with `--latency`): requests, duration, requests/s, the latency
 * percentiles (ms), socket errors and non-2xx responses. Throws when a figure the benchmark
 * needs is missing, so a changed report format fails loudly instead of giving zeros.
 */
export function parseWrk(text) {
  const need = (regex, what) => {
    const match = regex.exec(text);
    if (!match) throw new Error(`wrk's report has no ${what}:\n${text}`);
    return match;
  };
  const total = need(/^\s*(\d+) requests in ([0-9.]+(?:us|ms|s|m|h)),/m, 'request count');
  const rate = need(/^Requests\/sec:\s+([0-9.]+)/m, 'Requests/sec line');
  need(/^\s*Latency Distribution/m, 'latency distribution (run wrk with --latency)');
  const percentiles = {};
  for (const match of text.matchAll(/^\s+(\d+)%\s+([0-9.]+(?:us|ms|s|m|h))\s*$/gm)) {
    percentiles[Number(match[1])] = parseTime(match[2]);
  }
  for (const p of [50, 99]) {
    if (percentiles[p] === undefined) throw new Error(`wrk's report has no ${p}% latency:\n${text}`);
  }
  const errors = { connect: 0, read: 0, write: 0, timeout: 0 };
  const socket = /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/m.exec(text);
  if (socket) {
    [errors.connect, errors.read, errors.write, errors.timeout] = socket.slice(1).map(Number);
  }
  const non2xx = /^\s*Non-2xx or 3xx responses: (\d+)/m.exec(text);
  return {
    requests: Number(total[1]),
    durationMs: parseTime(total[2]),
    requestsPerSecond: Number(rate[1]),
    p50Ms: percentiles[50],
    p99Ms: percentiles[99],
    percentilesMs: percentiles,
    socketErrors: errors,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

/**
 * Prometheus / OpenMetrics text as a map from `name{labels}` (labels as written) to value.
 * Comment lines are skipped.
 */
export function parseMetrics(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (match) samples.set(match[1], Number(match[2]));
  }
  return samples;
}

/** The sum of every sample of `name` whose labels contain each of `labels` (`key="value"`). */
export function sumSamples(samples, name, labels = []) {
  let sum = 0;
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    const keyName = brace < 0 ? key : key.slice(0, brace);
    if (keyName !== name) continue;
    const keyLabels = brace < 0 ? '' : key.slice(brace);
    if (labels.every((label) => keyLabels.includes(label))) sum += value;
  }
  return sum;
}

/** What the server counted between two scrapes of /metrics. */
export function metricsDelta(before, after) {
  const delta = (name, labels) => sumSamples(after, name, labels) - sumSamples(before, name, labels);
  return {
    calls: delta('kiln_calls_total'),
    values: delta('kiln_calls_total', ['outcome="value"']),
    errors: delta('kiln_calls_total', ['outcome="error"']),
    responses: delta('kiln_http_responses_total'),
    ok: delta('kiln_http_responses_total', ['status="200"']),
    rejections: delta('kiln_rejections_total'),
    clientGone: delta('kiln_rejections_total', ['reason="client_gone"']),
  };
}

/**
 * Checks the server's counters against wrk's report for one run over `connections`
 * connections; returns the list of disagreements (empty when they agree).
 *
 * wrk counts the answers it read before its duration ran out; when it stops, up to one
 * request per connection is still in flight, which the server may answer (counted there, not
 * by wrk) or drop as its client went away. So the server's calls lie in
 * [wrk's requests, wrk's requests + connections], every call is a value, every evaluation
 * response is a 200, and the only rejections are clients gone, at most one per connection.
 */
export function checkConsistency(wrk, delta, connections) {
  const problems = [];
  const errors = wrk.socketErrors;
  const socketErrors = errors.connect + errors.read + errors.write + errors.timeout;
  if (wrk.requests === 0) problems.push('wrk completed no requests');
  if (socketErrors > 0) problems.push(`wrk saw socket errors ${JSON.stringify(errors)}`);
  if (wrk.non2xx > 0) problems.push(`wrk saw ${wrk.non2xx} non-2xx responses`);
  if (delta.calls < wrk.requests || delta.calls > wrk.requests + connections) {
    problems.push(
      `the server counted ${delta.calls} calls (kiln_calls_total) for wrk's ${wrk.requests} requests over ${connections} connections`,
    );
  }
  if (delta.errors !== 0) problems.push(`${delta.errors} calls ended in an error`);
  if (delta.ok < wrk.requests) {
    problems.push(`the server sent ${delta.ok} 200 responses for wrk's ${wrk.requests} requests`);
  }
  if (delta.responses !== delta.ok) {
    problems.push(`the server sent ${delta.responses - delta.ok} evaluation responses other than 200`);
  }
  if (delta.rejections !== delta.clientGone || delta.clientGone > connections) {
    problems.push(
      `the server rejected ${delta.rejections} requests (${delta.clientGone} clients gone, at most ${connections} expected)`,
    );
  }
  return problems;
}

/** The median of a non-empty list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const ms = (value) => (value >= 10 ? value.toFixed(1) : value.toFixed(2));
const rate = (value) => Math.round(value).toLocaleString('en-US');
const percent = (value) => `${Math.round(value * 100)} %`;

/**
 * The results table: one row per HTTP concurrency, then the `--jsonl` rows. `result` is what
 * scripts/bench-http.mjs records (see its `results` object).
 */
export function resultsTable(result) {
  const jobs = result.workers;
  const jsonlAtWorkers = result.jsonl[jobs].median;
  const lines = [
    `| load | calls/s | p50 ms | p99 ms | p99/p50 | calls/s vs \`--jsonl --jobs ${jobs}\` |`,
    '|---|---|---|---|---|---|',
  ];
  for (const level of result.http) {
    const name = `HTTP, ${level.connections} connection${level.connections === 1 ? '' : 's'}`;
    lines.push(
      `| ${name} | ${rate(level.requestsPerSecond)} | ${ms(level.p50Ms)} | ${ms(level.p99Ms)} | ` +
        `${(level.p99Ms / level.p50Ms).toFixed(1)}× | ${percent(level.requestsPerSecond / jsonlAtWorkers)} |`,
    );
  }
  for (const [n, figures] of Object.entries(result.jsonl)) {
    lines.push(
      `| \`kiln run --jsonl --jobs ${n}\` | ${rate(figures.median)} | — | — | — | ${percent(figures.median / jsonlAtWorkers)} |`,
    );
  }
  return lines.join('\n');
}

/** The RSS line: the server's resident memory before and after the load. */
export function rssLine(rss) {
  const mib = (kib) => (kib / 1024).toFixed(1);
  return (
    `Server RSS: ${mib(rss.before.rssKiB)} MiB when ready, ${mib(rss.after.rssKiB)} MiB after all ` +
    `levels (peak ${mib(rss.after.hwmKiB)} MiB).`
  );
}

/** Replaces the text between two marker lines of `text`; throws when a marker is missing. */
export function replaceBetween(text, begin, end, body) {
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`markers ${begin} … ${end} not found`);
  return `${text.slice(0, start + begin.length)}\n${body}\n${text.slice(stop)}`;
}
