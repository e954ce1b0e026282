// Community code that overwrites built-ins cannot change what the executor
// reports. For each poison (test-support/poisons.js) a child process loads the
// bundle, poisons its realm (as an earlier call's community code could) and
// runs a battery of requests; the answers must be byte-identical to those of a
// clean realm. A second round poisons inside the call itself, right before the
// community function returns its value.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleCode, loadExecutor, repoRoot } from '../test-support/harness.js';
import { POISONS, REQUESTS, insideRequests } from '../test-support/poisons.js';

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

describe('poisoned before the call', () => {
  for (const name of Object.keys(POISONS)) {
    test(name, async () => {
      const clean = await loadExecutor();
      const expected = [];
      for (const request of REQUESTS) expected.push(await clean.text(request));
      const actual = runChild(name, 'before');
      assert.equal(actual.length, REQUESTS.length);
      for (let i = 0; i < REQUESTS.length; i++) {
        assert.equal(actual[i], expected[i], `request ${REQUESTS[i].slice(0, 200)}`);
      }
    });
  }
});

describe('poisoned inside the call, before returning', () => {
  for (const [name, poison] of Object.entries(POISONS)) {
    test(name, async () => {
      const clean = await loadExecutor();
      const pairs = insideRequests(poison);
      const actual = runChild(name, 'inside');
      assert.equal(actual.length, pairs.length);
      for (let i = 0; i < pairs.length; i++) {
        assert.equal(actual[i], await clean.text(pairs[i][0]), `body ${i}`);
      }
    });
  }
});
