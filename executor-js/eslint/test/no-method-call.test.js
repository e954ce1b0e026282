// Cases of kiln/no-method-call (one named test each).

import { ruleTester } from '../rule-tester.js';
import rule from '../rules/no-method-call.js';

const call = (name) => ({ messageId: 'call', data: { name } });

ruleTester().run('no-method-call', rule, {
  valid: [
    { name: 'a captured wrapper', code: 'slice(text, 0, 3);' },
    { name: 'the captured apply', code: 'apply(fn, undefined, values);' },
    { name: 'calling a function value', code: 'fn(values[0], values[1]);' },
    { name: 'calling the result of a call', code: "globalEval('0,function(){}')();" },
    { name: 'property reads are not calls', code: 'const t = typeof value.then; const n = list.length;' },
    { name: 'this.method() in a class method', code: 'class E { a() { return this.b(); } b() { return 1; } }' },
    { name: 'this.method() in an arrow inside a class method', code: 'class E { a() { return () => this.b(); } b() {} }' },
    { name: 'this.method() in a class field', code: 'class E { x = this.b(); b() {} }' },
    { name: 'a method of a new local class instance', code: 'class E { v() {} } new E(1).v();' },
    { name: 'new of a captured constructor', code: 'new MapCtor();' },
    { name: 'a tagged template with a plain tag', code: 'tag`x`;' },
  ],
  invalid: [
    { name: 'hasOwnProperty on a value', code: "value.hasOwnProperty('x');", errors: [call('hasOwnProperty')] },
    { name: 'map on a list', code: 'list.map(f);', errors: [call('map')] },
    { name: 'slice on a string', code: 'str.slice(1);', errors: [call('slice')] },
    { name: 'a computed method name', code: 'object[key]();', errors: [call('[computed]')] },
    { name: 'a string-literal method name', code: "object['toString']();", errors: [call('toString')] },
    { name: 'an optional call', code: 'object?.then(f);', errors: [call('then')] },
    { name: 'a parenthesised optional member', code: '(object?.then)(f);', errors: [call('then')] },
    { name: 'a comma-detached method', code: '(0, object.then)(f);', errors: [call('then')] },
    { name: 'Function.prototype.call on a value', code: 'fn.call(undefined, 1);', errors: [call('call')] },
    { name: 'a built-in namespace method', code: "JSON.parse('1');", errors: [call('parse')] },
    { name: 'this outside a class', code: 'function f() { return this.g(); }', errors: [call('g')] },
    { name: 'this in a plain function inside a class method', code: 'class E { a() { return function () { return this.g(); }; } }', errors: [call('g')] },
    { name: 'a new instance of a global', code: 'new Map().set(1, 2);', errors: [call('set')] },
    {
      name: 'new of a member',
      code: 'new value.constructor();',
      errors: [{ messageId: 'construct', data: { name: 'constructor' } }],
    },
    { name: 'a member tag', code: 'String.raw`x`;', errors: [{ messageId: 'tag', data: { name: 'raw' } }] },
  ],
});
