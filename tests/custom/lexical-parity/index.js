// A custom executor that checks the guest's native string chores (guest/src/lexical.rs, taken
// by executor-js/src/intrinsics.js) against what they replace: the ZID check against
// zobject.js's RegExp (matchesZid), the JSON quoting against JSON.stringify, the order of
// argument keys against request.js's sortArgumentKeys (each value an object whose keys are
// ordered, as an executor form's arguments and as a Z7's members). The request is
// {"check": "zid" | "quote" | "keys", "values": [...]}; the answer is one JSON object,
// {"native": <whether the native function is in use>, "checked": n, "matched": m,
//  "differ": [<each value both answer differently for, with both answers>]}. A few values
// JSON cannot carry (undefined, a symbol, a bigint, a String object, lone surrogates) are
// always checked too (not for "keys": there `matched` counts the orders the native function
// gave, and it must leave exactly the objects with a non-ASCII key to the executor).

import { isZid, matchesZid } from '../../../executor-js/src/zobject.js';
import { quote, quoteByStringify } from '../../../executor-js/src/json.js';
import { sortArgumentKeys } from '../../../executor-js/src/request.js';
import { nativeArgumentKeys } from '../../../executor-js/src/intrinsics.js';

function answer(fn, value) {
  try {
    return fn(value);
  } catch (e) {
    return 'threw ' + (e instanceof Error ? e.name : typeof e);
  }
}

function checkKeys(values) {
  let matched = 0;
  let checked = 0;
  const differ = [];
  for (const value of values) {
    const ascii = Object.keys(value).every((key) => Array.from(key).every((c) => c.charCodeAt(0) < 0x80));
    for (const isCall of [false, true]) {
      checked += 1;
      const keys = answer((v) => nativeArgumentKeys(v, isCall), value);
      const a = keys === undefined ? 'left to the executor' : JSON.stringify(keys);
      const b = ascii ? answer((v) => JSON.stringify(sortArgumentKeys(v, isCall)), value) : 'left to the executor';
      if (a !== b) differ.push([JSON.stringify(Object.keys(value)), String(isCall), a, b]);
      else if (keys !== undefined) matched += 1;
    }
  }
  return JSON.stringify({ native: nativeArgumentKeys !== undefined, checked, matched, differ });
}

export function handle(requestText) {
  const request = JSON.parse(requestText);
  if (request.check === 'keys') return checkKeys(request.values);
  const zid = request.check === 'zid';
  const native = zid ? isZid : quote;
  const oracle = zid ? matchesZid : (value) => JSON.stringify(value);
  const values = request.values;
  values.push(undefined, Symbol('Z1'), 1n, Object('Z1'), 'Z1\u0000', 'Z1\ud800', '\udc00Z1', '\ud800\ud800\udc00\udc00');
  let matched = 0;
  const differ = [];
  for (const value of values) {
    const a = answer(native, value);
    const b = answer(oracle, value);
    if (a !== b) differ.push([typeof value === 'string' ? JSON.stringify(value) : typeof value, String(a), String(b)]);
    if (b === true || (typeof b === 'string' && b.includes('\\'))) matched += 1;
  }
  const inUse = zid ? isZid !== matchesZid : quote !== quoteByStringify;
  return JSON.stringify({ native: inUse, checked: values.length, matched, differ });
}
