// Properties of the bundle itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { buildBundle, bundleCode, loadExecutor } from '../test-support/harness.js';

test('the bundle is deterministic', async () => {
  assert.equal(await buildBundle(), await buildBundle());
});

test('the bundle is one strict IIFE with no exports, imports, banners or dates', async () => {
  const code = await bundleCode();
  assert.match(code, /^\(function \(\) \{\n\s+'use strict';/);
  assert.doesNotMatch(code, /^\s*(export|import)\s|\brequire\(/m);
  assert.doesNotMatch(code, /Date|Math\.random|process\.|Buffer|TextEncoder/);
});

test('loading needs no Date, Math.random, console or timers and prints nothing', async () => {
  const code = await bundleCode();
  const trap = () => {
    throw new Error('touched at load time');
  };
  const context = vm.createContext({});
  vm.runInContext('Date = undefined; Math.random = () => { throw new Error("random"); };', context);
  context.setTimeout = trap;
  vm.runInContext(code, context);
  assert.equal(typeof context.__kiln_executor, 'function');
});

test('__kiln_executor can be deleted; the captured handle keeps working', async () => {
  const executor = await loadExecutor();
  assert.equal(executor.run('delete globalThis.__kiln_executor'), true);
  assert.equal(executor.run('typeof __kiln_executor'), 'undefined');
  const answer = await executor.handle({ codeString: 'function f() { return typeof __kiln_executor; }', functionName: 'f', functionArguments: {} });
  assert.deepEqual(answer.Z22K1, { Z1K1: 'Z6', Z6K1: 'undefined' });
});

test('installs console and ZPair as non-enumerable globals', async () => {
  const executor = await loadExecutor();
  assert.equal(executor.run('typeof console.log + typeof ZPair'), 'functionfunction');
  assert.equal(executor.run('Object.keys(globalThis).length'), 0);
});

test('the bundle also evaluates as a module body', async () => {
  // The Rust side may evaluate it as a module: no top-level `this`, strict.
  const code = await bundleCode();
  const context = vm.createContext({});
  vm.runInContext(`(function () { 'use strict'; ${code} }).call(undefined)`, context);
  assert.equal(typeof context.__kiln_executor, 'function');
});
