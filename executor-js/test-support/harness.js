// Shared helpers for the executor's node:test suites (kept outside test/ so the
// runner does not treat this file as a test file).

import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import config from '../../rollup.config.mjs';
import { renderMessage } from './errors.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = path.join(repoRoot, 'executor-js', 'fixtures');
export const corpusDir = path.resolve(repoRoot, '..', 'shared', 'conformance', 'wikifunctions-2023');

/** Builds the bundle in memory with the project's rollup config. */
export async function buildBundle() {
  const bundle = await rollup({ ...config, input: path.join(repoRoot, config.input) });
  try {
    const { output } = await bundle.generate(config.output);
    return output[0].code;
  } finally {
    await bundle.close();
  }
}

let cachedBundle;
export async function bundleCode() {
  if (cachedBundle === undefined) cachedBundle = await buildBundle();
  return cachedBundle;
}

/**
 * Loads the bundle into a fresh realm (node:vm context) and returns its entry.
 * `handle(request)` accepts an object (stringified here) or raw text and returns
 * the parsed envelope; `raw` is the executor's own function.
 */
export async function loadExecutor(globals = {}) {
  const code = await bundleCode();
  const context = vm.createContext({ ...globals });
  vm.runInContext(code, context, { filename: 'executor.js' });
  const raw = context.__kiln_executor;
  const run = (source) => vm.runInContext(source, context);
  // The realm's own Promise.prototype.then, captured before any test poisons it,
  // so that the harness itself is not fooled when reading a returned promise.
  const realThen = run('Promise.prototype.then');
  const settle = (result) =>
    typeof result === 'string' ? result : new Promise((resolve, reject) => Reflect.apply(realThen, result, [resolve, reject]));
  const call = (request) => raw(typeof request === 'string' ? request : JSON.stringify(request));
  return {
    context,
    raw,
    run,
    text: async (request) => await settle(call(request)),
    handle: async (request) => JSON.parse(await settle(call(request))),
  };
}

// --- ZObject helpers -----------------------------------------------------------------

export const ref = (zid) => ({ Z1K1: 'Z9', Z9K1: zid });
export const str = (text) => ({ Z1K1: 'Z6', Z6K1: text });

/** Removes every Z1K1 key at every depth. */
export function withoutZ1K1(value) {
  if (Array.isArray(value)) return value.map(withoutZ1K1);
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'Z1K1') out[k] = withoutZ1K1(v);
    return out;
  }
  return value;
}

/** Entries of a normal-form typed map (K1 list of K1/K2 pairs) as [key, value]. */
export function mapEntries(map) {
  const out = [];
  for (let node = map.K1; node && node.K1 !== undefined; node = node.K2) out.push([node.K1.K1, node.K1.K2]);
  return out;
}

/** The Z22K2 metadata as a plain object { key: value }, or null when void. */
export function metadata(envelope) {
  const meta = envelope.Z22K2;
  if (meta && meta.Z1K1 === 'Z9' && meta.Z9K1 === 'Z24') return null;
  const out = {};
  for (const [k, v] of mapEntries(meta)) out[k.Z6K1] = v;
  return out;
}

/**
 * { type, message, z5 } of an error envelope, or null when it is not one. The
 * message is rendered from the Z5 by the table's rule (test-support/errors.js).
 */
export function errorOf(envelope) {
  const isVoid = envelope.Z22K1 && envelope.Z22K1.Z1K1 === 'Z9' && envelope.Z22K1.Z9K1 === 'Z24';
  const meta = metadata(envelope);
  if (!isVoid || meta === null || !meta.errors) return null;
  const z5 = meta.errors;
  return { type: z5.Z5K1 && z5.Z5K1.Z9K1, message: renderMessage(z5), z5 };
}

/** Normal-form list elements (K1/K2 chain). */
export function listItems(list) {
  const out = [];
  for (let node = list; node && node.K1 !== undefined; node = node.K2) out.push(node.K1);
  return out;
}

// --- the conformance corpus (see ../shared/conformance/README.md) ---------------------

export function corpusAvailable() {
  return fs.existsSync(path.join(corpusDir, 'cases.json'));
}

function readCorpusFile(name) {
  return JSON.parse(fs.readFileSync(path.join(corpusDir, 'test_data', name), 'utf8'));
}

function corpusValue(spec) {
  if (spec !== null && typeof spec === 'object' && typeof spec.file === 'string') {
    const content = readCorpusFile(spec.file);
    return spec.key === undefined ? content : content[spec.key];
  }
  return spec;
}

export function corpusRequest(spec) {
  if (typeof spec === 'string') return readCorpusFile(spec);
  const request = spec.base ? readCorpusFile(spec.base) : {};
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'base') continue;
    if (key.startsWith('functionArguments.')) {
      request.functionArguments ??= {};
      request.functionArguments[key.slice('functionArguments.'.length)] = corpusValue(value);
    } else {
      request[key] = corpusValue(value);
    }
  }
  return request;
}

export function corpusExpected(spec) {
  if (typeof spec === 'string') return readCorpusFile(spec);
  const envelope = readCorpusFile(spec.envelope);
  envelope.Z22K1 = readCorpusFile(spec.Z22K1);
  return envelope;
}

export function corpusCases() {
  const cases = JSON.parse(fs.readFileSync(path.join(corpusDir, 'cases.json'), 'utf8'));
  return [
    ...cases.executor_cases.map((c) => ({ ...c, group: 'executor' })),
    ...cases.evaluator_cases.map((c) => ({ ...c, group: 'evaluator' })),
  ];
}

/**
 * Checks an answer against a corpus case; returns null when it passes, else a
 * description of the mismatch.
 */
export function checkCorpusCase(testCase, answer, deepEqual) {
  if (testCase.compare === 'without_Z1K1') {
    const expected = corpusExpected(testCase.expect);
    try {
      deepEqual(withoutZ1K1(answer.Z22K1), withoutZ1K1(expected.Z22K1));
      return null;
    } catch (e) {
      return `Z22K1 differs: ${JSON.stringify(answer)}`;
    }
  }
  if (testCase.compare === 'error') {
    const error = errorOf(answer);
    if (error === null) return `not an error envelope: ${JSON.stringify(answer)}`;
    if (typeof error.message !== 'string' || !error.message.includes(testCase.phrase)) {
      return `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(testCase.phrase)}`;
    }
    return null;
  }
  return `unknown comparison ${testCase.compare}`;
}

// --- kiln's own fixtures (see ../fixtures/README.md) ------------------------------------

export function fixtureNames() {
  return fs
    .readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.request.json'))
    .map((f) => f.slice(0, -'.request.json'.length))
    .sort();
}

export function readFixture(name) {
  return {
    requestText: fs.readFileSync(path.join(fixturesDir, `${name}.request.json`), 'utf8'),
    expected: JSON.parse(fs.readFileSync(path.join(fixturesDir, `${name}.expected.json`), 'utf8')),
  };
}

/** null when `answer` satisfies the fixture expectation, else a description. */
export function checkFixture(expected, answer, deepEqual) {
  if (expected.compare === 'error') {
    const error = errorOf(answer);
    if (error === null) return `not an error envelope: ${JSON.stringify(answer)}`;
    if (expected.type !== undefined && error.type !== expected.type) {
      return `error type ${error.type}, expected ${expected.type} (${error.message})`;
    }
    if (!String(error.message).includes(expected.phrase ?? '')) {
      return `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(expected.phrase)}`;
    }
    return null;
  }
  try {
    deepEqual(answer, expected);
    return null;
  } catch (e) {
    return `answer differs: ${JSON.stringify(answer)}`;
  }
}
