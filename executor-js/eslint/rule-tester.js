// ESLint's RuleTester wired to node:test: each valid / invalid case becomes its
// own named test (describe(rule) > describe('valid' | 'invalid') > it(code)), so
// `node --test --test-name-pattern` can run one. Kept outside test/ so the runner
// does not treat it as a test file.

import { describe, it } from 'node:test';
import { RuleTester } from 'eslint';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

/** A RuleTester for ES modules, as the executor's sources are. */
export function ruleTester() {
  return new RuleTester({ languageOptions: { ecmaVersion: 'latest', sourceType: 'module' } });
}
