// The `Wikifunctions` global for community code:
//
//   Wikifunctions.Debug(...values)   one line of metadata executorDebugLogs (the
//                                    values formatted as console.log formats them)
//   throw new Wikifunctions.Error(errorType, ...values)
//                                    ends the call with an error of that type:
//                                    a Z507 whose propagated error (Z507K2) is a
//                                    Z5 of `errorType` (a ZID) with the values as
//                                    its keys <type>K1, <type>K2, … (see README)
//
// The executor trusts nothing it could read back from the global: Debug writes
// through its closure, and a thrown value is a Wikifunctions.Error only when it
// was made by this constructor (a WeakMap of the executor's, holding the type
// and values given at construction). Replacing or editing the global, or
// making a look-alike object, gives nothing the executor treats as one.

import {
  construct,
  defineHidden,
  ErrorCtor,
  newList,
  objectFreeze,
  ObjectPrototype,
  push,
  reflectSetPrototypeOf,
  TypeErrorCtor,
  WeakMapCtor,
  weakMapGet,
  weakMapSet,
} from './intrinsics.js';
import { debugLine } from './console.js';
import { isZid } from './zobject.js';

/** Most values a Wikifunctions.Error carries. */
export const MAX_ERROR_VALUES = 32;

const records = new WeakMapCtor();

function describeType(value) {
  return typeof value === 'string' ? '"' + value + '"' : typeof value;
}

/**
 * new Wikifunctions.Error(errorType, ...values) (also callable without `new`):
 * an Error whose name is "Wikifunctions.Error" and whose message is the type
 * followed by the string values.
 */
function WikifunctionsError(errorType, ...values) {
  if (new.target === undefined) {
    const args = newList();
    push(args, errorType);
    for (let i = 0; i < values.length; i++) push(args, values[i]);
    return construct(WikifunctionsError, args);
  }
  if (!isZid(errorType)) {
    throw new TypeErrorCtor('Wikifunctions.Error: the error type must be a ZID such as "Z500", got ' + describeType(errorType) + '.');
  }
  if (values.length > MAX_ERROR_VALUES) {
    throw new TypeErrorCtor('Wikifunctions.Error: at most ' + MAX_ERROR_VALUES + ' values.');
  }
  const kept = newList();
  let message = errorType;
  for (let i = 0; i < values.length; i++) {
    push(kept, values[i]);
    if (typeof values[i] === 'string') message += (i === 0 ? ': ' : ', ') + values[i];
  }
  const args = newList();
  push(args, message);
  const error = construct(ErrorCtor, args, new.target);
  weakMapSet(records, error, { __proto__: null, type: errorType, values: kept });
  return error;
}

const prototype = WikifunctionsError.prototype;
reflectSetPrototypeOf(prototype, ErrorCtor.prototype);
defineHidden(prototype, 'name', 'Wikifunctions.Error', false);
objectFreeze(prototype);
objectFreeze(WikifunctionsError);

function Debug(...values) {
  debugLine(values);
}
objectFreeze(Debug);

const namespace = { __proto__: null };
defineHidden(namespace, 'Debug', Debug, false);
defineHidden(namespace, 'Error', WikifunctionsError, false);
reflectSetPrototypeOf(namespace, ObjectPrototype);
objectFreeze(namespace);

/** The frozen `Wikifunctions` object (the same one every call). */
export const Wikifunctions = namespace;

/**
 * { type, values } of a value made by `new Wikifunctions.Error(...)`, else
 * undefined (never reads a property of `thrown`).
 */
export function wikifunctionsError(thrown) {
  if ((typeof thrown !== 'object' && typeof thrown !== 'function') || thrown === null) return undefined;
  return weakMapGet(records, thrown);
}

