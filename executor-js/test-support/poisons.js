// Requests and poisons shared by test/poisoning.test.js and poison-child.js.

import { str } from './harness-lite.js';

const call = (codeString, functionArguments = {}, functionName = 'f') =>
  JSON.stringify({ codeString, functionName, functionArguments });
const listType = (t) => ({ Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: { Z1K1: 'Z9', Z9K1: 'Z881' }, Z881K1: { Z1K1: 'Z9', Z9K1: t } });
const list = (t, items) => items.reduceRight((rest, item) => ({ Z1K1: listType(t), K1: item, K2: rest }), { Z1K1: listType(t) });
const pairType = { Z1K1: 'Z7', Z7K1: 'Z882', Z882K1: 'Z6', Z882K2: 'Z6' };
const mapArg = {
  Z1K1: { Z1K1: 'Z7', Z7K1: 'Z883', Z883K1: 'Z6', Z883K2: 'Z40' },
  K1: ['Z882', { Z1K1: pairType, K1: 'k1', K2: { Z1K1: 'Z40', Z40K1: 'Z41' } }, { Z1K1: pairType, K1: 'k2', K2: 'Z42' }],
};
const natural = { Z1K1: 'Z13518', Z13518K1: '123456789012345678901234567890' };
const integer = { Z1K1: 'Z16683', Z16683K1: 'Z16662', Z16683K2: { Z1K1: 'Z13518', Z13518K1: '42' } };
const userDefined = { Z1K1: { Z1K1: 'Z4', Z4K1: 'Z10000', Z4K2: ['Z3'] }, Z10000K1: str('cerebellum'), Z10000K2: ['Z6', 'a'] };

// Community code in these requests uses no built-in method, so the poison can
// only change the answer by reaching the executor.
const ECHO = 'function f(a, b, c, d, e, g, h) { return [a, b, c, d, e, g, h]; }';
const VALUE = `[ "s\\u00e9\\ud800", true, false, null, 5n, -5n, 0n, [], [["x"]],
  { Z1K1: "Z10000", Z10000K1: "v", Z10000K2: [true] },
  { Z1K1: { Z1K1: "Z7", Z7K1: "Z10005", Z10005K1: "Z6" }, K1: "w" },
  new ZPair("p", new ZPair("q", null)) ]`;
export const REQUESTS = [
  call(ECHO, {
    fK10: list('Z6', [str('ten')]),
    fK2: mapArg,
    fK1: list('Z6', [str('a'), str('b')]),
    fK3: { Z1K1: { Z1K1: 'Z7', Z7K1: 'Z882', Z882K1: 'Z6', Z882K2: 'Z6' }, K1: 'l', K2: str('r') },
    fK4: natural,
    fK5: integer,
    fK6: userDefined,
  }),
  call(`function f() { return ${VALUE}; }`),
  call('function f(m) { return m; }', { fK1: mapArg }),
  call('async function f(a) { await null; return a; }', { fK1: list('Z6', [str('async')]) }),
  call('function f() { return { then(ok) { ok("thenable"); } }; }'),
  call('function f() { console.log("a", "b"); console.error("c"); return "logged"; }'),
  call('function f() { throw new Error("boom"); }'),
  call('function f() { throw "text"; }'),
  call('function f() { throw { message: 1 }; }'),
  call('async function f() { throw new TypeError("async boom"); }'),
  call('function f() { return f(); }'),
  call('function f( {'),
  call('function f() { return 1; }'),
  call('function f() { return undefined; }'),
  call('function f() { const a = [1]; a[0] = a; return a; }'),
  call('function f() { return { a: 1 }; }'),
  call('var f = 1;'),
  call('function f() {}', {}, 'not valid'),
  JSON.stringify({ functionName: 'f' }),
  JSON.stringify({ codeString: 'function f() {}' }),
  '{"codeString": ',
  '[]',
  JSON.stringify({
    Z1K1: 'Z7',
    Z7K1: {
      Z1K1: 'Z8',
      Z8K2: 'Z16683',
      Z8K4: ['Z14', { Z1K1: 'Z14', Z14K3: { Z1K1: 'Z16', Z16K1: { Z1K1: 'Z61', Z61K1: 'javascript' }, Z16K2: 'function Z1000(x) { return x; }' } }],
      Z8K5: 'Z1000',
    },
    Z1000K1: natural,
  }),
  JSON.stringify({ Z1K1: 'Z7', Z7K1: { Z1K1: 'Z8', Z8K4: ['Z14', { Z1K1: 'Z14', Z14K3: { Z1K1: 'Z16', Z16K1: 'java', Z16K2: 'x' } }], Z8K5: 'Z1000' } }),
  JSON.stringify({ Z1K1: 'Z7', Z7K1: { Z1K1: 'Z8', Z8K4: ['Z14'], Z8K5: 'Z1000' } }),
];

// Poisoned functions throw a string: they must not depend on globals they poison.
const thrower = 'function () { throw "poisoned built-in called"; }';
const accessorKeys = [
  'value', 'get', 'set', 'writable', 'enumerable', 'configurable', 'done', 'then',
  'Z1K1', 'Z6K1', 'Z9K1', 'K1', 'K2', 'length', '0', '1', 'message', 'name', 'stack',
  'codeString', 'functionName', 'functionArguments', 'Z7K1', 'Z8K4', 'Z8K5', 'Z14K3', 'Z16K1', 'Z16K2',
  'kv', 'items', 'type', 'key', 'node', 'index', 'lines', 'bytes', 'truncated', 'path', 'declaredInteger',
  'code', 'args', 'declaredType', 'id', 'fn', 'errors', 'logs', 'prototype', 'size',
];
export const POISONS = {
  'JSON.parse / JSON.stringify': `JSON.parse = ${thrower}; JSON.stringify = ${thrower};`,
  'accessors on Object.prototype': `
    for (const key of ${JSON.stringify(accessorKeys)}) {
      Object.defineProperty(Object.prototype, key, {
        __proto__: null,
        get() { return key === 'then' ? undefined : 'pwned'; },
        set(v) { throw 'setter ' + key; },
        configurable: true,
      });
    }`,
  'Object.prototype methods and Symbol.toPrimitive': `
    Object.prototype.toString = ${thrower}; Object.prototype.valueOf = ${thrower};
    Object.prototype.hasOwnProperty = ${thrower}; Object.prototype[Symbol.toPrimitive] = ${thrower};`,
  'Object.* and Reflect.*': `
    const names = Object.getOwnPropertyNames;
    const objectNames = names(Object), reflectNames = names(Reflect);
    for (const k of objectNames) { try { Object[k] = ${thrower}; } catch (e) {} }
    for (const k of reflectNames) { try { Reflect[k] = ${thrower}; } catch (e) {} }
    globalThis.Reflect = undefined; globalThis.Object = undefined;`,
  'Array.prototype methods, iterator, index accessors': `
    for (const k of Object.getOwnPropertyNames(Array.prototype)) { if (k !== 'length' && k !== 'constructor') Array.prototype[k] = ${thrower}; }
    Array.prototype[Symbol.iterator] = function* () { yield 'pwned'; };
    Object.defineProperty(Array.prototype, '0', { get() { return 'pwned'; }, set() { throw 'index setter'; }, configurable: true });
    Object.defineProperty(Array.prototype, '1', { get() { return 'pwned'; }, set() { throw 'index setter'; }, configurable: true });
    Array.isArray = () => false; Array.from = ${thrower};`,
  'String.prototype methods': `
    for (const k of Object.getOwnPropertyNames(String.prototype)) { if (k !== 'length' && k !== 'constructor') String.prototype[k] = ${thrower}; }
    String.prototype.isWellFormed = () => true;
    String.prototype[Symbol.iterator] = function* () { yield 'pwned'; };
    globalThis.String = ${thrower};`,
  'Map.prototype, its iterator and Map': `
    const it = Object.getPrototypeOf(new Map().entries());
    it.next = () => ({ done: false, value: ['pwned', 'pwned'] });
    for (const k of Object.getOwnPropertyNames(Map.prototype)) { if (k !== 'constructor' && k !== 'size') Map.prototype[k] = ${thrower}; }
    Object.defineProperty(Map.prototype, 'size', { get() { return 99; }, configurable: true });
    Map.prototype[Symbol.iterator] = ${thrower};
    globalThis.Map = ${thrower};`,
  'Promise': `
    Promise.prototype.then = function (ok) { return ok('pwned'); };
    Promise.prototype.catch = ${thrower}; Promise.prototype.finally = ${thrower};
    Promise.resolve = ${thrower}; globalThis.Promise = ${thrower};`,
  'BigInt, Symbol, Number, Boolean prototypes': `
    BigInt.prototype.toString = () => 'pwned'; BigInt.prototype.valueOf = () => 1n; BigInt.prototype.toLocaleString = ${thrower};
    Symbol.prototype.toString = ${thrower}; Object.defineProperty(Symbol.prototype, 'description', { get: ${thrower} });
    Number.prototype.toString = ${thrower}; Boolean.prototype.toString = ${thrower}; globalThis.BigInt = ${thrower};`,
  'Function.prototype and Function': `
    Function.prototype.call = ${thrower}; Function.prototype.apply = ${thrower}; Function.prototype.bind = ${thrower};
    Function.prototype.toString = ${thrower};
    globalThis.Function = ${thrower}; globalThis.eval = ${thrower};`,
  'WeakSet, WeakMap, Set': `
    WeakSet.prototype.has = () => true; WeakSet.prototype.add = ${thrower}; globalThis.WeakSet = ${thrower};
    WeakMap.prototype.get = ${thrower}; Set.prototype.has = () => true;`,
  // (Error constructors stay: community code in the requests throws Errors.)
  'Error and its stack machinery': `
    Error.prepareStackTrace = () => { throw 'prepareStackTrace'; };
    Error.captureStackTrace = ${thrower};
    Object.defineProperty(Error.prototype, 'message', { get: ${thrower}, configurable: true });
    Error.prototype.toString = ${thrower};
    TypeError.prototype.toString = ${thrower};`,
  'ZPair and console replaced': `
    globalThis.ZPair = class { constructor() { throw 'fake ZPair'; } };
    globalThis.console = { log: ${thrower}, error: ${thrower} };`,
  'globalThis.globalThis and friends': `
    globalThis.__kiln_executor = ${thrower}; globalThis.globalThis = undefined;`,
};

// The community function poisons the realm and then returns a value (or throws).
export const BODIES = [
  `return ${VALUE};`,
  'return arguments[0];',
  'throw new Error("after poisoning");',
  'throw { message: "object" };',
  'return "plain";',
];
const INSIDE_ARGS = { fK1: mapArg };

/** [clean request, poisoned-inside request] pairs for one poison. */
export function insideRequests(poison) {
  return BODIES.map((body) => [
    call(`function f() { ${body} }`, INSIDE_ARGS),
    // Evaluate the value before poisoning (the poison may break building it),
    // then poison, then return it.
    call(
      `function f() {
        const result = (() => { try { return { ok: (() => { ${body} })() }; } catch (e) { return { error: e }; } })();
        (function () { try { ${poison} } catch (e) {} })(); // may run again in a poisoned realm
        if ('error' in result) throw result.error;
        return result.ok;
      }`,
      INSIDE_ARGS,
    ),
  ]);
}
