// The executor's failure records, and the conversion of anything community
// code throws into a clean message. The error types are the generated
// constants of error-types.js (wit/errors.json is the one table); executor.js
// turns a failure into the Z5 of its type.
//
// The host is the only authority on limits (time, fuel, memory, stack,
// output): a real stack overflow traps the wasm stack, a real allocation
// failure is seen by the host's memory limiter. Whatever community code throws
// or rejects with is Z507, whatever its name or message says (so it cannot
// forge a resource error).

import {
  ABSENT,
  getPrototypeOf,
  newWeakSet,
  ownData,
  slice,
  StringCtor,
  weakSetAdd,
  weakSetHas,
} from './intrinsics.js';

/** Longest message text kept (UTF-16 code units). */
export const MAX_MESSAGE_LENGTH = 8192;

const failures = newWeakSet();

/**
 * An executor failure: a null-prototype record { type, message, detail } that
 * the executor returns (or throws) internally and turns into a Z5 (executor.js,
 * failureZ5). `detail` is the type's own datum: for Z561 the nested type
 * (Z501 not JSON, else Z502 not well-formed), for Z565 the missing property,
 * for Z558 the language; `message` is the human-readable text (the Z500K1 of a
 * Z507, the Z500K1 / Z501K1 inside a Z561). Only records made here are
 * recognised (WeakSet brand), so community code cannot forge one.
 */
export function failure(type, message, detail) {
  const record = { __proto__: null, type, message: clip(message), detail };
  weakSetAdd(failures, record);
  return record;
}

export function isFailure(value) {
  return typeof value === 'object' && value !== null && weakSetHas(failures, value);
}

export function clip(text) {
  if (typeof text !== 'string') return '';
  if (text.length <= MAX_MESSAGE_LENGTH) return text;
  return slice(text, 0, MAX_MESSAGE_LENGTH) + '… [truncated]';
}

/**
 * Finds a string-valued DATA property `key` on `object` or its prototypes,
 * never running a getter. Returns undefined when there is none.
 */
function dataString(object, key) {
  let current = object;
  for (let depth = 0; depth < 32 && current !== null; depth++) {
    const value = ownData(current, key);
    if (value !== ABSENT) return typeof value === 'string' ? value : undefined;
    current = getPrototypeOf(current);
  }
  return undefined;
}

const UNREADABLE = 'an exception was thrown, but its description could not be read';

/**
 * Describes a thrown value without running community code paths that could
 * break the executor (no toString, no getters; a Proxy trap may run, and any
 * exception it throws is swallowed here). Returns { message, name }.
 */
function describe(thrown) {
  try {
    const kind = typeof thrown;
    if (kind === 'string') return { __proto__: null, message: thrown, name: undefined };
    if (kind === 'symbol') {
      return { __proto__: null, message: 'Uncaught ' + StringCtor(thrown), name: undefined };
    }
    if (thrown === null || (kind !== 'object' && kind !== 'function')) {
      // undefined, number, boolean, bigint: ToString on primitives is safe.
      const suffix = kind === 'bigint' ? 'n' : '';
      return { __proto__: null, message: 'Uncaught ' + kind + ': ' + StringCtor(thrown) + suffix, name: undefined };
    }
    const message = dataString(thrown, 'message');
    const name = dataString(thrown, 'name');
    if (message !== undefined) {
      const text = name !== undefined && name !== '' ? (message === '' ? name : name + ': ' + message) : message;
      return { __proto__: null, message: text, name };
    }
    if (name !== undefined && name !== '') return { __proto__: null, message: name, name };
    return { __proto__: null, message: 'Uncaught exception: a thrown ' + kind + ' without a message', name: undefined };
  } catch (e) {
    return { __proto__: null, message: UNREADABLE, name: undefined };
  }
}

/**
 * Converts anything thrown while running community code (or while reading what
 * it returned) into a failure of `type` (its text never changes the type).
 * `prefix` is prepended to the message.
 */
export function fromThrown(thrown, type, prefix) {
  if (isFailure(thrown)) return thrown;
  return failure(type, (prefix === undefined ? '' : prefix) + describe(thrown).message);
}

/** Describes a thrown value as text (used by the console for Error objects). */
export function describeThrown(thrown) {
  return describe(thrown).message;
}
