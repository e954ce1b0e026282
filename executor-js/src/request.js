// Parsing a request into { code, name, keys, source, text, wrapped, requestId,
// plans, declaredInteger }: the arguments are source[keys[0]], source[keys[1]],
// ...; `text` is the request text (an error quotes the call from it, from
// `.zobject` when `wrapped`); `plans` (Z7 form only) are the converter plans of
// the arguments and the result (convert.js callPlans, or null) and
// `declaredInteger` whether the Z8 declares the return type Z16683. Only the
// properties a form has are written (the others read as undefined): every
// property a record is made with costs each call a new hidden-class shape,
// about a thousand fuel.
//
// A Z7's function definition (Z7K1) is read once per artifact and text: what
// the executor derives from it (its function plan, see fromZ7) is kept by the
// host, and a later call with the same definition has the guest's parser skip
// it and reads the plan instead (see DEFER_FUNCTION below,
// guest/src/function.rs).
//
// The evaluator's envelope {"zobject": <either form>, "remainingTime": seconds,
// "requestId": "...", "allowsCallbacks": bool} is accepted around both forms:
// requestId comes back in the metadata; remainingTime (enforced by the host)
// and allowsCallbacks (no callbacks are offered) are checked and ignored.
//
// A Z7 request's record also has `implementation`: the implementation's ZID
// when the Z7 names one (a Z8K4 item given as a Z2), else null.
//
// Two forms are accepted:
//  - executor form: { codeString, functionName, functionArguments };
//  - a full Z7 function call whose Z7K1 is an inline Z8: the implementation is
//    the first Z14 in Z8K4 whose Z14K3 is a Z16 in JavaScript (Z16K1 naming
//    "javascript..." or referring to Z600, given as a string, a Z6, a Z9 or a
//    Z61); the function name is the Z8's identity Z8K5 (else the Z14's Z14K1);
//    the arguments are the Z7's keys other than Z1K1 and Z7K1. An item of Z8K4 may
//    also be the implementation as Wikifunctions stores it, a Z2 persistent object
//    whose Z2K2 is the Z14: its Z2K1 (a ZID, as a string, a Z6 or a Z9) is the
//    implementation's own identity, answered as metadata `implementationId`. A Z14
//    has no identity key of its own (Z14K1 is the function it implements, the
//    same ZID as the Z8's Z8K5), so a bare Z14 names no implementation.
// Arguments are bound in numeric key order (Z1000K2 before Z1000K10).

import {
  charCodeAt,
  EMPTY_LIST,
  functionPart,
  hasOwn,
  isArray,
  jsonParse,
  nativeArgumentKeys,
  newList,
  own,
  ownKeys,
  push,
  regExpExec,
  slice,
} from './intrinsics.js';
import { failure } from './errors.js';
import { ErrorType } from './error-types.js';
import { refId, stringValue, typeInfo } from './decode.js';
import { keyIndex } from './zobject.js';
import { callPlans, functionPlans } from './convert.js';
import { implementations, isJavaScript, languageOf } from './definition.js';

/** Z561 with a Z502 (not well-formed) inside. */
function invalid(message) {
  return failure(ErrorType.INVALID_REQUEST, message, ErrorType.NOT_WELL_FORMED);
}

/** Z565: `property` is missing (absent or null). */
function missing(property, message) {
  return failure(ErrorType.INCOMPLETE_REQUEST, message, property);
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !isArray(value);
}

// --- identifiers ------------------------------------------------------------------

const RESERVED = {
  __proto__: null,
  await: true, break: true, case: true, catch: true, class: true, const: true, continue: true,
  debugger: true, default: true, delete: true, do: true, else: true, enum: true, export: true,
  extends: true, false: true, finally: true, for: true, function: true, if: true, implements: true,
  import: true, in: true, instanceof: true, interface: true, let: true, new: true, null: true,
  package: true, private: true, protected: true, public: true, return: true, static: true,
  super: true, switch: true, this: true, throw: true, true: true, try: true, typeof: true,
  var: true, void: true, while: true, with: true, yield: true, arguments: true, eval: true,
};

const IDENTIFIER = /^[A-Za-z$_][A-Za-z0-9$_]*$/;

/** An ASCII JavaScript identifier that is not a reserved word (nor arguments / eval). */
export function isIdentifier(text) {
  if (typeof text !== 'string') return false;
  const length = text.length;
  if (length === 1) {
    // One character (no reserved word is this short): a letter, "$" or "_".
    const c = charCodeAt(text, 0);
    return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x24 || c === 0x5f;
  }
  if (length === 0 || length > 256) return false;
  return regExpExec(IDENTIFIER, text) !== null && RESERVED[text] !== true;
}

// --- arguments ----------------------------------------------------------------------

/** Length of the runs insertion-sorted before merging. */
const RUN = 16;

/**
 * The argument keys of `object` in binding order, as a list only the executor
 * holds (shared and frozen when empty): its own string keys, without Z1K1 and
 * Z7K1 when `isCall` (a Z7's members), in numeric key order (keyIndex; keys
 * without a number last, equal numbers by the keys' order as strings). The
 * guest's native ordering where there is one, else sortArgumentKeys.
 */
function sortedArguments(object, isCall) {
  if (nativeArgumentKeys !== undefined) {
    const keys = nativeArgumentKeys(object, isCall);
    if (keys !== undefined) return keys.length === 0 ? EMPTY_LIST : keys;
  }
  return sortArgumentKeys(object, isCall);
}

/** sortedArguments in JavaScript: where the guest has no native ordering, and its parity tests' oracle. */
export function sortArgumentKeys(object, isCall) {
  const skip = isCall ? Z7_SKIP : undefined;
  const keys = ownKeys(object);
  const n = keys.length;
  if (n === 0) return EMPTY_LIST;
  let out = keys;
  // `object` comes from the captured JSON.parse, so its keys are all strings, and the fresh
  // list ownKeys made is the executor's own: sorting only rewrites indices it already has.
  // Only keys to skip need a copy.
  if (skip !== undefined) {
    out = newList();
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      if (typeof key !== 'string' || skip[key] === true) continue;
      push(out, key);
    }
  }
  if (out.length < 2) return out;
  if (out.length === 2) {
    if (before(out[1], keyIndex(out[1]), out[0], keyIndex(out[0]))) {
      const first = out[1];
      out[1] = out[0];
      out[0] = first;
    }
    return out;
  }
  const count = out.length;
  const indices = newList();
  for (let i = 0; i < count; i++) push(indices, keyIndex(out[i]));
  // Array.prototype.sort is not ours: a bottom-up merge sort over executor-owned
  // lists, O(n log n) (keys are unique, so stability does not matter). Runs of
  // RUN keys are first put in order by insertion sort, cheap for short lists.
  for (let lo = 0; lo < count; lo += RUN) {
    const hi = lo + RUN < count ? lo + RUN : count;
    for (let i = lo + 1; i < hi; i++) {
      const key = out[i];
      const index = indices[i];
      let j = i - 1;
      while (j >= lo && before(key, index, out[j], indices[j])) {
        out[j + 1] = out[j];
        indices[j + 1] = indices[j];
        j--;
      }
      out[j + 1] = key;
      indices[j + 1] = index;
    }
  }
  if (count <= RUN) return out;
  let sorted = out;
  let numbers = indices;
  let spareKeys = newList();
  let spareNumbers = newList();
  for (let i = 0; i < count; i++) {
    push(spareKeys, undefined);
    push(spareNumbers, 0);
  }
  for (let width = RUN; width < count; width += width) {
    for (let lo = 0; lo < count; lo += width + width) {
      const mid = lo + width < count ? lo + width : count;
      const hi = mid + width < count ? mid + width : count;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (before(sorted[j], numbers[j], sorted[i], numbers[i])) {
          spareKeys[k] = sorted[j];
          spareNumbers[k] = numbers[j];
          j++;
        } else {
          spareKeys[k] = sorted[i];
          spareNumbers[k] = numbers[i];
          i++;
        }
        k++;
      }
      for (; i < mid; i++, k++) {
        spareKeys[k] = sorted[i];
        spareNumbers[k] = numbers[i];
      }
      for (; j < hi; j++, k++) {
        spareKeys[k] = sorted[j];
        spareNumbers[k] = numbers[j];
      }
    }
    const swapKeys = sorted;
    sorted = spareKeys;
    spareKeys = swapKeys;
    const swapNumbers = numbers;
    numbers = spareNumbers;
    spareNumbers = swapNumbers;
  }
  return sorted;
}

/** Whether key `a` (numbered `ia`, see keyIndex) binds before key `b` (numbered `ib`). */
function before(a, ia, b, ib) {
  if (ia !== ib) {
    if (ia < 0) return false;
    if (ib < 0) return true;
    return ia < ib;
  }
  return a < b;
}

// --- executor form --------------------------------------------------------------------

function fromExecutorForm(request, text) {
  // (own() inlined on this path: `request` comes from the captured JSON.parse.)
  const codeValue = hasOwn(request, 'codeString') ? request.codeString : undefined;
  if (codeValue === undefined || codeValue === null) {
    return missing('codeString', 'Function call did not provide codeString.');
  }
  const code = typeof codeValue === 'string' ? codeValue : stringValue(codeValue);
  if (code === null) return invalid('codeString must be a string.');
  const nameValue = hasOwn(request, 'functionName') ? request.functionName : undefined;
  if (nameValue === undefined || nameValue === null) {
    return missing('functionName', 'Function call did not provide functionName.');
  }
  const name = typeof nameValue === 'string' ? nameValue : stringValue(nameValue);
  if (!isIdentifier(name)) {
    return invalid('functionName must be a JavaScript identifier, got ' + describeName(nameValue) + '.');
  }
  const argumentsValue = hasOwn(request, 'functionArguments') ? request.functionArguments : undefined;
  if (argumentsValue === undefined || argumentsValue === null) {
    return missing('functionArguments', 'Function call did not provide functionArguments.');
  }
  if (typeof argumentsValue !== 'object' || isArray(argumentsValue)) {
    return invalid('functionArguments must be an object.');
  }
  const keys = sortedArguments(argumentsValue, false);
  return {
    __proto__: null,
    code,
    name,
    keys,
    source: argumentsValue,
    text,
  };
}

function describeName(value) {
  if (typeof value !== 'string') return 'a ' + (isArray(value) ? 'list' : typeof value);
  return '"' + (value.length > 64 ? slice(value, 0, 64) + '…' : value) + '"';
}

// --- Z7 form ----------------------------------------------------------------------------

const Z7_SKIP = { __proto__: null, Z1K1: true, Z7K1: true };

const UNABLE =
  'Unable to find programming language: the function call carries no implementation in code ' +
  '(an inline Z8 whose Z8K4 lists a Z14 with a Z16 code).';

/** Whether a parsed request is in the Z7 form (else the executor form). */
export function isZ7(request) {
  if (hasOwn(request, 'Z7K1')) return true;
  if (!hasOwn(request, 'Z1K1')) return false;
  const type = typeInfo(request.Z1K1);
  return type !== null && type.id === 'Z7';
}

/**
 * The call of a Z7 request. `deferred` says what became of its function
 * definition (Z7K1) while parsing: undefined (nothing deferred: read it), an
 * object (the function plan an earlier call kept for it: use that), or true
 * (read it, and hand the plan made of it to the host).
 */
function fromZ7(request, text, deferred) {
  // (The request comes from the guest's parser and no community code has run: a direct read.)
  if (typeof deferred === 'object' && request.Z7K1 === null) {
    if (isFunctionPlan(deferred)) return callOf(deferred, request, text);
    // A plan this build never writes: read the definition instead (as after a miss), and
    // keep its plan.
    deferred = undeferred(request, null);
  }
  const fn = own(request, 'Z7K1');
  if (!isObject(fn)) return missing('implementation', UNABLE);
  const candidates = implementations(own(fn, 'Z8K4'));
  let chosen = null;
  let code = null;
  const otherLanguages = newList();
  let chosenId = null;
  for (let i = 0; i < candidates.length; i++) {
    let implementation = candidates[i];
    if (!isObject(implementation)) continue;
    let id = null;
    if (hasOwn(implementation, 'Z2K2')) {
      // A persistent object: its identity, and the Z14 it holds.
      id = persistentId(own(implementation, 'Z2K1'));
      implementation = own(implementation, 'Z2K2');
      if (!isObject(implementation)) continue;
    }
    const z16 = own(implementation, 'Z14K3');
    if (!isObject(z16)) continue;
    const language = languageOf(own(z16, 'Z16K1'), 0);
    const text = stringValue(own(z16, 'Z16K2'));
    if (language === null || text === null) continue;
    if (isJavaScript(language)) {
      chosen = implementation;
      chosenId = id;
      code = text;
      break;
    }
    push(otherLanguages, language);
  }
  if (chosen === null) {
    if (otherLanguages.length > 0) {
      return failure(
        ErrorType.INVALID_LANGUAGE,
        'No executor found for programming language ' + otherLanguages[0] + ': kiln only runs JavaScript implementations.',
        otherLanguages[0],
      );
    }
    return missing('implementation', UNABLE);
  }
  let name = refId(own(fn, 'Z8K5'));
  if (name === null) name = refId(own(chosen, 'Z14K1'));
  if (name === null) return missing('Z8K5', 'Function call did not provide functionName (no Z8K5 identity on the Z8).');
  if (!isIdentifier(name)) return invalid('functionName must be a JavaScript identifier, got "' + name + '".');
  const declaredType = own(fn, 'Z8K2');
  let declaredInteger = false;
  if (declaredType !== undefined) {
    const info = typeInfo(declaredType);
    declaredInteger = info !== null && info.id === 'Z16683';
  }
  // The function plan: everything the call takes from the definition. Plain
  // data only (the guest serializes it); convert nodes are shared, their `fn`
  // still undefined. Every member costs each plan hit (read back, about two
  // thousand fuel): `implementation` and `declaredInteger` are only there when
  // the definition names one / declares Z16683 (callOf reads them before any
  // community code runs, so an absent one reads undefined).
  const plan = {
    __proto__: null,
    code,
    name,
    plans: definitionPlans(own(fn, 'Z8K1'), declaredType),
  };
  if (chosenId !== null) plan.implementation = chosenId;
  if (declaredInteger) plan.declaredInteger = true;
  // Before any community code of the call runs (the guest refuses it after).
  if (deferred === true) functionPart(plan);
  return callOf(plan, request, text);
}

/**
 * Whether a plan the guest read back has the shape fromZ7 writes (it comes
 * back with Object.prototype on its objects, every member own).
 */
function isFunctionPlan(plan) {
  // Read before any community code of the call runs: nothing inherited can answer.
  return typeof plan.code === 'string' && typeof plan.name === 'string' && typeof plan.plans === 'object';
}

/** The call record of a function plan (fromZ7), with the arguments of `request`. */
function callOf(plan, request, text) {
  const keys = sortedArguments(request, true);
  return {
    __proto__: null,
    code: plan.code,
    name: plan.name,
    keys,
    source: request,
    plans: callPlans(plan.plans, keys),
    declaredInteger: plan.declaredInteger === true,
    text,
    implementation: plan.implementation === undefined ? null : plan.implementation,
  };
}

/** The converter plans of an inline Z8 with declarations `list` (functionPlans). */
function definitionPlans(list, declaredType) {
  const types = declaredTypes(list);
  return functionPlans(types, types === undefined ? EMPTY_LIST : sortedArguments(types, false), declaredType);
}

/**
 * The argument declarations of an inline Z8 (Z8K1: a canonical array or a
 * normal-form typed list of Z17): a null-prototype map from the argument key
 * (Z17K2) to its declared type (Z17K1), or undefined when there are none.
 */
function declaredTypes(list) {
  if (list === undefined || list === null) return undefined;
  const declarations = implementations(list);
  if (declarations.length === 0) return undefined;
  const out = { __proto__: null };
  for (let i = 0; i < declarations.length; i++) {
    const declaration = declarations[i];
    if (!isObject(declaration)) continue;
    const key = stringValue(own(declaration, 'Z17K2'));
    const type = own(declaration, 'Z17K1');
    if (key !== null && type !== undefined) out[key] = type;
  }
  return out;
}

/** The ZID a Z2K1 names (a string, a Z6 or a Z9 holding a ZID), else null. */
function persistentId(value) {
  const id = refId(value);
  if (id !== null) return id;
  const text = stringValue(value);
  return text !== null && refId(text) !== null ? text : null;
}

// --- entry -------------------------------------------------------------------------------

/**
 * Parses the request text into { code, name, keys, source, declaredType, text }, or
 * returns a failure (Z561 / Z565 / Z558) when it is unusable (no throw: a throw is costly, and
 * these are ordinary answers).
 */
export function parseRequest(text) {
  if (typeof text !== 'string') return invalid('The request must be JSON text (a string).');
  let request;
  let deferred;
  try {
    request = jsonParse(text, DEFER_FUNCTION);
    // (Only a request whose Z7K1 reads null can have had it deferred: read before any
    // community code runs, so nothing inherited can answer.)
    if (functionPart !== undefined && mayBeDeferred(request)) deferred = undeferred(request, functionPart());
  } catch (e) {
    return failure(ErrorType.INVALID_REQUEST, 'The request is not valid JSON.', ErrorType.JSON_SYNTAX);
  }
  if (typeof request !== 'object' || request === null || isArray(request)) {
    return invalid('The request must be a JSON object.');
  }
  // A function plan found for the request's own Z7K1: a Z7 (read before any community code runs).
  if (typeof deferred === 'object' && request.Z7K1 === null) return fromZ7(request, text, deferred);
  // (isZ7 inlined for the common executor form: no Z7K1 and no Z1K1.)
  if (!hasOwn(request, 'Z7K1') && !hasOwn(request, 'Z1K1')) {
    if (hasOwn(request, 'zobject')) return fromEnvelope(request, text, deferred);
    return fromExecutorForm(request, text);
  }
  return isZ7(request) ? fromZ7(request, text, deferred) : fromExecutorForm(request, text);
}

/**
 * Asks the guest's parser (guest/src/json.rs) to defer the call's function
 * definition: the object value of the request's Z7K1 (or of its zobject's Z7K1
 * when the request has neither Z1K1 nor Z7K1, where fromEnvelope reads it) is
 * parsed as `null`; `functionPart()` then answers the function plan the host
 * keeps for that exact text, or the definition itself. JSON.parse ignores this
 * argument (nothing is deferred).
 */
const DEFER_FUNCTION = 'kiln:defer-function';

function mayBeDeferred(request) {
  if (typeof request !== 'object' || request === null) return false;
  if (request.Z7K1 === null) return true;
  const inner = request.zobject;
  return typeof inner === 'object' && inner !== null && inner.Z7K1 === null;
}

/**
 * What became of the deferred definition, given what functionPart() answered:
 * undefined (nothing was deferred), the plan (found), or true (null: no plan,
 * or fromZ7 found it unusable; the definition, parsed now by
 * functionPart(true), is put where it belongs, as if parsed in place).
 */
function undeferred(request, part) {
  if (part !== null) return part;
  // The definition is an own member already (defined as null), so this assignment
  // only replaces its value; no community code has run yet.
  const holder = hasOwn(request, 'Z7K1') ? request : own(request, 'zobject');
  holder.Z7K1 = functionPart(true);
  return true;
}

/** Longest requestId accepted (UTF-16 code units). */
const MAX_REQUEST_ID = 256;

/** The evaluator's envelope: { zobject, remainingTime, requestId, allowsCallbacks }. */
function fromEnvelope(envelope, text, deferred) {
  const inner = envelope.zobject;
  if (!isObject(inner)) return invalid('zobject must be a JSON object: a Z7 function call or the executor form.');
  const requestId = own(envelope, 'requestId');
  if (requestId !== undefined && requestId !== null) {
    if (typeof requestId !== 'string') return invalid('requestId must be a string.');
    if (requestId.length > MAX_REQUEST_ID) return invalid('requestId is longer than ' + MAX_REQUEST_ID + ' characters.');
  }
  const remaining = own(envelope, 'remainingTime');
  if (remaining !== undefined && remaining !== null && !(typeof remaining === 'number' && remaining >= 0)) {
    return invalid('remainingTime must be a number of seconds, at least 0.');
  }
  const callbacks = own(envelope, 'allowsCallbacks');
  if (callbacks !== undefined && callbacks !== null && typeof callbacks !== 'boolean') {
    return invalid('allowsCallbacks must be a boolean.');
  }
  const call = isZ7(inner) ? fromZ7(inner, text, deferred) : fromExecutorForm(inner, text);
  if (call.code === undefined) return call; // a failure record
  call.wrapped = true;
  if (typeof requestId === 'string') call.requestId = requestId;
  return call;
}
