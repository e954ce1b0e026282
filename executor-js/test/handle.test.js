// Behaviour of handle() through the bundle, in a fresh node:vm realm.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, loadExecutor, metadata, str } from '../test-support/harness.js';
import { z885 } from '../test-support/errors.js';

let executor;
before(async () => {
  executor = await loadExecutor();
});

const call = (codeString, functionArguments = {}, functionName = 'f') => ({ codeString, functionName, functionArguments });
async function expectError(request, type, pattern) {
  const answer = await executor.handle(request);
  const error = errorOf(answer);
  assert.ok(error, `not an error: ${JSON.stringify(answer)}`);
  assert.equal(error.type, type, error.message);
  if (pattern) assert.match(error.message, pattern);
  // the Z5 shape: Z5K2 an instance of Z885(type) with exactly the type's keys
  const z5 = metadata(answer).errors;
  assert.deepEqual(Object.keys(z5), ['Z1K1', 'Z5K1', 'Z5K2']);
  assert.deepEqual(z5.Z1K1, { Z1K1: 'Z9', Z9K1: 'Z5' });
  assert.deepEqual(z5.Z5K2.Z1K1, z885(type));
  const keys = { Z507: ['Z507K1', 'Z507K2'], Z561: ['Z561K1'], Z565: ['Z565K1'], Z558: ['Z558K1'] }[type];
  assert.deepEqual(Object.keys(z5.Z5K2), ['Z1K1', ...keys]);
  return error;
}
async function expectValue(request, value) {
  const answer = await executor.handle(request);
  assert.equal(errorOf(answer), null, JSON.stringify(answer));
  assert.deepEqual(answer.Z22K1, value);
  return answer;
}

describe('envelope', () => {
  test('success envelope shape, void Z22K2 without metadata', async () => {
    const answer = await executor.handle(call('function f() { return "x"; }'));
    assert.deepEqual(answer, {
      Z1K1: { Z1K1: 'Z9', Z9K1: 'Z22' },
      Z22K1: str('x'),
      Z22K2: { Z1K1: 'Z9', Z9K1: 'Z24' },
    });
  });
  test('handle returns a string synchronously for synchronous functions', () => {
    const text = executor.raw(JSON.stringify(call('function f() { return "x"; }')));
    assert.equal(typeof text, 'string');
  });
  test('error envelope has the exact typed map / list / pair shape', async () => {
    const answer = await executor.handle(call('function f() { throw new Error("boom"); }'));
    const pairType = { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: { Z1K1: 'Z9', Z9K1: 'Z882' }, Z882K1: { Z1K1: 'Z9', Z9K1: 'Z6' }, Z882K2: { Z1K1: 'Z9', Z9K1: 'Z1' } };
    const listType = { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: { Z1K1: 'Z9', Z9K1: 'Z881' }, Z881K1: pairType };
    assert.deepEqual(answer, {
      Z1K1: { Z1K1: 'Z9', Z9K1: 'Z22' },
      Z22K1: { Z1K1: 'Z9', Z9K1: 'Z24' },
      Z22K2: {
        Z1K1: { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: { Z1K1: 'Z9', Z9K1: 'Z883' }, Z883K1: { Z1K1: 'Z9', Z9K1: 'Z6' }, Z883K2: { Z1K1: 'Z9', Z9K1: 'Z1' } },
        K1: {
          Z1K1: listType,
          K1: {
            Z1K1: pairType,
            K1: str('errors'),
            K2: {
              Z1K1: { Z1K1: 'Z9', Z9K1: 'Z5' },
              Z5K1: { Z1K1: 'Z9', Z9K1: 'Z507' },
              Z5K2: {
                Z1K1: { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: { Z1K1: 'Z9', Z9K1: 'Z885' }, Z885K1: { Z1K1: 'Z9', Z9K1: 'Z507' } },
                Z507K1: { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z99' }, Z99K1: { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: str('f') } },
                Z507K2: {
                  Z1K1: { Z1K1: 'Z9', Z9K1: 'Z5' },
                  Z5K1: { Z1K1: 'Z9', Z9K1: 'Z500' },
                  Z5K2: {
                    Z1K1: { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: { Z1K1: 'Z9', Z9K1: 'Z885' }, Z885K1: { Z1K1: 'Z9', Z9K1: 'Z500' } },
                    Z500K1: str('Error: boom'),
                  },
                },
              },
            },
          },
          K2: { Z1K1: listType },
        },
      },
    });
  });
});

describe('invalid (Z561) and incomplete (Z565) requests', () => {
  test('not JSON, not an object, not a string', async () => {
    await expectError('{', 'Z561', /not valid JSON/);
    await expectError('', 'Z561', /not valid JSON/);
    await expectError('[1]', 'Z561', /JSON object/);
    await expectError('"text"', 'Z561', /JSON object/);
    await expectError('null', 'Z561', /JSON object/);
    const answer = JSON.parse(executor.raw(42));
    assert.equal(errorOf(answer).type, 'Z561');
    assert.equal(errorOf(JSON.parse(executor.raw(undefined))).type, 'Z561');
  });
  describe('missing or wrongly typed keys', () => {
    test('no codeString', async () => {
      await expectError({ functionName: 'f', functionArguments: {} }, 'Z565', /did not provide codeString/);
    });
    test('codeString null', async () => {
      await expectError({ codeString: null, functionName: 'f', functionArguments: {} }, 'Z565', /did not provide codeString/);
    });
    test('no functionName', async () => {
      await expectError({ codeString: 'function f(){}', functionArguments: {} }, 'Z565', /did not provide functionName/);
    });
    test('no functionArguments', async () => {
      await expectError({ codeString: 'function f(){ return "x"; }', functionName: 'f' }, 'Z565', /did not provide functionArguments/);
    });
    test('functionArguments null', async () => {
      await expectError({ codeString: 'function f(){ return "x"; }', functionName: 'f', functionArguments: null }, 'Z565', /did not provide functionArguments/);
    });
    test('codeString a number', async () => {
      await expectError({ codeString: 5, functionName: 'f' }, 'Z561', /codeString must be a string/);
    });
    test('functionName a number', async () => {
      await expectError({ codeString: 'function f(){}', functionName: 5 }, 'Z561', /identifier/);
    });
    test('functionArguments a list', async () => {
      await expectError({ codeString: 'function f(){}', functionName: 'f', functionArguments: [] }, 'Z561', /functionArguments/);
    });
    test('functionArguments a string', async () => {
      await expectError({ codeString: 'function f(){}', functionName: 'f', functionArguments: 'x' }, 'Z561', /functionArguments/);
    });
    test('an argument that is a number', async () => {
      await expectError(call('function f(a){ return a; }', { fK1: 5 }), 'Z561', /Argument fK1/);
    });
    test('an argument that is null', async () => {
      await expectError(call('function f(a){ return a; }', { fK1: null }), 'Z561', /Argument fK1/);
    });
  });
  describe('functionName must be an identifier and is never spliced unchecked', () => {
    for (const name of ['f;globalThis.pwned=1', 'f()', 'a b', '', 'class', 'f\nx', 'f/*']) {
      test(JSON.stringify(name), async () => {
        await expectError(call('function f(){ return "x"; }', {}, name), 'Z561', /identifier/);
        assert.equal(executor.run('typeof globalThis.pwned'), 'undefined');
      });
    }
  });
  test('codeString may be a Z6', async () => {
    await expectValue({ codeString: str('function f(){ return "z"; }'), functionName: 'f', functionArguments: {} }, str('z'));
  });
});

describe('evaluation errors (Z507)', () => {
  test('syntax error', async () => {
    await expectError(call('function f( {'), 'Z507', /SyntaxError/);
  });
  test('the name is not defined / not a function', async () => {
    await expectError(call('function g() {}'), 'Z507', /ReferenceError/);
    await expectError(call('var f = 3;'), 'Z507', /f is not a function after evaluating the code \(it is number\)/);
    await expectError(call('var f = null;'), 'Z507', /it is null/);
  });
  test('top-level code that throws', async () => {
    await expectError(call('throw new TypeError("at load");'), 'Z507', /TypeError: at load/);
  });
  describe('thrown non-Errors give clean messages', () => {
    test('a string', async () => {
      await expectError(call('function f() { throw "just text"; }'), 'Z507', /^just text$/);
    });
    test('a number', async () => {
      await expectError(call('function f() { throw 42; }'), 'Z507', /^Uncaught number: 42$/);
    });
    test('undefined', async () => {
      await expectError(call('function f() { throw undefined; }'), 'Z507', /^Uncaught undefined: undefined$/);
    });
    test('null', async () => {
      await expectError(call('function f() { throw null; }'), 'Z507', /Uncaught/);
    });
    test('a BigInt', async () => {
      await expectError(call('function f() { throw 5n; }'), 'Z507', /^Uncaught bigint: 5n$/);
    });
    test('a symbol', async () => {
      await expectError(call('function f() { throw Symbol("sym"); }'), 'Z507', /^Uncaught Symbol\(sym\)$/);
    });
    test('an object without a message', async () => {
      await expectError(call('function f() { throw {}; }'), 'Z507', /without a message/);
    });
    test('an object with a data message', async () => {
      await expectError(call('function f() { throw { message: "data message" }; }'), 'Z507', /^data message$/);
    });
    test('a function', async () => {
      await expectError(call('function f() { throw function named() {}; }'), 'Z507', /named/);
    });
  });
  test('thrown values with hostile getters / toString never run them', async () => {
    const hostile = `
      function f() {
        const e = new Error("real");
        Object.defineProperty(e, "message", { get() { globalThis.ran = true; throw new Error("getter"); } });
        e.toString = () => { globalThis.ran = true; throw new Error("toString"); };
        throw e;
      }`;
    const error = await expectError(call(hostile), 'Z507');
    assert.equal(error.message, 'Error'); // no readable message: the name only
    await expectError(
      call(`function f() { throw { get message() { globalThis.ran = true; return "x"; }, toString() { globalThis.ran = true; return "y"; } }; }`),
      'Z507',
      /without a message/,
    );
    await expectError(
      call(`function f() { const o = Object.create(null); o[Symbol.toPrimitive] = () => { globalThis.ran = true; }; throw o; }`),
      'Z507',
    );
    assert.equal(executor.run('globalThis.ran'), undefined);
  });
  test('thrown proxies whose traps throw', async () => {
    const code = `function f() {
      const trap = () => { throw new Error("trap"); };
      throw new Proxy({}, { get: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap, has: trap, ownKeys: trap });
    }`;
    await expectError(call(code), 'Z507', /description could not be read/);
  });
  test('a stack overflow the engine turns into a catchable throw is Z507 (only the host reports Z573)', async () => {
    // Under node the engine throws a RangeError; in kiln the wasm stack traps and
    // the host answers Z573 (tests/hostile/recursion_*).
    await expectError(call('function f() { return f(); }'), 'Z507', /call stack|stack overflow/i);
  });
  describe('resource errors cannot be forged: whatever is thrown or rejected is Z507', () => {
    test('RangeError: Maximum call stack size exceeded', async () => {
      await expectError(call('function f() { throw new RangeError("Maximum call stack size exceeded"); }'), 'Z507', /^RangeError: Maximum call stack size exceeded$/);
    });
    test('a plain object named RangeError', async () => {
      await expectError(call(`function f() { throw { name: 'RangeError', message: 'Maximum call stack size exceeded' }; }`), 'Z507', /^RangeError: Maximum call stack size exceeded$/);
    });
    test('RangeError: out of memory', async () => {
      await expectError(call('function f() { throw new RangeError("out of memory"); }'), 'Z507', /^RangeError: out of memory$/);
    });
    test('InternalError: out of memory', async () => {
      await expectError(call('function f() { const e = new Error("out of memory"); e.name = "InternalError"; throw e; }'), 'Z507', /^InternalError: out of memory$/);
    });
    test('Error: stack overflow', async () => {
      await expectError(call('function f() { throw new Error("stack overflow"); }'), 'Z507');
    });
    test('an async RangeError', async () => {
      await expectError(call('async function f() { throw new RangeError("Maximum call stack size exceeded"); }'), 'Z507', /Maximum call stack size exceeded/);
    });
    test('a rejected promise', async () => {
      await expectError(call('function f() { return Promise.reject(new RangeError("out of memory")); }'), 'Z507', /out of memory/);
    });
  });
  describe('unserializable results', () => {
    for (const body of ['return;', 'return 1.5;', 'return () => 1;', 'return Symbol();', 'const a = []; a.push(a); return a;', 'return {a: 1};', 'return new Date(0);']) {
      test(body, async () => {
        await expectError(call(`function f() { ${body} }`), 'Z507', /^Could not serialize/);
      });
    }
  });
  test('a getter on `then` that throws', async () => {
    await expectError(call('function f() { return { Z1K1: "Z10000", get then() { throw new Error("then getter"); } }; }'), 'Z507', /then getter/);
  });
});

describe('arguments', () => {
  test('numeric key order: K2 before K10', async () => {
    const args = {};
    for (const i of [10, 2, 1, 11, 3]) args[`Z1000K${i}`] = str(String(i));
    await expectValue(call('function f(...a) { return a.join(","); }', args), str('1,2,3,10,11'));
  });
  test('Z7 form: other keys are the arguments, in numeric order', async () => {
    const z7 = {
      Z1K1: 'Z7',
      Z7K1: {
        Z1K1: 'Z8',
        Z8K4: ['Z14', { Z1K1: 'Z14', Z14K3: { Z1K1: 'Z16', Z16K1: 'javascript', Z16K2: 'function Z1000(...a) { return a.join(","); }' } }],
        Z8K5: 'Z1000',
      },
      Z1000K10: 'ten',
      Z1000K2: 'two',
      Z1000K1: 'one',
    };
    await expectValue(z7, str('one,two,ten'));
  });
  describe('Z7 form: Z16K1 as Z600 reference, Z61 object, or name', () => {
    for (const language of ['Z600', { Z1K1: 'Z9', Z9K1: 'Z600' }, { Z1K1: 'Z61', Z61K1: 'javascript-es2020' }, { Z1K1: 'Z6', Z6K1: 'JavaScript' }]) {
      test(JSON.stringify(language), async () => {
        const z7 = {
          Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' },
          Z7K1: { Z1K1: 'Z8', Z8K4: ['Z14', { Z1K1: 'Z14', Z14K3: { Z1K1: 'Z16', Z16K1: language, Z16K2: 'function Z1000() { return "ok"; }' } }], Z8K5: 'Z1000' },
        };
        await expectValue(z7, str('ok'));
      });
    }
  });
  test('Z7 form without Z8K5 uses Z14K1', async () => {
    const z7 = {
      Z1K1: 'Z7',
      Z7K1: { Z1K1: 'Z8', Z8K4: ['Z14', { Z1K1: 'Z14', Z14K1: 'Z1000', Z14K3: { Z1K1: 'Z16', Z16K1: 'Z600', Z16K2: 'function Z1000() { return "ok"; }' } }] },
    };
    await expectValue(z7, str('ok'));
  });
  describe('Z7 form: implementationId from a Z2-wrapped implementation', () => {
    const wrapped = (id, code, language = 'javascript') => ({
      Z1K1: 'Z7',
      Z7K1: {
        Z1K1: 'Z8',
        Z8K4: [
          'Z14',
          { Z1K1: 'Z2', Z2K1: { Z1K1: 'Z6', Z6K1: 'Z10020' }, Z2K2: { Z1K1: 'Z14', Z14K1: 'Z1000', Z14K3: { Z1K1: 'Z16', Z16K1: 'python-3', Z16K2: 'x' } } },
          { Z1K1: 'Z2', Z2K1: id, Z2K2: { Z1K1: 'Z14', Z14K1: 'Z1000', Z14K3: { Z1K1: 'Z16', Z16K1: language, Z16K2: code } } },
        ],
        Z8K5: 'Z1000',
      },
      Z1000K1: 'a',
    });
    for (const id of ['Z10021', { Z1K1: 'Z6', Z6K1: 'Z10021' }, { Z1K1: 'Z9', Z9K1: 'Z10021' }]) {
      test(`the chosen JavaScript one's Z2K1 ${JSON.stringify(id)}, on success`, async () => {
        const answer = await expectValue(wrapped(id, 'function Z1000(a) { return a + "!"; }'), str('a!'));
        assert.deepEqual(metadata(answer), { implementationId: str('Z10021') });
      });
    }
    test('with logs, and on an error', async () => {
      const answer = await executor.handle(wrapped('Z10021', 'function Z1000(a) { console.log("hi"); throw new Error("no"); }'));
      const meta = metadata(answer);
      assert.deepEqual(Object.keys(meta), ['errors', 'logs', 'executorDebugLogs', 'implementationId']);
      assert.equal(errorOf(answer).type, 'Z507');
      assert.deepEqual(meta.logs, str('hi'));
      assert.deepEqual(meta.implementationId, str('Z10021'));
      const list = await expectValue(wrapped('Z10021', 'function Z1000(a) { console.log("hi"); return [a]; }'), {
        Z1K1: { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: { Z1K1: 'Z9', Z9K1: 'Z881' }, Z881K1: { Z1K1: 'Z9', Z9K1: 'Z6' } },
        K1: str('a'),
        K2: { Z1K1: { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: { Z1K1: 'Z9', Z9K1: 'Z881' }, Z881K1: { Z1K1: 'Z9', Z9K1: 'Z6' } } },
      });
      const listMeta = metadata(list);
      assert.deepEqual(Object.keys(listMeta), ['logs', 'executorDebugLogs', 'implementationId']);
      assert.deepEqual(listMeta.logs, str('hi'));
      assert.deepEqual(listMeta.implementationId, str('Z10021'));
    });
    test('none for a bare Z14 (Z14K1 is the function) or a Z2K1 that is not a ZID', async () => {
      const bare = {
        Z1K1: 'Z7',
        Z7K1: { Z1K1: 'Z8', Z8K4: ['Z14', { Z1K1: 'Z14', Z14K1: 'Z1000', Z14K3: { Z1K1: 'Z16', Z16K1: 'Z600', Z16K2: 'function Z1000() { return "ok"; }' } }], Z8K5: 'Z1000' },
      };
      assert.equal(metadata(await expectValue(bare, str('ok'))), null);
      assert.equal(metadata(await expectValue(wrapped('not a zid', 'function Z1000(a) { return a; }'), str('a'))), null);
    });
  });
  test('Z7 form: no implementation is Z565, only other languages Z558', async () => {
    await expectError({ Z1K1: 'Z7', Z7K1: 'Z1000' }, 'Z565', /Unable to find programming language/);
    await expectError({ Z1K1: 'Z7', Z7K1: { Z1K1: 'Z8', Z8K4: ['Z14', 'Z10001'], Z8K5: 'Z1000' } }, 'Z565', /Unable to find programming language/);
    await expectError(
      { Z1K1: 'Z7', Z7K1: { Z1K1: 'Z8', Z8K4: ['Z14', { Z1K1: 'Z14', Z14K3: { Z1K1: 'Z16', Z16K1: 'python-3', Z16K2: 'x' } }], Z8K5: 'Z1000' } },
      'Z558',
      /No executor found for programming language python-3/,
    );
  });
});

describe('isolation', () => {
  test('community code does not see executor bindings', async () => {
    const probe = `function f() {
      const names = ['handle', 'apply', 'failure', 'decode', 'encodeResult', 'state', 'jsonParse', 'newList', '__kiln_executor'];
      return names.filter((n) => { try { return typeof eval(n) !== 'undefined'; } catch (e) { return false; } });
    }`;
    const answer = await executor.handle(call(probe));
    assert.equal(errorOf(answer), null, JSON.stringify(answer));
    // only __kiln_executor is visible, because the test harness did not delete it
    assert.deepEqual(answer.Z22K1.K1, str('__kiln_executor'));
    assert.equal(answer.Z22K1.K2.K1, undefined);
  });
  test('__kiln_executor is configurable and non-enumerable', () => {
    const desc = executor.run('Object.getOwnPropertyDescriptor(globalThis, "__kiln_executor")');
    assert.equal(desc.enumerable, false);
    assert.equal(desc.configurable, true);
    assert.equal(typeof desc.value, 'function');
    assert.equal(executor.run('Object.keys(globalThis).includes("__kiln_executor")'), false);
  });
});

describe('promises', () => {
  test('async function result is awaited', async () => {
    const out = executor.raw(JSON.stringify(call('async function f(x) { await null; return [x, x]; }', { fK1: 'a' })));
    assert.equal(typeof out.then, 'function');
    const answer = JSON.parse(await out);
    assert.deepEqual(answer.Z22K1.K2.K1, str('a'));
  });
  test('rejections become Z507', async () => {
    await expectError(call('async function f() { throw new Error("async boom"); }'), 'Z507', /async boom/);
    await expectError(call('function f() { return Promise.reject("plain"); }'), 'Z507', /^plain$/);
  });
  test('thenables are awaited', async () => {
    await expectValue(call('function f() { return { then(ok) { ok("from thenable"); } }; }'), str('from thenable'));
    await expectError(call('function f() { return { then(ok, fail) { fail(7); } }; }'), 'Z507', /Uncaught number: 7/);
    await expectError(call('function f() { return { then() { throw new Error("then threw"); } }; }'), 'Z507', /then threw/);
  });
  test('resolved values that cannot be serialized', async () => {
    await expectError(call('async function f() { return 1; }'), 'Z507', /Could not serialize/);
  });
  test('logs written before and after an await are kept', async () => {
    const answer = await executor.handle(call('async function f() { console.log("before"); await null; console.log("after"); return "x"; }'));
    assert.equal(metadata(answer).logs.Z6K1, 'before\nafter');
  });
});
