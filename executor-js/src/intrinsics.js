// Private copies of every built-in the executor uses.
//
// This module is evaluated first (it is imported by every other module), at the
// top level of the bundle, before any community code exists. Everything after
// that goes through these captured values, so community code that later
// overwrites globals or prototype methods (JSON.stringify, Object.prototype.*,
// Array.prototype[Symbol.iterator], String.prototype.*, Map.prototype.*,
// Promise.prototype.then, ...) cannot change what the executor reports.
//
// Rules for the rest of the executor (see README.md):
//  - call captured functions through `apply` (a captured Reflect.apply) or the
//    small wrappers below, never as `value.method(...)`;
//  - no for-of, spread, array destructuring or `new Map(iterable)` (they use the
//    live, poisonable iterator protocol);
//  - property descriptors are null-prototype literals;
//  - objects the executor builds for itself have a null prototype, so reading a
//    missing key or assigning a new one never reaches a poisoned prototype.

const G = globalThis;
const R = Reflect;

export const globalObject = G;

export const apply = R.apply;
export const construct = R.construct;
export const ownKeys = R.ownKeys;
export const getPrototypeOf = R.getPrototypeOf;
export const reflectSetPrototypeOf = R.setPrototypeOf;
export const reflectDefineProperty = R.defineProperty;
export const getOwnPropertyDescriptor = R.getOwnPropertyDescriptor;

const ObjectCtor = Object;
export const ObjectPrototype = ObjectCtor.prototype;
export const objectFreeze = ObjectCtor.freeze;
const objectHasOwnProperty = ObjectPrototype.hasOwnProperty;

export const isArray = Array.isArray;
export const ArrayPrototype = Array.prototype;
const arrayJoin = ArrayPrototype.join;

const JSONObject = JSON;
export const jsonParse = JSONObject.parse;
export const jsonStringify = JSONObject.stringify;

export const FunctionCtor = Function;
export const StringCtor = String;
export const BigIntCtor = BigInt;
export const MapCtor = Map;
export const WeakSetCtor = WeakSet;
export const TypeErrorCtor = TypeError;

const MapPrototype = MapCtor.prototype;
const mapSetFn = MapPrototype.set;
const mapEntriesFn = MapPrototype.entries;
const mapSizeGetter = getOwnPropertyDescriptor(MapPrototype, 'size').get;
const mapIteratorNext = getPrototypeOf(apply(mapEntriesFn, new MapCtor(), [])).next;

const WeakSetPrototype = WeakSetCtor.prototype;
const weakSetAddFn = WeakSetPrototype.add;
const weakSetHasFn = WeakSetPrototype.has;

const StringPrototype = StringCtor.prototype;
const strCharCodeAtFn = StringPrototype.charCodeAt;
const strSliceFn = StringPrototype.slice;
const strIndexOfFn = StringPrototype.indexOf;
const strLastIndexOfFn = StringPrototype.lastIndexOf;
const strToLowerCaseFn = StringPrototype.toLowerCase;
const strIsWellFormedFn = StringPrototype.isWellFormed; // ES2024; may be absent

const symbolDescriptionGetter = getOwnPropertyDescriptor(Symbol.prototype, 'description').get;

// ---------------------------------------------------------------------------
// Small safe wrappers.

export function hasOwn(object, key) {
  return apply(objectHasOwnProperty, object, [key]);
}

/** A fresh array with a null prototype: `a[a.length] = x` can never hit a setter. */
export function newList() {
  const list = [];
  reflectSetPrototypeOf(list, null);
  return list;
}

export function push(list, value) {
  list[list.length] = value;
}

export function join(list, separator) {
  return apply(arrayJoin, list, [separator]);
}

export function setPrototypeOf(object, prototype) {
  if (!reflectSetPrototypeOf(object, prototype)) {
    throw new TypeErrorCtor('kiln: cannot set prototype');
  }
  return object;
}

/** Defines an ordinary writable, enumerable, configurable data property. */
export function defineData(object, key, value) {
  return reflectDefineProperty(object, key, {
    __proto__: null,
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

export function defineHidden(object, key, value, writable) {
  return reflectDefineProperty(object, key, {
    __proto__: null,
    value,
    writable: !!writable,
    enumerable: false,
    configurable: true,
  });
}

export const ABSENT = objectFreeze({ __proto__: null });
export const ACCESSOR = objectFreeze({ __proto__: null });

/**
 * Reads an own data property WITHOUT running any getter. Returns ABSENT when
 * there is no own property and ACCESSOR when it is an accessor. May still run a
 * Proxy's getOwnPropertyDescriptor trap (callers guard with try/catch).
 */
export function ownData(object, key) {
  const desc = getOwnPropertyDescriptor(object, key);
  if (desc === undefined) return ABSENT;
  // `desc` is a fresh ordinary object; only read keys it owns.
  if (hasOwn(desc, 'value')) return desc.value;
  return ACCESSOR;
}

/** For JSON.parse output (own data properties only): own value or undefined. */
export function own(object, key) {
  return hasOwn(object, key) ? object[key] : undefined;
}

export function mapSet(map, key, value) {
  apply(mapSetFn, map, [key, value]);
}

/** Brand check: a real Map (not a Proxy, not a look-alike). */
export function isMap(value) {
  try {
    apply(mapSizeGetter, value, []);
    return true;
  } catch (e) {
    return false;
  }
}

/** Entries of a real Map as a null-prototype list of [key, value] pairs (null-prototype). */
export function mapEntryList(map) {
  const out = newList();
  const iterator = apply(mapEntriesFn, map, []);
  for (;;) {
    const step = apply(mapIteratorNext, iterator, []);
    if (step.done) break;
    const entry = step.value;
    push(out, { __proto__: null, key: entry[0], value: entry[1] });
  }
  return out;
}

export function newWeakSet() {
  return new WeakSetCtor();
}
export function weakSetAdd(set, value) {
  apply(weakSetAddFn, set, [value]);
}
export function weakSetHas(set, value) {
  return apply(weakSetHasFn, set, [value]);
}

export function charCodeAt(string, index) {
  return apply(strCharCodeAtFn, string, [index]);
}
export function slice(string, start, end) {
  return apply(strSliceFn, string, [start, end]);
}
export function indexOf(string, search) {
  return apply(strIndexOfFn, string, [search]);
}
export function lastIndexOf(string, search) {
  return apply(strLastIndexOfFn, string, [search]);
}
export function toLowerCase(string) {
  return apply(strToLowerCaseFn, string, []);
}
export function isWellFormed(string) {
  if (strIsWellFormedFn === undefined) return false;
  return apply(strIsWellFormedFn, string, []);
}
export function symbolDescription(symbol) {
  return apply(symbolDescriptionGetter, symbol, []);
}
