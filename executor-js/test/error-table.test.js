// kiln's one error table (wit/errors.json): every text generated from it is
// current, and it agrees with function-schemata's error types
// (../shared/wikifunctions/error-types.json; a skipped test with its reason
// when that file is absent, a failure when CI=true).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../test-support/harness.js';
import { errorTable } from '../test-support/errors.js';
import { ErrorType } from '../src/error-types.js';

const ORCHESTRATOR_SIDE = ['Z570', 'Z572', 'Z574', 'Z578', 'Z579', 'Z581'];
const schemataPath = path.resolve(repoRoot, '..', 'shared', 'wikifunctions', 'error-types.json');

test('generated texts are current (node scripts/errors.mjs --check)', () => {
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'errors.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});

test('the executor constants are the table', () => {
  assert.deepEqual({ ...ErrorType }, Object.fromEntries(errorTable.types.map((e) => [e.constant, e.zid])));
  assert.ok(Object.isFrozen(ErrorType));
});

test('no orchestrator-side type, and every error has an HTTP status', () => {
  for (const entry of errorTable.types) {
    assert.ok(!ORCHESTRATOR_SIDE.includes(entry.zid), `${entry.zid} belongs to the orchestrator`);
    assert.equal(entry.kind === 'error', Number.isInteger(entry.http), `${entry.zid}: http ${entry.http}`);
    assert.equal(entry.kind === 'warning', /^Z59[0-9]$/.test(entry.zid), `${entry.zid}: only Z590-Z599 are warnings`);
  }
});

const MISSING = fs.existsSync(schemataPath) ? null : `function-schemata error types not found: ${schemataPath}`;

if (MISSING !== null) {
  const inCI = process.env.CI === 'true';
  test('the table agrees with error-types.json', { skip: inCI ? false : MISSING }, () => {
    assert.fail(`${MISSING} (CI=true: the file is required)`);
  });
} else {
  const schemata = JSON.parse(fs.readFileSync(schemataPath, 'utf8')).objects;
  const english = (multilingual) => multilingual.Z12K1.slice(1).find((l) => l.Z11K1 === 'Z1002').Z11K2;
  const typeText = (type) => (typeof type === 'string' ? type : `${type.Z7K1}(${type.Z881K1})`);
  describe('the table agrees with error-types.json', () => {
    for (const entry of errorTable.types) {
      test(entry.zid, () => {
        const definition = schemata[entry.zid];
        assert.ok(definition, `${entry.zid} is not in error-types.json`);
        assert.equal(definition.Z2K2.Z1K1, 'Z50');
        assert.equal(entry.label, english(definition.Z2K3));
        const keys = definition.Z2K2.Z50K1.slice(1);
        assert.deepEqual(
          entry.keys.map((k) => [k.key, k.type, k.label]),
          keys.map((k) => [k.Z3K2, typeText(k.Z3K1), english(k.Z3K3)]),
        );
      });
    }
  });
}
