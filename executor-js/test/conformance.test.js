// Every case of the external corpus ../shared/conformance/wikifunctions-2023/cases.json,
// run (a) through `handle` imported directly from the sources, in this realm, and
// (b) through the rollup bundle loaded into a fresh node:vm realm; one named test
// per case and way (`conformance (bundle, fresh realm) > executor: <case>`).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { handle } from '../src/executor.js';
import { ZPair } from '../src/zpair.js';
import {
  checkCorpusCase,
  corpusAvailable,
  corpusCases,
  corpusDir,
  corpusRequest,
  loadExecutor,
} from '../test-support/harness.js';

// A missing corpus is a skipped test with its reason, except under CI (CI=true),
// where the corpus is laid beside the clone and its absence is a failure.
const MISSING = corpusAvailable() ? null : `external corpus not found: ${corpusDir}/cases.json`;

if (MISSING !== null) {
  const inCI = process.env.CI === 'true';
  test('wikifunctions-2023 conformance corpus', { skip: inCI ? false : MISSING }, () => {
    assert.fail(`${MISSING} (CI=true: the corpus is required)`);
  });
} else {
  const cases = corpusCases();

  describe('conformance (sources, this realm)', () => {
    let savedZPair;
    before(() => {
      savedZPair = Object.getOwnPropertyDescriptor(globalThis, 'ZPair');
      Object.defineProperty(globalThis, 'ZPair', { value: ZPair, writable: true, configurable: true });
    });
    after(() => {
      if (savedZPair) Object.defineProperty(globalThis, 'ZPair', savedZPair);
      else delete globalThis.ZPair;
    });
    for (const testCase of cases) {
      test(`${testCase.group}: ${testCase.name}`, async () => {
        const answer = JSON.parse(await handle(JSON.stringify(corpusRequest(testCase.request))));
        const problem = checkCorpusCase(testCase, answer, assert.deepEqual);
        assert.equal(problem, null, problem ?? '');
      });
    }
  });

  describe('conformance (bundle, fresh realm)', () => {
    let executor;
    before(async () => {
      executor = await loadExecutor();
    });
    for (const testCase of cases) {
      test(`${testCase.group}: ${testCase.name}`, async () => {
        const answer = await executor.handle(corpusRequest(testCase.request));
        const problem = checkCorpusCase(testCase, answer, assert.deepEqual);
        assert.equal(problem, null, problem ?? '');
      });
    }
  });
}
