// kiln's own fixtures (executor-js/fixtures, see its README.md), run through
// `handle` from the sources (this realm) and through the bundle (fresh realm).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { handle } from '../src/executor.js';
import { ZPair } from '../src/zpair.js';
import { checkFixture, fixtureNames, loadExecutor, readFixture } from '../test-support/harness.js';

const names = fixtureNames();

test('there are fixtures', () => {
  assert.ok(names.length >= 20, `only ${names.length} fixtures`);
});

describe('fixtures (sources, this realm)', () => {
  let saved;
  before(() => {
    saved = Object.getOwnPropertyDescriptor(globalThis, 'ZPair');
    Object.defineProperty(globalThis, 'ZPair', { value: ZPair, writable: true, configurable: true });
  });
  after(() => {
    if (saved) Object.defineProperty(globalThis, 'ZPair', saved);
    else delete globalThis.ZPair;
  });
  for (const name of names) {
    // console_logs and wikifunctions_* need the globals only the bundle installs.
    const skip = name === 'console_logs' || name.startsWith('wikifunctions_') ? 'needs the bundle-installed globals (console, Wikifunctions)' : false;
    test(name, { skip }, async () => {
      const { requestText, expected } = readFixture(name);
      const answer = JSON.parse(await handle(requestText));
      const problem = checkFixture(expected, answer, assert.deepEqual);
      assert.equal(problem, null, problem ?? '');
    });
  }
});

describe('fixtures (bundle, fresh realm)', () => {
  let executor;
  before(async () => {
    executor = await loadExecutor();
  });
  for (const name of names) {
    test(name, async () => {
      const { requestText, expected } = readFixture(name);
      const answer = JSON.parse(await executor.raw(requestText));
      const problem = checkFixture(expected, answer, assert.deepEqual);
      assert.equal(problem, null, problem ?? '');
    });
  }
});
