// Community code that overwrites built-ins cannot change what the executor
// reports. For each poison (test-support/poisons.js) a child process loads the
// bundle, poisons its realm (as an earlier call's community code could) and
// runs a battery of requests; the answers must be byte-identical to those of a
// clean realm. A second round poisons inside the call itself, right before the
// community function returns its value.
//
// One named test per poison and request (`poisoned before the call > <poison> >
// request 3: function f(m) …`), so a failure names its request and does not hide the
// others, and `--test-name-pattern` runs one. The child runs once per poison
// and mode, when the first test that needs its answers asks for them.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleCode, loadExecutor, repoRoot } from '../test-support/harness.js';
import { BODIES, POISONS, REQUESTS, insideRequests } from '../test-support/poisons.js';

const childScript = path.join(repoRoot, 'executor-js', 'test-support', 'poison-child.js');
let bundleFile;
before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-executor-'));
  bundleFile = path.join(dir, 'executor.js');
  fs.writeFileSync(bundleFile, await bundleCode());
});

function runChild(poisonName, mode) {
  const result = spawnSync(process.execPath, [childScript, bundleFile, poisonName, mode], { encoding: 'utf8', timeout: 60000 });
  assert.equal(result.status, 0, `child failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** `fn()` run once, on first use; a failure is thrown again to every later caller. */
function once(fn) {
  let promise;
  return () => {
    promise ??= Promise.resolve().then(fn);
    return promise;
  };
}

/** A short test name: the position and the code (or the raw text) of a request. */
function requestName(index, text) {
  let summary = text;
  try {
    const request = JSON.parse(text);
    if (typeof request.codeString === 'string') summary = request.codeString;
  } catch {
    // not JSON: the raw text
  }
  summary = summary.replace(/\s+/g, ' ');
  if (summary.length > 60) summary = `${summary.slice(0, 57)}...`;
  return `request ${index + 1}: ${summary}`;
}

describe('poisoned before the call', () => {
  for (const name of Object.keys(POISONS)) {
    describe(name, () => {
      // A clean realm of its own per poison, as the answers' reference.
      const clean = once(() => loadExecutor());
      const answers = once(() => {
        const actual = runChild(name, 'before');
        assert.equal(actual.length, REQUESTS.length);
        return actual;
      });
      REQUESTS.forEach((request, i) => {
        test(requestName(i, request), async () => {
          const expected = await (await clean()).text(request);
          const actual = await answers();
          assert.equal(actual[i], expected, `request ${request.slice(0, 200)}`);
        });
      });
    });
  }
});

describe('poisoned inside the call, before returning', () => {
  for (const [name, poison] of Object.entries(POISONS)) {
    describe(name, () => {
      const pairs = insideRequests(poison);
      const clean = once(() => loadExecutor());
      const answers = once(() => {
        const actual = runChild(name, 'inside');
        assert.equal(actual.length, pairs.length);
        return actual;
      });
      pairs.forEach(([cleanRequest], i) => {
        test(`body ${i + 1}: ${BODIES[i]}`, async () => {
          const actual = await answers();
          assert.equal(actual[i], await (await clean()).text(cleanRequest), `body ${i}`);
        });
      });
    });
  }
});
