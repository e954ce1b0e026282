// Tests of scripts/bench-http-lib.mjs: wrk's report and Prometheus text are read right, and
// the consistency check passes on agreeing counters and fails on each kind of disagreement.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkConsistency,
  median,
  metricsDelta,
  parseMetrics,
  parseTime,
  parseWrk,
  replaceBetween,
  resultsTable,
} from '../bench-http-lib.mjs';

// A wrk 4.1.0 report as `wrk --latency` prints it.
const REPORT = `Running 10s test @ http://127.0.0.1:40123/1/v1/evaluate/
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   612.41us  301.77us  12.90ms   91.02%
    Req/Sec    13.20k   540.11    14.01k    72.00%
  Latency Distribution
     50%  560.00us
     75%  680.00us
     90%  810.00us
     99%    1.52ms
  131366 requests in 10.00s, 52.14MB read
Requests/sec:  13133.41
Transfer/sec:      5.21MB
`;

test('wrk times are read in milliseconds, whatever the unit', () => {
  assert.equal(parseTime('560.00us'), 0.56);
  assert.equal(parseTime('1.52ms'), 1.52);
  assert.equal(parseTime('2.00s'), 2000);
  assert.equal(parseTime('1.00m'), 60000);
  assert.throws(() => parseTime('12 ms'), /not a wrk time/);
});

test("wrk's report gives requests, rate and percentiles", () => {
  const wrk = parseWrk(REPORT);
  assert.equal(wrk.requests, 131366);
  assert.equal(wrk.durationMs, 10000);
  assert.equal(wrk.requestsPerSecond, 13133.41);
  assert.equal(wrk.p50Ms, 0.56);
  assert.equal(wrk.p99Ms, 1.52);
  assert.equal(wrk.percentilesMs[90], 0.81);
  assert.deepEqual(wrk.socketErrors, { connect: 0, read: 0, write: 0, timeout: 0 });
  assert.equal(wrk.non2xx, 0);
});

test("wrk's error lines are read", () => {
  const text = REPORT.replace(
    'Requests/sec',
    '  Socket errors: connect 0, read 3, write 1, timeout 7\n  Non-2xx or 3xx responses: 42\nRequests/sec',
  );
  const wrk = parseWrk(text);
  assert.deepEqual(wrk.socketErrors, { connect: 0, read: 3, write: 1, timeout: 7 });
  assert.equal(wrk.non2xx, 42);
});

test('a report without --latency or a request count is refused', () => {
  assert.throws(() => parseWrk(REPORT.replace(/ {2}Latency Distribution[\s\S]*?(?= {2}131366)/, '')), /latency distribution/);
  assert.throws(() => parseWrk(REPORT.replace('131366 requests in', 'requests in')), /request count/);
});

const METRICS = (calls, errors, ok, other, gone) => `# HELP kiln_calls Calls answered
# TYPE kiln_calls counter
kiln_calls_total{outcome="value",error_type=""} ${calls}
kiln_calls_total{outcome="error",error_type="Z507"} ${errors}
kiln_http_responses_total{status="200"} ${ok}
kiln_http_responses_total{status="429"} ${other}
kiln_rejections_total{reason="client_gone"} ${gone}
kiln_rejections_total{reason="queue_full"} ${other}
kiln_calls_in_flight 0
# EOF
`;

test('Prometheus text is read and differenced by name and label', () => {
  const before = parseMetrics(METRICS(10, 1, 10, 0, 0));
  assert.equal(before.get('kiln_calls_in_flight'), 0);
  const after = parseMetrics(METRICS(1010, 1, 1009, 0, 2));
  assert.deepEqual(metricsDelta(before, after), {
    calls: 1000,
    values: 1000,
    errors: 0,
    responses: 999,
    ok: 999,
    rejections: 2,
    clientGone: 2,
  });
});

const wrkRun = (requests) => ({
  requests,
  socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
  non2xx: 0,
});
const delta = (overrides) => ({ calls: 1000, values: 1000, errors: 0, responses: 1000, ok: 1000, rejections: 0, clientGone: 0, ...overrides });

test('counters that agree pass, in-flight calls at the stop included', () => {
  assert.deepEqual(checkConsistency(wrkRun(1000), delta({}), 8), []);
  assert.deepEqual(checkConsistency(wrkRun(995), delta({ rejections: 3, clientGone: 3 }), 8), []);
});

test('each disagreement fails the check', () => {
  const fails = (wrk, counted, pattern) => {
    const problems = checkConsistency(wrk, counted, 8);
    assert.ok(problems.some((p) => pattern.test(p)), `expected ${pattern} in ${JSON.stringify(problems)}`);
  };
  fails(wrkRun(1001), delta({}), /counted 1000 calls/);
  fails(wrkRun(900), delta({}), /counted 1000 calls/);
  fails(wrkRun(1000), delta({ values: 990, errors: 10 }), /10 calls ended in an error/);
  fails(wrkRun(1000), delta({ responses: 1005 }), /other than 200/);
  fails(wrkRun(1000), delta({ rejections: 4, clientGone: 1 }), /rejected 4/);
  fails(wrkRun(1000), delta({ rejections: 9, clientGone: 9 }), /rejected 9/);
  fails({ ...wrkRun(1000), non2xx: 3 }, delta({}), /non-2xx/);
  fails({ ...wrkRun(1000), socketErrors: { connect: 0, read: 0, write: 0, timeout: 2 } }, delta({}), /socket errors/);
  fails(wrkRun(0), delta({ calls: 0, values: 0, ok: 0, responses: 0 }), /no requests/);
});

test('median, table and README markers', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const table = resultsTable({
    workers: 2,
    http: [{ connections: 8, requestsPerSecond: 15000, p50Ms: 0.5, p99Ms: 2 }],
    jsonl: { 1: { median: 12000 }, 2: { median: 20000 } },
  });
  assert.match(table, /\| HTTP, 8 connections \| 15,000 \| 0.50 \| 2.00 \| 4.0× \| 75 % \|/);
  assert.match(table, /\| `kiln run --jsonl --jobs 1` \| 12,000 \| — \| — \| — \| 60 % \|/);
  const text = 'a\n<!-- B -->\nold\n<!-- E -->\nz\n';
  assert.equal(replaceBetween(text, '<!-- B -->', '<!-- E -->', 'new'), 'a\n<!-- B -->\nnew\n<!-- E -->\nz\n');
  assert.throws(() => replaceBetween('none', '<!-- B -->', '<!-- E -->', 'x'), /not found/);
});
