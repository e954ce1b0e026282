// Cases of kiln/captured-intrinsics (one named test each).

import { ruleTester } from '../rule-tester.js';
import rule from '../rules/captured-intrinsics.js';

const global = (name) => ({ messageId: 'global', data: { name } });
const inFunction = (name) => ({ messageId: 'globalInFunction', data: { name } });
const method = (name) => ({ messageId: 'functionMethod', data: { name } });
const TOP = [{ allowTopLevel: true }];

ruleTester().run('captured-intrinsics', rule, {
  valid: [
    { name: 'imported captures', code: "import { jsonParse, ownKeys } from './intrinsics.js'; export const f = (x) => jsonParse(ownKeys(x));" },
    { name: 'local bindings', code: 'const Object = 1; function f(JSON) { return JSON + Object; }' },
    { name: 'undefined, NaN and Infinity', code: 'const a = [undefined, NaN, Infinity];' },
    { name: 'a property named like a global', code: 'export const f = (record) => ({ JSON: record.Object });' },
    { name: 'an extra allowed name', code: 'const s = Symbol;', options: [{ allow: ['Symbol'] }] },
    { name: 'intrinsics: globals at the top level', code: 'const parse = JSON.parse; export const isArray = Array.isArray;', options: TOP },
    { name: 'intrinsics: .call and .bind at the top level', code: 'const call = Function.prototype.call; const bind = Function.prototype.bind;', options: TOP },
    { name: 'intrinsics: a top-level arrow using only captures', code: 'const R = Reflect; const apply = R.apply; const u = (m) => apply(m, undefined, []);', options: TOP },
    { name: 'intrinsics: a top-level block', code: '{ const G = globalThis; }', options: TOP },
  ],
  invalid: [
    { name: 'Object.keys', code: 'const ownKeys = Object.keys;', errors: [global('Object')] },
    { name: 'JSON.parse', code: "const v = JSON.parse('1');", errors: [global('JSON')] },
    { name: 'Array.prototype', code: 'const map = Array.prototype.map;', errors: [global('Array')] },
    { name: 'globalThis', code: 'globalThis.x = 1;', errors: [global('globalThis')] },
    { name: 'an undeclared name', code: 'unknownThing();', errors: [global('unknownThing')] },
    { name: 'a global inside a function', code: 'function f(x) { return Array.isArray(x); }', errors: [global('Array')] },
    { name: 'a global shadowed only elsewhere', code: 'function f() { const JSON = 1; return JSON; } function g() { return JSON; }', errors: [global('JSON')] },
    { name: '.call read', code: 'export const c = (fn) => fn.call;', errors: [method('call')] },
    { name: '.apply read', code: "export const a = (fn) => fn['apply'];", errors: [method('apply')] },
    { name: '.bind read', code: 'export const b = (fn) => fn.bind;', errors: [method('bind')] },
    { name: 'intrinsics: a global inside a function', code: 'export function f(x) { return Array.isArray(x); }', options: TOP, errors: [inFunction('Array')] },
    { name: 'intrinsics: a global inside an arrow', code: 'const f = () => JSON;', options: TOP, errors: [inFunction('JSON')] },
    { name: 'intrinsics: a global in a class field', code: 'class C { x = Object; }', options: TOP, errors: [inFunction('Object')] },
    { name: 'intrinsics: .call read inside a function', code: 'function f(g) { return g.call; }', options: TOP, errors: [method('call')] },
  ],
});
