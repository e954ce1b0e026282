// ZObject (canonical or normal form, as parsed from the request) -> JavaScript.
//
// | ZObject                                   | JavaScript                       |
// |-------------------------------------------|----------------------------------|
// | Z6 string                                 | string                           |
// | Z21 unit                                  | null                             |
// | Z40 boolean (Z41 / Z42), Z41 / Z42 refs   | true / false                     |
// | Z881 typed list, canonical array          | Array                            |
// | Z882 typed pair                           | ZPair { K1, K2 }                 |
// | Z883 typed map                            | Map                              |
// | Z13518 natural number                     | BigInt >= 0                      |
// | Z16683 integer                            | BigInt                           |
// | Z9 reference (other than Z41 / Z42)       | { Z1K1: "Z9", Z9K1: "Z..." }     |
// | anything else                             | plain object keeping its Z1K1    |
//
// For "anything else", Z1K1 becomes the type's ZID string when the type is a
// reference or a Z4 whose identity (Z4K1) is a reference; otherwise it is kept
// as the type object from the request. The other keys are decoded recursively.
//
// The request comes from the captured JSON.parse, so it holds only own data
// properties; `own` never reaches a prototype.

import {
  ArrayPrototype,
  BigIntCtor,
  hasOwn,
  isArray,
  MapCtor,
  mapSet,
  newList,
  ObjectPrototype,
  own,
  ownKeys,
  push,
  setPrototypeOf,
} from './intrinsics.js';
import { failure } from './errors.js';
import { ErrorType } from './error-types.js';
import { isDigits, isZid } from './zobject.js';
import { ZPair } from './zpair.js';

export const MAX_DEPTH = 200;
const MAX_TYPE_DEPTH = 32;

/** Z561 with a Z502 (not well-formed) inside. */
function invalid(message) {
  return failure(ErrorType.INVALID_REQUEST, message, ErrorType.NOT_WELL_FORMED);
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !isArray(value);
}

/** The ZID a reference denotes (canonical string or normal-form Z9), else null. */
export function refId(value) {
  if (typeof value === 'string') return isZid(value) ? value : null;
  if (isObject(value)) {
    const id = own(value, 'Z9K1');
    if (typeof id === 'string' && isZid(id)) return id;
  }
  return null;
}

/** The text of a string (canonical string or normal-form Z6), else null. */
export function stringValue(value) {
  if (typeof value === 'string') return value;
  if (isObject(value)) {
    const text = own(value, 'Z6K1');
    if (typeof text === 'string') return text;
  }
  return null;
}

/**
 * What a Z1K1 denotes: { id } for a type given by reference (or by a Z4 whose
 * identity is a reference), { fn } for a generic type built by a function call
 * (Z7 with Z7K1, or a Z4 whose identity is such a call), or null.
 */
export function typeInfo(type, depth) {
  if (depth === undefined) depth = 0;
  if (depth > MAX_TYPE_DEPTH) return null;
  if (typeof type === 'string') return { __proto__: null, id: type, fn: undefined };
  if (!isObject(type)) return null;
  const id = own(type, 'Z9K1');
  if (typeof id === 'string') return { __proto__: null, id, fn: undefined };
  if (own(type, 'Z7K1') !== undefined) {
    const fn = refId(own(type, 'Z7K1'));
    return fn === null ? null : { __proto__: null, id: undefined, fn };
  }
  const identity = own(type, 'Z4K1');
  if (identity !== undefined) return typeInfo(identity, depth + 1);
  return null;
}

function communityArray(list) {
  return setPrototypeOf(list, ArrayPrototype);
}

function decodeReference(zid) {
  if (zid === 'Z41') return true;
  if (zid === 'Z42') return false;
  const object = { __proto__: null, Z1K1: 'Z9', Z9K1: zid };
  return setPrototypeOf(object, ObjectPrototype);
}

function decodeBoolean(value, depth) {
  let current = value;
  for (let i = 0; i < MAX_TYPE_DEPTH; i++) {
    const id = refId(current);
    if (id === 'Z41') return true;
    if (id === 'Z42') return false;
    if (id !== null || !isObject(current)) break;
    current = own(current, 'Z40K1');
  }
  throw invalid('Could not decode a Z40 boolean: Z40K1 must be Z41 or Z42.');
}

function decodeNatural(value) {
  const digits = stringValue(value);
  if (digits === null || !isDigits(digits)) {
    throw invalid('Could not decode a Z13518 natural number: Z13518K1 must be a string of decimal digits.');
  }
  return BigIntCtor(digits);
}

function decodeInteger(object, depth) {
  let sign = own(object, 'Z16683K1');
  let signId = refId(sign);
  if (signId === null && isObject(sign)) signId = refId(own(sign, 'Z16659K1'));
  const magnitude = decode(own(object, 'Z16683K2'), depth + 1);
  if (typeof magnitude !== 'bigint' || magnitude < 0n) {
    throw invalid('Could not decode a Z16683 integer: Z16683K2 must be a Z13518 natural number.');
  }
  if (signId === 'Z16660') return magnitude;
  if (signId === 'Z16662') return -magnitude;
  if (signId === 'Z16661') {
    if (magnitude !== 0n) throw invalid('Could not decode a Z16683 integer: sign Z16661 (zero) with a non-zero value.');
    return 0n;
  }
  throw invalid('Could not decode a Z16683 integer: Z16683K1 must be the sign Z16660, Z16661 or Z16662.');
}

/** The elements of a typed list, canonical ([type, ...items]) or normal (K1/K2 chain). */
export function listElements(list) {
  const out = newList();
  if (isArray(list)) {
    for (let i = 1; i < list.length; i++) push(out, list[i]);
    return out;
  }
  let node = list;
  for (;;) {
    if (isArray(node)) {
      for (let i = 1; i < node.length; i++) push(out, node[i]);
      return out;
    }
    if (!isObject(node)) throw invalid('Could not decode a typed list: a list node is not an object.');
    if (own(node, 'K1') === undefined) return out;
    push(out, own(node, 'K1'));
    node = own(node, 'K2');
    if (node === undefined) return out;
  }
}

function decodeList(list, depth) {
  const elements = listElements(list);
  const out = newList();
  for (let i = 0; i < elements.length; i++) push(out, decode(elements[i], depth + 1));
  return communityArray(out);
}

function decodePair(object, depth) {
  return new ZPair(decode(own(object, 'K1'), depth + 1), decode(own(object, 'K2'), depth + 1));
}

function decodeMap(object, depth) {
  const map = new MapCtor();
  const entries = own(object, 'K1');
  if (entries === undefined) return map;
  const elements = listElements(entries);
  for (let i = 0; i < elements.length; i++) {
    const entry = elements[i];
    if (!isObject(entry)) throw invalid('Could not decode a typed map: an entry is not a pair.');
    const key = decode(own(entry, 'K1'), depth + 2);
    const value = decode(own(entry, 'K2'), depth + 2);
    mapSet(map, key, value);
  }
  return map;
}

function decodePlain(object, type, id, depth) {
  const out = { __proto__: null };
  out.Z1K1 = id !== undefined ? id : type;
  const keys = ownKeys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key !== 'string' || key === 'Z1K1') continue;
    out[key] = decode(object[key], depth + 1);
  }
  return setPrototypeOf(out, ObjectPrototype);
}

/** Decodes one ZObject from the request into its JavaScript value. */
export function decode(value, depth) {
  if (depth === undefined) depth = 0;
  if (depth > MAX_DEPTH) throw invalid('Could not decode an argument: it is nested more than ' + MAX_DEPTH + ' levels deep.');
  if (typeof value === 'string') return isZid(value) ? decodeReference(value) : value;
  if (typeof value !== 'object' || value === null) {
    throw invalid('Could not decode an argument: expected a ZObject, got ' + (value === null ? 'null' : typeof value) + '.');
  }
  if (isArray(value)) return decodeList(value, depth);
  // (own() inlined: a property named in the code is read without interning a key.)
  const type = hasOwn(value, 'Z1K1') ? value.Z1K1 : undefined;
  if (type === undefined) throw invalid('Could not decode an argument: a ZObject has no Z1K1.');
  // The most common argument first: a Z6 string in normal form.
  if (type === 'Z6' && hasOwn(value, 'Z6K1')) {
    const text = value.Z6K1;
    if (typeof text === 'string') return text;
  }
  // typeInfo without its record for the common case of a type given as a ZID string.
  let id;
  let fn;
  if (typeof type === 'string') {
    id = type;
  } else {
    const info = typeInfo(type);
    if (info !== null) {
      id = info.id;
      fn = info.fn;
    }
  }
  switch (id) {
    case 'Z6': {
      const text = own(value, 'Z6K1');
      if (typeof text !== 'string') throw invalid('Could not decode a Z6 string: Z6K1 must be a string.');
      return text;
    }
    case 'Z9': {
      const zid = own(value, 'Z9K1');
      if (!isZid(zid)) throw invalid('Could not decode a Z9 reference: Z9K1 must be a ZID.');
      return decodeReference(zid);
    }
    case 'Z21':
      return null;
    case 'Z40':
      return decodeBoolean(own(value, 'Z40K1'), depth);
    case 'Z13518':
      return decodeNatural(own(value, 'Z13518K1'));
    case 'Z16683':
      return decodeInteger(value, depth);
    default:
      break;
  }
  switch (fn) {
    case 'Z881':
      return decodeList(value, depth);
    case 'Z882':
      return decodePair(value, depth);
    case 'Z883':
      return decodeMap(value, depth);
    default:
      break;
  }
  return decodePlain(value, type, id, depth);
}
