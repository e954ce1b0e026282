// The capturing console (bundle, fresh realm).

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, loadExecutor, metadata } from '../test-support/harness.js';

let executor;
before(async () => {
  executor = await loadExecutor();
});

const call = (codeString) => ({ codeString, functionName: 'f', functionArguments: {} });
async function logsOf(code) {
  const answer = await executor.handle(call(code));
  const meta = metadata(answer);
  return { answer, logs: meta && meta.logs ? meta.logs.Z6K1 : null };
}

describe('console capture', () => {
  test('all five methods record lines, nothing is printed', async () => {
    const { logs } = await logsOf('function f() { console.log("l"); console.error("e"); console.warn("w"); console.info("i"); console.debug("d"); return "x"; }');
    assert.equal(logs, 'l\ne\nw\ni\nd');
  });
  test('formatting of values', async () => {
    const { logs } = await logsOf(`function f() {
      console.log("s", 1, 1.5, true, null, undefined, 10n, Symbol("q"), [1, "a"], { a: { b: 2n } }, function named() {}, new Error("bad"), new Map());
      return "x";
    }`);
    assert.equal(logs, 's 1 1.5 true null undefined 10n Symbol(q) [1,"a"] {"a":{"b":"2n"}} [Function: named] Error: bad [object Map]');
  });
  test('hostile arguments do not break logging or the call', async () => {
    const { answer, logs } = await logsOf(`function f() {
      const cyclic = {}; cyclic.self = cyclic;
      const hostile = { toJSON() { throw new Error("no"); } };
      console.log("a", cyclic, hostile, "b");
      return "fine";
    }`);
    assert.equal(errorOf(answer), null);
    // A cycle makes the value unprintable; toJSON (a function property) is never run.
    assert.equal(logs, 'a [unprintable value] {} b');
  });
  test('no logs: Z22K2 is void', async () => {
    const { answer } = await logsOf('function f() { return "x"; }');
    assert.deepEqual(answer.Z22K2, { Z1K1: 'Z9', Z9K1: 'Z24' });
  });
  test('logs are per call', async () => {
    await logsOf('function f() { console.log("first call"); return "x"; }');
    const { logs } = await logsOf('function f() { console.log("second call"); return "x"; }');
    assert.equal(logs, 'second call');
  });
  test('logs are reported with errors too', async () => {
    const { answer, logs } = await logsOf('function f() { console.log("context"); throw new Error("boom"); }');
    assert.equal(errorOf(answer).message, 'Error: boom');
    assert.equal(logs, 'context');
  });
  test('bounded at 64 KiB of UTF-8, then a truncation marker', async () => {
    const { logs } = await logsOf('function f() { for (let i = 0; i < 2000; i++) console.log("é".repeat(50)); return "x"; }');
    const lines = logs.split('\n');
    assert.equal(lines[lines.length - 1], '[kiln: console output truncated]');
    const kept = lines.slice(0, -1).join('\n');
    assert.ok(Buffer.byteLength(kept, 'utf8') <= 64 * 1024, String(Buffer.byteLength(kept)));
    assert.ok(Buffer.byteLength(kept, 'utf8') > 64 * 1024 - 101);
    assert.equal(lines.filter((l) => l.startsWith('[kiln')).length, 1);
  });
  test('a single huge line is cut without splitting a surrogate pair', async () => {
    const { logs } = await logsOf('function f() { console.log("😀".repeat(20000)); console.log("after"); return "x"; }');
    const [first, marker, ...rest] = logs.split('\n');
    assert.equal(marker, '[kiln: console output truncated]');
    assert.equal(rest.length, 0);
    assert.equal(first.length % 2, 0);
    assert.ok(Buffer.byteLength(first, 'utf8') <= 64 * 1024);
  });
  test('community code may replace console without affecting the executor', async () => {
    const { answer } = await logsOf('function f() { console = undefined; return "x"; }');
    assert.equal(errorOf(answer), null);
    // the next call gets a fresh capturing console again
    const { logs } = await logsOf('function f() { console.log("back"); return "x"; }');
    assert.equal(logs, 'back');
    const patched = await logsOf('function f() { console.log = () => { throw new Error("x"); }; return "x"; }');
    assert.equal(errorOf(patched.answer), null);
    assert.equal((await logsOf('function f() { console.log("fresh"); return "x"; }')).logs, 'fresh');
  });
});
