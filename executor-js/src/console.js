// The capturing `console` global: log / error / warn / info / debug record one
// line each (arguments joined by a space) for the current call; nothing is ever
// printed. At most MAX_LOG_BYTES (UTF-8) are kept per call; after that a single
// truncation marker line is added and further output is dropped.
//
// A second record, with the same bound, holds the lines of metadata
// `executorDebugLogs`: every console line and every `Wikifunctions.Debug(...)`
// line (wikifunctions.js), in the order they were made.

import {
  ABSENT,
  ACCESSOR,
  charCodeAt,
  defineHidden,
  getOwnPropertyDescriptor,
  hasOwn,
  isArray,
  isMap,
  join,
  newList,
  ownKeys,
  ObjectPrototype,
  ownData,
  push,
  setPrototypeOf,
  slice,
  StringCtor,
} from './intrinsics.js';
import { describeThrown } from './errors.js';
import { quote } from './json.js';

export const MAX_LOG_BYTES = 64 * 1024;
export const TRUNCATION_MARKER = '[kiln: console output truncated]';

// `lines` is null until the first line of the call. The first `measured`
// lines take exactly `bytes` bytes of UTF-8 (with the "\n" separators between
// them); the lines after them take at most `bound` more (3 bytes per UTF-16 code
// unit, plus separators). While bytes + bound stays within MAX_LOG_BYTES no line
// needs to be measured; a line that could cross the limit first has the
// unmeasured lines measured (each line is measured at most once). The kept text
// is therefore exactly what measuring every line would keep.
function newRecord() {
  return { __proto__: null, lines: null, measured: 0, bytes: 0, bound: 0, truncated: false };
}

const consoleRecord = newRecord();
const debugRecord = newRecord();

function reset(state) {
  state.lines = null;
  state.measured = 0;
  state.bytes = 0;
  state.bound = 0;
  state.truncated = false;
}

/** Starts a new call: forgets everything recorded so far. */
export function resetLogs() {
  if (debugRecord.lines === null && !debugRecord.truncated) return; // nothing recorded yet
  reset(consoleRecord);
  reset(debugRecord);
}

/** The console text (lines joined by "\n"), or null when nothing was logged. */
export function takeLogs() {
  const lines = consoleRecord.lines;
  if (lines === null || lines.length === 0) return null;
  if (lines.length === 1) return lines[0];
  return join(lines, '\n');
}

/**
 * What the call recorded: null when nothing (the common case, one check), else
 * { logs: the console text or null, debug: the executorDebugLogs lines }.
 */
export function takeOutput() {
  if (debugRecord.lines === null) return null;
  return { __proto__: null, logs: takeLogs(), debug: takeDebugLines(), requestId: undefined };
}

/** The executorDebugLogs lines (console and Wikifunctions.Debug), or null when there are none. */
export function takeDebugLines() {
  const lines = debugRecord.lines;
  if (lines === null || lines.length === 0) return null;
  return lines;
}

/** Index at which `text` must be cut to fit in `budget` UTF-8 bytes, or -1 when it fits. */
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

/** Measures the lines recorded since the last measurement: `bound` becomes exact bytes. */
function measurePending(state, lines) {
  let bytes = state.bytes;
  for (let i = state.measured; i < lines.length; i++) bytes += (i === 0 ? 0 : 1) + utf8Length(lines[i]);
  state.bytes = bytes;
  state.measured = lines.length;
  state.bound = 0;
}

function record(state, line) {
  if (state.truncated) return;
  let lines = state.lines;
  if (lines === null) {
    lines = newList();
    state.lines = lines;
  }
  // A line costs its bytes plus the "\n" that separates it from the previous one.
  const separator = lines.length === 0 ? 0 : 1;
  const bound = separator + 3 * line.length;
  // Strictly below the limit: the exact rule below also refuses a line (even an
  // empty one) once nothing is left of the budget.
  if (state.bytes + state.bound + bound < MAX_LOG_BYTES) {
    // Fits whatever its characters are: no need to measure it now.
    push(lines, line);
    state.bound += bound;
    return;
  }
  if (state.measured < lines.length) measurePending(state, lines);
  const budget = MAX_LOG_BYTES - state.bytes - separator;
  const cut = budget > 0 ? utf8Cut(line, budget) : 0;
  if (cut < 0) {
    push(lines, line);
    state.bytes += separator + utf8Length(line);
    state.measured = lines.length;
    return;
  }
  if (cut > 0) push(lines, slice(line, 0, cut));
  push(lines, TRUNCATION_MARKER);
  state.truncated = true;
}

/** Deepest nesting written for an object or array; deeper parts are "[…]". */
const MAX_FORMAT_DEPTH = 16;
/** Most entries written per object or array; then "…". */
const MAX_FORMAT_ENTRIES = 1000;

const CYCLE = { __proto__: null };

/**
 * JSON-like text of a value nested in a logged object, read through own data
 * properties only: no getter, toJSON or toString of community code runs (a
 * Proxy's traps may). Returns undefined for what JSON.stringify leaves out of
 * an object (undefined, functions, symbols, accessors); throws CYCLE on a cycle.
 */
function formatNested(value, depth, path) {
  const kind = typeof value;
  if (kind === 'string') return quote(value);
  if (kind === 'number') return value === value && value !== Infinity && value !== -Infinity ? StringCtor(value) : 'null';
  if (kind === 'bigint') return quote(StringCtor(value) + 'n');
  if (kind === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  if (kind !== 'object') return undefined;
  if (depth > MAX_FORMAT_DEPTH) return '"[…]"';
  for (let i = 0; i < path.length; i++) if (path[i] === value) throw CYCLE;
  push(path, value);
  let text;
  if (isArray(value)) {
    const length = ownData(value, 'length');
    text = '[';
    for (let i = 0; i < length; i++) {
      if (i > 0) text += ',';
      if (i >= MAX_FORMAT_ENTRIES) {
        text += '"…"';
        break;
      }
      const item = ownData(value, i);
      const written = item === ABSENT || item === ACCESSOR ? undefined : formatNested(item, depth + 1, path);
      text += written === undefined ? 'null' : written;
    }
    text += ']';
  } else {
    const keys = ownKeys(value);
    text = '{';
    let count = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key !== 'string') continue;
      const desc = getOwnPropertyDescriptor(value, key);
      if (desc === undefined || !hasOwn(desc, 'value') || desc.enumerable !== true) continue;
      const written = formatNested(desc.value, depth + 1, path);
      if (written === undefined) continue;
      if (count >= MAX_FORMAT_ENTRIES) {
        text += ',"…":"…"';
        break;
      }
      text += (count > 0 ? ',' : '') + quote(key) + ':' + written;
      count++;
    }
    text += '}';
  }
  path.length -= 1;
  return text;
}

function formatObject(value) {
  // Error-like values: "Name: message" from data properties only.
  const message = ownData(value, 'message');
  if (typeof message === 'string' || typeof ownData(value, 'stack') === 'string') {
    return describeThrown(value);
  }
  if (isMap(value)) return '[object Map]';
  // JSON-like text from own data properties (formatNested): nothing of the
  // community's runs while the executor formats a line.
  return formatNested(value, 0, newList());
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

function formatted(value) {
  try {
    return format(value);
  } catch (e) {
    return '[unprintable value]';
  }
}

/** One line from a list of values: each formatted, joined by a space. */
function lineOf(args) {
  const n = args.length;
  // format() always gives a string primitive: `+` on them cannot be intercepted.
  let line = n === 0 ? '' : formatted(args[0]);
  for (let i = 1; i < n; i++) line += ' ' + formatted(args[i]);
  return line;
}

function capture(args) {
  if (consoleRecord.truncated && debugRecord.truncated) return;
  const line = lineOf(args);
  record(consoleRecord, line);
  record(debugRecord, line);
}

/** Wikifunctions.Debug(...values): one line of executorDebugLogs. Never throws. */
export function debugLine(args) {
  try {
    if (debugRecord.truncated) return;
    record(debugRecord, lineOf(args));
  } catch (e) {
    // never let logging break the caller
  }
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
