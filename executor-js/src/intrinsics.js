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
//  - call captured functions through the small wrappers below (bound at load
//    time to a captured Function.prototype.call, so a call allocates no
//    argument array and looks nothing up) or `apply` (a captured Reflect.apply),
//    never as `value.method(...)`;
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
const reflectDeleteProperty = R.deleteProperty;

const ObjectCtor = Object;
export const ObjectPrototype = ObjectCtor.prototype;
export const objectFreeze = ObjectCtor.freeze;
const objectHasOwnProperty = ObjectPrototype.hasOwnProperty;

// `uncurry(method)(thisValue, ...args)` calls the captured `method` with
// `thisValue`: a function bound (now, at load time) to the captured
// Function.prototype.call. Calling it looks up nothing that community code can
// replace later (the bound target and `this` are fixed internal slots) and,
// unlike `apply(method, thisValue, [args])`, allocates no argument list.
const FunctionPrototype = Function.prototype;
const functionCall = FunctionPrototype.call;
const functionBind = FunctionPrototype.bind;
const uncurry = (method) => apply(functionBind, functionCall, [method]);

export const isArray = Array.isArray;
export const ArrayPrototype = Array.prototype;
const arrayJoin = uncurry(ArrayPrototype.join);

const JSONObject = JSON;
export const jsonStringify = JSONObject.stringify;

// How community code is evaluated: called plainly with one string, it evaluates
// that string as a script in global scope (an indirect eval), where none of the
// executor's bindings are visible, and returns its completion value. In the
// guest, that is the function kiln's guest installs as `__kiln_eval` before
// this bundle runs (guest/src/code.rs): it behaves exactly as the eval built-in
// does, and loads the host's cached bytecode of the text when there is some.
// It is taken and deleted here, before any community code exists. Elsewhere
// (Node tests) it is the eval built-in.
const GUEST_EVAL = '__kiln_eval';
const guestEval = getOwnPropertyDescriptor(G, GUEST_EVAL);
reflectDeleteProperty(G, GUEST_EVAL);
export const evaluateCode = guestEval !== undefined && typeof guestEval.value === 'function' ? guestEval.value : G.eval;

// How the request text is parsed: in the guest, with the parser kiln's guest
// installs as `__kiln_json_parse` (guest/src/json.rs), which answers exactly what
// JSON.parse answers (the same values, the same errors) with a fraction of its
// work; elsewhere (Node tests) with JSON.parse. Taken and deleted here too.
const GUEST_JSON_PARSE = '__kiln_json_parse';
const guestJsonParse = getOwnPropertyDescriptor(G, GUEST_JSON_PARSE);
reflectDeleteProperty(G, GUEST_JSON_PARSE);
export const jsonParse =
  guestJsonParse !== undefined && typeof guestJsonParse.value === 'function' ? guestJsonParse.value : JSONObject.parse;

// Whether a string is a ZID: in the guest, the check kiln's guest installs as
// `__kiln_is_zid` (guest/src/lexical.rs), which answers what the RegExp in
// zobject.js answers without building a match array (a ninth of its fuel);
// elsewhere (Node tests) undefined, and zobject.js uses the RegExp. Taken and
// deleted here too.
const GUEST_IS_ZID = '__kiln_is_zid';
const guestIsZid = getOwnPropertyDescriptor(G, GUEST_IS_ZID);
reflectDeleteProperty(G, GUEST_IS_ZID);
export const nativeIsZid = guestIsZid !== undefined && typeof guestIsZid.value === 'function' ? guestIsZid.value : undefined;

// A string's JSON literal: in the guest, the function kiln's guest installs as
// `__kiln_json_quote` (guest/src/lexical.rs), which answers what well-formed
// JSON.stringify answers for a string at a small fraction of its fuel (and is
// JSON.stringify itself for anything else); elsewhere undefined, and json.js
// uses the captured JSON.stringify. Taken and deleted here too.
const GUEST_QUOTE = '__kiln_json_quote';
const guestQuote = getOwnPropertyDescriptor(G, GUEST_QUOTE);
reflectDeleteProperty(G, GUEST_QUOTE);
export const nativeQuote = guestQuote !== undefined && typeof guestQuote.value === 'function' ? guestQuote.value : undefined;

// The order a call's argument keys bind in: in the guest, the function kiln's
// guest installs as `__kiln_argument_keys` (guest/src/lexical.rs), which answers
// what request.js sortArgumentKeys answers (or undefined for a key it leaves to
// it); elsewhere undefined. Taken and deleted here too.
const GUEST_ARGUMENT_KEYS = '__kiln_argument_keys';
const guestArgumentKeys = getOwnPropertyDescriptor(G, GUEST_ARGUMENT_KEYS);
reflectDeleteProperty(G, GUEST_ARGUMENT_KEYS);
export const nativeArgumentKeys =
  guestArgumentKeys !== undefined && typeof guestArgumentKeys.value === 'function' ? guestArgumentKeys.value : undefined;

// The normal form a Z46 converter receives: in the guest, the function kiln's
// guest installs as `__kiln_normal_form` (guest/src/normal.rs), which makes what
// convert.js normalFormInJs makes; elsewhere undefined. Taken and deleted here too.
const GUEST_NORMAL_FORM = '__kiln_normal_form';
const guestNormalForm = getOwnPropertyDescriptor(G, GUEST_NORMAL_FORM);
reflectDeleteProperty(G, GUEST_NORMAL_FORM);
export const nativeNormalForm =
  guestNormalForm !== undefined && typeof guestNormalForm.value === 'function' ? guestNormalForm.value : undefined;

// The call's function definition, deferred by the guest's request parser: the
// function kiln's guest installs as `__kiln_function` (guest/src/function.rs)
// answers the host's function plan for it, or else the definition itself, and
// keeps the plan the executor hands it; elsewhere (Node tests) undefined, and
// nothing is deferred. Taken and deleted here too.
const GUEST_FUNCTION = '__kiln_function';
const guestFunction = getOwnPropertyDescriptor(G, GUEST_FUNCTION);
reflectDeleteProperty(G, GUEST_FUNCTION);
export const functionPart = guestFunction !== undefined && typeof guestFunction.value === 'function' ? guestFunction.value : undefined;
export const StringCtor = String;
export const BigIntCtor = BigInt;
export const MapCtor = Map;
export const WeakSetCtor = WeakSet;
export const TypeErrorCtor = TypeError;
export const ErrorCtor = Error;
export const WeakMapCtor = WeakMap;

const MapPrototype = MapCtor.prototype;
const mapSetFn = uncurry(MapPrototype.set);
const mapEntriesFn = uncurry(MapPrototype.entries);
const mapSizeGetter = uncurry(getOwnPropertyDescriptor(MapPrototype, 'size').get);
const mapIteratorNext = uncurry(getPrototypeOf(mapEntriesFn(new MapCtor())).next);

const WeakSetPrototype = WeakSetCtor.prototype;
const weakSetAddFn = uncurry(WeakSetPrototype.add);
const weakSetHasFn = uncurry(WeakSetPrototype.has);

const WeakMapPrototype = WeakMapCtor.prototype;
export const weakMapGet = uncurry(WeakMapPrototype.get);
export const weakMapSet = uncurry(WeakMapPrototype.set);

const StringPrototype = StringCtor.prototype;
const strCharCodeAtFn = uncurry(StringPrototype.charCodeAt);
const strSliceFn = uncurry(StringPrototype.slice);
const strIndexOfFn = uncurry(StringPrototype.indexOf);
const strLastIndexOfFn = uncurry(StringPrototype.lastIndexOf);
const strToLowerCaseFn = uncurry(StringPrototype.toLowerCase);
const strRepeatFn = uncurry(StringPrototype.repeat);
// ES2024; may be absent
const strIsWellFormedFn = StringPrototype.isWellFormed === undefined ? undefined : uncurry(StringPrototype.isWellFormed);

// RegExp.prototype.exec, for the executor's own (load-time) regular
// expressions: it reads only their own `lastIndex` and builds its result with
// internal operations.
const regExpExecFn = uncurry(RegExp.prototype.exec);

const symbolDescriptionGetter = uncurry(getOwnPropertyDescriptor(Symbol.prototype, 'description').get);

// ---------------------------------------------------------------------------
// Small safe wrappers.

// Object.hasOwn (ES2022) is a plain function: a direct call of the captured one.
const objectHasOwn = typeof ObjectCtor.hasOwn === 'function' ? ObjectCtor.hasOwn : uncurry(objectHasOwnProperty);

/** hasOwn(object, key): whether `object` has an own property `key` (never runs a getter). */
export const hasOwn = objectHasOwn;

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
  return arrayJoin(list, separator);
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
  return objectHasOwn(object, key) ? object[key] : undefined;
}

/** An empty list that is never written to (frozen, null prototype). */
export const EMPTY_LIST = objectFreeze(newList());

export function mapSet(map, key, value) {
  mapSetFn(map, key, value);
}

/** Brand check: a real Map (not a Proxy, not a look-alike). */
export function isMap(value) {
  try {
    mapSizeGetter(value);
    return true;
  } catch (e) {
    return false;
  }
}

/** Entries of a real Map as a null-prototype list of [key, value] pairs (null-prototype). */
export function mapEntryList(map) {
  const out = newList();
  const iterator = mapEntriesFn(map);
  for (;;) {
    const step = mapIteratorNext(iterator);
    if (step.done) break;
    const entry = step.value;
    push(out, { __proto__: null, key: entry[0], value: entry[1] });
  }
  return out;
}

export function newWeakSet() {
  return new WeakSetCtor();
}
export const weakSetAdd = weakSetAddFn;
export const weakSetHas = weakSetHasFn;

// (string, index) -> code unit; (string, start, end) -> slice; ...
export const charCodeAt = strCharCodeAtFn;
export const slice = strSliceFn;
export const indexOf = strIndexOfFn;
export const lastIndexOf = strLastIndexOfFn;
export const toLowerCase = strToLowerCaseFn;
export const repeat = strRepeatFn;
export function isWellFormed(string) {
  if (strIsWellFormedFn === undefined) return false;
  return strIsWellFormedFn(string);
}
export const symbolDescription = symbolDescriptionGetter;
/** The match array of `pattern` (an executor-owned RegExp) on the string `text`, or null. */
export const regExpExec = regExpExecFn;

/**
 * Seals the engine's stack-trace hook: `Error.prepareStackTrace` becomes a
 * non-writable, non-configurable data property whose value is undefined. The
 * hook (V8's, also implemented by quickjs-ng) receives call sites whose
 * `getFunction()` / `getThis()` return the function objects of every frame on
 * the stack, the executor's included; quickjs-ng reads it from an internal
 * slot that only the original setter writes, so replacing the accessor before
 * any community code runs leaves the slot empty for good. Error stacks stay
 * text. Returns whether the property now is the sealed one.
 */
export function sealStackTraceHook() {
  reflectDefineProperty(ErrorCtor, 'prepareStackTrace', {
    __proto__: null,
    value: undefined,
    writable: false,
    enumerable: false,
    configurable: false,
  });
  const desc = getOwnPropertyDescriptor(ErrorCtor, 'prepareStackTrace');
  return desc !== undefined && hasOwn(desc, 'value') && desc.value === undefined && desc.configurable === false && desc.writable === false;
}
