// JSON string literals for the executor's answers (zobject.js writes the rest
// of the JSON text by concatenation). Only string primitives are quoted, with
// the captured JSON.stringify: nothing community code can reach is consulted.

import {
  charCodeAt,
  isWellFormed,
  join,
  jsonStringify,
  nativeQuote,
  newList,
  push,
  slice,
} from './intrinsics.js';

const HEX = '0123456789abcdef';

function hex4(code) {
  return (
    HEX[(code >> 12) & 15] + HEX[(code >> 8) & 15] + HEX[(code >> 4) & 15] + HEX[code & 15]
  );
}

// Does the captured JSON.stringify write lone surrogates as \u escapes
// (well-formed JSON.stringify, ES2019)? Checked once, at load time.
const STRINGIFY_IS_WELL_FORMED =
  jsonStringify('\ud800a\udc00\ud83d\ude00"\\\u0001') === '"\\ud800a\\udc00\ud83d\ude00\\"\\\\\\u0001"';

/**
 * JSON string literal for `text`. Lone surrogates are written as `\udxxx`
 * escapes (well-formed JSON.stringify, ES2019), so the output is always valid
 * UTF-8 once encoded. The guest's native quote where there is one (the same
 * text, intrinsics.js), else the captured JSON.stringify.
 */
export const quote = nativeQuote !== undefined ? nativeQuote : STRINGIFY_IS_WELL_FORMED ? quoteWithStringify : quoteChecked;

/** JSON string literal for `text` by the captured JSON.stringify: the native quote's oracle. */
export const quoteByStringify = STRINGIFY_IS_WELL_FORMED ? quoteWithStringify : quoteChecked;

function quoteWithStringify(text) {
  // Captured JSON.stringify on a string primitive: no toJSON, no replacer.
  return jsonStringify(text);
}

function quoteChecked(text) {
  if (isWellFormed(text)) return jsonStringify(text);
  return quoteManually(text);
}

export function quoteManually(text) {
  const parts = newList();
  push(parts, '"');
  const length = text.length;
  let start = 0;
  for (let i = 0; i < length; i++) {
    const c = charCodeAt(text, i);
    let escape = null;
    if (c === 0x22) escape = '\\"';
    else if (c === 0x5c) escape = '\\\\';
    else if (c < 0x20) {
      if (c === 0x08) escape = '\\b';
      else if (c === 0x09) escape = '\\t';
      else if (c === 0x0a) escape = '\\n';
      else if (c === 0x0c) escape = '\\f';
      else if (c === 0x0d) escape = '\\r';
      else escape = '\\u' + hex4(c);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < length) {
        const d = charCodeAt(text, i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++; // a valid pair: keep both code units as they are
          continue;
        }
      }
      escape = '\\u' + hex4(c);
    }
    if (escape !== null) {
      if (i > start) push(parts, slice(text, start, i));
      push(parts, escape);
      start = i + 1;
    }
  }
  if (length > start) push(parts, slice(text, start, length));
  push(parts, '"');
  return join(parts, '');
}

/**
 * The executor writes its answers as JSON text directly (see zobject.js). For
 * callers that want a value as a tree-like node: a node is either a string
 * (written as a JSON string) or { json } holding JSON text already written.
 */
export function toJSONText(node) {
  if (typeof node === 'string') return quote(node);
  return node.json;
}
