// The executor entry: handle(requestText) -> Z22 envelope as JSON text, or a
// Promise of it when the community function returns a thenable. handle never
// throws and its promise never rejects: every failure becomes a Z22 whose
// Z22K2 map holds an "errors" entry with a Z5.
//
// Cost notes (every line of `handle` is paid on every call; the module top
// level is paid once, at snapshot time): answers are concatenations of JSON
// text written at load time (zobject.js) and the quoted dynamic strings; the
// executor's own failures are returned as records, not thrown, on the way to
// the answer; nothing on the success path creates an Error or throws.
//
// Errors: failureZ5 turns every failure record into its Z5 (error-types.js,
// wit/errors.json), written by zobject.js's z5 — the executor's one writer.

import { communityFunction } from './community.js';
import { apply, defineHidden, EMPTY_LIST, join, jsonParse, newList, own, ownData, ownKeys, push, slice } from './intrinsics.js';
import { failure, fromThrown, isFailure } from './errors.js';
import { ErrorType } from './error-types.js';
import { createConsole, resetLogs, takeOutput } from './console.js';
import { decode } from './decode.js';
import { encodeResultPlanned, encodeResultText } from './encode.js';
import { decodeArgumentsPlanned } from './convert.js';
import { Wikifunctions, wikifunctionsError } from './wikifunctions.js';
import { isZ7, parseRequest } from './request.js';
import {
  callHead,
  errorAnswer,
  isZid,
  ref,
  string,
  successAnswer,
  successStringAnswer,
  writeParsed,
  z5,
  z5Keys,
  z99,
} from './zobject.js';
import { quote } from './json.js';
import { ZPair } from './zpair.js';

// Computed at load time: returned if even building an error envelope fails.
const LAST_RESORT = errorAnswer(z5(ErrorType.UNSPECIFIED, string('Internal executor error.')), null);

/**
 * The metadata of the answer besides "errors": the console / debug output, the
 * envelope's requestId and the implementation's ZID (when the Z7 names one);
 * null when there is none (the common case).
 */
function metaOf(call) {
  const output = takeOutput();
  const requestId = call === null ? undefined : call.requestId;
  const implementation = call === null ? undefined : call.implementation;
  const named = typeof implementation === 'string';
  if (requestId === undefined && !named) return output;
  const meta = output === null ? { __proto__: null, logs: null, debug: null } : output;
  meta.requestId = requestId;
  meta.implementation = named ? implementation : undefined;
  return meta;
}

function successText(valueText, call) {
  return successAnswer(valueText, metaOf(call));
}

/**
 * The failure for a value the community code threw or rejected with: a Z507
 * whose propagated error is the Z5 a Wikifunctions.Error asks for, else a Z507
 * with the thrown value's message (errors.js).
 */
function thrownFailure(thrown) {
  const record = wikifunctionsError(thrown);
  if (record === undefined) return fromThrown(thrown, ErrorType.EVALUATION);
  const texts = newList();
  const values = record.values;
  for (let i = 0; i < values.length; i++) {
    try {
      push(texts, encodeResultText(values[i], false));
    } catch (e) {
      return failure(ErrorType.EVALUATION, 'Wikifunctions.Error ' + record.type + ', value ' + (i + 1) + ': ' + toFailure(e).message);
    }
  }
  return failure(ErrorType.EVALUATION, 'Wikifunctions.Error ' + record.type, { __proto__: null, type: record.type, texts });
}

/** Longest request text a Z501 quotes as its input (UTF-16 code units). */
const MAX_INPUT_QUOTED = 256;

/**
 * The call an error quotes (the JSON text of Z507K1's Z99K1), read again from
 * the request text with the captured JSON.parse (the objects the executor
 * decoded may since have reached community code): a Z7 request as given; for
 * the executor form, a Z7 whose Z7K1 is the function name (a Z9 when it is a
 * ZID, else a Z6) and whose other keys are the functionArguments as given.
 */
function quotedCall(call) {
  let request = jsonParse(call.text);
  if (call.wrapped) request = own(request, 'zobject');
  if (isZ7(request)) return writeParsed(request, 0);
  const parts = newList();
  push(parts, callHead(isZid(call.name) ? ref(call.name) : string(call.name)));
  const args = own(request, 'functionArguments');
  const keys = ownKeys(args);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key !== 'string') continue;
    push(parts, ',' + quote(key) + ':' + writeParsed(ownData(args, key), 1));
  }
  push(parts, '}');
  return join(parts, '');
}

/**
 * The Z5 (JSON text) of a failure record (errors.js). `call` is the parsed call
 * (null before parsing succeeded); `requestText` the request as received.
 *   Z507: Z507K1 a Z99 quoting the call, Z507K2 a Z5 of Z500 whose Z500K1 is the message;
 *   Z561: Z561K1 a Z5 of Z501 (K1 the message, K2 the request text, cut) or of
 *         Z502 (K1 a reference to Z500, K2 a Z5 of Z500 with the message);
 *   Z565, Z558: K1 the missing property / the language;
 *   anything else: Z500 with Z500K1 the message.
 */
function failureZ5(fail, call, requestText) {
  const type = fail.type;
  if (type === ErrorType.EVALUATION) {
    const detail = fail.detail;
    const propagated = detail === undefined ? z5(ErrorType.UNSPECIFIED, string(fail.message)) : z5Keys(detail.type, detail.texts);
    return z5(type, z99(quotedCall(call)), propagated);
  }
  if (type === ErrorType.INVALID_REQUEST) {
    if (fail.detail === ErrorType.JSON_SYNTAX) {
      let input = typeof requestText === 'string' ? requestText : '';
      if (input.length > MAX_INPUT_QUOTED) input = slice(input, 0, MAX_INPUT_QUOTED) + '…';
      return z5(type, z5(ErrorType.JSON_SYNTAX, string(fail.message), string(input)));
    }
    const inner = z5(ErrorType.UNSPECIFIED, string(fail.message));
    return z5(type, z5(ErrorType.NOT_WELL_FORMED, ref(ErrorType.UNSPECIFIED), inner));
  }
  if (type === ErrorType.INCOMPLETE_REQUEST || type === ErrorType.INVALID_LANGUAGE) {
    return z5(type, string(fail.detail));
  }
  return z5(ErrorType.UNSPECIFIED, string(fail.message));
}

function errorText(fail, call, requestText) {
  try {
    return errorAnswer(failureZ5(fail, call, requestText), metaOf(call));
  } catch (e) {
    return LAST_RESORT;
  }
}

/** Any exception that reached the top: our failures as they are, the rest as Z500. */
function toFailure(thrown) {
  try {
    if (isFailure(thrown)) return thrown;
    return fromThrown(thrown, ErrorType.UNSPECIFIED, 'Internal executor error: ');
  } catch (e) {
    return failure(ErrorType.UNSPECIFIED, 'Internal executor error.');
  }
}

/** The decoded argument values (a null-prototype list), or a failure. */
function decodeArguments(call) {
  const keys = call.keys;
  const n = keys.length;
  if (n === 0) return EMPTY_LIST;
  // `source` is an object from the captured JSON.parse and `keys` its own keys.
  const source = call.source;
  const values = newList();
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    try {
      push(values, decode(source[key], 0));
    } catch (e) {
      if (isFailure(e)) return failure(e.type, 'Argument ' + key + ': ' + e.message, e.detail);
      throw e;
    }
  }
  return values;
}

/**
 * Calls the community function `fn` with `this` undefined and the arguments in
 * `values` (a null-prototype list). A plain call of a function value invokes
 * it directly (nothing is looked up), exactly as Reflect.apply would.
 */
function callCommunity(fn, values) {
  switch (values.length) {
    case 0:
      return fn();
    case 1:
      return fn(values[0]);
    case 2:
      return fn(values[0], values[1]);
    case 3:
      return fn(values[0], values[1], values[2]);
    default:
      return apply(fn, undefined, values);
  }
}

function isThenable(value) {
  // may run a community getter (callers catch)
  return typeof value.then === 'function';
}

function finish(value, call) {
  const plans = call.plans === undefined ? null : call.plans;
  // The common case first: a string needs no encoder.
  if (typeof value === 'string' && plans === null) return successStringAnswer(quote(value), metaOf(call));
  let text;
  try {
    text = plans !== null && plans.result !== null ? encodeResultPlanned(value, plans.result) : encodeResultText(value, call.declaredInteger === true);
  } catch (e) {
    return errorText(toFailure(e), call, null);
  }
  return successText(text, call);
}

async function settle(thenable, call) {
  try {
    let value;
    try {
      value = await thenable;
    } catch (e) {
      return errorText(thrownFailure(e), call, null);
    }
    return finish(value, call);
  } catch (e) {
    return errorText(toFailure(e), call, null);
  }
}

// Whether a call already ran in this realm. In production every call starts
// from the snapshot (or a fresh evaluation), where the globals installed at
// load time are untouched: they only need installing again when an earlier
// call in the same realm may have changed them (node tests, embedders).
let served = false;

/**
 * handle(requestText: string): string | Promise<string>
 * Never throws; a returned promise never rejects.
 */
export function handle(requestText) {
  let call = null;
  try {
    if (served) installGlobals();
    served = true;
    resetLogs();
    call = parseRequest(requestText);
    // A failure record has no `code` (every parsed call has a string there).
    if (call.code === undefined) return errorText(call, null, requestText);
    // Type converters (Z7 form only: the executor form has no declared types, and no `plans`).
    const plans = call.plans === undefined ? null : call.plans;
    const values = plans === null || plans.args === null ? decodeArguments(call) : decodeArgumentsPlanned(call, plans.args);
    // A failure record has no `length` (a list of values has one).
    if (values.length === undefined) return errorText(values, call, requestText);
    // The code's top level runs here, and names the function (community.js).
    let fn;
    try {
      fn = communityFunction(call.code, call.name);
    } catch (e) {
      return errorText(thrownFailure(e), call, null);
    }
    if (typeof fn !== 'function') {
      return errorText(
        failure(
          ErrorType.EVALUATION,
          call.name + ' is not a function after evaluating the code (it is ' + (fn === null ? 'null' : typeof fn) + ').',
        ),
        call,
        null,
      );
    }
    let result;
    try {
      result = callCommunity(fn, values);
    } catch (e) {
      return errorText(thrownFailure(e), call, null);
    }
    if ((typeof result === 'object' && result !== null) || typeof result === 'function') {
      let thenable;
      try {
        thenable = isThenable(result);
      } catch (e) {
        return errorText(fromThrown(e, ErrorType.EVALUATION), call, null);
      }
      if (thenable) return settle(result, call);
    }
    return finish(result, call);
  } catch (e) {
    try {
      return errorText(toFailure(e), call !== null && call.code !== undefined ? call : null, requestText);
    } catch (e2) {
      return LAST_RESORT;
    }
  }
}

let installedOn = null;

function installGlobals() {
  if (installedOn === null) return;
  // A fresh console, and ZPair again: what an earlier call in the same realm
  // did to them does not carry over. (Reflect.defineProperty reports failure
  // instead of throwing, e.g. if community code froze the global.)
  defineHidden(installedOn, 'console', createConsole(), true);
  defineHidden(installedOn, 'ZPair', ZPair, true);
  defineHidden(installedOn, 'Wikifunctions', Wikifunctions, true);
}

/**
 * Installs the globals community code may use (the capturing console,
 * ZPair and Wikifunctions) on `globalObject`, now and again at the start of every later call in
 * the same realm.
 */
export function install(globalObject) {
  installedOn = globalObject;
  installGlobals();
}
