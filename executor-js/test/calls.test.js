// Today's calls (issue 12), through the bundle in a fresh realm: the evaluator's envelope,
// big normal-form lists, the Wikifunctions object, and the sealed stack-trace hook.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, loadExecutor, metadata, readFixture, str } from '../test-support/harness.js';

describe('calls', () => {
  let executor;
  before(async () => {
    executor = await loadExecutor();
  });

  test('the envelope gives the same answer as the bare Z7 form, plus its requestId', async () => {
    const { requestText } = readFixture('z7_add');
    const bare = await executor.handle(requestText);
    const wrapped = await executor.handle(`{"zobject":${requestText},"remainingTime":3,"requestId":"r1","allowsCallbacks":true}`);
    assert.deepEqual(wrapped.Z22K1, bare.Z22K1);
    assert.deepEqual(metadata(wrapped).requestId, str('r1'));
  });

  test('envelope fields of the wrong type are Z561', async () => {
    const inner = { codeString: 'function f() { return "x"; }', functionName: 'f', functionArguments: {} };
    for (const bad of [{ requestId: 5 }, { remainingTime: -1 }, { allowsCallbacks: 'yes' }, { requestId: 'x'.repeat(300) }]) {
      const answer = await executor.handle({ zobject: inner, ...bad });
      assert.equal(errorOf(answer).type, 'Z561', JSON.stringify(bad));
    }
    assert.equal(errorOf(await executor.handle({ zobject: 'nope' })).type, 'Z561');
  });

  test('a normal-form typed list of 100,000 elements reaches the code as an array', async () => {
    const type = { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: { Z1K1: 'Z9', Z9K1: 'Z881' }, Z881K1: { Z1K1: 'Z9', Z9K1: 'Z6' } };
    // Written as text: JSON.stringify itself recurses per level.
    const n = 100000;
    const text = '{"codeString":"function f(l) { return Array.isArray(l) + \\":\\" + l.length + \\":\\" + l[0] + l[l.length - 1]; }","functionName":"f","functionArguments":{"K1":' +
      `{"Z1K1":${JSON.stringify(type)},"K1":"a","K2":`.repeat(n) + `{"Z1K1":${JSON.stringify(type)}}` + '}'.repeat(n) + '}}';
    const answer = JSON.parse(await executor.raw(text));
    assert.deepEqual(answer.Z22K1, str(`true:${n}:aa`));
  });

  test('Wikifunctions.Error: also without new; a bad type is a TypeError; values that cannot be written are a Z507', async () => {
    const run = (code) => executor.handle({ codeString: code, functionName: 'f', functionArguments: {} });
    const plain = await run('function f() { throw Wikifunctions.Error("Z500", "plain"); }');
    assert.equal(errorOf(plain).z5.Z5K2.Z507K2.Z5K1.Z9K1, 'Z500');
    assert.deepEqual(errorOf(plain).z5.Z5K2.Z507K2.Z5K2.Z500K1, str('plain'));
    const caught = await run('function f() { try { throw new Wikifunctions.Error("Z500", "x"); } catch (e) { return e instanceof Error && e.name + "|" + e.message; } }');
    assert.deepEqual(caught.Z22K1, str('Wikifunctions.Error|Z500: x'));
    const badType = await run('function f() { new Wikifunctions.Error("nope"); }');
    assert.match(errorOf(badType).message, /TypeError: Wikifunctions.Error: the error type must be a ZID/);
    const unwritable = await run('function f() { throw new Wikifunctions.Error("Z500", 1.5); }');
    assert.match(errorOf(unwritable).message, /^Wikifunctions.Error Z500, value 1: Could not serialize/);
    const rejected = await run('async function f() { throw new Wikifunctions.Error("Z12", "async"); }');
    assert.equal(errorOf(rejected).z5.Z5K2.Z507K2.Z5K1.Z9K1, 'Z12');
    const frozen = await run('function f() { "use strict"; try { Wikifunctions.Debug = null; return "writable"; } catch (e) { return "frozen"; } }');
    assert.deepEqual(frozen.Z22K1, str('frozen'));
  });

  test('converters apply to the members of typed pairs and the keys / values of typed maps', async () => {
    const natural = JSON.parse(readFixture('converter_naturals').requestText).Z7K1.Z8K2;
    const pairType = { Z1K1: 'Z7', Z7K1: 'Z882', Z882K1: natural, Z882K2: 'Z6' };
    const mapType = { Z1K1: 'Z7', Z7K1: 'Z883', Z883K1: 'Z6', Z883K2: natural };
    const n = (v) => ({ Z1K1: 'Z100001', Z100001K1: v });
    const call = (declared, returns, code, value) => ({
      Z1K1: 'Z7',
      Z7K1: {
        Z1K1: 'Z8',
        Z8K1: ['Z17', { Z1K1: 'Z17', Z17K1: declared, Z17K2: 'Z1000K1', Z17K3: { Z1K1: 'Z12', Z12K1: ['Z11'] } }],
        Z8K2: returns,
        Z8K3: ['Z20'],
        Z8K4: ['Z14', { Z1K1: 'Z14', Z14K1: 'Z1000', Z14K3: { Z1K1: 'Z16', Z16K1: 'Z600', Z16K2: code } }],
        Z8K5: 'Z1000',
      },
      Z1000K1: value,
    });
    const pair = await executor.handle(
      call(pairType, pairType, 'function Z1000(p) { return new ZPair(p.K1 + 1n, typeof p.K1 + ":" + p.K2); }', { Z1K1: pairType, K1: n('41'), K2: 'x' }),
    );
    assert.equal(errorOf(pair), null, JSON.stringify(pair));
    assert.deepEqual(pair.Z22K1.K1, { Z1K1: { Z1K1: 'Z9', Z9K1: 'Z100001' }, Z100001K1: str('42') });
    assert.deepEqual(pair.Z22K1.K2, str('bigint:x'));
    const entry = (key, value) => ({ Z1K1: { Z1K1: 'Z7', Z7K1: 'Z882', Z882K1: 'Z6', Z882K2: natural }, K1: key, K2: value });
    const map = await executor.handle(
      call(mapType, 'Z6', 'function Z1000(m) { return [...m].map(([k, v]) => k + "=" + typeof v + ":" + (v * 2n)).join(","); }', {
        Z1K1: mapType,
        K1: ['Z882', entry('a', n('1')), entry('b', n('20'))],
      }),
    );
    assert.equal(errorOf(map), null, JSON.stringify(map));
    assert.deepEqual(map.Z22K1, str('a=bigint:2,b=bigint:40'));
  });

  test('Error.prepareStackTrace is sealed: a hook cannot be installed, stacks stay text', async () => {
    const answer = await executor.handle({
      codeString:
        'function f() { "use strict"; let threw = false; try { Error.prepareStackTrace = (e, s) => s; } catch (e) { threw = true; } return threw + ":" + typeof new Error("x").stack + ":" + Object.getOwnPropertyDescriptor(Error, "prepareStackTrace").configurable; }',
      functionName: 'f',
      functionArguments: {},
    });
    assert.deepEqual(answer.Z22K1, str('true:string:false'));
  });
});
