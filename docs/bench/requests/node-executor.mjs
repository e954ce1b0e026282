// One call the way the pre-Wasm evaluator ran it: a fresh Node process evaluates the bundled
// executor as plain JavaScript and answers one request. Used by `kiln bench` for its node column.
// Usage: node node-executor.mjs BUNDLE REQUEST
import { readFileSync } from 'node:fs';

const [bundlePath, requestPath] = process.argv.slice(2);
(0, eval)(readFileSync(bundlePath, 'utf8'));
const handle = globalThis.__kiln_executor;
const answer = await handle(readFileSync(requestPath, 'utf8'));
process.stdout.write(answer + '\n');
