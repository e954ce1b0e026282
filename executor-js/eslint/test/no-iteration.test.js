// Cases of kiln/no-iteration (one named test each).

import { ruleTester } from '../rule-tester.js';
import rule from '../rules/no-iteration.js';

ruleTester().run('no-iteration', rule, {
  valid: [
    { name: 'an index loop', code: 'for (let i = 0; i < list.length; i++) push(out, list[i]);' },
    { name: 'an endless loop', code: 'for (;;) { break; }' },
    { name: 'rest parameters (no iterator)', code: 'function f(...args) { return args; }' },
    { name: 'object destructuring of own keys', code: 'const { a } = record;' },
    { name: 'an empty Map', code: 'const m = new MapCtor();' },
    { name: 'an empty WeakSet', code: 'const s = new WeakSet();' },
    { name: 'another constructor with arguments', code: 'const e = new TypeErrorCtor("x");' },
    { name: 'a plain yield', code: 'function* g() { yield 1; }' },
  ],
  invalid: [
    { name: 'for-of', code: 'for (const x of list) f(x);', errors: [{ messageId: 'forOf' }] },
    { name: 'for-await-of', code: 'async function f() { for await (const x of list) g(x); }', errors: [{ messageId: 'forOf' }] },
    { name: 'for-in', code: 'for (const k in object) f(k);', errors: [{ messageId: 'forIn' }] },
    { name: 'array spread', code: 'const copy = [...list];', errors: [{ messageId: 'spread' }] },
    { name: 'call spread', code: 'f(...args);', errors: [{ messageId: 'spread' }] },
    { name: 'new spread', code: 'new C(...args);', errors: [{ messageId: 'spread' }] },
    { name: 'object spread', code: 'const copy = { ...object };', errors: [{ messageId: 'objectSpread' }] },
    { name: 'array destructuring', code: 'const [a, b] = pair;', errors: [{ messageId: 'arrayPattern' }] },
    { name: 'array destructuring in a parameter', code: 'function f([a]) { return a; }', errors: [{ messageId: 'arrayPattern' }] },
    { name: 'array destructuring assignment', code: '[a, b] = [b, a];', errors: [{ messageId: 'arrayPattern' }] },
    { name: 'array destructuring in for-of', code: 'for (const [k, v] of map) f(k, v);', errors: [{ messageId: 'forOf' }, { messageId: 'arrayPattern' }] },
    { name: 'yield*', code: 'function* g() { yield* list; }', errors: [{ messageId: 'yieldStar' }] },
    { name: 'new Map(iterable)', code: 'new Map(entries);', errors: [{ messageId: 'collection', data: { name: 'Map' } }] },
    { name: 'new MapCtor(iterable)', code: 'new MapCtor(entries);', errors: [{ messageId: 'collection', data: { name: 'MapCtor' } }] },
    { name: 'new Set(iterable)', code: 'new Set(items);', errors: [{ messageId: 'collection', data: { name: 'Set' } }] },
    { name: 'new WeakSetCtor(iterable)', code: 'new WeakSetCtor(items);', errors: [{ messageId: 'collection', data: { name: 'WeakSetCtor' } }] },
  ],
});
