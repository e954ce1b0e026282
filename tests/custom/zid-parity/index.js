// A custom executor that checks the guest's native ZID check (guest/src/lexical.rs, taken by
// executor-js/src/intrinsics.js) against the RegExp it replaces (zobject.js's matchesZid).
// The request is a JSON array of values; the answer is one JSON object,
// {"native": <whether the native check is in use>, "checked": n, "matched": m,
//  "differ": [<JSON of each value both answer differently for>]}. A few values JSON cannot
// carry (undefined, a symbol, a bigint, a String object) are always checked too.

import { isZid, matchesZid } from '../../../executor-js/src/zobject.js';

export function handle(requestText) {
  const values = JSON.parse(requestText);
  values.push(undefined, Symbol('Z1'), 1n, Object('Z1'), 'Z1'.repeat(1) + '\u0000', 'Z1\ud800', '\udc00Z1');
  let matched = 0;
  const differ = [];
  for (const value of values) {
    const native = isZid(value);
    const oracle = matchesZid(value);
    if (native !== oracle) differ.push(typeof value === 'string' ? JSON.stringify(value) : String(typeof value));
    if (oracle) matched += 1;
  }
  return JSON.stringify({ native: isZid !== matchesZid, checked: values.length, matched, differ });
}
