// The capturing `console` global: log / error / warn / info / debug record one
// line each (arguments joined by a space) for the current call; nothing is ever
// printed. At most MAX_LOG_BYTES (UTF-8) are kept per call; after that a single
// truncation marker line is added and further output is dropped.

import {
  charCodeAt,
  defineHidden,
  isArray,
  isMap,
  join,
  jsonStringify,
  newList,
  ObjectPrototype,
  ownData,
  push,
  setPrototypeOf,
  slice,
  StringCtor,
} from './intrinsics.js';
import { describeThrown } from './errors.js';

export const MAX_LOG_BYTES = 64 * 1024;
export const TRUNCATION_MARKER = '[kiln: console output truncated]';

const state = { __proto__: null, lines: newList(), bytes: 0, truncated: false };

/** Starts a new call: forgets everything recorded so far. */
export function resetLogs() {
  state.lines = newList();
  state.bytes = 0;
  state.truncated = false;
}

/** The recorded text (lines joined by "\n"), or null when nothing was logged. */
export function takeLogs() {
  if (state.lines.length === 0) return null;
  return join(state.lines, '\n');
}

/** Index at which `text` must be cut to fit in `budget` UTF-8 bytes (or its length). */
function utf8Cut(text, budget) {
  let bytes = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = charCodeAt(text, i);
    let size;
    if (c < 0x80) size = 1;
    else if (c < 0x800) size = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
      const d = charCodeAt(text, i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        if (bytes + 4 > budget) return i;
        bytes += 4;
        i++;
        continue;
      }
      size = 3;
    } else size = 3;
    if (bytes + size > budget) return i;
    bytes += size;
  }
  return -1; // fits entirely; `bytes` is not needed by callers
}

function utf8Length(text) {
  let bytes = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = charCodeAt(text, i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
      const d = charCodeAt(text, i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function record(line) {
  if (state.truncated) return;
  // A line costs its bytes plus the "\n" that separates it from the previous one.
  const separator = state.lines.length === 0 ? 0 : 1;
  const budget = MAX_LOG_BYTES - state.bytes - separator;
  const cut = budget > 0 ? utf8Cut(line, budget) : 0;
  if (cut < 0) {
    push(state.lines, line);
    state.bytes += separator + utf8Length(line);
    return;
  }
  if (cut > 0) push(state.lines, slice(line, 0, cut));
  push(state.lines, TRUNCATION_MARKER);
  state.truncated = true;
}

function bigintReplacer(key, value) {
  return typeof value === 'bigint' ? StringCtor(value) + 'n' : value;
}

function formatObject(value) {
  // Error-like values: "Name: message" from data properties only.
  const message = ownData(value, 'message');
  if (typeof message === 'string' || typeof ownData(value, 'stack') === 'string') {
    return describeThrown(value);
  }
  if (isMap(value)) return '[object Map]';
  // JSON text via the captured JSON.stringify. It may run community getters /
  // toJSON methods: that is community code formatting its own log line.
  const text = jsonStringify(value, bigintReplacer);
  if (typeof text === 'string') return text;
  return isArray(value) ? '[array]' : '[object]';
}

function format(value) {
  const kind = typeof value;
  if (kind === 'string') return value;
  if (kind === 'bigint') return StringCtor(value) + 'n';
  if (kind === 'symbol' || kind !== 'object' && kind !== 'function' || value === null) {
    return StringCtor(value); // primitives (incl. symbols): no prototype lookup
  }
  if (kind === 'function') {
    const name = ownData(value, 'name');
    return typeof name === 'string' && name !== '' ? '[Function: ' + name + ']' : '[Function]';
  }
  return formatObject(value);
}

function capture(args) {
  if (state.truncated) return;
  const parts = newList();
  for (let i = 0; i < args.length; i++) {
    let text;
    try {
      text = format(args[i]);
    } catch (e) {
      text = '[unprintable value]';
    }
    push(parts, text);
  }
  record(join(parts, ' '));
}

function makeMethod(name) {
  const method = {
    [name](...args) {
      try {
        capture(args);
      } catch (e) {
        // never let logging break the caller
      }
    },
  }[name];
  return method;
}

/** A fresh console object whose methods record into this module's state. */
export function createConsole() {
  const consoleObject = { __proto__: null };
  const names = ['log', 'error', 'warn', 'info', 'debug'];
  for (let i = 0; i < names.length; i++) {
    defineHidden(consoleObject, names[i], makeMethod(names[i]), true);
  }
  return setPrototypeOf(consoleObject, ObjectPrototype);
}
