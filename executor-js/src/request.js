// Parsing a request into { code, name, args, declaredType }.
//
// Two forms are accepted:
//  - executor form: { codeString, functionName, functionArguments };
//  - a full Z7 function call whose Z7K1 is an inline Z8: the implementation is
//    the first Z14 in Z8K4 whose Z14K3 is a Z16 in JavaScript (Z16K1 naming
//    "javascript..." or referring to Z600, given as a string, a Z6, a Z9 or a
//    Z61); the function name is the Z8's identity Z8K5 (else the Z14's Z14K1);
//    the arguments are the Z7's keys other than Z1K1 and Z7K1.
// Arguments are bound in numeric key order (Z1000K2 before Z1000K10).

import { charCodeAt, hasOwn, isArray, jsonParse, newList, own, ownKeys, push, toLowerCase, slice } from './intrinsics.js';
import { ErrorType, failure } from './errors.js';
import { refId, stringValue, typeInfo } from './decode.js';
import { keyIndex } from './zobject.js';

const MAX_IMPLEMENTATIONS = 10000;

function invalid(message) {
  return failure(ErrorType.INVALID_REQUEST, message);
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

function isIdentifierStart(c) {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x24 || c === 0x5f;
}

/** An ASCII JavaScript identifier that is not a reserved word (nor arguments / eval). */
export function isIdentifier(text) {
  if (typeof text !== 'string' || text.length === 0 || text.length > 256) return false;
  for (let i = 0; i < text.length; i++) {
    const c = charCodeAt(text, i);
    if (!(isIdentifierStart(c) || (i > 0 && c >= 0x30 && c <= 0x39))) return false;
  }
  return RESERVED[text] !== true;
}

// --- arguments ----------------------------------------------------------------------

/** Own string keys of `object` (minus `skip`) as { key, value } in numeric key order. */
function sortedArguments(object, skip) {
  const keys = ownKeys(object);
  const out = newList();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key !== 'string' || (skip !== undefined && skip[key] === true)) continue;
    push(out, { __proto__: null, key, index: keyIndex(key), value: object[key] });
  }
  // Insertion sort: argument lists are short, and Array.prototype.sort is not ours.
  for (let i = 1; i < out.length; i++) {
    const entry = out[i];
    let j = i - 1;
    while (j >= 0 && before(entry, out[j])) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = entry;
  }
  return out;
}

function before(a, b) {
  if (a.index !== b.index) {
    if (a.index < 0) return false;
    if (b.index < 0) return true;
    return a.index < b.index;
  }
  return a.key < b.key;
}

// --- executor form --------------------------------------------------------------------

function fromExecutorForm(request) {
  const codeValue = own(request, 'codeString');
  if (codeValue === undefined || codeValue === null) {
    throw invalid('Function call did not provide codeString.');
  }
  const code = stringValue(codeValue);
  if (code === null) throw invalid('codeString must be a string.');
  const nameValue = own(request, 'functionName');
  if (nameValue === undefined || nameValue === null) {
    throw invalid('Function call did not provide functionName.');
  }
  const name = stringValue(nameValue);
  if (!isIdentifier(name)) {
    throw invalid('functionName must be a JavaScript identifier, got ' + describeName(nameValue) + '.');
  }
  const argumentsValue = own(request, 'functionArguments');
  let args = newList();
  if (argumentsValue !== undefined && argumentsValue !== null) {
    if (!isObject(argumentsValue)) throw invalid('functionArguments must be an object.');
    args = sortedArguments(argumentsValue, undefined);
  }
  return { __proto__: null, code, name, args, declaredType: undefined };
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

function isZ7(request) {
  if (hasOwn(request, 'Z7K1')) return true;
  const type = typeInfo(own(request, 'Z1K1'));
  return type !== null && type.id === 'Z7';
}

/** The Z14 objects listed in Z8K4 (canonical array or normal-form typed list). */
function implementations(list) {
  const out = newList();
  if (isArray(list)) {
    for (let i = 0; i < list.length && i < MAX_IMPLEMENTATIONS; i++) push(out, list[i]);
    return out;
  }
  let node = list;
  for (let i = 0; i < MAX_IMPLEMENTATIONS && isObject(node) && hasOwn(node, 'K1'); i++) {
    push(out, own(node, 'K1'));
    node = own(node, 'K2');
  }
  return out;
}

/** The language named by a Z16K1: a ZID (Z600), a name ("javascript"), or null. */
function languageOf(value, depth) {
  if (depth > 8) return null;
  if (typeof value === 'string') return value;
  if (!isObject(value)) return null;
  const id = refId(value);
  if (id !== null) return id;
  const text = own(value, 'Z6K1');
  if (typeof text === 'string') return text;
  if (hasOwn(value, 'Z61K1')) return languageOf(own(value, 'Z61K1'), depth + 1);
  return null;
}

function isJavaScript(language) {
  if (language === 'Z600') return true;
  const lower = toLowerCase(language);
  return slice(lower, 0, 10) === 'javascript';
}

function fromZ7(request) {
  const fn = own(request, 'Z7K1');
  if (!isObject(fn)) throw failure(ErrorType.NO_IMPLEMENTATION, UNABLE);
  const candidates = implementations(own(fn, 'Z8K4'));
  let chosen = null;
  let code = null;
  const otherLanguages = newList();
  for (let i = 0; i < candidates.length; i++) {
    const implementation = candidates[i];
    if (!isObject(implementation)) continue;
    const z16 = own(implementation, 'Z14K3');
    if (!isObject(z16)) continue;
    const language = languageOf(own(z16, 'Z16K1'), 0);
    const text = stringValue(own(z16, 'Z16K2'));
    if (language === null || text === null) continue;
    if (isJavaScript(language)) {
      chosen = implementation;
      code = text;
      break;
    }
    push(otherLanguages, language);
  }
  if (chosen === null) {
    if (otherLanguages.length > 0) {
      throw failure(
        ErrorType.NO_IMPLEMENTATION,
        'No executor found for programming language ' + otherLanguages[0] + ': kiln only runs JavaScript implementations.',
      );
    }
    throw failure(ErrorType.NO_IMPLEMENTATION, UNABLE);
  }
  let name = refId(own(fn, 'Z8K5'));
  if (name === null) name = refId(own(chosen, 'Z14K1'));
  if (name === null) throw invalid('Function call did not provide functionName (no Z8K5 identity on the Z8).');
  if (!isIdentifier(name)) throw invalid('functionName must be a JavaScript identifier, got "' + name + '".');
  return {
    __proto__: null,
    code,
    name,
    args: sortedArguments(request, Z7_SKIP),
    declaredType: own(fn, 'Z8K2'),
  };
}

// --- entry -------------------------------------------------------------------------------

/** Parses the request text. Throws a failure (Z561 / Z565) when it is unusable. */
export function parseRequest(text) {
  if (typeof text !== 'string') throw invalid('The request must be JSON text (a string).');
  let request;
  try {
    request = jsonParse(text);
  } catch (e) {
    throw invalid('The request is not valid JSON.');
  }
  if (!isObject(request)) throw invalid('The request must be a JSON object.');
  return isZ7(request) ? fromZ7(request) : fromExecutorForm(request);
}
