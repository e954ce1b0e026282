// Unit tests of the type mapping, both directions (sources, this realm).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '../src/decode.js';
import { encodeResult } from '../src/encode.js';
import { toJSONText, quoteManually } from '../src/json.js';
import { isFailure } from '../src/errors.js';
import { ZPair } from '../src/zpair.js';
import { isIdentifier } from '../src/request.js';
import { keyIndex } from '../src/zobject.js';
import { listItems, mapEntries, ref, str } from '../test-support/harness.js';

const encode = (value, declaredInteger) => JSON.parse(toJSONText(encodeResult(value, declaredInteger)));
const call = (fn, args) => ({ Z1K1: ref('Z7'), Z7K1: ref(fn), ...args });
const listOf = (type, items) => {
  let node = { Z1K1: call('Z881', { Z881K1: type }) };
  for (let i = items.length - 1; i >= 0; i--) node = { Z1K1: call('Z881', { Z881K1: type }), K1: items[i], K2: node };
  return node;
};
const failureOf = (fn) => {
  try {
    fn();
  } catch (e) {
    if (!isFailure(e)) assert.fail(`not a failure: ${String(e)}`);
    return e;
  }
  assert.fail('did not throw');
};

describe('decode (ZObject -> JS)', () => {
  test('Z6 normal and canonical', () => {
    assert.equal(decode(str('abc')), 'abc');
    assert.equal(decode('abc'), 'abc');
    assert.equal(decode({ Z1K1: ref('Z6'), Z6K1: 'x' }), 'x');
  });
  test('Z21 unit -> null', () => {
    assert.equal(decode({ Z1K1: ref('Z21') }), null);
    assert.equal(decode({ Z1K1: 'Z21' }), null);
  });
  test('Z40 booleans, Z41 / Z42 references', () => {
    assert.equal(decode({ Z1K1: ref('Z40'), Z40K1: ref('Z41') }), true);
    assert.equal(decode({ Z1K1: 'Z40', Z40K1: 'Z42' }), false);
    assert.equal(decode('Z41'), true);
    assert.equal(decode(ref('Z42')), false);
    assert.ok(isFailure(failureOf(() => decode({ Z1K1: 'Z40', Z40K1: 'Z43' }))));
  });
  test('other references stay Z9 objects', () => {
    assert.deepEqual({ ...decode('Z10001') }, { Z1K1: 'Z9', Z9K1: 'Z10001' });
  });
  test('Z881 typed list, normal and canonical', () => {
    const list = decode(listOf(ref('Z6'), [str('a'), str('b')]));
    assert.ok(Array.isArray(list));
    assert.deepEqual([...list], ['a', 'b']);
    assert.deepEqual([...decode(['Z6', 'x', 'y'])], ['x', 'y']);
    assert.deepEqual([...decode(['Z1'])], []);
    assert.equal(Object.getPrototypeOf(list), Array.prototype);
  });
  test('Z882 typed pair -> ZPair', () => {
    const pair = decode({ Z1K1: call('Z882', { Z882K1: ref('Z6'), Z882K2: ref('Z6') }), K1: str('a'), K2: 'b' });
    assert.ok(pair instanceof ZPair);
    assert.equal(pair.K1, 'a');
    assert.equal(pair.K2, 'b');
  });
  test('Z883 typed map -> Map', () => {
    const pairType = call('Z882', { Z882K1: ref('Z6'), Z882K2: ref('Z40') });
    const map = decode({
      Z1K1: call('Z883', { Z883K1: ref('Z6'), Z883K2: ref('Z40') }),
      K1: listOf(pairType, [{ Z1K1: pairType, K1: str('k'), K2: { Z1K1: ref('Z40'), Z40K1: ref('Z41') } }]),
    });
    assert.ok(map instanceof Map);
    assert.deepEqual([...map], [['k', true]]);
  });
  test('a generic type given as a Z4 whose identity is the call', () => {
    const type = { Z1K1: ref('Z4'), Z4K1: call('Z881', { Z881K1: ref('Z6') }), Z4K2: ['Z3'] };
    assert.deepEqual([...decode({ Z1K1: type, K1: str('q'), K2: { Z1K1: type } })], ['q']);
  });
  test('Z13518 natural number -> BigInt', () => {
    assert.equal(decode({ Z1K1: ref('Z13518'), Z13518K1: str('12345678901234567890') }), 12345678901234567890n);
    assert.equal(decode({ Z1K1: 'Z13518', Z13518K1: '0' }), 0n);
    failureOf(() => decode({ Z1K1: 'Z13518', Z13518K1: '-1' }));
    failureOf(() => decode({ Z1K1: 'Z13518', Z13518K1: '1e3' }));
  });
  test('Z16683 integer -> BigInt', () => {
    const int = (sign, digits) => ({
      Z1K1: ref('Z16683'),
      Z16683K1: { Z1K1: ref('Z16659'), Z16659K1: ref(sign) },
      Z16683K2: { Z1K1: ref('Z13518'), Z13518K1: str(digits) },
    });
    assert.equal(decode(int('Z16662', '42')), -42n);
    assert.equal(decode(int('Z16660', '42')), 42n);
    assert.equal(decode(int('Z16661', '0')), 0n);
    assert.equal(decode({ Z1K1: 'Z16683', Z16683K1: 'Z16662', Z16683K2: { Z1K1: 'Z13518', Z13518K1: '7' } }), -7n);
    failureOf(() => decode(int('Z16661', '3')));
    failureOf(() => decode(int('Z16663', '3')));
  });
  test('user-defined type keeps Z1K1, other keys decoded', () => {
    const value = decode({ Z1K1: ref('Z10000'), Z10000K1: str('a'), Z10000K2: ['Z6', 'b'] });
    assert.equal(value.Z1K1, 'Z10000');
    assert.equal(value.Z10000K1, 'a');
    assert.deepEqual([...value.Z10000K2], ['b']);
    const z4 = { Z1K1: ref('Z4'), Z4K1: ref('Z10000'), Z4K2: [] };
    assert.equal(decode({ Z1K1: z4, Z10000K1: 'x' }).Z1K1, 'Z10000');
    const generic = call('Z10005', { Z10005K1: ref('Z6') });
    assert.equal(decode({ Z1K1: generic, K1: 'x' }).Z1K1, generic);
  });
  test('invalid input', () => {
    assert.equal(failureOf(() => decode(null)).type, 'Z561');
    assert.equal(failureOf(() => decode(3)).type, 'Z561');
    assert.equal(failureOf(() => decode({ Z6K1: 'x' })).type, 'Z561');
    let deep = 'x';
    for (let i = 0; i < 300; i++) deep = { Z1K1: 'Z10000', Z10000K1: deep };
    assert.match(failureOf(() => decode(deep)).message, /nested more than/);
  });
});

describe('encode (JS -> ZObject, normal form)', () => {
  test('string -> Z6', () => {
    assert.deepEqual(encode('hé'), { Z1K1: 'Z6', Z6K1: 'hé' });
  });
  test('booleans -> Z40', () => {
    assert.deepEqual(encode(true), { Z1K1: ref('Z40'), Z40K1: ref('Z41') });
    assert.deepEqual(encode(false), { Z1K1: ref('Z40'), Z40K1: ref('Z42') });
  });
  test('null -> Z21', () => {
    assert.deepEqual(encode(null), { Z1K1: ref('Z21') });
  });
  test('BigInt >= 0 -> Z13518, < 0 -> Z16683', () => {
    assert.deepEqual(encode(5n), { Z1K1: ref('Z13518'), Z13518K1: str('5') });
    assert.deepEqual(encode(-5n), {
      Z1K1: ref('Z16683'),
      Z16683K1: { Z1K1: ref('Z16659'), Z16659K1: ref('Z16662') },
      Z16683K2: { Z1K1: ref('Z13518'), Z13518K1: str('5') },
    });
  });
  test('declared Z16683 return type: BigInt >= 0 -> Z16683', () => {
    assert.equal(encode(0n, true).Z16683K1.Z16659K1.Z9K1, 'Z16661');
    assert.equal(encode(9n, true).Z16683K1.Z16659K1.Z9K1, 'Z16660');
    // only the top-level value
    assert.equal(encode([9n], true).K1.Z1K1.Z9K1, 'Z13518');
  });
  test('Array -> Z881, element type = common type else Z1', () => {
    const strings = encode(['a', 'b']);
    assert.deepEqual(strings.Z1K1, call('Z881', { Z881K1: ref('Z6') }));
    assert.deepEqual(listItems(strings), [str('a'), str('b')]);
    assert.deepEqual(strings.K2.K2, { Z1K1: call('Z881', { Z881K1: ref('Z6') }) });
    assert.deepEqual(encode(['a', true]).Z1K1.Z881K1, ref('Z1'));
    assert.deepEqual(encode([]).Z1K1.Z881K1, ref('Z1'));
    assert.deepEqual(encode([['a'], ['b']]).Z1K1.Z881K1, call('Z881', { Z881K1: ref('Z6') }));
    assert.deepEqual(encode([['a'], [true]]).Z1K1.Z881K1, ref('Z1'));
  });
  test('long lists do not recurse', () => {
    const long = Array.from({ length: 20000 }, (_, i) => String(i));
    assert.equal(listItems(encode(long)).length, 20000);
  });
  test('ZPair -> Z882', () => {
    const out = encode(new ZPair('a', true));
    assert.deepEqual(out.Z1K1, call('Z882', { Z882K1: ref('Z6'), Z882K2: ref('Z40') }));
    assert.deepEqual(out.K1, str('a'));
    class Sub extends ZPair {}
    assert.deepEqual(encode(new Sub('x', 'y')).K2, str('y'));
  });
  test('Map -> Z883', () => {
    const out = encode(new Map([['a', 1n], ['b', 2n]]));
    assert.deepEqual(out.Z1K1, call('Z883', { Z883K1: ref('Z6'), Z883K2: ref('Z13518') }));
    const entries = mapEntries(out);
    assert.deepEqual(entries.map(([k]) => k), [str('a'), str('b')]);
    assert.deepEqual(out.K1.K1.Z1K1, call('Z882', { Z882K1: ref('Z6'), Z882K2: ref('Z13518') }));
    assert.deepEqual(encode(new Map()).Z1K1, call('Z883', { Z883K1: ref('Z1'), Z883K2: ref('Z1') }));
    assert.deepEqual(encode(new Map([['a', 'x'], [true, 'y']])).Z1K1.Z883K1, ref('Z1'));
  });
  test('objects with Z1K1', () => {
    assert.deepEqual(encode({ Z1K1: 'Z10000', Z10000K1: 'a', Z10000K2: [true] }), {
      Z1K1: ref('Z10000'),
      Z10000K1: str('a'),
      Z10000K2: { Z1K1: call('Z881', { Z881K1: ref('Z40') }), K1: encode(true), K2: { Z1K1: call('Z881', { Z881K1: ref('Z40') }) } },
    });
    assert.deepEqual(encode({ Z1K1: 'Z6', Z6K1: 'x' }), str('x'));
    assert.deepEqual(encode({ Z1K1: 'Z9', Z9K1: 'Z41' }), ref('Z41'));
    // a type object is copied (canonical parts normalised)
    assert.deepEqual(encode({ Z1K1: { Z1K1: 'Z7', Z7K1: 'Z10005', Z10005K1: 'Z6' }, K1: 'v' }), {
      Z1K1: call('Z10005', { Z10005K1: ref('Z6') }),
      K1: str('v'),
    });
    // decoded user-defined values round-trip
    const value = decode({ Z1K1: { Z1K1: ref('Z4'), Z4K1: ref('Z10000') }, Z10000K1: str('x') });
    assert.deepEqual(encode(value), { Z1K1: ref('Z10000'), Z10000K1: str('x') });
  });
  test('element types of user-defined objects', () => {
    assert.deepEqual(encode([{ Z1K1: 'Z10000' }, { Z1K1: 'Z10000' }]).Z1K1.Z881K1, ref('Z10000'));
    assert.deepEqual(encode([{ Z1K1: 'Z10000' }, { Z1K1: 'Z10001' }]).Z1K1.Z881K1, ref('Z1'));
  });
  const unserializable = (value, pattern) => {
    const error = failureOf(() => encodeResult(value, false));
    assert.equal(error.type, 'Z507');
    assert.match(error.message, /^Could not serialize/);
    if (pattern) assert.match(error.message, pattern);
  };
  describe('unserializable values give a clean Z507', () => {
    // [name, a function making the value, the message pattern]
    const cases = [
      ['undefined', () => undefined, /undefined/],
      ['a number', () => 3, /number 3/],
      ['NaN', () => NaN, /number NaN/],
      ['a function', () => () => 1, /function/],
      ['a symbol', () => Symbol('s'), /symbol/],
      ['an object without Z1K1', () => ({ a: 1 }), /without a Z1K1/],
      ['a class instance', () => new (class A {})(), /instance of A/],
      ['a null-prototype object', () => Object.create(null), /null prototype/],
      ['a Set', () => new Set(), /instance of Set/],
      ['a list of numbers', () => [1], /number 1/],
      // eslint-disable-next-line no-sparse-arrays -- the hole is the case under test
      ['a list with a hole', () => [, 'a'], /hole/],
      ['a key that is not a ZObject key', () => ({ Z1K1: 'Z10000', foo: 'x' }), /not a ZObject key/],
      ['a Z1K1 that is not a ZID', () => ({ Z1K1: 'nope' }), /not a ZID/],
      ['a Z1K1 that is a number', () => ({ Z1K1: 3 }), /neither a ZID/],
      ['a Z6 whose Z6K1 is not a string', () => ({ Z1K1: 'Z6', Z6K1: 3 }), /not a string/],
      ['a ZPair without K2', () => new ZPair('a'), /undefined/],
    ];
    for (const [name, make, pattern] of cases) {
      test(name, () => unserializable(make(), pattern));
    }
  });
  test('cycles and depth', () => {
    const cyclic = ['a'];
    cyclic.push(cyclic);
    unserializable(cyclic, /cycle/);
    const cyclicObject = { Z1K1: 'Z10000' };
    cyclicObject.Z10000K1 = cyclicObject;
    unserializable(cyclicObject, /cycle/);
    let deep = 'x';
    for (let i = 0; i < 300; i++) deep = [deep];
    unserializable(deep, /nested more than/);
    const shared = ['s'];
    assert.equal(listItems(encode([shared, shared])).length, 2); // a DAG is fine
  });
  test('getters are never run', () => {
    let ran = false;
    const value = { Z1K1: 'Z10000' };
    Object.defineProperty(value, 'Z10000K1', { get() { ran = true; return 'x'; }, enumerable: true });
    unserializable(value, /accessor property Z10000K1/);
    const pair = new ZPair('a', 'b');
    Object.defineProperty(pair, 'K1', { get() { ran = true; return 'x'; } });
    unserializable(pair, /accessor/);
    const array = ['a'];
    Object.defineProperty(array, 0, { get() { ran = true; return 'x'; } });
    unserializable(array, /accessor/);
    assert.equal(ran, false);
  });
  test('proxies whose traps throw become Z507', () => {
    const hostile = new Proxy([], { getOwnPropertyDescriptor() { throw new Error('trap!'); } });
    unserializable(hostile, /reading it threw: Error: trap!/);
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    unserializable(revocable.proxy);
  });
});

describe('JSON text', () => {
  test('strings are escaped, lone surrogates as \\u escapes', () => {
    const text = 'a"b\\c\n\t\u0001\u007f\u2028😀\ud800x\udc00';
    const node = encodeResult(text, false);
    const json = toJSONText(node);
    assert.equal(JSON.parse(json).Z6K1, text);
    assert.match(json, /\\ud800x\\udc00/);
    assert.equal(quoteManually(text), JSON.stringify(text));
    assert.equal(quoteManually('plain'), '"plain"');
  });
});

describe('identifiers and key order', () => {
  describe('isIdentifier', () => {
    for (const ok of ['Z1000', 'f', '_x', '$', 'a1']) {
      test(`accepts ${JSON.stringify(ok)}`, () => assert.ok(isIdentifier(ok), ok));
    }
    for (const bad of ['', '1a', 'a-b', 'a b', 'a;b', 'class', 'return', 'eval', 'arguments', 'x\n', 'é', 'Z1000K1)']) {
      test(`rejects ${JSON.stringify(bad)}`, () => assert.ok(!isIdentifier(bad), bad));
    }
  });
  test('keyIndex', () => {
    assert.equal(keyIndex('Z1000K2'), 2);
    assert.equal(keyIndex('Z1000K10'), 10);
    assert.equal(keyIndex('K3'), 3);
    assert.equal(keyIndex('foo'), -1);
  });
});
