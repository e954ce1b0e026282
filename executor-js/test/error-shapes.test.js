// The exact Z5 of every error path of the executor (through the bundle, in a
// fresh realm): type, Z885 typing, every key; and the message each renders to
// by the table's rule (test-support/errors.js).

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadExecutor, metadata, ref, str } from '../test-support/harness.js';
import { renderMessage, z885 } from '../test-support/errors.js';

let executor;
before(async () => {
  executor = await loadExecutor();
});

const z5 = (zid, keys) => ({ Z1K1: ref('Z5'), Z5K1: ref(zid), Z5K2: { Z1K1: z885(zid), ...keys } });
const z500 = (message) => z5('Z500', { Z500K1: str(message) });
const z99 = (quoted) => ({ Z1K1: ref('Z99'), Z99K1: quoted });
const z507 = (call, message) => z5('Z507', { Z507K1: z99(call), Z507K2: z500(message) });
const quotedCall = (name, args) => ({ Z1K1: ref('Z7'), Z7K1: name, ...args });
const z561 = (inner) => z5('Z561', { Z561K1: inner });
const z502 = (message) => z5('Z502', { Z502K1: ref('Z500'), Z502K2: z500(message) });

/** The Z5 of an error answer, after checking Z22K1 is void. */
async function errorZ5(request) {
  const answer = await executor.handle(request);
  assert.deepEqual(answer.Z22K1, ref('Z24'), JSON.stringify(answer));
  const z = metadata(answer).errors;
  assert.ok(z, JSON.stringify(answer));
  return z;
}

async function expectZ5(request, expected, message) {
  const actual = await errorZ5(request);
  assert.deepEqual(actual, expected);
  assert.equal(renderMessage(actual), message);
}

describe('Z507 error in evaluation', () => {
  test('a thrown Error: the call quoted with its arguments as given, a Z500 with the message', async () => {
    const args = { fK1: 'canonical', fK2: str('normal') };
    await expectZ5(
      { codeString: 'function f(a, b) { throw new TypeError("boom " + a); }', functionName: 'f', functionArguments: args },
      z507(quotedCall(str('f'), args), 'TypeError: boom canonical'),
      'TypeError: boom canonical',
    );
  });
  test('a thrown string is the Z500K1 as it is', async () => {
    await expectZ5(
      { codeString: 'function f() { throw "just text"; }', functionName: 'f', functionArguments: {} },
      z507(quotedCall(str('f'), {}), 'just text'),
      'just text',
    );
  });
  test('a ZID function name is quoted as a Z9', async () => {
    await expectZ5(
      { codeString: 'function Z1000(x) { throw "no"; }', functionName: 'Z1000', functionArguments: { Z1000K1: 'x' } },
      z507(quotedCall(ref('Z1000'), { Z1000K1: 'x' }), 'no'),
      'no',
    );
  });
  test('a syntax error', async () => {
    const actual = await errorZ5({ codeString: 'function f( {', functionName: 'f', functionArguments: {} });
    const message = actual.Z5K2.Z507K2.Z5K2.Z500K1.Z6K1; // engine wording
    assert.match(message, /^SyntaxError/);
    assert.deepEqual(actual, z507(quotedCall(str('f'), {}), message));
  });
  test('the name is not a function', async () => {
    const text = 'f is not a function after evaluating the code (it is number).';
    await expectZ5({ codeString: 'var f = 3;', functionName: 'f', functionArguments: {} }, z507(quotedCall(str('f'), {}), text), text);
  });
  test('an unserialisable result', async () => {
    const actual = await errorZ5({ codeString: 'function f() { return 1.5; }', functionName: 'f', functionArguments: {} });
    const message = actual.Z5K2.Z507K2.Z5K2.Z500K1.Z6K1;
    assert.match(message, /^Could not serialize output JS value: /);
    assert.deepEqual(actual, z507(quotedCall(str('f'), {}), message));
  });
  test('a Z7 call quotes the Z7 itself, as given', async () => {
    const z7 = {
      Z1K1: 'Z7',
      Z7K1: { Z1K1: 'Z8', Z8K4: ['Z14', { Z1K1: 'Z14', Z14K3: { Z1K1: 'Z16', Z16K1: 'Z600', Z16K2: 'function Z1000(a) { throw new Error("z7 " + a); }' } }], Z8K5: 'Z1000' },
      Z1000K1: 'one',
    };
    await expectZ5(z7, z507(z7, 'Error: z7 one'), 'Error: z7 one');
  });
  test('arguments decoded into community values do not change the quote', async () => {
    // The code mutates the type object it received (a user-defined type's Z1K1
    // reaches it as given); the quote is read again from the request text.
    const arg = { Z1K1: { Z1K1: 'Z4', Z4K1: 'Z10001' }, Z10001K1: 'v' };
    await expectZ5(
      { codeString: 'function f(a) { a.Z1K1.polluted = true; Object.prototype.toJSON = () => "forged"; throw "x"; }', functionName: 'f', functionArguments: { fK1: arg } },
      z507(quotedCall(str('f'), { fK1: arg }), 'x'),
      'x',
    );
    executor.run('delete Object.prototype.toJSON');
  });
});

describe('Z561 invalid evaluation request', () => {
  test('not JSON: a Z501 with the message and the request text', async () => {
    await expectZ5('{"codeString":', z561(z5('Z501', { Z501K1: str('The request is not valid JSON.'), Z501K2: str('{"codeString":') })), 'The request is not valid JSON.');
  });
  test('not JSON, long: the quoted input is cut at 256 code units', async () => {
    const text = '{' + 'x'.repeat(1000);
    const actual = await errorZ5(text);
    assert.equal(actual.Z5K2.Z561K1.Z5K2.Z501K2.Z6K1, text.slice(0, 256) + '…');
  });
  test('not a JSON object: a Z502 (subtype Z500) with a Z500 message', async () => {
    await expectZ5('[1]', z561(z502('The request must be a JSON object.')), 'The request must be a JSON object.');
  });
  test('a bad identifier', async () => {
    const text = 'functionName must be a JavaScript identifier, got "f;x".';
    await expectZ5({ codeString: 'x', functionName: 'f;x', functionArguments: {} }, z561(z502(text)), text);
  });
  test('an argument that cannot be decoded', async () => {
    const actual = await errorZ5({ codeString: 'function f(a) {}', functionName: 'f', functionArguments: { fK1: 5 } });
    const message = renderMessage(actual);
    assert.match(message, /^Argument fK1: /);
    assert.deepEqual(actual, z561(z502(message)));
  });
});

describe('Z565 incomplete executor request', () => {
  const cases = [
    ['codeString', { functionName: 'f', functionArguments: {} }, 'Function call did not provide codeString.'],
    ['functionName', { codeString: 'function f() {}', functionArguments: {} }, 'Function call did not provide functionName.'],
    ['functionArguments', { codeString: 'function f() { return "x"; }', functionName: 'f' }, 'Function call did not provide functionArguments.'],
    ['functionArguments', { codeString: 'function f() { return "x"; }', functionName: 'f', functionArguments: null }, 'Function call did not provide functionArguments.'],
    [
      'implementation',
      { Z1K1: 'Z7', Z7K1: 'Z1000' },
      'Unable to find programming language: the function call carries no implementation in code (an inline Z8 whose Z8K4 lists a Z14 with a Z16 code).',
    ],
    [
      'Z8K5',
      { Z1K1: 'Z7', Z7K1: { Z1K1: 'Z8', Z8K4: ['Z14', { Z1K1: 'Z14', Z14K3: { Z1K1: 'Z16', Z16K1: 'Z600', Z16K2: 'function f() {}' } }] } },
      'Function call did not provide functionName (no Z8K5 identity on the Z8).',
    ],
  ];
  for (const [property, request, message] of cases) {
    test(`${property}: ${JSON.stringify(request).slice(0, 80)}`, async () => {
      await expectZ5(request, z5('Z565', { Z565K1: str(property) }), message);
    });
  }
});

describe('Z558 invalid programming language', () => {
  test('only a Python implementation', async () => {
    const z7 = { Z1K1: 'Z7', Z7K1: { Z1K1: 'Z8', Z8K4: ['Z14', { Z1K1: 'Z14', Z14K3: { Z1K1: 'Z16', Z16K1: 'python-3', Z16K2: 'x' } }], Z8K5: 'Z1000' } };
    await expectZ5(z7, z5('Z558', { Z558K1: str('python-3') }), 'No executor found for programming language python-3: kiln only runs JavaScript implementations.');
  });
});
