// JavaScript value returned by community code -> normal-form ZObject node.
//
// | JavaScript                           | ZObject (always normal form)                    |
// |--------------------------------------|-------------------------------------------------|
// | string                               | Z6                                              |
// | true / false                         | Z40 with Z40K1 = Z41 / Z42                      |
// | null                                 | Z21 (unit)                                      |
// | BigInt >= 0                          | Z13518 natural number                           |
// | BigInt < 0                           | Z16683 integer                                  |
// | BigInt, declared return type Z16683  | Z16683 integer (top-level value only)           |
// | Array                                | Z881 typed list; element type = the common type |
// |                                      | of the elements, else Z1                        |
// | ZPair                                | Z882 typed pair (K1, K2)                        |
// | Map                                  | Z883 typed map (key / value types as for lists) |
// | object with an own Z1K1              | that ZObject: Z1K1 "Z6" / "Z9" give a Z6 / Z9;  |
// |                                      | a ZID string gives a reference type; an object  |
// |                                      | Z1K1 is copied as a ZObject; other keys (which  |
// |                                      | must be ZObject keys) are encoded recursively   |
// | anything else (undefined, number,    | error Z507 "Could not serialize ..."            |
// | function, symbol, object without     |                                                 |
// | Z1K1, accessor properties, cycles,   |                                                 |
// | nesting deeper than MAX_DEPTH)       |                                                 |
//
// Community values are read only through captured functions: own data
// properties (getters are never run), Array.isArray, the Map brand, captured Map
// iteration. A Proxy's traps may still run; anything they throw becomes a Z507.

import {
  ABSENT,
  ACCESSOR,
  getPrototypeOf,
  isArray,
  isMap,
  mapEntryList,
  newList,
  objectFreeze,
  ownData,
  ownKeys,
  push,
  setPrototypeOf,
  slice,
  StringCtor,
} from './intrinsics.js';
import { runConverter } from './convert.js';
import { failure, fromThrown, isFailure } from './errors.js';
import { ErrorType } from './error-types.js';
import {
  FALSE,
  integer,
  isKey,
  isZid,
  listType,
  mapType,
  naturalNumber,
  pair,
  pairType,
  ref,
  string,
  TRUE,
  typedList,
  UNIT,
  Z1,
} from './zobject.js';
import { isZPair } from './zpair.js';
import { MAX_DEPTH } from './decode.js';

const PREFIX = 'Could not serialize output JS value: ';

function unserializable(what) {
  return failure(ErrorType.EVALUATION, PREFIX + what);
}

// A "typed" result: the value's JSON text, its type's JSON text and a
// comparison key for the type.
function typed(node, type, key) {
  return { __proto__: null, node, type, key };
}

const TYPE_Z6 = ref('Z6');
const TYPE_Z9 = ref('Z9');
const TYPE_Z13518 = ref('Z13518');
const TYPE_Z16683 = ref('Z16683');
const T_Z1 = objectFreeze({ __proto__: null, node: undefined, type: Z1, key: 'Z1' });
const TYPED_TRUE = objectFreeze(typed(TRUE, ref('Z40'), 'Z40'));
const TYPED_FALSE = objectFreeze(typed(FALSE, ref('Z40'), 'Z40'));
const TYPED_UNIT = objectFreeze(typed(UNIT, ref('Z21'), 'Z21'));

function bigintDigits(value) {
  // ToString of a BigInt primitive never consults BigInt.prototype.
  return StringCtor(value < 0n ? -value : value);
}

function encodeBigInt(value, asInteger) {
  if (value < 0n) return typed(integer('negative', bigintDigits(value)), TYPE_Z16683, 'Z16683');
  if (asInteger) {
    const sign = value === 0n ? 'zero' : 'positive';
    return typed(integer(sign, bigintDigits(value)), TYPE_Z16683, 'Z16683');
  }
  return typed(naturalNumber(bigintDigits(value)), TYPE_Z13518, 'Z13518');
}

/** The common type of a list of typed results, else Z1. */
function commonType(results) {
  if (results.length === 0) return T_Z1;
  const key = results[0].key;
  for (let i = 1; i < results.length; i++) {
    if (results[i].key !== key) return T_Z1;
  }
  return results[0];
}

function describeObject(value) {
  try {
    const prototype = getPrototypeOf(value);
    if (prototype === null) return 'an object with a null prototype and no Z1K1 key';
    const constructor = ownData(prototype, 'constructor');
    if (typeof constructor === 'function') {
      const name = ownData(constructor, 'name');
      if (typeof name === 'string' && name !== '') {
        return 'an instance of ' + name + ' without a Z1K1 key';
      }
    }
  } catch (e) {
    // fall through
  }
  return 'an object without a Z1K1 key';
}

function describePrimitive(value) {
  const kind = typeof value;
  if (value === undefined) return 'undefined (the function returned no value)';
  if (kind === 'number') {
    return 'the number ' + StringCtor(value) + ' (JavaScript numbers have no ZObject type; return a string or a BigInt)';
  }
  if (kind === 'symbol') return 'a symbol';
  if (kind === 'function') return 'a function';
  return 'a value of type ' + kind;
}

/**
 * The typed node of a value that is no object (`asInteger`: a BigInt >= 0 is
 * written as an integer). Throws a failure for what has no ZObject form.
 */
function primitive(value, asInteger) {
  const kind = typeof value;
  if (kind === 'string') return typed(string(value), TYPE_Z6, 'Z6');
  if (kind === 'boolean') return value ? TYPED_TRUE : TYPED_FALSE;
  if (value === null) return TYPED_UNIT;
  if (kind === 'bigint') return encodeBigInt(value, asInteger);
  throw unserializable(describePrimitive(value));
}

class Encoder {
  constructor(declaredInteger) {
    this.declaredInteger = declaredInteger;
    this.path = newList(); // objects being encoded, for cycle detection
  }

  enter(object, depth) {
    if (depth > MAX_DEPTH) throw unserializable('the value is nested more than ' + MAX_DEPTH + ' levels deep');
    const path = this.path;
    for (let i = 0; i < path.length; i++) {
      if (path[i] === object) throw unserializable('the value contains a cycle');
    }
    push(path, object);
  }

  leave() {
    this.path.length -= 1;
  }

  read(object, key, what) {
    const value = ownData(object, key);
    if (value === ACCESSOR) throw unserializable(what + ' has an accessor property ' + StringCtor(key));
    return value;
  }

  value(value, depth, top) {
    // (Strings, the common elements of a list, without a call.)
    if (typeof value === 'string') return typed(string(value), TYPE_Z6, 'Z6');
    if (typeof value !== 'object' || value === null) return primitive(value, top && this.declaredInteger);
    this.enter(value, depth);
    let result;
    if (isArray(value)) result = this.list(value, depth);
    else if (isZPair(value)) result = this.pair(value, depth);
    else if (ownData(value, 'Z1K1') !== ABSENT) result = this.zobject(value, depth);
    else if (isMap(value)) result = this.map(value, depth);
    else throw unserializable(describeObject(value));
    this.leave();
    return result;
  }

  list(array, depth) {
    const length = this.read(array, 'length', 'an array');
    if (typeof length !== 'number') throw unserializable('an array without a length');
    const results = newList();
    const items = newList();
    for (let i = 0; i < length; i++) {
      const element = this.read(array, i, 'an array');
      if (element === ABSENT) throw unserializable('an array with a hole at index ' + StringCtor(i));
      const result = this.value(element, depth + 1, false);
      push(results, result);
      push(items, result.node);
    }
    const element = commonType(results);
    const type = listType(element.type);
    return typed(typedList(type, items), type, 'Z881(' + element.key + ')');
  }

  pair(object, depth) {
    const first = this.read(object, 'K1', 'a ZPair');
    const second = this.read(object, 'K2', 'a ZPair');
    if (first === ABSENT || second === ABSENT) throw unserializable('a ZPair without K1 or K2');
    const a = this.value(first, depth + 1, false);
    const b = this.value(second, depth + 1, false);
    const type = pairType(a.type, b.type);
    return typed(pair(type, a.node, b.node), type, 'Z882(' + a.key + ',' + b.key + ')');
  }

  map(map, depth) {
    const entries = mapEntryList(map);
    const keys = newList();
    const values = newList();
    for (let i = 0; i < entries.length; i++) {
      push(keys, this.value(entries[i].key, depth + 2, false));
      push(values, this.value(entries[i].value, depth + 2, false));
    }
    return mapNode(keys, values);
  }

  /** A community object with an own Z1K1: a ZObject written by hand, or a decoded one. */
  zobject(object, depth) {
    const type = this.read(object, 'Z1K1', 'a ZObject');
    if (type === 'Z6' || type === 'Z9') return this.terminal(object, type);
    let typeNode;
    let typeKey;
    if (typeof type === 'string') {
      if (!isZid(type)) throw unserializable('a ZObject whose Z1K1 "' + type + '" is not a ZID');
      typeNode = ref(type);
      typeKey = type;
    } else if (typeof type === 'object' && type !== null) {
      typeNode = this.raw(type, depth + 1);
      typeKey = typeNode;
    } else {
      throw unserializable('a ZObject whose Z1K1 is neither a ZID nor a type object');
    }
    // Keys pass isKey ("Z<n>K<m>" / "K<m>"): nothing in them needs escaping.
    let text = '{"Z1K1":' + typeNode;
    const keys = ownKeys(object);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key !== 'string' || key === 'Z1K1') continue;
      if (!isKey(key)) throw unserializable('a ZObject with the key "' + key + '", which is not a ZObject key');
      const value = this.read(object, key, 'a ZObject');
      if (value === ABSENT) continue;
      text += ',"' + key + '":' + this.value(value, depth + 1, false).node;
    }
    return typed(text + '}', typeNode, typeKey);
  }

  /** { Z1K1: "Z6", Z6K1: text } or { Z1K1: "Z9", Z9K1: zid } written by hand. */
  terminal(object, type) {
    const key = type === 'Z6' ? 'Z6K1' : 'Z9K1';
    const value = this.read(object, key, 'a ' + type);
    if (typeof value !== 'string') throw unserializable('a ' + type + ' whose ' + key + ' is not a string');
    if (type === 'Z6') return typed(string(value), TYPE_Z6, 'Z6');
    if (!isZid(value)) throw unserializable('a Z9 whose Z9K1 "' + value + '" is not a ZID');
    return typed(ref(value), TYPE_Z9, 'Z9');
  }

  /**
   * A ZObject given as data (canonical or normal form), e.g. the Z1K1 type
   * object of a user-defined value: strings are Z6 or references, arrays are
   * canonical typed lists, objects are copied key by key. Returns JSON text.
   */
  raw(value, depth) {
    if (typeof value === 'string') return isZid(value) ? ref(value) : string(value);
    if (typeof value !== 'object' || value === null) {
      throw unserializable('a type object containing ' + describePrimitive(value));
    }
    this.enter(value, depth);
    let node;
    if (isArray(value)) {
      const length = this.read(value, 'length', 'an array');
      if (typeof length !== 'number' || length < 1) {
        throw unserializable('a canonical list without its element type');
      }
      const items = newList();
      let elementType = null;
      for (let i = 0; i < length; i++) {
        const element = this.read(value, i, 'an array');
        if (element === ABSENT) throw unserializable('an array with a hole at index ' + StringCtor(i));
        const elementNode = this.raw(element, depth + 1);
        if (i === 0) elementType = elementNode;
        else push(items, elementNode);
      }
      node = typedList(listType(elementType), items);
    } else {
      const type = this.read(value, 'Z1K1', 'a ZObject');
      if (type === 'Z6' || type === 'Z9') {
        node = this.terminal(value, type).node;
      } else {
        if (type === ABSENT) throw unserializable('a ZObject without Z1K1 inside a type');
        node = '{"Z1K1":' + this.raw(type, depth + 1);
        const keys = ownKeys(value);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          if (typeof key !== 'string' || key === 'Z1K1') continue;
          if (!isKey(key)) throw unserializable('a ZObject with the key "' + key + '", which is not a ZObject key');
          const child = this.read(value, key, 'a ZObject');
          if (child === ABSENT) continue;
          node += ',"' + key + '":' + this.raw(child, depth + 1);
        }
        node += '}';
      }
    }
    this.leave();
    return node;
  }

  /** The Z64 plan's conversion of `value`, as a typed result; throws a failure. */
  converted(value, plan, depth) {
    const zobject = runConverter(plan, value, 'the result');
    try {
      if (typeof zobject === 'string') {
        const text = this.raw(zobject, depth);
        return typed(text, isZid(zobject) ? TYPE_Z9 : TYPE_Z6, isZid(zobject) ? 'Z9' : 'Z6');
      }
      if (typeof zobject !== 'object' || zobject === null || isArray(zobject) || ownData(zobject, 'Z1K1') === ABSENT) {
        throw unserializable(typeof zobject === 'object' && zobject !== null ? describeObject(zobject) : describePrimitive(zobject));
      }
      const type = this.read(zobject, 'Z1K1', 'a ZObject');
      const typeNode = this.raw(type, depth + 1);
      return typed(this.raw(zobject, depth), typeNode, typeNode);
    } catch (e) {
      const message = isFailure(e) ? e.message : fromThrown(e, ErrorType.EVALUATION).message;
      const detail = slice(message, 0, PREFIX.length) === PREFIX ? slice(message, PREFIX.length) : message;
      throw failure(ErrorType.EVALUATION, 'Type converter ' + plan.zid + ' (from code) returned a value that is not a ZObject: ' + detail);
    }
  }

  /** `value` under a plan (null: the built-in encoding), as a typed result. */
  planned(value, plan, depth) {
    if (plan === null) return this.value(value, depth, false);
    if (plan.kind === 'convert') {
      if (plan.code === null) return this.value(value, depth, false);
      return this.converted(value, plan, depth);
    }
    if (depth > MAX_DEPTH) throw unserializable('the value is nested more than ' + MAX_DEPTH + ' levels deep');
    if (plan.kind === 'list') {
      if (!isArray(value)) throw unserializable('the declared type is a typed list (Z881), the value is not an Array');
      const length = this.read(value, 'length', 'an array');
      const results = newList();
      const items = newList();
      for (let i = 0; i < length; i++) {
        const element = this.read(value, i, 'an array');
        if (element === ABSENT) throw unserializable('an array with a hole at index ' + StringCtor(i));
        const result = this.planned(element, plan.first, depth + 1);
        push(results, result);
        push(items, result.node);
      }
      const element = commonType(results);
      const type = listType(element.type);
      return typed(typedList(type, items), type, 'Z881(' + element.key + ')');
    }
    if (plan.kind === 'pair') {
      if (typeof value !== 'object' || value === null || !isZPair(value)) {
        throw unserializable('the declared type is a typed pair (Z882), the value is not a ZPair');
      }
      const first = this.read(value, 'K1', 'a ZPair');
      const second = this.read(value, 'K2', 'a ZPair');
      if (first === ABSENT || second === ABSENT) throw unserializable('a ZPair without K1 or K2');
      const a = this.planned(first, plan.first, depth + 1);
      const b = this.planned(second, plan.second, depth + 1);
      const type = pairType(a.type, b.type);
      return typed(pair(type, a.node, b.node), type, 'Z882(' + a.key + ',' + b.key + ')');
    }
    // 'map'
    if (!isMap(value)) throw unserializable('the declared type is a typed map (Z883), the value is not a Map');
    const entries = mapEntryList(value);
    const keys = newList();
    const values = newList();
    for (let i = 0; i < entries.length; i++) {
      push(keys, this.planned(entries[i].key, plan.first, depth + 2));
      push(values, this.planned(entries[i].value, plan.second, depth + 2));
    }
    return mapNode(keys, values);
  }
}

/**
 * encodeResultText for a declared return type with converters (`plan`, from
 * convert.js): Z64 converters turn the values they apply to into ZObjects,
 * written in normal form; the rest is encoded as usual. Throws a failure.
 */
export function encodeResultPlanned(value, plan) {
  try {
    return new Encoder(false).planned(value, plan, 0).node;
  } catch (e) {
    if (isFailure(e)) throw e;
    throw fromThrown(e, ErrorType.EVALUATION, PREFIX + 'reading it threw: ');
  }

}

// Instances write `this.path = ...`: with a null-prototype prototype, such
// assignments can never reach a setter planted on Object.prototype.
setPrototypeOf(Encoder.prototype, null);

/**
 * Encodes the value returned by community code as the JSON text of its
 * normal-form ZObject. `declaredInteger`: the function's declared return type
 * is Z16683, so a BigInt >= 0 is written as an integer rather than a natural
 * number. Throws a failure (Z507) when the value cannot be serialized; anything
 * thrown while reading it (a Proxy trap, ...) becomes a Z507 too.
 */
export function encodeResultText(value, declaredInteger) {
  try {
    // The common cases first: a value that is no object needs no encoder.
    if (typeof value === 'string') return string(value);
    if (typeof value !== 'object' || value === null) return primitive(value, !!declaredInteger).node;
    return new Encoder(!!declaredInteger).value(value, 0, true).node;
  } catch (e) {
    if (isFailure(e)) throw e;
    throw fromThrown(e, ErrorType.EVALUATION, PREFIX + 'reading it threw: ');
  }
}

/** encodeResultText as a node for json.js's toJSONText: { json }. */
export function encodeResult(value, declaredInteger) {
  return { __proto__: null, json: encodeResultText(value, declaredInteger) };
}

/**
 * A typed map (Z883) of the encoded keys and values (parallel lists of typed
 * nodes): its key and value types are the common types of each side.
 */
function mapNode(keys, values) {
    const keyType = commonType(keys);
    const valueType = commonType(values);
    const entryType = pairType(keyType.type, valueType.type);
    const pairs = newList();
    for (let i = 0; i < keys.length; i++) push(pairs, pair(entryType, keys[i].node, values[i].node));
    const type = mapType(keyType.type, valueType.type);
    const node = '{"Z1K1":' + type + ',"K1":' + typedList(listType(entryType), pairs) + '}';
    return typed(node, type, 'Z883(' + keyType.key + ',' + valueType.key + ')');
}
