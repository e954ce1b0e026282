// Builders for normal-form ZObject nodes (see json.js for the node shapes) and
// small predicates on ZIDs and keys. Everything here is executor-owned data.

import { charCodeAt, newList, objectFreeze, push } from './intrinsics.js';

function freezeRecord(record) {
  return objectFreeze(record);
}

/** A ZObject node from alternating key, value arguments. */
export function zobject() {
  const kv = newList();
  const n = arguments.length;
  for (let i = 0; i < n; i++) push(kv, arguments[i]);
  return { __proto__: null, kv };
}

/** A ZObject node from a prepared null-prototype key/value list. */
export function zobjectFromList(kv) {
  return { __proto__: null, kv };
}

/** A typed list node (Z881) with element type node `elementType`. */
export function typedList(elementType, items) {
  return { __proto__: null, items, type: listType(elementType) };
}

// --- references, strings and types -------------------------------------------

export function ref(zid) {
  return zobject('Z1K1', 'Z9', 'Z9K1', zid);
}

export function string(text) {
  return zobject('Z1K1', 'Z6', 'Z6K1', text);
}

const REF_Z7 = ref('Z7');

/** A generic type: the normal form of the function call `fn(key1=arg1, key2=arg2)`. */
export function typeCall(fn, arg1, arg2) {
  if (arg2 === undefined) {
    return zobject('Z1K1', REF_Z7, 'Z7K1', ref(fn), fn + 'K1', arg1);
  }
  return zobject('Z1K1', REF_Z7, 'Z7K1', ref(fn), fn + 'K1', arg1, fn + 'K2', arg2);
}

export function listType(elementType) {
  return typeCall('Z881', elementType);
}
export function pairType(firstType, secondType) {
  return typeCall('Z882', firstType, secondType);
}
export function mapType(keyType, valueType) {
  return typeCall('Z883', keyType, valueType);
}

// --- values ---------------------------------------------------------------------

export const Z1 = ref('Z1');
export const Z6 = ref('Z6');
export const VOID = ref('Z24');
const REF_Z21 = ref('Z21');
const REF_Z40 = ref('Z40');
const REF_Z13518 = ref('Z13518');
const REF_Z16683 = ref('Z16683');
const REF_Z16659 = ref('Z16659');

export const UNIT = zobject('Z1K1', REF_Z21);
export const TRUE = zobject('Z1K1', REF_Z40, 'Z40K1', ref('Z41'));
export const FALSE = zobject('Z1K1', REF_Z40, 'Z40K1', ref('Z42'));

export function naturalNumber(digits) {
  return zobject('Z1K1', REF_Z13518, 'Z13518K1', string(digits));
}

const SIGNS = freezeRecord({
  __proto__: null,
  positive: zobject('Z1K1', REF_Z16659, 'Z16659K1', ref('Z16660')),
  zero: zobject('Z1K1', REF_Z16659, 'Z16659K1', ref('Z16661')),
  negative: zobject('Z1K1', REF_Z16659, 'Z16659K1', ref('Z16662')),
});

/** sign: 'positive' | 'zero' | 'negative'; digits: the absolute value in decimal. */
export function integer(sign, digits) {
  return zobject('Z1K1', REF_Z16683, 'Z16683K1', SIGNS[sign], 'Z16683K2', naturalNumber(digits));
}

export function pair(type, first, second) {
  return zobject('Z1K1', type, 'K1', first, 'K2', second);
}

// --- envelope -------------------------------------------------------------------

const REF_Z22 = ref('Z22');
const REF_Z5 = ref('Z5');
const META_PAIR_TYPE = pairType(Z6, Z1);
const META_MAP_TYPE = mapType(Z6, Z1);

/** Z5 error: Z5K1 the error type (a reference), Z5K2 the message (a Z6). */
export function error(errorType, message) {
  return zobject('Z1K1', REF_Z5, 'Z5K1', ref(errorType), 'Z5K2', string(message));
}

/**
 * The Z22K2 metadata: a Z883 typed map (Z6 -> Z1) built from a list of
 * { key, value } records, or void (Z24) when there is no entry.
 */
export function metadata(entries) {
  if (entries.length === 0) return VOID;
  const pairs = newList();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    push(pairs, pair(META_PAIR_TYPE, string(entry.key), entry.value));
  }
  return zobject('Z1K1', META_MAP_TYPE, 'K1', typedList(META_PAIR_TYPE, pairs));
}

export function envelope(value, meta) {
  return zobject('Z1K1', REF_Z22, 'Z22K1', value, 'Z22K2', meta);
}

// --- predicates ------------------------------------------------------------------

function isDigit(c) {
  return c >= 0x30 && c <= 0x39;
}

/** Digits only, at least one; when `positive`, no leading zero. */
function digitsAt(text, start, end, positive) {
  if (end <= start) return false;
  if (positive && charCodeAt(text, start) === 0x30) return false;
  for (let i = start; i < end; i++) {
    if (!isDigit(charCodeAt(text, i))) return false;
  }
  return true;
}

/** "Z" followed by a positive decimal number: Z1, Z6, Z10000. */
export function isZid(text) {
  return typeof text === 'string' && charCodeAt(text, 0) === 0x5a && digitsAt(text, 1, text.length, true);
}

/** A ZObject key: Z<n>K<m> (global) or K<m> (local). */
export function isKey(text) {
  if (typeof text !== 'string') return false;
  const length = text.length;
  let k = -1;
  for (let i = length - 1; i >= 0; i--) {
    if (charCodeAt(text, i) === 0x4b) {
      k = i;
      break;
    }
  }
  if (k < 0 || !digitsAt(text, k + 1, length, true)) return false;
  if (k === 0) return true;
  return charCodeAt(text, 0) === 0x5a && digitsAt(text, 1, k, true);
}

export function isDigits(text) {
  return typeof text === 'string' && digitsAt(text, 0, text.length, false);
}

/** The number after the last "K" of a key (Z1000K10 -> 10), or -1. */
export function keyIndex(key) {
  const length = key.length;
  let k = -1;
  for (let i = length - 1; i >= 0; i--) {
    if (charCodeAt(key, i) === 0x4b) {
      k = i;
      break;
    }
  }
  if (k < 0 || !digitsAt(key, k + 1, length, false) || length - k - 1 > 15) return -1;
  let value = 0;
  for (let i = k + 1; i < length; i++) value = value * 10 + (charCodeAt(key, i) - 0x30);
  return value;
}
