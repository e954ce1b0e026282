// ZPair: the JavaScript face of a typed pair (Z882). Installed as the global
// `ZPair`, so community code can write `new ZPair(first, second)`; typed pairs
// given as arguments arrive as ZPair instances with properties K1 and K2.
//
// The executor recognises a pair by its prototype (captured here, at load
// time), and reads K1 / K2 as own data properties only.

import { defineData, getPrototypeOf } from './intrinsics.js';

export class ZPair {
  constructor(K1, K2) {
    // defineProperty, not assignment: a setter planted on Object.prototype
    // must not intercept the fields.
    defineData(this, 'K1', K1);
    defineData(this, 'K2', K2);
  }
}

export const ZPairPrototype = ZPair.prototype;

/** True for ZPair instances, including instances of subclasses. */
export function isZPair(value) {
  let current = getPrototypeOf(value);
  for (let depth = 0; depth < 32 && current !== null; depth++) {
    if (current === ZPairPrototype) return true;
    current = getPrototypeOf(current);
  }
  return false;
}
