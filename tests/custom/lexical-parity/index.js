// A custom executor that checks the guest's native string chores (guest/src/lexical.rs, taken
// by executor-js/src/intrinsics.js) against what they replace: the ZID check against
// zobject.js's RegExp (matchesZid), the JSON quoting against JSON.stringify, the order of
// argument keys against request.js's sortArgumentKeys (each value an object whose keys are
// ordered, as an executor form's arguments and as a Z7's members), and the normal form a
// Z46 converter receives (guest/src/normal.rs) against convert.js's normalFormInJs,
// described node by node with prototypes, property attributes and which nodes are shared.
// The request is {"check": "zid" | "quote" | "keys" | "normal", "values": [...]}; the
// answer is one JSON object,
// {"native": <whether the native function is in use>, "checked": n, "matched": m,
//  "differ": [<each value both answer differently for, with both answers>]}. A few values
// JSON cannot carry (undefined, a symbol, a bigint, a String object, lone surrogates) are
// always checked too (not for "keys": there `matched` counts the orders the native function
// gave, and it must leave exactly the objects with a non-ASCII key to the executor).

import { isZid, matchesZid } from '../../../executor-js/src/zobject.js';
import { quote, quoteByStringify } from '../../../executor-js/src/json.js';
import { sortArgumentKeys } from '../../../executor-js/src/request.js';
import { nativeArgumentKeys, nativeNormalForm } from '../../../executor-js/src/intrinsics.js';
import { normalFormInJs } from '../../../executor-js/src/convert.js';

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

// The shape of a value, iteratively (lists nest one level per item): every object with its
// prototype (O, N, A or ?), each own key with its attributes, and a repeated object as a
// reference to its first appearance. Objects of `input` found in it are marked `!`.
function describe(root, input) {
  const ids = new Map();
  const out = [];
  const stack = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string' && v.startsWith('\u0000mark:')) {
      out.push(v.slice(6));
      continue;
    }
    if (typeof v !== 'object' || v === null) {
      out.push(typeof v === 'string' ? JSON.stringify(v) : typeof v + ':' + String(v));
      continue;
    }
    if (ids.has(v)) {
      out.push('#' + ids.get(v));
      continue;
    }
    ids.set(v, ids.size);
    const proto = Object.getPrototypeOf(v);
    const tag = proto === Object.prototype ? 'O' : proto === null ? 'N' : proto === Array.prototype ? 'A' : '?';
    out.push('{' + tag + (input.has(v) ? '!' : ''));
    const parts = [];
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      const flags = (d.writable ? 'w' : '') + (d.enumerable ? 'e' : '') + (d.configurable ? 'c' : '');
      parts.push('\u0000mark:' + JSON.stringify(String(key)) + flags + ':', d.value);
    }
    parts.push('\u0000mark:}');
    for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]);
  }
  return out.join('');
}

function objectsOf(root) {
  const seen = new Set();
  const stack = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    for (const key of Reflect.ownKeys(v)) stack.push(v[key]);
  }
  return seen;
}

function checkNormal(values) {
  let matched = 0;
  const differ = [];
  for (const value of values) {
    const input = objectsOf(value);
    const a = answer((v) => describe(nativeNormalForm(v), input), value);
    const b = answer((v) => describe(normalFormInJs(v), input), value);
    if (a !== b) differ.push([JSON.stringify(value).slice(0, 200), a.slice(0, 400), b.slice(0, 400)]);
    else matched += 1;
  }
  return JSON.stringify({ native: nativeNormalForm !== undefined, checked: values.length, matched, differ });
}

export function handle(requestText) {
  const request = JSON.parse(requestText);
  if (request.check === 'keys') return checkKeys(request.values);
  if (request.check === 'normal') return checkNormal(request.values);
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
