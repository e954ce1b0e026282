// The real Wikifunctions type converters (../shared/wikifunctions/types-and-converters.json),
// unchanged, applied by the executor to every vector of converter-vectors.json: a Z7 whose
// argument type (to code) or return type (from code) is the whole Z4 with its converters as
// whole objects. Run through the bundle in a fresh realm. A missing ../shared is a skipped
// test with its reason, and a failure under CI=true (as for the conformance corpus).

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { errorOf, loadExecutor, repoRoot } from '../test-support/harness.js';

const sharedDir = path.resolve(repoRoot, '..', 'shared', 'wikifunctions');
const typesPath = path.join(sharedDir, 'types-and-converters.json');
const vectorsPath = path.join(sharedDir, 'converter-vectors.json');
const MISSING = fs.existsSync(typesPath) && fs.existsSync(vectorsPath) ? null : `Wikifunctions data not found: ${sharedDir}`;

/** The Z4 of `zid` with its Z4K7 / Z4K8 converters as whole objects (they are ZIDs in the file). */
export function wholeType(objects, zid) {
  const type = JSON.parse(JSON.stringify(objects[zid].Z2K2));
  for (const key of ['Z4K7', 'Z4K8']) {
    if (Array.isArray(type[key])) type[key] = type[key].map((item, i) => (i === 0 ? item : JSON.parse(JSON.stringify(objects[item].Z2K2))));
  }
  return type;
}

/** The implementation that shows what reached the code: "<typeof>:<JSON with BigInt as {$bigint}>". */
const SHOW =
  'function Z1000(Z1000K1) { return typeof Z1000K1 + ":" + JSON.stringify(Z1000K1, (k, v) => typeof v === "bigint" ? { $bigint: String(v) } : v); }';

export function z7(argumentType, returnType, code, args) {
  return {
    Z1K1: 'Z7',
    Z7K1: {
      Z1K1: 'Z8',
      Z8K1: ['Z17', ...Object.keys(args).map((key) => ({ Z1K1: 'Z17', Z17K1: argumentType, Z17K2: key, Z17K3: { Z1K1: 'Z12', Z12K1: ['Z11'] } }))],
      Z8K2: returnType,
      Z8K3: ['Z20'],
      Z8K4: ['Z14', { Z1K1: 'Z14', Z14K1: 'Z1000', Z14K3: { Z1K1: 'Z16', Z16K1: 'Z600', Z16K2: code } }],
      Z8K5: 'Z1000',
    },
    ...args,
  };
}

if (MISSING !== null) {
  const inCI = process.env.CI === 'true';
  test('real Wikifunctions type converters', { skip: inCI ? false : MISSING }, () => {
    assert.fail(`${MISSING} (CI=true: the data is required)`);
  });
} else {
  const { objects } = JSON.parse(fs.readFileSync(typesPath, 'utf8'));
  const { cases } = JSON.parse(fs.readFileSync(vectorsPath, 'utf8'));

  describe('real converters: every vector of converter-vectors.json', () => {
    let executor;
    before(async () => {
      executor = await loadExecutor();
    });
    cases.forEach((vector, i) => {
      test(`${i + 1}: ${vector.direction} ${vector.converter} (${vector.type})`, async () => {
        const type = wholeType(objects, vector.type);
        if (vector.direction.startsWith('to code')) {
          const answer = await executor.handle(z7(type, 'Z6', SHOW, { Z1000K1: vector.input }));
          assert.equal(errorOf(answer), null, JSON.stringify(answer));
          const shown = answer.Z22K1.Z6K1;
          const colon = shown.indexOf(':');
          assert.equal(shown.slice(0, colon), vector.expected.jsType);
          assert.deepEqual(JSON.parse(shown.slice(colon + 1)), vector.expected.value);
        } else {
          const literal = JSON.stringify(JSON.stringify(vector.input));
          const code = `function Z1000() { return JSON.parse(${literal}, (k, v) => v && typeof v === "object" && typeof v.$bigint === "string" ? BigInt(v.$bigint) : v); }`;
          const answer = await executor.handle(z7('Z6', type, code, {}));
          assert.equal(errorOf(answer), null, JSON.stringify(answer));
          assert.deepEqual(answer.Z22K1, vector.expected.value);
        }
      });
    });
  });

  describe('real converters in use', () => {
    let executor;
    before(async () => {
      executor = await loadExecutor();
    });
    test('two equal months compare equal; a list of naturals arrives as BigInts and is summed', async () => {
      const month = wholeType(objects, 'Z16098');
      const same = await executor.handle(
        z7(month, 'Z40', 'function Z1000(Z1000K1, Z1000K2) { return Z1000K1 === Z1000K2; }', {
          Z1000K1: { Z1K1: 'Z16098', Z16098K1: 'Z16102' },
          Z1000K2: { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z16098' }, Z16098K1: { Z1K1: 'Z9', Z9K1: 'Z16102' } },
        }),
      );
      assert.deepEqual(same.Z22K1, { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z40' }, Z40K1: { Z1K1: 'Z9', Z9K1: 'Z41' } });
      const natural = wholeType(objects, 'Z13518');
      const listOfNaturals = { Z1K1: 'Z7', Z7K1: 'Z881', Z881K1: natural };
      const request = z7(listOfNaturals, natural, 'function Z1000(Z1000K1) { return Z1000K1.reduce((a, b) => a + b, 0n); }', {
        Z1000K1: ['Z13518', { Z1K1: 'Z13518', Z13518K1: '20' }, { Z1K1: 'Z13518', Z13518K1: '22' }],
      });
      const sum = await executor.handle(request);
      assert.deepEqual(sum.Z22K1, { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z13518' }, Z13518K1: { Z1K1: 'Z6', Z6K1: '42' } });
    });
  });
}
