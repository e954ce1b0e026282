// Writers of normal-form ZObjects as JSON text, and small predicates on ZIDs
// and keys. Everything here is executor-owned data: a ZObject is built by
// concatenating string primitives (which nothing can intercept), and every
// constant part (references, types, the envelope skeleton) is written once, at
// load time.

import {
  charCodeAt,
  nativeIsZid,
  isArray,
  join,
  lastIndexOf,
  newList,
  objectFreeze,
  ownData,
  ownKeys,
  push,
  regExpExec,
  repeat,
  slice,
  StringCtor,
} from './intrinsics.js';
import { quote } from './json.js';

// --- references, strings and types -------------------------------------------

/** A reference (Z9) to `zid`, which is always a checked ZID ("Z" and digits: nothing to escape). */
export function ref(zid) {
  return '{"Z1K1":"Z9","Z9K1":"' + zid + '"}';
}

/** A Z6 string. */
export function string(text) {
  return '{"Z1K1":"Z6","Z6K1":' + quote(text) + '}';
}

const REF_Z7 = ref('Z7');
const TYPE_CALL_HEAD = '{"Z1K1":' + REF_Z7 + ',"Z7K1":';

/** A generic type: the normal form of the function call `fn(key1=arg1, key2=arg2)` (fn a ZID). */
export function typeCall(fn, arg1, arg2) {
  const head = TYPE_CALL_HEAD + ref(fn) + ',"' + fn + 'K1":' + arg1;
  if (arg2 === undefined) return head + '}';
  return head + ',"' + fn + 'K2":' + arg2 + '}';
}

const LIST_TYPE_HEAD = TYPE_CALL_HEAD + ref('Z881') + ',"Z881K1":';
const PAIR_TYPE_HEAD = TYPE_CALL_HEAD + ref('Z882') + ',"Z882K1":';
const MAP_TYPE_HEAD = TYPE_CALL_HEAD + ref('Z883') + ',"Z883K1":';

export function listType(elementType) {
  return LIST_TYPE_HEAD + elementType + '}';
}
export function pairType(firstType, secondType) {
  return PAIR_TYPE_HEAD + firstType + ',"Z882K2":' + secondType + '}';
}
export function mapType(keyType, valueType) {
  return MAP_TYPE_HEAD + keyType + ',"Z883K2":' + valueType + '}';
}

/**
 * A typed list (Z881) in normal form: the nested K1 / K2 chain of the JSON
 * texts in `items` (a null-prototype list), each link typed `listTypeText`
 * (the text of listType(elementType)). Written without recursion.
 */
export function typedList(listTypeText, items) {
  const tail = '{"Z1K1":' + listTypeText + '}';
  const n = items.length;
  if (n === 0) return tail;
  const head = '{"Z1K1":' + listTypeText + ',"K1":';
  if (n === 1) return head + items[0] + ',"K2":' + tail + '}';
  const parts = newList();
  for (let i = 0; i < n; i++) {
    push(parts, head);
    push(parts, items[i]);
    push(parts, ',"K2":');
  }
  push(parts, tail);
  push(parts, repeat('}', n));
  return join(parts, '');
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

export const UNIT = '{"Z1K1":' + REF_Z21 + '}';
export const TRUE = '{"Z1K1":' + REF_Z40 + ',"Z40K1":' + ref('Z41') + '}';
export const FALSE = '{"Z1K1":' + REF_Z40 + ',"Z40K1":' + ref('Z42') + '}';

const NATURAL_HEAD = '{"Z1K1":' + REF_Z13518 + ',"Z13518K1":';

/** A Z13518 natural number; `digits` is its decimal text (digits only). */
export function naturalNumber(digits) {
  return NATURAL_HEAD + string(digits) + '}';
}

function sign(zid) {
  return '{"Z1K1":' + REF_Z16659 + ',"Z16659K1":' + ref(zid) + '}';
}

const INTEGER_HEADS = objectFreeze({
  __proto__: null,
  positive: '{"Z1K1":' + REF_Z16683 + ',"Z16683K1":' + sign('Z16660') + ',"Z16683K2":',
  zero: '{"Z1K1":' + REF_Z16683 + ',"Z16683K1":' + sign('Z16661') + ',"Z16683K2":',
  negative: '{"Z1K1":' + REF_Z16683 + ',"Z16683K1":' + sign('Z16662') + ',"Z16683K2":',
});

/** sign: 'positive' | 'zero' | 'negative'; digits: the absolute value in decimal. */
export function integer(signName, digits) {
  return INTEGER_HEADS[signName] + naturalNumber(digits) + '}';
}

/** A typed pair (Z882) of type `type` (text) with the texts `first` and `second`. */
export function pair(type, first, second) {
  return '{"Z1K1":' + type + ',"K1":' + first + ',"K2":' + second + '}';
}

// --- envelope -------------------------------------------------------------------
// The answer is a few concatenations of the constant texts below (written once,
// at load time) and the quoted dynamic strings.

const REF_Z5 = ref('Z5');
const META_PAIR_TYPE = pairType(Z6, Z1);
const META_LIST_TYPE = listType(META_PAIR_TYPE);
// The Z883 map (Z6 -> Z1), up to its first list link's K1.
const META_HEAD = '{"Z1K1":' + mapType(Z6, Z1) + ',"K1":{"Z1K1":' + META_LIST_TYPE + ',"K1":';
// Closes the last link of the list (its empty tail), and the link.
const META_LIST_END = ',"K2":{"Z1K1":' + META_LIST_TYPE + '}}';
const ERRORS_PAIR_HEAD = '{"Z1K1":' + META_PAIR_TYPE + ',"K1":' + string('errors') + ',"K2":';
const ENVELOPE_HEAD = '{"Z1K1":' + ref('Z22') + ',"Z22K1":';
/** A Z6 up to its quoted text. */
export const STRING_HEAD = '{"Z1K1":"Z6","Z6K1":';

// success without metadata: ENVELOPE_HEAD value SUCCESS_TAIL
const SUCCESS_TAIL = ',"Z22K2":' + VOID + '}';

// error without other metadata: ERROR_HEAD <Z5> ERROR_TAIL
const ERROR_HEAD = ENVELOPE_HEAD + VOID + ',"Z22K2":' + META_HEAD + ERRORS_PAIR_HEAD;
// the pair, the list link, the map, the envelope
const ERROR_TAIL = '}' + META_LIST_END + '}}';

const DEBUG_LIST_TYPE = listType(Z6);

/** A metadata pair (Z882 of Z6 and Z1) of `key` and the JSON text `valueText`. */
function metaPair(key, valueText) {
  return '{"Z1K1":' + META_PAIR_TYPE + ',"K1":' + string(key) + ',"K2":' + valueText + '}';
}

/**
 * The Z883 metadata map (Z6 -> Z1) of an answer: "errors" (the JSON text
 * `z5Text`, or null), then from `meta` ({ logs, debug, requestId }, or null):
 * "logs" (a Z6: the console text), "executorDebugLogs" (a Z881 of Z6: the
 * console and Wikifunctions.Debug lines), "requestId" (a Z6), "implementationId"
 * (a Z6: the implementation's ZID).
 */
function metadataMap(z5Text, meta) {
  const pairs = newList();
  if (z5Text !== null) push(pairs, metaPair('errors', z5Text));
  if (meta !== null) {
    if (meta.logs !== null) push(pairs, metaPair('logs', string(meta.logs)));
    if (meta.debug !== null) {
      const lines = meta.debug;
      const items = newList();
      for (let i = 0; i < lines.length; i++) push(items, string(lines[i]));
      push(pairs, metaPair('executorDebugLogs', typedList(DEBUG_LIST_TYPE, items)));
    }
    if (meta.requestId !== undefined) push(pairs, metaPair('requestId', string(meta.requestId)));
    if (typeof meta.implementation === 'string') {
      push(pairs, metaPair('implementationId', string(meta.implementation)));
    }
  }
  if (pairs.length === 0) return VOID;
  return '{"Z1K1":' + mapType(Z6, Z1) + ',"K1":' + typedList(META_LIST_TYPE, pairs) + '}';
}

/**
 * The Z22 answer for a value (its JSON text): Z22K2 is void when `meta` is
 * null, else the Z883 map of metadataMap.
 */
export function successAnswer(valueText, meta) {
  if (meta === null) return ENVELOPE_HEAD + valueText + SUCCESS_TAIL;
  return ENVELOPE_HEAD + valueText + ',"Z22K2":' + metadataMap(null, meta) + '}';
}

const SUCCESS_STRING_HEAD = ENVELOPE_HEAD + STRING_HEAD;
const SUCCESS_STRING_TAIL = '}' + SUCCESS_TAIL;

/** successAnswer for a Z6 value, given its text already quoted. */
export function successStringAnswer(quotedText, meta) {
  if (meta === null) return SUCCESS_STRING_HEAD + quotedText + SUCCESS_STRING_TAIL;
  return SUCCESS_STRING_HEAD + quotedText + '}' + ',"Z22K2":' + metadataMap(null, meta) + '}';
}

// --- errors (Z5) -------------------------------------------------------------------
// Every Z5 the executor writes comes from z5(): {"Z1K1":Z5,"Z5K1":<type>,"Z5K2":
// {"Z1K1":<Z885(type)>,"<type>K1":…,"<type>K2":…}}, the Z5K2 an instance of the
// type's Z885 with the type's keys in order (wit/errors.json).

function z5Head(errorType) {
  return (
    '{"Z1K1":' + REF_Z5 + ',"Z5K1":' + ref(errorType) + ',"Z5K2":{"Z1K1":' + typeCall('Z885', ref(errorType)) + ',"' + errorType + 'K1":'
  );
}

/** The Z5 heads (up to the first key's value) of the types the executor writes. */
const Z5_HEADS = objectFreeze({
  __proto__: null,
  Z500: z5Head('Z500'),
  Z501: z5Head('Z501'),
  Z502: z5Head('Z502'),
  Z507: z5Head('Z507'),
  Z558: z5Head('Z558'),
  Z561: z5Head('Z561'),
  Z565: z5Head('Z565'),
});

/**
 * The one writer of a Z5: an error of `errorType` (a ZID) whose Z5K2 holds the
 * JSON texts `first` (key K1) and, when given, `second` (key K2).
 */
export function z5(errorType, first, second) {
  let head = Z5_HEADS[errorType];
  if (head === undefined) head = z5Head(errorType);
  if (second === undefined) return head + first + '}}';
  return head + first + ',"' + errorType + 'K2":' + second + '}}';
}

const REF_Z99 = ref('Z99');

/** A Z7 up to its last key: the call of the function whose JSON text is `fnText`. */
export function callHead(fnText) {
  return TYPE_CALL_HEAD + fnText;
}

/** A Z99 quoting the JSON text `quoted`. */
export function z99(quoted) {
  return '{"Z1K1":' + REF_Z99 + ',"Z99K1":' + quoted + '}';
}

/**
 * The Z22 answer for a failure: Z22K1 void, Z22K2 a Z883 map with an "errors"
 * entry (the JSON text `z5Text`, written by z5), a "logs" entry when `logs`
 * is not null and an "implementationId" entry when `implementation` is a string.
 */
export function errorAnswer(z5Text, meta) {
  if (meta === null) return ERROR_HEAD + z5Text + ERROR_TAIL;
  return ENVELOPE_HEAD + VOID + ',"Z22K2":' + metadataMap(z5Text, meta) + '}';
}

/**
 * A Z5 of `errorType` whose Z5K2 holds the JSON texts in `texts` (a list) as
 * its keys <type>K1, <type>K2, … (Wikifunctions.Error).
 */
export function z5Keys(errorType, texts) {
  let text = '{"Z1K1":' + REF_Z5 + ',"Z5K1":' + ref(errorType) + ',"Z5K2":{"Z1K1":' + typeCall('Z885', ref(errorType));
  for (let i = 0; i < texts.length; i++) text += ',"' + errorType + 'K' + StringCtor(i + 1) + '":' + texts[i];
  return text + '}}';
}

/** Deepest nesting a quoted value is written to; deeper parts become a Z6 note. */
const MAX_QUOTE_DEPTH = 256;
const TOO_DEEP = string('[kiln: nested too deep to quote]');

/**
 * JSON text of `value`, a value made by the captured JSON.parse and never seen
 * by community code, read through own data properties only (nothing is looked
 * up on a prototype, no toJSON runs). Used to quote a call in an error.
 */
export function writeParsed(value, depth) {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return StringCtor(value);
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (value === null || typeof value !== 'object') return 'null';
  if (depth >= MAX_QUOTE_DEPTH) return TOO_DEEP;
  const parts = newList();
  if (isArray(value)) {
    const length = ownData(value, 'length');
    push(parts, '[');
    for (let i = 0; i < length; i++) {
      if (i > 0) push(parts, ',');
      push(parts, writeParsed(ownData(value, StringCtor(i)), depth + 1));
    }
    push(parts, ']');
    return join(parts, '');
  }
  const keys = ownKeys(value);
  push(parts, '{');
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key !== 'string') continue;
    if (parts.length > 1) push(parts, ',');
    push(parts, quote(key));
    push(parts, ':');
    push(parts, writeParsed(ownData(value, key), depth + 1));
  }
  push(parts, '}');
  return join(parts, '');
}

// --- predicates ------------------------------------------------------------------
// Regular expressions (matched in native code) rather than loops over
// charCodeAt: a few times cheaper per call. All are anchored, without flags.

const ZID = /^Z[1-9][0-9]*$/;
const KEY = /^(?:Z[1-9][0-9]*)?K[1-9][0-9]*$/;
const DIGITS = /^[0-9]+$/;

/** isZid by the RegExp: where the guest has no native check, and its parity tests' oracle. */
export function matchesZid(text) {
  // Most strings that are not ZIDs fail on their first character, cheaply.
  return typeof text === 'string' && charCodeAt(text, 0) === 0x5a && regExpExec(ZID, text) !== null;
}

/**
 * isZid(value): whether `value` is a string "Z" followed by a positive decimal
 * number: Z1, Z6, Z10000. The guest's native check where there is one (the
 * same answers, intrinsics.js), else the RegExp.
 */
export const isZid = nativeIsZid !== undefined ? nativeIsZid : matchesZid;

/** A ZObject key: Z<n>K<m> (global) or K<m> (local). */
export function isKey(text) {
  return typeof text === 'string' && regExpExec(KEY, text) !== null;
}

/** Digits only, at least one. */
export function isDigits(text) {
  return typeof text === 'string' && regExpExec(DIGITS, text) !== null;
}

/** The number after the last "K" of a key (Z1000K10 -> 10), or -1. */
export function keyIndex(key) {
  const length = key.length;
  if (length < 2) return -1;
  // The common case, one digit after the last K: "Z1000K2".
  const last = charCodeAt(key, length - 1) - 0x30;
  if (last < 0 || last > 9) return -1; // the last K is not followed by digits only
  if (charCodeAt(key, length - 2) === 0x4b) return last;
  const k = lastIndexOf(key, 'K');
  if (k < 0) return -1;
  const digits = slice(key, k + 1);
  if (digits.length === 0 || digits.length > 15) return -1;
  // Unary plus and String() on primitives look nothing up. The common case is a
  // number written canonically; anything else is checked digit by digit
  // ("007" is 7, "1e3" or "-1" is not a number here).
  const value = +digits;
  if (value >= 0 && value % 1 === 0 && StringCtor(value) === digits) return value;
  return regExpExec(DIGITS, digits) !== null ? value : -1;
}
