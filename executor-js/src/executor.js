// The executor entry: handle(requestText) -> Z22 envelope as JSON text, or a
// Promise of it when the community function returns a thenable. handle never
// throws and its promise never rejects: every failure becomes a Z22 whose
// Z22K2 map holds an "errors" entry with a Z5.

import { apply, defineHidden, FunctionCtor, newList, push } from './intrinsics.js';
import { ErrorType, failure, fromThrown, isFailure } from './errors.js';
import { createConsole, resetLogs, takeLogs } from './console.js';
import { decode, typeInfo } from './decode.js';
import { encodeResult } from './encode.js';
import { toJSONText } from './json.js';
import { parseRequest } from './request.js';
import { envelope, error, metadata, string, VOID } from './zobject.js';
import { ZPair } from './zpair.js';

// Computed at load time: returned if even building an error envelope fails.
const LAST_RESORT = toJSONText(
  envelope(
    VOID,
    metadata(
      (() => {
        const entries = newList();
        push(entries, { __proto__: null, key: 'errors', value: error(ErrorType.UNSPECIFIED, 'Internal executor error.') });
        return entries;
      })(),
    ),
  ),
);

function logEntries(entries) {
  const logs = takeLogs();
  if (logs !== null) push(entries, { __proto__: null, key: 'logs', value: string(logs) });
}

function successText(valueNode) {
  const entries = newList();
  logEntries(entries);
  return toJSONText(envelope(valueNode, metadata(entries)));
}

function errorText(fail) {
  try {
    const entries = newList();
    push(entries, { __proto__: null, key: 'errors', value: error(fail.type, fail.message) });
    logEntries(entries);
    return toJSONText(envelope(VOID, metadata(entries)));
  } catch (e) {
    return LAST_RESORT;
  }
}

/** Any exception that reached the top: our failures as they are, the rest as Z500 (or Z571 / Z572). */
function toFailure(thrown) {
  try {
    if (isFailure(thrown)) return thrown;
    return fromThrown(thrown, ErrorType.UNSPECIFIED, 'Internal executor error: ');
  } catch (e) {
    return failure(ErrorType.UNSPECIFIED, 'Internal executor error.');
  }
}

function decodeArguments(args) {
  const values = newList();
  for (let i = 0; i < args.length; i++) {
    const entry = args[i];
    try {
      push(values, decode(entry.value, 0));
    } catch (e) {
      if (isFailure(e)) throw failure(e.type, 'Argument ' + entry.key + ': ' + e.message);
      throw e;
    }
  }
  return values;
}

/** Builds the community function in global scope and calls it. */
function invoke(call, values) {
  let factory;
  try {
    // The captured Function constructor creates the code in global scope: it
    // sees none of the executor's bindings. `call.name` is a checked identifier.
    factory = new FunctionCtor(call.code + '\nreturn ' + call.name + ';');
  } catch (e) {
    throw fromThrown(e, ErrorType.EVALUATION);
  }
  let fn;
  try {
    fn = apply(factory, undefined, []);
  } catch (e) {
    throw fromThrown(e, ErrorType.EVALUATION);
  }
  if (typeof fn !== 'function') {
    throw failure(
      ErrorType.EVALUATION,
      call.name + ' is not a function after evaluating the code (it is ' + (fn === null ? 'null' : typeof fn) + ').',
    );
  }
  try {
    return apply(fn, undefined, values);
  } catch (e) {
    throw fromThrown(e, ErrorType.EVALUATION);
  }
}

function isThenable(value) {
  if ((typeof value !== 'object' || value === null) && typeof value !== 'function') return false;
  try {
    return typeof value.then === 'function'; // may run a community getter
  } catch (e) {
    throw fromThrown(e, ErrorType.EVALUATION);
  }
}

function declaresInteger(call) {
  if (call.declaredType === undefined) return false;
  const info = typeInfo(call.declaredType);
  return info !== null && info.id === 'Z16683';
}

function finish(value, call) {
  return successText(encodeResult(value, declaresInteger(call)));
}

async function settle(thenable, call) {
  try {
    let value;
    try {
      value = await thenable;
    } catch (e) {
      return errorText(fromThrown(e, ErrorType.EVALUATION));
    }
    return finish(value, call);
  } catch (e) {
    return errorText(toFailure(e));
  }
}

/**
 * handle(requestText: string): string | Promise<string>
 * Never throws; a returned promise never rejects.
 */
export function handle(requestText) {
  try {
    resetLogs();
    installGlobals();
    const call = parseRequest(requestText);
    const values = decodeArguments(call.args);
    const result = invoke(call, values);
    if (isThenable(result)) return settle(result, call);
    return finish(result, call);
  } catch (e) {
    try {
      return errorText(toFailure(e));
    } catch (e2) {
      return LAST_RESORT;
    }
  }
}

let installedOn = null;

function installGlobals() {
  if (installedOn === null) return;
  // A fresh console each call, and ZPair again: what an earlier call in the same
  // realm did to them does not carry over. (Reflect.defineProperty reports
  // failure instead of throwing, e.g. if community code froze the global.)
  defineHidden(installedOn, 'console', createConsole(), true);
  defineHidden(installedOn, 'ZPair', ZPair, true);
}

/**
 * Installs the globals community code may use (the capturing console and
 * ZPair) on `globalObject`, now and again at the start of every call.
 */
export function install(globalObject) {
  installedOn = globalObject;
  installGlobals();
}
