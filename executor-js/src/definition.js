// Reading an inline function definition's parts (for request.js and
// convert.js): the items of its lists (Z8K4 implementations, Z8K1
// declarations, Z4K7 / Z4K8 converters) and the language a code is in.

import { hasOwn, isArray, newList, own, push, slice, toLowerCase } from './intrinsics.js';
import { refId } from './decode.js';

const MAX_IMPLEMENTATIONS = 10000;

function isObject(value) {
  return typeof value === 'object' && value !== null && !isArray(value);
}

/**
 * The items of a list in a Z8 (Z8K4 implementations, Z8K1 declarations, Z4K7 /
 * Z4K8 converters): a canonical array ([type, ...items]; an item that is the
 * bare type reference is skipped by the callers, which want objects) or a
 * normal-form typed list.
 */
export function implementations(list) {
  if (isArray(list)) {
    // An array of the parsed request, read before any community code runs: its
    // elements are own data, so the callers read it as it is (a copy costs about
    // 6 k fuel per item on this path).
    if (list.length <= MAX_IMPLEMENTATIONS) return list;
    const out = newList();
    for (let i = 0; i < MAX_IMPLEMENTATIONS; i++) push(out, list[i]);
    return out;
  }
  const out = newList();
  let node = list;
  for (let i = 0; i < MAX_IMPLEMENTATIONS && isObject(node) && hasOwn(node, 'K1'); i++) {
    push(out, own(node, 'K1'));
    node = own(node, 'K2');
  }
  return out;
}

/** The language named by a Z16K1: a ZID (Z600), a name ("javascript"), or null. */
export function languageOf(value, depth) {
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

export function isJavaScript(language) {
  if (language === 'Z600') return true;
  const lower = toLowerCase(language);
  return slice(lower, 0, 10) === 'javascript';
}
