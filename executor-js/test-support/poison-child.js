// Child process for test/poisoning.test.js. Loads the bundle into this
// process's own realm (node:vm contexts cannot be used here: Node's context
// interceptors crash on a poisoned Object.prototype), poisons the realm, runs
// the requests and writes the answers as JSON to stdout.
//
// usage: node poison-child.js <bundle file> <poison name> <before|inside>

import fs from 'node:fs';
import vm from 'node:vm';
import { POISONS, REQUESTS, insideRequests } from './poisons.js';

// Everything this script needs after the poison, captured first.
const writeSync = fs.writeSync;
const stringify = JSON.stringify;
// Exit right after writing: Node's own shutdown path may trip over the poison.
const reallyExit = process.reallyExit;
const processObject = process;
const [bundleFile, poisonName, mode] = process.argv.slice(2);
const poison = POISONS[poisonName];
const requests = mode === 'inside' ? insideRequests(poison).map((pair) => pair[1]) : REQUESTS;
const count = requests.length;
const ReflectApply = Reflect.apply;
const answers = Object.create(null);

vm.runInThisContext(fs.readFileSync(bundleFile, 'utf8'), { filename: 'executor.js' });
const handle = globalThis.__kiln_executor;
delete globalThis.__kiln_executor;

if (mode === 'before') vm.runInThisContext(poison);

for (let i = 0; i < count; i++) {
  let answer = handle(requests[i]);
  if (typeof answer !== 'string') answer = await answer;
  answers[i] = answer;
}
// Built by hand: only the captured stringify, applied to strings.
let text = '[';
for (let i = 0; i < count; i++) text += (i ? ',' : '') + stringify(answers[i]);
text += ']';
writeSync(1, text);
ReflectApply(reallyExit, processObject, [0]);
