// Type converters sent with the call (Z7 form): which values they apply to,
// and running them.
//
// A declared type (an argument's Z17K1, the Z8K2 return type) may be a whole
// Z4. A Z4 that lists converters in Z4K7 (Z46, to code) or Z4K8 (Z64, from code)
// gives a "convert" plan with the JavaScript converter of each direction (the
// first whole Z46 / Z64 object whose Z46K3 / Z64K3 is a Z16 in JavaScript and
// whose identity Z46K1 / Z64K1 is a ZID; references and other languages are
// skipped). A typed list (a Z881 call), pair (Z882) or map (Z883) whose
// element / member types carry converters gives a "list" / "pair" / "map"
// plan; everything else has no plan (null) and keeps the built-in conversions
// of decode.js / encode.js.
//
// Converters are community code run exactly like the implementation: built by
// the captured indirect eval of `0,function(){<code>\nreturn <ZID>;\n}` (global
// scope, none of the executor's bindings visible), called with `this`
// undefined. A converter's code is evaluated at most once per call (lazily,
// the first time it converts a value), however many values it converts. A Z46
// receives a fresh normal-form copy of the value (never an object the executor
// reads again); a Z64's result must be a ZObject (canonical or normal form),
// written in normal form. Anything a converter throws, and a converter that
// cannot be evaluated or returns something that is not a ZObject, is a Z507
// naming the converter's ZID and the argument (or the result).

import { communityFunction } from './community.js';
import {
  ArrayPrototype,
  isArray,
  MapCtor,
  mapSet,
  nativeNormalForm,
  newList,
  ObjectPrototype,
  own,
  ownKeys,
  push,
  reflectSetPrototypeOf,
  setPrototypeOf,
  StringCtor,
} from './intrinsics.js';
import { failure, fromThrown, isFailure } from './errors.js';
import { ErrorType } from './error-types.js';
import { decode, listElements, refId, stringValue } from './decode.js';
import { isJavaScript, implementations, languageOf } from './definition.js';
import { isZid } from './zobject.js';
import { ZPair } from './zpair.js';

const MAX_PLAN_DEPTH = 32;

function isObject(value) {
  return typeof value === 'object' && value !== null && !isArray(value);
}

// --- plans -------------------------------------------------------------------------

/**
 * The JavaScript converter in a Z4K7 / Z4K8 list (its items' identity and code
 * keys `idKey` / `codeKey`: Z46K1 / Z46K3 or Z64K1 / Z64K3): { zid, code }, or
 * null.
 */
function pickConverter(list, idKey, codeKey) {
  if (list === undefined || list === null) return null;
  let items;
  try {
    items = implementations(list);
  } catch (e) {
    return null;
  }
  for (let i = 0; i < items.length; i++) {
    const converter = items[i];
    if (!isObject(converter)) continue; // a reference: only whole objects can run
    const z16 = own(converter, codeKey);
    if (!isObject(z16)) continue;
    const language = languageOf(own(z16, 'Z16K1'), 0);
    if (language === null || !isJavaScript(language)) continue;
    const code = stringValue(own(z16, 'Z16K2'));
    const zid = refId(own(converter, idKey));
    if (code === null || zid === null) continue;
    return { __proto__: null, zid, code };
  }
  return null;
}

/**
 * A "convert" plan node: the converter `zid` with `code` that runs where the
 * node is (an argument is read with its type's Z46, a result written with its
 * Z64), and, once its code has been evaluated, `fn`: its function, or the
 * failure evaluating it gave. `code` null: the type has converters, none in
 * this direction (the built-in conversion runs). Plain data until `fn` is set,
 * so that a function plan (request.js) keeps its nodes; every member is one a
 * plan read back costs.
 */
export function convertNode(zid, code) {
  return { __proto__: null, kind: 'convert', zid, code, fn: undefined };
}

/**
 * The convert node of the converter `picked` ({ zid, code }) in `registry`, made on
 * first use, so that every value the converter applies to in a definition
 * shares it (its code is evaluated at most once per call). The registry is
 * keyed by the ZID (a short key), each entry a list of the nodes of that ZID
 * (more than one only when codes differ: never in a real call); its `none`
 * entry (no ZID is a key of that name) is the node of a type without a
 * converter in the direction asked.
 */
function sharedNode(registry, picked) {
  if (picked === null) {
    if (registry.none === undefined) registry.none = convertNode(null, null);
    return registry.none;
  }
  const zid = picked.zid;
  let nodes = registry[zid];
  if (nodes === undefined) {
    nodes = newList();
    registry[zid] = nodes;
  }
  for (let i = 0; i < nodes.length; i++) if (nodes[i].code === picked.code) return nodes[i];
  const node = convertNode(zid, picked.code);
  push(nodes, node);
  return node;
}

/**
 * The conversion plan of a declared type, for reading an argument of it
 * (`reading`) or writing a result, or null when no converter applies anywhere
 * in it. `registry` (a null-prototype object, one per definition: see
 * sharedNode) shares the "convert" nodes.
 */
export function planOf(type, registry, depth, reading) {
  if (depth === undefined) depth = 0;
  if (depth > MAX_PLAN_DEPTH || !isObject(type)) return null;
  const toCode = own(type, 'Z4K7');
  const fromCode = own(type, 'Z4K8');
  if (toCode !== undefined || fromCode !== undefined) {
    const to = pickConverter(toCode, 'Z46K1', 'Z46K3');
    const from = pickConverter(fromCode, 'Z64K1', 'Z64K3');
    // A type with a converter in either direction has a node: the converter its direction
    // runs (an argument is read with its Z46, a result written with its Z64), if any.
    if (to !== null || from !== null) return sharedNode(registry, reading ? to : from);
  }
  if (own(type, 'Z4K1') !== undefined) return planOf(own(type, 'Z4K1'), registry, depth + 1, reading);
  const fn = refId(own(type, 'Z7K1'));
  if (fn === 'Z881') {
    const element = planOf(own(type, 'Z881K1'), registry, depth + 1, reading);
    return element === null ? null : { __proto__: null, kind: 'list', first: element };
  }
  if (fn === 'Z882' || fn === 'Z883') {
    const first = planOf(own(type, fn + 'K1'), registry, depth + 1, reading);
    const second = planOf(own(type, fn + 'K2'), registry, depth + 1, reading);
    if (first === null && second === null) return null;
    return { __proto__: null, kind: fn === 'Z882' ? 'pair' : 'map', first, second };
  }
  return null;
}

/**
 * The converter plans of an inline Z8: { keys (its declared argument keys in
 * binding order), args (a list parallel to `keys`, null where no converter
 * applies; null when none does), result (the return type's plan, or null) },
 * or null when no converter applies at all (the common case). They depend on
 * the definition only, so a function plan (request.js fromZ7) keeps them for
 * later calls; a call whose argument keys are the declared ones (callPlans)
 * uses them as they are. `argumentTypes` maps each declared key to its type
 * (or is undefined); `keys` are its keys in binding order.
 */
export function functionPlans(argumentTypes, keys, declaredType) {
  if (argumentTypes === undefined && !isObject(declaredType)) return null;
  const registry = { __proto__: null };
  let args = null;
  if (argumentTypes !== undefined) {
    for (let i = 0; i < keys.length; i++) {
      const plan = planOf(argumentTypes[keys[i]], registry, 0, true);
      if (plan === null) continue;
      if (args === null) {
        args = newList();
        for (let j = 0; j < keys.length; j++) push(args, null);
      }
      args[i] = plan;
    }
  }
  const result = planOf(declaredType, registry, 0, false);
  if (args === null && result === null) return null;
  return { __proto__: null, keys, args, result };
}

/**
 * The plans of a call whose definition's plans are `plans` (functionPlans) and
 * whose argument keys are `keys`: { args (a list parallel to `keys`, null where
 * no converter applies; null when none does), result }, or null when neither
 * applies. For the declared keys, `plans` itself. (A plan read back from the
 * host has Object.prototype on its objects: only their own members are read.)
 */
export function callPlans(plans, keys) {
  if (plans === null) return null;
  const declared = plans.keys;
  let same = declared.length === keys.length;
  for (let i = 0; same && i < keys.length; i++) same = declared[i] === keys[i];
  if (same) return plans;
  let args = null;
  if (plans.args !== null) {
    for (let i = 0; i < keys.length; i++) {
      let plan = null;
      for (let j = 0; j < declared.length; j++) {
        if (declared[j] === keys[i]) {
          plan = plans.args[j];
          break;
        }
      }
      if (plan === null) continue;
      if (args === null) {
        args = newList();
        for (let k = 0; k < keys.length; k++) push(args, null);
      }
      args[i] = plan;
    }
  }
  if (args === null && plans.result === null) return null;
  return { __proto__: null, args, result: plans.result };
}

// --- running a converter ---------------------------------------------------------------

/** What a converter threw, on `where`: a result (no `index`) is written by a Z64, an argument read by a Z46. */
function converterFailure(node, where, index, thrown) {
  const direction = index === undefined ? ' (from code)' : ' (to code)';
  return fromThrown(thrown, ErrorType.EVALUATION, 'Type converter ' + node.zid + direction + ' failed on ' + (index === undefined ? where : whereIn(where, index)) + ': ');
}

/**
 * The function of the convert node `node`, evaluating its code on first use
 * (runConverter takes it from `fn` after that); throws a failure.
 */
function converterFunction(node) {
  // Evaluated before, and it failed.
  if (node.fn !== undefined) throw node.fn;
  let fn;
  try {
    fn = communityFunction(node.code, node.zid);
  } catch (e) {
    node.fn = fromThrown(e, ErrorType.EVALUATION, 'Type converter ' + node.zid + ' could not be evaluated: ');
    throw node.fn;
  }
  if (typeof fn !== 'function') {
    node.fn = failure(
      ErrorType.EVALUATION,
      'Type converter ' + node.zid + ' did not define the function ' + node.zid + ' (it is ' + (fn === null ? 'null' : typeof fn) + ').',
    );
    throw node.fn;
  }
  node.fn = fn;
  return fn;
}

/**
 * Runs the converter of the convert node `node` on one value; throws a
 * failure. An error names the value: `where` as given, or with `index` (see
 * `where` below) argument `where`.
 */
export function runConverter(node, value, where, index) {
  const fn = typeof node.fn === 'function' ? node.fn : converterFunction(node);
  try {
    return fn(value);
  } catch (e) {
    throw converterFailure(node, where, index, e);
  }
}

// --- normal form for Z46 converters ----------------------------------------------------

const LIST_TYPE_FN = 'Z881';

// Nodes with fixed keys are object literals: they get Object.prototype when
// made and their keys are defined, never assigned, so nothing community code
// put on Object.prototype (an earlier converter of the same call) can
// intercept them. A node whose keys are copied from the request is made on a
// null prototype, filled, then given Object.prototype: changing a prototype
// costs a few thousand fuel, so only those nodes pay it.

function reference(zid) {
  return { Z1K1: 'Z9', Z9K1: zid };
}

function canonicalString(text) {
  return isZid(text) ? reference(text) : { Z1K1: 'Z6', Z6K1: text };
}

/**
 * A fresh normal-form copy of a ZObject from the request (canonical or normal
 * form): strings become Z6 / Z9 objects, canonical arrays typed-list chains.
 * The guest's native copy where there is one, else normalFormInJs.
 */
export const normalForm = nativeNormalForm !== undefined ? nativeNormalForm : normalFormInJs;

/**
 * normalForm in JavaScript (where the guest has none, and its parity tests'
 * oracle). Iterative (an explicit work list of (source, target) pairs, made
 * only when a value nests), so a long list nested K1 / K2 inside a value costs
 * no stack.
 */
export function normalFormInJs(value) {
  if (typeof value === 'string') return canonicalString(value);
  if (typeof value !== 'object' || value === null) return value;
  const root = { __proto__: null };
  let work = null;
  let source = value;
  let target = root;
  for (;;) {
    work = isArray(source) ? listChain(source, target, work) : copyObject(source, target, work);
    if (work === null || work.length === 0) return root;
    target = work[work.length - 1];
    source = work[work.length - 2];
    work.length -= 2;
  }
}

/** Adds the pair (source, target) to `work` (made on first use); returns the list. */
function later(work, source, target) {
  const list = work === null ? newList() : work;
  push(list, source);
  push(list, target);
  return list;
}

/** Copies the keys of the object `source` into the null-prototype `target`, in normal form. */
function copyObject(source, target, work) {
  const keys = ownKeys(source);
  const type = own(source, 'Z1K1');
  // A Z6 / Z9 keeps its strings; elsewhere a Z1K1 string that is not a ZID stays a string.
  const isTerminal = type === 'Z6' || type === 'Z9';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const child = source[key];
    if (typeof child === 'string') {
      if (isTerminal) target[key] = child;
      else if (key === 'Z1K1') target[key] = isZid(child) ? reference(child) : child;
      else target[key] = canonicalString(child);
    } else if (typeof child === 'object' && child !== null) {
      const node = { __proto__: null };
      target[key] = node;
      work = later(work, child, node);
    } else {
      target[key] = child;
    }
  }
  reflectSetPrototypeOf(target, ObjectPrototype);
  return work;
}

/** Writes the canonical list `array` ([type, ...items]) as a normal-form chain into `target`. */
function listChain(array, target, work) {
  const first = array.length > 0 ? array[0] : 'Z1';
  let elementType;
  if (typeof first === 'object' && first !== null) {
    elementType = { __proto__: null };
    work = later(work, first, elementType);
  } else {
    elementType = reference(typeof first === 'string' && isZid(first) ? first : 'Z1');
  }
  const listType = { Z1K1: reference('Z7'), Z7K1: reference(LIST_TYPE_FN), Z881K1: elementType };
  // Built from the end: every node after the first is a literal holding its successor.
  let next = { Z1K1: listType };
  for (let i = array.length - 1; i >= 1; i--) {
    const item = array[i];
    const element = listElement(item);
    if (i === 1) {
      target.Z1K1 = listType;
      target.K1 = element;
      target.K2 = next;
    } else {
      next = { Z1K1: listType, K1: element, K2: next };
    }
    if (typeof item === 'object' && item !== null) work = later(work, item, element);
  }
  if (array.length <= 1) target.Z1K1 = listType;
  reflectSetPrototypeOf(target, ObjectPrototype);
  return work;
}

/** A list item in normal form: a string's Z6 / Z9, a null-prototype node to fill for an object. */
function listElement(item) {
  if (typeof item === 'string') return canonicalString(item);
  if (typeof item === 'object' && item !== null) return { __proto__: null };
  return item;
}

// --- arguments ----------------------------------------------------------------------------

function whereIn(key, index) {
  return index < 0 ? 'argument ' + key : 'argument ' + key + ', element ' + StringCtor(index);
}

/**
 * The JavaScript value of one argument under `plan` (null: the built-in
 * decoding). `key` and `index` (-1, or the list element) name it in errors.
 */
export function decodePlanned(value, plan, key, index) {
  if (plan === null) return decode(value, 1);
  switch (plan.kind) {
    case 'convert':
      if (plan.code === null) return decode(value, 1);
      return runConverter(plan, normalForm(value), key, index);
    case 'list': {
      const elements = listElements(value);
      const out = newList();
      for (let i = 0; i < elements.length; i++) push(out, decodePlanned(elements[i], plan.first, key, i));
      return setPrototypeOf(out, ArrayPrototype);
    }
    case 'pair':
      if (!isObject(value)) return decode(value, 1);
      return new ZPair(decodePlanned(own(value, 'K1'), plan.first, key, index), decodePlanned(own(value, 'K2'), plan.second, key, index));
    default: {
      // 'map'
      const map = new MapCtor();
      const entries = isObject(value) ? own(value, 'K1') : undefined;
      if (entries === undefined) return map;
      const pairs = listElements(entries);
      for (let i = 0; i < pairs.length; i++) {
        const entry = pairs[i];
        if (!isObject(entry)) continue;
        mapSet(map, decodePlanned(own(entry, 'K1'), plan.first, key, i), decodePlanned(own(entry, 'K2'), plan.second, key, i));
      }
      return map;
    }
  }
}

/** The decoded arguments of a call with plans (a null-prototype list), or a failure. */
export function decodeArgumentsPlanned(call, plans) {
  const keys = call.keys;
  const source = call.source;
  const values = newList();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    try {
      push(values, decodePlanned(source[key], plans[i], key, -1));
    } catch (e) {
      if (isFailure(e)) {
        if (e.type === ErrorType.EVALUATION) return e;
        return failure(e.type, 'Argument ' + key + ': ' + e.message, e.detail);
      }
      return fromThrown(e, ErrorType.UNSPECIFIED, 'Internal executor error: ');
    }
  }
  return values;
}
