// The executor's own JSON writer for the normal-form trees built in zobject.js.
// It never looks at anything community code can reach: nodes are JS strings or
// null-prototype records created by the executor itself.

import {
  charCodeAt,
  isWellFormed,
  join,
  jsonStringify,
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

/**
 * JSON string literal for `text`. Lone surrogates are written as `\udxxx`
 * escapes (well-formed JSON.stringify, ES2019), so the output is always valid
 * UTF-8 once encoded.
 */
export function quote(text) {
  if (isWellFormed(text)) {
    // Captured JSON.stringify on a string primitive: no toJSON, no replacer.
    return jsonStringify(text);
  }
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
 * Node shapes (all created by zobject.js):
 *  - a string: written as a JSON string;
 *  - { kv }: a ZObject; kv is a null-prototype list key0, value0, key1, value1, ...;
 *  - { items, type }: a typed list in normal form, written iteratively as the
 *    nested K1/K2 chain (so long lists do not recurse).
 */
function write(node, out) {
  if (typeof node === 'string') {
    push(out, quote(node));
    return;
  }
  const items = node.items;
  if (items !== undefined) {
    const typeText = toJSONText(node.type);
    const head = '{"Z1K1":' + typeText + ',"K1":';
    const n = items.length;
    for (let i = 0; i < n; i++) {
      push(out, head);
      write(items[i], out);
      push(out, ',"K2":');
    }
    push(out, '{"Z1K1":' + typeText + '}');
    for (let i = 0; i < n; i++) push(out, '}');
    return;
  }
  const kv = node.kv;
  push(out, '{');
  for (let i = 0; i < kv.length; i += 2) {
    if (i > 0) push(out, ',');
    push(out, quote(kv[i]));
    push(out, ':');
    write(kv[i + 1], out);
  }
  push(out, '}');
}

export function toJSONText(node) {
  const out = newList();
  write(node, out);
  return join(out, '');
}
